"""The failure path cannot fail on what it reports (the whole stack: ASL, handlers, doubles).

A broken mapping config, a change event failing before its deal is read, an event large enough
to fill half a state: each still ends with its Error status on the Opportunity (when Salesforce
can be reached), its lease released and one DLQ message under the SQS 256 KiB cap (Amazon SQS
Developer Guide, "Amazon SQS message quotas").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import yaml

from offline.corpus import LineSpec, OrgBuilder, change_event
from offline.stack import DEFAULT_CONFIG, REGION, OfflineStack
from tests.e2e.conftest import run, sample_event

SQS_CAP = 256 * 1024
OPPORTUNITY = "0065f0000000001AAA"


def only_dlq_message(stack: OfflineStack) -> dict[str, Any]:
    (message,) = stack.dlq_messages()
    assert len(json.dumps(message["body"])) < SQS_CAP
    return message["body"]


def lease_of(stack: OfflineStack, opportunity_id: str) -> dict[str, Any] | None:
    table = next(
        n
        for n in boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
        if "Coordination" in n
    )
    return (
        boto3.client("dynamodb", region_name=REGION)
        .get_item(TableName=table, Key={"pk": {"S": f"deal#{opportunity_id}"}}, ConsistentRead=True)
        .get("Item")
    )


def invalid_deal() -> tuple[OrgBuilder, dict[str, Any]]:
    """A deal LoadDeal rejects (a quote line with quantity 0): it fails before any write."""
    org = OrgBuilder()
    aid = org.account(
        "Acme",
        billing={
            "Street": "1 Main",
            "City": "Boston",
            "Country": "United States",
            "CountryCode": "US",
        },
    )
    cid = org.contact(aid, "Pat", "Lee")
    oid = org.opportunity(
        aid,
        "Acme deal",
        [LineSpec("SUPPORT-PREM", frequency="Quarterly", quantity=0)],
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
    )
    return org, next(o for o in org.records["Opportunity"] if o["Id"] == oid)


def test_a_broken_mapping_config_reaches_salesforce_and_the_dlq_in_full(
    make_stack, tmp_path: Path
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["netsuite"]["curencies"] = config["netsuite"].pop("currencies")
    broken = tmp_path / "mapping.yaml"
    broken.write_text(yaml.safe_dump(config), encoding="utf-8")
    log = tmp_path / "lambda.log"
    stack = make_stack(config=broken, lambda_log_path=log)

    report = run(stack, sample_event())

    assert report.status == "Failed" and report.error is not None
    assert report.error["type"] == "AuthOrConfig"
    message = only_dlq_message(stack)
    assert message["errorClass"] == "AuthOrConfig" and message["permanent"] is True
    assert "netsuite.curencies" in message["errorMessage"]
    assert message["salesforceStatusWritten"] is True
    opportunity = stack.salesforce.record("Opportunity", OPPORTUNITY)
    assert opportunity["NetSuite_Sync_Status__c"] == "Error"
    assert "netsuite.curencies" in opportunity["NetSuite_Sync_Error__c"]
    sys.stdout.flush()  # the stack routes the functions' stdout (EMF metrics) to the log file
    metrics = [
        json.loads(line)
        for line in log.read_text(encoding="utf-8").splitlines()
        if '"DealsFailed"' in line
    ]
    assert [m["error_class"] for m in metrics] == ["AuthOrConfig"]
    assert stack.netsuite.stats["writes"] == 0


def test_a_cdc_deal_failing_in_load_deal_gets_its_status_and_its_lease_back(make_stack) -> None:
    org, opportunity = invalid_deal()
    stack = make_stack(org.snapshot())

    report = run(stack, change_event(opportunity))

    assert report.status == "Failed" and report.error is not None
    assert report.error["type"] == "InvalidDeal"
    assert (
        stack.salesforce.record("Opportunity", opportunity["Id"])["NetSuite_Sync_Status__c"]
        == "Error"
    )
    assert lease_of(stack, opportunity["Id"]) is None
    message = only_dlq_message(stack)
    assert message["opportunityId"] == opportunity["Id"]
    assert "StageName" not in message["event"]["detail"]["payload"]


def test_a_change_event_of_200_kb_still_gets_its_dlq_message_without_its_values(make_stack) -> None:
    org, opportunity = invalid_deal()
    stack = make_stack(org.snapshot())
    event = change_event(opportunity)
    event["detail"]["payload"]["Description"] = "call Pat Lee on +1 617 555 0100 " * 6500
    event["detail"]["payload"]["ChangeEventHeader"]["changedFields"].append("Description")
    assert len(json.dumps(event)) > 190 * 1024

    report = run(stack, event)

    assert report.status == "Failed" and report.error is not None
    assert report.error["type"] == "InvalidDeal"
    message = only_dlq_message(stack)
    assert message["opportunityId"] == opportunity["Id"]
    assert "555" not in json.dumps(message) and "Pat Lee" not in json.dumps(message)
    assert stack.lambdas.stats.max_payload_bytes < SQS_CAP
