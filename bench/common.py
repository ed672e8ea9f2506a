"""What the benchmarks share: corpora, a stack in a scratch folder, waiting, outcomes, duplicates.

Every bench prints its figures once the stack has stopped (while it runs, the stack routes the
functions' stdout to a log file) and ends with exactly one line ``RESULT {json}``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from closedwon.outcome import Outcome, outcome_of
from offline.corpus import OrgBuilder, netsuite_seed, platform_event
from offline.stack import (
    DEFAULT_ORG,
    DEFAULT_SEED,
    REGION,
    ExecutionResult,
    OfflineStack,
    StackOptions,
)

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- corpora
@dataclass
class Corpus:
    """An org snapshot, the NetSuite seed that goes with it, and its opportunities in order."""

    snapshot: dict[str, Any]
    seed: dict[str, Any] = field(default_factory=netsuite_seed)

    @property
    def org_id(self) -> str:
        return str(self.snapshot["orgId"])

    @property
    def opportunities(self) -> list[dict[str, Any]]:
        return list(self.snapshot["records"]["Opportunity"])

    def events(self) -> list[dict[str, Any]]:
        """One relayed Closed Won platform event per opportunity."""
        return [platform_event(opp, self.org_id) for opp in self.opportunities]


def generated_corpus(deals: int, seed: int = 0) -> Corpus:
    """``deals`` realistic deals of generated variety (:meth:`OrgBuilder.random_deal`)."""
    org = OrgBuilder(seed=seed)
    for index in range(deals):
        org.random_deal(index)
    return Corpus(org.snapshot())


def sample_corpus() -> Corpus:
    """The bundled sample org (offline/sample/) with its own NetSuite seed."""
    return Corpus(
        json.loads(DEFAULT_ORG.read_text(encoding="utf-8")),
        json.loads(DEFAULT_SEED.read_text(encoding="utf-8")),
    )


# ---------------------------------------------------------------------------- the stack
@contextlib.contextmanager
def bench_stack(
    corpus: Corpus, *, keep: Path | None = None, **options: Any
) -> Iterator[OfflineStack]:
    """An offline stack on ``corpus`` in a scratch folder (kept in ``keep`` when given).

    The functions' logs and metrics go to ``<folder>/lambda.log``; the product's Python logging
    (e.g. the NetSuite client's retry warnings) to ``<folder>/bench.log``, so the bench prints
    only its figures.
    """
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="closedwon-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    org_path, seed_path = folder / "org.json", folder / "netsuite_seed.json"
    org_path.write_text(json.dumps(corpus.snapshot), encoding="utf-8")
    seed_path.write_text(json.dumps(corpus.seed), encoding="utf-8")
    options.setdefault("lambda_log_path", folder / "lambda.log")
    stack = OfflineStack(
        StackOptions(state_dir=folder / "state", org_path=org_path, seed_path=seed_path, **options)
    )
    try:
        with _python_logging_to(folder / "bench.log"):
            stack.start()
            global _meter
            _meter = SemaphoreMeter()
            stack.lambdas.on_cold_start.append(_meter.watch)
            try:
                yield stack
            finally:
                stack.stop()
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _python_logging_to(path: Path) -> Iterator[None]:
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(message)s"))
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        handler.close()


def start_all(stack: OfflineStack, events: Sequence[dict[str, Any]]) -> list[str]:
    """Start one execution per event, all at once (nothing waits in between)."""
    return [stack.start_execution(event) for event in events]


def wait_all(
    stack: OfflineStack, arns: Sequence[str], timeout_s: float = 3600.0
) -> dict[str, ExecutionResult]:
    """Every execution's outcome. One client, one describe call per poll, so waiting costs the
    (single-process, GIL-bound) offline stack next to nothing while executions run."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + timeout_s
    results: dict[str, ExecutionResult] = {}
    for arn in arns:
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                output = json.loads(desc["output"]) if desc.get("output") else None
                results[arn] = ExecutionResult(
                    arn, desc["status"], output, desc.get("error"), desc.get("cause")
                )
                break
            if time.monotonic() > deadline:
                results[arn] = ExecutionResult(
                    arn, "TIMED_OUT", None, "BenchTimeout", f"still running after {timeout_s}s"
                )
                break
            time.sleep(0.25)
    return results


def history(stack: OfflineStack, arn: str) -> list[dict[str, Any]]:
    """The execution's full event history (every page)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


# ---------------------------------------------------------------------------- outcomes
@dataclass
class Outcomes:
    synced: list[str]
    skipped: list[str]
    failed: list[str]
    dlq: dict[str, dict[str, Any]]  # executionArn -> DLQ message body

    @property
    def lost(self) -> list[str]:
        """Executions that neither synced (or were skipped on purpose) nor left a DLQ message."""
        return [arn for arn in self.failed if arn not in self.dlq]

    @property
    def failed_permanent(self) -> list[str]:
        return [arn for arn in self.failed if self.dlq.get(arn, {}).get("permanent") is True]

    def error_classes(self) -> Counter[str]:
        return Counter(
            str(self.dlq[arn].get("errorClass")) if arn in self.dlq else "(no DLQ message)"
            for arn in self.failed
        )


def outcomes(stack: OfflineStack, results: dict[str, ExecutionResult]) -> Outcomes:
    dlq = {
        str(m["body"].get("executionArn")): dict(m["body"])
        for m in stack.dlq_messages()
        if isinstance(m.get("body"), dict)
    }
    synced, skipped, failed = [], [], []
    for arn, result in results.items():
        outcome = outcome_of(result.status, result.output)
        if outcome is Outcome.SKIPPED:
            skipped.append(arn)
        elif outcome is Outcome.FAILED:
            failed.append(arn)
        else:
            synced.append(arn)
    return Outcomes(synced, skipped, failed, {a: m for a, m in dlq.items() if a in results})


def duplicate_records(dump: dict[str, list[dict[str, Any]]]) -> int:
    """Records beyond the first sharing an externalId within a type, plus subscriptions beyond
    one per package (a package is one deal's price book: ``SF-PB-<opp>-<rootLine>``)."""
    duplicates = 0
    for records in dump.values():
        keys = Counter(str(r.get("externalId") or f"id:{r.get('id')}") for r in records)
        duplicates += sum(n - 1 for n in keys.values())
    per_package: dict[str, int] = defaultdict(int)
    for sub in dump.get("subscription", []):
        book = sub.get("priceBook")
        key = book.get("id") if isinstance(book, dict) else book
        per_package[str(key or sub.get("externalId"))] += 1
    by_eid = Counter(str(s.get("externalId")) for s in dump.get("subscription", []))
    beyond_package = sum(n - 1 for n in per_package.values())
    beyond_eid = sum(n - 1 for n in by_eid.values())
    # the subscription externalId duplicates are already counted above; add only the rest
    return duplicates + max(0, beyond_package - beyond_eid)


def records_written(dump: dict[str, list[dict[str, Any]]]) -> int:
    return sum(len(v) for v in dump.values())


# ---------------------------------------------------------------------------- printing
def emit_result(figures: dict[str, Any]) -> None:
    """The machine-readable last line every bench prints."""
    print("RESULT " + json.dumps(figures, separators=(",", ":"), sort_keys=False), flush=True)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


class SemaphoreMeter:
    """Counts the NetSuite semaphore's DynamoDB calls in every container of a stack.

    The product keeps no counters for the benchmarks: each new container's DynamoDB client gets
    botocore event handlers that classify its calls by the item they touch.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.held_s = 0.0
        self._taken: dict[str, float] = {}
        self._lock = threading.Lock()

    def watch(self, function: str, container: Any) -> None:
        events = container.client("dynamodb").meta.events
        events.register("before-parameter-build.dynamodb", self._before)
        events.register("after-call.dynamodb.PutItem", self._after_put)

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        operation = model.name
        pk = ((params.get("Item") or params.get("Key") or {}).get("pk") or {}).get("S", "")
        values = params.get("ExpressionAttributeValues") or {}
        kind = None
        if operation == "BatchGetItem":
            kind = "poll"
        elif pk.startswith("netsuite#slot#") and operation == "PutItem":
            kind = "take"
            context["bench_holder"] = params["Item"]["holder"]["S"]
        elif pk.startswith("netsuite#slot#") and operation == "DeleteItem":
            kind = "release"
            with self._lock:
                taken = self._taken.pop(values.get(":me", {}).get("S", ""), None)
                if taken is not None:
                    self.held_s += time.monotonic() - taken
        elif pk == "netsuite#waiters":
            kind = "join" if int(values.get(":d", {}).get("N", "0")) > 0 else "leave"
        if kind is not None:
            with self._lock:
                self.calls[kind] += 1

    def _after_put(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        holder = context.get("bench_holder")
        if holder and http_response.status_code == 200:
            with self._lock:
                self._taken[holder] = time.monotonic()


_meter = SemaphoreMeter()


def semaphore_calls() -> Counter[str]:
    """The NetSuite semaphore's DynamoDB calls by kind (take, release, join, leave, poll)."""
    return Counter(_meter.calls)


def semaphore_held_seconds() -> float:
    """Seconds NetSuite-semaphore slots were held, summed over every step of the stack."""
    return _meter.held_s
