"""``closedwon backfill``: sync every won opportunity closed in a date range, paced and resumable.

1. One SOQL query (closedwon.salesforce.soql.won_opportunities_query) lists the deals, with the
   write-back status field of the mapping config.
2. Deals whose status is ``Synced`` are counted as already synced and never started: no NetSuite
   writes at all.
3. The others start one execution each, at most K running at once (K = NetSuiteConcurrencyLimit),
   a new one when one finishes. Execution names are ``backfill-<opportunityId>-<runId>``, so
   starting the same deal twice in a run is impossible: Step Functions refuses the name.
4. A checkpoint file records every deal's state after each start and each finish (written to a
   temporary file, then renamed). Running the same command again resumes: recorded deals are not
   started again, executions still running are waited for. Once a run completed, the next
   invocation begins a new run (new runId) and skips what is synced by then.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from closedwon.events import to_18
from closedwon.outcome import Outcome
from closedwon.salesforce.soql import won_opportunities_query
from closedwon_cli.backend import Backend
from closedwon_cli.errors import AlreadyStarted, CliError, StartFailed
from closedwon_cli.executions import Execution
from closedwon_cli.inputs import restart_input
from closedwon_cli.pacing import Pacer, Progress, StopSignal

CHECKPOINT_VERSION = 1
SYNCED = "Synced"
#: Deal states in the checkpoint. ``startFailed`` deals are retried by the next invocation.
STARTED, SUCCEEDED, FAILED, ALREADY_SYNCED, START_FAILED = (
    "started",
    "succeeded",
    "failed",
    "alreadySynced",
    "startFailed",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str, what: str) -> dt.date:
    """A strict ``YYYY-MM-DD`` date (the only form SOQL date literals take)."""
    if not _DATE.match(value or ""):
        raise CliError(f"{what} '{value}' is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{what} '{value}' is not a valid date: {exc}") from None


def default_checkpoint(since: str, until: str | None) -> Path:
    return Path(f".closedwon-backfill-{since}-{until or 'open'}.json")


def execution_name(opportunity_id: str, run_id: str) -> str:
    return f"backfill-{to_18(opportunity_id)}-{run_id}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _run_id() -> str:
    """When the run began, plus a random suffix: two runs never share execution names."""
    return f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


@dataclass
class BackfillOptions:
    since: str
    until: str | None = None
    checkpoint: Path | None = None
    dry_run: bool = False
    #: Start at most this many executions in this invocation, then wait for them and stop.
    max_starts: int | None = None
    #: Executions running at once (default and maximum: the stack's NetSuiteConcurrencyLimit).
    concurrency: int | None = None

    @property
    def checkpoint_path(self) -> Path:
        return (self.checkpoint or default_checkpoint(self.since, self.until)).absolute()


class Checkpoint:
    """The backfill's memory, one JSON file: which deal got which execution and how it ended."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    @classmethod
    def open(cls, path: Path, *, since: str, until: str | None, target: str) -> Checkpoint:
        if not path.exists():
            return cls(
                path,
                {
                    "version": CHECKPOINT_VERSION,
                    "since": since,
                    "until": until,
                    "target": target,
                    "runId": _run_id(),
                    "createdAt": _now(),
                    "updatedAt": _now(),
                    "completed": False,
                    "deals": {},
                    "previousRuns": [],
                },
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(f"checkpoint {path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
            raise CliError(f"{path} is not a version {CHECKPOINT_VERSION} backfill checkpoint")
        mine = {"since": since, "until": until, "target": target}
        theirs = {k: data.get(k) for k in mine}
        if theirs != mine:
            raise CliError(
                f"checkpoint {path} belongs to another backfill "
                f"({', '.join(f'{k} {v}' for k, v in theirs.items())}); pass --checkpoint PATH"
            )
        return cls(path, data)

    @property
    def deals(self) -> dict[str, dict[str, Any]]:
        deals: dict[str, dict[str, Any]] = self.data["deals"]
        return deals

    @property
    def run_id(self) -> str:
        return str(self.data["runId"])

    @property
    def completed(self) -> bool:
        return bool(self.data.get("completed"))

    def new_run(self) -> None:
        """The previous run completed: keep its summary, forget its deals, take a new run id."""
        self.data["previousRuns"].append(
            {
                "runId": self.data["runId"],
                "completedAt": self.data.get("completedAt"),
                "summary": self.data.get("summary"),
            }
        )
        self.data.update(runId=_run_id(), deals={}, completed=False, completedAt=None, summary=None)

    def save(self) -> None:
        """Atomically: a reader (or a crash) sees the previous version or this one, never half."""
        self.data["updatedAt"] = _now()
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass
class Deal:
    id: str
    name: str | None
    close_date: str | None
    sync_status: str | None


@dataclass
class BackfillSummary:
    since: str
    until: str | None
    target: str
    checkpoint: str
    runId: str
    dryRun: bool = False
    #: Won opportunities the query returned for the range.
    found: int = 0
    #: Executions this backfill run started (including before an interruption), by outcome.
    started: int = 0
    synced: int = 0
    skippedByWorkflow: int = 0
    #: Ended Drift: the deal changed after it was synced; NetSuite was left as it is.
    drifted: int = 0
    failed: int = 0
    running: int = 0
    #: Salesforce already said Synced: not started, nothing written to NetSuite.
    alreadySynced: int = 0
    #: StartExecution refused (after retries); the next invocation tries them again.
    failedToStart: int = 0
    #: Not started yet (--max-starts, or interrupted); the next invocation starts them.
    pending: int = 0
    startedNow: int = 0
    resumed: bool = False
    interrupted: bool = False
    complete: bool = False
    concurrency: int = 0
    maxRunning: int = 0
    elapsedSeconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    #: Offline only: what the NetSuite double saw (netsuiteMaxInFlight, netsuiteRequests).
    observed: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        if self.dryRun:
            return 0
        if self.interrupted:
            return 130
        if self.failed or self.failedToStart or self.drifted:
            return 1
        if self.pending or self.running:
            return 3
        return 0


class Backfill:
    def __init__(
        self,
        backend: Backend,
        options: BackfillOptions,
        *,
        progress: Progress | None = None,
        stop: StopSignal | None = None,
        on_started: Callable[[str, int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.options = options
        self.progress = progress or Progress(None, bar=False)
        self.stop = stop or StopSignal()
        self.on_started = on_started
        self.clock = clock

    # ------------------------------------------------------------------ steps
    def query(self) -> list[Deal]:
        field_name = self.backend.mapping_config().salesforce.writeback.opportunity_status
        soql = won_opportunities_query(
            self.options.since, self.options.until, status_field=field_name
        )
        records = self.backend.salesforce().query_all(
            soql, what="the backfill query (won opportunities by CloseDate)"
        )
        deals: dict[str, Deal] = {}
        for record in records:
            deal_id = to_18(str(record["Id"]))
            deals[deal_id] = Deal(
                deal_id, record.get("Name"), record.get("CloseDate"), record.get(field_name)
            )
        return list(deals.values())

    def run(self) -> BackfillSummary:
        started_at = self.clock()
        options = self.options
        limit = options.concurrency or self.backend.concurrency_limit
        deals = self.query()
        checkpoint = Checkpoint.open(
            options.checkpoint_path,
            since=options.since,
            until=options.until,
            target=self.backend.label,
        )
        if checkpoint.completed:
            checkpoint.new_run()
        resumed = any(d.id in checkpoint.deals for d in deals)
        to_start: deque[Deal] = deque()
        to_track: list[Deal] = []
        for deal in deals:
            state = (checkpoint.deals.get(deal.id) or {}).get("state")
            if state == STARTED:
                to_track.append(deal)
            elif state in (SUCCEEDED, FAILED, ALREADY_SYNCED):
                continue
            elif deal.sync_status == SYNCED:
                checkpoint.deals[deal.id] = {"state": ALREADY_SYNCED, "closeDate": deal.close_date}
            else:
                to_start.append(deal)

        summary = BackfillSummary(
            since=options.since,
            until=options.until,
            target=self.backend.label,
            checkpoint=str(options.checkpoint_path),
            runId=checkpoint.run_id,
            dryRun=options.dry_run,
            resumed=resumed,
            concurrency=limit,
        )
        if options.dry_run:
            summary.plan = [
                {"opportunityId": d.id, "closeDate": d.close_date, "name": d.name} for d in to_start
            ]
            self._count(summary, deals, checkpoint, {d.id for d in to_start})
            summary.elapsedSeconds = round(self.clock() - started_at, 2)
            return summary

        checkpoint.save()
        pacer = Pacer(self.backend, limit, self.stop)
        for deal in to_track:
            pacer.add(checkpoint.deals[deal.id]["executionArn"], deal)
        terminal = sum(
            1
            for d in deals
            if (checkpoint.deals.get(d.id) or {}).get("state")
            in (SUCCEEDED, FAILED, ALREADY_SYNCED)
        )
        self.progress.start(len(deals), terminal)
        if to_track:
            self.progress.note(
                f"resuming run {checkpoint.run_id}: {len(to_track)} execution(s) still running"
            )
        interrupted = False
        started_now = 0
        try:
            while True:
                if self.stop.requested:
                    interrupted = True
                    break
                while (
                    to_start
                    and pacer.has_slot()
                    and not self.stop.requested
                    and (options.max_starts is None or started_now < options.max_starts)
                ):
                    deal = to_start.popleft()
                    if self._start(deal, checkpoint, pacer):
                        started_now += 1
                        if self.on_started is not None:
                            self.on_started(deal.id, started_now)
                if not pacer.running:
                    break
                finished = pacer.wait_some()
                self.progress.postfix["running"] = len(pacer.running)
                for deal, execution in finished:
                    self._finish(deal, execution, checkpoint, to_start)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            checkpoint.save()
        if interrupted and pacer.running:
            if self.backend.executions_outlive_process:
                self.progress.note(
                    f"interrupted: {len(pacer.running)} execution(s) keep running; "
                    "run the same command again to wait for them and go on"
                )
            else:
                self.progress.note(
                    f"interrupted: waiting for the {len(pacer.running)} running execution(s) "
                    "(the offline stack stops with this process)"
                )
                try:
                    while pacer.running:
                        finished = pacer.wait_some(until_stopped=False)
                        self.progress.postfix["running"] = len(pacer.running)
                        for deal, execution in finished:
                            self._finish(deal, execution, checkpoint, deque())
                finally:
                    checkpoint.save()
        self.progress.postfix["running"] = len(pacer.running)
        self.progress.close()
        summary.interrupted = interrupted
        summary.startedNow = started_now
        summary.maxRunning = pacer.max_running
        summary.observed = self.backend.observed()
        self._count(summary, deals, checkpoint)
        summary.complete = not (
            interrupted or summary.pending or summary.running or summary.failedToStart
        )
        if summary.complete:
            checkpoint.data.update(
                completed=True,
                completedAt=_now(),
                summary={
                    k: getattr(summary, k)
                    for k in (
                        "found",
                        "started",
                        "synced",
                        "skippedByWorkflow",
                        "drifted",
                        "failed",
                        "alreadySynced",
                        "failedToStart",
                    )
                },
            )
        checkpoint.save()
        summary.elapsedSeconds = round(self.clock() - started_at, 2)
        return summary

    def _start(self, deal: Deal, checkpoint: Checkpoint, pacer: Pacer) -> bool:
        name = execution_name(deal.id, checkpoint.run_id)
        payload = restart_input(deal.id, self.backend.org_id, trigger="BACKFILL", event_id=name)
        entry: dict[str, Any] = {"closeDate": deal.close_date, "executionName": name}
        try:
            arn = self.backend.start_execution(name, payload)
        except AlreadyStarted as already:
            arn = already.arn  # started before an interruption, but not recorded: follow it
            entry["note"] = "already started"
        except StartFailed as exc:
            checkpoint.deals[deal.id] = {**entry, "state": START_FAILED, "error": str(exc)[:1000]}
            checkpoint.save()
            self.progress.advance(failed_to_start=self._count_state(checkpoint, START_FAILED))
            return False
        checkpoint.deals[deal.id] = {
            **entry,
            "state": STARTED,
            "executionArn": arn,
            "startedAt": _now(),
        }
        checkpoint.save()
        pacer.add(arn, deal)
        return True

    def _finish(
        self, deal: Deal, execution: Execution, checkpoint: Checkpoint, to_start: deque[Deal]
    ) -> None:
        entry = checkpoint.deals[deal.id]
        if execution.status == "UNKNOWN":
            # Recorded as started but unknown to Step Functions (an offline stack that stopped
            # mid-start): start it again, under the same name.
            del checkpoint.deals[deal.id]
            to_start.appendleft(deal)
            return
        entry.update(
            state=SUCCEEDED if execution.status == "SUCCEEDED" else FAILED,
            status=execution.status,
            outcome=execution.outcome.value,
            finishedAt=_now(),
        )
        if execution.status != "SUCCEEDED":
            entry["error"] = execution.error
        checkpoint.save()
        self.progress.advance(failed=self._count_state(checkpoint, FAILED))

    @staticmethod
    def _count_state(checkpoint: Checkpoint, state: str) -> int:
        return sum(1 for e in checkpoint.deals.values() if e.get("state") == state)

    @staticmethod
    def _count(
        summary: BackfillSummary,
        deals: list[Deal],
        checkpoint: Checkpoint,
        will_start: set[str] | None = None,
    ) -> None:
        summary.found = len(deals)
        for deal in deals:
            entry = checkpoint.deals.get(deal.id)
            state = (entry or {}).get("state")
            if entry is None or state is None or deal.id in (will_start or ()):
                summary.pending += 1
            elif state == ALREADY_SYNCED:
                summary.alreadySynced += 1
            elif state == START_FAILED:
                summary.failedToStart += 1
                summary.failures.append(
                    {"opportunityId": deal.id, "executionArn": None, "error": entry.get("error")}
                )
            else:
                summary.started += 1
                if state == STARTED:
                    summary.running += 1
                elif state == FAILED:
                    summary.failed += 1
                    summary.failures.append(
                        {
                            "opportunityId": deal.id,
                            "executionArn": entry.get("executionArn"),
                            "error": entry.get("error") or entry.get("status"),
                        }
                    )
                elif entry.get("outcome") == Outcome.SKIPPED:
                    summary.skippedByWorkflow += 1
                elif entry.get("outcome") == Outcome.DRIFT:
                    summary.drifted += 1
                else:
                    summary.synced += 1
