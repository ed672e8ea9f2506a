"""What an execution takes and gives, shared by the offline stack and the operator CLI.

Deliberately free of moto and the doubles: ``closedwon`` (the operator CLI) imports it against a
deployed stack too.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from closedwon.events import is_salesforce_id, to_18


def replay_input(
    opportunity_id: str,
    org_id: str,
    *,
    trigger: Literal["REPLAY", "BACKFILL"] = "REPLAY",
    event_id: str | None = None,
) -> dict[str, Any]:
    """A state machine input that re-syncs one opportunity (what replay, redrive and backfill start).

    ``event_id`` defaults to a fresh one; pass a stable one (e.g. the execution name) when the same
    start may be retried, since Step Functions treats a reused name with the same input as the
    same execution.
    """
    if not is_salesforce_id(opportunity_id):
        raise ValueError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
    return {
        "trigger": {
            "contractVersion": "1",
            "trigger": trigger,
            "opportunityId": to_18(opportunity_id),
            "salesforceOrgId": to_18(org_id),
            "eventBridgeEventId": event_id or f"{trigger.lower()}-{uuid.uuid4()}",
        }
    }


def opportunity_of(event: dict[str, Any]) -> str | None:
    """The opportunity an execution input is about (relayed event or ``{"trigger": ...}``)."""
    if not isinstance(event, dict):
        return None  # not an event at all: LoadDeal answers InvalidEvent
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
    amendment = output.get("amendment") or {}
    for order in amendment.get("changeOrders") or []:
        add("subscriptionChangeOrder", order.get("externalId"), order.get("id"))
    return records
