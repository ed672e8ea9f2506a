"""UpsertSubscriptionPlan (per package): term, plan, price plans and price book (docs/mapping.md §4.4–§4.7).

All four are create-if-absent: the plan is a shared, immutable catalog version (its external id
carries the configuration hash), price plans and the price book belong to this deal. Each is
checked on its own, so a half-built package from an earlier failed run is completed on replay.
"""

from __future__ import annotations

import threading
from typing import Any

from closedwon import deal_store, mapping, runtime
from closedwon.config import mapping_config
from closedwon.observability import count

_term_ids: dict[str, str] = {}
_term_lock = threading.Lock()


def term_id(months: int) -> str:
    """The subscriptionTerm for ``months`` (created once; cached per warm container).

    The lock is held across the look-up so parallel Map iterations in one container check and
    create a term once instead of racing (a race would still be safe: PUT eid is an upsert).
    """
    external_id = mapping.term_eid(months)
    with _term_lock:
        if external_id not in _term_ids:
            internal_id, created = runtime.netsuite().create_if_absent(
                "subscriptionTerm", external_id, mapping.subscription_term(months)
            )
            if created:
                count("RecordsWritten", record_type="subscriptionTerm")
            _term_ids[external_id] = internal_id
        return _term_ids[external_id]


def run(state: dict[str, Any]) -> dict[str, Any]:
    deal = deal_store.get(state)
    package = deal.package(state["packageKey"])
    config = mapping_config()
    client = runtime.netsuite()
    term = term_id(package.term_months)

    plan_eid = mapping.plan_eid(package, config)
    plan_id, plan_created = client.create_if_absent(
        "subscriptionPlan",
        plan_eid,
        mapping.subscription_plan(package, term, config),
        replace=["member"],
    )
    price_plans = []
    created = int(plan_created)
    for line in package.members:
        pp_eid = mapping.price_plan_eid(line)
        pp_id, pp_created = client.create_if_absent(
            "pricePlan", pp_eid, mapping.price_plan(line, deal, config)
        )
        price_plans.append({"externalId": pp_eid, "id": pp_id})
        created += int(pp_created)
    price_plan_ids = [p["id"] for p in price_plans]
    book_eid = mapping.price_book_eid(deal, package)
    book_id, book_created = client.create_if_absent(
        "priceBook",
        book_eid,
        mapping.price_book(deal, package, plan_id, price_plan_ids, config),
        replace=["priceInterval"],
    )
    created += int(book_created)
    if created:
        count("RecordsWritten", created, record_type="subscriptionCatalog")
    return {
        "termId": term,
        "termExternalId": mapping.term_eid(package.term_months),
        "planId": plan_id,
        "planExternalId": plan_eid,
        "pricePlans": price_plans,
        "priceBookId": book_id,
        "priceBookExternalId": book_eid,
    }


def clear_cache() -> None:
    with _term_lock:
        _term_ids.clear()
