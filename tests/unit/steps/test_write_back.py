"""WriteBackToSalesforce: the ids and the status in one write, then the lease is given back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from closedwon.errors import Transient
from closedwon.steps import write_back
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import ACCOUNT, EXECUTION, OPPORTUNITY

SUBSCRIPTIONS = [{"subscription": {"id": "7000"}}, {"subscription": {"id": "7001"}}]
CONTACTS = [
    {"contactId": "0035f0000000001AAA", "id": "801"},
    {"contactId": "0035f0000000002AAA", "id": "802"},
]


def test_given_a_synced_deal_when_written_back_then_status_ids_and_lease_in_one_pass(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer(packages=SUBSCRIPTIONS, contacts=CONTACTS)
    result = write_back.run(state, deps)
    assert result["status"] == "Synced" and result["written"] == 4
    sf = deps.salesforce
    assert sf.written[0]["attributes"]["type"] == "Opportunity"
    opportunity = sf.fields_of("Opportunity", OPPORTUNITY)
    assert opportunity["NetSuite_Sync_Status__c"] == "Synced"
    assert opportunity["NetSuite_Subscription_Ids__c"] == "7000,7001"
    assert sf.fields_of("Account", ACCOUNT) == {"NetSuite_Id__c": "501"}
    assert sf.fields_of("Contact", "0035f0000000002AAA") == {"NetSuite_Id__c": "802"}
    assert deps.deal_lease is not None
    assert deps.deal_lease.released == [(OPPORTUNITY, EXECUTION)]


def test_given_a_skipped_deal_when_written_back_then_only_the_status_is_written(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    state = {**loaded, "status": "Skipped", "skipReason": "quote type Amendment is skipped"}
    assert write_back.run(state, deps) == {"status": "Skipped", "written": 1}
    (only,) = deps.salesforce.written
    assert only["NetSuite_Sync_Status__c"] == "Skipped"
    assert only["NetSuite_Sync_Error__c"] == "quote type Amendment is skipped"


def test_given_a_change_that_was_no_transition_when_written_back_then_nothing_is_written(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    state = {**loaded, "status": "Skipped", "writeBack": False}
    assert write_back.run(state, deps) == {"status": "Skipped", "written": 0}
    assert deps.salesforce.written == []


def test_given_salesforce_is_down_when_written_back_then_transient_and_the_lease_is_still_released(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    deps.salesforce.down = Transient("Salesforce answered 503")
    with pytest.raises(Transient):
        write_back.run(with_customer(packages=SUBSCRIPTIONS), deps)
    assert deps.deal_lease is not None
    assert deps.deal_lease.released == [(OPPORTUNITY, EXECUTION)]
