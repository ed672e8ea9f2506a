"""Capture a realistic sample input for every Lambda function from a real offline run.

    .venv/bin/python events/capture.py

Runs the bundled sample deal (events/opportunity_closed_won.json, offline/sample/org.json)
through the offline stack and reads each function's input from the execution history (the
``LambdaFunctionScheduled`` events), then runs the same event against a copy of the sample org
whose seats line has quantity 0 to capture a failing input for RecordFailure (an InvalidDeal
caught after LoadDeal). Writes ``events/<function>.json``; see events/README.md.

Repeatable: fixed execution names, fresh doubles, stack traces rewritten to the Lambda
layout (``/var/task`` for the function, ``/opt/python`` for the layer). Only NetSuite internal
ids may trade places between the two packages (the Map runs them in parallel).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

import boto3  # noqa: E402

from offline.corpus import netsuite_seed  # noqa: E402
from offline.stack import REGION, OfflineStack, StackOptions  # noqa: E402

EVENTS = ROOT / "events"
SAMPLE_EVENT = EVENTS / "opportunity_closed_won.json"
SAMPLE_ORG = ROOT / "offline" / "sample" / "org.json"
SEATS_LINE = "a0r5f0000000002AAA"  # PRO-SEATS, quantity 25 in the sample deal

#: template.yaml logical id -> sample file name
FILES = {
    "LoadDealFunction": "load_deal.json",
    "UpsertCustomerFunction": "upsert_customer.json",
    "UpsertContactsFunction": "upsert_contacts.json",
    "UpsertBillingAccountFunction": "upsert_billing_account.json",
    "UpsertSubscriptionPlanFunction": "upsert_subscription_plan.json",
    "CreateSubscriptionFunction": "create_subscription.json",
    "WriteBackFunction": "write_back.json",
    "RecordFailureFunction": "record_failure.json",
}


def run_and_capture(
    workdir: Path, org: dict[str, Any], event: dict[str, Any], name: str
) -> tuple[str, dict[str, Any]]:
    """Run one event on a fresh stack; return (execution status, {logical id: its input})."""
    stack = OfflineStack(
        StackOptions.in_folder(
            workdir, org, netsuite_seed(), lambda_log_path=workdir / "lambda.log"
        )
    )
    stack.start()
    try:
        if stack.matching_rule(event) is None:
            raise SystemExit(f"{SAMPLE_EVENT}: no rule in template.yaml matches the sample event")
        result = stack.wait(stack.start_execution(event, name=name))
        logical_ids = {
            function_name: entry.logical_id
            for function_name, entry in stack.lambdas.functions.items()
        }
        sfn = boto3.client("stepfunctions", region_name=REGION)
        inputs: dict[str, list[Any]] = {}
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=result.arn):
            for item in page["events"]:
                if item["type"] != "LambdaFunctionScheduled":
                    continue
                details = item["lambdaFunctionScheduledEventDetails"]
                function_name = details["resource"].rsplit(":", 1)[-1]
                inputs.setdefault(logical_ids[function_name], []).append(
                    json.loads(details["input"])
                )
        return result.status, {k: first(v) for k, v in inputs.items()}
    finally:
        stack.stop()


def lambda_frame(frame: str) -> str | None:
    """One stack-trace frame with its local path rewritten to the Lambda layout (None: drop it)."""
    if f"{ROOT}/offline/" in frame:
        return None  # the offline Lambda seam is not part of a real invocation
    frame = re.sub(r'"[^"]*/site-packages/', '"/opt/python/', frame)
    frame = frame.replace(f"{ROOT}/layers/shared/", "/opt/python/")
    return re.sub(rf'"{re.escape(str(ROOT))}/functions/[^/"]+/', '"/var/task/', frame)


def portable_cause(sample: dict[str, Any]) -> dict[str, Any]:
    """RecordFailure's input carries Lambda's error payload; make its stack trace portable."""
    error = (sample.get("state") or {}).get("error")
    if isinstance(error, dict) and isinstance(error.get("Cause"), str):
        try:
            cause = json.loads(error["Cause"])
        except ValueError:
            return sample
        frames = [lambda_frame(f) for f in cause.get("stackTrace") or []]
        cause["stackTrace"] = [f for f in frames if f is not None]
        error["Cause"] = json.dumps(cause)
    return sample


def first(inputs: list[Any]) -> Any:
    """One input per function; the Map's iterations run in any order, so pick the same one."""
    return min(
        inputs,
        key=lambda i: (str(i.get("packageKey", "")) if isinstance(i, dict) else "", json.dumps(i)),
    )


def main() -> None:
    event = json.loads(SAMPLE_EVENT.read_text(encoding="utf-8"))
    org = json.loads(SAMPLE_ORG.read_text(encoding="utf-8"))
    failing_org = json.loads(SAMPLE_ORG.read_text(encoding="utf-8"))
    for line in failing_org["records"]["SBQQ__QuoteLine__c"]:
        if line["Id"] == SEATS_LINE:
            line["SBQQ__Quantity__c"] = 0
    with tempfile.TemporaryDirectory(prefix="closedwon-capture-") as tmp:
        status, inputs = run_and_capture(Path(tmp) / "synced", org, event, "sample-closed-won")
        if status != "SUCCEEDED":
            raise SystemExit(f"the sample deal did not sync offline (status {status})")
        status, failed = run_and_capture(
            Path(tmp) / "failed", failing_org, event, "sample-invalid-deal"
        )
        if "RecordFailureFunction" not in failed:
            raise SystemExit(f"the failing run did not reach RecordFailure (status {status})")
    inputs["RecordFailureFunction"] = failed["RecordFailureFunction"]
    fixups: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "RecordFailureFunction": portable_cause
    }
    missing = sorted(set(FILES) - set(inputs))
    if missing:
        raise SystemExit(f"no input captured for {', '.join(missing)}")
    for logical_id, file_name in FILES.items():
        fixup = fixups.get(logical_id)
        sample = fixup(inputs[logical_id]) if fixup else inputs[logical_id]
        path = EVENTS / file_name
        path.write_text(json.dumps(sample, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}  <- {logical_id}")


if __name__ == "__main__":
    main()
