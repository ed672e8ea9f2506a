"""The step handlers (functions/*/app.py): only taxonomy names ever reach the ASL.

Lambda reports an unhandled exception's class as ``errorType`` (AWS Lambda Developer Guide,
"AWS Lambda function errors in Python"), and the ASL's Retry and Catch match on that name.
"""

from __future__ import annotations

import copy
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from closedwon.errors import PERMANENT, RETRYABLE, AuthOrConfig, InvalidEvent, Unexpected
from closedwon.handler import StepHandler
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import ROOT, iteration

TAXONOMY = {*RETRYABLE, *PERMANENT}
FUNCTIONS = sorted((ROOT / "functions").glob("*/app.py"))


@dataclass
class Context:
    function_name: str = "closedwon-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:closedwon-test"
    aws_request_id: str = "req-1"


def handler_of(app: Path) -> StepHandler:
    spec = importlib.util.spec_from_file_location(f"app_{app.parent.name}", app)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = module.handler
    assert isinstance(handler, StepHandler)
    return handler


def hostile_states(valid: dict[str, Any]) -> list[Any]:
    """Missing keys and wrong types, at the top and inside every field a step reads."""
    shapes: list[Any] = [None, [], "state", 7, {}, {"input": None}, {"input": []}, {"input": "x"}]
    shapes += [{"input": {"detail": "x"}}, {"input": {"trigger": {"opportunityId": 5}}}]
    shapes += [{"input": {"detail": {"payload": {"ChangeEventHeader": {"recordIds": "x"}}}}}]
    replacements: dict[str, list[Any]] = {
        "deal": ["x", {"opportunity_id": 5}, []],
        "dealRef": ["x", {"bucket": 1}, {"bucket": "b", "key": "k"}],
        "customer": [None, "x", {"id": None}, {"id": {"a": 1}}, {"id": "1", "accountId": 5}],
        "billingAccount": [None, "x", {"id": []}],
        "packageKey": [None, 5, [], "a0r000000000000AAA"],
        "plan": ["x", {}, {"planId": None}],
        "packages": ["x", [5], [{"subscription": None}], [{"subscription": {"id": {}}}]],
        "contacts": ["x", [{"contactId": None}], [{"contactId": "003", "id": None}]],
        "opportunityId": [None, 5, ["x"]],
        "executionId": [5, {"a": 1}],
        "status": [5, "Skipped"],
        "trigger": ["x", {"closedWonAt": 5}],
        "error": ["x", {"Cause": 5}],
    }
    for key, values in replacements.items():
        for value in values:
            shapes.append({**copy.deepcopy(valid), key: value})
            shapes.append({k: v for k, v in copy.deepcopy(valid).items() if k != key})
    return shapes


@pytest.mark.parametrize("app", FUNCTIONS, ids=lambda p: p.parent.name)
def test_given_hostile_states_when_any_step_runs_then_only_taxonomy_classes_come_out(
    app: Path, deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    handler = handler_of(app)
    valid = iteration(
        {
            **loaded,
            "customer": {"id": "501", "accountId": "0015f0000000001AAA"},
            "billingAccount": {"id": "601"},
        },
        loaded["packageKeys"][0],
        plan={"planId": "1", "priceBookId": "2", "termId": "3"},
    )
    valid.update(status="Ready", trigger=loaded["trigger"], packages=[], contacts=[])
    for state in hostile_states(valid):
        for event in (state, {"input": state, "executionId": "arn:x"}, {"state": state}):
            try:
                handler.invoke(deps, event, Context())  # type: ignore[arg-type]
            except Exception as exc:
                assert type(exc).__name__ in TAXONOMY, (app.parent.name, event, repr(exc))
                # A malformed state is a known failure (InvalidEvent naming the path), not a defect.
                assert type(exc).__name__ != "Unexpected", (app.parent.name, event, repr(exc))
                if app.parent.name == "record_failure":
                    raise AssertionError(f"RecordFailure raised {exc!r}") from exc


def test_given_a_defect_in_a_step_when_it_raises_then_unexpected_names_type_and_place_not_values(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    def broken(state: Any, deps: Any) -> Any:
        return {"jane.doe@example.com": 1}["missing key"]

    with pytest.raises(Unexpected) as info:
        StepHandler("UpsertCustomer", broken).invoke(deps, loaded, Context())  # type: ignore[arg-type]
    message = str(info.value)
    assert "KeyError" in message and "test_handlers.py" in message and "in broken" in message
    assert "missing key" not in message and "jane" not in message


def test_given_a_step_when_it_ends_then_the_container_gives_its_slot_back(
    deps: FakeDeps, loaded: dict[str, Any]
) -> None:
    handler = handler_of(ROOT / "functions" / "upsert_customer" / "app.py")
    handler.invoke(deps, loaded, Context())  # type: ignore[arg-type]
    with pytest.raises(InvalidEvent):
        handler.invoke(deps, None, Context())  # type: ignore[arg-type]
    assert deps.invocations_ended == 2


def test_given_an_environment_without_the_coordination_table_when_cold_started_then_auth_or_config(
    loaded: dict[str, Any],
) -> None:
    from closedwon.container import Container

    handler = handler_of(ROOT / "functions" / "upsert_customer" / "app.py")
    with pytest.raises(AuthOrConfig, match="COORDINATION_TABLE"):
        handler.invoke(Container({"SALESFORCE_ORG_ID": "00D5f000005KcCnEAK"}), loaded, Context())
