"""closedwon.coordination against moto DynamoDB: the deal lease and the NetSuite semaphore.

The offline stack makes moto's conditional writes atomic per item (as DynamoDB is); these tests
use the same patch, so many threads really do race for five slots.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from closedwon import coordination
from closedwon.coordination import DealLease, NetSuiteSemaphore
from closedwon.errors import DealBusy, Throttled
from offline.stack import OfflineStack, StackOptions

TABLE = "closedwon-offline-CoordinationTable"


@pytest.fixture
def table(tmp_path: Path) -> Iterator[str]:
    """The template's CoordinationTable in a running offline stack (moto, per-item atomicity)."""
    with OfflineStack(StackOptions(state_dir=tmp_path)):
        yield TABLE


def counted_client() -> tuple[Any, Counter[str]]:
    """A DynamoDB client and the count of the operations it sends (PutItem, BatchGetItem...)."""
    client = boto3.client("dynamodb")
    calls: Counter[str] = Counter()
    client.meta.events.register(
        "before-call.dynamodb", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
    )
    return client, calls


def semaphore(table: str, limit: int, **kwargs: Any) -> NetSuiteSemaphore:
    return NetSuiteSemaphore(boto3.client("dynamodb"), table, limit, **kwargs)


def acquire_deal(table: str, opportunity_id: str, execution_id: str, **kwargs: Any) -> None:
    DealLease(boto3.client("dynamodb"), table).acquire(opportunity_id, execution_id, **kwargs)


def release_deal(table: str, opportunity_id: str, execution_id: str) -> None:
    DealLease(boto3.client("dynamodb"), table).release(opportunity_id, execution_id)


def item(table: str, pk: str) -> dict | None:
    return (
        boto3.client("dynamodb")
        .get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)
        .get("Item")
    )


# --- deal lease ---------------------------------------------------------------------------------


def test_a_second_execution_of_the_same_deal_is_told_to_wait(table: str) -> None:
    acquire_deal(table, "006A", "exec-1")
    acquire_deal(table, "006A", "exec-1")  # re-entrant: a retried step of the same execution
    with pytest.raises(DealBusy, match="006A"):
        acquire_deal(table, "006A", "exec-2")
    acquire_deal(table, "006B", "exec-2")  # other deals are independent


def test_release_frees_the_deal_only_for_its_holder(table: str) -> None:
    acquire_deal(table, "006A", "exec-1")
    release_deal(table, "006A", "exec-2")  # not the holder: nothing happens, nothing raised
    with pytest.raises(DealBusy):
        acquire_deal(table, "006A", "exec-2")
    release_deal(table, "006A", "exec-1")
    acquire_deal(table, "006A", "exec-2")


def test_an_expired_deal_lease_is_taken_over(table: str) -> None:
    long_ago = time.time() - coordination.DEAL_LEASE_S - 60
    acquire_deal(table, "006A", "crashed-exec", now=long_ago)
    acquire_deal(table, "006A", "exec-2")
    assert item(table, "deal#006A")["holder"]["S"] == "exec-2"


# --- NetSuite semaphore -------------------------------------------------------------------------


def test_many_containers_never_hold_more_slots_than_the_limit(table: str) -> None:
    """Each thread is one container (its own semaphore object) serving one invocation at a time."""
    lock = threading.Lock()
    in_flight, peak, done = 0, 0, 0
    polls = Counter[str]()

    def invocation() -> None:
        nonlocal in_flight, peak, done
        client, calls = counted_client()
        container_semaphore = NetSuiteSemaphore(client, table, 3, max_wait_s=30)
        container_semaphore.hold_s = 0.02
        with container_semaphore.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1
                done += 1
        container_semaphore.release()
        with lock:
            polls.update(calls)

    threads = [threading.Thread(target=invocation) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done == 24
    assert peak == 3  # reached the cap, never beyond it
    assert polls["BatchGetItem"] > 0  # some requests had to wait
    for n in range(3):  # every slot was given back
        assert item(table, f"netsuite#slot#{n}") is None
    assert int(item(table, NetSuiteSemaphore.WAITERS_KEY)["n"]["N"]) == 0


def test_a_slot_left_by_a_crashed_lambda_is_reused_once_its_lease_expires(table: str) -> None:
    client = boto3.client("dynamodb")
    for n in range(2):  # both slots held by Lambdas that died without releasing
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"netsuite#slot#{n}"},
                "holder": {"S": "dead"},
                "expiresAt": {"N": str(int(time.time()) - 1)},
            },
        )
    with semaphore(table, 2, max_wait_s=5).slot():
        held = [item(table, f"netsuite#slot#{n}")["holder"]["S"] for n in range(2)]
        assert held.count("dead") == 1


def test_when_every_slot_stays_busy_the_request_gives_up_with_throttled(table: str) -> None:
    client = boto3.client("dynamodb")
    client.put_item(
        TableName=table,
        Item={
            "pk": {"S": "netsuite#slot#0"},
            "holder": {"S": "other"},
            "expiresAt": {"N": str(int(time.time()) + 300)},
        },
    )
    busy = semaphore(table, 1, max_wait_s=0.3)
    started = time.monotonic()
    with pytest.raises(Throttled, match="1 NetSuite slots stayed busy"), busy.slot():
        pass
    assert time.monotonic() - started < 5
    # the waiter unregistered itself, so it does not slow other waiters' pace
    assert int(item(table, NetSuiteSemaphore.WAITERS_KEY)["n"]["N"]) == 0


def test_one_step_invocation_takes_one_slot_for_all_its_requests(table: str) -> None:
    client, calls = counted_client()
    container_semaphore = NetSuiteSemaphore(client, table, 2)
    for _ in range(4):
        with container_semaphore.slot():
            pass
    assert sum(item(table, f"netsuite#slot#{n}") is not None for n in range(2)) == 1
    container_semaphore.release()  # the handler, when the step ends
    assert calls == {"PutItem": 1, "DeleteItem": 1}
    assert all(item(table, f"netsuite#slot#{n}") is None for n in range(2))


def test_a_step_gives_its_slot_back_while_it_backs_off_and_takes_one_again(table: str) -> None:
    client, calls = counted_client()
    container_semaphore = NetSuiteSemaphore(client, table, 1)
    with container_semaphore.slot():
        pass
    container_semaphore.step_aside()  # the client is about to sleep after a 429
    assert item(table, "netsuite#slot#0") is None  # another step can take it meanwhile
    container_semaphore.step_aside()  # nothing held: nothing to do
    with container_semaphore.slot():
        assert item(table, "netsuite#slot#0") is not None
    container_semaphore.release()
    assert calls == {"PutItem": 2, "DeleteItem": 2}
    assert item(table, "netsuite#slot#0") is None


def test_an_invocation_that_never_calls_netsuite_takes_no_slot(table: str) -> None:
    client, calls = counted_client()
    NetSuiteSemaphore(client, table, 2).release()
    assert calls == {}


def test_probe_reports_free_slots_and_the_backlog(table: str) -> None:
    probe = semaphore(table, 3)
    assert probe._probe() == (["netsuite#slot#0", "netsuite#slot#1", "netsuite#slot#2"], 1)
    assert probe._take("netsuite#slot#1", "me")
    probe._add_waiter(7)
    assert probe._probe() == (["netsuite#slot#0", "netsuite#slot#2"], 7)
