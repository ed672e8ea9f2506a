"""`closedwon preview` against the offline stack: the records a sync would write, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from closedwon_cli.main import main
from offline.netsuite_double import NetSuiteDouble
from offline.salesforce_double.org import OVERLAY_FILE

pytestmark = pytest.mark.e2e

OPP = "0065f0000000001AAA"


def preview(state: Path, capsys: Any) -> tuple[int, dict[str, Any]]:
    code = main(["--offline", str(state), "preview", OPP, "--json"])
    return code, json.loads(capsys.readouterr().out)


def netsuite_dump(state: Path) -> dict[str, list[dict[str, Any]]]:
    return NetSuiteDouble(state / "netsuite").dump()


def salesforce_writes(state: Path) -> str:
    overlay = state / "salesforce" / OVERLAY_FILE
    return overlay.read_text() if overlay.exists() else ""


def actions(document: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for record in document["records"]:
        found.setdefault(record["recordType"], set()).add(record["action"])
    return found


def test_given_a_new_deal_when_previewed_then_every_record_would_be_created_and_nothing_is_written(
    tmp_path, capsys
) -> None:
    state = tmp_path / "state"
    code, document = preview(state, capsys)
    assert code == 0 and document["status"] == "Ready"
    assert all(r["action"] == "create" for r in document["records"])
    kinds = [r["recordType"] for r in document["records"]]
    assert kinds.count("subscription") == 2 and kinds.count("subscriptionTerm") == 1
    customer = document["records"][0]
    assert customer["externalId"] == "SF-0015f0000000001AAA"
    assert customer["payload"]["companyName"] == "Acme Analytics Inc."
    assert document["rounding"] == {"delta": "0.0000", "currency": "USD"}
    assert all(not records for records in netsuite_dump(state).values())
    assert salesforce_writes(state) == ""


def test_given_a_synced_deal_when_previewed_then_nothing_would_change_and_nothing_is_written(
    tmp_path, capsys
) -> None:
    state = tmp_path / "state"
    assert main(["--offline", str(state), "replay", OPP]) == 0
    capsys.readouterr()
    netsuite_before, salesforce_before = netsuite_dump(state), salesforce_writes(state)

    code, document = preview(state, capsys)

    assert code == 0
    assert actions(document) == {
        "customer": {"unchanged"},
        "contact": {"unchanged"},
        "billingAccount": {"kept"},
        "subscriptionTerm": {"unchanged"},
        "subscriptionPlan": {"kept"},
        "pricePlan": {"kept"},
        "priceBook": {"kept"},
        "subscription": {"kept"},
    }
    assert netsuite_dump(state) == netsuite_before
    assert salesforce_writes(state) == salesforce_before


def test_given_an_invalid_opportunity_id_then_preview_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["--offline", str(tmp_path / "state"), "preview", "not-an-id"]) == 2
    assert "not a Salesforce opportunity id" in capsys.readouterr().err
