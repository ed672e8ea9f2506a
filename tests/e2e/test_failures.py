"""Failures lose nothing and create nothing twice (issue: retries, DLQ, replay, duplicates)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from closedwon_cli.offline_backend import OfflineBackend
from closedwon_cli.restart import redrive, replay
from offline.stack import DEFAULT_CONFIG
from tests.e2e.conftest import run, sample_event

OPP = "0065f0000000001AAA"


def config_with(tmp_path: Path, **netsuite) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["netsuite"].update(netsuite)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def external_ids(dump):
    return {kind: sorted(r["externalId"] for r in records) for kind, records in dump.items()}


def assert_no_duplicates(dump) -> None:
    for kind, records in dump.items():
        eids = [r["externalId"] for r in records]
        assert len(eids) == len(set(eids)), f"duplicate {kind}: {eids}"


def test_a_half_failed_deal_lands_in_the_dlq_and_completes_on_redrive(make_stack, tmp_path) -> None:
    # NetSuite has no billing schedule 99 yet: customer and contacts are written, the billing
    # account is rejected.
    stack = make_stack(config=config_with(tmp_path, billing_schedule_id="99"))
    report = run(stack, sample_event())
    assert report.status == "Failed"
    assert report.error["type"] == "RejectedByNetSuite"
    assert (
        "billingAccount" in report.error["message"] and "billingSchedule" in report.error["message"]
    )
    (message,) = [m["body"] for m in stack.dlq_messages()]
    assert message["opportunityId"] == OPP and message["failedStep"] == "UpsertBillingAccount"
    assert message["errorClass"] == "RejectedByNetSuite" and message["permanent"] is True
    assert message["salesforceStatusWritten"] is True
    opp = stack.salesforce.record("Opportunity", OPP)
    assert opp["NetSuite_Sync_Status__c"] == "Error"
    assert (
        opp["NetSuite_Sync_Error__c"].startswith("RejectedByNetSuite: ")
        and message["executionArn"].rsplit(":", 1)[-1] in opp["NetSuite_Sync_Error__c"]
    )
    partial = stack.netsuite.dump()
    assert (
        len(partial["customer"]) == 1
        and len(partial["contact"]) == 2
        and partial["billingAccount"] == []
    )

    # The NetSuite admin creates the billing schedule; the operator redrives the DLQ.
    stack.netsuite.load_seed({"billingSchedule": [{"id": "99", "name": "Charge-Based Quarterly"}]})
    (result,) = redrive(OfflineBackend.on(stack)).items
    assert result.outcome == "Synced" and result.messageDeleted
    assert stack.dlq_messages() == []
    dump = stack.netsuite.dump()
    assert_no_duplicates(dump)
    assert len(dump["customer"]) == 1 and len(dump["subscription"]) == 2
    assert stack.salesforce.record("Opportunity", OPP)["NetSuite_Sync_Status__c"] == "Synced"


def test_the_dlq_survives_the_offline_process_and_redrive_keeps_a_message_that_fails_again(
    make_stack, tmp_path
) -> None:
    config = config_with(tmp_path, billing_schedule_id="99")
    first = make_stack(config=config, state=tmp_path / "shared")
    assert run(first, sample_event()).status == "Failed"
    first.stop()
    second = make_stack(config=config, state=tmp_path / "shared")
    (message,) = second.dlq_messages()
    (result,) = redrive(OfflineBackend.on(second)).items
    # Still broken: the restart failed and left its own message, which supersedes the old one.
    assert result.outcome == "Failed" and result.messageDeleted
    (newer,) = second.dlq_messages()
    assert newer["body"]["executionArn"] == result.executionArn != message["body"]["executionArn"]


def test_replay_by_opportunity_id_converges_without_duplicates(make_stack) -> None:
    stack = make_stack()
    first = run(stack, sample_event())
    again = replay(OfflineBackend.on(stack), OPP).report
    assert again is not None and again.outcome == "Synced" and again.netsuite == first.netsuite
    assert_no_duplicates(stack.netsuite.dump())


def test_ten_concurrent_deliveries_of_one_event_create_each_record_once(make_stack) -> None:
    # Retry intervals at a tenth of real time: DealBusy waits must outlast the other executions.
    stack = make_stack(retry_time_scale=0.1)
    arns = [stack.start_execution(sample_event()) for _ in range(10)]
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda arn: stack.wait(arn, timeout_s=240), arns))
    assert [r.status for r in results] == ["SUCCEEDED"] * 10, [(r.error, r.cause) for r in results]
    dump = stack.netsuite.dump()
    assert_no_duplicates(dump)
    assert len(dump["subscription"]) == 2 and len(dump["customer"]) == 1
    for sub in dump["subscription"]:
        assert len(sub["subscriptionLine"]["items"]) == len(
            {i["lineNumber"] for i in sub["subscriptionLine"]["items"]}
        )


def test_transient_netsuite_faults_are_retried_to_success(make_stack) -> None:
    from offline.netsuite_double import FaultConfig

    # Which request draws which fault depends on how the Map's threads interleave, so the rates
    # must make running out of retries improbable on any interleaving: at 30 % a request fails
    # all 3 client attempts 2.7 % of the time, a step of 8 requests 20 %, four ASL attempts
    # 0.2 % (at the former 50 % this test failed about one run in six).
    stack = make_stack(netsuite_faults=FaultConfig(rate_429=0.2, rate_503=0.1, seed=7))
    report = run(stack, sample_event())
    assert report.status == "Synced", report.error
    assert stack.netsuite.stats["faults_injected"] > 0
    assert_no_duplicates(stack.netsuite.dump())


def test_faults_after_the_write_landed_do_not_duplicate(make_stack) -> None:
    from offline.netsuite_double import FaultConfig

    stack = make_stack(netsuite_faults=FaultConfig(rate_500=0.3, after_write=True, seed=3))
    report = run(stack, sample_event())
    assert report.status == "Synced", report.error
    assert_no_duplicates(stack.netsuite.dump())


def test_salesforce_down_still_sends_the_dlq_message(make_stack) -> None:
    from offline.salesforce_double import SalesforceFaults

    stack = make_stack(salesforce_faults=SalesforceFaults(fail_all=True))
    report = run(stack, sample_event())
    assert report.status == "Failed" and report.error["type"] == "Transient"
    (message,) = [m["body"] for m in stack.dlq_messages()]
    assert message["salesforceStatusWritten"] is False and message["salesforceStatusError"]
    assert message["permanent"] is False and message["attempts"] == 4
    assert stack.netsuite.stats["writes"] == 0
    assert json.dumps(message["event"]) == json.dumps(sample_event())
