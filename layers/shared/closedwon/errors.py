"""The error taxonomy.

Every step raises one of these classes. The class *name* is what Step Functions sees as the
error name (Lambda's ``errorType``), so the ASL retries and catches on these exact names:

| class                 | meaning                                             | Step Functions       |
|-----------------------|-----------------------------------------------------|----------------------|
| ``Throttled``         | NetSuite 429, Salesforce REQUEST_LIMIT_EXCEEDED     | retried, long backoff|
| ``Transient``         | 5xx, timeouts, connection errors, UNABLE_TO_LOCK_ROW | retried             |
| ``InvalidEvent``      | the relayed event is malformed                      | not retried          |
| ``InvalidDeal``       | the deal fails validation (docs/mapping.md §2)      | not retried          |
| ``RejectedByNetSuite``| NetSuite refused the data (4xx data errors)         | not retried          |
| ``AuthOrConfig``      | 401/403 after one refresh, missing config/secret    | not retried          |
| ``DealBusy``          | another execution holds this opportunity's lock     | retried (LoadDeal)   |
| ``Unexpected``        | anything else a step raised (a bug, an unforeseen   | not retried          |
|                       | input); the handler wraps it before the ASL sees it |                      |

Messages are written for a RevOps admin: they name the record and field and say what to fix.
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """Base class: a failure the workflow knows how to classify."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class Throttled(SyncError):
    """The remote system asked us to slow down. Always safe to retry later."""

    def __init__(self, message: str, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class Transient(SyncError):
    """A fault that is expected to go away: 5xx, timeout, connection reset, row lock."""


class DealBusy(SyncError):
    """Another execution is syncing the same opportunity right now."""


class InvalidEvent(SyncError):
    """The relayed event does not have the shape of the contract (docs/reference/salesforce.md §7)."""


class InvalidDeal(SyncError):
    """The deal cannot be synced as it is in Salesforce. Lists every problem at once."""

    def __init__(self, problems: list[str], record: str = "Opportunity") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{record} cannot be synced ({len(self.problems)} problem(s)):\n{lines}")


class RejectedByNetSuite(SyncError):
    """NetSuite refused a write because of the data (400 INVALID_CONTENT, USER_ERROR, ...)."""

    def __init__(
        self,
        message: str,
        *,
        record_type: str,
        external_id: str | None = None,
        status: int | None = None,
        error_code: str | None = None,
        error_path: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(
            message,
            record_type=record_type,
            external_id=external_id,
            status=status,
            error_code=error_code,
            error_path=error_path,
            detail=detail,
        )
        self.record_type = record_type
        self.external_id = external_id
        self.status = status
        self.error_code = error_code
        self.error_path = error_path
        self.detail = detail


class AuthOrConfig(SyncError):
    """Credentials, permissions or configuration are wrong. A human must fix them."""


class Unexpected(SyncError):
    """A step raised an exception no check foresaw: a bug, or an input nothing validated.

    Permanent, not retried: running the same code on the same input fails the same way, and the
    retries would spend NetSuite capacity. Faults that do go away (timeouts, 5xx, throttling) are
    already classified by the adapters, so what reaches this class is a defect to fix.
    """


#: Error names the state machine retries (must match the class names above).
RETRYABLE = ("Throttled", "Transient", "DealBusy")
#: Error names the state machine never retries.
PERMANENT = ("InvalidEvent", "InvalidDeal", "RejectedByNetSuite", "AuthOrConfig", "Unexpected")


def error_class_name(exc: BaseException) -> str:
    """The taxonomy name of an exception; anything unclassified is reported as ``Unexpected``."""
    return type(exc).__name__ if isinstance(exc, SyncError) else "Unexpected"
