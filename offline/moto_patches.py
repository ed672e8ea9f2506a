"""Every change the offline stack makes to moto, as one declared list, applied by one context manager.

Each :class:`MotoPatch` names its target (``module:attribute.path``), builds its replacement from
the original, says its :class:`Kind` and why it exists. ``tests/integration/test_seam_canary.py``
checks every entry: the target still exists with the parameters the replacement relies on, and
the replacement does what ``why`` claims.

- FIDELITY entries restore what AWS does and moto does not (or cannot, without Docker); the
  offline stack always applies them.
- SPEED entries only save the harness's CPU (none of it is work AWS bills us for); only the
  benchmarks apply them (``StackOptions(speed_patches=True)``), so tests see moto as shipped.
- CLOCK scales the waits of ASL ``Retry``; applied when ``retry_time_scale`` is not 1.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from offline.lambda_seam import LambdaRegistry


class Kind(StrEnum):
    """Why a patch exists: AWS behaves so (fidelity), harness CPU (speed), test time (clock)."""

    FIDELITY = "fidelity"
    SPEED = "speed"
    CLOCK = "clock"


class ItemLocks:
    """One lock per DynamoDB item (table, key), created on first use."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}

    def of(self, table_name: str, key: dict[str, Any]) -> threading.Lock:
        name = (table_name, json.dumps(key, sort_keys=True, default=str))
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


@dataclass
class PatchContext:
    """What the replacements of one application need from the stack, and the state they share."""

    lambdas: LambdaRegistry | None = None
    retry_time_scale: float = 1.0
    item_locks: ItemLocks = field(default_factory=ItemLocks)


Replacement = Callable[[Any, PatchContext], Any]


@dataclass(frozen=True)
class MotoPatch:
    """One declared change to moto."""

    #: ``module:attribute.path`` of what is replaced.
    target: str
    #: Builds the replacement from the original and the context.
    replacement: Replacement
    kind: Kind
    #: The AWS behaviour it restores (FIDELITY), or the work it saves (SPEED, CLOCK).
    why: str
    #: The original's parameter names the replacement relies on (None: not a function).
    parameters: tuple[str, ...] | None

    def owner_and_name(self) -> tuple[Any, str]:
        """The object holding the target attribute, and the attribute's name."""
        module_name, path = self.target.split(":")
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        return owner, name

    def original(self) -> Any:
        owner, name = self.owner_and_name()
        return getattr(owner, name)


@contextlib.contextmanager
def applied(patches: Iterable[MotoPatch], context: PatchContext | None = None) -> Iterator[None]:
    """Apply ``patches`` (in order) for the duration of the block; undone in reverse order."""
    context = context or PatchContext()
    with contextlib.ExitStack() as undo:
        for patch in patches:
            owner, name = patch.owner_and_name()
            replacement = patch.replacement(getattr(owner, name), context)
            undo.enter_context(mock.patch.object(owner, name, replacement))
        yield


def of_kind(*kinds: Kind) -> list[MotoPatch]:
    """The declared patches of these kinds, in declaration order."""
    return [patch for patch in PATCHES if patch.kind in kinds]


# ------------------------------------------------------------------------------- replacements
def _invoke_in_process(original: Any, context: PatchContext) -> Any:
    registry = context.lambdas
    if registry is None:
        raise ValueError("the Lambda seam needs the stack's LambdaRegistry (PatchContext.lambdas)")

    def invoke(function: Any, event: Any = None) -> tuple[str, bool, str]:
        return registry.invoke(function.function_name, event)

    return invoke


class _ScaledTime:
    """The ``time`` module as moto's retrier sees it, with ``sleep`` scaled (0: no wait)."""

    def __init__(self, real: ModuleType, scale: float) -> None:
        self._real = real
        self._scale = scale

    def sleep(self, seconds: float) -> None:
        if self._scale > 0:
            self._real.sleep(seconds * self._scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _scaled_retry_clock(original: ModuleType, context: PatchContext) -> _ScaledTime:
    return _ScaledTime(original, context.retry_time_scale)


def _atomic_per_item(method: str) -> Replacement:
    def build(original: Any, context: PatchContext) -> Any:
        def atomic(
            backend: Any, table_name: str, item_or_key: dict[str, Any], *args: Any, **kwargs: Any
        ) -> Any:
            key = item_or_key
            if method == "put_item":  # the key attributes are inside the item
                table = backend.get_table(table_name)
                names = (table.hash_key_attr, table.range_key_attr)
                key = {name: item_or_key.get(name) for name in names if name is not None}
            with context.item_locks.of(table_name, key):
                return original(backend, table_name, item_or_key, *args, **kwargs)

        return atomic

    return build


def _memoised(original: Callable[..., Any], context: PatchContext) -> Any:
    return functools.lru_cache(maxsize=512)(original)


def _parse_once(original: Callable[[Any], Any], context: PatchContext) -> Any:
    # Each execution gets its own unpickled tree: it holds per-execution state (retry counters).
    parsed: dict[str, bytes] = {}
    lock = threading.Lock()

    def entrypoint(worker: Any) -> Any:
        definition = worker._evaluation_details.state_machine_details.definition
        with lock:
            if definition not in parsed:
                parsed[definition] = pickle.dumps(original(worker))
            blob = parsed[definition]
        return pickle.loads(blob)

    return entrypoint


def _one_client_per_service(original: Callable[..., Any], context: PatchContext) -> Any:
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # moto's own builder ignores state_credentials too (it signs with fixed test keys)
        with lock:
            if (region, service) not in clients:
                clients[(region, service)] = original(region, service)
            return clients[(region, service)]

    return client_for


def _lock_free_lookup(original: Callable[[Any, str], Any], context: PatchContext) -> Any:
    def backend_for(backends: Any, account_id: str) -> Any:
        try:
            return dict.__getitem__(backends, account_id)
        except KeyError:
            return original(backends, account_id)  # creates the account's backend, under the lock

    return backend_for


# ------------------------------------------------------------------------------- the list
_SFN = "moto.stepfunctions.parser"
_TASK = f"{_SFN}.asl.component.state.exec.state_task"

PATCHES: tuple[MotoPatch, ...] = (
    MotoPatch(
        "moto.awslambda.models:LambdaFunction._invoke_lambda",
        _invoke_in_process,
        Kind.FIDELITY,
        "moto runs a function's code in Docker; the real handler runs in-process instead "
        "(offline/lambda_seam.py), and a raised exception becomes Lambda's error payload, so its "
        "class name is the error name the ASL's Retry and Catch match, as in AWS",
        ("self", "event"),
    ),
    *(
        MotoPatch(
            f"moto.dynamodb.models:DynamoDBBackend.{method}",
            _atomic_per_item(method),
            Kind.FIDELITY,
            "DynamoDB evaluates a conditional write atomically per item; moto's check-then-write "
            "races across threads, so two Map iterations could both take one semaphore slot. "
            "Writes are serialised per (table, key): writes to different items never wait",
            ("self", "table_name", first),
        )
        for method, first in (
            ("put_item", "item_attrs"),
            ("update_item", "key"),
            ("delete_item", "key"),
        )
    ),
    MotoPatch(
        f"{_SFN}.asl.component.common.retry.retrier_decl:time",
        _scaled_retry_clock,
        Kind.CLOCK,
        "a Retry waits IntervalSeconds x BackoffRate^n in real time; tests wait 0 and the "
        "benchmarks a fraction (StackOptions.retry_time_scale), the retries themselves unchanged",
        None,
    ),
    MotoPatch(
        f"{_SFN}.backend.execution_worker:ExecutionWorker._get_evaluation_entrypoint",
        _parse_once,
        Kind.SPEED,
        "moto parses the ASL with ANTLR for every execution; parse once per definition and hand "
        "each execution its own unpickled copy",
        ("self",),
    ),
    MotoPatch(
        f"{_SFN}.asl.utils.json_path:parse",
        _memoised,
        Kind.SPEED,
        "jsonpath_ng builds a new parser for every JSONPath of every state; parse each path once",
        ("path",),
    ),
    MotoPatch(
        f"{_SFN}.asl.component.common.path.result_path:parse",
        _memoised,
        Kind.SPEED,
        "as json_path.parse, for ResultPath (jsonpath_ng's plain parser)",
        ("string",),
    ),
    MotoPatch(
        f"{_TASK}.lambda_eval_utils:boto_client_for",
        _one_client_per_service,
        Kind.SPEED,
        "moto builds a new boto3 client for every Lambda Task; keep one per (region, service)",
        ("region", "service", "state_credentials"),
    ),
    MotoPatch(
        f"{_TASK}.service.state_task_service_sqs:boto_client_for",
        _one_client_per_service,
        Kind.SPEED,
        "as for Lambda Tasks, for sqs:sendMessage Tasks",
        ("region", "service", "state_credentials"),
    ),
    MotoPatch(
        "moto.core.responses:method_names_from_class",
        _memoised,
        Kind.SPEED,
        "moto lists a response class's methods with inspect.getmembers on every request",
        ("clazz",),
    ),
    MotoPatch(
        "moto.core.base_backend:BackendDict.__getitem__",
        _lock_free_lookup,
        Kind.SPEED,
        "moto takes one process-wide lock on every request to find the account's backend, so "
        "under a burst every thread queues on it; take it only to create the backend",
        ("self", "account_id"),
    ),
)
