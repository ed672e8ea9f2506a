"""The limiter the NetSuite client acquires around every request (the account-wide cap).

Configured by ``COORDINATION_TABLE`` and ``NETSUITE_CONCURRENCY_LIMIT`` (template parameter
NetSuiteConcurrencyLimit). Without a table (unit tests, a local script) requests are unlimited.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from closedwon import coordination
from closedwon.runtime import optional_env


def netsuite_limiter() -> Callable[[], AbstractContextManager[None]] | None:
    table = optional_env("COORDINATION_TABLE")
    limit = optional_env("NETSUITE_CONCURRENCY_LIMIT")
    if not table or not limit:
        return None
    return coordination.netsuite_semaphore(table, int(limit)).slot


def reset() -> None:
    coordination.reset()


def invocation_scope() -> AbstractContextManager[None]:
    """Wrap one step invocation: its NetSuite requests share one semaphore slot."""
    import contextlib

    table = optional_env("COORDINATION_TABLE")
    limit = optional_env("NETSUITE_CONCURRENCY_LIMIT")
    if not table or not limit:
        return contextlib.nullcontext()
    return coordination.netsuite_semaphore(table, int(limit)).for_invocation()
