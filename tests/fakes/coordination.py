"""In-memory deal store, deal lease and fan-out for step unit tests."""

from __future__ import annotations

import hashlib
from typing import Any

from closedwon.deal import Deal
from closedwon.deal_store import deal_of, reference
from closedwon.errors import DealBusy, InvalidEvent
from closedwon.events import Trigger
from closedwon.fanout import execution_name


class FakeDealStore:
    """Every deal an object in a dict (the deal bucket), as DealStore; the state holds its key."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, deal: Deal) -> dict[str, Any]:
        body = deal.model_dump_json()
        key = f"deals/{deal.opportunity_id}/{hashlib.sha256(body.encode()).hexdigest()[:16]}.json"
        self.objects[key] = body.encode()
        return {"dealRef": {"bucket": "deal-bucket", "key": key}}

    def get(self, state: dict[str, Any]) -> Deal:
        _, key = reference(state)
        if key not in self.objects:
            raise InvalidEvent("workflow state: dealRef names no stored deal")
        return deal_of(self.objects[key])


class FakeLease:
    """One holder per opportunity, re-entrant for the same execution (as DealLease)."""

    def __init__(self) -> None:
        self.holders: dict[str, str] = {}
        self.released: list[tuple[str, str]] = []

    def acquire(self, opportunity_id: str, execution_id: str) -> None:
        holder = self.holders.setdefault(opportunity_id, execution_id)
        if holder != execution_id:
            raise DealBusy(f"opportunity {opportunity_id} is being synced by another execution")

    def release(self, opportunity_id: str, execution_id: str) -> None:
        self.released.append((opportunity_id, execution_id))
        if self.holders.get(opportunity_id) == execution_id:
            del self.holders[opportunity_id]


class FakeFanOut:
    def __init__(self) -> None:
        self.started: list[Trigger] = []

    def start_siblings(self, execution_arn: str, triggers: list[Trigger]) -> list[str]:
        self.started.extend(triggers)
        return [execution_name(t) for t in triggers]
