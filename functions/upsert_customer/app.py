"""UpsertCustomer Lambda: a thin handler over closedwon.steps.upsert_customer (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import upsert_customer

handler = step_handler("UpsertCustomer", upsert_customer.run)
