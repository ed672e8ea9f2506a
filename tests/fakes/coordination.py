"""In-memory deal store, deal lease and fan-out for step unit tests."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from closedwon.deal import Deal
from closedwon.deal_store import deal_of
from closedwon.errors import DealBusy, InvalidEvent
from closedwon.events import Trigger
from closedwon.fanout import execution_name


class FakeDealStore:
    """Inline up to ``inline_limit_bytes``, else an object in a dict (the deal bucket)."""

    def __init__(self, inline_limit_bytes: int = 32 * 1024) -> None:
        self.inline_limit_bytes = inline_limit_bytes
        self.objects: dict[str, bytes] = {}

    def put(self, deal: Deal) -> dict[str, Any]:
        body = deal.model_dump_json()
        if len(body) <= self.inline_limit_bytes:
            return {"deal": json.loads(body), "dealRef": None}
        key = f"deals/{deal.opportunity_id}/{hashlib.sha256(body.encode()).hexdigest()[:16]}.json"
        self.objects[key] = body.encode()
        return {"deal": None, "dealRef": {"bucket": "deal-bucket", "key": key}}

    def get(self, state: dict[str, Any]) -> Deal:
        if not isinstance(state, dict):
            raise InvalidEvent("workflow state is not an object")
        if state.get("deal"):
            return deal_of(state["deal"])
        ref = state.get("dealRef")
        if not isinstance(ref, dict) or ref.get("key") not in self.objects:
            raise InvalidEvent("workflow state carries neither a deal nor a deal reference")
        return deal_of(self.objects[ref["key"]])


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
