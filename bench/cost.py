"""Cost per deal: Step Functions transitions, Lambda GB-seconds and requests, DynamoDB, and the
other AWS calls, measured from offline runs and priced at current list prices (us-east-1).

Every deal of the bundled sample org and of a generated corpus is synced one at a time with the
NetSuite double answering after ``--latency`` s (the Lambdas wait on NetSuite, and Lambda bills
that wait). Measured, per deal:

- state transitions: history events ``*StateEntered`` plus retries (a Task scheduled again
  after a failed attempt); Step Functions Standard bills every state entered, retries included;
- Lambda GB-s: each invocation's duration rounded up to the 1 ms billing granularity, times the
  function's memory from template.yaml; Lambda requests: the invocations;
- DynamoDB: every request the product's coordination client makes (deal lock, NetSuite
  semaphore slots; a conditional write that fails is billed as a write too);
- S3: the deal-snapshot client's requests (only deals above 32 KB use it);
- SQS: DLQ messages sent (none for a deal that syncs);
- CloudWatch Logs: bytes the functions log (JSON logs + EMF metrics), ingestion priced per GB.

Modelled, not measured: Secrets Manager (offline the secrets are cached for the whole process;
priced here as an upper bound of one GetSecretValue per invocation, i.e. every invocation a cold
container; warm containers cache them 5 minutes) and one EventBridge partner event per deal.

    python -m bench.cost [--generated 20] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import (
    Corpus,
    bench_stack,
    emit_result,
    generated_corpus,
    history,
    print_table,
    sample_corpus,
    start_all,
    wait_all,
)
from offline.stack import OfflineStack

#: USD, us-east-1 list prices (on-demand, no free tier).
PRICES: dict[str, float] = {
    "stepfunctions_standard_per_transition": 0.000025,
    "lambda_arm64_per_gb_second": 0.0000133334,
    "lambda_per_request": 0.0000002,  # 0.20 per million
    "dynamodb_on_demand_per_write": 0.000000625,  # 0.625 per million (2024 price)
    "dynamodb_on_demand_per_read": 0.000000125,  # 0.125 per million
    "sqs_per_request": 0.0000004,  # 0.40 per million
    "s3_per_put": 0.000005,  # 0.005 per 1,000
    "s3_per_get": 0.0000004,  # 0.0004 per 1,000
    "secretsmanager_per_api_call": 0.000005,  # 0.05 per 10,000
    "eventbridge_per_partner_event": 0.000001,  # 1.00 per million
    "cloudwatch_logs_per_gb_ingested": 0.50,
}
GOAL_USD_PER_1000 = 0.50
DYNAMODB_WRITES = ("PutItem", "DeleteItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems")
S3_PUTS = ("PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "ListObjectsV2")


class Meter:
    """Counts what a stack's functions do: invocation durations and AWS requests by operation."""

    def __init__(self, stack: OfflineStack) -> None:
        self.stack = stack
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.memory_mb = {e.logical_id: e.memory_mb for e in stack.lambdas.functions.values()}
        self.aws: Counter[str] = Counter()
        stack.lambdas.on_invocation.append(self._timed)
        # Every container's own clients, as each cold start builds them.
        stack.lambdas.on_cold_start.append(self._watch)

    def _watch(self, function: str, container: Any) -> None:
        for service in ("dynamodb", "s3"):
            client = container.client(service)
            client.meta.events.register(f"before-call.{service}", self._count(service))

    def _timed(self, name: str, elapsed_ms: float) -> None:
        self.durations[name].append(elapsed_ms)

    def _count(self, service: str) -> Callable[..., None]:
        def count(model: Any = None, **_: Any) -> None:
            self.aws[f"{service}:{getattr(model, 'name', '?')}"] += 1

        return count

    def log_bytes(self) -> int:
        sys.stdout.flush()  # the stack routes the functions' stdout to its lambda log
        path = self.stack.options.lambda_log_path
        return path.stat().st_size if path and path.exists() else 0


def run_corpus(corpus: Corpus, latency: float) -> dict[str, Any]:
    with bench_stack(corpus, netsuite_latency_s=latency) as stack:
        meter = Meter(stack)
        logs_before = meter.log_bytes()
        transitions = retries = dlq_sends = 0
        deals = 0
        for event in corpus.events():
            (arn,) = start_all(stack, [event])
            wait_all(stack, [arn], 600)
            deals += 1
            events = history(stack, arn)
            types = Counter(e["type"] for e in events)
            entered = sum(n for t, n in types.items() if t.endswith("StateEntered"))
            scheduled = types["LambdaFunctionScheduled"] + types["TaskScheduled"]
            retries += max(0, scheduled - types["TaskStateEntered"])
            transitions += entered
            dlq_sends += sum(
                1
                for e in events
                if e["type"] == "TaskStateEntered"
                and e.get("stateEnteredEventDetails", {}).get("name") == "SendToDLQ"
            )
        log_bytes = meter.log_bytes() - logs_before
        gb_seconds = sum(
            math.ceil(ms) / 1000 * meter.memory_mb[name] / 1024
            for name, values in meter.durations.items()
            for ms in values
        )
        return {
            "deals": deals,
            "transitions": transitions + retries,
            "retries": retries,
            "invocations": sum(len(v) for v in meter.durations.values()),
            "gb_seconds": gb_seconds,
            "lambda_ms": sum(sum(v) for v in meter.durations.values()),
            "aws": meter.aws,
            "dlq_sends": dlq_sends,
            "log_bytes": log_bytes,
        }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--generated", type=int, default=20, help="generated deals besides the sample (20)"
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (0)")
    parser.add_argument(
        "--latency", type=float, default=0.1, help="NetSuite seconds per request (0.1)"
    )
    parser.add_argument("--no-sample", action="store_true", help="skip the bundled sample org")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    runs = []
    if not args.no_sample:
        runs.append(run_corpus(sample_corpus(), args.latency))
    if args.generated:
        runs.append(run_corpus(generated_corpus(args.generated, seed=args.seed), args.latency))
    deals = sum(r["deals"] for r in runs) or 1
    aws: Counter[str] = sum((r["aws"] for r in runs), Counter())
    per_deal = {
        "transitions": sum(r["transitions"] for r in runs) / deals,
        "retries": sum(r["retries"] for r in runs) / deals,
        "invocations": sum(r["invocations"] for r in runs) / deals,
        "gb_seconds": sum(r["gb_seconds"] for r in runs) / deals,
        "dynamodb_writes": sum(
            n
            for k, n in aws.items()
            if k.split(":")[1] in DYNAMODB_WRITES and k.startswith("dynamodb")
        )
        / deals,
        "dynamodb_reads": sum(
            n
            for k, n in aws.items()
            if k.startswith("dynamodb") and k.split(":")[1] not in DYNAMODB_WRITES
        )
        / deals,
        "s3_puts": sum(
            n for k, n in aws.items() if k.startswith("s3") and k.split(":")[1] in S3_PUTS
        )
        / deals,
        "s3_gets": sum(
            n for k, n in aws.items() if k.startswith("s3") and k.split(":")[1] not in S3_PUTS
        )
        / deals,
        "sqs_requests": sum(r["dlq_sends"] for r in runs) / deals,
        "log_bytes": sum(r["log_bytes"] for r in runs) / deals,
    }
    secrets_calls = per_deal["invocations"]  # upper bound: every invocation a cold container
    usd = {
        "Step Functions transitions": per_deal["transitions"]
        * PRICES["stepfunctions_standard_per_transition"],
        "Lambda GB-s (arm64)": per_deal["gb_seconds"] * PRICES["lambda_arm64_per_gb_second"],
        "Lambda requests": per_deal["invocations"] * PRICES["lambda_per_request"],
        "DynamoDB writes": per_deal["dynamodb_writes"] * PRICES["dynamodb_on_demand_per_write"],
        "DynamoDB reads": per_deal["dynamodb_reads"] * PRICES["dynamodb_on_demand_per_read"],
        "S3 requests": per_deal["s3_puts"] * PRICES["s3_per_put"]
        + per_deal["s3_gets"] * PRICES["s3_per_get"],
        "SQS (DLQ) requests": per_deal["sqs_requests"] * PRICES["sqs_per_request"],
        "Secrets Manager (upper bound)": secrets_calls * PRICES["secretsmanager_per_api_call"],
        "EventBridge partner event": PRICES["eventbridge_per_partner_event"],
        "CloudWatch Logs ingestion": per_deal["log_bytes"]
        / 1024**3
        * PRICES["cloudwatch_logs_per_gb_ingested"],
    }
    total_per_1000 = sum(usd.values()) * 1000
    print(f"cost: {deals} deals synced one at a time, NetSuite latency {args.latency}s")
    print_table(
        ["per deal", "measured"],
        [
            ("state transitions (incl. retries)", round(per_deal["transitions"], 2)),
            ("  of which retries", round(per_deal["retries"], 2)),
            ("Lambda invocations", round(per_deal["invocations"], 2)),
            ("Lambda GB-s (1 ms granularity)", round(per_deal["gb_seconds"], 4)),
            ("DynamoDB writes (lock + semaphore)", round(per_deal["dynamodb_writes"], 1)),
            ("DynamoDB reads", round(per_deal["dynamodb_reads"], 1)),
            ("S3 requests", round(per_deal["s3_puts"] + per_deal["s3_gets"], 2)),
            ("SQS requests", round(per_deal["sqs_requests"], 2)),
            ("log bytes", round(per_deal["log_bytes"])),
            ("Secrets Manager calls (modelled upper bound)", round(secrets_calls, 2)),
        ],
    )
    print()
    print_table(
        ["USD per 1,000 deals", "USD"],
        [*((k, f"{v * 1000:.4f}") for k, v in usd.items()), ("total", f"{total_per_1000:.4f}")],
    )
    verdict = "within" if total_per_1000 <= GOAL_USD_PER_1000 else "ABOVE"
    print(
        f"total {total_per_1000:.3f} USD per 1,000 deals: {verdict} the {GOAL_USD_PER_1000:.2f} goal"
    )
    print("prices used (USD, us-east-1, on-demand, no free tier):")
    for key, price in PRICES.items():
        print(f"  {key}: {price:.10g}")
    figures = {
        "transitions_per_deal": round(per_deal["transitions"], 2),
        "lambda_gb_seconds_per_deal": round(per_deal["gb_seconds"], 5),
        "usd_per_1000_deals": round(total_per_1000, 4),
        "prices": PRICES,
        "deals": deals,
        "breakdown_usd_per_1000": {k: round(v * 1000, 5) for k, v in usd.items()},
        "dynamodb_writes_per_deal": round(per_deal["dynamodb_writes"], 2),
        "lambda_invocations_per_deal": round(per_deal["invocations"], 2),
    }
    emit_result(figures)
    return figures


if __name__ == "__main__":
    main()
