"""Every reader of an execution (the CLI, the journal, the offline runner) agrees on its outcome,
because each asks closedwon.outcome: a final status added there is seen everywhere."""

from __future__ import annotations

import json

import pytest

from closedwon.outcome import Outcome
from closedwon_cli.executions import Execution, execution_from
from closedwon_cli.offline_backend import OfflineBackend
from offline import journal
from offline.runner import Runner
from offline.stack import ExecutionResult, StackOptions

OPP = "0065f0000000001AAA"
ARN = "arn:aws:states:us-east-1:123456789012:execution:m:replay-1"


def describe(status: str, output: dict | None) -> dict:
    """A DescribeExecution response (Step Functions API reference: DescribeExecution)."""
    return {
        "executionArn": ARN,
        "status": status,
        "input": json.dumps({"trigger": {"opportunityId": OPP}}),
        "output": json.dumps(output) if output is not None else None,
        "startDate": "2026-11-27 09:08:38+00:00",
        "stopDate": "2026-11-27 09:08:39+00:00",
        "error": "DealSyncFailed" if status == "FAILED" else None,
    }


CASES = [
    ("SUCCEEDED", {"status": "Synced", "opportunityId": OPP}, Outcome.SYNCED),
    ("SUCCEEDED", {"status": "Skipped", "opportunityId": OPP, "skipReason": "r"}, Outcome.SKIPPED),
    ("SUCCEEDED", {"status": "Drift", "opportunityId": OPP}, Outcome.DRIFT),
    ("FAILED", None, Outcome.FAILED),
    ("TIMED_OUT", None, Outcome.FAILED),
]


@pytest.mark.parametrize(("status", "output", "expected"), CASES)
def test_given_an_execution_then_the_cli_the_journal_and_the_runner_report_one_outcome(
    tmp_path, status, output, expected
) -> None:
    desc = describe(status, output)
    assert execution_from(desc).outcome is expected

    journal.record_execution(tmp_path, journal.entry(desc, history=[]))
    (entry,) = journal.executions(tmp_path, OPP)
    assert entry["outcome"] == expected.value
    (report,) = OfflineBackend(StackOptions(state_dir=tmp_path)).executions_for(OPP)
    assert report.outcome is expected

    class NoDlq:
        def dlq_messages(self) -> list:
            return []

    runner = Runner(NoDlq())  # type: ignore[arg-type]
    result = ExecutionResult(ARN, status, output, desc["error"], None)
    assert runner.report("event", OPP, result).status == expected.value


def test_an_execution_of_an_earlier_offline_process_keeps_its_outcome(tmp_path) -> None:
    desc = describe("SUCCEEDED", {"status": "Skipped", "opportunityId": OPP})
    journal.record_execution(tmp_path, journal.entry(desc, history=[]))
    backend = OfflineBackend(StackOptions(state_dir=tmp_path))

    class Moto:
        def describe(self, arn: str) -> Execution:
            return Execution(arn, "UNKNOWN")  # moto's state did not outlive that process

    backend._cloud = Moto()  # type: ignore[assignment]
    assert backend.describe(ARN).outcome is Outcome.SKIPPED
