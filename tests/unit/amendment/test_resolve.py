"""docs/mapping.md §9.1: each amendment line resolves to the NetSuite line it changes.

CPQ facts relied on (docs/reference/amendments-and-custom-fields.md §A.3-§A.5): an amendment
line's ``SBQQ__Quantity__c`` is the new total and ``SBQQ__PriorQuantity__c`` the old one; a
quantity of 0 cancels; a contracted amendment adds delta subscriptions that point at the
original through ``SBQQ__RevisedSubscription__c``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from closedwon.amendment import Action
from closedwon.amendment.resolve import resolve_amendment
from closedwon.config import DateWindow
from closedwon.errors import InvalidDeal
from closedwon.lifecycle import DealKind, classify
from tests.unit.amendment.records import (
    AMEND_OPP,
    CONTRACT,
    LINEAGE,
    ORIGINAL_OPP,
    ROOT,
    SUB_SEATS,
    SUB_SEATS_DELTA,
    SUB_SUPPORT,
    SUBSCRIPTIONS,
    SUPPORT,
    amendment_line,
    opportunity,
    sfid,
)

WINDOW = DateWindow()


def resolve(lines, opp=None):
    return resolve_amendment(opp or opportunity(), lines, SUBSCRIPTIONS, LINEAGE, WINDOW)


def problems(lines, opp=None) -> list[str]:
    with pytest.raises(InvalidDeal) as info:
        resolve(lines, opp)
    return info.value.problems


def test_given_the_contract_lookups_when_classified_then_amendment_renewal_or_new() -> None:
    assert classify({"SBQQ__AmendedContract__c": CONTRACT}).kind is DealKind.AMENDMENT
    assert classify({"SBQQ__RenewedContract__c": CONTRACT}) == classify(
        {"SBQQ__RenewedContract__c": CONTRACT[:15]}
    )
    assert classify({"SBQQ__RenewedContract__c": CONTRACT}).kind is DealKind.RENEWAL
    assert classify({"SBQQ__AmendedContract__c": None}).kind is DealKind.NEW


def test_given_seats_40_to_50_when_resolved_then_the_original_bundle_line_2_changes() -> None:
    amendment = resolve([amendment_line(1, 50, prior=40, upgrades=SUB_SEATS)])
    [change] = amendment.changes
    assert (change.opportunity_id, change.root_line_id, change.line_number) == (
        ORIGINAL_OPP,
        ROOT,
        2,
    )
    assert (change.prior_quantity, change.quantity) == (Decimal(40), Decimal(50))
    assert change.action is Action.MODIFY_PRICING
    assert change.start_date == dt.date(2026, 7, 1)  # the quote's start date
    assert amendment.contract_id == CONTRACT and amendment.opportunity_id == AMEND_OPP


def test_given_unchanged_existing_lines_when_resolved_then_they_change_nothing() -> None:
    amendment = resolve([amendment_line(1, 40, prior=40, upgrades=SUB_SEATS)])
    assert amendment.changes == () and amendment.new_line_ids == ()


def test_given_quantity_0_when_resolved_then_the_line_is_terminated() -> None:
    [change] = resolve([amendment_line(1, 0, prior=5, upgrades=SUB_SUPPORT)]).changes
    assert change.action is Action.TERMINATE
    assert (change.root_line_id, change.line_number) == (SUPPORT, 1)


def test_given_uncombined_subscriptions_when_resolved_then_their_lines_are_summed() -> None:
    # An earlier amendment's delta subscription (+10) and the original (40), now 45 + 10.
    amendment = resolve(
        [
            amendment_line(1, 45, prior=40, upgrades=SUB_SEATS),
            amendment_line(2, 10, prior=10, upgrades=SUB_SEATS_DELTA),
        ]
    )
    [change] = amendment.changes
    assert (change.prior_quantity, change.quantity, change.line_number) == (50, 55, 2)
    assert len(change.amendment_line_ids) == 2


def test_given_a_new_standalone_product_when_resolved_then_it_is_a_new_line() -> None:
    new = amendment_line(3, 2, existing=False)
    amendment = resolve([amendment_line(1, 40, prior=40, upgrades=SUB_SEATS), new])
    assert amendment.new_line_ids == (new["Id"],)


def test_given_a_new_product_inside_an_existing_bundle_when_resolved_then_invalid() -> None:
    bundle = amendment_line(1, 1, prior=1, upgrades=sfid("a1E", 1))
    found = problems([bundle, amendment_line(2, 3, existing=False, required_by=bundle["Id"])])
    assert found == [
        f"SBQQ__QuoteLine__c[{sfid('a0w', 102)}].SBQQ__RequiredBy__c: a new product inside an "
        "existing bundle is not supported: quote it as its own product or bundle"
    ]


def test_given_bad_lines_when_resolved_then_every_problem_is_named_at_once() -> None:
    found = problems(
        [
            amendment_line(1, 5, prior=1, upgrades=sfid("a1E", 77)),
            amendment_line(2, 3, prior=1, asset=sfid("02i", 1), existing=True),
            amendment_line(3, -1, prior=4, upgrades=SUB_SEATS),
            amendment_line(4, 7, prior=4, existing=True),
        ]
    )
    assert [f.split(": ")[0] for f in found] == [
        f"SBQQ__QuoteLine__c[{sfid('a0w', 101)}].SBQQ__UpgradedSubscription__c",
        f"SBQQ__QuoteLine__c[{sfid('a0w', 102)}].SBQQ__UpgradedAsset__c",
        f"SBQQ__QuoteLine__c[{sfid('a0w', 103)}].SBQQ__Quantity__c",
        f"SBQQ__QuoteLine__c[{sfid('a0w', 104)}].SBQQ__UpgradedSubscription__c",
    ]
    assert f"not a subscription of the amended contract {CONTRACT}" in found[0]


def test_given_a_subscription_of_an_unknown_quote_line_when_resolved_then_invalid() -> None:
    orphan = sfid("a1E", 50)
    subscriptions = [*SUBSCRIPTIONS, {"Id": orphan, "SBQQ__QuoteLine__c": sfid("a0w", 60)}]
    with pytest.raises(InvalidDeal) as info:
        resolve_amendment(
            opportunity(),
            [amendment_line(1, 2, prior=1, upgrades=orphan)],
            subscriptions,
            LINEAGE,
            WINDOW,
        )
    assert "not a billable line of a deal of contract" in info.value.problems[0]


def test_given_lines_starting_on_two_dates_when_resolved_then_each_date_is_a_change() -> None:
    amendment = resolve(
        [
            amendment_line(1, 50, prior=40, upgrades=SUB_SEATS, start="2026-08-01"),
            amendment_line(2, 0, prior=5, upgrades=SUB_SUPPORT, start="2026-09-01"),
        ]
    )
    assert [c.start_date for c in amendment.changes] == [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
