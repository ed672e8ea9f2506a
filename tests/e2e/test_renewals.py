"""Renewals end to end (docs/mapping.md §9.3) on the bundled org's contract life.

CPQ makes a renewal a full quote for the next term on an opportunity whose
``SBQQ__RenewedContract__c`` names the contract (docs/reference/amendments-and-custom-fields.md
§A.2, §A.7). It syncs as a new deal keyed by the renewal opportunity, reusing the customer and
billing account; the renewed subscriptions are left to end.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import ROOT, run, sample_event, writes_of
from tests.e2e.test_suitebilling import config

RENEWAL = "0065f0000000003AAA"


def event(name: str) -> dict:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def test_a_renewal_is_a_new_deal_on_the_same_customer_and_billing_account(
    make_stack, tmp_path
) -> None:
    stack = make_stack(config=config(tmp_path, activate_subscriptions=True))
    assert run(stack, sample_event()).status == "Synced"
    before = writes_of(stack.netsuite.dump())

    report = run(stack, event("opportunity_renewal_closed_won"))

    assert report.status == "Synced", report.error
    after = writes_of(stack.netsuite.dump())
    assert (after["customer"], after["billingAccount"]) == (1, 1)
    assert after["subscription"] == before["subscription"] + len(report.netsuite["subscription"])
    assert all(
        s["externalId"].startswith(f"SF-SUB-{RENEWAL}-") for s in report.netsuite["subscription"]
    )
    for _ in range(2):
        assert run(stack, event("opportunity_renewal_closed_won")).status == "Synced"
    assert writes_of(stack.netsuite.dump()) == after


def test_a_renewal_of_subscriptions_that_renew_automatically_is_invalid(
    make_stack, tmp_path
) -> None:
    stack = make_stack(config=config(tmp_path, auto_renewal=True))
    assert run(stack, sample_event()).status == "Synced"
    before = writes_of(stack.netsuite.dump())

    report = run(stack, event("opportunity_renewal_closed_won"))

    assert report.status == "Failed"
    assert report.error is not None and report.error["type"] == "InvalidDeal"
    assert "renew automatically in NetSuite" in report.error["message"]
    assert writes_of(stack.netsuite.dump()) == before
