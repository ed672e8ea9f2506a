"""bench/semaphore_calls.py counts the NetSuite semaphore's DynamoDB calls from outside the product.

Given a running offline stack's CoordinationTable (moto) and two containers' semaphores on one
slot, the second container's request waits while the first holds it: the bench must see every take, release,
join, leave and poll, the hold time, and nothing of the deal lease.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from bench.semaphore_calls import SemaphoreCalls
from closedwon.coordination import DealLease, NetSuiteSemaphore
from offline.stack import OfflineStack, StackOptions

TABLE = "closedwon-offline-CoordinationTable"


@pytest.fixture
def table(tmp_path: Path) -> Iterator[str]:
    with OfflineStack(StackOptions(state_dir=tmp_path)):
        yield TABLE


def test_given_a_request_waits_for_the_only_slot_then_the_bench_counts_each_call_and_the_hold(
    table: str,
) -> None:
    first_container, second_container = (
        NetSuiteSemaphore(boto3.client("dynamodb"), table, 1) for _ in range(2)
    )
    counted = SemaphoreCalls()
    held = threading.Event()

    def first() -> None:
        with first_container.slot():
            held.set()
            time.sleep(0.4)
        first_container.release()  # the end of its invocation

    with counted.counting():
        # the deal lease is not the semaphore's
        DealLease(boto3.client("dynamodb"), table).acquire("006A", "exec-1")
        holder = threading.Thread(target=first)
        holder.start()
        held.wait(5)
        with second_container.slot():
            pass
        second_container.release()
        holder.join()
    calls = counted.calls
    assert calls["join"] == 1 and calls["leave"] == 1
    assert calls["release"] == 2
    assert calls["poll"] >= 1
    assert calls["take"] >= 3  # the first request's, the second's failed one, its winning one
    assert set(calls) == {"take", "release", "join", "leave", "poll"}
    assert 0.4 <= counted.held_s < 2.0
    assert counted.writes == sum(calls.values()) - calls["poll"]
