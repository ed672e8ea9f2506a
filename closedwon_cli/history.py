"""Reading a Step Functions execution history (GetExecutionHistory events)."""

from __future__ import annotations

import json
from typing import Any


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


def dlq_message_in(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The DLQ message an execution sent (the SendToDLQ task's MessageBody), if it sent one."""
    for event in reversed(history):
        details = event.get("taskScheduledEventDetails")
        if event.get("type") != "TaskScheduled" or not details:
            continue
        if details.get("resourceType") != "sqs" or details.get("resource") != "sendMessage":
            continue
        try:
            body = json.loads(json.loads(details.get("parameters") or "{}").get("MessageBody", ""))
        except (ValueError, AttributeError):
            return None
        return body if isinstance(body, dict) else None
    return None
