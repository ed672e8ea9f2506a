"""LoadDeal: validate the event, read Salesforce (1 call), resolve items (1 SuiteQL), validate all."""

from __future__ import annotations

from typing import Any

from closedwon import coordination, deal_store, fanout, runtime
from closedwon.config import mapping_config
from closedwon.deal import build_deal, product_codes, skip_reason
from closedwon.events import parse_trigger_input
from closedwon.items import resolve_items
from closedwon.mapping import rounding_delta
from closedwon.observability import count, logger
from closedwon.salesforce import read_deal


def run(event: dict[str, Any]) -> dict[str, Any]:
    config = mapping_config()
    raw_input = event.get("input", event)
    triggers = parse_trigger_input(
        raw_input,
        org_id=runtime.org_id(),
        integration_user_id=config.salesforce.integration_user_id,
    )
    trigger = triggers[0]
    state: dict[str, Any] = {
        "executionId": event.get("executionId"),
        "input": raw_input,
        "trigger": trigger.to_json(),
        "opportunityId": trigger.opportunity_id,
        "status": "Ready",
        "skipReason": None,
        "writeBack": True,
        "deal": None,
        "dealRef": None,
        "packageKeys": [],
        "fanOut": [],
    }
    logger.append_keys(opportunity_id=trigger.opportunity_id)
    if len(triggers) > 1 and state["executionId"]:
        state["fanOut"] = fanout.start_siblings(str(state["executionId"]), triggers[1:])
    if trigger.skip_reason:
        # Logged so `closedwon status` (a Logs Insights query on opportunity_id) finds skips too.
        logger.info("deal skipped", extra={"reason": trigger.skip_reason})
        count("DealsSkipped", reason="EventsLost" if trigger.events_lost else "Trigger")
        return {**state, "status": "Skipped", "skipReason": trigger.skip_reason, "writeBack": False}

    lock_table = runtime.optional_env("COORDINATION_TABLE")
    if lock_table and state["executionId"]:
        coordination.acquire_deal(lock_table, trigger.opportunity_id, str(state["executionId"]))
    source = read_deal(
        runtime.salesforce(),
        trigger.opportunity_id,
        multi_currency=config.salesforce.multi_currency,
    )
    reason = skip_reason(source, config)
    if reason:
        logger.info("deal skipped", extra={"reason": reason})
        count("DealsSkipped", reason="Deal")
        return {**state, "status": "Skipped", "skipReason": reason}

    codes = product_codes(source)
    items = resolve_items(runtime.netsuite(), codes) if codes else {}
    deal = build_deal(source, items, config)
    logger.info(
        "deal loaded",
        extra={
            "packages": len(deal.packages),
            "contacts": len(deal.contacts),
            "lines": sum(len(p.members) for p in deal.packages),
        },
    )
    return {
        **state,
        **deal_store.put(deal),
        "packageKeys": [p.root_line_id for p in deal.packages],
        "roundingDelta": str(rounding_delta(deal, config)),
    }
