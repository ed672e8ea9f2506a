"""CreateSubscription (per package): create once, then optionally activate (docs/mapping.md §4.8, §4.9).

A subscription that already exists is left as it is (its customer, currency and subsidiary are
immutable in NetSuite, and a replay must not change a live contract). Activation is completed on
replay if an earlier run stopped half-way.
"""

from __future__ import annotations

from typing import Any

from closedwon import deal_store, mapping, runtime
from closedwon.config import mapping_config
from closedwon.observability import count


def run(state: dict[str, Any]) -> dict[str, Any]:
    deal = deal_store.get(state)
    package = deal.package(state["packageKey"])
    config = mapping_config()
    client = runtime.netsuite()
    plan = state["plan"]
    external_id = mapping.subscription_eid(deal, package)

    existing = client.get("subscription", external_id, fields=["id", "billingSubscriptionStatus"])
    created = existing is None
    if existing is None:
        body = mapping.subscription(
            deal,
            package,
            customer_id=state["customer"]["id"],
            billing_account_id=state["billingAccount"]["id"],
            plan_id=plan["planId"],
            price_book_id=plan["priceBookId"],
            term_id=plan["termId"],
            config=config,
        )
        subscription_id = client.upsert("subscription", external_id, body)
        if config.netsuite.subscription_quantities == "patch":
            client.patch("subscription", subscription_id, mapping.subscription_quantities(package))
        count("RecordsWritten", record_type="subscription")
    else:
        subscription_id = str(existing["id"])

    status = _status(existing) if existing else "DRAFT"
    if config.netsuite.activate_subscriptions and status != "ACTIVE":
        status = activate(deal, package, subscription_id)
    return {
        "packageKey": package.root_line_id,
        "plan": plan,
        "subscription": {
            "id": subscription_id,
            "externalId": external_id,
            "created": created,
            "status": status,
        },
    }


def activate(deal: Any, package: Any, subscription_id: str) -> str:
    """Lines → PENDING_ACTIVATION, then one ACTIVATE change order (docs/reference/netsuite.md §5.10 ❓)."""
    client = runtime.netsuite()
    config = mapping_config()
    record = client.get_by_id("subscription", subscription_id, expand=True) or {}
    lines = (record.get("subscriptionLine") or {}).get("items", [])
    if config.netsuite.activation_patch_lines:
        for line in lines:
            if _status(line, "status") == "DRAFT" and line.get("isIncluded", True):
                client.patch(
                    "subscriptionLine",
                    str(line["subscriptionLine"]),
                    dict(mapping.PENDING_ACTIVATION),
                )
    numbers = [int(line["lineNumber"]) for line in lines if line.get("isIncluded", True)]
    body = mapping.activation_change_order(subscription_id, package.start_date.isoformat(), numbers)
    _, created = client.create_if_absent(
        "subscriptionChangeOrder", mapping.activation_eid(deal, package), body
    )
    if created:
        count("RecordsWritten", record_type="subscriptionChangeOrder")
    after = (
        client.get_by_id("subscription", subscription_id, fields=["billingSubscriptionStatus"])
        or {}
    )
    return _status(after)


def _status(record: dict[str, Any], field: str = "billingSubscriptionStatus") -> str:
    value = record.get(field)
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return str(value or "")
