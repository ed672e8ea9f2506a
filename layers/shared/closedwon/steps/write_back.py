"""WriteBackToSalesforce: NetSuite ids and the sync status, in one API call (docs/mapping.md §5)."""

from __future__ import annotations

from typing import Any

from closedwon.observability import count, logger, record_latency
from closedwon.salesforce.writer import LONG_TEXT_LIMIT, now_utc, record
from closedwon.steps.deps import Deps
from closedwon.steps.state import field, records, text


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Write the outcome to Salesforce, then give the deal's lease back."""
    try:
        return _write_back(state, deps)
    finally:
        lease = deps.deal_lease
        if lease is not None and isinstance(state, dict) and state.get("executionId"):
            opportunity_id = state.get("opportunityId")
            if isinstance(opportunity_id, str):
                lease.release(opportunity_id, str(state["executionId"]))


def _write_back(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    fields = deps.config.salesforce.writeback
    opportunity_id = text(state, "opportunityId")
    if state.get("status") == "Skipped":
        if not state.get("writeBack", True):
            count("DealsSkipped", reason="NotATransition")
            return {"status": "Skipped", "written": 0}
        skipped = [
            record(
                "Opportunity",
                opportunity_id,
                {
                    fields.opportunity_status: "Skipped",
                    fields.opportunity_error: str(state.get("skipReason") or "")[:LONG_TEXT_LIMIT],
                    fields.opportunity_last_sync: now_utc(),
                },
            )
        ]
        deps.salesforce.write(skipped, what=f"writing the Skipped status of {opportunity_id}")
        return {"status": "Skipped", "written": 1}

    subscription_ids = [text(p, "subscription", "id") for p in records(state, "packages")]
    amendment = state.get("amendment")
    drift: list[str] = []
    if isinstance(amendment, dict):
        # The subscriptions an amendment changed, then those of the products it added (§9.2).
        subscription_ids = [*map(str, amendment.get("subscriptionIds") or []), *subscription_ids]
        drift = [str(d) for d in amendment.get("drift") or []]
    for package in records(state, "packages"):
        subscription = package.get("subscription")
        if isinstance(subscription, dict):
            drift += [str(d) for d in subscription.get("drift") or []]
    status = "Drift" if drift else "Synced"
    updates = [
        record(
            "Opportunity",
            opportunity_id,
            {
                fields.opportunity_status: status,
                fields.opportunity_error: "\n".join(drift)[:LONG_TEXT_LIMIT] if drift else None,
                fields.opportunity_last_sync: now_utc(),
                fields.opportunity_subscriptions: ",".join(dict.fromkeys(subscription_ids)),
            },
        ),
    ]
    if state.get("customer") is not None:  # an amendment that only changes lines upserts none
        updates += [
            record(
                "Account",
                text(state, "customer", "accountId"),
                {fields.account_id: field(state, "customer", "id")},
            ),
            *(
                record("Contact", text(c, "contactId"), {fields.contact_id: field(c, "id")})
                for c in records(state, "contacts")
            ),
        ]
    problems = deps.salesforce.write(updates, what=f"writing back the sync of {opportunity_id}")
    for problem in problems:
        logger.warning("write-back of a related record refused", extra={"problem": problem[:500]})
    if drift:
        # Nothing failed, so no DLQ message: the alarm on this metric asks a person to decide.
        logger.warning("deal drifted", extra={"differences": len(drift)})
        count("DealsDrifted")
    else:
        count("DealsSynced")
    trigger = state.get("trigger")
    record_latency(trigger.get("closedWonAt") if isinstance(trigger, dict) else None)
    return {
        "status": status,
        "written": len(updates) - len(problems),
        "problems": problems,
        "subscriptionIds": list(dict.fromkeys(subscription_ids)),
        **({"drift": drift} if drift else {}),
    }
