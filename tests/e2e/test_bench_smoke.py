"""Every bench runs end to end with tiny arguments and ends with a parseable ``RESULT {json}``.

A smoke test only: the figures themselves are measured by ``make bench``, not asserted here.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import sys

import pytest

pytestmark = pytest.mark.e2e

CASES = {
    "burst": (
        ["--deals", "3", "--latency", "0", "--retry-time-scale", "0"],
        {
            "deals",
            "wall_seconds",
            "netsuite_requests",
            "floor_seconds",
            "efficiency",
            "max_in_flight",
            "throttled_429",
            "duplicate_records",
            "lost",
        },
    ),
    "large": (
        ["--lines", "12", "--packages", "3", "--contacts", "4"],
        {
            "deals_synced",
            "wall_seconds",
            "max_state_payload_bytes",
            "salesforce_calls",
            "netsuite_calls",
        },
    ),
    "economy": (
        ["--generated", "1"],
        {"max_salesforce_calls_per_deal", "deals"},
    ),
    "coldstart": (
        # The artifact tree needs `make build`; .ci/run measures it after the build.
        ["--runs", "1", "--trees", "source", "--functions", "UpsertCustomerFunction"],
        {"functions"},
    ),
    "cost": (
        ["--generated", "1", "--no-sample", "--latency", "0"],
        {"transitions_per_deal", "lambda_gb_seconds_per_deal", "usd_per_1000_deals", "prices"},
    ),
    "faults": (
        ["--deals", "3", "--rate-timeout", "0.02", "--timeout-s", "0.05"],
        {
            "deals",
            "synced",
            "failed_permanent",
            "in_dlq",
            "lost",
            "duplicate_records",
            "retries",
            "wall_seconds",
        },
    ),
}


@pytest.fixture(autouse=True)
def _open_log_streams() -> None:
    """The functions' logger keeps the stdout it was created with; if that was an earlier
    test's (since closed) capture, the stack could not re-route it. Point it at a live one."""
    from closedwon.observability import logger

    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "closed", False):
            handler.stream = sys.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_bench_prints_a_result_line_last(name: str) -> None:
    argv, keys = CASES[name]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        importlib.import_module(f"bench.{name}").main(argv)
    lines = out.getvalue().strip().splitlines()
    assert lines, f"bench.{name} printed nothing"
    prefix, _, payload = lines[-1].partition(" ")
    assert prefix == "RESULT", lines[-1]
    result = json.loads(payload)
    assert keys <= set(result), keys - set(result)


def test_given_a_bench_stack_then_moto_runs_with_the_speed_patches_and_without_them_after() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    from bench.common import bench_stack, sample_corpus

    shipped = ExecutionWorker._get_evaluation_entrypoint
    with bench_stack(sample_corpus()):
        assert ExecutionWorker._get_evaluation_entrypoint is not shipped
    assert ExecutionWorker._get_evaluation_entrypoint is shipped
