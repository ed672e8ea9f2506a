"""WriteBack Lambda: a thin handler over closedwon.steps.write_back (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import write_back

handler = step_handler("WriteBack", write_back.run)
