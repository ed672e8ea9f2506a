"""Drift end to end (docs/mapping.md §9.4): a synced deal changed in Salesforce, then replayed.

SuiteBilling bills an active subscription, so the product never changes one on a replay: the
deal ends ``Drift`` listing each difference (a change to a live contract is an amendment quote).
A DRAFT subscription has billed nothing yet and is brought in line. Drift sends no DLQ message.
"""

from __future__ import annotations

from offline.corpus import OrgBuilder
from tests.e2e.conftest import event_for, run
from tests.e2e.test_amendments import BUNDLE, line_quantities, subscription_of, without_links
from tests.e2e.test_suitebilling import config, deal


def seats_of(org: OrgBuilder, opportunity: str) -> dict:
    quote = next(o for o in org.records["Opportunity"] if o["Id"] == opportunity)[
        "SBQQ__PrimaryQuote__c"
    ]
    return [r for r in org.records["SBQQ__QuoteLine__c"] if r["SBQQ__Quote__c"] == quote][1]


def replay_with_seats(make_stack, tmp_path, org, opportunity, stack, seats: int, cfg):
    seats_of(org, opportunity)["SBQQ__Quantity__c"] = seats
    stack.stop()
    stack = make_stack(org.snapshot(), config=cfg, state=tmp_path / "state")
    return stack, run(stack, event_for(org, opportunity))


def test_drift_on_an_active_subscription_ends_drift_and_leaves_netsuite_unchanged(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    opportunity = deal(org, "Active drift", BUNDLE)
    cfg = config(tmp_path, activate_subscriptions=True)
    stack = make_stack(org.snapshot(), config=cfg)
    assert run(stack, event_for(org, opportunity)).status == "Synced"
    before = without_links(stack.netsuite.dump())

    stack, report = replay_with_seats(make_stack, tmp_path, org, opportunity, stack, 50, cfg)

    assert report.status == "Drift"
    assert report.error is not None
    root = seats_of(org, opportunity)["SBQQ__RequiredBy__c"]
    assert (
        f"SF-SUB-{opportunity}-{root}: PRO-SEATS quantity 40 in NetSuite, 50 on the quote; "
        "change it with an amendment quote"
    ) in report.error["message"]
    assert without_links(stack.netsuite.dump()) == before
    assert stack.dlq_messages() == []
    written = stack.salesforce.record("Opportunity", opportunity)
    assert written["NetSuite_Sync_Status__c"] == "Drift"
    for _ in range(2):
        assert run(stack, event_for(org, opportunity)).status == "Drift"
    assert without_links(stack.netsuite.dump()) == before


def test_drift_on_a_draft_subscription_brings_it_in_line_and_ends_synced(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    opportunity = deal(org, "Draft drift", BUNDLE)
    cfg = config(tmp_path)
    stack = make_stack(org.snapshot(), config=cfg)
    assert run(stack, event_for(org, opportunity)).status == "Synced"

    stack, report = replay_with_seats(make_stack, tmp_path, org, opportunity, stack, 50, cfg)

    assert report.status == "Synced", report.error
    root = seats_of(org, opportunity)["SBQQ__RequiredBy__c"]
    sub = subscription_of(stack, f"SF-SUB-{opportunity}-{root}")
    assert sub["billingSubscriptionStatus"]["id"] == "DRAFT"
    assert line_quantities(sub)[2] == 50
    after = without_links(stack.netsuite.dump())
    for _ in range(2):
        assert run(stack, event_for(org, opportunity)).status == "Synced"
    assert without_links(stack.netsuite.dump()) == after
