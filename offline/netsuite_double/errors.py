"""NetSuite REST error bodies, as documented (docs/reference/netsuite.md §2.1, §8.6 E4/E9-E11).

Every error the double returns is a :class:`NetSuiteError`; the HTTP layer turns it into the
documented JSON with ``Content-Type: application/vnd.oracle.resource+json; type=error``.
"""

from __future__ import annotations

import random
import string
from typing import Any

ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"

_TYPE_PLAIN = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
_TYPE_400 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1"

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NetSuiteError(Exception):
    """An HTTP error answer: status plus the exact JSON body NetSuite would send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def _detail(detail: str, code: str, **extra: str) -> dict[str, str]:
    item = {"detail": detail, "o:errorCode": code}
    item.update({f"o:{k}": v for k, v in extra.items()})
    return item


def bad_request(detail: str, code: str, **extra: str) -> NetSuiteError:
    """400 with the ``#sec10.4.1`` type used by Oracle's INVALID_CONTENT example."""
    body = {
        "type": _TYPE_400,
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [_detail(detail, code, **extra)],
    }
    return NetSuiteError(400, body)


def user_error(detail: str) -> NetSuiteError:
    """400 USER_ERROR; ``detail`` is the text after "Error while accessing a resource. "."""
    return bad_request(f"Error while accessing a resource. {detail}", "USER_ERROR")


def already_exists() -> NetSuiteError:
    """E4: POST with an externalId that is already taken."""
    return user_error("This entity already exists.")


def missing_values(labels: list[str]) -> NetSuiteError:
    """E9 (second part): mandatory fields left empty."""
    return user_error(f"Please enter value(s) for: {', '.join(labels)}.")


def invalid_value(value: object, field: str, path: str) -> NetSuiteError:
    """E9: an unknown reference id or a value the field cannot take."""
    return bad_request(
        "Error while accessing resource: You have entered an Invalid Field Value "
        f"{value} for the following field: {field}",
        "INVALID_CONTENT",
        errorPath=path,
    )


def unknown_field(path: str, record_type: str) -> NetSuiteError:
    """Unknown or read-only property name under ``X-NetSuite-PropertyNameValidation: error``.

    The real wording is not documented (§8.7); only the code and ``o:errorPath`` matter.
    """
    return bad_request(
        f"Error while accessing resource: Invalid property name '{path}' for record type "
        f"'{record_type}'. The property does not exist or is read-only.",
        "INVALID_CONTENT",
        errorPath=path,
    )


def malformed() -> NetSuiteError:
    """Oracle's verbatim INVALID_REQUEST body (no fragment in ``type``)."""
    body = {
        "type": _TYPE_PLAIN,
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            _detail(
                "The request could not be understood by the server due to malformed syntax.",
                "INVALID_REQUEST",
            )
        ],
    }
    return NetSuiteError(400, body)


def invalid_parameter(detail: str, **extra: str) -> NetSuiteError:
    """400 for a bad query parameter or SuiteQL text."""
    return bad_request(detail, "INVALID_PARAMETER", **extra)


def idempotency_conflict(key: str) -> NetSuiteError:
    """A reused ``X-NetSuite-Idempotency-Key`` (O:subsect_164494900632: status 400, title
    "Conflict", ``IDEMPOTENCY_ERROR``; the detail text is not documented)."""
    body = {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10",
        "title": "Conflict",
        "status": 400,
        "o:errorDetails": [
            _detail(
                f"A request with the idempotency key {key} has already been submitted.",
                "IDEMPOTENCY_ERROR",
                errorHeader="X-NetSuite-Idempotency-Key",
            )
        ],
    }
    return NetSuiteError(400, body)


def not_found(detail: str = "Record does not exist.") -> NetSuiteError:
    """E10, verbatim for the default detail."""
    body = {
        "type": _TYPE_PLAIN,
        "title": "Not Found",
        "status": 404,
        "o:errorDetails": [_detail(detail, "NONEXISTENT_ID")],
    }
    return NetSuiteError(404, body)


def method_not_allowed() -> NetSuiteError:
    body = {
        "type": _TYPE_PLAIN,
        "title": "Method Not Allowed",
        "status": 405,
        "o:errorDetails": [
            _detail("The HTTP method is not supported for this resource.", "INVALID_REQUEST")
        ],
    }
    return NetSuiteError(405, body)


def unauthorized() -> NetSuiteError:
    """E11 401, verbatim."""
    body = {
        "type": _TYPE_PLAIN,
        "title": "Unauthorized",
        "status": 401,
        "o:errorDetails": [_detail(INVALID_LOGIN_DETAIL, "INVALID_LOGIN")],
    }
    return NetSuiteError(401, body)


def throttled() -> NetSuiteError:
    """E11 429, verbatim (title "Bad Request" and a top-level ``o:errorCode`` are Oracle's)."""
    body = {
        "type": _TYPE_PLAIN,
        "title": "Bad Request",
        "status": 429,
        "o:errorCode": "USER_ERROR",
        "o:errorDetails": [
            _detail(
                "Concurrent request limit exceeded. Request blocked.",
                "CONCURRENCY_LIMIT_EXCEEDED",
            )
        ],
    }
    return NetSuiteError(429, body)


def unexpected(rng: random.Random | None = None) -> NetSuiteError:
    """E11 500, verbatim apart from a fresh error id."""
    rng = rng or random.Random()
    error_id = "".join(rng.choice(string.ascii_lowercase) for _ in range(20))
    body = {
        "type": _TYPE_PLAIN,
        "title": "Internal Server Error",
        "status": 500,
        "o:errorDetails": [
            _detail(f"An unexpected error occurred. Error ID: {error_id}", "UNEXPECTED_ERROR")
        ],
    }
    return NetSuiteError(500, body)
