"""The Lambda handler of a step: builds the container, runs the step, classifies what it raised.

Lambda reports an exception's class name as ``errorType`` and the state machine retries or
catches on it, so only taxonomy names (closedwon.errors) may leave a handler: anything else is
wrapped in :class:`~closedwon.errors.Unexpected` with its type and where it was raised, never
its message (it may quote a value of the deal).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from closedwon.container import Container
from closedwon.errors import AuthOrConfig, SyncError, Unexpected, error_class_name
from closedwon.observability import count, logger, metrics
from closedwon.steps.deps import Deps

#: A step's core: ``run(state, deps)`` returns what the ASL stores at the step's ResultPath.
Step = Callable[[Any, Deps], Any]


class StepHandler:
    """A Lambda handler over one step; one container per Lambda container, built lazily.

    ``validate_settings`` checks the function's environment before the step runs (a cold start
    fails there with AuthOrConfig naming the variable); RecordFailure turns it off because it
    reports whatever it can without them.
    """

    def __init__(self, name: str, run: Step, *, validate_settings: bool = True) -> None:
        self.name = name
        self.run = run
        self.validate_settings = validate_settings
        self.container: Container | None = None

    def __call__(self, event: Any, context: Any) -> Any:
        if self.container is None:
            self.container = Container()
        return self.invoke(self.container, event, context)

    def invoke(self, container: Container, event: Any, context: Any) -> Any:
        """Run one invocation with ``container`` (the offline stack passes one per container)."""

        @logger.inject_lambda_context(clear_state=True)
        @metrics.log_metrics
        def handle(event: Any, context: Any) -> Any:
            return self._run(container, event)

        return handle(event, context)

    def _run(self, container: Container, event: Any) -> Any:
        throttles_before = container.netsuite_throttles()
        try:
            logger.append_keys(
                step=self.name,
                execution_id=event.get("executionId") if isinstance(event, dict) else None,
                opportunity_id=_opportunity_id(event),
            )
            if self.validate_settings:
                _ = container.settings
            return self._run_with_current_credentials(container, event)
        except SyncError as exc:
            logger.warning(
                "step failed",
                extra={"error_class": error_class_name(exc), "error": str(exc)[:2000]},
            )
            raise
        except Exception as exc:
            where = _raised_at(exc)
            logger.error(
                "step failed unexpectedly",
                extra={"error_class": "Unexpected", "exception": type(exc).__name__, "at": where},
            )
            raise Unexpected(
                f"{self.name} failed unexpectedly: {type(exc).__name__} at {where} "
                "(a defect: report it with this execution's ARN)"
            ) from None
        finally:
            container.end_invocation()
            throttled = container.netsuite_throttles() - throttles_before
            if throttled > 0:
                count("NetSuiteThrottled", throttled)

    def _run_with_current_credentials(self, container: Container, event: Any) -> Any:
        """Run the step; after an AuthOrConfig failure, once more if a secret was rotated since
        its client was built (the steps are idempotent: a second run creates nothing twice)."""
        try:
            return self.run(event, container)
        except AuthOrConfig:
            if not container.rotated():
                raise
            logger.info("a secret was rotated: running the step with the new credentials")
            return self.run(event, container)


def step_handler(name: str, run: Step, *, validate_settings: bool = True) -> StepHandler:
    """The Lambda handler of step ``name`` (functions/*/app.py)."""
    return StepHandler(name, run, validate_settings=validate_settings)


def _raised_at(exc: BaseException) -> str:
    """Where ``exc`` was raised: the innermost frame of closedwon code (this module aside), else
    the innermost frame outside installed libraries, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    ours = [
        f
        for f in frames
        if "closedwon" in Path(f.filename).parts and Path(f.filename).name != "handler.py"
    ]
    not_libraries = [f for f in frames if "site-packages" not in Path(f.filename).parts]
    frame = (ours or not_libraries or frames)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def _opportunity_id(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    state = event.get("state")
    for source in (
        event,
        event.get("trigger"),
        state.get("trigger") if isinstance(state, dict) else None,
        state,
    ):
        if isinstance(source, dict) and isinstance(source.get("opportunityId"), str):
            return str(source["opportunityId"])[:18]
    return None
