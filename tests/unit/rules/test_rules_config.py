"""``fields`` and ``lookups`` are checked when the config is parsed (docs/mapping.md §7.2, §7.3),
and the Salesforce fields rules read join the deal's one composite read (§7.4)."""

from __future__ import annotations

from typing import Any

import pytest

from closedwon.config import parse_mapping_config
from closedwon.errors import AuthOrConfig
from closedwon.salesforce import soql

OPP = "0065f0000000001AAA"


def fields(record_type: str, field: str, rule: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"fields": {record_type: {field: rule}}, **extra}


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            fields("customer", "externalId", {"value": "x"}),
            "fields.customer.externalId: externalId is set by the product",
        ),
        (fields("customer", "subsidiary", {"value": "2"}), "subsidiary is set by the product"),
        (fields("subscription", "customer", {"value": "2"}), "customer is set by the product"),
        (fields("subscriptionPlan", "itemId", {"value": "x"}), "itemId is set by the product"),
        (fields("customer", "addressBook", {"value": "x"}), "addressBook is set by the product"),
        (fields("customer", "balance", {"value": "1"}), "balance is not a writable standard field"),
        (fields("customer", "colour", {"value": "1"}), "colour is not a writable standard field"),
        (
            fields("customer", "salesRep", {"value": "1", "type": "text"}),
            "salesRep is a select field",
        ),
        (
            fields("customer", "salesRep", {"from": "Opportunity.Owner.Email", "lookup": "reps"}),
            "lookup 'reps' is not in lookups",
        ),
        (
            fields("customer", "custentity_x", {"from": "Line.Id"}),
            "reads Line, which customer rules cannot see",
        ),
        (fields("subscriptionPlan", "custrecord_x", {"from": "Account.Name"}), "reads Account"),
        (
            fields("subscriptionPlan", "custrecord_x", {"from": "RootLine.Id"}),
            "may read only product fields",
        ),
        (fields("invoice", "memo", {"value": "x"}), "fields.invoice"),
        ({"netsuite": {"timezone": "Mars/Olympus"}}, "not an IANA time zone"),
        ({"netsuite": {"external_id_prefix": "SF PLAN "}}, "netsuite.external_id_prefix"),
    ],
)
def test_given_a_rule_that_cannot_work_when_the_config_is_parsed_then_it_is_a_config_error(
    config: dict[str, Any], problem: str
) -> None:
    with pytest.raises(AuthOrConfig, match=problem.replace("(", r"\(")):
        parse_mapping_config(config)


def test_given_standard_and_custom_fields_with_a_lookup_then_the_config_is_accepted() -> None:
    config = parse_mapping_config(
        {
            "fields": {
                "customer": {
                    "salesRep": {"from": "Opportunity.Owner.Email", "lookup": "reps"},
                    "custentity_industry": {"from": "Account.Industry"},
                },
                "subscription": {"department": {"value": "3"}},
            },
            "lookups": {"reps": {"rep@example.com": "42"}},
        }
    )
    assert config.fields["customer"]["salesRep"].lookup == "reps"


def test_given_rules_naming_relationship_fields_then_the_two_queries_select_them_once() -> None:
    config = parse_mapping_config(
        {
            "fields": {
                "customer": {
                    "custentity_rep": {"from": "Opportunity.Owner.Email"},
                    "custentity_name": {"from": "Account.Name"},
                    "custentity_terms": {"from": "Quote.SBQQ__Notes__c"},
                },
                "contact": {"custentity_dept": {"from": "Contact.Department"}},
                "subscription": {
                    "custrecord_family": {"from": "Lines[].SBQQ__Product__r.Family | [0]"}
                },
            }
        }
    )
    q1 = soql.opportunity_query(OPP, multi_currency=False, extra=config.soql_fields)
    q2 = soql.quote_lines_query(OPP, multi_currency=False, extra=config.soql_fields)
    assert "Owner.Email" in q1 and "SBQQ__PrimaryQuote__r.SBQQ__Notes__c" in q1
    assert q1.count("Account.Name,") == 1
    assert "Contact.Department" in q1.split("FROM OpportunityContactRoles")[0]
    assert "SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.Department" in q1
    assert "SBQQ__Product__r.Family" in q2


def test_given_no_rules_then_the_queries_are_unchanged() -> None:
    config = parse_mapping_config({})
    assert soql.opportunity_query(OPP, multi_currency=False, extra=config.soql_fields) == (
        soql.opportunity_query(OPP, multi_currency=False)
    )


def test_given_a_rule_on_change_orders_then_it_is_refused_rather_than_ignored() -> None:
    with pytest.raises(AuthOrConfig, match="not applied by this version"):
        parse_mapping_config(fields("subscriptionChangeOrder", "memo", {"value": "x"}))
