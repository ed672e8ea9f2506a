"""The DLQ message of a failed deal (docs/dlq-message.md), sized for any input.

SQS caps a message at 256 KiB and Step Functions a state at 256 KB: the message carries the
event at most once, reduced (a CDC event keeps its header and ids, never changed field values,
which may be personal data), and is cut to :data:`MAX_MESSAGE_BYTES` whatever the input.
"""

from __future__ import annotations

import json
from typing import Any

from closedwon.events import CDC_EVENT_NAME, is_salesforce_id

DLQ_MESSAGE_VERSION = "1"
#: The whole message, measured as ASCII-escaped JSON (the largest form of the same text), stays
#: under this: below both 256 KB caps with room for the state's other keys.
MAX_MESSAGE_BYTES = 192 * 1024
#: An event whose kept form is larger is replaced by its envelope ids and its size.
MAX_EVENT_BYTES = 64 * 1024
#: EventBridge envelope keys: ids, names and times (never deal data).
ENVELOPE_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region")
#: ChangeEventHeader keys (Salesforce CDC): names, ids and counters, never field values.
CDC_HEADER_KEYS = (
    "entityName",
    "recordIds",
    "changeType",
    "changeOrigin",
    "transactionKey",
    "sequenceNumber",
    "commitTimestamp",
    "commitNumber",
    "commitUser",
    "changedFields",
    "nulledFields",
    "diffFields",
)
#: Payload fields of a change event that hold Salesforce ids (lookups), kept when they are ids.
CDC_ID_FIELDS = ("AccountId", "SBQQ__PrimaryQuote__c", "OwnerId", "LastModifiedById", "CreatedById")
_ENVELOPE_VALUE_CHARS = 256
TRUNCATED = " …(truncated)"


def json_size(value: Any) -> int:
    """Bytes of ``value`` as ASCII-escaped JSON."""
    return len(json.dumps(value, default=str))


def failure_event(original: Any) -> Any:
    """The execution input as the DLQ (and the workflow state) keeps it."""
    kept = _kept(original)
    if json_size(kept) <= MAX_EVENT_BYTES:
        return kept
    return _omitted(original)


def cdc_header(event: Any) -> dict[str, Any] | None:
    """The ChangeEventHeader of a relayed change event, or None for any other input."""
    payload = _obj(_obj(_obj(event).get("detail")).get("payload"))
    header = payload.get("ChangeEventHeader")
    return header if isinstance(header, dict) else None


def fit(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` with its ``errorMessage`` cut so the whole stays under MAX_MESSAGE_BYTES."""
    if json_size(message) <= MAX_MESSAGE_BYTES:
        return message
    text = str(message.get("errorMessage") or "")
    shortest, longest = 0, len(text)
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if json_size({**message, "errorMessage": text[:middle] + TRUNCATED}) <= MAX_MESSAGE_BYTES:
            shortest = middle
        else:
            longest = middle - 1
    return {**message, "errorMessage": text[:shortest] + TRUNCATED}


def _kept(original: Any) -> Any:
    event = _obj(original)
    if isinstance(event.get("trigger"), dict):
        return {"trigger": event["trigger"]}
    if not isinstance(event.get("detail"), dict):
        return _omitted(original)
    header = cdc_header(event)
    if header is None and event.get("detail-type") != CDC_EVENT_NAME:
        return original
    payload = _obj(_obj(event.get("detail")).get("payload"))
    reduced_payload: dict[str, Any] = {
        "ChangeEventHeader": {k: header[k] for k in CDC_HEADER_KEYS if header and k in header}
    }
    reduced_payload.update(
        {k: payload[k] for k in CDC_ID_FIELDS if is_salesforce_id(payload.get(k))}
    )
    return {**_envelope(event), "detail": {"payload": reduced_payload}}


def _omitted(original: Any) -> dict[str, Any]:
    return {
        **_envelope(_obj(original)),
        "omittedBytes": json_size(original),
        "omittedReason": "the event is too large or not an event; the execution input has it",
    }


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        k: event[k][:_ENVELOPE_VALUE_CHARS] if isinstance(event[k], str) else event[k]
        for k in ENVELOPE_KEYS
        if k in event and isinstance(event[k], str | int | float)
    }


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
