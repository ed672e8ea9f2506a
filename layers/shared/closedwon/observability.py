"""One place for Logger and Metrics (Powertools); the handler wrapper is closedwon.handler.

Logs are JSON with the opportunity id and execution id on every line. Logs carry ids, counts
and error classes only — never names, emails, phones or addresses (personal data) and never
secrets; tests/e2e/test_no_secrets_or_personal_data.py scans captured logs for both.
"""

from __future__ import annotations

import datetime as dt
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

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


def gauge(name: str, value: float, **dimensions: str) -> None:
    """Emit one measured value (EMF, unit None) with its own dimensions, flushed at once."""
    with single_metric(name=name, unit=MetricUnit.NoUnit, value=value, namespace=NAMESPACE) as m:
        m.add_dimension(name="service", value=SERVICE)
        for key, dim in dimensions.items():
            m.add_dimension(name=key, value=dim)


def record_latency(closed_won_at: object) -> None:
    """SyncLatencySeconds: from the moment the deal was won to the write-back."""
    if not isinstance(closed_won_at, str) or not closed_won_at:
        return
    try:
        won = dt.datetime.fromisoformat(closed_won_at.replace("Z", "+00:00"))
    except ValueError:
        return
    seconds = (dt.datetime.now(dt.UTC) - won).total_seconds()
    if seconds >= 0:
        metrics.add_metric(name="SyncLatencySeconds", unit=MetricUnit.Seconds, value=seconds)
