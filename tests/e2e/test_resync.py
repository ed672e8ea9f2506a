"""Resync to NetSuite from Salesforce, on the offline stack: a deal that failed for bad data is
fixed and resynced by checking the box, and reaches Synced; a deal that is not won is not sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.corpus import platform_event
from offline.resync import RESYNC_FIELD, resync
from offline.runner import Runner
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

OPP = "0065f0000000001AAA"


def sample_org() -> dict[str, Any]:
    return json.loads((ROOT / "offline/sample/org.json").read_text())


def test_given_a_deal_that_failed_for_bad_data_when_fixed_and_resynced_then_it_is_synced(
    make_stack,
) -> None:
    org = sample_org()
    line = next(
        q
        for q in org["records"]["SBQQ__QuoteLine__c"]
        if q["SBQQ__Quote__c"].startswith("a0x5f0000000001")
    )
    good_quantity = line["SBQQ__Quantity__c"]
    line["SBQQ__Quantity__c"] = -3
    stack = make_stack(org)
    opportunity = stack.salesforce.record("Opportunity", OPP)
    first = Runner(stack).run_event(platform_event(opportunity, stack.org_id))
    assert first.status == "Failed"
    assert stack.salesforce.record("Opportunity", OPP)["NetSuite_Sync_Status__c"] == "Error"

    # The RevOps admin fixes the quantity, then checks Resync to NetSuite.
    stack.salesforce.user_update(
        "SBQQ__QuoteLine__c", line["Id"], {"SBQQ__Quantity__c": good_quantity}
    )
    report = resync(stack, OPP)

    assert report is not None and report.status == "Synced"
    after = stack.salesforce.record("Opportunity", OPP)
    assert after["NetSuite_Sync_Status__c"] == "Synced"
    assert after[RESYNC_FIELD] is False
    assert len(stack.netsuite.dump()["subscription"]) == 2


def test_given_an_opportunity_that_is_not_won_when_resync_is_checked_then_nothing_is_sent(
    make_stack,
) -> None:
    org = sample_org()
    open_opp = org["records"]["Opportunity"][2]
    open_opp.update(IsWon=False, StageName="Negotiation")
    stack = make_stack(org)
    calls_before = stack.netsuite_api_calls()
    assert resync(stack, open_opp["Id"]) is None
    assert stack.salesforce.record("Opportunity", open_opp["Id"])[RESYNC_FIELD] is False
    assert stack.netsuite_api_calls() == calls_before
