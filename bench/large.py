"""Large deals: a 1,000-line quote and a deal with 200 contacts must both sync, and no state
payload may come near Step Functions' 256 KB cap (goal: the largest < 200 KB).

The 1,000 lines form ``--packages`` CPQ packages (bundles: a root line and its options, lines
spread evenly; as many packages as lines means 1,000 standalone lines). The payload figure is
the largest of: every Lambda input or output the offline seam saw
(``lambdas.stats.max_payload_bytes``) and every state input or output in the execution
histories (the Map's aggregated result is a state output, not a Lambda payload).

    python -m bench.large [--lines 1000] [--packages 10] [--contacts 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import (
    Corpus,
    bench_stack,
    emit_result,
    history,
    outcomes,
    print_table,
    start_all,
    wait_all,
)
from offline.corpus import LineSpec, OrgBuilder
from offline.stack import ExecutionResult, OfflineStack

LIMIT_BYTES = 200 * 1024
OPTION_CODES = ("PRO-SEATS", "PRO-ONBOARD", "PRO-API", "PRO-CONSOLE", "AN-DASH", "AN-STORAGE")


def option(code: str, index: int, parent: int) -> LineSpec:
    """A bundle option of realistic variety: recurring, one-time, usage or included."""
    kind = index % 4
    if kind == 1:
        return LineSpec(
            code, charge_type="One-Time", frequency=None, net_price=500.0, parent=parent
        )
    if kind == 2:
        return LineSpec(
            code,
            charge_type="Usage",
            frequency="Monthly",
            billing_type="Arrears",
            net_price=2.0,
            parent=parent,
        )
    if kind == 3:
        return LineSpec(code, bundled=True, net_price=0.0, parent=parent)
    return LineSpec(
        code,
        frequency=("Monthly", "Quarterly", "Annual")[index % 3],
        quantity=1 + index % 50,
        net_price=120.0,
        parent=parent,
    )


def large_quote_lines(lines: int, packages: int) -> list[LineSpec]:
    packages = max(1, min(packages, lines))
    specs: list[LineSpec] = []
    per_package = [lines // packages + (1 if i < lines % packages else 0) for i in range(packages)]
    for size in per_package:
        root = len(specs)
        if size == 1:
            specs.append(LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=4800.0))
            continue
        specs.append(LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0))
        for n in range(size - 1):
            specs.append(option(OPTION_CODES[n % len(OPTION_CODES)], n, root))
    return specs


def large_corpus(lines: int, packages: int, contacts: int) -> tuple[Corpus, dict[str, str]]:
    org = OrgBuilder(seed=7)
    address: dict[str, str | None] = {
        "Street": "1 Large Deal Plaza\nFloor 40",
        "City": "Boston",
        "State": "MA",
        "PostalCode": "02110",
        "Country": "United States",
        "CountryCode": "US",
    }
    big_quote_account = org.account("Thousand Lines Corp.", billing=address, shipping=address)
    buyer = org.contact(big_quote_account, "Ada", "Lines", email="ada@thousand.example")
    quote_opp = org.opportunity(
        big_quote_account,
        f"Thousand Lines Corp. - {lines}-line quote",
        large_quote_lines(lines, packages),
        contacts=[(buyer, "Decision Maker", True)],
        primary_contact=buyer,
    )
    crowd_account = org.account("Many Contacts Ltd", billing=address, shipping=address)
    roles = []
    for n in range(contacts):
        cid = org.contact(
            crowd_account,
            f"First{n}",
            f"Contact{n:03d}",
            email=f"contact{n}@many.example",
            title="Stakeholder",
            phone=f"+1 617 555 {n:04d}",
        )
        roles.append((cid, "Decision Maker" if n == 0 else "Influencer", n == 0))
    contacts_opp = org.opportunity(
        crowd_account,
        f"Many Contacts Ltd - {contacts} contacts",
        [
            LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0),
            LineSpec("PRO-SEATS", frequency="Monthly", quantity=200, net_price=600.0, parent=0),
            LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=4800.0),
        ],
        contacts=roles,
        primary_contact=roles[0][0] if roles else None,
    )
    labels = {
        quote_opp: f"{lines}-line quote ({packages} packages)",
        contacts_opp: f"{contacts} contacts",
    }
    return Corpus(org.snapshot()), labels


def history_payload_bytes(stack: OfflineStack, arn: str) -> int:
    """The largest input or output recorded in the execution's history."""
    largest = 0
    for event in history(stack, arn):
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                for field in ("input", "output"):
                    if isinstance(details.get(field), str):
                        largest = max(largest, len(details[field].encode("utf-8")))
    return largest


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.large", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--lines", type=int, default=1000, help="quote lines of the big quote (1000)"
    )
    parser.add_argument(
        "--packages", type=int, default=100, help="CPQ packages the lines form (100)"
    )
    parser.add_argument(
        "--contacts", type=int, default=200, help="contacts of the other deal (200)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="NetSuite seconds per request (0)"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up after (s)")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class DealRun:
    """One deal's execution and what it cost."""

    arn: str
    deal: str
    result: ExecutionResult
    seconds: float
    salesforce_calls: int
    netsuite_calls: int


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    corpus, labels = large_corpus(args.lines, args.packages, args.contacts)
    rows = []
    with bench_stack(corpus, netsuite_latency_s=args.latency) as stack:
        started = time.perf_counter()
        per_deal = []
        for event, opp in zip(corpus.events(), corpus.opportunities, strict=True):
            sf_before, ns_before = stack.salesforce.api_calls, stack.netsuite_api_calls()
            deal_started = time.perf_counter()
            (arn,) = start_all(stack, [event])
            result = wait_all(stack, [arn], args.timeout)[arn]
            per_deal.append(
                DealRun(
                    arn=arn,
                    deal=labels[opp["Id"]],
                    result=result,
                    seconds=round(time.perf_counter() - deal_started, 2),
                    salesforce_calls=stack.salesforce.api_calls - sf_before,
                    netsuite_calls=stack.netsuite_api_calls() - ns_before,
                )
            )
        wall = time.perf_counter() - started
        done = outcomes(stack, {d.arn: d.result for d in per_deal})
        lambda_payload = stack.lambdas.stats.max_payload_bytes
        state_payload = max(history_payload_bytes(stack, d.arn) for d in per_deal)
        max_payload = max(lambda_payload, state_payload)
        sf_calls, ns_calls = stack.salesforce.api_calls, stack.netsuite_api_calls()
        dump = stack.netsuite.dump()
    for d in per_deal:
        synced = d.arn in done.synced
        why = (
            ""
            if synced
            else f" {done.dlq.get(d.arn, {}).get('errorClass') or d.result.error}"
            + ("" if d.arn in done.dlq else " (no DLQ message: LOST)")
        )
        rows.append(
            (
                d.deal,
                ("Synced" if synced else "FAILED") + why,
                d.seconds,
                d.salesforce_calls,
                d.netsuite_calls,
            )
        )
    figures: dict[str, Any] = {
        "deals_synced": len(done.synced),
        "wall_seconds": round(wall, 2),
        "max_state_payload_bytes": max_payload,
        "max_lambda_payload_bytes": lambda_payload,
        "lost": len(done.lost),
        "salesforce_calls": sf_calls,
        "netsuite_calls": ns_calls,
        "deals": len(per_deal),
        "lines": args.lines,
        "packages": args.packages,
        "contacts": args.contacts,
    }
    print(
        f"large: a {args.lines}-line quote in {args.packages} packages; a deal with {args.contacts} contacts"
    )
    print_table(["deal", "outcome", "seconds", "Salesforce calls", "NetSuite calls"], rows)
    print(
        f"records in NetSuite: {sum(len(v) for v in dump.values())} "
        f"({', '.join(f'{k} {len(v)}' for k, v in sorted(dump.items()))})"
    )
    verdict = "under" if max_payload < LIMIT_BYTES else "NOT under"
    print(
        f"largest state payload: {max_payload:,} bytes ({max_payload / 1024:.1f} KB), "
        f"{verdict} the 200 KB goal (Step Functions cap: 256 KB); largest Lambda payload "
        f"{lambda_payload:,} bytes, largest state in the histories {state_payload:,} bytes"
    )
    emit_result(figures)
    return figures


if __name__ == "__main__":
    main()
