"""`closedwon status` shows a drifted deal's differences (docs/mapping.md §9.4, docs/runbook.md)."""

from __future__ import annotations

import io

from closedwon.outcome import Outcome, drift_of, outcome_of
from closedwon_cli import render
from closedwon_cli.executions import ExecutionReport

DIFFERENCE = "SF-SUB-006-a0r: PRO-SEATS quantity 40 in NetSuite, 50 on the quote"


def test_given_a_drifted_execution_then_its_outcome_is_drift_and_each_difference_is_shown() -> None:
    output = {"status": "Ready", "writeBack": {"status": "Drift", "drift": [DIFFERENCE]}}
    assert outcome_of("SUCCEEDED", output) is Outcome.DRIFT
    assert outcome_of("SUCCEEDED", {"writeBack": {"status": "Synced"}}) is Outcome.SYNCED
    report = ExecutionReport(
        executionArn="arn:x",
        name="run-1",
        status="SUCCEEDED",
        outcome=Outcome.DRIFT,
        startDate=None,
        stopDate=None,
        drift=drift_of(output),
    )
    out = io.StringIO()
    render.status("006", [report], "offline", out)
    assert f"    - {DIFFERENCE}" in out.getvalue()
    assert "run-1  Drift (SUCCEEDED)" in out.getvalue()
