"""What outlives one offline process: the DLQ's messages and a journal of executions.

moto keeps AWS state in memory, so the offline stack saves the dead-letter queue's messages to
``STATE/dlq.json`` when it stops and puts them back when it starts, and appends one line per
finished execution (its steps, errors and NetSuite ids) to ``STATE/executions.jsonl``. That is
what ``python -m offline replay|redrive`` and ``closedwon status --offline`` read.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

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


def steps_of(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Task steps in order, each with its outcome and (when it failed) the error class.

    Events are attributed to their step by ``previousEventId`` (Map iterations interleave), or
    to the latest step when a history has no event ids. A step that failed and then succeeded
    on a retry is ``succeeded`` and keeps the last error it was retried after.
    """
    steps: list[dict[str, Any]] = []
    step_of_event: dict[Any, dict[str, Any]] = {}

    def owner(event: dict[str, Any]) -> dict[str, Any] | None:
        previous = event.get("previousEventId")
        if previous in step_of_event:
            return step_of_event[previous]
        return steps[-1] if steps and "id" not in event else None

    for event in history:
        kind = event["type"]
        step: dict[str, Any] | None = None
        if kind == "TaskStateEntered":
            step = {
                "name": event["stateEnteredEventDetails"]["name"],
                "status": "running",
                "attempts": 0,
            }
            steps.append(step)
        elif kind.startswith(("Lambda", "Task")):
            step = owner(event)
            if kind == "TaskStateExited":
                name = event["stateExitedEventDetails"]["name"]
                if step is None or step["name"] != name:
                    step = next(
                        (
                            s
                            for s in reversed(steps)
                            if s["name"] == name and s["status"] in ("running", "failed")
                        ),
                        None,
                    )
                if step is not None:
                    step["status"] = "succeeded" if step["status"] == "running" else "caught"
        if step is None:
            continue
        if kind in ("LambdaFunctionScheduled", "TaskScheduled"):
            step["attempts"] += 1
        elif kind in (
            "LambdaFunctionFailed",
            "TaskFailed",
            "LambdaFunctionTimedOut",
            "TaskTimedOut",
        ):
            details = (
                event.get("lambdaFunctionFailedEventDetails")
                or event.get("taskFailedEventDetails")
                or event.get("lambdaFunctionTimedOutEventDetails")
                or event.get("taskTimedOutEventDetails")
                or {}
            )
            step["status"] = "failed"
            step["error"] = details.get("error")
        elif kind in ("LambdaFunctionSucceeded", "TaskSucceeded"):
            step["status"] = "running"  # a retry succeeded; TaskStateExited completes it
        if "id" in event:
            step_of_event[event["id"]] = step
    return steps


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
