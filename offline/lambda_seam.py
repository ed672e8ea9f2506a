"""The one seam: moto runs Lambda in Docker; we run the real handler in-process instead.

moto's executing Step Functions interpreter invokes Lambda tasks through
``LambdaFunction._invoke_lambda(self, event) -> (payload, errored, logs)`` (a private API, pinned
by the exact moto version in requirements-dev.txt and guarded by tests/integration/test_seam_canary.py).
We import the function's ``app.py`` from its CodeUri, call its handler with a Lambda-like context,
and on an exception return Lambda's error payload so ``errorType`` becomes the ASL error name.

It also enforces what Lambda and Step Functions would: a 256 KB payload cap (output larger than
that fails the task with ``States.DataLimitExceeded``) and a per-function concurrency limit
(invocations beyond it fail with ``Lambda.TooManyRequestsException``, as reserved concurrency does).

Like Lambda, each function keeps a pool of containers (closedwon.container.Container): an
invocation takes an idle one or builds a new one (a cold start) from the function's own
environment, and gives it back when it ends. Concurrent Map iterations therefore never share a
container, which is what lets the product code hold per-container state without locks.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from closedwon.container import Container

PAYLOAD_LIMIT_BYTES = 256 * 1024


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "offline"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


@dataclass
class FunctionEntry:
    logical_id: str
    handler: Callable[[Any, Any], Any]
    environment: dict[str, str]
    memory_mb: int
    reserved_concurrency: int | None = None
    in_flight: int = 0
    #: Containers not serving an invocation right now (Lambda's warm pool).
    idle: list[Container] = field(default_factory=list)
    #: Containers built so far (cold starts).
    cold_starts: int = 0

    def invoke(self, event: Any, context: Any, container: Container) -> Any:
        """Run the handler in ``container`` (a closedwon StepHandler takes it explicitly)."""
        run_in = getattr(self.handler, "invoke", None)
        if run_in is None:
            return self.handler(event, context)
        return run_in(container, event, context)


@dataclass
class InvocationStats:
    invocations: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    throttled: dict[str, int] = field(default_factory=dict)
    max_payload_bytes: int = 0
    duration_ms: dict[str, float] = field(default_factory=dict)


class LambdaRegistry:
    """Function name -> in-process handler, installed as moto's Lambda executor."""

    def __init__(self) -> None:
        self.functions: dict[str, FunctionEntry] = {}
        self.stats = InvocationStats()
        self._lock = threading.Lock()
        #: Called with each new container, before its first invocation (benchmarks meter it).
        self.on_cold_start: list[Callable[[str, Container], None]] = []
        #: Called with the function's logical id and the milliseconds of each invocation.
        self.on_invocation: list[Callable[[str, float], None]] = []

    def register(
        self,
        function_name: str,
        logical_id: str,
        code_dir: Path,
        handler: str,
        environment: dict[str, str],
        memory_mb: int,
        reserved_concurrency: int | None = None,
    ) -> None:
        module_name, attr = handler.rsplit(".", 1)
        module = _load_module(f"offline_fn_{logical_id}", code_dir / f"{module_name}.py")
        self.functions[function_name] = FunctionEntry(
            logical_id, getattr(module, attr), environment, memory_mb, reserved_concurrency
        )

    def invoke(self, function_name: str, event: Any) -> tuple[str, bool, str]:
        import time

        entry = self.functions[function_name]
        name = entry.logical_id
        with self._lock:
            if (
                entry.reserved_concurrency is not None
                and entry.in_flight >= entry.reserved_concurrency
            ):
                self.stats.throttled[name] = self.stats.throttled.get(name, 0) + 1
                return _error("Lambda.TooManyRequestsException", "Rate Exceeded."), True, ""
            entry.in_flight += 1
            self.stats.invocations[name] = self.stats.invocations.get(name, 0) + 1
            self.stats.max_payload_bytes = max(
                self.stats.max_payload_bytes, len(json.dumps(event or {}))
            )
            container = entry.idle.pop() if entry.idle else None
        if container is None:
            container = self._cold_start(entry)
        started = time.perf_counter()
        try:
            result = entry.invoke(
                event if event is not None else {},
                LambdaContext(function_name=function_name, memory_limit_in_mb=entry.memory_mb),
                container,
            )
            payload = json.dumps(result)
        except (
            Exception
        ) as exc:  # the Lambda runtime reports any exception as a handled function error
            with self._lock:
                self.stats.errors[name] = self.stats.errors.get(name, 0) + 1
            return (
                _error(type(exc).__name__, str(exc), traceback.format_tb(exc.__traceback__)),
                True,
                "",
            )
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            with self._lock:
                entry.idle.append(container)
                entry.in_flight -= 1
                self.stats.duration_ms[name] = self.stats.duration_ms.get(name, 0.0) + elapsed
            for hook in self.on_invocation:
                hook(name, elapsed)
        with self._lock:
            self.stats.max_payload_bytes = max(self.stats.max_payload_bytes, len(payload))
        if len(payload) > PAYLOAD_LIMIT_BYTES:
            return (
                _error(
                    "States.DataLimitExceeded",
                    f"{name} returned {len(payload)} bytes, above the 256 KB state limit",
                ),
                True,
                "",
            )
        return payload, False, ""

    def _cold_start(self, entry: FunctionEntry) -> Container:
        """A new container from the process environment overlaid with the function's own,
        as Lambda's runtime environment holds both."""
        container = Container({**os.environ, **entry.environment})
        with self._lock:
            entry.cold_starts += 1
        for hook in self.on_cold_start:
            hook(entry.logical_id, container)
        return container

    def clear_containers(self) -> None:
        """Forget every warm container (the next invocations are cold starts)."""
        with self._lock:
            for entry in self.functions.values():
                entry.idle.clear()


def _error(error_type: str, message: str, stack: list[str] | None = None) -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": stack or []})


def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
