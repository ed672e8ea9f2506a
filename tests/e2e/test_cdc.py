"""CDC as a second trigger: transitions to won sync, everything else (and our own write-back) does not."""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import yaml

from offline.corpus import INTEGRATION_USER_ID, LineSpec, OrgBuilder, change_event
from offline.stack import DEFAULT_CONFIG, REGION
from tests.e2e.conftest import run


def cdc_config(tmp_path: Path) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["salesforce"]["integration_user_id"] = INTEGRATION_USER_ID
    path = tmp_path / "mapping-cdc.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def two_deals() -> tuple[OrgBuilder, list[dict]]:
    org = OrgBuilder()
    opps = []
    for name in ("Alpha", "Beta"):
        aid = org.account(
            name,
            billing={
                "Street": "1 Main",
                "City": "Boston",
                "Country": "United States",
                "CountryCode": "US",
            },
        )
        cid = org.contact(aid, "Pat", name)
        oid = org.opportunity(
            aid,
            f"{name} deal",
            [LineSpec("SUPPORT-PREM", frequency="Quarterly")],
            contacts=[(cid, "Decision Maker", True)],
            primary_contact=cid,
        )
        opps.append(next(o for o in org.records["Opportunity"] if o["Id"] == oid))
    return org, opps


def test_a_cdc_transition_to_won_syncs_the_deal(make_stack, tmp_path) -> None:
    org, (alpha, _) = two_deals()
    stack = make_stack(org.snapshot(), config=cdc_config(tmp_path))
    report = run(stack, change_event(alpha))
    assert report.status == "Synced", report.error
    assert (
        stack.salesforce.record("Opportunity", alpha["Id"])["NetSuite_Sync_Status__c"] == "Synced"
    )


def test_our_own_write_back_never_retriggers_a_sync(make_stack, tmp_path) -> None:
    org, (alpha, _) = two_deals()
    stack = make_stack(org.snapshot(), config=cdc_config(tmp_path))
    assert run(stack, change_event(alpha)).status == "Synced"
    writes, ns_writes = len(stack.salesforce.writes), stack.netsuite.stats["writes"]
    echo = change_event(
        alpha,
        commit_user=INTEGRATION_USER_ID,
        changed=["NetSuite_Sync_Status__c", "NetSuite_Last_Sync__c", "LastModifiedDate"],
    )
    report = run(stack, echo)
    assert report.status == "Skipped" and "integration user" in report.skipReason
    assert len(stack.salesforce.writes) == writes and stack.netsuite.stats["writes"] == ns_writes


def test_a_change_that_is_not_a_transition_is_skipped_without_writing(make_stack, tmp_path) -> None:
    org, (alpha, _) = two_deals()
    stack = make_stack(org.snapshot(), config=cdc_config(tmp_path))
    report = run(stack, change_event(alpha, changed=["Amount", "LastModifiedDate"]))
    assert report.status == "Skipped" and "StageName did not change" in report.skipReason
    assert stack.salesforce.writes == [] and stack.netsuite.stats["writes"] == 0


def test_a_change_event_for_two_opportunities_syncs_both(make_stack, tmp_path) -> None:
    org, (alpha, beta) = two_deals()
    stack = make_stack(org.snapshot(), config=cdc_config(tmp_path))
    event = change_event(alpha)
    event["detail"]["payload"]["ChangeEventHeader"]["recordIds"] = [alpha["Id"], beta["Id"]]
    assert run(stack, event).status == "Synced"
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        executions = sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]
        if len(executions) == 2 and all(e["status"] != "RUNNING" for e in executions):
            break
        time.sleep(0.1)
    assert sorted(e["status"] for e in executions) == ["SUCCEEDED", "SUCCEEDED"]
    for opp in (alpha, beta):
        assert (
            stack.salesforce.record("Opportunity", opp["Id"])["NetSuite_Sync_Status__c"] == "Synced"
        )
    assert len(stack.netsuite.dump()["customer"]) == 2
