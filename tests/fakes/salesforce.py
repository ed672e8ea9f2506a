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
from tests.support import contract_source, deal_source


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
        amendments_status_field: str | None = None,
        extra: SoqlFields = SoqlFields(),
        netsuite_id_fields: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        if self.down is not None:
            raise self.down
        self.reads.append(opportunity_id)
        self.extra_fields = extra
        source = deal_source(self.snapshot, opportunity_id, netsuite_id_fields)
        if amendments_status_field:
            source["syncedAmendments"] = self._synced_amendments(
                opportunity_id, amendments_status_field
            )
        return source

    def _synced_amendments(self, opportunity_id: str, status_field: str) -> int:
        recs = self.snapshot["records"]
        contracts = {
            c["Id"]
            for c in recs.get("Contract", [])
            if c.get("SBQQ__Opportunity__c") == opportunity_id
        }
        return sum(
            1
            for o in recs.get("Opportunity", [])
            if o.get("SBQQ__AmendedContract__c") in contracts
            and {**o, **self.fields_of("Opportunity", o["Id"])}.get(status_field) == "Synced"
        )

    def read_contract(self, contract_id: str, original_opportunity_id: str) -> dict[str, Any]:
        if self.down is not None:
            raise self.down
        self.reads.append(contract_id)
        return contract_source(self.snapshot, contract_id, original_opportunity_id)

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
