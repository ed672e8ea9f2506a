"""LoadDeal's amendment branch, ApplyAmendment and the Drift write-back, on the fakes.

The bundled org's amendment (events/opportunity_amendment_closed_won.json) raises the seats of the
Platform Pro bundle 25 → 40, cancels Premium Support and adds a product (docs/mapping.md §9.2).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from closedwon import mapping
from closedwon.errors import InvalidDeal
from closedwon.steps import apply_amendment, load_deal, write_back
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import EVENTS, EXECUTION, OPPORTUNITY

AMENDMENT = "0065f0000000002AAA"
BUNDLE_ROOT, SUPPORT_ROOT = "a0r5f0000000001AAA", "a0r5f0000000006AAA"


def amendment_event() -> dict[str, Any]:
    return json.loads((EVENTS / "opportunity_amendment_closed_won.json").read_text())


def active_originals(deps: FakeDeps, *, seats: float = 25) -> None:
    """The original deal's subscriptions as NetSuite shows them after its activation."""
    table = deps.netsuite.records.setdefault("subscription", {})
    for root, lines in ((BUNDLE_ROOT, [1, seats, 1, 1]), (SUPPORT_ROOT, [1])):
        table[mapping.package_subscription_eid(OPPORTUNITY, root)] = {
            "id": f"70{len(table)}",
            "billingSubscriptionStatus": {"id": "ACTIVE"},
            "startDate": "2026-04-01",
            "endDate": "2027-03-31",
            "subscriptionLine": {
                "items": [
                    {"lineNumber": n, "quantity": q, "status": {"id": "ACTIVE"}}
                    for n, q in enumerate(lines, start=1)
                ]
            },
        }


def load(deps: FakeDeps) -> dict[str, Any]:
    return load_deal.run({"input": amendment_event(), "executionId": EXECUTION}, deps)


def test_given_active_originals_when_loaded_then_the_plan_has_an_upsell_and_a_cancel(
    deps: FakeDeps,
) -> None:
    active_originals(deps)
    state = load(deps)
    assert state["kind"] == "Amendment" and state["route"] == "Records"
    orders = {o["externalId"]: o for o in state["amendment"]["changeOrders"]}
    assert set(orders) == {
        f"SF-CO-{AMENDMENT}-{BUNDLE_ROOT}-MP",
        f"SF-CO-{AMENDMENT}-{SUPPORT_ROOT}-TM",
    }
    upsell = orders[f"SF-CO-{AMENDMENT}-{BUNDLE_ROOT}-MP"]["body"]
    assert upsell["subLine"]["items"] == [{"sequence": "2", "apply": True, "quantityNew": 40.0}]
    assert orders[f"SF-CO-{AMENDMENT}-{SUPPORT_ROOT}-TM"]["effectiveDate"] == "2026-09-30"
    # The product the amendment adds is a package of the amendment opportunity.
    assert state["packageKeys"] == ["a0r5f0000000012AAA"]
    # Nothing was written while planning.
    assert not [c for c in deps.netsuite.calls if not c.startswith(("GET", "POST suiteql"))]


def test_given_netsuite_has_other_seats_when_loaded_then_invalid_before_any_write(
    deps: FakeDeps,
) -> None:
    active_originals(deps, seats=30)
    with pytest.raises(InvalidDeal) as info:
        load(deps)
    assert "NetSuite has 30, the amendment expects 25" in str(info.value)


def test_given_no_original_in_netsuite_when_loaded_then_never_synced(deps: FakeDeps) -> None:
    with pytest.raises(InvalidDeal) as info:
        load(deps)
    assert "whose subscriptions were never synced" in str(info.value)


def test_given_a_plan_when_applied_twice_then_each_change_order_exists_once(
    deps: FakeDeps,
) -> None:
    active_originals(deps)
    state = load(deps)
    first = apply_amendment.run(state, deps)
    second = apply_amendment.run(state, deps)
    assert [o["created"] for o in first["changeOrders"]] == [True, True]
    assert [o["created"] for o in second["changeOrders"]] == [False, False]
    assert len(deps.netsuite.records["subscriptionChangeOrder"]) == 2


def test_given_drift_when_written_back_then_status_drift_lists_every_difference(
    deps: FakeDeps,
) -> None:
    state = {
        "opportunityId": AMENDMENT,
        "status": "Ready",
        "customer": None,
        "amendment": {"subscriptionIds": ["700"], "drift": ["SF-CO-x: one", "SF-CO-y: two"]},
    }
    result = write_back.run(state, deps)
    assert result["status"] == "Drift"
    written = deps.salesforce.fields_of("Opportunity", AMENDMENT)
    assert written["NetSuite_Sync_Status__c"] == "Drift"
    assert written["NetSuite_Sync_Error__c"] == "SF-CO-x: one\nSF-CO-y: two"
    assert written["NetSuite_Subscription_Ids__c"] == "700"
    assert [r["attributes"]["type"] for r in deps.salesforce.written] == ["Opportunity"]
