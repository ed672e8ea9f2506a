"""The NetSuite semaphore's DynamoDB calls and slot hold times, counted where moto answers them.

The product keeps no statistics for the harness: the bench observes the coordination table's
requests as DynamoDB receives them (moto's request handler), by the items they touch:

- take: a PutItem on a slot item (``netsuite#slot#<n>``), whether or not its condition holds;
- release: a DeleteItem on a slot item;
- join / leave: an UpdateItem adding a positive / negative number to the waiters item;
- poll: a BatchGetItem that reads the waiters item (with the slots, one consistent read).

A slot is held from its successful take to its successful release: a slot has one holder at a
time, so the item's key alone pairs the two.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

SLOT_PREFIX = "netsuite#slot#"
WAITERS_KEY = "netsuite#waiters"


class SemaphoreCalls:
    """Counts the semaphore's DynamoDB calls while :meth:`counting` is entered."""

    def __init__(self) -> None:
        #: DynamoDB calls by kind: take, release, join, leave (writes) and poll (reads).
        self.calls: Counter[str] = Counter()
        #: Seconds slots were held, summed over every holder.
        self.held_s = 0.0
        self._taken_at: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def writes(self) -> int:
        return sum(n for kind, n in self.calls.items() if kind != "poll")

    @contextlib.contextmanager
    def counting(self) -> Iterator[SemaphoreCalls]:
        """Observe moto's DynamoDB request handler for the duration of the block."""
        from moto.dynamodb.responses import DynamoHandler

        with contextlib.ExitStack() as undo:
            for action in ("put_item", "delete_item", "update_item", "batch_get_item"):
                original = getattr(DynamoHandler, action)
                undo.enter_context(
                    mock.patch.object(DynamoHandler, action, self._observed(action, original))
                )
            yield self

    def _observed(self, action: str, original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def handle(handler: Any) -> Any:
            kind, slot = _classify(action, getattr(handler, "body", None) or {})
            try:
                result = original(handler)
            except Exception:
                if kind is not None:
                    self._record(kind, slot, succeeded=False)
                raise
            if kind is not None:
                self._record(kind, slot, succeeded=True)
            return result

        return handle

    def _record(self, kind: str, slot: str | None, *, succeeded: bool) -> None:
        now = time.monotonic()
        with self._lock:
            self.calls[kind] += 1
            if not succeeded or slot is None:
                return
            if kind == "take":
                self._taken_at[slot] = now
            elif kind == "release" and slot in self._taken_at:
                self.held_s += now - self._taken_at.pop(slot)


def _key_of(attributes: Any) -> str:
    if not isinstance(attributes, dict):
        return ""
    pk = attributes.get("pk")
    return str(pk.get("S", "")) if isinstance(pk, dict) else ""


def _classify(action: str, body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(kind, slot key) of one DynamoDB request, or (None, None) when not the semaphore's."""
    if action == "put_item":
        key = _key_of(body.get("Item"))
        return ("take", key) if key.startswith(SLOT_PREFIX) else (None, None)
    if action == "delete_item":
        key = _key_of(body.get("Key"))
        return ("release", key) if key.startswith(SLOT_PREFIX) else (None, None)
    if action == "update_item":
        if _key_of(body.get("Key")) != WAITERS_KEY:
            return None, None
        delta = (body.get("ExpressionAttributeValues") or {}).get(":d", {}).get("N", "0")
        return ("join" if float(delta) > 0 else "leave"), None
    for request in (body.get("RequestItems") or {}).values():
        if any(_key_of(key) == WAITERS_KEY for key in request.get("Keys", [])):
            return "poll", None
    return None, None
