"""DynamoDB-backed coordination: one execution per opportunity, and the NetSuite concurrency cap.

Both live in the template's CoordinationTable (key ``pk``, TTL attribute ``expiresAt``):

- ``deal#<opportunityId>``: a lease held by the execution syncing that deal. A second execution
  for the same opportunity (a duplicate or concurrent delivery) gets :class:`DealBusy` and the
  state machine retries it later; by then the first has finished and the second finds every
  record already there.
- ``netsuite#slot#<n>`` for n < limit: a counting semaphore. A step invocation holds one slot
  from its first NetSuite request to its end (except during back-off sleeps), so all executions
  and steps together stay at or under the cap. Slots expire, so a crashed Lambda cannot hold one
  forever.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from closedwon.errors import DealBusy, Throttled, Transient

DEAL_LEASE_S = 30 * 60
SLOT_LEASE_S = 5 * 60
#: Polls all waiters together make per slot hand-off: each poll is cheap (one batch read of
#: limit + 1 small items), and a free slot found sooner is NetSuite capacity not wasted.
PROBES_PER_HANDOFF = 4


def _conditional_failed(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class DealLease:
    """The per-opportunity lease (``deal#<opportunityId>``) in the coordination table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def acquire(self, opportunity_id: str, execution_id: str, *, now: float | None = None) -> None:
        """Take the opportunity's lease for this execution (re-entrant for the same execution)."""
        now = now or time.time()
        try:
            self.dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": f"deal#{opportunity_id}"},
                    "holder": {"S": execution_id},
                    "expiresAt": {"N": str(int(now + DEAL_LEASE_S))},
                },
                ConditionExpression="attribute_not_exists(pk) OR holder = :me OR expiresAt < :now",
                ExpressionAttributeValues={
                    ":me": {"S": execution_id},
                    ":now": {"N": str(int(now))},
                },
            )
        except Exception as exc:
            if _conditional_failed(exc):
                raise DealBusy(
                    f"opportunity {opportunity_id} is being synced by another execution; "
                    "retrying later"
                ) from None
            raise Transient(f"deal lock unavailable: {type(exc).__name__}") from None

    def release(self, opportunity_id: str, execution_id: str) -> None:
        """Give the lease back (only if this execution holds it). Never raises: leases expire."""
        with contextlib.suppress(Exception):
            self.dynamodb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": f"deal#{opportunity_id}"}},
                ConditionExpression="holder = :me",
                ExpressionAttributeValues={":me": {"S": execution_id}},
            )


class NetSuiteSemaphore:
    """A lease-based counting semaphore over ``limit`` slot items.

    Fast path: one conditional write on a random slot. When it is taken, the request registers
    as a waiter (``netsuite#waiters``, an atomic counter) and paces its polls so that all waiters
    together probe about ``PROBES_PER_HANDOFF`` times per slot hand-off (a hand-off happens every
    ``hold / limit`` seconds): each poll reads the slots and the waiter count in one consistent
    batch read (so the pace follows the backlog as it grows and drains) and writes only to a
    slot that is free. Unpaced polling collapses under a burst (hundreds of waiters hammering five
    items: most writes fail, CPU and DynamoDB bills grow with the backlog - bench/burst.py).
    After ``max_wait_s`` the request gives up with :class:`Throttled`, which the state machine
    retries with its own backoff.
    """

    WAITERS_KEY = "netsuite#waiters"

    def __init__(
        self,
        dynamodb: Any,
        table: str,
        limit: int,
        *,
        max_wait_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.limit = limit
        self.max_wait_s = max_wait_s
        self.sleep = sleep
        self.rng = rng or random.Random()
        #: How long a slot is typically held (seconds), a moving average that sets the poll pace.
        self.hold_s = 0.2
        #: The slot this container's invocation holds: (key, holder, taken at). A container
        #: serves one invocation at a time, so one slot per container keeps the cap.
        self._held: tuple[str, str, float] | None = None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot around one NetSuite request.

        The first request of an invocation takes a slot and keeps it until :meth:`release`
        (the handler calls it when the step ends): a step makes its requests one after another,
        so one slot is enough and the cap still holds, and it saves two DynamoDB calls per
        request. A step that never calls NetSuite never takes one.
        """
        if self._held is None:
            key, holder = self._acquire()
            self._held = (key, holder, time.monotonic())
        yield

    def step_aside(self) -> None:
        """Give back the slot now; the next request takes one again.

        The NetSuite client calls this before a back-off sleep (after a 429 or a transient
        fault), so a waiting step can use the slot instead of it staying idle for seconds.
        """
        self.release()

    def release(self) -> None:
        """Give back the slot held, if any (the end of an invocation)."""
        held, self._held = self._held, None
        if held is not None:
            self._release(*held)

    def _release(self, key: str, holder: str, since: float) -> None:
        held = time.monotonic() - since
        self.hold_s = 0.9 * self.hold_s + 0.1 * held
        with contextlib.suppress(Exception):
            self.dynamodb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                ConditionExpression="holder = :me",
                ExpressionAttributeValues={":me": {"S": holder}},
            )

    def _acquire(self) -> tuple[str, str]:
        holder = uuid.uuid4().hex
        key = f"netsuite#slot#{self.rng.randrange(self.limit)}"
        if self._take(key, holder):
            return key, holder
        waiting = self._add_waiter(1)
        deadline = time.monotonic() + self.max_wait_s
        try:
            while True:
                mean = waiting * self.hold_s / (PROBES_PER_HANDOFF * self.limit)
                self.sleep(self.rng.uniform(0, 2 * min(10.0, max(0.01, mean))))
                free, waiting = self._probe()
                if free:
                    key = self.rng.choice(free)
                    if self._take(key, holder):
                        return key, holder
                if time.monotonic() > deadline:
                    raise Throttled(
                        f"all {self.limit} NetSuite slots stayed busy for {self.max_wait_s:.0f}s"
                    )
        finally:
            with contextlib.suppress(Exception):
                self._add_waiter(-1)

    def _take(self, key: str, holder: str) -> bool:
        now = time.time()
        try:
            self.dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": key},
                    "holder": {"S": holder},
                    "expiresAt": {"N": str(int(now + SLOT_LEASE_S))},
                },
                ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise Transient(f"NetSuite semaphore unavailable: {type(exc).__name__}") from None
        return True

    def _probe(self) -> tuple[list[str], int]:
        """The free slots and the number of waiters, in one consistent batch read."""
        keys = [f"netsuite#slot#{i}" for i in range(self.limit)]
        try:
            response = self.dynamodb.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": [{"pk": {"S": k}} for k in (*keys, self.WAITERS_KEY)],
                        "ConsistentRead": True,
                        "ProjectionExpression": "pk, expiresAt, n",
                    }
                }
            )
        except Exception as exc:
            raise Transient(f"NetSuite semaphore unavailable: {type(exc).__name__}") from None
        items = {i["pk"]["S"]: i for i in response.get("Responses", {}).get(self.table, [])}
        now = int(time.time())
        free = [k for k in keys if k not in items or int(items[k]["expiresAt"]["N"]) < now]
        waiters = items.get(self.WAITERS_KEY, {}).get("n", {}).get("N", "1")
        return free, max(1, int(waiters))

    def _add_waiter(self, delta: int) -> int:
        response = self.dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": self.WAITERS_KEY}},
            # The counter expires a while after its last change, so one left high by a killed
            # Lambda cannot slow the pace forever.
            UpdateExpression="ADD n :d SET expiresAt = :exp",
            ExpressionAttributeValues={
                ":d": {"N": str(delta)},
                ":exp": {"N": str(int(time.time() + 900))},
            },
            ReturnValues="UPDATED_NEW",
        )
        return max(1, int(response.get("Attributes", {}).get("n", {}).get("N", "1")))
