"""UpsertBillingAccount: create-if-absent SF-BA-<AccountId>-<CUR>, never modified (§4.3)."""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import text


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The customer's billing account in the deal's currency, created when absent."""
    deal = deps.deal_store.get(state)
    external_id = mapping.billing_account_eid(deal, prefix=deps.config.netsuite.external_id_prefix)
    body = mapping.billing_account(deal, text(state, "customer", "id"), deps.config)
    internal_id, created = deps.netsuite.create_if_absent("billingAccount", external_id, body)
    if created:
        count("RecordsWritten", record_type="billingAccount")
    return {"id": internal_id, "externalId": external_id, "created": created}
