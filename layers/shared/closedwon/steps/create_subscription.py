"""CreateSubscription (per package): create once, then optionally activate (docs/mapping.md §4.8, §4.9).

A subscription that already exists is left as it is (its customer, currency and subsidiary are
immutable in NetSuite, and a replay must not change a live contract). Activation is completed on
replay if an earlier run stopped half-way.
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.deal import Deal, Package
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import customer_subsidiary, field, text
from closedwon.steps.state import package as package_of


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The package's subscription, created when absent and activated when configured."""
    deal = deps.deal_store.get(state)
    package = package_of(deal, state)
    config = deps.config
    client = deps.netsuite
    plan = field(state, "plan")
    external_id = mapping.subscription_eid(deal, package, prefix=config.netsuite.external_id_prefix)

    existing = client.get("subscription", external_id, fields=mapping.SUBSCRIPTION_STATUS_FIELDS)
    created = existing is None
    if created:
        body = mapping.subscription(
            deal,
            package,
            customer_id=text(state, "customer", "id"),
            billing_account_id=text(state, "billingAccount", "id"),
            plan_id=text(state, "plan", "planId"),
            price_book_id=text(state, "plan", "priceBookId"),
            term_id=text(state, "plan", "termId"),
            config=config,
            subsidiary_id=customer_subsidiary(state),
        )
        subscription_id = client.upsert("subscription", external_id, body)
        if config.netsuite.subscription_quantities == "patch":
            client.patch("subscription", subscription_id, mapping.subscription_quantities(package))
        count("RecordsWritten", record_type="subscription")
        status = "DRAFT"
    drift: list[str] = []
    if existing is not None:
        subscription_id = str(existing["id"])
        status = mapping.subscription_status(existing)
        if not state.get("ownedByAmendments"):
            drift = bring_in_line(package, subscription_id, external_id, status, deps)

    if config.netsuite.activate_subscriptions and status != "ACTIVE":
        status = activate(deal, package, subscription_id, deps)
    return {
        "packageKey": package.root_line_id,
        "plan": plan,
        "subscription": {
            "id": subscription_id,
            "externalId": external_id,
            "created": created,
            "status": status,
            **({"drift": drift} if drift else {}),
        },
    }


def bring_in_line(
    package: Package, subscription_id: str, external_id: str, status: str, deps: Deps
) -> list[str]:
    """A replay compares the subscription with the quote (docs/mapping.md §9.4): a DRAFT one (nothing
    billed yet) gets the quote's quantities; any other is left as it is and its differences are
    returned (the deal ends Drift). One changed by amendments is theirs: nothing is compared."""
    record = deps.netsuite.get_by_id("subscription", subscription_id, expand=True) or {}
    if mapping.changed_by_change_orders(record):
        return []
    differences = mapping.subscription_differences(record, package, external_id)
    if not differences or status != "DRAFT":
        return differences
    deps.netsuite.patch("subscription", subscription_id, mapping.subscription_quantities(package))
    count("RecordsWritten", record_type="subscription")
    return []


def activate(deal: Deal, package: Package, subscription_id: str, deps: Deps) -> str:
    """Lines -> PENDING_ACTIVATION, then one ACTIVATE change order (docs/reference/netsuite.md §5.10 ❓)."""
    client = deps.netsuite
    record = client.get_by_id("subscription", subscription_id, expand=True) or {}
    lines = mapping.subscription_lines(record)
    if deps.config.netsuite.activation_patch_lines:
        for line in lines:
            if mapping.line_is_draft(line):
                client.patch(
                    "subscriptionLine", mapping.line_id(line), dict(mapping.PENDING_ACTIVATION)
                )
    numbers = [mapping.line_number(line) for line in lines]
    body = mapping.activation_change_order(subscription_id, package.start_date.isoformat(), numbers)
    _, created = client.create_if_absent(
        "subscriptionChangeOrder",
        mapping.activation_eid(deal, package, prefix=deps.config.netsuite.external_id_prefix),
        body,
    )
    if created:
        count("RecordsWritten", record_type="subscriptionChangeOrder")
    after = (
        client.get_by_id(
            "subscription", subscription_id, fields=[mapping.SUBSCRIPTION_STATUS_FIELD]
        )
        or {}
    )
    return mapping.subscription_status(after)
