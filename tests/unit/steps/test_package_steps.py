"""UpsertSubscriptionPlan and CreateSubscription: per package, complete on replay, never twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from closedwon.config import MappingConfig
from closedwon.errors import InvalidEvent
from closedwon.steps import create_subscription, upsert_subscription_plan
from tests.fakes.deps import FakeDeps
from tests.unit.steps.conftest import OPPORTUNITY, iteration


def plan_of(deps: FakeDeps, state: dict[str, Any], key: str) -> dict[str, Any]:
    return upsert_subscription_plan.run(iteration(state, key), deps)


def test_given_a_package_when_its_plan_is_upserted_then_term_plan_price_plans_and_book_exist(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer()
    key = state["packageKeys"][0]
    plan = plan_of(deps, state, key)
    ns = deps.netsuite
    (term,) = ns.all("subscriptionTerm")
    assert plan["termId"] == term["id"] and plan["termExternalId"] == "SF-TERM-12M"
    assert plan["planId"] == ns.all("subscriptionPlan")[0]["id"]
    assert len(plan["pricePlans"]) == len(ns.all("pricePlan")) >= 1
    (book,) = ns.all("priceBook")
    assert book["externalId"] == f"SF-PB-{OPPORTUNITY}-{key}" == plan["priceBookExternalId"]


def test_given_a_warm_container_when_the_second_package_is_planned_then_the_term_is_not_written_again(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer()
    first, second = state["packageKeys"]
    plan_of(deps, state, first)
    plan_of(deps, state, second)
    assert deps.netsuite.calls["PUT subscriptionTerm"] == 1


def test_given_a_replay_when_the_plan_is_upserted_again_then_nothing_new_is_created(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer()
    key = state["packageKeys"][0]
    first = plan_of(deps, state, key)
    writes = deps.netsuite.writes()
    assert plan_of(deps, state, key) == first
    assert deps.netsuite.writes() == writes


def test_given_a_package_key_not_in_the_deal_when_planned_then_invalid_event(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    with pytest.raises(InvalidEvent, match="packageKey"):
        plan_of(deps, with_customer(), "a0r000000000000AAA")


def test_given_a_plan_when_the_subscription_is_created_then_it_references_every_id_of_the_state(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer()
    key = state["packageKeys"][0]
    plan = plan_of(deps, state, key)
    result = create_subscription.run(iteration(state, key, plan=plan), deps)
    (sub,) = deps.netsuite.all("subscription")
    assert result["subscription"] == {
        "id": sub["id"],
        "externalId": f"SF-SUB-{OPPORTUNITY}-{key}",
        "created": True,
        "status": "DRAFT",
    }
    assert sub["customer"]["id"] == "501" and sub["billingAccount"]["id"] == "601"
    assert sub["subscriptionPlan"]["id"] == plan["planId"]
    assert sub["priceBook"]["id"] == plan["priceBookId"]


def test_given_the_subscription_exists_when_created_again_then_it_is_left_as_it_is(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    state = with_customer()
    key = state["packageKeys"][0]
    item = iteration(state, key, plan=plan_of(deps, state, key))
    first = create_subscription.run(item, deps)
    writes = deps.netsuite.writes()
    again = create_subscription.run(item, deps)
    assert again["subscription"]["created"] is False
    assert again["subscription"]["id"] == first["subscription"]["id"]
    assert deps.netsuite.writes() == writes


def test_given_activation_configured_when_created_then_one_activate_change_order_makes_it_active(
    deps: FakeDeps, with_customer: Callable[..., dict[str, Any]]
) -> None:
    deps.mapping = MappingConfig.model_validate(
        {
            **deps.mapping.model_dump(),
            "netsuite": {**deps.mapping.netsuite.model_dump(), "activate_subscriptions": True},
        }
    )
    state = with_customer()
    key = state["packageKeys"][0]
    result = create_subscription.run(iteration(state, key, plan=plan_of(deps, state, key)), deps)
    assert result["subscription"]["status"] == "ACTIVE"
    (order,) = deps.netsuite.all("subscriptionChangeOrder")
    assert order["action"] == "ACTIVATE" and order["externalId"] == f"SF-ACT-{OPPORTUNITY}-{key}"
