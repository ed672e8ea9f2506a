"""Fault tolerance: N deals of generated variety under a NetSuite fault mix; nothing may be lost
or created twice, and every deal must end Synced or in the DLQ with a permanent reason.

Faults are drawn per NetSuite request from one seeded RNG: 429 (``--rate-429``), 5xx
(``--rate-5xx``, split evenly between 500 and 503), timeouts (``--rate-timeout``: the double
holds the request ``--timeout-s`` then drops the connection) and, with ``--after-write``, 5xx and
timeouts that strike after a write was committed. Step Functions' Retry backoff runs at
``--retry-time-scale`` of real time (real, but fast); the NetSuite client's own in-Lambda retries
sleep in real time. Deals run ``--parallel`` at a time (a rolling window).

- lost: a deal neither Synced nor with a DLQ message;
- duplicate_records: NetSuite records sharing an externalId within a type, plus subscriptions
  beyond one per package;
- retries: Task attempts beyond the first (Step Functions Retry), from the histories.

    python -m bench.faults [--deals 200] [--rate-429 0.2] [--rate-5xx 0.1] [--rate-timeout 0.05]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.common import (
    bench_stack,
    duplicate_records,
    emit_result,
    generated_corpus,
    history,
    outcomes,
    print_table,
    records_written,
    wait_all,
)
from offline.netsuite_double import FaultConfig
from offline.stack import ExecutionResult, OfflineStack


def run_window(
    stack: OfflineStack, events: Sequence[dict[str, Any]], parallel: int, timeout_s: float
) -> dict[str, ExecutionResult]:
    """Start executions keeping at most ``parallel`` running; return every outcome."""
    import boto3

    from offline.stack import REGION

    sfn = boto3.client("stepfunctions", region_name=REGION)
    pending = list(events)
    running: list[str] = []
    order: list[str] = []
    deadline = time.monotonic() + timeout_s
    while pending or running:
        while pending and len(running) < parallel:
            arn = stack.start_execution(pending.pop(0))
            running.append(arn)
            order.append(arn)
        time.sleep(0.1)
        running = [
            a for a in running if sfn.describe_execution(executionArn=a)["status"] == "RUNNING"
        ]
        if time.monotonic() > deadline:
            break
    return wait_all(stack, order, max(1.0, deadline - time.monotonic()))


def task_resources(definition: dict[str, Any]) -> dict[str, str]:
    """State name -> Task resource, through nested Map and Parallel states."""
    found: dict[str, str] = {}
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Task":
            found[name] = state["Resource"]
        for inner in (
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ):
            if isinstance(inner, dict):
                found.update(task_resources(inner))
    return found


def task_retries(stack: OfflineStack, arns: Sequence[str]) -> tuple[int, Counter[str]]:
    """Task attempts beyond the first (tasks scheduled minus task states entered), in total and
    by Task resource; order-independent, so interleaved Map iterations count right."""
    resources = task_resources(stack.definition)
    scheduled: Counter[str] = Counter()
    entered: Counter[str] = Counter()
    for arn in arns:
        for event in history(stack, arn):
            kind = event["type"]
            if kind == "TaskStateEntered":
                entered[resources.get(event["stateEnteredEventDetails"]["name"], "?")] += 1
            elif kind == "LambdaFunctionScheduled":
                scheduled[event["lambdaFunctionScheduledEventDetails"]["resource"]] += 1
            elif kind == "TaskScheduled":
                details = event.get("taskScheduledEventDetails", {})
                scheduled[
                    f"arn:aws:states:::{details.get('resourceType')}:{details.get('resource')}"
                ] += 1
    by_resource: Counter[str] = Counter()
    for resource, n in scheduled.items():
        extra = n - entered.get(resource, 0)
        if extra > 0:
            by_resource[resource.rsplit(":", 1)[-1].removeprefix("closedwon-offline-")] = extra
    return sum(by_resource.values()), by_resource


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--deals", type=int, default=200, help="deals (200)")
    parser.add_argument(
        "--rate-429", type=float, default=0.20, help="share of requests answered 429 (0.20)"
    )
    parser.add_argument(
        "--rate-5xx", type=float, default=0.10, help="share answered 500 or 503, half each (0.10)"
    )
    parser.add_argument(
        "--rate-timeout", type=float, default=0.05, help="share held, then dropped (0.05)"
    )
    parser.add_argument(
        "--after-write",
        action="store_true",
        help="500s and timeouts on writes strike after the commit",
    )
    parser.add_argument("--seed", type=int, default=0, help="fault and corpus seed (0)")
    parser.add_argument(
        "--timeout-s", type=float, default=0.5, help="how long a timeout holds (0.5)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="NetSuite seconds per request (0)"
    )
    parser.add_argument("--parallel", type=int, default=20, help="executions running at once (20)")
    parser.add_argument(
        "--retry-time-scale", type=float, default=0.01, help="ASL Retry sleeps x this (0.01)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after (s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    faults = FaultConfig(
        rate_429=args.rate_429,
        rate_500=args.rate_5xx / 2,
        rate_503=args.rate_5xx / 2,
        rate_timeout=args.rate_timeout,
        after_write=args.after_write,
        timeout_s=args.timeout_s,
        seed=args.seed,
    )
    corpus = generated_corpus(args.deals, seed=args.seed)
    with bench_stack(
        corpus,
        netsuite_faults=faults,
        netsuite_latency_s=args.latency,
        retry_time_scale=args.retry_time_scale,
    ) as stack:
        started = time.perf_counter()
        results = run_window(stack, corpus.events(), args.parallel, args.timeout)
        wall = time.perf_counter() - started
        done = outcomes(stack, results)
        dump = stack.netsuite.dump()
        retries, by_state = task_retries(stack, list(results))
        ns = stack.netsuite.stats
        lambda_stats = stack.lambdas.stats
    figures: dict[str, Any] = {
        "deals": args.deals,
        "synced": len(done.synced),
        "failed_permanent": len(done.failed_permanent),
        "in_dlq": len(done.dlq),
        "lost": len(done.lost),
        "duplicate_records": duplicate_records(dump),
        "retries": retries,
        "wall_seconds": round(wall, 2),
        "failed_transient": len(done.failed) - len(done.failed_permanent) - len(done.lost),
        "netsuite_requests": ns["requests"],
        "netsuite_faults_injected": ns["faults_injected"],
    }
    mix = (
        f"429 {args.rate_429:.0%}, 5xx {args.rate_5xx:.0%}, timeouts {args.rate_timeout:.0%}"
        f"{', after the write' if args.after_write else ''}"
    )
    print(
        f"faults: {args.deals} deals, {args.parallel} at a time, NetSuite faults {mix} (seed {args.seed})"
    )
    print_table(
        ["figure", "value"],
        [
            ("synced", len(done.synced)),
            ("in the DLQ", len(done.dlq)),
            ("  permanent reason", len(done.failed_permanent)),
            ("  not permanent (goal: 0)", figures["failed_transient"]),
            ("lost (neither Synced nor in the DLQ)", len(done.lost)),
            ("NetSuite records", records_written(dump)),
            ("duplicate records", figures["duplicate_records"]),
            ("NetSuite requests / faults injected", f"{ns['requests']} / {ns['faults_injected']}"),
            ("Step Functions task retries", retries),
            (
                "Lambda invocations / errors",
                f"{sum(lambda_stats.invocations.values())} / {sum(lambda_stats.errors.values())}",
            ),
            ("wall (s)", round(wall, 2)),
        ],
    )
    if by_state:
        print("task retries by function:", dict(by_state.most_common()))
    if done.failed:
        print("failed deals by error class:", dict(done.error_classes()))
        for arn in done.failed[:5]:
            message = done.dlq.get(arn, {})
            print(
                f"  {message.get('opportunityId')}: {message.get('failedStep')} "
                f"{message.get('errorClass')} (permanent={message.get('permanent')}): "
                f"{str(message.get('errorMessage'))[:160]}"
            )
    emit_result(figures)
    return figures


if __name__ == "__main__":
    main()
