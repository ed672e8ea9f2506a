"""Every user error of both command lines is one line on stderr and exit 2, never a traceback,
and nothing is started (the offline stack is not even brought up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from closedwon_cli.main import main as closedwon
from offline.cli import main as offline
from tests.conftest import ROOT

OPP = "0065f0000000001AAA"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    written = {
        "list.json": "[1, 2]",
        "broken.json": '{"orgId": ',
        "no-org-id.json": '{"records": {}}',
        "bad-org-id.json": '{"orgId": "00D not an id"}',
        "dlq-of-numbers.json": "[1, 2]",
        "dlq.json": json.dumps([{"opportunityId": OPP, "executionArn": "arn:x"}]),
    }
    for name, text in written.items():
        (tmp_path / name).write_text(text)
    return {name.removesuffix(".json"): str(tmp_path / name) for name in written} | {
        "missing": str(tmp_path / "missing.json"),
        "state": str(tmp_path / "state"),
    }


CLOSEDWON_ERRORS = [
    (["--org", "{missing}", "replay", OPP], "--org {missing}: cannot be read"),
    (["--org", "{broken}", "replay", OPP], "--org {broken}: not JSON"),
    (["--org", "{list}", "replay", OPP], "--org {list}: must hold one JSON object"),
    (["--org", "{no-org-id}", "replay", OPP], "'orgId' must be the org's Salesforce id"),
    (["--org", "{bad-org-id}", "redrive"], "'orgId' must be the org's Salesforce id"),
    (["--netsuite-seed", "{missing}", "replay", OPP], "--netsuite-seed {missing}: cannot be"),
    (["--netsuite-seed", "{broken}", "redrive"], "--netsuite-seed {broken}: not JSON"),
    (["--config", "{missing}", "redrive"], "--config {missing}: no such file"),
    (["--param", "NetSuiteConcurrencyLimit=abc", "redrive"], "=abc: not a number"),
    (["--param", "NetSuiteConcurrencyLimit=0", "redrive"], "below the MinValue 1"),
    (["--param", "LogLevel=LOUD", "redrive"], "not one of DEBUG, INFO, WARNING, ERROR"),
    (["--param", "NetSuiteConcurencyLimit=2", "redrive"], "no such template parameter"),
    (["--param", "SalesforceSecretArn=arn:x", "redrive"], "the offline stack sets it itself"),
    (["--param", "NoEquals", "redrive"], "is not KEY=VALUE"),
    (["replay", "{missing}"], "{missing}: cannot be read"),
    (["replay", "{broken}"], "{broken}: not JSON"),
    (["replay", "{dlq-of-numbers}"], "not DLQ messages"),
    (["replay", "{dlq}", "--message", "2"], "--message 2: {dlq} holds 1 message(s)"),
    (["replay", OPP, "--message", "1"], "--message N is for a DLQ file"),
    (["replay", "006-nonsense"], "neither a Salesforce opportunity id nor a DLQ file"),
]


@pytest.mark.parametrize(("argv", "says"), CLOSEDWON_ERRORS)
def test_given_a_bad_offline_input_then_closedwon_exits_2_with_one_line(
    files, capsys, argv, says
) -> None:
    argv = [a.format(**files) for a in argv]
    assert closedwon(["--offline", files["state"], *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and says.format(**files) in err, err
    assert not Path(files["state"]).exists()  # nothing was started


OFFLINE_ERRORS = [
    (["run", "--org", "{missing}"], "--org {missing}: cannot be read"),
    (["run", "--org", "{list}"], "--org {list}: must hold one JSON object"),
    (["run", "--netsuite-seed", "{broken}"], "--netsuite-seed {broken}: not JSON"),
    (["run", "--config", "{missing}"], "--config {missing}: no such file"),
    (["replay", OPP, "--org", "{no-org-id}"], "'orgId' must be the org's Salesforce id"),
    (["replay", "{dlq}", "--message", "x"], "'x' is not a whole number"),
    (["redrive", "--max", "0"], "'0' must be at least 1"),
    (["netsuite", "serve", "--netsuite-seed", "{missing}"], "--netsuite-seed {missing}"),
]


@pytest.mark.parametrize(("argv", "says"), OFFLINE_ERRORS)
def test_given_a_bad_input_then_python_m_offline_exits_2_with_one_line(
    files, capsys, argv, says
) -> None:
    argv = [a.format(**files) for a in argv]
    if argv[0] in ("run", "replay", "redrive", "netsuite"):
        argv += ["--state", files["state"]]
    try:
        code = offline(argv)
    except SystemExit as exit_:  # argparse's own usage errors (usage line + one error line)
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert says.format(**files) in err.splitlines()[-1], err
    assert "Traceback" not in err


def test_a_bad_org_file_prints_no_traceback_from_the_installed_command(files) -> None:
    for argv in (
        ["closedwon_cli", "--offline", files["state"], "--org", files["broken"], "redrive"],
        ["offline", "run", "--state", files["state"], "--org", files["broken"]],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr
