"""Each rule kind and type (docs/mapping.md §7.1), evaluated against a deal document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from closedwon.rules.evaluate import OMITTED, Context, RuleProblem, evaluate
from closedwon.rules.model import Rule

DOC: dict[str, Any] = {
    "Opportunity": {"Name": "Acme renewal", "Owner": {"Email": "rep@example.com"}},
    "Account": {
        "Industry": "Banking",
        "BillingCountryCode": "DE",
        "NumberOfEmployees": 10,
        "Tax_Exempt__c": True,
        "Regions__c": "EMEA;APAC",
        "Blank__c": "   ",
        "Signed__c": "2026-03-31T23:30:00.000+0000",
    },
    "Quote": {"SBQQ__StartDate__c": "2026-04-01"},
    "PrimaryContact": None,
}
UTC = Context(lookups={"reps": {"rep@example.com": "42"}}, zone=dt.UTC)


def rule(**data: Any) -> Rule:
    return Rule.model_validate(data)


def test_given_a_from_rule_when_evaluated_then_the_path_value_is_sent_as_text() -> None:
    assert evaluate(rule(**{"from": "Account.Industry"}), DOC, UTC) == "Banking"


def test_given_a_value_rule_then_the_literal_is_sent() -> None:
    assert evaluate(rule(value="7", type="select"), DOC, UTC) == {"id": "7"}


def test_given_a_template_then_placeholders_are_filled_and_empty_ones_render_as_nothing() -> None:
    found = evaluate(rule(template="{Opportunity.Name} ({Account.Missing__c})"), DOC, UTC)
    assert found == "Acme renewal ()"


def test_given_a_map_then_the_salesforce_value_is_translated() -> None:
    r = rule(**{"from": "Account.BillingCountryCode", "map": {"DE": "3"}, "type": "select"})
    assert evaluate(r, DOC, UTC) == {"id": "3"}


def test_given_yaml_keys_true_and_10_then_they_match_json_rendered_values() -> None:
    assert evaluate(rule(**{"from": "Account.Tax_Exempt__c", "map": {True: "T"}}), DOC, UTC) == "T"
    assert (
        evaluate(rule(**{"from": "Account.NumberOfEmployees", "map": {10: "S"}}), DOC, UTC) == "S"
    )


def test_given_a_lookup_then_the_shared_table_translates() -> None:
    r = rule(**{"from": "Opportunity.Owner.Email", "lookup": "reps", "type": "select"})
    assert evaluate(r, DOC, UTC) == {"id": "42"}


def test_given_a_value_absent_from_the_map_without_default_then_the_deal_is_invalid() -> None:
    r = rule(**{"from": "Account.Industry", "map": {"Retail": "1"}})
    with pytest.raises(RuleProblem, match=r"Account\.Industry has no mapping for .Banking."):
        evaluate(r, DOC, UTC)


def test_given_an_unmapped_e_mail_then_the_problem_does_not_show_the_address() -> None:
    r = rule(**{"from": "Opportunity.Owner.Email", "map": {"x@example.com": "1"}})
    with pytest.raises(RuleProblem) as raised:
        evaluate(r, DOC, UTC)
    assert "rep@example.com" not in str(raised.value)


def test_given_a_value_absent_from_the_map_with_default_then_the_default_is_sent() -> None:
    r = rule(**{"from": "Account.Industry", "map": {"Retail": "1"}, "default": "9"})
    assert evaluate(r, DOC, UTC) == "9"


def test_given_an_empty_source_without_default_then_the_field_is_omitted_not_null() -> None:
    assert evaluate(rule(**{"from": "Account.Blank__c"}), DOC, UTC) is OMITTED
    assert evaluate(rule(**{"from": "Account.Nothing__c"}), DOC, UTC) is OMITTED


def test_given_an_empty_source_with_default_then_the_default_is_sent() -> None:
    assert evaluate(rule(**{"from": "Account.Blank__c", "default": "x"}), DOC, UTC) == "x"


def test_given_a_required_rule_with_an_empty_source_then_the_deal_is_invalid() -> None:
    with pytest.raises(RuleProblem, match=r"Account\.Blank__c is empty"):
        evaluate(rule(**{"from": "Account.Blank__c", "required": True}), DOC, UTC)


def test_given_a_multi_picklist_then_multiselect_sends_one_item_per_value() -> None:
    r = rule(
        **{"from": "Account.Regions__c", "map": {"EMEA": "1", "APAC": "2"}, "type": "multiselect"}
    )
    assert evaluate(r, DOC, UTC) == {"items": [{"id": "1"}, {"id": "2"}]}


@pytest.mark.parametrize(
    ("kind", "raw", "sent"),
    [
        ("checkbox", True, True),
        ("checkbox", "false", False),
        ("integer", "12", 12),
        ("integer", 12.0, 12),
        ("decimal", "10.5", 10.5),
        ("date", "2026-04-01", "2026-04-01"),
        ("text", 10, "10"),
    ],
)
def test_given_a_type_then_the_value_is_sent_in_its_netsuite_shape(
    kind: str, raw: Any, sent: Any
) -> None:
    assert evaluate(rule(value=raw, type=kind), DOC, UTC) == sent


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("checkbox", "maybe"), ("integer", "1.5"), ("decimal", "ten"), ("date", "31/03/2026")],
)
def test_given_a_value_of_the_wrong_shape_for_its_type_then_the_deal_is_invalid(
    kind: str, raw: Any
) -> None:
    with pytest.raises(RuleProblem, match="value: "):
        evaluate(rule(value=raw, type=kind), DOC, UTC)


def test_given_a_salesforce_datetime_sent_as_a_date_then_it_is_converted_in_the_timezone() -> None:
    r = rule(**{"from": "Account.Signed__c", "type": "date"})
    assert evaluate(r, DOC, UTC) == "2026-03-31"
    berlin = Context(lookups={}, zone=dt.timezone(dt.timedelta(hours=2)))
    assert evaluate(r, DOC, berlin) == "2026-04-01"


def test_given_a_field_limit_then_a_longer_value_is_invalid_never_truncated() -> None:
    with pytest.raises(RuleProblem, match="12 characters, the NetSuite limit is 5"):
        evaluate(rule(**{"from": "Opportunity.Name"}), DOC, UTC, limit=5)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"from": "Account.Name", "value": "x"},
        {"value": "x", "map": {"a": "b"}},
        {"from": "Account.Name", "map": {}, "lookup": "t"},
        {"from": "Account..Name"},
        {"template": "no placeholder"},
        {"from": "Account.Name", "type": "colour"},
        {"from": "Account.Name", "unknown": 1},
    ],
)
def test_given_a_malformed_rule_then_it_is_refused_when_the_config_is_parsed(
    data: dict[str, Any],
) -> None:
    with pytest.raises(ValueError):
        Rule.model_validate(data)
