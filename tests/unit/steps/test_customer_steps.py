"""UpsertCustomer, UpsertContacts, UpsertBillingAccount: one record each, never a second one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from closedwon.steps import upsert_billing_account, upsert_contacts, upsert_customer
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import ACCOUNT


def test_given_a_loaded_deal_when_the_customer_is_upserted_then_one_put_by_external_id(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    result = upsert_customer.run(loaded, deps)
    (customer,) = deps.netsuite.all("customer")
    assert result == {
        "id": customer["id"],
        "externalId": f"SF-{ACCOUNT}",
        "accountId": ACCOUNT,
        "existed": False,
        "subsidiaryId": "1",
    }
    assert deps.netsuite.calls == {"POST suiteql": 1, "GET customer": 1, "PUT customer": 1}


def test_given_the_customer_exists_when_upserted_again_then_it_is_updated_not_duplicated(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    first = upsert_customer.run(loaded, deps)
    second = upsert_customer.run(loaded, deps)
    assert first["id"] == second["id"] and second["existed"] is True
    assert len(deps.netsuite.all("customer")) == 1


def test_given_a_customer_when_contacts_are_upserted_then_each_is_attached_primary_first(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    result = upsert_contacts.run(with_customer(), deps)
    contacts = deps.netsuite.all("contact")
    assert len(result) == len(contacts) == 2
    assert [r["externalId"] for r in result] == [f"SF-{r['contactId']}" for r in result]
    assert all(c["company"]["id"] == "501" for c in contacts)
    upsert_contacts.run(with_customer(), deps)
    assert len(deps.netsuite.all("contact")) == 2


def test_given_no_billing_account_when_upserted_then_created_once_and_reused_on_replay(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    first = upsert_billing_account.run(with_customer(), deps)
    second = upsert_billing_account.run(with_customer(), deps)
    assert first["created"] is True and second["created"] is False
    assert first["id"] == second["id"] and first["externalId"] == f"SF-BA-{ACCOUNT}-USD"
    (account,) = deps.netsuite.all("billingAccount")
    assert account["customer"]["id"] == "501"
