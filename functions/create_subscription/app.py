"""CreateSubscription Lambda: a thin handler over closedwon.steps.create_subscription (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import create_subscription

handler = step_handler("CreateSubscription", create_subscription.run)
