"""The go-live commands' entry points: ``check`` and ``preview`` (registered in main.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import IO

from closedwon.events import is_salesforce_id, to_18
from closedwon_cli import render
from closedwon_cli.backend import Backend
from closedwon_cli.errors import CliError
from closedwon_cli.pacing import StopSignal


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """The ``check`` and ``preview`` subcommands (main.py adds the target options)."""
    check = sub.add_parser(
        "check",
        help="is the stack ready for real deals? config, secrets, fields, NetSuite ids, items, cap",
    )
    preview = sub.add_parser(
        "preview", help="what a sync of one deal would send to NetSuite (writes nothing)"
    )
    preview.add_argument("opportunity_id", metavar="OPPORTUNITY_ID")
    return [check, preview, add_link_parser(sub)]


def cmd_check(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    """Exit 0 only when every check passes."""
    from closedwon_cli.check import run_checks
    from closedwon_cli.product import product_container

    results = run_checks(product_container(backend), backend.concurrency_limit)
    passed = all(r.ok for r in results)
    if args.json:
        render.emit_json({"ok": passed, "checks": [r.to_json() for r in results]}, out)
    else:
        rows = [(r.name, "ok" if r.ok else "FAIL", r.detail, r.fix) for r in results]
        out.write(render.table(rows, ("check", "result", "detail", "to fix")) + "\n")
        out.write(("all checks passed" if passed else "some checks failed") + "\n")
    return 0 if passed else 1


def cmd_preview(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    """The records a sync would write, and how; exit 1 when the deal is invalid."""
    from closedwon.errors import InvalidDeal
    from closedwon_cli.preview import preview
    from closedwon_cli.product import product_container

    if not is_salesforce_id(args.opportunity_id):
        raise CliError(f"'{args.opportunity_id[:40]}' is not a Salesforce opportunity id")
    try:
        document = preview(product_container(backend), to_18(args.opportunity_id))
    except InvalidDeal as exc:
        document = {
            "opportunityId": to_18(args.opportunity_id),
            "status": "Invalid",
            "error": str(exc),
        }
    if args.json:
        render.emit_json(document, out)
    else:
        out.write(f"{document['opportunityId']}: {document['status']}\n")
        for key in ("skipReason", "error"):
            if document.get(key):
                out.write(f"  {document[key]}\n")
        records = document.get("records") or []
        rows = [
            (r["recordType"], r["externalId"], r["action"], ", ".join(r["changedFields"]))
            for r in records
        ]
        if rows:
            out.write(render.table(rows, ("record", "externalId", "action", "changes")) + "\n")
            for r in records:
                out.write(f"\n{r['recordType']} {r['externalId']}:\n")
                out.write(json.dumps(r["payload"], indent=2, default=str) + "\n")
            rounding = document["rounding"]
            out.write(f"\nrounding: {rounding['delta']} {rounding['currency']}\n")
    return 1 if document["status"] == "Invalid" else 0


def add_link_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """``link customers [--out FILE] [--apply FILE]``."""
    link = sub.add_parser(
        "link",
        help="pair accounts with existing NetSuite customers before go-live (review CSV, apply)",
    )
    link.add_argument("what", choices=("customers",), help="what to link")
    link.add_argument(
        "--out", type=Path, metavar="FILE", help="write the proposals here (default: stdout)"
    )
    link.add_argument("--apply", type=Path, metavar="FILE", help="link the reviewed rows of FILE")
    return link


def cmd_link(
    backend: Backend, args: argparse.Namespace, out: IO[str], err: IO[str], stop: StopSignal
) -> int:
    """Propose (a CSV) or apply a reviewed CSV; exit 1 when a row was refused."""
    from closedwon_cli import link
    from closedwon_cli.product import product_container

    container = product_container(backend)
    if args.apply is None:
        proposals = link.propose(container)
        if args.out is not None:
            with args.out.open("w", newline="", encoding="utf-8") as handle:
                link.write_csv(proposals, handle)
            err.write(f"{len(proposals)} proposals written to {args.out}\n")
        else:
            link.write_csv(proposals, out)
        return 0
    rows = link.read_csv(args.apply)
    problems: list[str] = []
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if args.progress != "none":
            err.write(f"\rlinking {done}/{len(rows)}")

    summary = link.apply(container, rows, on_row=tick, problems=problems)
    if rows and args.progress != "none":
        err.write("\n")
    if args.json:
        render.emit_json({**summary.to_json(), "problems": problems}, out)
    else:
        out.write(
            f"linked {summary.linked}, already linked {summary.already}, "
            f"ambiguous (not applied) {summary.ambiguous}, refused {summary.refused}\n"
        )
        for problem in problems:
            out.write(f"  {problem}\n")
    return 1 if problems else 0
