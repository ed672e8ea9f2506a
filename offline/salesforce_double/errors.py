"""The error shape every Salesforce REST resource answers with."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Salesforce REST error: HTTP status plus one ``{"message", "errorCode"}`` item.

    ``fields`` is rendered only when given, because real Salesforce omits it on most
    query errors and includes it (often empty) on DML errors.
    """

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        """The REST error body: a JSON array with one error."""
        item: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return [item]

    def dml_error(self) -> dict[str, Any]:
        """The same error as sObject Collections reports it per record."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields or []}


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")
