"""What the commands read about executions and DLQ messages, whichever stack they act on."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from closedwon.outcome import Outcome, drift_of, netsuite_records, outcome_of
from closedwon_cli.history import dlq_message_in, steps_of

#: The Fail state every failed deal ends in, after its DLQ message was sent (statemachine/).
DEAL_FAILED_ERROR = "DealSyncFailed"


@dataclass
class Execution:
    """One execution's state, enough to pace and count (no history)."""

    arn: str
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | UNKNOWN (not found)
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    start_date: str | None = None
    stop_date: str | None = None

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.status, self.output)

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    @property
    def sent_to_dlq(self) -> bool:
        """The execution failed through RecordFailure/SendToDLQ: its deal has a (new) DLQ message."""
        return self.status == "FAILED" and self.error == DEAL_FAILED_ERROR


@dataclass
class ExecutionReport:
    """What ``status`` and ``replay`` show for one execution: its steps, how it failed, what it
    wrote."""

    executionArn: str
    name: str
    status: str
    outcome: Outcome
    startDate: str | None
    stopDate: str | None
    steps: list[dict[str, Any]] = field(default_factory=list)
    netsuite: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    error: str | None = None
    failure: dict[str, Any] | None = None  # failedStep, errorClass, errorMessage, permanent
    skipReason: str | None = None
    #: A drifted deal's differences (docs/mapping.md §9.4), one per line.
    drift: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["outcome"] = Outcome(self.outcome).value
        return document


@dataclass
class DlqMessage:
    """One DLQ message as a redrive holds it (docs/dlq-message.md has the body's fields)."""

    body: dict[str, Any]
    receipt_handle: str
    message_id: str

    @property
    def execution_arn(self) -> str | None:
        arn = self.body.get("executionArn")
        return str(arn) if arn else None


def iso(value: Any) -> str | None:
    """A timestamp (datetime, or the journal's str(datetime)) as ISO 8601 UTC to the second."""
    if value in (None, ""):
        return None
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def failure_summary(message: dict[str, Any] | None) -> dict[str, Any] | None:
    """The fields of a DLQ message that say how the deal failed."""
    if not message:
        return None
    keys = ("failedStep", "errorClass", "errorMessage", "permanent", "attempts")
    return {k: message.get(k) for k in keys if k in message}


def execution_from(desc: dict[str, Any]) -> Execution:
    """An :class:`Execution` from a DescribeExecution response."""
    output = json.loads(desc["output"]) if desc.get("output") else None
    return Execution(
        arn=str(desc["executionArn"]),
        status=str(desc["status"]),
        output=output if isinstance(output, dict) else None,
        error=desc.get("error"),
        cause=desc.get("cause"),
        start_date=iso(desc.get("startDate")),
        stop_date=iso(desc.get("stopDate")),
    )


def report_from_history(desc: dict[str, Any], history: list[dict[str, Any]]) -> ExecutionReport:
    """An :class:`ExecutionReport` from DescribeExecution and GetExecutionHistory."""
    execution = execution_from(desc)
    output = execution.output or {}
    return ExecutionReport(
        executionArn=execution.arn,
        name=execution.name,
        status=execution.status,
        outcome=execution.outcome,
        startDate=execution.start_date,
        stopDate=execution.stop_date,
        steps=steps_of(history),
        netsuite=netsuite_records(output) if execution.status == "SUCCEEDED" else {},
        error=execution.error,
        failure=failure_summary(dlq_message_in(history)),
        skipReason=output.get("skipReason"),
        drift=drift_of(output),
    )
