"""Human output (tables, the default) and JSON output (``--json``) of every command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

from closedwon_cli.backfill import BackfillSummary
from closedwon_cli.executions import ExecutionReport
from closedwon_cli.restart import RedriveSummary, ReplayBatch, ReplayResult


def emit_json(document: Any, out: IO[str]) -> None:
    print(json.dumps(document, indent=2, default=str), file=out, flush=True)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str] | None, indent: str = "  ") -> str:
    """Left-aligned columns; ``headers=None`` for a table without a header line."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    columns = len(headers) if headers else (len(cells[0]) if cells else 0)
    widths = [len(h) for h in headers] if headers else [0] * columns
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = (
        [indent + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
        if headers
        else []
    )
    lines += [
        indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------------------------- backfill
def backfill(summary: BackfillSummary, out: IO[str]) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)

    span = f"{summary.since} .. {summary.until or '(no end)'}"
    if summary.dryRun:
        say(f"Dry run: backfill {span} on {summary.target} (nothing was started)")
        if summary.plan:
            say(
                table(
                    [(p["opportunityId"], p["closeDate"], p["name"]) for p in summary.plan],
                    ("opportunity", "closed", "name"),
                )
            )
        say(
            f"{summary.found} won opportunities closed in the range: {len(summary.plan)} would "
            f"start, {summary.alreadySynced} already synced (skipped, nothing written to NetSuite)"
            + (
                f", {summary.started} started earlier in run {summary.runId} (checkpoint)"
                if summary.started
                else ""
            )
        )
        say(f"At most {summary.concurrency} running at once; checkpoint {summary.checkpoint}")
        return

    state = (
        "interrupted"
        if summary.interrupted
        else "complete"
        if summary.complete
        else "incomplete: run the same command again to go on"
    )
    say(
        f"Backfill {span} on {summary.target}: {state}"
        + (" (resumed from the checkpoint)" if summary.resumed else "")
    )
    rows = [
        ("found", summary.found, "won opportunities closed in the range"),
        (
            "started",
            summary.started,
            f"executions of run {summary.runId} ({summary.startedNow} by this invocation)",
        ),
        ("  synced", summary.synced, ""),
        ("  skipped", summary.skippedByWorkflow, "the workflow skipped the deal (e.g. amendment)"),
        ("  drift", summary.drifted, "changed after it was synced: see `closedwon status`"),
        (
            "  failed",
            summary.failed,
            "in the DLQ: see `closedwon status`, then `closedwon redrive`",
        ),
        ("  running", summary.running, "still running (cloud): run again to follow them"),
        (
            "already synced",
            summary.alreadySynced,
            "skipped: Salesforce says Synced, nothing written to NetSuite",
        ),
        ("failed to start", summary.failedToStart, "StartExecution refused; retried next time"),
        ("not started yet", summary.pending, "left for the next invocation"),
    ]
    say(table([r for r in rows if r[1] or not r[0].startswith(" ")], None))
    say(
        f"Pacing: at most {summary.concurrency} running at once (NetSuiteConcurrencyLimit), "
        f"{summary.maxRunning} reached; {summary.elapsedSeconds:.1f}s."
    )
    if summary.observed:
        say(
            "Offline NetSuite double: at most "
            f"{summary.observed.get('netsuiteMaxInFlight')} request(s) in flight, "
            f"{summary.observed.get('netsuiteRequests')} request(s) in all."
        )
    say(f"Checkpoint: {summary.checkpoint}")
    if summary.failures:
        say("Failures:")
        say(
            table(
                [
                    (f["opportunityId"], f.get("error") or "", f.get("executionArn") or "")
                    for f in summary.failures
                ],
                ("opportunity", "error", "execution"),
            )
        )


# ---------------------------------------------------------------------------------- executions
def execution(report: ExecutionReport, out: IO[str]) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)

    times = " .. ".join(t for t in (report.startDate, report.stopDate) if t)
    say(f"{report.name}  {report.outcome} ({report.status})  {times}")
    say(f"  execution: {report.executionArn}")
    if report.skipReason:
        say(f"  skipped: {report.skipReason}")
    if report.drift:
        say("  drift (NetSuite left as it is; decide, then replay):")
        for difference in report.drift:
            say(f"    - {difference}")
    if report.failure:
        f = report.failure
        permanent = " (permanent: fix the cause first)" if f.get("permanent") else ""
        say(
            f"  failed in {f.get('failedStep', '?')}: {f.get('errorClass', '?')}{permanent}"
            + (f": {f['errorMessage']}" if f.get("errorMessage") else "")
        )
    elif report.error:
        say(f"  error: {report.error}")
    if report.steps:
        say(
            table(
                [
                    (s["name"], s["status"], s.get("attempts", ""), s.get("error") or "")
                    for s in report.steps
                ],
                ("step", "status", "attempts", "error"),
                indent="    ",
            )
        )
    records = [
        (kind, r["externalId"], r["id"]) for kind, items in report.netsuite.items() for r in items
    ]
    if records:
        say("  NetSuite records:")
        say(table(records, ("type", "external id", "internal id"), indent="    "))


def status(opportunity_id: str, reports: list[ExecutionReport], where: str, out: IO[str]) -> None:
    if not reports:
        print(f"No executions found for opportunity {opportunity_id} ({where}).", file=out)
        return
    print(
        f"Opportunity {opportunity_id}: {len(reports)} execution(s), newest first ({where})",
        file=out,
    )
    for report in reports:
        print(file=out)
        execution(report, out)


def replay(result: ReplayResult, out: IO[str]) -> None:
    verb = "already started" if result.alreadyStarted else "started"
    print(f"replay {result.opportunityId}: {verb} {result.executionName}", file=out)
    if result.report is not None:
        execution(result.report, out)
    elif result.waited:
        print(f"  still running: closedwon status {result.opportunityId}", file=out)
    else:
        print(f"  {result.executionArn}", file=out)
        print(f"  follow it with: closedwon status {result.opportunityId}", file=out)


def replay_batch(batch: ReplayBatch, out: IO[str]) -> None:
    for result in batch.replays:
        messages = ", ".join(str(n) for n in result.messages)
        print(f"message {messages} of {batch.source}:", file=out)
        replay(result, out)
        print(file=out)
    for skipped in batch.notReplayed:
        print(f"message {skipped['message']} of {batch.source}: {skipped['reason']}", file=out)
    ended_well = sum(1 for r in batch.replays if r.report and r.report.outcome.ended_well)
    print(
        f"{batch.messages} message(s): {len(batch.replays)} deal(s) replayed, {ended_well} "
        f"synced or skipped, {len(batch.notReplayed)} message(s) naming no deal. The messages "
        "stay where they are (`closedwon redrive` deletes them from the queue).",
        file=out,
    )


def redrive(summary: RedriveSummary, out: IO[str]) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)

    if not summary.received:
        say("The DLQ is empty: nothing to redrive.")
        return
    say(f"Redrive: {summary.received} DLQ message(s) received")
    say(
        table(
            [
                (
                    i.opportunityId or "?",
                    i.errorClass or "?",
                    i.executionName or "-",
                    i.outcome,
                    "deleted" if i.messageDeleted else "kept",
                    i.note or "",
                )
                for i in summary.items
            ],
            ("opportunity", "was", "new execution", "outcome", "message", "note"),
        )
    )
    tail = " (interrupted)" if summary.interrupted else ""
    if summary.waited:
        say(
            f"{summary.restarted} restarted: {summary.synced} synced, "
            + (f"{summary.drifted} drift, " if summary.drifted else "")
            + f"{summary.failedAgain} failed again; {summary.notRestarted} not restarted. {summary.deleted} message(s) deleted, "
            f"{summary.kept} kept{tail}."
        )
    else:
        say(
            f"{summary.restarted} restarted (not waited for), {summary.notRestarted} not "
            f"restarted. {summary.deleted} message(s) deleted, {summary.kept} kept{tail}."
        )
