"""UpsertContacts: one PUT eid:SF-<ContactId> per contact, primary first (MAPPING.md §4.2)."""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.observability import count
from closedwon.steps.deps import Deps
from closedwon.steps.state import text


def run(state: dict[str, Any], deps: Deps) -> list[dict[str, Any]]:
    """Create or update each contact of the deal under the customer; their ids."""
    deal = deps.deal_store.get(state)
    customer_id = text(state, "customer", "id")
    written = []
    for person in deal.contacts:
        external_id = mapping.contact_eid(person, prefix=deps.config.netsuite.external_id_prefix)
        internal_id = deps.netsuite.upsert(
            "contact",
            external_id,
            mapping.contact(
                person,
                customer_id,
                deps.config,
                deal.rule_values.contact.get(person.id),
                subsidiary_id=mapping.routed(deal, deps.config, "subsidiary_id"),
            ),
        )
        written.append({"contactId": person.id, "id": internal_id, "externalId": external_id})
    if written:
        count("RecordsWritten", len(written), record_type="contact")
    return written
