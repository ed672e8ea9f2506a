"""NetSuite error responses → the error taxonomy (docs/reference/netsuite.md §2, §8.4).

Classification keys on the HTTP status and ``o:errorCode``. The one exception, asked for by the
policy, is a 400 ``USER_ERROR`` whose detail mentions permission: NetSuite REST reports a missing
role permission that way, and no change to the data can fix it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from closedwon.errors import AuthOrConfig, RejectedByNetSuite, SyncError, Throttled, Transient

# NetSuite prefixes most details with one of these; they tell an admin nothing.
_NOISE_PREFIXES = (
    "Error while accessing resource: ",
    "Error while accessing a resource. ",
    "Error while accessing a resource: ",
)
_MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of ``o:errorDetails``."""

    detail: str | None = None
    code: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class ErrorBody:
    """What could be read from an error response body (everything optional: bodies vary)."""

    code: str | None = None
    details: tuple[ErrorDetail, ...] = ()

    @property
    def first(self) -> ErrorDetail:
        return self.details[0] if self.details else ErrorDetail(code=self.code)


def parse_json(content: bytes) -> Any:
    """The body as JSON when it starts with ``{`` or ``[`` whatever the Content-Type, else None."""
    stripped = content.lstrip()
    if not stripped.startswith((b"{", b"[")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def parse_error_body(content: bytes) -> ErrorBody:
    """Read NetSuite's ``{type, title, status, o:errorDetails: [...]}``; never raises."""
    data = parse_json(content)
    if not isinstance(data, dict):
        return ErrorBody()
    raw_details = data.get("o:errorDetails")
    details = tuple(
        ErrorDetail(
            detail=_str_or_none(entry.get("detail")),
            code=_str_or_none(entry.get("o:errorCode")),
            path=_str_or_none(entry.get("o:errorPath")),
        )
        for entry in (raw_details if isinstance(raw_details, list) else [])
        if isinstance(entry, dict)
    )
    return ErrorBody(code=_str_or_none(data.get("o:errorCode")), details=details)


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def describe(body: ErrorBody) -> str:
    """The admin-readable part: ``<detail> (<CODE> at <path>)`` per entry, joined by ``; ``.

    Empty when the body carried nothing readable (e.g. a gateway's empty 503).
    """
    parts = []
    for entry in body.details:
        text = _clean(entry.detail) or "no detail given"
        tags = " at ".join(t for t in (entry.code, entry.path) if t)
        parts.append(f"{text} ({tags})" if tags else text)
    if parts:
        return "; ".join(parts)
    return body.code or ""


def classify(
    response: requests.Response,
    *,
    method: str,
    record_type: str,
    external_id: str | None = None,
    internal_id: str | None = None,
) -> SyncError:
    """Map a non-2xx response to the exception the workflow retries or catches by name.

    ``record_type`` is ``"suiteql"`` for queries. Messages name the request and quote NetSuite's
    own detail; they never contain request bodies or credentials.
    """
    status = response.status_code
    body = parse_error_body(response.content)
    first = body.first
    request = f"{method} {_subject(record_type, external_id, internal_id)}"
    said = describe(body) or response.reason or "no error details"
    context: dict[str, Any] = {
        "status": status,
        "method": method,
        "record_type": record_type,
        "external_id": external_id,
        "error_code": first.code,
    }

    if status == 429:
        return Throttled(
            f"NetSuite's concurrency limit was reached on {request} (HTTP 429: {said})",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            **context,
        )
    if status >= 500:
        return Transient(f"NetSuite failed on {request} (HTTP {status}: {said})", **context)
    if status == 401:
        return AuthOrConfig(
            f"NetSuite refused the credentials on {request} (HTTP 401: {said}). "
            "Check the integration record, the token or certificate mapping and the role; "
            "NetSuite's Login Audit Trail shows why the login failed.",
            **context,
        )
    if status == 403 or (
        status == 400
        and first.code == "USER_ERROR"
        and "permission" in (first.detail or "").lower()
    ):
        return AuthOrConfig(
            f"The NetSuite integration role is not allowed to {request} (HTTP {status}: {said}). "
            "Grant the permission to the role the integration logs in with.",
            **context,
        )
    if 300 <= status < 400:
        return AuthOrConfig(
            f"NetSuite redirected {request} (HTTP {status}); "
            "check base_url in the NetSuite secret.",
            **context,
        )
    if record_type == "suiteql":
        message = f"NetSuite rejected the SuiteQL query: {said}"
    else:
        message = f"NetSuite rejected {_subject(record_type, external_id, internal_id)}: {said}"
    return RejectedByNetSuite(
        message,
        record_type=record_type,
        external_id=external_id,
        status=status,
        error_code=first.code,
        error_path=first.path,
        detail=first.detail,
    )


def _subject(record_type: str, external_id: str | None, internal_id: str | None) -> str:
    if external_id:
        return f"{record_type} {external_id}"
    if internal_id:
        return f"{record_type} #{internal_id}"
    return record_type


def _clean(detail: str | None) -> str:
    if not detail:
        return ""
    for prefix in _NOISE_PREFIXES:
        if detail.startswith(prefix):
            detail = detail[len(prefix) :]
            break
    return detail.strip()[:_MAX_DETAIL_CHARS]


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
