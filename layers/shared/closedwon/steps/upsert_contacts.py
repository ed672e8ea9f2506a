"""UpsertContacts: one PUT eid:SF-<ContactId> per contact, primary first (docs/mapping.md §4.2)."""

from __future__ import annotations

from typing import Any

from closedwon import deal_store, mapping, runtime
from closedwon.config import mapping_config
from closedwon.observability import count


def run(state: dict[str, Any]) -> list[dict[str, Any]]:
    deal = deal_store.get(state)
    config = mapping_config()
    client = runtime.netsuite()
    customer_id = state["customer"]["id"]
    written = []
    for person in deal.contacts:
        external_id = mapping.contact_eid(person)
        internal_id = client.upsert(
            "contact", external_id, mapping.contact(person, customer_id, config)
        )
        written.append({"contactId": person.id, "id": internal_id, "externalId": external_id})
    if written:
        count("RecordsWritten", len(written), record_type="contact")
    return written
