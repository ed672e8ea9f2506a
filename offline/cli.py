"""The offline stack's command line. User-facing and scripted against: keep it stable.

python -m offline run EVENT.json... [--org ORG.json] [--netsuite-seed SEED.json]
                                    [--config MAPPING.yaml] [--state DIR] [--report REPORT.json]
python -m offline replay OPPORTUNITY_ID|DLQ_MESSAGE.json [--state DIR ...]
python -m offline redrive [--max N] [--state DIR ...]
python -m offline netsuite dump --state DIR
python -m offline netsuite serve --state DIR --port N [--netsuite-seed SEED.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from offline.stack import (
    DEFAULT_CONFIG,
    DEFAULT_ORG,
    DEFAULT_SEED,
    DEFAULT_STATE,
    ROOT,
    StackOptions,
)

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
        "replay", help="re-sync one deal (an opportunity id, or a DLQ message file)"
    )
    replay.add_argument(
        "target", help="opportunity id, or a DLQ message JSON file whose event is replayed"
    )
    _common(replay)
    redrive = sub.add_parser(
        "redrive",
        help="restart the deals in the DLQ; a message is deleted once its restart has an outcome",
    )
    redrive.add_argument("--max", type=int, default=None, help="restart at most N messages")
    _common(redrive)
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
    if args.command == "run":
        return cmd_run(args)
    if args.command in ("replay", "redrive"):
        return cmd_restart(args)
    if args.netsuite_command == "dump":
        return cmd_dump(args)
    return cmd_serve(args)


def cmd_run(args: argparse.Namespace) -> int:
    from offline.runner import Runner, load_event
    from offline.stack import OfflineStack

    paths = args.events or [DEFAULT_EVENT]
    args.state.mkdir(parents=True, exist_ok=True)
    options = StackOptions(
        state_dir=args.state,
        org_path=args.org,
        seed_path=args.netsuite_seed,
        config_path=args.config,
        lambda_log_path=None if args.verbose else args.state / "lambda.log",
    )
    out = sys.stdout
    started = time.perf_counter()
    reports = []
    with OfflineStack(options) as stack:
        runner = Runner(stack)
        records_before = sum(len(v) for v in stack.netsuite.dump().values())
        for path in paths:
            try:
                event = load_event(path)
            except (OSError, ValueError) as exc:
                print(f"{path}: cannot read the event: {exc}", file=sys.stderr)
                return 2
            writes_before = len(stack.salesforce.writes)
            report = runner.run_event(event, label=str(path))
            reports.append(report)
            if not args.json:
                print_report(report, stack.salesforce.writes[writes_before:], out)
        records_after = sum(len(v) for v in stack.netsuite.dump().values())
    elapsed = time.perf_counter() - started
    document = {"deals": [r.to_json() for r in reports]}
    if args.report:
        args.report.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        counts = {
            s: sum(r.status == s for r in reports)
            for s in ("Synced", "Skipped", "Failed", "Unmatched")
        }
        print(
            f"\nNetSuite: {records_after - records_before} new record(s), {records_after} in all"
            f"\n{len(reports)} deal(s): "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + f" in {elapsed:.1f}s (state: {args.state})"
        )
    return 0 if all(r.status in ("Synced", "Skipped") for r in reports) else 1


def _options(args: argparse.Namespace) -> StackOptions:
    args.state.mkdir(parents=True, exist_ok=True)
    return StackOptions(
        state_dir=args.state,
        org_path=args.org,
        seed_path=args.netsuite_seed,
        config_path=args.config,
        lambda_log_path=args.state / "lambda.log",
    )


def cmd_restart(args: argparse.Namespace) -> int:
    from offline import operations
    from offline.stack import OfflineStack

    out = sys.stdout
    with OfflineStack(_options(args)) as stack:
        if args.command == "replay":
            try:
                report = operations.replay(stack, args.target)
            except ValueError as exc:
                print(f"replay: {exc}", file=sys.stderr)
                return 2
            print_report(report, [], out)
            return 0 if report.status in ("Synced", "Skipped") else 1
        results = operations.redrive(stack, args.max)
        for result in results:
            print_report(result.report, [], out)
            verdict = "deleted from the DLQ" if result.deleted else "kept on the DLQ"
            print(f"   DLQ message of {result.message.get('executionArn')}: {verdict}", file=out)
        remaining = len(stack.dlq_messages())
        synced = sum(r.report.status in ("Synced", "Skipped") for r in results)
        print(
            f"\nredrive: {len(results)} restarted, {synced} synced, {remaining} message(s) left on the DLQ",
            file=out,
        )
        return 0 if synced == len(results) else 1


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

    seed = json.loads(args.netsuite_seed.read_text(encoding="utf-8"))
    return serve(args.state / "netsuite", seed, args.port)
