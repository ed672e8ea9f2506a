"""UpsertSubscriptionPlan Lambda: a thin handler over closedwon.steps.upsert_subscription_plan (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import upsert_subscription_plan

handler = step_handler("UpsertSubscriptionPlan", upsert_subscription_plan.run)
