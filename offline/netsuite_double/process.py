"""The NetSuite double in its own process, for benchmarks that measure timing against it.

In-process, the double shares the bench's interpreter lock with moto, every Lambda handler and
hundreds of Map-iteration threads: a 100 ms latency then takes 108 ms, and the double's own CPU
competes with the product's. In a child process it keeps its own clock, as NetSuite does.

:class:`NetSuiteDoubleProcess` offers the part of :class:`NetSuiteDouble`'s API the offline
stack and the benches use (start, stop, stats, dump, load_seed, auth_config), over a pipe; its
faults and behaviour knobs are fixed at construction.
The child is spawned (not forked from a process full of threads), so, as with any spawned
multiprocessing child, a script using it needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .auth import AuthConfig
from .behaviour import Behaviour
from .double import NetSuiteDouble
from .faults import FaultConfig


def _serve(conn: Connection, url_port: int, kwargs: dict[str, Any]) -> None:
    double = NetSuiteDouble(**kwargs)
    conn.send(double.start(port=url_port))
    try:
        while True:
            try:
                method, args = conn.recv()
            except EOFError:  # the parent went away
                return
            if method == "close":
                return
            try:
                value = getattr(double, method)  # a method, or a property such as stats
                conn.send(("ok", value(*args) if callable(value) else value))
            except Exception as exc:  # report, keep serving
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        double.close()
        conn.close()


class NetSuiteDoubleProcess:
    """Same constructor as :class:`NetSuiteDouble`; the double runs in a spawned child."""

    def __init__(
        self,
        state_dir: Path,
        seed: dict[str, list[dict[str, Any]]] | None = None,
        *,
        latency_s: float = 0.0,
        concurrency_limit: int | None = None,
        faults: FaultConfig | None = None,
        auth: AuthConfig | None = None,
        behaviour: Behaviour | None = None,
    ) -> None:
        self.auth_config = auth or AuthConfig()
        self._kwargs: dict[str, Any] = {
            "state_dir": Path(state_dir),
            "seed": seed,
            "latency_s": latency_s,
            "concurrency_limit": concurrency_limit,
            "faults": faults,
            "auth": self.auth_config,
            "behaviour": behaviour,
        }
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._base_url = "http://127.0.0.1"

    def start(self, port: int = 0) -> str:
        if self._process is not None:
            return self._base_url
        context = multiprocessing.get_context("spawn")  # no fork of a process full of threads
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, port, self._kwargs), name="netsuite-double", daemon=True
        )
        process.start()
        child.close()
        if not parent.poll(60):
            process.kill()
            raise RuntimeError("the NetSuite double process did not start within 60 s")
        self._base_url = parent.recv()
        self._process, self._conn = process, parent
        return self._base_url

    def _call(self, method: str, *args: Any) -> Any:
        if self._conn is None:
            raise RuntimeError("the NetSuite double process is not running")
        self._conn.send((method, args))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"NetSuite double {method}: {value}")
        return value

    def stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None or conn is None:
            return
        with contextlib.suppress(BrokenPipeError, OSError):  # the child already went away
            conn.send(("close", ()))
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
        conn.close()

    close = stop

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def stats(self) -> dict[str, Any]:
        return dict(self._call("stats"))

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        return dict(self._call("dump"))

    def load_seed(self, seed: dict[str, list[dict[str, Any]]]) -> None:
        self._call("load_seed", seed)

    def reset_stats(self) -> None:
        self._call("reset_stats")

    def expire_tokens(self) -> None:
        self._call("expire_tokens")
