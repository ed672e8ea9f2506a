"""UpsertBillingAccount: create-if-absent SF-BA-<AccountId>-<CUR>, never modified (docs/mapping.md §4.3)."""

from __future__ import annotations

from typing import Any

from closedwon import deal_store, mapping, runtime
from closedwon.config import mapping_config
from closedwon.observability import count


def run(state: dict[str, Any]) -> dict[str, Any]:
    deal = deal_store.get(state)
    external_id = mapping.billing_account_eid(deal)
    body = mapping.billing_account(deal, state["customer"]["id"], mapping_config())
    internal_id, created = runtime.netsuite().create_if_absent("billingAccount", external_id, body)
    if created:
        count("RecordsWritten", record_type="billingAccount")
    return {"id": internal_id, "externalId": external_id, "created": created}
