"""WriteBackToSalesforce: NetSuite ids and the sync status, in one API call (docs/mapping.md §5)."""

from __future__ import annotations

from typing import Any

from closedwon import coordination, runtime
from closedwon.config import mapping_config
from closedwon.observability import count, logger, record_latency
from closedwon.salesforce import LONG_TEXT_LIMIT, now_utc, record, write_records


def run(state: dict[str, Any]) -> dict[str, Any]:
    try:
        return _write_back(state)
    finally:
        table = runtime.optional_env("COORDINATION_TABLE")
        if table and state.get("executionId"):
            coordination.release_deal(table, state["opportunityId"], str(state["executionId"]))


def _write_back(state: dict[str, Any]) -> dict[str, Any]:
    fields = mapping_config().salesforce.writeback
    opportunity_id = state["opportunityId"]
    if state.get("status") == "Skipped":
        if not state.get("writeBack", True):
            count("DealsSkipped", reason="NotATransition")
            return {"status": "Skipped", "written": 0}
        records = [
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
        write_records(
            runtime.salesforce(), records, what=f"writing the Skipped status of {opportunity_id}"
        )
        return {"status": "Skipped", "written": 1}

    subscription_ids = [p["subscription"]["id"] for p in state.get("packages", [])]
    records = [
        record(
            "Opportunity",
            opportunity_id,
            {
                fields.opportunity_status: "Synced",
                fields.opportunity_error: None,
                fields.opportunity_last_sync: now_utc(),
                fields.opportunity_subscriptions: ",".join(subscription_ids),
            },
        ),
        record(
            "Account", state["customer"]["accountId"], {fields.account_id: state["customer"]["id"]}
        ),
        *(
            record("Contact", c["contactId"], {fields.contact_id: c["id"]})
            for c in state.get("contacts", [])
        ),
    ]
    problems = write_records(
        runtime.salesforce(), records, what=f"writing back the sync of {opportunity_id}"
    )
    for problem in problems:
        logger.warning("write-back of a related record refused", extra={"problem": problem[:500]})
    count("DealsSynced")
    record_latency((state.get("trigger") or {}).get("closedWonAt"))
    return {
        "status": "Synced",
        "written": len(records) - len(problems),
        "problems": problems,
        "subscriptionIds": subscription_ids,
    }
