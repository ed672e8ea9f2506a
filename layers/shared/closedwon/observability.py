"""One place for Logger, Metrics and the step-handler wrapper (Powertools).

Logs are JSON with the opportunity id and execution id on every line. Logs carry ids, counts
and error classes only — never names, emails, phones or addresses (personal data) and never
secrets; tests/e2e/test_no_secrets_or_personal_data.py scans captured logs for both.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from closedwon.errors import SyncError, error_class_name

SERVICE = "closedwon-sync"
NAMESPACE = "ClosedWonSync"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# An invocation that records no business metric is normal (a re-run that writes nothing).
warnings.filterwarnings("ignore", message="No application metrics to publish")


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one business metric (EMF). Dimensioned metrics are flushed on their own, because
    Powertools applies invocation-level dimensions to every metric of the invocation."""
    if not dimensions:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        for key, dim in dimensions.items():
            metric.add_dimension(name=key, value=dim)


def record_latency(closed_won_at: str | None) -> None:
    """SyncLatencySeconds: from the moment the deal was won to the write-back."""
    if not closed_won_at:
        return
    try:
        won = dt.datetime.fromisoformat(closed_won_at.replace("Z", "+00:00"))
    except ValueError:
        return
    seconds = (dt.datetime.now(dt.UTC) - won).total_seconds()
    if seconds >= 0:
        metrics.add_metric(name="SyncLatencySeconds", unit=MetricUnit.Seconds, value=seconds)


def step_handler(
    name: str,
) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Callable[[dict[str, Any], Any], Any]]:
    """Wrap a step's core function as a Lambda handler.

    Exceptions propagate unchanged so Lambda reports the taxonomy class name as ``errorType``
    and the state machine retries or catches on it.
    """

    def decorate(
        core: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Callable[[dict[str, Any], Any], Any]:
        @functools.wraps(core)
        def handler(event: dict[str, Any], context: Any) -> Any:
            logger.append_keys(
                step=name,
                execution_id=event.get("executionId"),
                opportunity_id=_opportunity_id(event),
            )
            from closedwon.limiter import invocation_scope
            from closedwon.runtime import netsuite_throttles

            throttles_before = netsuite_throttles()
            try:
                with invocation_scope():
                    return core(event)
            except SyncError as exc:
                logger.warning(
                    "step failed",
                    extra={"error_class": error_class_name(exc), "error": str(exc)[:2000]},
                )
                raise
            except Exception as exc:
                logger.exception(
                    "step failed unexpectedly", extra={"error_class": type(exc).__name__}
                )
                raise
            finally:
                throttled = netsuite_throttles() - throttles_before
                if throttled > 0:
                    count("NetSuiteThrottled", throttled)

        return logger.inject_lambda_context(clear_state=True)(metrics.log_metrics(handler))

    return decorate


def _opportunity_id(event: dict[str, Any]) -> str | None:
    for source in (
        event,
        event.get("trigger") or {},
        (event.get("state") or {}).get("trigger") or {},
    ):
        if isinstance(source, dict) and source.get("opportunityId"):
            return str(source["opportunityId"])
    return None
