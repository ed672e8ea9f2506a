"""An in-memory Salesforce for step unit tests: deal reads from an org snapshot, writes kept.

Reads return what closedwon.salesforce.read_deal returns (tests/support.deal_source shapes the
snapshot records the same way). Writes behave as ``composite/sobjects`` PATCH with
``allOrNone: false`` (Salesforce REST API Developer Guide, "Update Multiple Records"): each record
succeeds or fails on its own, in order.
"""

from __future__ import annotations

from typing import Any

from closedwon.errors import SyncError
from closedwon.rules.document import SoqlFields
from tests.support import deal_source


class FakeSalesforce:
    def __init__(self, snapshot: dict[str, Any] | None = None) -> None:
        self.snapshot = snapshot or {"records": {}}
        self.reads: list[str] = []
        #: Every record written, in order: ``{"attributes": {"type": ...}, "id": ..., fields}``.
        self.written: list[dict[str, Any]] = []
        #: When set, every call raises it (Salesforce down, a refused login...).
        self.down: SyncError | None = None
        #: The rule fields the last read was asked for.
        self.extra_fields = SoqlFields()

    def read_deal(
        self,
        opportunity_id: str,
        *,
        multi_currency: bool,
        extra: SoqlFields = SoqlFields(),
        netsuite_id_fields: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        if self.down is not None:
            raise self.down
        self.reads.append(opportunity_id)
        self.extra_fields = extra
        return deal_source(self.snapshot, opportunity_id, netsuite_id_fields)

    def write(self, records: list[dict[str, Any]], *, what: str) -> list[str]:
        if self.down is not None:
            raise self.down
        self.written.extend(records)
        return []

    def fields_of(self, sobject: str, record_id: str) -> dict[str, Any]:
        """The fields written to one record, later writes winning."""
        merged: dict[str, Any] = {}
        for rec in self.written:
            if rec["attributes"]["type"] == sobject and rec["id"] == record_id:
                merged.update({k: v for k, v in rec.items() if k not in ("attributes", "id")})
        return merged
