"""RecordFailure: Error status on the Opportunity + the DLQ message (docs/dlq-message.md).

Never fails itself, and depends on nothing that can be the cause of the failure it reports: a
mapping config that cannot be read falls back to the default write-back field names, Salesforce
down or a broken environment is noted in the message, and the message fits the SQS and state
caps for any input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from closedwon import dlq
from closedwon.config import WritebackFields
from closedwon.errors import PERMANENT, SyncError
from closedwon.events import is_salesforce_id, to_18
from closedwon.observability import count, logger
from closedwon.salesforce.writer import LONG_TEXT_LIMIT, now_utc, record
from closedwon.steps.deps import Deps

#: Attempts the state machine makes per error class (keep in step with the ASL Retry blocks).
ATTEMPTS = {"Throttled": 7, "Transient": 4, "DealBusy": 11}
_NAME_CHARS = 100
#: The key prefix of Opportunity ids: a change event's record id of another object is not one.
OPPORTUNITY_KEY_PREFIX = "006"
NOT_WRITTEN_FOR_REJECTED_EVENT = "not written: LoadDeal rejected the event itself"
_ARN = re.compile(r"arn:aws[a-z-]*:[^\s\"'(),]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ().-]{6,}\d(?![\w])")
#: A run of digits and separators is taken for a phone number from this many digits (a date has 8).
_PHONE_DIGITS = 9


def describe_error(error: Any) -> tuple[str, str]:
    """(error class, message) from a Catch's ``{"Error", "Cause"}``; Cause is Lambda's JSON payload."""
    error = error if isinstance(error, dict) else {}
    name = str(error.get("Error") or "Unexpected")
    cause = error.get("Cause") or ""
    message = str(cause)
    try:
        payload = json.loads(cause)
        if isinstance(payload, dict):
            message = str(payload.get("errorMessage") or cause)
            name = str(payload.get("errorType") or name)
    except (TypeError, ValueError):
        pass
    return name[:_NAME_CHARS], message


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The DLQ message of the failed deal (``{"message": {...}}``), its status written if possible."""
    event = event if isinstance(event, dict) else {}
    given = event.get("state")
    state: dict[str, Any] = given if isinstance(given, dict) else {}
    error_class, message = describe_error(state.get("error"))
    execution_id = str(event.get("executionId") or state.get("executionId") or "")
    original = (
        state["input"]
        if "input" in state
        else {k: v for k, v in state.items() if k not in ("error", "failedStep")}
    )
    opportunity_id = opportunity_of(state, original)
    _release_lease(deps, opportunity_id, execution_id)
    status_written, status_error = False, None
    if opportunity_id and rejected_event(state, error_class):
        status_error = NOT_WRITTEN_FOR_REJECTED_EVENT
    elif opportunity_id:
        status_written, status_error = _write_error_status(
            deps, opportunity_id, error_class, message, execution_id
        )
    count("DealsFailed", error_class=error_class)
    failed_step = state.get("failedStep")
    message_body = {
        "version": dlq.DLQ_MESSAGE_VERSION,
        "opportunityId": opportunity_id,
        "event": dlq.failure_event(original),
        "executionArn": execution_id[:2048],
        "failedStep": failed_step[:_NAME_CHARS] if isinstance(failed_step, str) else "Unknown",
        "errorClass": error_class,
        "errorMessage": _capped(message, LONG_TEXT_LIMIT),
        "permanent": error_class in PERMANENT,
        "attempts": ATTEMPTS.get(error_class, 1),
        "salesforceStatusWritten": status_written,
        "salesforceStatusError": status_error,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return {"message": dlq.fit(message_body)}


def rejected_event(state: dict[str, Any], error_class: str) -> bool:
    """Whether LoadDeal refused the event itself (malformed, another org's, the integration's own
    change): then the opportunity it names is only a claim of whoever started the execution, and
    Salesforce is left untouched."""
    return state.get("failedStep") == "LoadDeal" and error_class == "InvalidEvent"


def redacted(text: str) -> str:
    """``text`` without e-mail addresses, phone numbers or ARNs, as written to Salesforce.

    NetSuite and Salesforce error texts can quote the field values they refused, and the field
    is read by sales users; the DLQ message keeps the whole text for the operators.
    """
    text = _ARN.sub("[arn]", text)
    text = _EMAIL.sub("[e-mail]", text)
    return _PHONE.sub(lambda m: "[phone]" if _looks_like_phone(m.group()) else m.group(), text)


def _looks_like_phone(run: str) -> bool:
    """Enough digits, written as a number to dial (``+`` or separators), not a plain quantity."""
    digits = sum(c.isdigit() for c in run)
    return digits >= _PHONE_DIGITS and (run.startswith("+") or not run.isdigit())


def _release_lease(deps: Deps, opportunity_id: str | None, execution_id: str) -> None:
    """Also when LoadDeal failed after taking the lease: a replay right after a fix must not wait."""
    if not opportunity_id or not execution_id:
        return
    try:
        lease = deps.deal_lease
        if lease is not None:
            lease.release(opportunity_id, execution_id)
    except Exception as exc:  # the lease expires anyway; the message must still go out
        logger.warning(
            "could not release the deal lease", extra={"error_class": type(exc).__name__}
        )


def _writeback_fields(deps: Deps) -> WritebackFields:
    """The configured write-back fields; the defaults when the config is what failed."""
    try:
        return deps.config.salesforce.writeback
    except Exception:
        return WritebackFields()


def _write_error_status(
    deps: Deps, opportunity_id: str, error_class: str, message: str, execution_id: str
) -> tuple[bool, str | None]:
    fields = _writeback_fields(deps)
    execution_name = execution_id.rsplit(":", 1)[-1]
    text = _capped(
        redacted(f"{error_class}: {message} (execution {execution_name})"), LONG_TEXT_LIMIT
    )
    try:
        deps.salesforce.write(
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
        logger.warning(
            "unexpected error writing the Error status", extra={"error_class": type(exc).__name__}
        )
        return False, type(exc).__name__
    return True, None


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(dlq.TRUNCATED)] + dlq.TRUNCATED


def opportunity_of(state: dict[str, Any], original: Any) -> str | None:
    """The failed deal's opportunity, if any well-formed id is known, in either trigger shape.

    Only a well-formed Salesforce id is ever used: an unusable one (an injection attempt, a
    string where an object belongs) leaves Salesforce untouched and the DLQ message says so.
    """

    def obj(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    event = obj(original)
    payload = obj(obj(event.get("detail")).get("payload"))
    header = obj(dlq.cdc_header(event))
    record_ids = header.get("recordIds") if header.get("entityName") == "Opportunity" else None
    first_record = record_ids[0] if isinstance(record_ids, list) and record_ids else None
    if not (isinstance(first_record, str) and first_record.startswith(OPPORTUNITY_KEY_PREFIX)):
        first_record = None
    candidates = (
        state.get("opportunityId"),
        obj(state.get("trigger")).get("opportunityId"),
        obj(event.get("trigger")).get("opportunityId"),
        payload.get("Opportunity_Id__c"),
        first_record,
    )
    return next((to_18(str(c)) for c in candidates if is_salesforce_id(c)), None)
