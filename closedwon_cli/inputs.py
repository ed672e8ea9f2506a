"""What the commands give the state machine, and which deal an execution input is about."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from closedwon.events import is_salesforce_id, to_18
from closedwon_cli.errors import CliError


def restart_input(
    opportunity_id: str,
    org_id: str,
    *,
    trigger: Literal["REPLAY", "BACKFILL"] = "REPLAY",
    event_id: str | None = None,
) -> dict[str, Any]:
    """A state machine input that re-syncs one opportunity (what replay, redrive and backfill start).

    ``event_id`` defaults to a fresh one; pass a stable one (the execution name) when the same
    start may be retried, since Step Functions treats a reused name with the same input as the
    same execution.
    """
    if not is_salesforce_id(opportunity_id):
        raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
    return {
        "trigger": {
            "contractVersion": "1",
            "trigger": trigger,
            "opportunityId": to_18(opportunity_id),
            "salesforceOrgId": to_18(org_id),
            "eventBridgeEventId": event_id or f"{trigger.lower()}-{uuid.uuid4()}",
        }
    }


def opportunity_of(execution_input: Any) -> str | None:
    """The opportunity an execution input is about: a relayed event (platform event or CDC) or
    a ``{"trigger": ...}`` restart input; ``None`` when it names none."""
    if not isinstance(execution_input, dict):
        return None
    detail = execution_input.get("detail")
    payload = detail.get("payload") if isinstance(detail, dict) else None
    if isinstance(payload, dict):
        if payload.get("Opportunity_Id__c"):
            return str(payload["Opportunity_Id__c"])
        header = payload.get("ChangeEventHeader")
        ids = header.get("recordIds") if isinstance(header, dict) else None
        if isinstance(ids, list) and ids:
            return str(ids[0])
    trigger = execution_input.get("trigger")
    if isinstance(trigger, dict) and trigger.get("opportunityId"):
        return str(trigger["opportunityId"])
    return None
