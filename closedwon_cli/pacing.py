"""Pacing (at most K executions running at once), Ctrl-C handling and the progress display."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from closedwon_cli.backend import Backend
from closedwon_cli.executions import Execution


class StopSignal:
    """The first Ctrl-C asks the command to stop starting executions and finish cleanly
    (checkpoint written, summary printed); the second one quits at once."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSignal]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


class Pacer:
    """Keeps at most ``limit`` executions running; a new one may start when one finishes.

    ``limit`` is the stack's NetSuiteConcurrencyLimit: each execution makes NetSuite requests one
    at a time per package, and the product's DynamoDB semaphore caps the requests anyway; pacing
    keeps a large backlog out of the semaphore's waits and the state machine's Throttled retries.
    """

    def __init__(
        self,
        backend: Backend,
        limit: int,
        stop: StopSignal | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend
        self.limit = max(1, limit)
        self.stop = stop or StopSignal()
        self.sleep = sleep
        self.running: dict[str, Any] = {}
        self.max_running = 0

    def has_slot(self) -> bool:
        return len(self.running) < self.limit

    def add(self, arn: str, key: Any) -> None:
        self.running[arn] = key
        self.max_running = max(self.max_running, len(self.running))

    def poll(self) -> list[tuple[Any, Execution]]:
        done = []
        for arn in list(self.running):
            execution = self.backend.describe(arn)
            if not execution.running:
                done.append((self.running.pop(arn), execution))
        return done

    def wait_some(self, *, until_stopped: bool = True) -> list[tuple[Any, Execution]]:
        """Poll until at least one execution finished (or a stop was requested)."""
        while self.running:
            done = self.poll()
            if done or (until_stopped and self.stop.requested):
                return done
            self.sleep(self.backend.poll_interval)
        return []


class Progress:
    """A tqdm bar on a terminal; otherwise a plain line at every 10% and every ``every_s``."""

    def __init__(
        self,
        stream: IO[str] | None,
        *,
        bar: bool,
        label: str = "backfill",
        every_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.use_bar = bar and stream is not None
        self.label = label
        self.every_s = every_s
        self.clock = clock
        self.total = 0
        self.done = 0
        self.postfix: dict[str, Any] = {}
        self._bar: Any = None
        self._last_line = 0.0
        self._last_decile = -1
        self._printed: int | None = None

    def start(self, total: int, initial: int = 0) -> None:
        self.total, self.done = total, initial
        if self.stream is None:
            return
        if self.use_bar:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                initial=initial,
                file=self.stream,
                desc=self.label,
                unit="deal",
                dynamic_ncols=True,
                smoothing=0.1,
            )
        else:
            self._line(force=True)

    def advance(self, n: int = 1, **postfix: Any) -> None:
        self.done += n
        self.postfix.update(postfix)
        if self._bar is not None:
            self._bar.set_postfix(self.postfix, refresh=False)
            self._bar.update(n)
        else:
            self._line()

    def note(self, text: str) -> None:
        if self.stream is None:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.stream is not None and self.total and self._printed != self.done:
            self._line(force=True)

    def _line(self, force: bool = False) -> None:
        if self.stream is None:
            return
        now = self.clock()
        decile = (10 * self.done // self.total) if self.total else 10
        if not (force or decile != self._last_decile or now - self._last_line >= self.every_s):
            return
        self._last_decile, self._last_line, self._printed = decile, now, self.done
        pct = f" ({100 * self.done // self.total}%)" if self.total else ""
        extra = "".join(f", {k} {v}" for k, v in self.postfix.items())
        print(
            f"{self.label}: {self.done}/{self.total} deals done{pct}{extra}",
            file=self.stream,
            flush=True,
        )
