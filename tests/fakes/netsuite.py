"""An in-memory NetSuite for step unit tests: records by type and external id.

It keeps what the steps rely on from SuiteTalk REST (docs/reference/netsuite.md): ``PUT
eid:<externalId>`` creates or replaces the record with that external id (an upsert, never a
second record); ``GET`` answers 404 (here: None) for an unknown one; internal ids are strings;
SuiteQL rows hold strings. A subscription change order with ``action: ACTIVATE`` makes the
subscription ACTIVE (Oracle, "Subscription Change Orders", SuiteBilling).
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from closedwon.errors import SyncError


class FakeNetSuite:
    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        #: record type -> external id -> record (``id`` and ``externalId`` included)
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        #: item ``itemid`` -> internal id, what SuiteQL ``FROM item`` answers
        self.items = dict(items or {})
        self.calls: Counter[str] = Counter()
        self.throttled = 0
        #: Raised by the next call instead of answering (a fault to inject), then cleared.
        self.fail_next: SyncError | None = None
        self._ids = itertools.count(1000)

    # ------------------------------------------------------------------ the client's calls

    def get(
        self,
        record_type: str,
        external_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None:
        self._call(f"GET {record_type}")
        found = self.records.get(record_type, {}).get(external_id)
        return copy.deepcopy(found) if found is not None else None

    def get_by_id(
        self,
        record_type: str,
        internal_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None:
        self._call(f"GET {record_type}")
        found = self._by_id(record_type, internal_id)
        return copy.deepcopy(found) if found is not None else None

    def upsert(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> str:
        self._call(f"PUT {record_type}")
        table = self.records.setdefault(record_type, {})
        existing = table.get(external_id)
        internal_id = existing["id"] if existing else str(next(self._ids))
        record = {**(existing or {}), **copy.deepcopy(dict(body))}
        record.update(id=internal_id, externalId=external_id)
        table[external_id] = record
        self._after_write(record_type, record)
        return internal_id

    def create_if_absent(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> tuple[str, bool]:
        existing = self.get(record_type, external_id, fields=["id"])
        if existing is not None:
            return str(existing["id"]), False
        return self.upsert(record_type, external_id, body, replace=replace), True

    def patch(
        self,
        record_type: str,
        internal_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> None:
        self._call(f"PATCH {record_type}")
        record = self._by_id(record_type, internal_id)
        if record is None:
            raise AssertionError(f"PATCH of an unknown {record_type} {internal_id}")
        record.update(copy.deepcopy(dict(body)))
        table = self.records[record_type]
        for key, stored in list(table.items()):
            if stored is record and record.get("externalId") and key != record["externalId"]:
                table[record["externalId"]] = table.pop(key)

    def suiteql(self, query: str, params: Sequence[str | int] = ()) -> list[dict[str, Any]]:
        self._call("POST suiteql")
        if query.startswith("SELECT id, externalid FROM billingaccount WHERE customer = ?"):
            customer, currency = (str(p) for p in params)
            return [
                {"id": a["id"], **({"externalid": a["externalId"]} if a.get("externalId") else {})}
                for a in self.all("billingAccount")
                if a["customer"]["id"] == customer and a["currency"]["id"] == currency
            ]
        assert query.startswith("SELECT id, itemid FROM item WHERE itemid IN ("), query
        assert query.count("?") == len(params), "every value is a bound parameter"
        return [{"id": self.items[str(p)], "itemid": str(p)} for p in params if p in self.items]

    # ------------------------------------------------------------------ test helpers

    def seed(self, record_type: str, record: dict[str, Any]) -> str:
        """Store a record made outside the product (``externalId`` may be absent); its id."""
        internal_id = str(record.get("id") or next(self._ids))
        key = record.get("externalId") or f"#{internal_id}"
        self.records.setdefault(record_type, {})[key] = {**copy.deepcopy(record), "id": internal_id}
        return internal_id

    def all(self, record_type: str) -> list[dict[str, Any]]:
        return list(self.records.get(record_type, {}).values())

    def writes(self) -> int:
        return sum(n for call, n in self.calls.items() if not call.startswith(("GET", "POST")))

    def _call(self, route: str) -> None:
        self.calls[route] += 1
        if self.fail_next is not None:
            fault, self.fail_next = self.fail_next, None
            raise fault

    def _by_id(self, record_type: str, internal_id: str) -> dict[str, Any] | None:
        for record in self.records.get(record_type, {}).values():
            if record["id"] == str(internal_id):
                return record
        return None

    def _after_write(self, record_type: str, record: dict[str, Any]) -> None:
        if record_type == "subscription":
            record.setdefault("billingSubscriptionStatus", {"id": "DRAFT"})
        if record_type == "subscriptionChangeOrder" and record.get("action") == "ACTIVATE":
            target = self._by_id("subscription", record["subscription"]["id"])
            if target is not None:
                target["billingSubscriptionStatus"] = {"id": "ACTIVE"}
