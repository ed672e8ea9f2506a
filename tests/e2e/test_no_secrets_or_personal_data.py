"""Secrets never appear in logs, state payloads or DLQ messages; personal data never in logs or DLQ messages.

(The deal itself - names, emails, addresses - must travel between steps, which is why state machine
logging excludes execution data; tests/infra checks that.)
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import yaml

from offline.stack import DEFAULT_CONFIG, REGION
from tests.e2e.conftest import run, sample_event

PERSONAL = [
    "jane.doe@acme-analytics.example",
    "john.smith@acme-analytics.example",
    "+1 617 555 0101",
    "+1 617 555 0100",
    "100 Federal Street",
    "1 Innovation Way",
    "Accounts Payable",
]


def secret_fragments() -> list[str]:
    client = boto3.client("secretsmanager", region_name=REGION)
    fragments = []
    for name in ("closedwon/salesforce", "closedwon/netsuite"):
        secret = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
        body = "".join(line for line in secret["private_key"].splitlines() if "-----" not in line)
        fragments += [body[i : i + 32] for i in range(0, len(body) - 32, 200)]
    return fragments


def test_logs_payloads_and_dlq_messages_hold_no_secret_and_no_personal_data(
    make_stack, tmp_path: Path
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["netsuite"]["billing_schedule_id"] = (
        "99"  # the second deal fails half-way: exercise the failure path
    )
    failing_config = tmp_path / "failing.yaml"
    failing_config.write_text(yaml.safe_dump(config))
    log = tmp_path / "lambda.log"

    good = make_stack(state=tmp_path / "a", lambda_log_path=log)
    assert run(good, sample_event()).status == "Synced"
    secrets = secret_fragments()
    sfn = boto3.client("stepfunctions", region_name=REGION)
    histories = [
        json.dumps(sfn.get_execution_history(executionArn=e["executionArn"])["events"], default=str)
        for e in sfn.list_executions(stateMachineArn=good.state_machine_arn)["executions"]
    ]
    good.stop()

    bad = make_stack(state=tmp_path / "b", config=failing_config, lambda_log_path=log)
    assert run(bad, sample_event()).status == "Failed"
    secrets += secret_fragments()
    dlq = json.dumps([m["body"] for m in bad.dlq_messages()])
    bad.stop()

    logs = log.read_text()
    assert (
        "deal loaded" in logs and "RejectedByNetSuite" in logs
    )  # the capture really holds the functions' logs
    for fragment in secrets:
        assert fragment not in logs and fragment not in dlq
        assert all(fragment not in history for history in histories)
    for value in PERSONAL:
        assert value not in logs, value
        assert value not in dlq, value
