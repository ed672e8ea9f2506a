"""Existing NetSuite records (docs/mapping.md §8): adopted by id, updated in place, never twice."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from closedwon import mapping
from closedwon.errors import InvalidDeal
from closedwon.steps import load_deal, upsert_billing_account, upsert_contacts, upsert_customer
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import ACCOUNT, EXECUTION

JANE = "0035f0000000001AAA"
FINANCE_ADDRESS = {
    "internalId": 77,
    "label": "Warehouse",
    "defaultBilling": True,
    "defaultShipping": False,
    "addressBookAddress": {"addressee": "Dock 4", "city": "Reno", "country": {"id": "US"}},
}


def finance_customer(**fields: Any) -> dict[str, Any]:
    """A customer finance made in NetSuite before go-live: its own subsidiary, terms, e-mail."""
    return {
        "id": "42",
        "companyName": "Acme (NetSuite name)",
        "subsidiary": {"id": "7"},
        "currency": {"id": "1"},
        "terms": {"id": "9"},
        "email": "ap@finance.example",
        "addressBook": {"items": [copy.deepcopy(FINANCE_ADDRESS)]},
        **fields,
    }


def link(deps: FakeDeps, sobject: str, record_id: str, netsuite_id: str) -> None:
    """Give a Salesforce record of the snapshot a NetSuite id (its write-back field)."""
    for record in deps.salesforce.snapshot["records"][sobject]:
        if record["Id"] == record_id:
            record["NetSuite_Id__c"] = netsuite_id


def load(deps: FakeDeps, platform_event: dict[str, Any]) -> dict[str, Any]:
    return load_deal.run({"input": platform_event, "executionId": EXECUTION}, deps)


def with_customer(deps: FakeDeps, state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "customer": upsert_customer.run(state, deps)}


def test_given_an_account_with_a_netsuite_id_when_synced_then_that_customer_is_adopted_in_place(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    result = upsert_customer.run(load(deps, platform_event), deps)
    (customer,) = deps.netsuite.all("customer")
    assert result["id"] == "42" and result["existed"] is True
    assert customer["externalId"] == f"SF-{ACCOUNT}"
    assert customer["companyName"] == "Acme Analytics Inc."
    assert deps.netsuite.calls["PUT customer"] == 0 and deps.netsuite.calls["PATCH customer"] == 1


def test_given_an_adopted_customer_when_updated_then_its_create_only_fields_are_kept(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    upsert_customer.run(load(deps, platform_event), deps)
    (customer,) = deps.netsuite.all("customer")
    assert (customer["subsidiary"], customer["currency"], customer["terms"]) == (
        {"id": "7"},
        {"id": "1"},
        {"id": "9"},
    )
    assert customer["email"] == "ap@finance.example"


def test_given_finance_addresses_when_the_customer_is_updated_then_they_are_kept(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    upsert_customer.run(load(deps, platform_event), deps)
    (customer,) = deps.netsuite.all("customer")
    labels = [e["label"] for e in customer["addressBook"]["items"]]
    assert labels == ["Warehouse", "Billing", "Shipping"]
    warehouse = customer["addressBook"]["items"][0]
    assert warehouse["internalId"] == 77 and warehouse["defaultBilling"] is False


def test_given_an_adopted_customer_when_replayed_then_nothing_is_sent_again(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    state = load(deps, platform_event)
    upsert_customer.run(state, deps)
    writes = deps.netsuite.writes()
    again = upsert_customer.run(state, deps)
    assert again["id"] == "42" and deps.netsuite.writes() == writes


def test_given_a_netsuite_id_naming_no_customer_when_loaded_then_invalid_naming_both_ids(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    link(deps, "Account", ACCOUNT, "404")
    with pytest.raises(InvalidDeal) as caught:
        load(deps, platform_event)
    (problem,) = caught.value.problems
    assert "Account.NetSuite_Id__c" in problem and "404" in problem and ACCOUNT in problem
    assert deps.netsuite.writes() == 0


def test_given_a_customer_linked_to_another_account_when_loaded_then_invalid_naming_both(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer(externalId="SF-0015f0000000999AAA"))
    link(deps, "Account", ACCOUNT, "42")
    link(deps, "Contact", JANE, "808")
    with pytest.raises(InvalidDeal) as caught:
        load(deps, platform_event)
    customer_problem, contact_problem = caught.value.problems
    assert "42" in customer_problem and "SF-0015f0000000999AAA" in customer_problem
    assert ACCOUNT in customer_problem
    assert "Contact.NetSuite_Id__c" in contact_problem and JANE in contact_problem
    assert deps.netsuite.writes() == 0


def test_given_a_netsuite_id_that_is_not_a_number_when_loaded_then_the_field_is_named(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    link(deps, "Account", ACCOUNT, "CUST-42")
    with pytest.raises(InvalidDeal) as caught:
        load(deps, platform_event)
    assert any("Account.NetSuite_Id__c" in p and "CUST-42" in p for p in caught.value.problems)


def test_given_a_contact_with_a_netsuite_id_when_synced_then_it_is_adopted_not_duplicated(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("contact", {"id": "808", "firstName": "Jane", "subsidiary": {"id": "7"}})
    link(deps, "Contact", JANE, "808")
    state = with_customer(deps, load(deps, platform_event))
    result = upsert_contacts.run(state, deps)
    upsert_contacts.run(state, deps)
    contacts = {c["id"]: c for c in deps.netsuite.all("contact")}
    assert len(contacts) == 2 and result[0]["id"] == "808"
    assert contacts["808"]["externalId"] == f"SF-{JANE}"
    assert contacts["808"]["subsidiary"] == {"id": "7"}
    assert contacts["808"]["company"]["id"] == state["customer"]["id"]


def test_given_a_new_customer_when_the_deal_is_in_a_second_currency_then_currency_list_gains_it(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deal = deps.deal_store.get(load(deps, platform_event)).model_copy(update={"currency": "EUR"})
    existing = finance_customer(externalId=f"SF-{ACCOUNT}")
    body = mapping.customer_update(deal, deps.config, existing)
    assert body["currencyList"] == {"items": [{"currency": {"id": "2"}}]}
    assert "currency" not in body
    assert "currencyList" in mapping.update_replace(body)
    existing["currencyList"] = body["currencyList"]
    assert "currencyList" not in mapping.customer_update(deal, deps.config, existing)


def test_given_the_deal_is_in_the_primary_currency_then_the_currency_list_is_not_sent(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deal = deps.deal_store.get(load(deps, platform_event))
    body = mapping.customer_update(deal, deps.config, finance_customer())
    assert "currencyList" not in body and body["externalId"] == f"SF-{ACCOUNT}"


def test_given_create_only_is_configured_empty_then_every_mapped_field_is_updated(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deal = deps.deal_store.get(load(deps, platform_event))
    config = deps.config.model_copy(
        update={
            "netsuite": deps.config.netsuite.model_copy(
                update={
                    "create_only": deps.config.netsuite.create_only.model_copy(
                        update={"customer": ()}
                    )
                }
            )
        }
    )
    body = mapping.customer_update(deal, config, finance_customer())
    assert body["subsidiary"] == {"id": "1"} and body["terms"] == {"id": "2"}


def test_given_an_adopted_customer_with_one_billing_account_when_synced_then_it_is_adopted(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    deps.netsuite.seed(
        "billingAccount", {"id": "3001", "customer": {"id": "42"}, "currency": {"id": "1"}}
    )
    link(deps, "Account", ACCOUNT, "42")
    state = with_customer(deps, load(deps, platform_event))
    result = upsert_billing_account.run(state, deps)
    again = upsert_billing_account.run(state, deps)
    (account,) = deps.netsuite.all("billingAccount")
    assert result == {
        "id": "3001",
        "externalId": f"SF-BA-{ACCOUNT}-USD",
        "created": False,
        "adopted": True,
    }
    assert again["id"] == "3001" and account["externalId"] == f"SF-BA-{ACCOUNT}-USD"


def test_given_an_adopted_customer_with_two_billing_accounts_then_a_new_one_is_created(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    for rid in ("3001", "3002"):
        deps.netsuite.seed(
            "billingAccount", {"id": rid, "customer": {"id": "42"}, "currency": {"id": "1"}}
        )
    link(deps, "Account", ACCOUNT, "42")
    state = with_customer(deps, load(deps, platform_event))
    result = upsert_billing_account.run(state, deps)
    assert result["created"] is True and len(deps.netsuite.all("billingAccount")) == 3


def test_given_one_billing_account_linked_elsewhere_then_it_is_not_adopted(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    deps.netsuite.seed(
        "billingAccount",
        {"id": "3001", "externalId": "LEGACY-1", "customer": {"id": "42"}, "currency": {"id": "1"}},
    )
    link(deps, "Account", ACCOUNT, "42")
    result = upsert_billing_account.run(with_customer(deps, load(deps, platform_event)), deps)
    assert result["created"] is True and len(deps.netsuite.all("billingAccount")) == 2


def test_given_a_customer_the_product_just_created_then_no_billing_account_is_looked_for(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    state = with_customer(deps, load(deps, platform_event))
    queries = deps.netsuite.calls["POST suiteql"]
    upsert_billing_account.run(state, deps)
    assert deps.netsuite.calls["POST suiteql"] == queries


def test_given_an_adopted_customer_in_another_subsidiary_then_its_records_follow_it(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    state = with_customer(deps, load(deps, platform_event))
    upsert_contacts.run(state, deps)
    upsert_billing_account.run(state, deps)
    assert state["customer"]["subsidiaryId"] == "7"
    assert {c["subsidiary"]["id"] for c in deps.netsuite.all("contact")} == {"7"}
    (account,) = deps.netsuite.all("billingAccount")
    assert account["subsidiary"] == {"id": "7"}


def test_given_the_adopted_customer_vanished_after_loading_then_the_step_is_invalid_not_a_create(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.netsuite.seed("customer", finance_customer())
    link(deps, "Account", ACCOUNT, "42")
    state = load(deps, platform_event)
    deps.netsuite.records["customer"].clear()
    with pytest.raises(InvalidDeal, match="NetSuite customer 42 does not exist"):
        upsert_customer.run(state, deps)
    assert deps.netsuite.writes() == 0
