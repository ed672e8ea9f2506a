"""Replay a deal and redrive the DLQ against the offline stack (issue: failures lose nothing).

Both start *fresh* executions: every NetSuite write is idempotent by external id and the deal
lease serialises executions per opportunity, so a replay converges on the same records whatever
an earlier run left behind. (Step Functions redrive is for the cloud; moto does not implement it.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.contract import replay_input
from offline.runner import DealReport, Runner
from offline.stack import OfflineStack


def input_from(target: str, org_id: str) -> dict[str, Any]:
    """`replay` accepts an opportunity id or a DLQ message file (its original event is replayed)."""
    path = Path(target)
    if path.suffix == ".json" and path.exists():
        message = json.loads(path.read_text(encoding="utf-8"))
        event = message.get("event") if isinstance(message, dict) else None
        if not isinstance(event, dict):
            raise ValueError(f"{path}: not a DLQ message (no 'event' object)")
        return event
    return replay_input(target, org_id)


def replay(stack: OfflineStack, target: str) -> DealReport:
    return Runner(stack).run_event(input_from(target, stack.org_id), label=f"replay {target}")


@dataclass
class RedriveResult:
    message: dict[str, Any]
    report: DealReport
    deleted: bool


def redrive(stack: OfflineStack, max_messages: int | None = None) -> list[RedriveResult]:
    """Restart each DLQ message's deal; delete the message only once its restart has an outcome.

    The original message is deleted when the new execution synced (or skipped) the deal, or when
    the new execution failed and left its own, newer DLQ message: either way nothing is lost.
    """
    results = []
    runner = Runner(stack)
    for message in stack.dlq_messages()[: max_messages or None]:
        body = message["body"]
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        if event is None and body.get("opportunityId"):
            event = replay_input(body["opportunityId"], stack.org_id)
        if event is None:
            continue  # nothing to restart from: leave it for a human
        report = runner.run_event(event, label=f"redrive {body.get('executionArn', '')}")
        superseded = (
            report.status == "Failed" and runner.dlq_message(report.executionArn or "") is not None
        )
        deleted = report.status in ("Synced", "Skipped") or superseded
        if deleted:
            stack.delete_dlq_message(body.get("executionArn"))
        results.append(RedriveResult(body, report, deleted))
    return results
