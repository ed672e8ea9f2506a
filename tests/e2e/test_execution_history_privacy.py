"""No personal value of a deal reaches the Step Functions execution history or output.

Step Functions keeps every state's input and output in the execution history for 90 days after
the execution closes, readable with ``states:GetExecutionHistory`` and not erasable on request
(AWS Step Functions Developer Guide, "Service quotas": execution history retention; API
Reference, "GetExecutionHistory"). The deal therefore lives in the deal bucket and the state
carries its reference only. moto's executing Step Functions keeps the history and the output of
every execution, which this test reads after a synced, a skipped and three failed deals.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from offline.stack import DEFAULT_CONFIG, REGION, OfflineStack
from tests.e2e.conftest import ROOT, run, sample_event

SAMPLE_ORG = json.loads((ROOT / "offline/sample/org.json").read_text(encoding="utf-8"))
PERSONAL_FIELDS = {
    "Account": ("Phone", "BillingStreet", "ShippingStreet"),
    "Contact": ("Email", "Phone", "MobilePhone", "MailingStreet"),
}


def personal_values(org: dict[str, Any]) -> list[str]:
    """Every name, e-mail, phone and street of the sample org's accounts and contacts."""
    values: list[str] = []
    for record_type, fields in PERSONAL_FIELDS.items():
        for record in org["records"][record_type]:
            values += [line for f in fields if record.get(f) for line in record[f].splitlines()]
    for contact in org["records"]["Contact"]:
        values += [f"{contact['FirstName']} {contact['LastName']}", contact["LastName"]]
    return sorted(set(values))


def org_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    org = copy.deepcopy(SAMPLE_ORG)
    change(org)
    return org


def not_won(org: dict[str, Any]) -> None:
    org["records"]["Opportunity"][0].update({"IsWon": False, "StageName": "Negotiation"})


def without_primary_quote(org: dict[str, Any]) -> None:
    org["records"]["Opportunity"][0]["SBQQ__PrimaryQuote__c"] = None


def config_file(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    change(config)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def unknown_billing_schedule(config: dict[str, Any]) -> None:
    config["netsuite"]["billing_schedule_id"] = "99"


def broken_config(config: dict[str, Any]) -> None:
    config["netsuite"]["no_such_setting"] = True


def recorded_executions(stack: OfflineStack) -> str:
    """The history events and the output of every execution of the stack, as one JSON text."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    recorded = []
    for execution in sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]:
        arn = execution["executionArn"]
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        recorded.append({"history": events, "output": sfn.describe_execution(executionArn=arn)})
    return json.dumps(recorded, default=str)


CASES = [
    pytest.param(None, None, "Synced", id="synced"),
    pytest.param(not_won, None, "Skipped", id="skipped"),
    pytest.param(None, broken_config, "Failed", id="config-error"),
    pytest.param(without_primary_quote, None, "Failed", id="invalid-deal"),
    pytest.param(None, unknown_billing_schedule, "Failed", id="netsuite-rejection"),
]


@pytest.mark.parametrize(("org_change", "config_change", "outcome"), CASES)
def test_given_a_deal_when_it_ends_then_its_execution_history_and_output_hold_no_personal_value(
    make_stack: Callable[..., OfflineStack],
    tmp_path: Path,
    org_change: Callable[[dict[str, Any]], None] | None,
    config_change: Callable[[dict[str, Any]], None] | None,
    outcome: str,
) -> None:
    org = org_with(org_change) if org_change else copy.deepcopy(SAMPLE_ORG)
    config = config_file(tmp_path, "config", config_change) if config_change else DEFAULT_CONFIG
    stack = make_stack(org, config=config)

    assert run(stack, sample_event()).status == outcome
    recorded = recorded_executions(stack)

    assert "dealRef" in recorded or outcome != "Synced"  # the scan reads real state payloads
    leaked = [value for value in personal_values(org) if value in recorded]
    assert leaked == []
