"""LoadDeal's amendment branch: read the contract, resolve, check NetSuite, plan (docs/mapping.md §9.2).

Everything is checked before the first write: the plan travels in the workflow state and
ApplyAmendment only executes it. A change that is already in NetSuite (a replay: its change
order exists, or its draft line already has the new quantity) is not checked again against the
prior quantity it has already changed; a change order that exists with other values is drift.
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.amendment import Amendment, AmendmentPlan, ChangeOrderPlan, LineChange
from closedwon.amendment import SubscriptionState as State
from closedwon.amendment.plan import plan_amendment
from closedwon.amendment.resolve import resolve_amendment
from closedwon.deal.problems import OPPORTUNITY
from closedwon.errors import InvalidDeal
from closedwon.lifecycle import Classification
from closedwon.salesforce_ids import normalise_id
from closedwon.steps.deps import Deps

CONTRACT = "SBQQ__AmendedContract__r"

PackageKey = tuple[str, str]


def load_amendment(
    source: dict[str, Any], classification: Classification, deps: Deps
) -> dict[str, Any]:
    """The state fields of an amendment: its plan, the drift found, and its new lines."""
    opportunity = source["opportunity"]
    contract = opportunity.get(CONTRACT) or {}
    original = normalise_id(contract.get("SBQQ__Opportunity__c"))
    if original is None or classification.contract_id is None:
        problem = OPPORTUNITY.at(f"{CONTRACT}.SBQQ__Opportunity__c").problem(
            f"contract {classification.contract_id} has no opportunity, so the deal it came "
            "from (and its NetSuite subscriptions) cannot be found"
        )
        raise InvalidDeal([str(problem)], record=f"Opportunity {opportunity.get('Id')}")
    lineage = deps.salesforce.read_contract(classification.contract_id, original)
    amendment = resolve_amendment(
        opportunity,
        source["lines"],
        lineage["subscriptions"],
        lineage["lineage"],
        deps.config.netsuite.date_window,
        contract_number=contract.get("ContractNumber"),
    )
    states = _subscription_states(amendment, deps)
    at_start = deps.config.netsuite.terminate_at_start_of_day
    name = mapping.package_subscription_eid
    unchecked = plan_amendment(
        amendment,
        states,
        name,
        terminate_at_start_of_day=at_start,
        applied=frozenset(amendment.changes),
    )
    existing = {
        mapping.change_order_eid(o): deps.netsuite.get(
            "subscriptionChangeOrder", mapping.change_order_eid(o), expand=True
        )
        for o in unchecked.change_orders
    }
    applied = _applied(amendment, states, unchecked, existing)
    plan = plan_amendment(
        amendment, states, name, terminate_at_start_of_day=at_start, applied=applied
    )
    drift = [
        difference
        for order in plan.change_orders
        if (record := existing.get(mapping.change_order_eid(order))) is not None
        for difference in mapping.change_order_differences(order, record, deps.config)
    ]
    return {
        "amendment": _plan_json(plan, existing, drift, amendment, deps),
        "newLineIds": list(amendment.new_line_ids),
    }


def _subscription_states(amendment: Amendment, deps: Deps) -> dict[PackageKey, State | None]:
    states: dict[PackageKey, State | None] = {}
    for change in amendment.changes:
        if change.package_key not in states:
            record = deps.netsuite.get(
                "subscription",
                mapping.package_subscription_eid(*change.package_key),
                fields=mapping.SUBSCRIPTION_AMENDMENT_FIELDS,
                expand=True,
            )
            states[change.package_key] = mapping.subscription_state(record) if record else None
    return states


def _applied(
    amendment: Amendment,
    states: dict[PackageKey, State | None],
    plan: AmendmentPlan,
    existing: dict[str, dict[str, Any] | None],
) -> frozenset[LineChange]:
    """The changes already in NetSuite: their change order exists, or their draft line has the
    new quantity."""
    done_orders = {
        (o.root_line_id, o.action, n)
        for o in plan.change_orders
        if existing.get(mapping.change_order_eid(o)) is not None
        for n, _, _ in o.lines
    }
    applied = set()
    for change in amendment.changes:
        state = states.get(change.package_key)
        if state is None:
            continue
        if state.status == "DRAFT":
            line = state.line(change.line_number)
            if line is not None and line.quantity == change.quantity:
                applied.add(change)
        elif (change.root_line_id, change.action, change.line_number) in done_orders:
            applied.add(change)
    return frozenset(applied)


def _plan_json(
    plan: AmendmentPlan,
    existing: dict[str, dict[str, Any] | None],
    drift: list[str],
    amendment: Amendment,
    deps: Deps,
) -> dict[str, Any]:
    return {
        "contractId": amendment.contract_id,
        "changeOrders": [_order_json(o, existing, deps) for o in plan.change_orders],
        "draftUpdates": [
            {"subscriptionId": u.subscription_id, "body": mapping.draft_quantities(u)}
            for u in plan.draft_updates
        ],
        "subscriptionIds": list(plan.subscription_ids),
        "drift": drift,
    }


def _order_json(
    order: ChangeOrderPlan, existing: dict[str, dict[str, Any] | None], deps: Deps
) -> dict[str, Any]:
    eid = mapping.change_order_eid(order)
    record = existing.get(eid)
    return {
        "externalId": eid,
        "subscriptionId": order.subscription_id,
        "action": order.action.name,
        "effectiveDate": order.effective_date.isoformat(),
        "existingId": str(record["id"]) if record and record.get("id") else None,
        "body": mapping.change_order(order, deps.config),
    }


def new_package_lines(lines: list[dict[str, Any]], new_line_ids: list[str]) -> list[dict[str, Any]]:
    """The amendment's lines that make new packages (§9.2): the new lines and their bundle
    ancestors that are new too; lines the customer already has are left out."""
    new = set(new_line_ids)
    by_id = {normalise_id(line.get("Id")): line for line in lines}
    keep: set[str] = set()
    for line_id in new:
        current = by_id.get(line_id)
        while current is not None:
            key = normalise_id(current.get("Id"))
            if key is None or key in keep:
                break
            if current.get("SBQQ__Existing__c") or current.get("SBQQ__UpgradedSubscription__c"):
                break
            keep.add(key)
            current = by_id.get(normalise_id(current.get("SBQQ__RequiredBy__c")))
    return [line for line in lines if normalise_id(line.get("Id")) in keep]


def amendment_summary(fields: dict[str, Any]) -> dict[str, Any]:
    """Counts for the log line (no values of the deal)."""
    amendment = fields["amendment"]
    return {
        "change_orders": len(amendment["changeOrders"]),
        "draft_updates": len(amendment["draftUpdates"]),
        "new_lines": len(fields["newLineIds"]),
        "drift": len(amendment["drift"]),
    }
