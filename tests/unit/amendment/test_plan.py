"""docs/mapping.md §9.2: the amendment checked against NetSuite, then its change orders.

NetSuite facts relied on (docs/reference/amendments-and-custom-fields.md §B.2-§B.5; Oracle
"Subscription Change Orders" and "Terminating Subscriptions"): MODIFY_PRICING with
modificationType UPSELL_DOWNSELL changes quantities; TERMINATE takes effect at the end of its
effective date; terminated lines are locked; a pricing change takes effect after activation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from closedwon import mapping
from closedwon.amendment import (
    Action,
    Amendment,
    LineChange,
    NetSuiteLine,
    SubscriptionState,
)
from closedwon.amendment.plan import plan_amendment
from closedwon.config import parse_mapping_config
from closedwon.errors import InvalidDeal
from tests.unit.amendment.records import AMEND_OPP, CONTRACT, ORIGINAL_OPP, ROOT, SUPPORT

JULY = dt.date(2026, 7, 1)
CONFIG = parse_mapping_config({})


def change(root: str, number: int, prior: int, quantity: int, start: dt.date = JULY) -> LineChange:
    return LineChange(
        opportunity_id=ORIGINAL_OPP,
        root_line_id=root,
        line_number=number,
        prior_quantity=Decimal(prior),
        quantity=Decimal(quantity),
        start_date=start,
        amendment_line_ids=(f"line-{root[-4:]}-{number}",),
    )


def amendment(*changes: LineChange) -> Amendment:
    return Amendment(AMEND_OPP, CONTRACT, "00000101", tuple(changes), ())


def state(sub_id: str, status: str = "ACTIVE", **quantities: int) -> SubscriptionState:
    lines = tuple(
        NetSuiteLine(int(n[1:]), Decimal(q), "ACTIVE" if status == "ACTIVE" else status)
        for n, q in quantities.items()
    )
    return SubscriptionState(sub_id, status, dt.date(2026, 1, 1), dt.date(2026, 12, 31), lines)


def plan(am: Amendment, subs):
    return plan_amendment(am, subs, mapping.package_subscription_eid)


def test_given_an_upsell_and_a_cancel_when_planned_then_one_change_order_each() -> None:
    result = plan(
        amendment(change(ROOT, 2, 40, 50), change(SUPPORT, 1, 5, 0)),
        {
            (ORIGINAL_OPP, ROOT): state("11", l1=1, l2=40),
            (ORIGINAL_OPP, SUPPORT): state("12", l1=5),
        },
    )
    mp, tm = result.change_orders
    assert mapping.change_order_eid(mp) == f"SF-CO-{AMEND_OPP}-{ROOT}-MP"
    assert mapping.change_order(mp, CONFIG) == {
        "action": "MODIFY_PRICING",
        "subscription": {"id": "11"},
        "effectiveDate": "2026-07-01",
        "modificationType": "UPSELL_DOWNSELL",
        "subLine": {"items": [{"sequence": "2", "apply": True, "quantityNew": 50.0}]},
    }
    assert mapping.change_order_eid(tm) == f"SF-CO-{AMEND_OPP}-{SUPPORT}-TM"
    # The cancellation starts July 1st: the line is billed up to the end of June 30th.
    assert mapping.change_order(tm, CONFIG) == {
        "action": "TERMINATE",
        "subscription": {"id": "12"},
        "effectiveDate": "2026-06-30",
        "subLine": {"items": [{"sequence": "1", "apply": True}]},
    }
    assert result.subscription_ids == ("11", "12") and result.draft_updates == ()


def test_given_two_lines_of_one_subscription_when_planned_then_one_change_order_has_both() -> None:
    result = plan(
        amendment(change(ROOT, 1, 1, 2), change(ROOT, 2, 40, 30)),
        {(ORIGINAL_OPP, ROOT): state("11", l1=1, l2=40)},
    )
    [order] = result.change_orders
    assert (
        order.lines == ((1, Decimal(2), Decimal(1)), (2, Decimal(30), Decimal(40)))
        and not order.dated
    )


def test_given_one_action_on_two_dates_when_planned_then_the_eids_carry_the_date() -> None:
    result = plan(
        amendment(change(ROOT, 1, 1, 2), change(ROOT, 2, 40, 30, dt.date(2026, 8, 1))),
        {(ORIGINAL_OPP, ROOT): state("11", l1=1, l2=40)},
    )
    assert [mapping.change_order_eid(o) for o in result.change_orders] == [
        f"SF-CO-{AMEND_OPP}-{ROOT}-MP-20260701",
        f"SF-CO-{AMEND_OPP}-{ROOT}-MP-20260801",
    ]


def test_given_a_draft_original_when_planned_then_it_is_updated_in_place() -> None:
    result = plan(
        amendment(change(ROOT, 2, 40, 50), change(ROOT, 1, 1, 0)),
        {(ORIGINAL_OPP, ROOT): state("11", "DRAFT", l1=1, l2=40)},
    )
    assert result.change_orders == ()
    [update] = result.draft_updates
    assert mapping.draft_quantities(update) == {
        "priceInterval": {
            "items": [
                {"subscriptionPlanLineNumber": 1, "quantity": 0.0},
                {"subscriptionPlanLineNumber": 2, "quantity": 50.0},
            ]
        }
    }


def test_given_a_contract_never_synced_when_planned_then_invalid_naming_the_contract() -> None:
    with pytest.raises(InvalidDeal) as info:
        plan(amendment(change(ROOT, 2, 40, 50)), {(ORIGINAL_OPP, ROOT): None})
    [problem] = info.value.problems
    assert problem.startswith(
        "Opportunity.SBQQ__AmendedContract__c: amends contract 00000101 whose subscriptions "
        f"were never synced (SF-SUB-{ORIGINAL_OPP}-{ROOT} not in NetSuite)"
    )


def test_given_netsuite_disagrees_when_planned_then_every_problem_is_named() -> None:
    subs = {
        (ORIGINAL_OPP, ROOT): SubscriptionState(
            "11",
            "ACTIVE",
            JULY,
            None,
            (
                NetSuiteLine(1, Decimal(10), "ACTIVE"),
                NetSuiteLine(2, Decimal(40), "TERMINATED"),
            ),
        ),
        (ORIGINAL_OPP, SUPPORT): state("12", "SUSPENDED", l1=5),
    }
    with pytest.raises(InvalidDeal) as info:
        plan(
            amendment(change(ROOT, 1, 15, 20), change(ROOT, 2, 40, 45), change(SUPPORT, 1, 5, 6)),
            subs,
        )
    found = info.value.problems
    assert len(found) == 5  # both changed lines of "11" start on its start date
    assert (
        "line 1: NetSuite has 10, the amendment expects 15: sync the earlier amendment" in found[0]
    )
    assert "on or before" in found[1] and "EffectiveStartDate__c" in found[1]
    assert "line 2 is TERMINATED in NetSuite and cannot change" in found[2]
    assert "on or before" in found[3]
    assert "is SUSPENDED in NetSuite" in found[4]


def test_given_the_change_order_exists_with_other_values_then_the_differences_are_listed() -> None:
    [order] = plan(
        amendment(change(ROOT, 2, 40, 50)), {(ORIGINAL_OPP, ROOT): state("11", l1=1, l2=40)}
    ).change_orders
    same = {**mapping.change_order(order, CONFIG), "action": {"id": "MODIFY_PRICING"}}
    assert mapping.change_order_differences(order, same, CONFIG) == []
    other = {**same, "subLine": {"items": [{"sequence": "2", "apply": True, "quantityNew": 60}]}}
    assert mapping.change_order_differences(order, other, CONFIG) == [
        f"SF-CO-{AMEND_OPP}-{ROOT}-MP: line 2 quantity 60 in NetSuite, 50 on the amendment"
    ]
    assert Action.TERMINATE.value == "TM"


def test_given_an_expanded_subscription_record_then_its_state_is_read() -> None:
    record = {
        "id": "11",
        "billingSubscriptionStatus": {"id": "ACTIVE"},
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "subscriptionLine": {
            "items": [
                {"lineNumber": 1, "quantity": 40, "status": {"id": "ACTIVE"}, "isIncluded": True},
                {
                    "lineNumber": 2,
                    "quantity": 3,
                    "status": {"id": "NOT_INCLUDED"},
                    "isIncluded": False,
                },
            ]
        },
    }
    assert mapping.subscription_state(record) == SubscriptionState(
        "11",
        "ACTIVE",
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        (NetSuiteLine(1, Decimal(40), "ACTIVE"),),
    )


def test_given_the_delta_and_start_of_day_options_then_the_orders_follow_them() -> None:
    delta = parse_mapping_config({"netsuite": {"quantity_new": "delta"}})
    am = amendment(change(ROOT, 2, 40, 50), change(SUPPORT, 1, 5, 0))
    subs = {
        (ORIGINAL_OPP, ROOT): state("11", l1=1, l2=40),
        (ORIGINAL_OPP, SUPPORT): state("12", l1=5),
    }
    mp, tm = plan_amendment(
        am, subs, mapping.package_subscription_eid, terminate_at_start_of_day=True
    ).change_orders
    assert mapping.change_order(mp, delta)["subLine"]["items"][0]["quantityNew"] == 10.0
    body = mapping.change_order(tm, delta)
    assert (body["effectiveDate"], body["terminateAtStartOfDay"]) == ("2026-07-01", True)
