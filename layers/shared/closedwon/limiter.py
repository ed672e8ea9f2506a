"""The account-wide NetSuite cap, as the client and the step handler use it.

Configured by ``COORDINATION_TABLE`` and ``NETSUITE_CONCURRENCY_LIMIT`` (template parameter
NetSuiteConcurrencyLimit). Without a table (unit tests, a local script) requests are unlimited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

from closedwon import coordination
from closedwon.runtime import optional_env


def _semaphore() -> coordination.NetSuiteSemaphore | None:
    table = optional_env("COORDINATION_TABLE")
    limit = optional_env("NETSUITE_CONCURRENCY_LIMIT")
    if not table or not limit:
        return None
    return coordination.netsuite_semaphore(table, int(limit))


def netsuite_limiter() -> Callable[[], AbstractContextManager[None]] | None:
    """What the NetSuite client enters around each request (None: unlimited)."""
    semaphore = _semaphore()
    return semaphore.slot if semaphore else None


def backoff_hook() -> Callable[[], None] | None:
    """What the NetSuite client calls before a back-off sleep: give the slot back meanwhile."""
    semaphore = _semaphore()
    return semaphore.step_aside if semaphore else None


def invocation_scope() -> AbstractContextManager[None]:
    """Wrap one step invocation: its NetSuite requests share one semaphore slot."""
    semaphore = _semaphore()
    return semaphore.for_invocation() if semaphore else contextlib.nullcontext()


def reset() -> None:
    coordination.reset()
