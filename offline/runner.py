"""Run relayed events through the offline stack the way the cloud would, and report per deal.

rule pattern (from template.yaml) -> state machine execution -> result. The report format is
the user-facing contract of ``python -m offline run --report`` (docs/offline.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from closedwon.events import unmatched_reason
from closedwon.outcome import Outcome, drift_of, netsuite_records, outcome_of
from closedwon_cli.inputs import opportunity_of
from offline.stack import ExecutionResult, OfflineStack

#: Report statuses of an event that started no execution.
UNMATCHED = "Unmatched"
UNREADABLE = "Unreadable"


@dataclass
class DealReport:
    event: str
    opportunityId: str | None
    #: An :class:`~closedwon.outcome.Outcome` value (Synced, Skipped, Drift, Failed), or
    #: Unmatched (no rule delivers the event) or Unreadable (the event file is not an event).
    status: str
    error: dict[str, str] | None = None
    netsuite: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    salesforceCalls: int = 0
    netsuiteCalls: int = 0
    executionArn: str | None = None
    skipReason: str | None = None
    writeBack: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ended_well(self) -> bool:
        return self.status in (Outcome.SYNCED, Outcome.SKIPPED)


def unreadable(label: str, problem: str) -> DealReport:
    """The report of an event file that could not be read as an event (nothing was started)."""
    return DealReport(
        event=label,
        opportunityId=None,
        status=UNREADABLE,
        error={"type": UNREADABLE, "message": problem},
    )


class Runner:
    def __init__(self, stack: OfflineStack) -> None:
        self.stack = stack

    def run_event(self, event: dict[str, Any], label: str = "event") -> DealReport:
        opportunity = opportunity_of(event)
        if (
            isinstance(event, dict)
            and "trigger" not in event
            and self.stack.matching_rule(event) is None
        ):
            return DealReport(
                event=label,
                opportunityId=opportunity,
                status=UNMATCHED,
                error={
                    "type": UNMATCHED,
                    "message": "no rule in template.yaml matches this event: "
                    + unmatched_reason(event, org_id=self.stack.org_id),
                },
            )
        sf_before = self.stack.salesforce.api_calls
        ns_before = self.stack.netsuite_api_calls()
        result = self.stack.run_execution(event)
        report = self.report(label, opportunity, result)
        report.salesforceCalls = self.stack.salesforce.api_calls - sf_before
        report.netsuiteCalls = self.stack.netsuite_api_calls() - ns_before
        return report

    def report(self, label: str, opportunity: str | None, result: ExecutionResult) -> DealReport:
        outcome = outcome_of(result.status, result.output)
        if outcome is not Outcome.FAILED and result.output is not None:
            out = result.output
            return DealReport(
                event=label,
                opportunityId=out.get("opportunityId") or opportunity,
                status=outcome.value,
                error=(
                    {"type": "Drift", "message": "\n".join(drift_of(out))}
                    if outcome is Outcome.DRIFT
                    else None
                ),
                netsuite=netsuite_records(out),
                executionArn=result.arn,
                skipReason=out.get("skipReason"),
                writeBack=out.get("writeBack"),
            )
        message = self.dlq_message(result.arn)
        if message is not None:
            error = {
                "type": message.get("errorClass", "Unexpected"),
                "message": message.get("errorMessage", ""),
            }
            opportunity = message.get("opportunityId") or opportunity
        else:
            error = {"type": result.error or result.status, "message": result.cause or ""}
        return DealReport(
            event=label,
            opportunityId=opportunity,
            status=Outcome.FAILED.value,
            error=error,
            executionArn=result.arn,
        )

    def dlq_message(self, execution_arn: str) -> dict[str, Any] | None:
        for message in self.stack.dlq_messages():
            if message["body"].get("executionArn") == execution_arn:
                return dict(message["body"])
        return None


def load_event(path: Path) -> dict[str, Any]:
    """The event in an event file; ``ValueError`` saying why when it holds none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an event file must hold one JSON object")
    return data
