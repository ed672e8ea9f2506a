"""closedwon.lazy.once: a client builder runs once, even when threads ask at the same moment."""

from __future__ import annotations

import threading
import time

import pytest

from closedwon.lazy import once


def test_concurrent_first_callers_share_one_build() -> None:
    builds: list[int] = []

    @once
    def client() -> object:
        builds.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while the first builds
        return object()

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(client())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert len({id(r) for r in results}) == 1
    assert client.built


def test_cache_clear_builds_again_and_a_failed_build_is_retried() -> None:
    attempts: list[int] = []

    @once
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("secret not there yet")
        return len(attempts)

    with pytest.raises(RuntimeError):
        flaky()
    assert not flaky.built
    assert flaky() == 2 and flaky() == 2
    flaky.cache_clear()
    assert flaky() == 3
