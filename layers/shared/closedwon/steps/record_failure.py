"""RecordFailure: Error status on the Opportunity + the DLQ message (docs/dlq-message.md).

Never fails itself: if Salesforce is down, the DLQ message still goes out and says so.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from closedwon import coordination, runtime
from closedwon.config import mapping_config
from closedwon.errors import PERMANENT, SyncError
from closedwon.events import is_salesforce_id, to_18
from closedwon.observability import count, logger
from closedwon.salesforce import LONG_TEXT_LIMIT, now_utc, record, write_records

DLQ_MESSAGE_VERSION = "1"
#: Attempts the state machine makes per error class (keep in step with the ASL Retry blocks).
ATTEMPTS = {"Throttled": 7, "Transient": 4, "DealBusy": 11}


def describe_error(error: dict[str, Any]) -> tuple[str, str]:
    """(error class, message) from a Catch's ``{"Error", "Cause"}``; Cause is Lambda's JSON payload."""
    name = str(error.get("Error") or "Unexpected")
    cause = error.get("Cause") or ""
    message = cause
    try:
        payload = json.loads(cause)
        if isinstance(payload, dict):
            message = payload.get("errorMessage") or cause
            name = payload.get("errorType") or name
    except (TypeError, ValueError):
        pass
    return name, str(message)


def run(event: dict[str, Any]) -> dict[str, Any]:
    state = event.get("state") or {}
    error_class, message = describe_error(state.get("error") or {})
    execution_id = str(event.get("executionId") or state.get("executionId") or "")
    original = (
        state["input"]
        if "input" in state
        else {k: v for k, v in state.items() if k not in ("error", "failedStep")}
    )
    opportunity_id = _opportunity_id(state, original)
    status_written = False
    status_error = None
    table = runtime.optional_env("COORDINATION_TABLE")
    if table and opportunity_id and execution_id:
        # Also when LoadDeal failed after taking the lease: a replay right after a fix must not wait.
        coordination.release_deal(table, opportunity_id, execution_id)
    if opportunity_id:
        status_written, status_error = _write_error_status(
            opportunity_id, error_class, message, execution_id
        )
    count("DealsFailed", error_class=error_class)
    message_body = {
        "version": DLQ_MESSAGE_VERSION,
        "opportunityId": opportunity_id,
        "event": original,
        "executionArn": execution_id,
        "failedStep": state.get("failedStep") or "Unknown",
        "errorClass": error_class,
        "errorMessage": message[:LONG_TEXT_LIMIT],
        "permanent": error_class in PERMANENT,
        "attempts": ATTEMPTS.get(error_class, 1),
        "salesforceStatusWritten": status_written,
        "salesforceStatusError": status_error,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return {"message": message_body}


def _write_error_status(
    opportunity_id: str, error_class: str, message: str, execution_id: str
) -> tuple[bool, str | None]:
    fields = mapping_config().salesforce.writeback
    text = f"{error_class}: {message} (execution {execution_id})"
    if len(text) > LONG_TEXT_LIMIT:
        text = text[: LONG_TEXT_LIMIT - 15] + " …(truncated)"
    try:
        write_records(
            runtime.salesforce(),
            [
                record(
                    "Opportunity",
                    opportunity_id,
                    {
                        fields.opportunity_status: "Error",
                        fields.opportunity_error: text,
                        fields.opportunity_last_sync: now_utc(),
                    },
                )
            ],
            what=f"writing the Error status of {opportunity_id}",
        )
    except SyncError as exc:
        logger.warning(
            "could not write the Error status to Salesforce", extra={"error": str(exc)[:500]}
        )
        return False, f"{type(exc).__name__}: {exc}"[:1000]
    except Exception as exc:  # never let the failure path itself fail
        logger.exception("unexpected error writing the Error status")
        return False, type(exc).__name__
    return True, None


def _opportunity_id(state: dict[str, Any], original: Any) -> str | None:
    """The failed deal's opportunity, if any well-formed id is known.

    Only a well-formed Salesforce id is ever used: an unusable one (an injection attempt, a
    string where an object belongs) leaves Salesforce untouched and the DLQ message says so.
    """

    def obj(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    event = obj(original)
    trigger = obj(state.get("trigger"))
    raw_trigger = obj(event.get("trigger"))
    payload = obj(obj(event.get("detail")).get("payload"))
    candidates = (
        state.get("opportunityId"),
        trigger.get("opportunityId"),
        raw_trigger.get("opportunityId"),
        payload.get("Opportunity_Id__c"),
    )
    return next((to_18(str(c)) for c in candidates if is_salesforce_id(c)), None)
