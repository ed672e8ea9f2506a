"""The docs/mapping-config.md cookbook, end to end: each example config synced through the offline
stack, its NetSuite values checked in the double's dump (docs/mapping.md §7)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.corpus import (
    SAMPLE_CUSTOM_FIELDS,
    LineSpec,
    OrgBuilder,
    netsuite_seed,
    platform_event,
)
from offline.runner import DealReport, Runner
from offline.stack import DEFAULT_CONFIG, OfflineStack, StackOptions

pytestmark = pytest.mark.e2e

DE = {
    "Street": "Unter den Linden 1",
    "City": "Berlin",
    "State": None,
    "PostalCode": "10117",
    "Country": "Germany",
    "CountryCode": "DE",
}
REP_EMAIL = "rep@example.com"
REP_USER = "0055f000006RePAAA0"
CUSTOM_FIELDS = {
    "customer": {**SAMPLE_CUSTOM_FIELDS["customer"], "custentity_sf_industry": "select"},
    "subscription": {**SAMPLE_CUSTOM_FIELDS["subscription"], "custrecord_sf_note": "text"},
}
SEED_EXTRA: dict[str, Any] = {
    "employee": [{"id": "42", "entityId": "Rep One"}],
    "department": [{"id": "5", "name": "Sales"}],
    "classification": [{"id": "6", "name": "SaaS"}],
    "location": [{"id": "7", "name": "Berlin"}],
    "customFields": CUSTOM_FIELDS,
}


def org_with_one_deal(*, org: OrgBuilder | None = None) -> tuple[OrgBuilder, str]:
    """A German account with an industry, owned by a rep whose e-mail the lookups know."""
    org = org or OrgBuilder()
    account = org.account("Beispiel GmbH", billing=DE)
    next(a for a in org.records["Account"] if a["Id"] == account)["Industry"] = "Banking"
    org.records.setdefault("User", []).append(
        {"Id": REP_USER, "Name": "Rep One", "Email": REP_EMAIL, "Username": "rep@example.org"}
    )
    contact = org.contact(account, "Erika", "Muster", email="erika@example.com")
    opportunity = org.opportunity(
        account,
        "Beispiel platform",
        [LineSpec("SUPPORT-PREM")],
        contacts=[(contact, "Decision Maker", True)],
        primary_contact=contact,
    )
    next(o for o in org.records["Opportunity"] if o["Id"] == opportunity)["OwnerId"] = REP_USER
    return org, opportunity


@pytest.fixture
def sync(tmp_path: Path) -> Iterator[Callable[..., tuple[OfflineStack, DealReport]]]:
    started: list[OfflineStack] = []

    def run(
        rules: dict[str, Any], org: OrgBuilder, opportunity: str
    ) -> tuple[OfflineStack, DealReport]:
        n = len(started)
        config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
        config["netsuite"].update(rules.pop("netsuite", {}))
        config.update(rules)
        (tmp_path / f"mapping{n}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        (tmp_path / f"org{n}.json").write_text(json.dumps(org.snapshot()), encoding="utf-8")
        (tmp_path / f"seed{n}.json").write_text(json.dumps({**netsuite_seed(), **SEED_EXTRA}))
        stack = OfflineStack(
            StackOptions(
                state_dir=tmp_path / f"state{n}",
                org_path=tmp_path / f"org{n}.json",
                seed_path=tmp_path / f"seed{n}.json",
                config_path=tmp_path / f"mapping{n}.yaml",
            )
        )
        stack.start()
        started.append(stack)
        opp = next(o for o in org.records["Opportunity"] if o["Id"] == opportunity)
        return stack, Runner(stack).run_event(platform_event(opp, org.org_id))

    yield run
    for stack in started:
        stack.stop()


def only(dump: dict[str, list[dict[str, Any]]], record_type: str) -> dict[str, Any]:
    [record] = dump[record_type]
    return record


def test_cookbook_sales_rep_by_owner_e_mail(sync: Callable[..., Any]) -> None:
    rules = {
        "fields": {
            "customer": {"salesRep": {"from": "Opportunity.Owner.Email", "lookup": "sales_reps"}}
        },
        "lookups": {"sales_reps": {REP_EMAIL: "42"}},
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Synced", report.error
    assert report.salesforceCalls <= 2
    assert only(stack.netsuite.dump(), "customer")["salesRep"]["id"] == "42"


def test_cookbook_department_class_and_location(sync: Callable[..., Any]) -> None:
    rules = {
        "fields": {
            "subscription": {
                "department": {"value": "5"},
                "class": {"from": "RootLine.SBQQ__ChargeType__c", "map": {"Recurring": "6"}},
                "location": {
                    "from": "Account.BillingCountryCode",
                    "map": {"DE": "7"},
                    "default": "7",
                },
            }
        }
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Synced", report.error
    subscription = only(stack.netsuite.dump(), "subscription")
    assert subscription["department"]["id"] == "5"
    assert subscription["class"]["id"] == "6"
    assert subscription["location"]["id"] == "7"


def test_cookbook_subsidiary_by_country(sync: Callable[..., Any]) -> None:
    rules = {
        "netsuite": {
            "subsidiary_id": {
                "from": "Account.BillingCountryCode",
                "map": {"DE": "2", "FR": "2"},
                "default": "1",
            }
        }
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    for record_type in ("customer", "contact", "billingAccount", "subscription"):
        assert only(dump, record_type)["subsidiary"]["id"] == "2", record_type


def test_cookbook_a_custom_entity_field(sync: Callable[..., Any]) -> None:
    rules = {
        "fields": {
            "customer": {
                "custentity_sf_industry": {
                    "from": "Account.Industry",
                    "type": "select",
                    "map": {"Banking": "11", "Retail": "12"},
                    "default": "19",
                }
            }
        }
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Synced", report.error
    assert only(stack.netsuite.dump(), "customer")["custentity_sf_industry"]["id"] == "11"


def test_cookbook_a_custom_field_on_the_subscription(sync: Callable[..., Any]) -> None:
    rules = {
        "fields": {
            "subscription": {
                "custrecord_sf_note": {"template": "{Opportunity.Id} ({Opportunity.Name})"}
            }
        }
    }
    org, opportunity = org_with_one_deal()
    stack, report = sync(rules, org, opportunity)
    assert report.status == "Synced", report.error
    value = only(stack.netsuite.dump(), "subscription")["custrecord_sf_note"]
    assert value == f"{opportunity} (Beispiel platform)"


def test_cookbook_two_orgs_into_one_netsuite_with_an_external_id_prefix(
    sync: Callable[..., Any],
) -> None:
    stack, report = sync({"netsuite": {"external_id_prefix": "EU-"}}, *org_with_one_deal())
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    eids = [r["externalId"] for records in dump.values() for r in records if r.get("externalId")]
    assert eids and all(eid.startswith("EU-") for eid in eids)


def test_given_an_unmapped_rule_value_then_the_deal_is_invalid_and_nothing_is_written(
    sync: Callable[..., Any],
) -> None:
    rules = {
        "fields": {
            "customer": {
                "custentity_sf_industry": {
                    "from": "Account.Industry",
                    "type": "select",
                    "map": {"Retail": "12"},
                }
            }
        }
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Failed" and report.error["type"] == "InvalidDeal"
    assert (
        "fields.customer.custentity_sf_industry: Account.Industry has no mapping for 'Banking'"
        in (report.error["message"])
    )
    assert not any(stack.netsuite.dump().values())


def test_given_a_rule_naming_a_field_the_org_lacks_then_auth_or_config_names_it(
    sync: Callable[..., Any],
) -> None:
    rules = {
        "fields": {
            "customer": {"custentity_sf_industry": {"from": "Account.Segment__c", "type": "select"}}
        }
    }
    stack, report = sync(rules, *org_with_one_deal())
    assert report.status == "Failed" and report.error["type"] == "AuthOrConfig"
    assert "Segment__c" in report.error["message"]
    assert not any(stack.netsuite.dump().values())
