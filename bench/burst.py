"""Burst: N Closed Won deals arrive at once; how close does the sync get to NetSuite's floor?

The NetSuite double answers every request after ``--latency`` seconds and allows ``--limit``
requests in flight (429 beyond it), like an account's concurrency limit. The product's own cap
(template parameter NetSuiteConcurrencyLimit) is set to the same value. All executions are
started first, then awaited. The floor is the time the requests need at the limit:
``requests x latency / limit``; efficiency = floor / wall.

    python -m bench.burst [--deals 300] [--latency 0.1] [--limit 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from bench.common import (
    bench_stack,
    duplicate_records,
    emit_result,
    generated_corpus,
    outcomes,
    print_table,
    records_written,
    start_all,
    wait_all,
)
from bench.semaphore_calls import SemaphoreCalls

DYNAMODB_USD_PER_WRITE = 0.625 / 1_000_000  # on-demand write request unit
DYNAMODB_USD_PER_READ = 0.125 / 1_000_000  # on-demand read request unit (a strong read of < 4 KB)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.burst", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--deals", type=int, default=300, help="deals arriving at once (300)")
    parser.add_argument(
        "--latency", type=float, default=0.1, help="NetSuite seconds per request (0.1)"
    )
    parser.add_argument(
        "--limit", type=int, default=5, help="NetSuite account concurrency limit = product cap (5)"
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (0)")
    parser.add_argument(
        "--retry-time-scale",
        type=float,
        default=1.0,
        help="multiplies the ASL Retry sleeps (1 = real time, the default)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after (s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    args = parse_args(argv)
    corpus = generated_corpus(args.deals, seed=args.seed)
    with (
        bench_stack(
            corpus,
            netsuite_latency_s=args.latency,
            netsuite_concurrency_limit=args.limit,
            netsuite_in_process=False,
            parameters={"NetSuiteConcurrencyLimit": str(args.limit)},
            retry_time_scale=args.retry_time_scale,
        ) as stack,
        SemaphoreCalls().counting() as semaphore,
    ):
        events = corpus.events()
        started = time.perf_counter()
        cpu_started = time.process_time()
        arns = start_all(stack, events)
        all_started = time.perf_counter() - started
        results = wait_all(stack, arns, args.timeout)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        done = outcomes(stack, results)
        requests = stack.netsuite_api_calls()
        ns = stack.netsuite.stats
        dump = stack.netsuite.dump()
        calls = semaphore.calls
        polls = calls["poll"]
        held = semaphore.held_s
        lambda_errors = sum(stack.lambdas.stats.errors.values())
    floor = requests * args.latency / args.limit
    writes_per_deal = semaphore.writes / max(1, args.deals)
    reads_per_deal = polls / max(1, args.deals)
    semaphore_usd = (
        writes_per_deal * DYNAMODB_USD_PER_WRITE + reads_per_deal * DYNAMODB_USD_PER_READ
    )
    figures: dict[str, object] = {
        "deals": args.deals,
        "wall_seconds": round(wall, 2),
        "netsuite_requests": requests,
        "floor_seconds": round(floor, 2),
        "efficiency": round(floor / wall, 3) if wall > 0 else None,
        "max_in_flight": ns["max_in_flight"],
        "throttled_429": ns["throttled_429"],
        "duplicate_records": duplicate_records(dump),
        "lost": len(done.lost),
        "synced": len(done.synced),
        "in_dlq": len(done.dlq),
        "latency_s": args.latency,
        "limit": args.limit,
        "cpu_seconds": round(cpu, 1),
        "semaphore_polls": polls,
        "semaphore_writes": semaphore.writes,
    }
    print(
        f"burst: {args.deals} deals at once; NetSuite latency {args.latency}s, limit {args.limit}"
    )
    print_table(
        ["figure", "value"],
        [
            ("executions started in (s)", round(all_started, 2)),
            ("wall (s)", round(wall, 2)),
            ("NetSuite requests", requests),
            ("floor = requests x latency / limit (s)", round(floor, 2)),
            ("efficiency = floor / wall", figures["efficiency"]),
            ("max NetSuite requests in flight", ns["max_in_flight"]),
            ("429 answered by NetSuite", ns["throttled_429"]),
            ("records written", records_written(dump)),
            ("duplicate records", figures["duplicate_records"]),
            ("synced / in DLQ / lost", f"{len(done.synced)} / {len(done.dlq)} / {len(done.lost)}"),
            ("Lambda errors (retried by the ASL)", lambda_errors),
            (
                "semaphore DynamoDB calls",
                ", ".join(f"{kind} {n:,}" for kind, n in sorted(calls.items())),
            ),
            (
                "  per deal: writes, reads (USD per 1,000 deals)",
                f"{writes_per_deal:,.1f}, {reads_per_deal:,.1f} ({semaphore_usd * 1000:.3f})",
            ),
            ("slot-seconds available = limit x wall", round(args.limit * wall, 1)),
            ("  held by steps", round(held, 1)),
            ("  of which a NetSuite request was in flight", round(ns["busy_s"], 1)),
            ("bench process CPU (s)", round(cpu, 1)),
        ],
    )
    if done.failed:
        print("failed deals by error class:", dict(done.error_classes()))
    emit_result(figures)
    return figures


if __name__ == "__main__":
    main()
