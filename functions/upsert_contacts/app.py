"""UpsertContacts Lambda: a thin handler over closedwon.steps.upsert_contacts (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import upsert_contacts

handler = step_handler("UpsertContacts", upsert_contacts.run)
