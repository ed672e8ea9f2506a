"""Every command end to end against the offline stack (moto + the Salesforce and NetSuite doubles)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from closedwon_cli.backfill import Backfill, BackfillOptions
from closedwon_cli.main import main
from closedwon_cli.offline_backend import OfflineBackend
from offline.corpus import netsuite_seed
from offline.demo_backfill import SINCE, UNTIL, historical_org
from offline.journal import load_dlq
from offline.netsuite_double import NetSuiteDouble
from offline.stack import DEFAULT_CONFIG, DEFAULT_SEED, StackOptions
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

OPP = "0065f0000000001AAA"


def assert_no_duplicates(dump: dict) -> None:
    for kind, records in dump.items():
        twice = [eid for eid, n in Counter(r["externalId"] for r in records).items() if n > 1]
        assert not twice, f"{kind} written twice: {twice}"


def test_backfill_interrupted_resumed_and_repeated(tmp_path, capsys) -> None:
    snapshot, ids = historical_org(30, synced_every=10)
    org, seed, state, ck = (tmp_path / n for n in ("org.json", "seed.json", "state", "ck.json"))
    org.write_text(json.dumps(snapshot))
    seed.write_text(json.dumps(netsuite_seed()))
    to_sync = set(ids["inRange"]) - set(ids["alreadySynced"])
    assert len(to_sync) == 27

    # 1. Interrupted (Ctrl-C) after 8 starts: the running executions finish, the rest waits.
    backend = OfflineBackend(
        StackOptions(
            state_dir=state, org_path=org, seed_path=seed, lambda_log_path=tmp_path / "l.log"
        )
    )

    def ctrl_c(_: str, started: int) -> None:
        if started == 8:
            raise KeyboardInterrupt

    try:
        first = Backfill(
            backend, BackfillOptions(SINCE, UNTIL, checkpoint=ck), on_started=ctrl_c
        ).run()
        first_in_flight = backend.observed()["netsuiteMaxInFlight"]
    finally:
        backend.close()
    assert first.interrupted and first.exit_code == 130
    assert (first.found, first.started, first.synced, first.running) == (30, 8, 8, 0)
    assert (first.alreadySynced, first.pending) == (3, 19)
    assert first_in_flight <= first.concurrency == 4

    # 2. The same command again resumes from the checkpoint (through the CLI, as a new process would).
    target = ["--offline", str(state), "--org", str(org), "--netsuite-seed", str(seed)]
    command = ["backfill", "--since", SINCE, "--until", UNTIL, "--checkpoint", str(ck)]
    assert main([*target, "--json", "--progress", "lines", *command]) == 0
    captured = capsys.readouterr()
    resumed = json.loads(captured.out)
    assert resumed["resumed"] and resumed["complete"] and resumed["runId"] == first.runId
    assert (resumed["found"], resumed["started"], resumed["synced"], resumed["startedNow"]) == (
        30,
        27,
        27,
        19,
    )
    assert (
        resumed["alreadySynced"],
        resumed["failedToStart"],
        resumed["failed"],
        resumed["pending"],
    ) == (3, 0, 0, 0)
    assert resumed["maxRunning"] <= 4 and resumed["observed"]["netsuiteMaxInFlight"] <= 4
    assert (
        "backfill: 30/30 deals done (100%)" in captured.err
    )  # plain progress lines off a terminal

    dump = NetSuiteDouble(state / "netsuite").dump()
    assert_no_duplicates(dump)
    subscribed = {s["externalId"].split("-")[2] for s in dump["subscription"]}
    assert subscribed == to_sync  # already-synced, lost and out-of-range deals: no NetSuite writes
    assert len(dump["customer"]) == 27

    # 3. Once more: everything is synced now, nothing starts (human output).
    assert main([*target, *command]) == 0
    out = capsys.readouterr().out
    assert ": complete" in out
    assert [
        line.split()[:3]
        for line in out.splitlines()
        if line.strip().startswith(("started", "already"))
    ] == [
        ["started", "0", "executions"],
        ["already", "synced", "30"],
    ]
    assert NetSuiteDouble(state / "netsuite").dump() == dump  # not one NetSuite write

    # 4. A dry run of a fresh checkpoint lists nothing to start either.
    assert (
        main(
            [
                *target,
                "backfill",
                "--since",
                SINCE,
                "--until",
                UNTIL,
                "--dry-run",
                "--checkpoint",
                str(tmp_path / "dry.json"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "30 won opportunities closed in the range: 0 would start, 30 already synced" in out
    assert not (tmp_path / "dry.json").exists()


def config_with(tmp_path: Path, **netsuite) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["netsuite"].update(netsuite)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_replay_redrive_and_status(tmp_path, capsys) -> None:
    # NetSuite has no billing schedule 99 yet: the deal fails at the billing account.
    state = tmp_path / "state"
    seed = json.loads(DEFAULT_SEED.read_text())
    broken, fixed = tmp_path / "seed.json", tmp_path / "fixed-seed.json"
    broken.write_text(json.dumps(seed))
    seed["billingSchedule"].append({"id": "99", "name": "Charge-Based Quarterly"})
    fixed.write_text(json.dumps(seed))
    target = [
        "--offline",
        str(state),
        "--config",
        str(config_with(tmp_path, billing_schedule_id="99")),
    ]

    assert main([*target, "--netsuite-seed", str(broken), "replay", OPP]) == 1
    out = capsys.readouterr().out
    assert f"replay {OPP}: started replay-{OPP}-" in out
    assert "Failed (FAILED)" in out
    assert (
        "failed in UpsertBillingAccount: RejectedByNetSuite (permanent: fix the cause first)" in out
    )
    (first_failure,) = load_dlq(state)

    assert main([*target, "status", OPP, "--json"]) == 1  # the latest execution failed
    (failed,) = json.loads(capsys.readouterr().out)["executions"]
    assert failed["outcome"] == "Failed" and failed["error"] == "DealSyncFailed"
    assert failed["failure"]["errorClass"] == "RejectedByNetSuite"
    assert "billingSchedule" in failed["failure"]["errorMessage"]
    assert [s["name"] for s in failed["steps"]][:4] == [
        "LoadDeal",
        "UpsertCustomer",
        "UpsertContacts",
        "UpsertBillingAccount",
    ]
    assert (
        failed["steps"][3]["status"] == "caught"
        and failed["steps"][3]["error"] == "RejectedByNetSuite"
    )

    # Redrive while still broken: the restart fails again; its newer message replaces the old one.
    assert main([*target, "--netsuite-seed", str(broken), "redrive"]) == 1
    out = capsys.readouterr().out
    assert "failed again: its new DLQ message replaces this one" in out
    (second_failure,) = load_dlq(state)
    assert second_failure["executionArn"] != first_failure["executionArn"]
    assert f"redrive-{OPP}-" in second_failure["executionArn"]

    # The NetSuite admin creates billing schedule 99: the redrive syncs it and empties the DLQ.
    assert main([*target, "--netsuite-seed", str(fixed), "redrive", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["received"], summary["synced"], summary["deleted"], summary["kept"]) == (
        1,
        1,
        1,
        0,
    )
    assert load_dlq(state) == []

    assert main([*target, "status", OPP]) == 0
    out = capsys.readouterr().out
    assert f"Opportunity {OPP}: 3 execution(s), newest first" in out
    newest = out.split("\n\n")[1]
    assert "redrive-" in newest and "Synced (SUCCEEDED)" in newest
    assert "customer          SF-0015f0000000001AAA" in newest
    assert out.count("Failed (FAILED)") == 2
    dump = NetSuiteDouble(state / "netsuite").dump()
    assert_no_duplicates(dump)
    assert len(dump["subscription"]) == 2


def test_usage_errors_exit_2_without_starting_anything(tmp_path, capsys) -> None:
    state = ["--offline", str(tmp_path / "state")]
    assert main([*state, "backfill", "--since", "2025-12-31", "--until", "2025-01-01"]) == 2
    assert "is after --until" in capsys.readouterr().err
    assert main([*state, "backfill", "--since", "2025-1-1"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main([*state, "replay", OPP, "--no-wait"]) == 2
    assert main([*state, "status", "not-an-id"]) == 2
    assert main([*state, "status", OPP]) == 2  # no offline state there
    assert not (tmp_path / "state").exists()
    assert main(["status", OPP]) == 2
    assert "--stack NAME" in capsys.readouterr().err


def test_status_lists_two_restarts_in_the_same_second_newest_first(tmp_path) -> None:
    from closedwon_cli.offline_backend import OfflineBackend
    from offline import journal
    from offline.stack import StackOptions

    for name, status in (("redrive-a", "FAILED"), ("redrive-b", "SUCCEEDED")):
        journal.record_execution(
            tmp_path,
            {
                "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
                "opportunityId": OPP,
                "status": status,
                "startDate": "2026-11-27 09:08:38.100000+00:00",
                "stopDate": "2026-11-27 09:08:38.900000+00:00",
                "steps": [],
                "netsuite": {},
            },
        )
    reports = OfflineBackend(StackOptions(state_dir=tmp_path)).executions_for(OPP)
    assert [r.name for r in reports] == ["redrive-b", "redrive-a"]


def test_python_m_offline_run_reports_a_bad_event_file_and_goes_on(tmp_path, capsys) -> None:
    from offline.cli import main as offline

    bad, report = tmp_path / "bad.json", tmp_path / "report.json"
    bad.write_text("[]")
    missing = tmp_path / "missing.json"
    good = ROOT / "events" / "opportunity_closed_won.json"
    argv = ["run", str(bad), str(missing), str(good), "--state", str(tmp_path / "state")]
    assert offline([*argv, "--report", str(report), "--json"]) == 1  # something did not sync
    deals = json.loads(report.read_text())["deals"]
    assert [(d["event"], d["status"]) for d in deals] == [
        (str(bad), "Unreadable"),
        (str(missing), "Unreadable"),
        (str(good), "Synced"),
    ]
    assert "must hold one JSON object" in deals[0]["error"]["message"]
    assert "cannot be read" in deals[1]["error"]["message"]
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in err] == [str(bad), str(missing)]


def test_replay_takes_the_dlq_file_the_offline_stack_writes(tmp_path, capsys) -> None:
    from offline.cli import main as offline

    state = tmp_path / "state"
    seed = json.loads(DEFAULT_SEED.read_text())
    broken, fixed = tmp_path / "seed.json", tmp_path / "fixed-seed.json"
    broken.write_text(json.dumps(seed))
    seed["billingSchedule"].append({"id": "99", "name": "Charge-Based Quarterly"})
    fixed.write_text(json.dumps(seed))
    config = str(config_with(tmp_path, billing_schedule_id="99"))
    common = ["--state", str(state), "--config", config]
    assert offline(["run", *common, "--netsuite-seed", str(broken)]) == 1
    (failed,) = load_dlq(state)
    capsys.readouterr()

    # 1. One message of STATE/dlq.json, through `closedwon`: replayed, and left on the DLQ.
    target = ["--offline", str(state), "--config", config, "--netsuite-seed", str(fixed)]
    dlq = str(state / "dlq.json")
    assert main([*target, "--json", "replay", dlq, "--message", "1"]) == 0
    batch = json.loads(capsys.readouterr().out)
    (replayed,) = batch["replays"]
    assert (batch["messages"], replayed["messages"]) == (1, [1])
    assert replayed["opportunityId"] == OPP and replayed["report"]["outcome"] == "Synced"
    assert replayed["executionName"].startswith(f"replay-{OPP}-")
    assert load_dlq(state) == [failed]  # replay reads the file; redrive is what deletes

    # 2. Every message of a file, through `python -m offline replay` (the same code and output):
    # a message naming no deal is reported and the others are replayed.
    messages = tmp_path / "messages.json"
    messages.write_text(json.dumps([failed, {"version": "1", "opportunityId": None}]))
    restart = [*common, "--netsuite-seed", str(fixed)]
    assert offline(["replay", str(messages), *restart]) == 1
    out = capsys.readouterr().out
    assert f"message 1 of {messages}:\nreplay {OPP}: started replay-{OPP}-" in out
    assert "Synced (SUCCEEDED)" in out
    assert f"message 2 of {messages}: no opportunity id in the message" in out

    # 3. `python -m offline redrive` is `closedwon redrive`: the message goes once it synced.
    assert offline(["redrive", *restart]) == 0
    out = capsys.readouterr().out
    assert "Redrive: 1 DLQ message(s) received" in out and "1 message(s) deleted" in out
    assert load_dlq(state) == []
    assert_no_duplicates(NetSuiteDouble(state / "netsuite").dump())
