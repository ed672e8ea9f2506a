"""`closedwon link customers` against the offline stack, with a NetSuite seed holding existing
customers (docs/go-live.md step 2): propose, review, apply, run again."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from closedwon_cli.main import main
from offline.netsuite_double import NetSuiteDouble
from offline.salesforce_double.org import OVERLAY_FILE
from offline.stack import DEFAULT_SEED

pytestmark = pytest.mark.e2e

ACCOUNT = "0015f0000000001AAA"


def existing_customer(cid: str, name: str, country: str, email: str) -> dict[str, Any]:
    return {
        "id": cid,
        "companyName": name,
        "email": email,
        "subsidiary": {"id": "1"},
        "addressBook": {
            "items": [
                {
                    "defaultBilling": True,
                    "defaultShipping": False,
                    "label": "Billing",
                    "addressBookAddress": {"city": "Boston", "country": {"id": country}},
                }
            ]
        },
    }


def seed_with(tmp_path: Path, *customers: dict[str, Any]) -> Path:
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["customer"] = list(customers)
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    return path


def link(tmp_path: Path, seed: Path, *args: str) -> int:
    return main(
        [
            "--offline",
            str(tmp_path / "state"),
            "--netsuite-seed",
            str(seed),
            "--progress",
            "none",
            "link",
            "customers",
            *args,
        ]
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def salesforce_writes(tmp_path: Path) -> str:
    overlay = tmp_path / "state" / "salesforce" / OVERLAY_FILE
    return overlay.read_text() if overlay.exists() else ""


def test_given_a_customer_of_the_same_name_and_country_when_linked_then_both_sides_carry_the_link(
    tmp_path, capsys
) -> None:
    seed = seed_with(
        tmp_path,
        existing_customer("900", "ACME  Analytics inc.", "US", "ap@acme-analytics.example"),
        existing_customer("901", "Acme Analytics Inc.", "DE", "office@acme.example.de"),
    )
    review = tmp_path / "review.csv"

    assert link(tmp_path, seed, "--out", str(review)) == 0
    assert rows(review) == [
        {
            "accountId": ACCOUNT,
            "accountName": "Acme Analytics Inc.",
            "netsuiteId": "900",
            "companyName": "ACME  Analytics inc.",
            "rule": "name+country",
        }
    ]

    assert link(tmp_path, seed, "--apply", str(review), "--json") == 0
    assert json.loads(capsys.readouterr().out)["linked"] == 1
    customers = {c["id"]: c for c in NetSuiteDouble(tmp_path / "state/netsuite").dump()["customer"]}
    assert customers["900"]["externalId"] == f"SF-{ACCOUNT}"
    assert "externalId" not in customers["901"] or not customers["901"]["externalId"]
    overlay = json.loads(salesforce_writes(tmp_path))
    assert json.dumps(overlay).count('"NetSuite_Id__c": "900"') == 1

    # Re-running either changes nothing.
    before = salesforce_writes(tmp_path)
    assert link(tmp_path, seed, "--apply", str(review), "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["linked"], again["already"]) == (0, 1)
    assert salesforce_writes(tmp_path) == before
    assert link(tmp_path, seed, "--out", str(review)) == 0
    assert rows(review) == []


def test_given_two_candidates_then_each_is_proposed_as_ambiguous_and_never_applied(
    tmp_path, capsys
) -> None:
    seed = seed_with(
        tmp_path,
        existing_customer("900", "Acme Analytics Inc.", "US", "ap@acme-analytics.example"),
        existing_customer("902", "acme analytics inc.", "US", "billing@acme-analytics.example"),
    )
    review = tmp_path / "review.csv"
    assert link(tmp_path, seed, "--out", str(review)) == 0
    proposed = rows(review)
    assert [(r["netsuiteId"], r["rule"]) for r in proposed] == [
        ("900", "ambiguous"),
        ("902", "ambiguous"),
    ]

    assert link(tmp_path, seed, "--apply", str(review), "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["linked"], summary["ambiguous"]) == (0, 2)
    assert salesforce_writes(tmp_path) == ""


def test_given_no_name_match_then_a_shared_email_domain_is_proposed(tmp_path, capsys) -> None:
    seed = seed_with(
        tmp_path, existing_customer("905", "AA Holdings", "US", "finance@acme-analytics.example")
    )
    review = tmp_path / "review.csv"
    assert link(tmp_path, seed, "--out", str(review)) == 0
    assert [(r["netsuiteId"], r["rule"]) for r in rows(review)] == [("905", "email-domain")]
