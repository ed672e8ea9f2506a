"""LoadDeal: validate the event, read Salesforce (1 call), resolve items (1 SuiteQL), validate all."""

from __future__ import annotations

from typing import Any

from closedwon import adoption, dlq
from closedwon.deal import build_deal, product_codes, skip_reason
from closedwon.errors import AuthOrConfig, InvalidEvent
from closedwon.events import parse_trigger_input
from closedwon.lifecycle import DealKind, classify
from closedwon.mapping import rounding_delta
from closedwon.observability import count, logger
from closedwon.rules.apply import with_rule_values
from closedwon.steps.deps import Deps
from closedwon.steps.load_amendment import amendment_summary, load_amendment, new_package_lines
from closedwon.steps.load_renewal import check_renewal


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The workflow state of the deal: Skipped, or Ready with the validated deal."""
    if not isinstance(event, dict):
        raise InvalidEvent("the LoadDeal input is not a JSON object")
    raw_input = event.get("input", event)
    if not isinstance(raw_input, dict):
        raise InvalidEvent("event: must be a JSON object")
    config = deps.config
    integration_user_id = (
        config.salesforce.integration_user_id or deps.settings.salesforce_integration_user_id
    )
    if integration_user_id is None and dlq.cdc_header(raw_input) is not None:
        # Fails closed: without it our own write-back would start the next sync (a loop).
        raise AuthOrConfig(
            "a change event needs the integration user id (template parameter "
            "IntegrationUserId, variable SALESFORCE_INTEGRATION_USER_ID) to ignore our own writes"
        )
    triggers = parse_trigger_input(
        raw_input,
        org_id=deps.settings.require("salesforce_org_id"),
        integration_user_id=integration_user_id,
    )
    trigger = triggers[0]
    execution_id = event.get("executionId")
    state: dict[str, Any] = {
        "executionId": execution_id,
        # Reduced as the DLQ keeps it: the state carries the event once, without field values.
        "input": dlq.failure_event(raw_input),
        "trigger": trigger.to_json(),
        "opportunityId": trigger.opportunity_id,
        "status": "Ready",
        "skipReason": None,
        "writeBack": True,
        "dealRef": None,
        "packageKeys": [],
        "fanOut": [],
        "kind": None,
        "route": "Records",
        "amendment": None,
        "ownedByAmendments": False,
    }
    logger.append_keys(opportunity_id=trigger.opportunity_id)
    if len(triggers) > 1 and execution_id:
        state["fanOut"] = deps.fanout.start_siblings(str(execution_id), triggers[1:])
    if trigger.skip_reason:
        # Logged so `closedwon status` (a Logs Insights query on opportunity_id) finds skips too.
        logger.info("deal skipped", extra={"reason": trigger.skip_reason})
        count("DealsSkipped", reason="EventsLost" if trigger.events_lost else "Trigger")
        return {**state, "status": "Skipped", "skipReason": trigger.skip_reason, "writeBack": False}

    lease = deps.deal_lease
    if lease is not None and execution_id:
        lease.acquire(trigger.opportunity_id, str(execution_id))
    writeback = config.salesforce.writeback
    source = deps.salesforce.read_deal(
        trigger.opportunity_id,
        multi_currency=config.salesforce.multi_currency,
        amendments_status_field=config.salesforce.writeback.opportunity_status,
        extra=config.soql_fields,
        netsuite_id_fields=(writeback.account_id, writeback.contact_id),
    )
    classification = classify(source["opportunity"])
    reason = skip_reason(source, config)
    if reason and classification.kind is not DealKind.NEW and source["opportunity"].get("IsWon"):
        reason = None  # the quote types skipped are those of new deals (docs/mapping.md §9)
    if reason:
        logger.info("deal skipped", extra={"reason": reason})
        count("DealsSkipped", reason="Deal")
        return {**state, "status": "Skipped", "skipReason": reason}

    state["kind"] = classification.kind.value
    # A synced amendment owns the subscriptions of this deal: a replay compares nothing (§9.4).
    state["ownedByAmendments"] = bool(source.get("syncedAmendments"))
    if classification.kind is DealKind.AMENDMENT:
        amendment = load_amendment(source, classification, deps)
        state.update(amendment)
        source = {**source, "lines": new_package_lines(source["lines"], amendment["newLineIds"])}
        if not any(line.get("SBQQ__ChargeType__c") for line in source["lines"]):
            logger.info("amendment loaded", extra=amendment_summary(amendment))
            return {**state, "route": "ChangeOrders"}
    elif classification.kind is DealKind.RENEWAL:
        check_renewal(source, classification, deps)
    codes = product_codes(source)
    items = deps.items.resolve(deps.netsuite, codes) if codes else {}
    deal = with_rule_values(build_deal(source, items, config), source, config)
    adoption.check(deal, deps.netsuite, config)
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
        **deps.deal_store.put(deal),
        "packageKeys": [p.root_line_id for p in deal.packages],
        "roundingDelta": str(rounding_delta(deal, config)),
    }
