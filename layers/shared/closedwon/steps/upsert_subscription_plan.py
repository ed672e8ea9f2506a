"""UpsertSubscriptionPlan (per package): term, plan, price plans and price book (docs/mapping.md §4.4–§4.7).

All four are create-if-absent: the plan is a shared, immutable catalog version (its external id
carries the configuration hash), price plans and the price book belong to this deal. Each is
checked on its own, so a half-built package from an earlier failed run is completed on replay.
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import package as package_of


def term_id(months: int, deps: Deps) -> str:
    """The subscriptionTerm for ``months``: one PUT per container, then remembered.

    A term is the same shared record for every deal of that length, so writing it again with the
    same body changes nothing; one PUT costs what the look-up before a create would, and
    containers started side by side (concurrent Map iterations) pay one call each, not two.
    """
    external_id = mapping.term_eid(months, prefix=deps.config.netsuite.external_id_prefix)
    if external_id not in deps.term_ids:
        deps.term_ids[external_id] = deps.netsuite.upsert(
            "subscriptionTerm", external_id, mapping.subscription_term(months)
        )
        count("RecordsWritten", record_type="subscriptionTerm")
    return deps.term_ids[external_id]


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The package's term, plan, price plans and price book; their ids."""
    deal = deps.deal_store.get(state)
    package = package_of(deal, state)
    config = deps.config
    client = deps.netsuite
    term = term_id(package.term_months, deps)

    plan_values = deal.rule_values.subscriptionPlan.get(package.root_line_id)
    plan_eid = mapping.plan_eid(package, config, plan_values)
    plan_id, plan_created = client.create_if_absent(
        "subscriptionPlan",
        plan_eid,
        mapping.subscription_plan(package, term, config, plan_values),
        replace=mapping.REPLACED_SUBLISTS["subscriptionPlan"],
    )
    price_plans = []
    created = int(plan_created)
    for line in package.members:
        pp_eid = mapping.price_plan_eid(line, prefix=config.netsuite.external_id_prefix)
        pp_id, pp_created = client.create_if_absent(
            "pricePlan", pp_eid, mapping.price_plan(line, deal, config)
        )
        price_plans.append({"externalId": pp_eid, "id": pp_id})
        created += int(pp_created)
    price_plan_ids = [p["id"] for p in price_plans]
    book_eid = mapping.price_book_eid(deal, package, prefix=config.netsuite.external_id_prefix)
    book_id, book_created = client.create_if_absent(
        "priceBook",
        book_eid,
        mapping.price_book(deal, package, plan_id, price_plan_ids, config),
        replace=mapping.REPLACED_SUBLISTS["priceBook"],
    )
    created += int(book_created)
    if created:
        count("RecordsWritten", created, record_type="subscriptionCatalog")
    return {
        "termId": term,
        "termExternalId": mapping.term_eid(
            package.term_months, prefix=config.netsuite.external_id_prefix
        ),
        "planId": plan_id,
        "planExternalId": plan_eid,
        "pricePlans": price_plans,
        "priceBookId": book_id,
        "priceBookExternalId": book_eid,
    }
