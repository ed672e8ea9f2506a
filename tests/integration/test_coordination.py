"""closedwon.coordination against moto DynamoDB: the deal lease and the NetSuite semaphore.

The offline stack makes moto's conditional writes atomic per item (as DynamoDB is); these tests
use the same patch, so many threads really do race for five slots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from closedwon import coordination
from closedwon.coordination import NetSuiteSemaphore, acquire_deal, release_deal
from closedwon.errors import DealBusy, Throttled
from offline.stack import OfflineStack, StackOptions

TABLE = "closedwon-offline-CoordinationTable"


@pytest.fixture
def table(tmp_path: Path) -> Iterator[str]:
    """The template's CoordinationTable in a running offline stack (moto, per-item atomicity)."""
    with OfflineStack(StackOptions(state_dir=tmp_path)):
        coordination.reset()
        yield TABLE
    coordination.reset()


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


def test_many_threads_never_hold_more_slots_than_the_limit(table: str) -> None:
    semaphore = NetSuiteSemaphore(table, 3, max_wait_s=30)
    semaphore.hold_s = 0.02
    lock = threading.Lock()
    in_flight, peak, done = 0, 0, 0

    def request() -> None:
        nonlocal in_flight, peak, done
        with semaphore.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1
                done += 1

    threads = [threading.Thread(target=request) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done == 24
    assert peak == 3  # reached the cap, never beyond it
    assert semaphore.calls["poll"] > 0  # some requests had to wait
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
    semaphore = NetSuiteSemaphore(table, 2, max_wait_s=5)
    with semaphore.slot():
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
    semaphore = NetSuiteSemaphore(table, 1, max_wait_s=0.3)
    started = time.monotonic()
    with pytest.raises(Throttled, match="1 NetSuite slots stayed busy"), semaphore.slot():
        pass
    assert time.monotonic() - started < 5
    # the waiter unregistered itself, so it does not slow other waiters' pace
    assert int(item(table, NetSuiteSemaphore.WAITERS_KEY)["n"]["N"]) == 0


def test_one_step_invocation_takes_one_slot_for_all_its_requests(table: str) -> None:
    semaphore = NetSuiteSemaphore(table, 2)
    with semaphore.for_invocation():
        for _ in range(4):
            with semaphore.slot():
                pass
        assert sum(item(table, f"netsuite#slot#{n}") is not None for n in range(2)) == 1
    assert semaphore.calls == {"take": 1, "release": 1}
    assert all(item(table, f"netsuite#slot#{n}") is None for n in range(2))


def test_a_step_gives_its_slot_back_while_it_backs_off_and_takes_one_again(table: str) -> None:
    semaphore = NetSuiteSemaphore(table, 1)
    with semaphore.for_invocation():
        with semaphore.slot():
            pass
        semaphore.step_aside()  # the client is about to sleep after a 429
        assert item(table, "netsuite#slot#0") is None  # another step can take it meanwhile
        semaphore.step_aside()  # nothing held: nothing to do
        with semaphore.slot():
            assert item(table, "netsuite#slot#0") is not None
    assert semaphore.calls == {"take": 2, "release": 2}
    assert item(table, "netsuite#slot#0") is None


def test_an_invocation_that_never_calls_netsuite_takes_no_slot(table: str) -> None:
    semaphore = NetSuiteSemaphore(table, 2)
    with semaphore.for_invocation():
        pass
    assert semaphore.calls == {}


def test_probe_reports_free_slots_and_the_backlog(table: str) -> None:
    semaphore = NetSuiteSemaphore(table, 3)
    assert semaphore._probe() == (["netsuite#slot#0", "netsuite#slot#1", "netsuite#slot#2"], 1)
    assert semaphore._take("netsuite#slot#1", "me")
    semaphore._add_waiter(7)
    assert semaphore._probe() == (["netsuite#slot#0", "netsuite#slot#2"], 7)
