"""The account-wide NetSuite concurrency cap (placeholder: filled in by the scale work)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import ContextManager


@contextlib.contextmanager
def _unlimited() -> Iterator[None]:
    yield


def netsuite_limiter() -> Callable[[], ContextManager[None]] | None:
    return None


def reset() -> None:
    return None
