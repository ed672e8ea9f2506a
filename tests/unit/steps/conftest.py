"""Fixtures of the step unit tests: the sample org, its items and events, fakes for every port.

Only files are read (offline/sample, events/): nothing here imports moto, boto3 or ``offline``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from closedwon.config import load_mapping_config
from closedwon.steps import load_deal
from tests.fakes.deps import FakeDeps
from tests.fakes.netsuite import FakeNetSuite
from tests.fakes.salesforce import FakeSalesforce

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "offline" / "sample"
EVENTS = ROOT / "events"
OPPORTUNITY = "0065f0000000001AAA"
ACCOUNT = "0015f0000000001AAA"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:closedwon-sync:run-1"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def snapshot() -> dict[str, Any]:
    return read_json(SAMPLE / "org.json")


@pytest.fixture
def items() -> dict[str, str]:
    return {i["itemId"]: i["id"] for i in read_json(SAMPLE / "netsuite_seed.json")["item"]}


@pytest.fixture
def platform_event() -> dict[str, Any]:
    return read_json(EVENTS / "opportunity_closed_won.json")


@pytest.fixture
def cdc_event() -> dict[str, Any]:
    return read_json(EVENTS / "opportunity_change_event.json")


@pytest.fixture
def deps(snapshot: dict[str, Any], items: dict[str, str]) -> FakeDeps:
    return FakeDeps(
        mapping=load_mapping_config(SAMPLE / "mapping.yaml"),
        netsuite=FakeNetSuite(items),
        salesforce=FakeSalesforce(snapshot),
    )


@pytest.fixture
def loaded(deps: FakeDeps, platform_event: dict[str, Any]) -> dict[str, Any]:
    """The state LoadDeal returns for the sample deal."""
    state = load_deal.run({"input": platform_event, "executionId": EXECUTION}, deps)
    assert state["status"] == "Ready"
    return state


@pytest.fixture
def with_customer(loaded: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The state as the ASL builds it after the customer-level steps (ResultPaths)."""

    def build(**extra: Any) -> dict[str, Any]:
        state = copy.deepcopy(loaded)
        state["customer"] = {"id": "501", "externalId": f"SF-{ACCOUNT}", "accountId": ACCOUNT}
        state["billingAccount"] = {"id": "601", "externalId": f"SF-BA-{ACCOUNT}-USD"}
        state.update(extra)
        return state

    return build


def iteration(state: dict[str, Any], package_key: str, **extra: Any) -> dict[str, Any]:
    """A Map iteration's input (the ASL's ItemSelector)."""
    keys = ("executionId", "opportunityId", "dealRef", "customer", "billingAccount")
    return {"packageKey": package_key, **{k: state[k] for k in keys}, **extra}
