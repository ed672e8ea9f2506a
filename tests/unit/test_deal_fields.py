"""The pure field parsers: each returns the value, None for an absent optional value, or a Problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from closedwon.deal import fields
from closedwon.deal.problems import Field, Problem, Problems

PRICE = Field("SBQQ__QuoteLine__c[a0r5f0000000001AAA].SBQQ__NetPrice__c")
STREET = Field("Account.BillingStreet", "address")
WINDOW = {"earliest": dt.date(2000, 1, 1), "latest": dt.date(2099, 12, 31)}


def text_of(result: object) -> str:
    assert isinstance(result, Problem), result
    return str(result)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("12.50", 2, Decimal("12.50")),
        (3, 0, Decimal(3)),
        (" 7 ", 2, Decimal(7)),
        ("9999999999999.99", 2, Decimal("9999999999999.99")),
    ],
)
def test_number_parses_what_netsuite_can_hold(
    value: object, decimals: int, expected: Decimal
) -> None:
    assert fields.number(value, PRICE, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("10000000000000", 2, "'10000000000000' is too large"),
        ("1000000000000000", 0, "'1000000000000000' is too large"),
        ("NaN", 2, "'NaN' is not a finite number"),
        ("-Infinity", 2, "'-Infinity' is not a finite number"),
        ("twelve", 2, "'twelve' is not a number"),
        (["1"], 2, "is a list, not a number"),
        (None, 2, "is empty"),
    ],
)
def test_number_returns_a_problem_for_what_netsuite_cannot_hold(
    value: object, decimals: int, expected: str
) -> None:
    assert expected in text_of(fields.number(value, PRICE, decimals=decimals))


def test_an_optional_number_that_is_absent_is_none() -> None:
    assert fields.number("", PRICE, required=False) is None


def test_text_is_stripped_and_limited_without_quoting_the_value() -> None:
    assert fields.text("  Acme  ", Field("Account.Name", "name")) == "Acme"
    problem = text_of(
        fields.text("A" * 84, Field("Account.Name", "name"), limit=83, limit_name="companyName")
    )
    assert problem == "Account.Name: is 84 characters; NetSuite allows at most 83 (companyName)"
    assert (
        text_of(fields.text(" ", Field("Account.Name"), required=True)) == "Account.Name: is empty"
    )


def test_a_personal_value_is_never_quoted() -> None:
    problem = text_of(fields.country("42 Wallaby Way", STREET))
    assert problem == (
        "Account.BillingStreet: is not an ISO 3166 country (value not shown: address field)"
    )


def test_a_long_value_is_elided_and_every_problem_is_capped() -> None:
    problem = text_of(fields.choice("Z" * 5_000, Field("X.Type"), ("A", "B"), "type"))
    assert "(5,000 characters)" in problem and len(problem) < 120
    collector = Problems()
    collector.add(Problem("X.Path", "y" * 1_000))
    assert len(collector.texts()[0]) == 300


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-03-04", dt.date(2026, 3, 4)), ("2026-03-04T17:21:08.000Z", dt.date(2026, 3, 4))],
)
def test_date_parses_a_salesforce_date_or_datetime(value: str, expected: dt.date) -> None:
    assert fields.date(value, Field("Opportunity.CloseDate"), **WINDOW) == expected


def test_date_outside_the_window_is_a_problem() -> None:
    problem = text_of(fields.date("2100-01-01", Field("Opportunity.CloseDate"), **WINDOW))
    assert "2100-01-01 is outside the accepted dates 2000-01-01 to 2099-12-31" in problem


@pytest.mark.parametrize(("value", "expected"), [(12, 12), ("36", 36), (Decimal("24.0"), 24)])
def test_whole_months_accepts_a_whole_positive_term(value: object, expected: int) -> None:
    assert fields.whole_months(value, Field("Q.Term"), maximum=600) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "must be a positive whole number of months (is 0)"),
        (1.5, "must be a positive whole number of months (is 1.5)"),
        (601, "the subscription term is 601 months; at most 600"),
    ],
)
def test_whole_months_refuses_other_terms(value: object, expected: str) -> None:
    assert expected in text_of(fields.whole_months(value, Field("Q.Term"), maximum=600))


def test_salesforce_id_returns_the_18_character_form() -> None:
    assert fields.salesforce_id("001A0000006Vm9r", Field("Account.Id")) == "001A0000006Vm9rIAC"
    assert "is not a Salesforce id" in text_of(
        fields.salesforce_id("001A0000006Vm9rIAC\n", Field("Account.Id"))
    )
