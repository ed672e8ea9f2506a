"""The offline stack's command line. User-facing and scripted against: keep it stable.

python -m offline run EVENT.json... [--org ORG.json] [--netsuite-seed SEED.json]
                                    [--config MAPPING.yaml] [--state DIR] [--report REPORT.json]
python -m offline replay OPPORTUNITY_ID|DLQ_FILE [--message N] [--state DIR ...]
python -m offline redrive [--max N] [--state DIR ...]
python -m offline netsuite dump --state DIR
python -m offline netsuite serve --state DIR --port N [--netsuite-seed SEED.json]

``replay`` and ``redrive`` are ``closedwon --offline DIR replay|redrive``: the same code, output
and exit codes (docs/operations.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from closedwon_cli.errors import CliError
from closedwon_cli.main import main as closedwon
from closedwon_cli.main import positive_int
from closedwon_cli.offline_options import offline_options, read_json_object
from offline.stack import (
    DEFAULT_CONFIG,
    DEFAULT_ORG,
    DEFAULT_SEED,
    DEFAULT_STATE,
)
from offline.template import ROOT

DEFAULT_EVENT = ROOT / "events" / "opportunity_closed_won.json"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org",
        type=Path,
        default=DEFAULT_ORG,
        help="Salesforce org snapshot JSON (default: bundled sample)",
    )
    parser.add_argument(
        "--netsuite-seed",
        type=Path,
        default=DEFAULT_SEED,
        help="NetSuite seed JSON (default: bundled sample)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="mapping config YAML (default: bundled sample)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=DEFAULT_STATE,
        help=f"state folder (default: {DEFAULT_STATE.name})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline",
        description="Run closedwon on one machine: moto + Salesforce and NetSuite doubles.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="run relayed events through rule -> state machine and report per deal"
    )
    run.add_argument(
        "events",
        nargs="*",
        type=Path,
        help=f"event JSON files (default: {DEFAULT_EVENT.relative_to(ROOT)})",
    )
    _common(run)
    run.add_argument("--report", type=Path, help="write the JSON report here")
    run.add_argument(
        "--json", action="store_true", help="print the JSON report instead of the summary"
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="print the functions' JSON logs and metrics too (default: STATE/lambda.log)",
    )
    replay = sub.add_parser(
        "replay",
        help="closedwon --offline STATE replay: re-sync one deal, or the deals of a DLQ file",
    )
    replay.add_argument(
        "target", help="opportunity id, or a DLQ file (e.g. STATE/dlq.json, or one message)"
    )
    replay.add_argument(
        "--message", type=positive_int, help="DLQ file: replay only its Nth message"
    )
    _common(replay)
    redrive = sub.add_parser(
        "redrive",
        help="closedwon --offline STATE redrive: restart the deals in the DLQ; a message is "
        "deleted once its restart has an outcome",
    )
    redrive.add_argument("--max", type=positive_int, help="restart at most N messages")
    _common(redrive)
    resync_parser = sub.add_parser(
        "resync",
        help="check Resync to NetSuite on an opportunity, as a user would; its flow republishes it",
    )
    resync_parser.add_argument("opportunity_id", metavar="OPPORTUNITY_ID")
    _common(resync_parser)
    ns = sub.add_parser("netsuite", help="the NetSuite double")
    ns_sub = ns.add_subparsers(dest="netsuite_command", required=True)
    dump = ns_sub.add_parser("dump", help="print every stored NetSuite record as JSON")
    dump.add_argument("--state", type=Path, default=DEFAULT_STATE)
    serve = ns_sub.add_parser(
        "serve", help="serve the NetSuite double over HTTP for any REST client"
    )
    serve.add_argument("--state", type=Path, default=DEFAULT_STATE)
    serve.add_argument("--port", type=int, default=8190)
    serve.add_argument("--netsuite-seed", type=Path, default=DEFAULT_SEED)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("replay", "redrive"):
        return cmd_restart(args)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "resync":
            return cmd_resync(args)
        if args.netsuite_command == "dump":
            return cmd_dump(args)
        return cmd_serve(args)
    except CliError as exc:
        print(f"python -m offline {args.command}: {exc}", file=sys.stderr)
        return 2


def cmd_run(args: argparse.Namespace) -> int:
    from offline.runner import Runner, load_event, unreadable
    from offline.stack import OfflineStack

    paths = args.events or [DEFAULT_EVENT]
    options = offline_options(args.state, org=args.org, seed=args.netsuite_seed, config=args.config)
    if args.verbose:
        options.lambda_log_path = None
    out = sys.stdout
    started = time.perf_counter()
    reports = []
    with OfflineStack(options) as stack:
        runner = Runner(stack)
        records_before = sum(len(v) for v in stack.netsuite.dump().values())
        for path in paths:
            try:
                event = load_event(path)
            except ValueError as exc:
                # Reported with the deals; the other files still run.
                print(f"python -m offline run: {exc}", file=sys.stderr)
                report = unreadable(str(path), str(exc))
                writes: list[dict[str, Any]] = []
            else:
                writes_before = len(stack.salesforce.writes)
                report = runner.run_event(event, label=str(path))
                writes = stack.salesforce.writes[writes_before:]
            reports.append(report)
            if not args.json:
                print_report(report, writes, out)
        records_after = sum(len(v) for v in stack.netsuite.dump().values())
    elapsed = time.perf_counter() - started
    document = {"deals": [r.to_json() for r in reports]}
    if args.report:
        args.report.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        counts = Counter(r.status for r in reports)
        print(
            f"\nNetSuite: {records_after - records_before} new record(s), {records_after} in all"
            f"\n{len(reports)} deal(s): "
            + ", ".join(f"{n} {s}" for s, n in counts.items())
            + f" in {elapsed:.1f}s (state: {args.state})"
        )
    return 0 if all(r.ended_well for r in reports) else 1


def cmd_resync(args: argparse.Namespace) -> int:
    """Play the Opportunity Resync To NetSuite flow on the offline stack (offline/resync.py)."""
    from offline.resync import resync
    from offline.stack import OfflineStack

    options = offline_options(args.state, org=args.org, seed=args.netsuite_seed, config=args.config)
    out = sys.stdout  # captured now: the stack sends the functions' stdout to STATE/lambda.log
    with OfflineStack(options) as stack:
        writes_before = len(stack.salesforce.writes)
        try:
            report = resync(stack, args.opportunity_id)
        except KeyError:
            raise CliError(f"no opportunity {args.opportunity_id[:40]} in the org") from None
        if report is None:
            print(
                f"{args.opportunity_id}: not won, nothing published (the box was cleared)", file=out
            )
            return 0
        print_report(report, stack.salesforce.writes[writes_before:], out)
    return 0 if report.ended_well else 1


def cmd_restart(args: argparse.Namespace) -> int:
    """``replay`` and ``redrive`` are the operator CLI's, on the offline stack in ``--state``."""
    target = [
        "--offline",
        str(args.state),
        "--org",
        str(args.org),
        "--netsuite-seed",
        str(args.netsuite_seed),
        "--config",
        str(args.config),
    ]
    if args.command == "replay":
        extra = ["--message", str(args.message)] if args.message is not None else []
        return closedwon([*target, "replay", args.target, *extra])
    extra = ["--max", str(args.max)] if args.max is not None else []
    return closedwon([*target, "redrive", *extra])


def print_report(report: Any, writes: list[dict[str, Any]], out: Any) -> None:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(f"\n== {report.event}")
    say(f"   opportunity {report.opportunityId}: {report.status}")
    if report.skipReason:
        say(f"   reason: {report.skipReason}")
    if report.error:
        say(f"   error: {report.error['type']}: {report.error['message']}")
    for record_type, records in report.netsuite.items():
        for rec in records:
            say(f"   NetSuite {record_type:<24} {rec['externalId']:<62} id {rec['id']}")
    for write in writes:
        fields = ", ".join(f"{k}={v!r}" for k, v in write["fields"].items())
        say(f"   Salesforce {write['sObject']} {write['Id']}: {fields}")
    say(f"   calls: Salesforce {report.salesforceCalls}, NetSuite {report.netsuiteCalls}")


def cmd_dump(args: argparse.Namespace) -> int:
    from offline.netsuite_double import NetSuiteDouble

    print(json.dumps(NetSuiteDouble(args.state / "netsuite").dump(), indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from offline.netsuite_double.serve import serve

    seed = read_json_object(args.netsuite_seed, "--netsuite-seed")
    return serve(args.state / "netsuite", seed, args.port)
