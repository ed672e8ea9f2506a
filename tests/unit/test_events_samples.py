"""events/: a sample input for every function in template.yaml, each valid JSON (events/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closedwon.deal import Deal
from closedwon.events import Trigger
from offline.template import function_properties, load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TEMPLATE = load_template()
FUNCTIONS = sorted(resources_of_type(TEMPLATE, "AWS::Serverless::Function"))


def sample_of(logical_id: str) -> Path:
    """The sample is named after the function's code directory: functions/load_deal/ -> load_deal.json."""
    code_dir = Path(function_properties(TEMPLATE, logical_id)["CodeUri"])
    return EVENTS / f"{code_dir.name}.json"


def test_the_template_has_the_nine_step_functions() -> None:
    assert len(FUNCTIONS) == 9, FUNCTIONS


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_every_function_has_a_sample_that_parses(logical_id: str) -> None:
    path = sample_of(logical_id)
    assert path.is_file(), (
        f"{logical_id}: no sample {path.relative_to(ROOT)} (run events/capture.py)"
    )
    sample = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(sample, dict) and sample, f"{path.name}: a sample input is a JSON object"


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_the_readme_says_how_to_invoke_it(logical_id: str) -> None:
    readme = (EVENTS / "README.md").read_text(encoding="utf-8")
    command = f"sam local invoke {logical_id} -e events/{sample_of(logical_id).name}"
    assert command in readme


def test_every_json_file_in_events_parses() -> None:
    files = sorted(EVENTS.glob("*.json"))
    assert len(files) >= len(FUNCTIONS) + 1  # + the relayed event(s)
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))


def test_the_record_failure_sample_is_a_failure() -> None:
    sample = json.loads(sample_of("RecordFailureFunction").read_text(encoding="utf-8"))
    error = sample["state"]["error"]
    assert error["Error"] == "InvalidDeal"
    assert json.loads(error["Cause"])["errorType"] == "InvalidDeal"
    assert sample["state"]["failedStep"] == "LoadDeal"


def test_the_load_deal_sample_wraps_the_relayed_sample_event() -> None:
    sample = json.loads(sample_of("LoadDealFunction").read_text(encoding="utf-8"))
    relayed = json.loads((EVENTS / "opportunity_closed_won.json").read_text(encoding="utf-8"))
    assert sample["input"] == relayed
    assert sample["executionId"].startswith("arn:aws:states:")


SAMPLES_WITH = {
    key: sorted(
        p.name
        for p in EVENTS.glob("*.json")
        if key in (data := json.loads(p.read_text(encoding="utf-8"))) and data[key] is not None
    )
    for key in ("trigger", "deal")
}


@pytest.mark.parametrize("name", SAMPLES_WITH["trigger"])
def test_a_sample_trigger_is_exactly_what_the_trigger_model_writes(name: str) -> None:
    trigger = json.loads((EVENTS / name).read_text(encoding="utf-8"))["trigger"]
    assert Trigger.model_validate(trigger).to_json() == trigger  # no stale or missing keys


@pytest.mark.parametrize("name", SAMPLES_WITH["deal"])
def test_a_sample_deal_is_exactly_what_the_deal_model_writes(name: str) -> None:
    deal = json.loads((EVENTS / name).read_text(encoding="utf-8"))["deal"]
    assert Deal.model_validate(deal).model_dump(mode="json") == deal  # no stale or missing keys
