"""Salesforce error bodies → the error taxonomy, with messages a RevOps admin can act on.

A REST error body is a list of ``{"errorCode", "message", "fields"}`` objects (Salesforce REST API
Developer Guide, "Status Codes and Error Responses"). A query error's message starts with the
SOQL statement echoed back, then ``ERROR at Row:r:Column:c`` and the sentence naming the field:
that sentence is what is kept. Each error is capped at :data:`ERROR_TEXT_LIMIT` characters by
eliding its middle, so both the start and the field name at the end survive.
"""

from __future__ import annotations

from typing import Any

from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from closedwon.errors import AuthOrConfig, SyncError, Throttled, Transient

TRANSIENT_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG"}
ERROR_TEXT_LIMIT = 300
#: Errors listed per response; the rest are counted.
ERRORS_LISTED = 10
_QUERY_ERROR_MARKER = "ERROR at Row:"


def capped(text: str, limit: int = ERROR_TEXT_LIMIT) -> str:
    """``text`` in at most ``limit`` characters, its middle elided."""
    if len(text) <= limit:
        return text
    head = (limit - 3) * 2 // 3
    tail = limit - 3 - head
    return f"{text[:head]} … {text[len(text) - tail :]}"


def error_codes(content: Any) -> list[str]:
    """The ``errorCode`` (or ``statusCode``) of every error of a response body."""
    entries = content if isinstance(content, list) else [content]
    return [
        str(e.get("errorCode") or e.get("statusCode") or "") for e in entries if isinstance(e, dict)
    ]


def error_text(error: Any) -> str:
    """One error: the part of its message that names the field, and its ``fields``, capped."""
    if not isinstance(error, dict):
        return capped(" ".join(str(error).split()))
    message = str(error.get("message", ""))
    if _QUERY_ERROR_MARKER in message:
        message = message[message.index(_QUERY_ERROR_MARKER) :]
    text = " ".join(message.split())
    names = error.get("fields")
    if isinstance(names, list) and names:
        text += f" (fields: {', '.join(str(n) for n in names)})"
    return capped(text)


def error_messages(content: Any) -> str:
    """Every error of a response body (up to :data:`ERRORS_LISTED`), each capped."""
    entries = content if isinstance(content, list) else [content]
    texts = [error_text(e) for e in entries[:ERRORS_LISTED]]
    if len(entries) > ERRORS_LISTED:
        texts.append(f"and {len(entries) - ERRORS_LISTED} more")
    return "; ".join(texts)


def classify(exc: SalesforceError, what: str) -> SyncError:
    """The taxonomy error for a simple-salesforce exception."""
    codes = error_codes(exc.content)
    message = (
        f"Salesforce refused {what}: {error_messages(exc.content)} "
        f"({', '.join(c for c in codes if c) or exc.status})"
    )
    if "REQUEST_LIMIT_EXCEEDED" in codes:
        return Throttled(f"Salesforce API request limit exceeded during {what}")
    if (isinstance(exc, SalesforceGeneralError) and exc.status >= 500) or TRANSIENT_CODES & set(
        codes
    ):
        return Transient(message)
    if isinstance(
        exc, (SalesforceRefusedRequest, SalesforceMalformedRequest, SalesforceResourceNotFound)
    ):
        return AuthOrConfig(message)
    return Transient(message) if exc.status >= 500 else AuthOrConfig(message)


def raise_for_subresponse(status: int, body: Any, what: str) -> None:
    """Composite sub-responses carry their own status; classify them like top-level errors."""
    if status < 300:
        return
    codes = error_codes(body)
    text = (
        f"Salesforce refused {what}: {error_messages(body)} "
        f"({', '.join(c for c in codes if c) or status})"
    )
    if "REQUEST_LIMIT_EXCEEDED" in codes:
        raise Throttled(f"Salesforce API request limit exceeded during {what}")
    if status >= 500 or TRANSIENT_CODES & set(codes):
        raise Transient(text)
    raise AuthOrConfig(text)
