"""LoadDeal Lambda: a thin handler over closedwon.steps.load_deal (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import load_deal

handler = step_handler("LoadDeal", load_deal.run)
