"""The backfill's logic against a backend double: pacing, counts, checkpoint, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closedwon.salesforce.soql import won_opportunities_query
from closedwon_cli.backfill import (
    Backfill,
    BackfillOptions,
    Checkpoint,
    execution_name,
    parse_date,
)
from closedwon_cli.errors import CliError
from closedwon_cli.pacing import StopSignal
from tests.fakes.cli_backend import FakeBackend, opp, rows


def options(tmp_path: Path, **kw) -> BackfillOptions:
    return BackfillOptions(
        since="2025-01-01", until="2025-12-31", checkpoint=tmp_path / "ck.json", **kw
    )


def test_paces_counts_and_records_every_deal(tmp_path) -> None:
    backend = FakeBackend(rows(12, synced={3, 7}), limit=3, fail={opp(5)}, refuse={opp(9)})
    summary = Backfill(backend, options(tmp_path)).run()

    assert backend.max_running == 3 and summary.maxRunning == 3  # never above the cap
    # 12 deals - 2 already synced = 10 attempts, one refused; each name once
    assert len(backend.start_calls) == len(set(backend.start_calls)) == 10
    assert (summary.found, summary.started, summary.synced, summary.failed) == (12, 9, 8, 1)
    assert (summary.alreadySynced, summary.failedToStart, summary.pending, summary.running) == (
        2,
        1,
        0,
        0,
    )
    assert summary.started + summary.alreadySynced + summary.failedToStart == summary.found
    assert summary.exit_code == 1 and not summary.complete  # the refused start is retried next time
    assert {f["opportunityId"] for f in summary.failures} == {opp(5), opp(9)}
    # the query selects the status field of the mapping config
    assert "NetSuite_Sync_Status__c" in backend.queries[0]
    deals = json.loads((tmp_path / "ck.json").read_text())["deals"]
    assert deals[opp(3)] == {"state": "alreadySynced", "closeDate": "2025-04-15"}
    assert deals[opp(5)]["state"] == "failed" and deals[opp(5)]["error"] == "DealSyncFailed"
    assert deals[opp(9)]["state"] == "startFailed" and "AccessDenied" in deals[opp(9)]["error"]
    assert deals[opp(1)]["executionName"] == execution_name(opp(1), summary.runId)
    assert (
        backend.executions[deals[opp(1)]["executionArn"]]["payload"]["trigger"]["trigger"]
        == "BACKFILL"
    )


def test_a_deal_that_ends_drift_is_counted_apart_and_the_backfill_exits_1(tmp_path) -> None:
    backend = FakeBackend(rows(3), drift={opp(2)})
    summary = Backfill(backend, options(tmp_path)).run()
    assert (summary.started, summary.synced, summary.drifted, summary.failed) == (3, 2, 1, 0)
    assert summary.complete and summary.exit_code == 1  # nothing failed; a person must decide
    deals = json.loads((tmp_path / "ck.json").read_text())["deals"]
    assert deals[opp(2)]["state"] == "succeeded" and deals[opp(2)]["outcome"] == "Drift"


def test_a_refused_start_is_retried_by_the_next_invocation_of_the_same_run(tmp_path) -> None:
    backend = FakeBackend(rows(4), refuse={opp(2)})
    first = Backfill(backend, options(tmp_path)).run()
    assert first.failedToStart == 1 and first.exit_code == 1
    backend.refuse.clear()
    second = Backfill(backend, options(tmp_path)).run()
    assert second.runId == first.runId and second.resumed
    assert (second.started, second.failedToStart, second.startedNow) == (4, 0, 1)
    assert second.complete and second.exit_code == 0


def test_interrupted_in_the_cloud_then_resumed_follows_running_executions(tmp_path) -> None:
    backend = FakeBackend(rows(10), limit=4, polls=3)
    stop = StopSignal()
    first = Backfill(
        backend, options(tmp_path), stop=stop, on_started=lambda _, n: n == 6 and stop.request()
    ).run()
    assert first.interrupted and first.exit_code == 130
    assert first.startedNow == 6 and first.running > 0  # left running in the cloud
    assert first.started + first.pending == 10

    second = Backfill(backend, options(tmp_path)).run()
    assert second.resumed and second.complete and second.exit_code == 0
    assert (second.started, second.synced, second.startedNow) == (10, 10, 4)
    assert len(backend.start_calls) == len(set(backend.start_calls)) == 10  # nothing started twice


def test_keyboard_interrupt_offline_waits_for_the_running_executions(tmp_path) -> None:
    backend = FakeBackend(rows(8), limit=3, polls=4, outlive=False)

    def interrupt(_: str, n: int) -> None:
        if n == 5:
            raise KeyboardInterrupt

    first = Backfill(backend, options(tmp_path), on_started=interrupt).run()
    assert first.interrupted and first.running == 0  # drained: the offline stack stops with us
    assert first.started == 5 and first.synced == 5 and first.pending == 3


def test_a_start_that_was_not_recorded_is_followed_not_repeated(tmp_path) -> None:
    # The process died between StartExecution and the checkpoint write.
    backend = FakeBackend(rows(3))
    first = Backfill(backend, options(tmp_path, max_starts=1)).run()
    assert first.exit_code == 3 and first.pending == 2  # --max-starts: incomplete, not failed
    name = execution_name(opp(2), first.runId)
    backend.start_execution(name, {"trigger": {"opportunityId": opp(2)}})
    second = Backfill(backend, options(tmp_path)).run()
    assert second.complete and second.started == 3
    assert backend.start_calls.count(name) == 2  # the second attempt hit ExecutionAlreadyExists
    deal = json.loads((tmp_path / "ck.json").read_text())["deals"][opp(2)]
    assert deal["note"] == "already started" and deal["state"] == "succeeded"


def test_a_recorded_execution_unknown_to_step_functions_is_started_again(tmp_path) -> None:
    backend = FakeBackend(rows(2))
    ck = Checkpoint.open(
        tmp_path / "ck.json", since="2025-01-01", until="2025-12-31", target="fake stack"
    )
    ck.deals[opp(1)] = {"state": "started", "executionArn": "arn:aws:states:x:1:execution:sm:gone"}
    ck.save()
    summary = Backfill(backend, options(tmp_path)).run()
    assert summary.complete and summary.started == 2 and len(backend.start_calls) == 2


def test_after_a_completed_run_the_next_one_starts_what_is_not_synced(tmp_path) -> None:
    backend = FakeBackend(rows(5), fail={opp(4)})
    first = Backfill(backend, options(tmp_path)).run()
    assert first.complete and first.failed == 1
    # Salesforce now says Synced for the four that synced; the failed one is Error.
    backend.records = rows(5, synced={1, 2, 3, 5})
    backend.fail.clear()
    second = Backfill(backend, options(tmp_path)).run()
    assert second.runId != first.runId and not second.resumed
    assert (second.alreadySynced, second.started, second.synced) == (4, 1, 1)
    backend.records = rows(5, synced={1, 2, 3, 4, 5})
    third = Backfill(backend, options(tmp_path)).run()
    assert (third.alreadySynced, third.started, third.startedNow) == (5, 0, 0)
    data = json.loads((tmp_path / "ck.json").read_text())
    assert [r["summary"]["failed"] for r in data["previousRuns"]] == [1, 0]


def test_dry_run_starts_nothing_and_writes_no_checkpoint(tmp_path) -> None:
    backend = FakeBackend(rows(6, synced={2}))
    summary = Backfill(backend, options(tmp_path, dry_run=True)).run()
    assert backend.start_calls == [] and not (tmp_path / "ck.json").exists()
    assert [p["opportunityId"] for p in summary.plan] == [opp(i) for i in (1, 3, 4, 5, 6)]
    assert (summary.found, summary.alreadySynced, summary.pending, summary.exit_code) == (
        6,
        1,
        5,
        0,
    )


def test_concurrency_below_the_cap(tmp_path) -> None:
    backend = FakeBackend(rows(6), limit=4)
    Backfill(backend, options(tmp_path, concurrency=2)).run()
    assert backend.max_running == 2


def test_a_checkpoint_of_another_backfill_is_refused(tmp_path) -> None:
    backend = FakeBackend(rows(1))
    Backfill(backend, options(tmp_path)).run()
    other = BackfillOptions(since="2024-01-01", until="2025-12-31", checkpoint=tmp_path / "ck.json")
    with pytest.raises(CliError, match="another backfill"):
        Backfill(backend, other).run()
    (tmp_path / "ck.json").write_text("{not json")
    with pytest.raises(CliError, match="cannot be read"):
        Backfill(backend, options(tmp_path)).run()


def test_checkpoint_writes_are_atomic(tmp_path) -> None:
    ck = Checkpoint.open(tmp_path / "ck.json", since="2025-01-01", until=None, target="t")
    ck.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ck.json"
    ]  # the temporary file was renamed


@pytest.mark.parametrize("value", ["2025-13-01", "2025-1-1", "20250101", "yesterday", "2025-02-30"])
def test_dates_must_be_yyyy_mm_dd(value) -> None:
    with pytest.raises(CliError):
        parse_date(value, "--since")


def test_the_backfill_soql_checks_what_it_cannot_bind() -> None:
    soql = won_opportunities_query(
        "2025-01-01", "2025-12-31", status_field="NetSuite_Sync_Status__c"
    )
    assert soql == (
        "SELECT Id, Name, CloseDate, AccountId, NetSuite_Sync_Status__c FROM Opportunity "
        "WHERE IsWon = true AND CloseDate >= 2025-01-01 AND CloseDate <= 2025-12-31 "
        "ORDER BY CloseDate, Id"
    )
    with pytest.raises(ValueError):
        won_opportunities_query("2025-01-01 OR Id != null", None)
    with pytest.raises(ValueError):
        won_opportunities_query("2025-01-01", None, status_field="Id FROM User --")


def test_progress_bar_and_plain_lines() -> None:
    import io

    from closedwon_cli.pacing import Progress

    bar = io.StringIO()
    progress = Progress(bar, bar=True)
    progress.start(4, 1)
    progress.advance(failed=0)
    progress.close()
    assert "2/4" in bar.getvalue() and "deal" in bar.getvalue()

    lines = io.StringIO()
    progress = Progress(lines, bar=False, clock=lambda: 0.0)
    progress.start(20)
    for _ in range(20):
        progress.advance(running=1)
    progress.close()
    printed = lines.getvalue().splitlines()
    assert printed[0] == "backfill: 0/20 deals done (0%)"
    assert printed[-1] == "backfill: 20/20 deals done (100%), running 1"
    assert len(printed) == 11  # the start, then one line per 10%


def test_the_offline_backend_rereads_a_half_written_execution(tmp_path) -> None:
    from closedwon_cli.executions import Execution
    from closedwon_cli.offline_backend import OfflineBackend
    from offline.stack import StackOptions

    class Moto:
        reads = iter(
            [
                Execution("arn:x", "FAILED", error=None),  # moto: status first...
                Execution("arn:x", "FAILED", error="DealSyncFailed"),  # ...then the error
            ]
        )

        def describe(self, arn: str) -> Execution:
            return next(self.reads)

    backend = OfflineBackend(StackOptions(state_dir=tmp_path))
    backend._cloud = Moto()  # type: ignore[assignment]
    assert backend.describe("arn:x").sent_to_dlq
