"""RecordFailure Lambda: a thin handler over closedwon.steps.record_failure (logic lives there)."""

from closedwon.handler import step_handler
from closedwon.steps import record_failure

handler = step_handler("RecordFailure", record_failure.run, validate_settings=False)
