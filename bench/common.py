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
    """An offline stack on ``corpus`` in a scratch folder (kept in ``keep`` when given), with
    moto's speed patches on (offline/moto_patches.py: harness CPU, not the product's).

    The functions' logs and metrics go to ``<folder>/lambda.log``; the product's Python logging
    (e.g. the NetSuite client's retry warnings) to ``<folder>/bench.log``, so the bench prints
    only its figures.
    """
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="closedwon-bench-"))
    options.setdefault("lambda_log_path", folder / "lambda.log")
    options.setdefault("speed_patches", True)
    stack = OfflineStack(StackOptions.in_folder(folder, corpus.snapshot, corpus.seed, **options))
    try:
        with _python_logging_to(folder / "bench.log"):
            stack.start()
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
