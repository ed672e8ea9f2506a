"""ApplyAmendment Lambda: a thin handler over closedwon.steps.apply_amendment (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import apply_amendment

handler = step_handler("ApplyAmendment", apply_amendment.run)
