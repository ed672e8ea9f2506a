"""Backfill a year of generated historical deals offline, interrupted with Ctrl-C and resumed.

    python -m offline.demo_backfill [--deals 500] [--interrupt-after 200] [--state DIR]
    python -m offline.demo_backfill --deals 12 --state DIR --org-only   # just the data

1. Generates an org of DEALS won opportunities closed across 2025 (every 25th already marked
   Synced in Salesforce, plus a lost deal and two deals outside the range) and a NetSuite seed.
2. Runs ``closedwon --offline STATE backfill --since 2025-01-01 --until 2025-12-31`` as a child
   process with a progress bar, and sends it SIGINT (Ctrl-C) once the checkpoint records
   INTERRUPT_AFTER started executions.
3. Runs the same command again: it resumes from the checkpoint.
4. Runs it a third time: everything is synced by then, nothing starts.
5. Checks the NetSuite double: no external id twice, a subscription for every started deal and
   none for the deals that were already synced; prints the counts, NetSuite's maximum requests
   in flight against the cap, and the wall times.

Exit code 0 when every check holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from offline.corpus import OrgBuilder, netsuite_seed
from offline.template import ROOT

SINCE, UNTIL = "2025-01-01", "2025-12-31"


def historical_org(
    deals: int, *, synced_every: int = 25, seed: int = 7
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """An org snapshot of ``deals`` won deals closed across 2025, and which ids are which.

    Returns the snapshot and ``{"inRange": [...], "alreadySynced": [...], "outOfRange": [...],
    "lost": [...]}`` (the already-synced ids are in range too).
    """
    org = OrgBuilder(seed=seed)
    start = dt.date.fromisoformat(SINCE)
    ids: dict[str, list[str]] = {"inRange": [], "alreadySynced": [], "outOfRange": [], "lost": []}

    def deal(index: int, close_date: dt.date) -> dict[str, Any]:
        opportunity_id = org.random_deal(index)
        record: dict[str, Any] = org.records["Opportunity"][-1]
        assert record["Id"] == opportunity_id
        record["CloseDate"] = close_date.isoformat()
        return record

    for i in range(deals):
        record = deal(i + 1, start + dt.timedelta(days=(i * 365) // deals))
        ids["inRange"].append(record["Id"])
        if synced_every and i % synced_every == synced_every - 1:
            record["NetSuite_Sync_Status__c"] = "Synced"
            ids["alreadySynced"].append(record["Id"])
    for index, close_date in (
        (deals + 1, start - dt.timedelta(days=1)),
        (deals + 2, dt.date(2026, 1, 1)),
    ):
        ids["outOfRange"].append(deal(index, close_date)["Id"])
    lost = deal(deals + 3, dt.date(2025, 6, 30))
    lost.update(IsWon=False, StageName="Closed Lost")
    ids["lost"].append(lost["Id"])
    return org.snapshot(), ids


def _run(
    argv: list[str], *, interrupt_after: int | None, checkpoint: Path
) -> tuple[int, dict[str, Any], float]:
    """Run the CLI as a child process (stderr shown live); SIGINT it after N recorded starts."""
    started = time.perf_counter()
    # From the checkout's root, where `python -m closedwon_cli` finds the offline stack.
    child = subprocess.Popen(
        [sys.executable, "-m", "closedwon_cli", *argv], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    if interrupt_after is not None:
        while child.poll() is None:
            try:
                deals = json.loads(checkpoint.read_text(encoding="utf-8"))["deals"]
            except (OSError, ValueError, KeyError):
                deals = {}
            if sum(1 for d in deals.values() if "executionArn" in d) >= interrupt_after:
                child.send_signal(signal.SIGINT)
                print(
                    f"\n[demo] sent SIGINT after {interrupt_after} recorded starts",
                    file=sys.stderr,
                    flush=True,
                )
                break
            time.sleep(0.05)
    out, _ = child.communicate()
    return child.returncode, json.loads(out), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.demo_backfill")
    parser.add_argument("--deals", type=int, default=500)
    parser.add_argument("--interrupt-after", type=int, default=200)
    parser.add_argument("--state", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--netsuite-latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--org-only",
        action="store_true",
        help="only write STATE/org.json and STATE/seed.json (to try the commands by hand)",
    )
    args = parser.parse_args(argv)

    work = (args.state or Path(tempfile.mkdtemp(prefix="closedwon-backfill-demo-"))).absolute()
    if work.exists() and any(work.iterdir()):
        parser.error(f"--state {work} is not empty: give a new folder")
    work.mkdir(parents=True, exist_ok=True)
    snapshot, ids = historical_org(args.deals)
    (work / "org.json").write_text(json.dumps(snapshot), encoding="utf-8")
    (work / "seed.json").write_text(json.dumps(netsuite_seed()), encoding="utf-8")
    if args.org_only:
        print(json.dumps({"org": str(work / "org.json"), "seed": str(work / "seed.json"), **ids}))
        return 0
    checkpoint = work / "checkpoint.json"
    command = [
        "--offline",
        str(work / "state"),
        "--org",
        str(work / "org.json"),
        "--netsuite-seed",
        str(work / "seed.json"),
        "--netsuite-latency-ms",
        str(args.netsuite_latency_ms),
        "--json",
        "--progress",
        "bar",
        "backfill",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--checkpoint",
        str(checkpoint),
    ]
    print(
        f"[demo] {args.deals} won deals closed in 2025 ({len(ids['alreadySynced'])} already synced), work folder {work}",
        file=sys.stderr,
    )
    print(f"[demo] closedwon {' '.join(command)}", file=sys.stderr, flush=True)
    runs: list[dict[str, Any]] = []
    for label, interrupt in (
        ("first run, interrupted", args.interrupt_after),
        ("resumed", None),
        ("again", None),
    ):
        print(f"\n[demo] {label}", file=sys.stderr, flush=True)
        code, summary, seconds = _run(command, interrupt_after=interrupt, checkpoint=checkpoint)
        runs.append(
            {"run": label, "exitCode": code, "seconds": round(seconds, 1), "summary": summary}
        )

    from offline.netsuite_double import NetSuiteDouble

    dump = NetSuiteDouble(work / "state" / "netsuite").dump()
    duplicates = {
        kind: [eid for eid, n in Counter(r["externalId"] for r in records).items() if n > 1]
        for kind, records in dump.items()
    }
    subscribed = {r["externalId"].split("-")[2] for r in dump.get("subscription", [])}
    expected_started = set(ids["inRange"]) - set(ids["alreadySynced"])
    first, resumed, again = (dict(r["summary"]) for r in runs)
    checks = {
        "first run was interrupted (exit 130)": runs[0]["exitCode"] == 130 and first["interrupted"],
        "resumed run completed (exit 0)": runs[1]["exitCode"] == 0 and resumed["complete"],
        "counts add up": resumed["found"] == args.deals
        and resumed["started"] == len(expected_started)
        and resumed["synced"] == len(expected_started)
        and resumed["alreadySynced"] == len(ids["alreadySynced"])
        and resumed["failedToStart"] == 0
        and resumed["started"]
        + resumed["alreadySynced"]
        + resumed["failedToStart"]
        + resumed["pending"]
        == resumed["found"],
        "resume started only the rest": first["started"] + resumed["startedNow"]
        == len(expected_started),
        "third run started nothing, all already synced": again["startedNow"] == 0
        and again["alreadySynced"] == args.deals,
        "no NetSuite record twice": not any(duplicates.values()),
        "every started deal has subscriptions": subscribed >= expected_started,
        "already-synced and out-of-range deals got no NetSuite writes": not (
            subscribed & (set(ids["alreadySynced"]) | set(ids["outOfRange"]) | set(ids["lost"]))
        ),
        "NetSuite in flight never above the cap": all(
            (r["summary"].get("observed") or {}).get("netsuiteMaxInFlight", 0)
            <= r["summary"]["concurrency"]
            for r in runs
        ),
    }
    report = {
        "deals": args.deals,
        "cap": resumed["concurrency"],
        "wallSeconds": {r["run"]: r["seconds"] for r in runs},
        "runs": [
            {
                "run": r["run"],
                "exitCode": r["exitCode"],
                **{
                    k: r["summary"][k]
                    for k in (
                        "found",
                        "started",
                        "startedNow",
                        "synced",
                        "failed",
                        "alreadySynced",
                        "failedToStart",
                        "pending",
                        "maxRunning",
                    )
                },
                "netsuiteMaxInFlight": (r["summary"].get("observed") or {}).get(
                    "netsuiteMaxInFlight"
                ),
                "netsuiteRequests": (r["summary"].get("observed") or {}).get("netsuiteRequests"),
            }
            for r in runs
        ],
        "netsuiteRecords": {kind: len(records) for kind, records in dump.items()},
        "checks": checks,
    }
    print(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
