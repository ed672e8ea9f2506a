"""Build a client once per container, even when several threads ask for it at the same moment.

``functools.cache`` lets concurrent first callers all run the builder: under a burst the offline
stack (every function in one process, Map iterations on threads) built one boto3 client and did
one Salesforce login per waiting thread, a fifth of its CPU. A builder wrapped in :func:`once`
runs one at a time per builder; later calls take no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """A zero-argument builder whose result is kept until :meth:`cache_clear`."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._built = False
        self._value: T | None = None
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "once")

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._build()
                    self._built = True
        return self._value  # type: ignore[return-value]  # set above, T may itself be None

    @property
    def built(self) -> bool:
        return self._built

    def cache_clear(self) -> None:
        with self._lock:
            self._built, self._value = False, None


def once(build: Callable[[], T]) -> Once[T]:
    return Once(build)
