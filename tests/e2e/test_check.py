"""`closedwon check` against the offline stack: passes on the sample, names the cause of each break."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from closedwon_cli.main import main
from offline.stack import DEFAULT_CONFIG, DEFAULT_ORG, DEFAULT_SEED

pytestmark = pytest.mark.e2e


def run_check(
    tmp_path: Path, capsys: Any, *extra: str, **files: dict[str, Any]
) -> tuple[int, dict]:
    """`closedwon --offline STATE check --json`, with any of org/seed/config replaced."""
    args = ["--offline", str(tmp_path / "state")]
    for flag, name in (("--org", "org"), ("--netsuite-seed", "seed"), ("--config", "config")):
        if name in files:
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(files[name]))
            args += [flag, str(path)]
    code = main([*args, *extra, "check", "--json"])
    return code, json.loads(capsys.readouterr().out)


def failed(document: dict) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in document["checks"] if not c["ok"]}


def sample_config() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def sample_org() -> dict[str, Any]:
    return json.loads(DEFAULT_ORG.read_text())


def sample_seed() -> dict[str, Any]:
    return json.loads(DEFAULT_SEED.read_text())


def test_given_the_sample_stack_when_checked_then_every_check_passes_and_exit_is_0(
    tmp_path, capsys
) -> None:
    code, document = run_check(tmp_path, capsys)
    assert code == 0 and document["ok"] is True
    assert [c["name"] for c in document["checks"]] == [
        "config",
        "salesforce-auth",
        "netsuite-auth",
        "salesforce-fields",
        "netsuite-ids",
        "concurrency",
        "items",
    ]
    assert all(c["ok"] for c in document["checks"])


def test_given_a_billing_schedule_netsuite_lacks_then_netsuite_ids_fails_naming_the_key(
    tmp_path, capsys
) -> None:
    config = sample_config()
    config["netsuite"]["billing_schedule_id"] = "99"
    code, document = run_check(tmp_path, capsys, config=config)
    assert code == 1
    assert failed(document) == {
        "netsuite-ids": "netsuite.billing_schedule_id: no billingSchedule 99"
    }


def test_given_a_product_without_a_netsuite_item_then_items_fails_naming_its_code(
    tmp_path, capsys
) -> None:
    seed = sample_seed()
    seed["item"] = [i for i in seed["item"] if i["itemId"] != "AN-STORAGE"]
    code, document = run_check(tmp_path, capsys, seed=seed)
    assert code == 1
    assert failed(document) == {"items": "no NetSuite item with itemId AN-STORAGE"}


def test_given_a_write_back_field_the_org_lacks_then_salesforce_fields_fails_naming_it(
    tmp_path, capsys
) -> None:
    config = sample_config()
    config["salesforce"]["writeback"]["opportunity_error"] = "Sync_Problem__c"
    code, document = run_check(tmp_path, capsys, config=config)
    assert code == 1
    assert failed(document) == {
        "salesforce-fields": "Opportunity.Sync_Problem__c (write-back) is missing or not readable"
    }


def test_given_a_field_hidden_from_the_integration_user_then_salesforce_fields_fails_naming_it(
    tmp_path, capsys
) -> None:
    org = sample_org()
    org["fieldAccess"] = {
        "SBQQ__QuoteLine__c": {"SBQQ__NetPrice__c": {"readable": False}},
        "Account": {"NetSuite_Id__c": {"updateable": False}},
    }
    code, document = run_check(tmp_path, capsys, org=org)
    assert code == 1
    assert failed(document) == {
        "salesforce-fields": "Account.NetSuite_Id__c (write-back) is not editable; "
        "SBQQ__QuoteLine__c.SBQQ__NetPrice__c is missing or not readable"
    }


def test_given_a_cap_above_netsuites_integration_limit_then_concurrency_fails(
    tmp_path, capsys
) -> None:
    seed = sample_seed()
    seed["governanceLimits"] = {
        "accountConcurrencyLimit": 15,
        "accountUnallocatedConcurrencyLimit": 10,
        "integrationConcurrencyLimit": 3,
        "integrationLimitType": "integrationSpecific",
    }
    code, document = run_check(tmp_path, capsys, "--param", "NetSuiteConcurrencyLimit=4", seed=seed)
    assert code == 1
    assert failed(document) == {
        "concurrency": "NetSuiteConcurrencyLimit 4 is above NetSuite's limit 3 (integrationSpecific)"
    }
