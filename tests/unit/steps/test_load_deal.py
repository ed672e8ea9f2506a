"""LoadDeal: the event is checked, the deal read once, its items resolved once, all validated."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from closedwon.errors import AuthOrConfig, DealBusy, InvalidEvent
from closedwon.steps import load_deal
from tests.fakes.deps import FakeDeps, settings
from tests.unit.steps.conftest import EXECUTION, OPPORTUNITY


def run(deps: FakeDeps, event: dict[str, Any], execution: str = EXECUTION) -> dict[str, Any]:
    return load_deal.run({"input": event, "executionId": execution}, deps)


def test_given_a_platform_event_when_loaded_then_the_deal_is_ready_with_one_read_and_one_query(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    state = run(deps, platform_event)
    assert state["status"] == "Ready" and state["opportunityId"] == OPPORTUNITY
    assert "deal" not in state and state["dealRef"]["key"].startswith(f"deals/{OPPORTUNITY}/")
    assert len(state["packageKeys"]) == 2
    assert deps.salesforce.reads == [OPPORTUNITY]
    assert deps.netsuite.calls == {"POST suiteql": 1}
    assert deps.deal_lease is not None and deps.deal_lease.holders == {OPPORTUNITY: EXECUTION}
    assert state["input"] == platform_event


def test_given_items_already_resolved_in_this_container_when_loaded_again_then_no_query(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    run(deps, platform_event)
    run(deps, platform_event)
    assert deps.netsuite.calls == {"POST suiteql": 1}


def test_given_a_small_deal_when_loaded_then_only_its_reference_travels_in_the_state(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    state = run(deps, platform_event)
    stored = deps.deal_store.objects[state["dealRef"]["key"]].decode()
    assert "@" in stored and "@" not in json.dumps(state)


def test_given_another_execution_holds_the_deal_when_loaded_then_deal_busy_before_any_read(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    assert deps.deal_lease is not None
    deps.deal_lease.acquire(OPPORTUNITY, "arn:other-execution")
    with pytest.raises(DealBusy):
        run(deps, platform_event)
    assert deps.salesforce.reads == []


def test_given_no_coordination_when_loaded_then_no_lease_is_needed(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.deal_lease = None
    deps.settings = settings(COORDINATION_TABLE=None, CLOSEDWON_UNCOORDINATED="true")
    assert run(deps, platform_event)["status"] == "Ready"


def test_given_an_event_of_another_org_when_loaded_then_invalid_event_and_nothing_read(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.settings = settings(SALESFORCE_ORG_ID="00D000000000001AAA")
    with pytest.raises(InvalidEvent):
        run(deps, platform_event)
    assert deps.salesforce.reads == [] and deps.netsuite.calls == {}


def test_given_a_cdc_change_that_is_not_a_transition_when_loaded_then_skipped_without_write_back(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    event = copy.deepcopy(cdc_event)
    event["detail"]["payload"]["ChangeEventHeader"]["changedFields"] = ["Amount"]
    state = run(deps, event)
    assert state["status"] == "Skipped" and state["writeBack"] is False
    assert deps.salesforce.reads == [] and deps.deal_lease is not None
    assert deps.deal_lease.holders == {}


def test_given_a_cdc_event_naming_three_opportunities_when_loaded_then_two_siblings_start(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    event = copy.deepcopy(cdc_event)
    others = ["0065f0000000002AAA", "0065f0000000003AAA"]
    event["detail"]["payload"]["ChangeEventHeader"]["recordIds"] += others
    state = run(deps, event)
    assert state["opportunityId"] == OPPORTUNITY
    assert [t.opportunity_id for t in deps.fanout.started] == others
    assert len(state["fanOut"]) == 2


def test_given_a_cdc_event_when_loaded_then_the_state_keeps_its_header_not_its_field_values(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    state = run(deps, cdc_event)
    payload = state["input"]["detail"]["payload"]
    assert payload["ChangeEventHeader"]["recordIds"] == [OPPORTUNITY]
    assert "StageName" not in payload and "LastModifiedDate" not in payload


def test_given_a_cdc_event_and_no_integration_user_when_loaded_then_it_fails_closed(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    deps.settings = settings(SALESFORCE_INTEGRATION_USER_ID=None)
    with pytest.raises(AuthOrConfig, match="IntegrationUserId"):
        run(deps, cdc_event)
    assert deps.salesforce.reads == []
