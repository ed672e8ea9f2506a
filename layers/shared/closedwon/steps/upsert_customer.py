"""UpsertCustomer: create the customer, or adopt and update the one NetSuite has (docs/mapping.md §4.1, §8)."""

from __future__ import annotations

from typing import Any

from closedwon import adoption, mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Create or update the deal's customer; its internal and external ids.

    A new customer is created by external id with every mapped field. An existing one (by the
    Account's NetSuite id, else by external id) is PATCHed with what changed, never its
    create-only fields; ``existed`` tells UpsertBillingAccount to look for one to adopt.
    """
    deal = deps.deal_store.get(state)
    external_id = mapping.customer_eid(deal, prefix=deps.config.netsuite.external_id_prefix)
    existing = adoption.existing_customer(deal, deps.netsuite, deps.config)
    if existing is None:
        internal_id = deps.netsuite.upsert(
            "customer",
            external_id,
            mapping.customer(deal, deps.config),
            replace=mapping.REPLACED_SUBLISTS["customer"],
        )
        count("RecordsWritten", record_type="customer")
    else:
        internal_id = str(existing["id"])
        body = mapping.customer_update(deal, deps.config, existing)
        if body:
            deps.netsuite.patch("customer", internal_id, body, replace=mapping.update_replace(body))
            count("RecordsWritten", record_type="customer")
    return {
        "id": internal_id,
        "externalId": external_id,
        "accountId": deal.account.id,
        "existed": existing is not None,
        # An existing customer's own subsidiary wins over the routing rule for every record.
        "subsidiaryId": mapping.subsidiary_of(existing, deal, deps.config),
    }
