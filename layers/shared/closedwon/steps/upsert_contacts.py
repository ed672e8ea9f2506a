"""UpsertContacts: each contact created, or adopted and updated, primary first (docs/mapping.md §4.2, §8)."""

from __future__ import annotations

from typing import Any

from closedwon import adoption, mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import customer_subsidiary, text


def run(state: dict[str, Any], deps: Deps) -> list[dict[str, Any]]:
    """Create or update each contact of the deal under the customer; their ids.

    A contact NetSuite already has (by its NetSuite id, else by external id) is PATCHed with what
    changed, never its create-only fields; a new one is created by external id.
    """
    deal = deps.deal_store.get(state)
    customer_id = text(state, "customer", "id")
    # The customer's subsidiary (an existing customer's own); a state from before UpsertCustomer
    # reported it falls back to the deal's routed subsidiary.
    subsidiary_id = customer_subsidiary(state) or str(
        mapping.routed(deal, deps.config, "subsidiary_id")
    )
    written = []
    changed = 0
    for person in deal.contacts:
        external_id = mapping.contact_eid(person, prefix=deps.config.netsuite.external_id_prefix)
        values = deal.rule_values.contact.get(person.id)
        existing = adoption.existing_contact(deal, person, deps.netsuite, deps.config)
        if existing is None:
            internal_id = deps.netsuite.upsert(
                "contact",
                external_id,
                mapping.contact(
                    person, customer_id, deps.config, values, subsidiary_id=subsidiary_id
                ),
            )
            changed += 1
        else:
            internal_id = str(existing["id"])
            body = mapping.contact_update(
                person, customer_id, deps.config, existing, subsidiary_id, values
            )
            if body:
                deps.netsuite.patch("contact", internal_id, body)
                changed += 1
        written.append({"contactId": person.id, "id": internal_id, "externalId": external_id})
    if changed:
        count("RecordsWritten", changed, record_type="contact")
    return written
