"""API economy: Salesforce and NetSuite calls per deal, one deal at a time.

Every deal of the bundled sample org (offline/sample/) and of a generated corpus
(``--generated`` deals of :meth:`OrgBuilder.random_deal` variety) is synced on its own, and the
doubles' counters are read before and after. Goals: at most 2 Salesforce calls per deal (read +
write-back); NetSuite calls within the budget ``records written + checks + 1``, where

- records written: customer and contacts (counted as written every run: they are PATCHed when
  something changed) plus every record that did not exist before the deal (create-if-absent
  records created, the subscription);
- checks: one look-up (GET by NetSuite id or external id) per record the deal uses, customer and
  contacts included (an existing one is adopted and updated, never created twice);
- 1: the SuiteQL that resolves the deal's product codes to NetSuite items.

    python -m bench.economy [--generated 20] [--seed 0] [--config bench/rules_mapping.yaml]

``--config`` syncs with another mapping config (bench/rules_mapping.yaml names relationship
fields on every record type: they join the same read, so the goal stays 2 Salesforce calls).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    Corpus,
    bench_stack,
    emit_result,
    generated_corpus,
    print_table,
    sample_corpus,
)
from offline.runner import Runner
from offline.stack import DEFAULT_CONFIG, OfflineStack

UPSERTED_EVERY_RUN = ("customer", "contact")


def record_keys(stack: OfflineStack) -> set[tuple[str, str]]:
    return {
        (record_type, str(r.get("externalId") or f"id:{r.get('id')}"))
        for record_type, records in stack.netsuite.dump().items()
        for r in records
    }


def measure(corpus: Corpus, label: str, config: Any = DEFAULT_CONFIG) -> list[dict[str, Any]]:
    deals = []
    with bench_stack(corpus, config_path=config) as stack:
        runner = Runner(stack)
        for event in corpus.events():
            before = record_keys(stack)
            report = runner.run_event(event, label=label)
            created = record_keys(stack) - before
            touched = {
                (record_type, r["externalId"])
                for record_type, records in report.netsuite.items()
                for r in records
            }
            upserted = {key for key in touched if key[0] in UPSERTED_EVERY_RUN}
            written = len(created | upserted)
            checks = len(touched)
            deals.append(
                {
                    "opportunityId": report.opportunityId,
                    "salesforce_calls": report.salesforceCalls,
                    "netsuite_calls": report.netsuiteCalls,
                    "records_written": written,
                    "checks": checks,
                    "netsuite_budget": written + checks + 1,
                    "status": report.status,
                    "corpus": label,
                }
            )
    return deals


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.economy", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--generated", type=int, default=20, help="generated deals besides the sample org (20)"
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (0)")
    parser.add_argument("--no-sample", action="store_true", help="skip the bundled sample org")
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="mapping config (the sample's)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    deals: list[dict[str, Any]] = []
    if not args.no_sample:
        deals += measure(sample_corpus(), "sample", args.config)
    if args.generated:
        deals += measure(generated_corpus(args.generated, seed=args.seed), "generated", args.config)
    print(f"economy: {len(deals)} deals, one at a time (API calls per deal)")
    print_table(
        [
            "corpus",
            "opportunity",
            "status",
            "SF calls",
            "NS calls",
            "written",
            "checks",
            "NS budget",
            "within",
        ],
        [
            (
                d["corpus"],
                d["opportunityId"],
                d["status"],
                d["salesforce_calls"],
                d["netsuite_calls"],
                d["records_written"],
                d["checks"],
                d["netsuite_budget"],
                "yes" if d["netsuite_calls"] <= d["netsuite_budget"] else "NO",
            )
            for d in deals
        ],
    )
    max_sf = max((d["salesforce_calls"] for d in deals), default=0)
    over = [d for d in deals if d["netsuite_calls"] > d["netsuite_budget"]]
    not_synced = [d for d in deals if d["status"] != "Synced"]
    print(f"max Salesforce calls per deal: {max_sf} (goal <= 2)")
    print(
        f"NetSuite calls within records written + checks + 1: {len(deals) - len(over)}/{len(deals)}"
        f" deals (total calls {sum(d['netsuite_calls'] for d in deals)},"
        f" total budget {sum(d['netsuite_budget'] for d in deals)})"
    )
    if not_synced:
        print(f"NOT synced: {[d['opportunityId'] for d in not_synced]}")
    emit_result(
        {
            "max_salesforce_calls_per_deal": max_sf,
            "deals": [
                {
                    "opportunityId": d["opportunityId"],
                    "corpus": d["corpus"],
                    "salesforce_calls": d["salesforce_calls"],
                    "netsuite_calls": d["netsuite_calls"],
                    "records_written": d["records_written"],
                    "checks": d["checks"],
                    "netsuite_budget": d["netsuite_budget"],
                    "status": d["status"],
                }
                for d in deals
            ],
            "netsuite_within_budget": not over,
        }
    )
    return {"max_salesforce_calls_per_deal": max_sf, "deals": deals}


if __name__ == "__main__":
    main()
