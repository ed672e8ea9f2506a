"""Mapping rules through the steps: values land in the payloads, a bad value stops the deal in
LoadDeal before any NetSuite write, and every external id carries the configured prefix."""

from __future__ import annotations

from typing import Any

import pytest

from closedwon.config import parse_mapping_config
from closedwon.errors import InvalidDeal
from closedwon.steps import (
    create_subscription,
    load_deal,
    upsert_billing_account,
    upsert_contacts,
    upsert_customer,
    upsert_subscription_plan,
)
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import ACCOUNT, EXECUTION, iteration

RULES: dict[str, Any] = {
    "netsuite": {"external_id_prefix": "EU-"},
    "fields": {
        "customer": {
            "custentity_sf_country": {"from": "Account.BillingCountryCode"},
            "companyName": {"template": "{Account.Name} (Salesforce)"},
        },
        "contact": {"custentity_role": {"from": "ContactRole.Role", "default": "none"}},
        "subscription": {
            "custrecord_root_code": {"from": "RootLine.SBQQ__Product__r.ProductCode"},
            "department": {"value": "5"},
        },
        "pricePlan": {"custrecord_line_no": {"from": "Line.SBQQ__Number__c", "type": "integer"}},
    },
}


def with_rules(deps: FakeDeps, data: dict[str, Any]) -> FakeDeps:
    base = deps.mapping.model_dump(mode="json", exclude={"fields", "lookups"})
    base["netsuite"].update(data.get("netsuite", {}))
    deps.mapping = parse_mapping_config(
        {**base, **{k: v for k, v in data.items() if k != "netsuite"}}
    )
    return deps


def sync(deps: FakeDeps, event: dict[str, Any]) -> None:
    state = load_deal.run({"input": event, "executionId": EXECUTION}, deps)
    state["customer"] = upsert_customer.run(state, deps)
    state["contacts"] = upsert_contacts.run(state, deps)
    state["billingAccount"] = upsert_billing_account.run(state, deps)
    for key in state["packageKeys"]:
        item = iteration(state, key)
        item["plan"] = upsert_subscription_plan.run(item, deps)
        create_subscription.run(item, deps)


def test_given_fields_rules_when_a_deal_syncs_then_each_record_carries_its_rule_values(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    sync(with_rules(deps, RULES), platform_event)
    [customer] = deps.netsuite.all("customer")
    assert customer["custentity_sf_country"] == "US"
    assert customer["companyName"].endswith(" (Salesforce)")
    assert all(c["custentity_role"] for c in deps.netsuite.all("contact"))
    subscriptions = deps.netsuite.all("subscription")
    assert subscriptions and all(s["department"] == {"id": "5"} for s in subscriptions)
    assert all(s["custrecord_root_code"] for s in subscriptions)
    assert all(isinstance(p["custrecord_line_no"], int) for p in deps.netsuite.all("pricePlan"))


def test_given_an_external_id_prefix_when_a_deal_syncs_then_every_external_id_starts_with_it(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    sync(with_rules(deps, RULES), platform_event)
    eids = [eid for table in deps.netsuite.records.values() for eid in table]
    assert eids and all(eid.startswith("EU-") for eid in eids)


def test_given_a_rule_value_that_is_unmapped_when_loaded_then_the_deal_is_invalid_before_any_write(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    bad = {
        "fields": {
            "customer": {
                "custentity_x": {"from": "Account.BillingCountryCode", "map": {"DE": "1"}}
            },
            "subscription": {"custrecord_y": {"from": "Quote.Missing__c", "required": True}},
        }
    }
    with pytest.raises(InvalidDeal) as raised:
        load_deal.run({"input": platform_event, "executionId": EXECUTION}, with_rules(deps, bad))
    assert raised.value.problems == [
        "fields.customer.custentity_x: Account.BillingCountryCode has no mapping for 'US'",
        "fields.subscription.custrecord_y: Quote.Missing__c is empty",
    ]
    assert deps.netsuite.writes() == 0


def test_given_a_subsidiary_rule_by_country_when_a_deal_syncs_then_every_record_uses_its_result(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    routing = {
        "netsuite": {
            "subsidiary_id": {"from": "Account.BillingCountryCode", "map": {"US": "3"}},
            "auto_renewal": {"from": "Quote.SBQQ__Type__c", "map": {"Quote": True}},
        }
    }
    sync(with_rules(deps, routing), platform_event)
    written = [
        *deps.netsuite.all("customer"),
        *deps.netsuite.all("contact"),
        *deps.netsuite.all("billingAccount"),
        *deps.netsuite.all("subscription"),
    ]
    assert written and all(r["subsidiary"] == {"id": "3"} for r in written)
    assert all(s["autoRenewal"] is True for s in deps.netsuite.all("subscription"))


def test_given_a_routing_rule_with_no_value_when_loaded_then_the_deal_is_invalid_naming_the_key(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    routing = {"netsuite": {"subsidiary_id": {"from": "Account.Missing__c"}}}
    with pytest.raises(InvalidDeal) as raised:
        load_deal.run(
            {"input": platform_event, "executionId": EXECUTION}, with_rules(deps, routing)
        )
    assert raised.value.problems == ["netsuite.subsidiary_id: Account.Missing__c is empty"]
    assert deps.netsuite.writes() == 0


def test_given_a_subsidiary_rule_and_an_existing_customer_then_its_own_subsidiary_wins(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    routing = {
        "netsuite": {
            "external_id_prefix": "EU-",
            "subsidiary_id": {"from": "Account.BillingCountryCode", "map": {"US": "3"}},
        }
    }
    deps.netsuite.seed(
        "customer",
        {
            "id": "42",
            "externalId": f"EU-{ACCOUNT}",
            "subsidiary": {"id": "7"},
            "currency": {"id": "1"},
        },
    )
    sync(with_rules(deps, routing), platform_event)
    [customer] = deps.netsuite.all("customer")
    assert customer["id"] == "42" and customer["subsidiary"] == {"id": "7"}
    written = [
        *deps.netsuite.all("contact"),
        *deps.netsuite.all("billingAccount"),
        *deps.netsuite.all("subscription"),
    ]
    assert written and all(r["subsidiary"] == {"id": "7"} for r in written)
