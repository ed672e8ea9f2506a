"""UpsertCustomer: PUT eid:SF-<AccountId> with the address book replaced (MAPPING.md §4.1)."""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Create or update the deal's customer; its internal and external ids."""
    deal = deps.deal_store.get(state)
    external_id = mapping.customer_eid(deal, prefix=deps.config.netsuite.external_id_prefix)
    body = mapping.customer(deal, deps.config)
    internal_id = deps.netsuite.upsert(
        "customer", external_id, body, replace=mapping.REPLACED_SUBLISTS["customer"]
    )
    count("RecordsWritten", record_type="customer")
    return {"id": internal_id, "externalId": external_id, "accountId": deal.account.id}
