"""ApplyAmendment: execute the amendment's plan made and checked by LoadDeal (docs/mapping.md §9.2).

Change orders are created by externalId only when absent, so a replay or a retry after a
timeout never applies one twice (NetSuite allows one change order of a type per line and date,
docs/reference/amendments-and-custom-fields.md §B.4). DRAFT originals get their new quantities
in place (the PATCH sets the same values on a replay).
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count, logger
from closedwon.steps.deps import Deps
from closedwon.steps.state import field, records, text


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The change orders (created or found) and the subscriptions the amendment touched."""
    plan = field(state, "amendment")
    client = deps.netsuite
    orders = []
    for order in records(plan, "changeOrders"):
        external_id = text(order, "externalId")
        internal_id, created = client.create_if_absent(
            "subscriptionChangeOrder", external_id, field(order, "body")
        )
        if created:
            count("RecordsWritten", record_type="subscriptionChangeOrder")
        orders.append(
            {
                "externalId": external_id,
                "id": internal_id,
                "created": created,
                "action": text(order, "action"),
                "effectiveDate": text(order, "effectiveDate"),
            }
        )
    for update in records(plan, "draftUpdates"):
        client.patch(
            "subscription",
            text(update, "subscriptionId"),
            field(update, "body"),
            replace=mapping.DRAFT_REPLACED_SUBLISTS,
        )
        count("RecordsWritten", record_type="subscription")
    logger.info(
        "amendment applied",
        extra={
            "change_orders": len(orders),
            "orders_created": sum(1 for o in orders if o["created"]),
            "draft_updates": len(records(plan, "draftUpdates")),
        },
    )
    return {
        **plan,
        "changeOrders": orders,
    }
