"""``closedwon``: operate a deployed stack, or the offline stack, from one command line.

closedwon [TARGET] backfill --since YYYY-MM-DD [--until YYYY-MM-DD] [--dry-run] [--checkpoint PATH]
                            [--max-starts N] [--concurrency N]
closedwon [TARGET] replay OPPORTUNITY_ID|DLQ_FILE [--message N] [--no-wait]
closedwon [TARGET] redrive [--max N] [--no-wait]
closedwon [TARGET] status OPPORTUNITY_ID [--limit N] [--days N]

closedwon --version

TARGET: --stack NAME [--profile P] [--region R]  (a deployed stack; or CLOSEDWON_STACK)
        --offline STATE_DIR [--org ORG.json] [--netsuite-seed SEED.json] [--config MAPPING.yaml]
Every command prints tables by default and one JSON document with --json.
Exit codes: 0 done, 1 something failed (see the output), 2 usage or configuration error,
3 incomplete (run again to go on), 130 interrupted. docs/operations.md has examples.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from closedwon.errors import SyncError
from closedwon.events import is_salesforce_id, to_18
from closedwon.outcome import Outcome
from closedwon_cli import dlq_file, go_live, render
from closedwon_cli.backend import Backend
from closedwon_cli.cloud import CloudBackend
from closedwon_cli.errors import CliError
from closedwon_cli.pacing import Progress, StopSignal

STACK_ENV = "CLOSEDWON_STACK"


def _target_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Accepted before and after the command: subparsers use SUPPRESS so they do not reset them."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    target = parser.add_argument_group("target (a deployed stack, or the offline stack)")
    target.add_argument(
        "--stack",
        metavar="NAME",
        default=default(None),
        help=f"CloudFormation stack name (default: ${STACK_ENV})",
    )
    target.add_argument("--profile", metavar="NAME", default=default(None), help="AWS profile")
    target.add_argument("--region", metavar="NAME", default=default(None), help="AWS region")
    target.add_argument(
        "--offline",
        type=Path,
        metavar="STATE_DIR",
        default=default(None),
        help="act on the offline stack kept in STATE_DIR (python -m offline)",
    )
    target.add_argument(
        "--org",
        type=Path,
        metavar="ORG.json",
        default=default(None),
        help="offline: Salesforce org snapshot (default: the bundled sample)",
    )
    target.add_argument(
        "--netsuite-seed",
        type=Path,
        metavar="SEED.json",
        default=default(None),
        help="offline: NetSuite seed (default: the bundled sample)",
    )
    target.add_argument(
        "--config",
        type=Path,
        metavar="MAPPING.yaml",
        default=default(None),
        help="mapping config YAML (default: the deployed one, layers/shared/closedwon/mapping.yaml;"
        " offline: the bundled sample)",
    )
    target.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        default=default([]),
        help="offline: a template parameter, e.g. NetSuiteConcurrencyLimit=2 (repeatable)",
    )
    target.add_argument(
        "--netsuite-latency-ms",
        type=float,
        metavar="MS",
        default=default(0.0),
        help="offline: simulated NetSuite latency per request",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--json", action="store_true", default=default(False), help="print one JSON document"
    )
    output.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "none"),
        default=default("auto"),
        help="backfill progress on stderr: a bar on a terminal, plain lines otherwise (auto)",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' must be at least 1")
    return value


def version() -> str:
    """The installed distribution's version (package metadata)."""
    try:
        return metadata.version("closedwon")
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install .)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="closedwon",
        description="Backfill, replay, redrive and inspect Closed Won deal syncs.",
        epilog="Examples and the checkpoint format: docs/operations.md",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    _target_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    backfill = sub.add_parser(
        "backfill",
        help="sync the won opportunities closed in a date range (paced, resumable)",
        description="Start one execution per won opportunity closed in [since, until], at most "
        "NetSuiteConcurrencyLimit running at once. Deals Salesforce already marks Synced are "
        "skipped. Interrupt it at any time (Ctrl-C) and run it again to resume.",
    )
    backfill.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="first CloseDate")
    backfill.add_argument("--until", metavar="YYYY-MM-DD", help="last CloseDate (default: none)")
    backfill.add_argument(
        "--dry-run", action="store_true", help="list what would start; start nothing"
    )
    backfill.add_argument(
        "--checkpoint",
        type=Path,
        metavar="PATH",
        help="checkpoint file (default: .closedwon-backfill-SINCE-UNTIL.json here)",
    )
    backfill.add_argument(
        "--max-starts",
        type=positive_int,
        metavar="N",
        help="start at most N executions now, wait for them and stop (run again to go on)",
    )
    backfill.add_argument(
        "--concurrency",
        type=positive_int,
        metavar="N",
        help="executions running at once (default and maximum: NetSuiteConcurrencyLimit)",
    )
    _target_options(backfill, suppress=True)

    replay = sub.add_parser(
        "replay",
        help="start a fresh execution for one deal, or for the deal of each message of a DLQ file",
        description="TARGET is an opportunity id, or a file of DLQ messages: the offline stack's "
        "STATE_DIR/dlq.json, one message body, or the output of `aws sqs receive-message`. "
        "The messages stay where they are (redrive deletes them from the queue).",
    )
    replay.add_argument("target", metavar="OPPORTUNITY_ID|DLQ_FILE")
    replay.add_argument(
        "--message",
        type=positive_int,
        metavar="N",
        help="DLQ_FILE: replay only its Nth message (default: every message)",
    )
    replay.add_argument(
        "--no-wait", action="store_true", help="print the execution and return (cloud only)"
    )
    _target_options(replay, suppress=True)

    redrive = sub.add_parser(
        "redrive",
        help="restart the deals of the DLQ messages; delete each message once its restart succeeded",
    )
    redrive.add_argument("--max", type=positive_int, metavar="N", help="handle at most N messages")
    redrive.add_argument(
        "--no-wait",
        action="store_true",
        help="delete each message once its execution started, without waiting (cloud only)",
    )
    _target_options(redrive, suppress=True)

    status = sub.add_parser("status", help="what happened to an opportunity: its latest executions")
    status.add_argument("opportunity_id", metavar="OPPORTUNITY_ID")
    status.add_argument(
        "--limit", type=positive_int, metavar="N", default=5, help="executions shown (default 5)"
    )
    status.add_argument(
        "--days",
        type=positive_int,
        metavar="N",
        default=30,
        help="cloud: how many days of LoadDeal logs to search (default 30)",
    )
    _target_options(status, suppress=True)
    for go_live_parser in go_live.add_parsers(sub):
        _target_options(go_live_parser, suppress=True)
    return parser


def make_backend(args: argparse.Namespace) -> Backend:
    """The backend the target options name: a deployed stack, or the offline one."""
    stack = args.stack or os.environ.get(STACK_ENV)
    if args.offline is not None:
        if args.stack:
            raise CliError("--offline and --stack exclude each other")
        try:
            from closedwon_cli.offline_backend import OfflineBackend
            from closedwon_cli.offline_options import offline_options
        except ImportError as exc:
            raise CliError(
                f"--offline needs the offline stack of a closedwon checkout ({exc}): run "
                "`python -m closedwon_cli` from the checkout's root, or put the checkout on PYTHONPATH"
            ) from None
        return OfflineBackend(
            offline_options(
                args.offline,
                org=args.org,
                seed=args.netsuite_seed,
                config=args.config,
                params=args.param,
                netsuite_latency_ms=args.netsuite_latency_ms,
            )
        )
    offline_only = [
        flag
        for flag, value in (
            ("--org", args.org),
            ("--netsuite-seed", args.netsuite_seed),
            ("--param", args.param),
            ("--netsuite-latency-ms", args.netsuite_latency_ms),
        )
        if value
    ]
    if offline_only:
        raise CliError(f"{', '.join(offline_only)}: only with --offline STATE_DIR")
    if not stack:
        raise CliError(
            f"say which stack: --stack NAME (or ${STACK_ENV}) for a deployed stack, "
            "or --offline STATE_DIR for the offline one"
        )
    return CloudBackend.connect(
        stack, profile=args.profile, region=args.region, config_path=args.config
    )


# ---------------------------------------------------------------------------------- commands
def cmd_backfill(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    from closedwon_cli.backfill import Backfill, BackfillOptions, parse_date

    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until") if args.until else None
    if until is not None and since > until:
        raise CliError(f"--since {since} is after --until {until}")
    limit = backend.concurrency_limit
    if args.concurrency and args.concurrency > limit:
        raise CliError(
            f"--concurrency {args.concurrency} is above the stack's NetSuiteConcurrencyLimit "
            f"({limit}): the NetSuite cap would make the extra executions wait anyway"
        )
    options = BackfillOptions(
        since=since.isoformat(),
        until=until.isoformat() if until else None,
        checkpoint=args.checkpoint,
        dry_run=args.dry_run,
        max_starts=args.max_starts,
        concurrency=args.concurrency,
    )
    mode = args.progress
    if mode == "auto":
        mode = "bar" if err.isatty() and not args.json else "lines"
    stream = None if mode == "none" or args.dry_run else err
    progress = Progress(stream, bar=mode == "bar")
    summary = Backfill(backend, options, progress=progress, stop=stop).run()
    if args.json:
        render.emit_json(summary.to_json(), out)
    else:
        render.backfill(summary, out)
    return summary.exit_code


def cmd_replay(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    from closedwon_cli.restart import replay, replay_messages

    if args.no_wait and not backend.executions_outlive_process:
        raise CliError("--no-wait is for deployed stacks: offline executions end with the process")
    target = args.target
    if is_salesforce_id(target):
        if args.message is not None:
            raise CliError("--message N is for a DLQ file")
        result = replay(backend, target, wait=not args.no_wait, stop=stop)
        if args.json:
            render.emit_json(result.to_json(), out)
        else:
            render.replay(result, out)
        return result.exit_code
    if not dlq_file.looks_like_a_file(target):
        raise CliError(f"'{target[:40]}' is neither a Salesforce opportunity id nor a DLQ file")
    path = Path(target)
    bodies = dlq_file.read_messages(path)
    numbers = dlq_file.select(path, bodies, args.message)
    batch = replay_messages(
        backend, bodies, source=str(path), numbers=numbers, wait=not args.no_wait, stop=stop
    )
    if args.json:
        render.emit_json(batch.to_json(), out)
    else:
        render.replay_batch(batch, out)
    return batch.exit_code


def cmd_redrive(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    from closedwon_cli.restart import redrive

    if args.no_wait and not backend.executions_outlive_process:
        raise CliError("--no-wait is for deployed stacks: offline executions end with the process")
    summary = redrive(backend, args.max, wait=not args.no_wait, stop=stop)
    if args.json:
        render.emit_json(summary.to_json(), out)
    else:
        render.redrive(summary, out)
    return summary.exit_code


def cmd_status(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    if not is_salesforce_id(args.opportunity_id):
        raise CliError(f"'{args.opportunity_id[:40]}' is not a Salesforce opportunity id")
    reports = backend.executions_for(args.opportunity_id, limit=args.limit, days=args.days)
    where = backend.status_source(args.days)
    if args.json:
        render.emit_json(
            {
                "opportunityId": to_18(args.opportunity_id),
                "executions": [r.to_json() for r in reports],
            },
            out,
        )
    else:
        render.status(to_18(args.opportunity_id), reports, where, out)
    return 1 if reports and reports[0].outcome is Outcome.FAILED else 0


COMMANDS = {
    "backfill": cmd_backfill,
    "replay": cmd_replay,
    "redrive": cmd_redrive,
    "status": cmd_status,
    "check": go_live.cmd_check,
    "preview": go_live.cmd_preview,
    "link": go_live.cmd_link,
}


def main(argv: list[str] | None = None) -> int:
    # Captured now: the offline stack sends the functions' stdout to STATE/lambda.log meanwhile.
    out, err = sys.stdout, sys.stderr
    args = build_parser().parse_args(argv)
    command = COMMANDS[args.command]
    stop = StopSignal()
    try:
        backend = make_backend(args)
        try:
            if args.command == "status":
                return command(backend, args, out, err, stop)
            with stop.installed():
                return command(backend, args, out, err, stop)
        finally:
            backend.close()
    except CliError as exc:
        print(f"closedwon {args.command}: {exc}", file=err)
        return 2
    except SyncError as exc:
        print(f"closedwon {args.command}: {type(exc).__name__}: {exc}", file=err)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"closedwon {args.command}: {where}{exc.strerror or exc}", file=err)
        return 2
    except KeyboardInterrupt:
        print(f"closedwon {args.command}: interrupted", file=err)
        return 130
