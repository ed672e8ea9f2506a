"""UpsertBillingAccount Lambda: a thin handler over closedwon.steps.upsert_billing_account (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import upsert_billing_account

handler = step_handler("UpsertBillingAccount", upsert_billing_account.run)
