"""UpsertBillingAccount: SF-BA-<AccountId>-<CUR> created if absent, never modified (docs/mapping.md §4.3, §8.1)."""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import customer_subsidiary, text


def run(state: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """The customer's billing account in the deal's currency, adopted or created when absent.

    A customer that existed before this sync may have a billing account in the deal's currency
    made by other means: exactly one without an externalId is adopted (its externalId set) rather
    than creating a second; several, or one linked elsewhere, leave it to a new one.
    """
    deal = deps.deal_store.get(state)
    customer_id = text(state, "customer", "id")
    external_id = mapping.billing_account_eid(deal, prefix=deps.config.netsuite.external_id_prefix)
    existing = deps.netsuite.get("billingAccount", external_id, fields=["id"])
    if existing is not None:
        return {"id": str(existing["id"]), "externalId": external_id, "created": False}
    customer = state.get("customer")
    if isinstance(customer, dict) and customer.get("existed") is True:
        adopted = _adopt(deps, customer_id, deps.config.netsuite.currencies[deal.currency])
        if adopted is not None:
            deps.netsuite.patch("billingAccount", adopted, {"externalId": external_id})
            count("RecordsWritten", record_type="billingAccount")
            return {"id": adopted, "externalId": external_id, "created": False, "adopted": True}
    # PUT by external id: a concurrent execution creating it too still leaves one record.
    body = mapping.billing_account(deal, customer_id, deps.config, customer_subsidiary(state))
    internal_id = deps.netsuite.upsert("billingAccount", external_id, body)
    count("RecordsWritten", record_type="billingAccount")
    return {"id": internal_id, "externalId": external_id, "created": True}


def _adopt(deps: Deps, customer_id: str, currency_id: str) -> str | None:
    """The id of the customer's only billing account in the currency, when it has no externalId."""
    rows = deps.netsuite.suiteql(*mapping.billing_accounts_query(customer_id, currency_id))
    if len(rows) == 1 and not rows[0].get("externalid"):
        return str(rows[0]["id"])
    return None
