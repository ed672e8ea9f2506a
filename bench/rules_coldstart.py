"""What mapping rules add to a cold start: a fresh interpreter per run loads the mapping config
and prepares the sample deal's rule values, once with a config without rules and once with
bench/rules_mapping.yaml, alternating in the same run (median of ``--runs`` each). The figure
is the child's CPU time (``time.process_time``): on a machine shared with other jobs, wall-clock
differences of a few milliseconds drown in scheduling noise.

The clock covers what a container does once: importing the config module (which brings the
rules package and jmespath), parsing and validating the YAML, compiling every expression, loading
the NetSuite field list, and evaluating every rule of the sample deal. Goal: the difference is at
most 10 ms.

    python -m bench.rules_coldstart [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.common import ROOT, emit_result

RULES_CONFIG = ROOT / "bench" / "rules_mapping.yaml"
SAMPLE = ROOT / "offline" / "sample"
GOAL_MS = 10.0

CHILD = """
import json, sys, time
sys.path.insert(0, {layer!r})
started = time.process_time()
from closedwon.config import load_mapping_config
from closedwon.deal import build_deal
from closedwon.rules.apply import with_rule_values
config = load_mapping_config({config!r})
source, items = json.loads(open({source!r}).read())
with_rule_values(build_deal(source, items, config), source, config)
print((time.process_time() - started) * 1000)
"""


def sample_source() -> tuple[dict[str, Any], dict[str, str]]:
    """The sample deal as the reader returns it (with the rule fields), and its items."""
    sys.path.insert(0, str(ROOT))
    from tests.support import deal_source

    org = json.loads((SAMPLE / "org.json").read_text(encoding="utf-8"))
    seed = json.loads((SAMPLE / "netsuite_seed.json").read_text(encoding="utf-8"))
    opportunity = org["records"]["Opportunity"][0]["Id"]
    source = deal_source(org, opportunity)
    quote = source["opportunity"]["SBQQ__PrimaryQuote__r"]
    quote["SBQQ__Account__c"] = source["opportunity"]["AccountId"]
    for line in source["lines"]:
        line["SBQQ__Quote__r"] = {"SBQQ__Type__c": quote.get("SBQQ__Type__c")}
    return source, {i["itemId"]: i["id"] for i in seed["item"]}


def one_run(config: Path, source: Path) -> float:
    code = CHILD.format(
        layer=str(ROOT / "layers" / "shared"), config=str(config), source=str(source)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.rules_coldstart")
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per config (15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        plain = yaml.safe_load(RULES_CONFIG.read_text(encoding="utf-8"))
        plain.pop("fields", None)
        plain.pop("lookups", None)
        (folder / "plain.yaml").write_text(yaml.safe_dump(plain), encoding="utf-8")
        (folder / "source.json").write_text(json.dumps(sample_source()), encoding="utf-8")
        times: dict[str, list[float]] = {"without rules": [], "with rules": []}
        for _ in range(args.runs):
            times["without rules"].append(one_run(folder / "plain.yaml", folder / "source.json"))
            times["with rules"].append(one_run(RULES_CONFIG, folder / "source.json"))
    medians = {label: statistics.median(values) for label, values in times.items()}
    cost = medians["with rules"] - medians["without rules"]
    for label, value in medians.items():
        print(f"{label:>14}: {value:7.1f} ms CPU (median of {args.runs})")
    print(f"rules cost: {cost:.1f} ms of cold start (goal <= {GOAL_MS:.0f} ms)")
    result = {
        "median_ms_without_rules": round(medians["without rules"], 1),
        "median_ms_with_rules": round(medians["with rules"], 1),
        "rules_cost_ms": round(cost, 1),
        "within_goal": cost <= GOAL_MS,
    }
    emit_result(result)
    return result


if __name__ == "__main__":
    main()
