"""Run relayed events through the offline stack the way the cloud would, and report per deal.

rule pattern (from template.yaml) -> state machine execution -> result. The report format is
the user-facing contract of ``python -m offline run --report`` (docs/offline.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from offline.stack import ExecutionResult, OfflineStack


@dataclass
class DealReport:
    event: str
    opportunityId: str | None
    status: str  # Synced | Skipped | Failed | Unmatched
    error: dict[str, str] | None = None
    netsuite: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    salesforceCalls: int = 0
    netsuiteCalls: int = 0
    executionArn: str | None = None
    skipReason: str | None = None
    writeBack: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def opportunity_of(event: dict[str, Any]) -> str | None:
    payload = (
        (event.get("detail") or {}).get("payload") or {}
        if isinstance(event.get("detail"), dict)
        else {}
    )
    if isinstance(payload, dict):
        if payload.get("Opportunity_Id__c"):
            return str(payload["Opportunity_Id__c"])
        ids = (payload.get("ChangeEventHeader") or {}).get("recordIds") or []
        if ids:
            return str(ids[0])
    trigger = event.get("trigger")
    return (
        str(trigger.get("opportunityId"))
        if isinstance(trigger, dict) and trigger.get("opportunityId")
        else None
    )


def netsuite_records(output: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """NetSuite externalId/id pairs the execution wrote or found, by record type."""
    records: dict[str, list[dict[str, str]]] = {}

    def add(record_type: str, external_id: str | None, internal_id: str | None) -> None:
        if external_id and internal_id:
            entry = {"externalId": external_id, "id": str(internal_id)}
            if entry not in records.setdefault(record_type, []):
                records[record_type].append(entry)

    customer = output.get("customer") or {}
    add("customer", customer.get("externalId"), customer.get("id"))
    for contact in output.get("contacts") or []:
        add("contact", contact.get("externalId"), contact.get("id"))
    account = output.get("billingAccount") or {}
    add("billingAccount", account.get("externalId"), account.get("id"))
    for package in output.get("packages") or []:
        plan = package.get("plan") or {}
        add("subscriptionTerm", plan.get("termExternalId"), plan.get("termId"))
        add("subscriptionPlan", plan.get("planExternalId"), plan.get("planId"))
        for price_plan in plan.get("pricePlans") or []:
            add("pricePlan", price_plan.get("externalId"), price_plan.get("id"))
        add("priceBook", plan.get("priceBookExternalId"), plan.get("priceBookId"))
        sub = package.get("subscription") or {}
        add("subscription", sub.get("externalId"), sub.get("id"))
    return records


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
                status="Unmatched",
                error={
                    "type": "Unmatched",
                    "message": "no rule in template.yaml matches this event (org, source or detail-type)",
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
        if result.status == "SUCCEEDED" and result.output is not None:
            out = result.output
            status = "Skipped" if out.get("status") == "Skipped" else "Synced"
            return DealReport(
                event=label,
                opportunityId=out.get("opportunityId") or opportunity,
                status=status,
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
            status="Failed",
            error=error,
            executionArn=result.arn,
        )

    def dlq_message(self, execution_arn: str) -> dict[str, Any] | None:
        for message in self.stack.dlq_messages():
            if message["body"].get("executionArn") == execution_arn:
                return dict(message["body"])
        return None


def load_event(path: Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an event file must hold one JSON object")
    return data
