"""What outlives one offline process: the DLQ's messages and a journal of executions.

moto keeps AWS state in memory, so the offline stack saves the dead-letter queue's messages to
``STATE/dlq.json`` when it stops and puts them back when it starts, and appends one line per
finished execution (its steps, errors and NetSuite ids) to ``STATE/executions.jsonl``. That is
what ``closedwon --offline`` reads (``status``, and an execution of an earlier process).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from closedwon.outcome import netsuite_records, outcome_of
from closedwon_cli.history import steps_of
from closedwon_cli.inputs import opportunity_of

DLQ_FILE = "dlq.json"
JOURNAL_FILE = "executions.jsonl"
_lock = threading.Lock()


def save_dlq(state_dir: Path, bodies: list[dict[str, Any]]) -> None:
    (state_dir / DLQ_FILE).write_text(json.dumps(bodies, indent=2) + "\n", encoding="utf-8")


def load_dlq(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / DLQ_FILE
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [m for m in data if isinstance(m, dict)]


def entry(desc: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The journal line of one finished execution, from DescribeExecution and its history."""
    output = json.loads(desc["output"]) if desc.get("output") else {}
    output = output if isinstance(output, dict) else {}
    status = str(desc["status"])
    return {
        "executionArn": desc["executionArn"],
        "opportunityId": output.get("opportunityId")
        or opportunity_of(json.loads(desc.get("input") or "{}")),
        "status": status,
        "outcome": outcome_of(status, output).value,
        "startDate": desc.get("startDate"),
        "stopDate": desc.get("stopDate"),
        "error": desc.get("error"),
        "steps": steps_of(history),
        "netsuite": netsuite_records(output),
        "skipReason": output.get("skipReason"),
    }


def output_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """As much of the execution's output as :func:`closedwon.outcome.outcome_of` reads."""
    return {"status": entry.get("outcome")} if entry.get("status") == "SUCCEEDED" else None


def record_execution(state_dir: Path, entry: dict[str, Any]) -> None:
    line = json.dumps(entry, default=str)
    with _lock, (state_dir / JOURNAL_FILE).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def executions(state_dir: Path, opportunity_id: str | None = None) -> list[dict[str, Any]]:
    path = state_dir / JOURNAL_FILE
    if not path.exists():
        return []
    entries = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if opportunity_id:
        entries = [e for e in entries if (e.get("opportunityId") or "")[:15] == opportunity_id[:15]]
    return entries
