"""UpsertCustomer: PUT eid:SF-<AccountId> with the address book replaced (docs/mapping.md §4.1)."""

from __future__ import annotations

from typing import Any

from closedwon import deal_store, mapping, runtime
from closedwon.config import mapping_config
from closedwon.observability import count


def run(state: dict[str, Any]) -> dict[str, Any]:
    deal = deal_store.get(state)
    external_id = mapping.customer_eid(deal)
    body = mapping.customer(deal, mapping_config())
    internal_id = runtime.netsuite().upsert("customer", external_id, body, replace=["addressBook"])
    count("RecordsWritten", record_type="customer")
    return {"id": internal_id, "externalId": external_id, "accountId": deal.account.id}
