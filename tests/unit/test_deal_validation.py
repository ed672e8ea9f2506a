"""docs/mapping.md §2: invalid deals fail with every problem listed as `field path: problem`."""

from __future__ import annotations

import pytest

from closedwon.config import parse_mapping_config
from closedwon.deal import build_deal, product_codes, skip_reason
from closedwon.errors import InvalidDeal
from offline.corpus import CATALOG, LineSpec, OrgBuilder
from tests.support import deal_source

ITEMS = {code: item for code, (_, item) in CATALOG.items()}
CONFIG = parse_mapping_config({"netsuite": {"currencies": {"USD": "1", "JPY": "3"}}})
US = {
    "Street": "1 Main St",
    "City": "Boston",
    "State": "MA",
    "PostalCode": "02110",
    "Country": "United States",
    "CountryCode": "US",
}


def make(lines: list[LineSpec], **opp_kwargs):
    org = OrgBuilder()
    account_kwargs = opp_kwargs.pop("account", {})
    aid = org.account(
        account_kwargs.pop("name", "Acme"),
        billing=account_kwargs.pop("billing", US),
        **account_kwargs,
    )
    cid = org.contact(aid, "Jane", "Doe", email="jane@example.com")
    oid = org.opportunity(
        aid,
        "Deal",
        lines,
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
        **opp_kwargs,
    )
    return deal_source(org.snapshot(), oid)


def problems_of(source, items=ITEMS, config=CONFIG) -> list[str]:
    with pytest.raises(InvalidDeal) as info:
        build_deal(source, items, config)
    return info.value.problems


def test_a_valid_deal_builds() -> None:
    deal = build_deal(make([LineSpec("SUPPORT-PREM", frequency="Quarterly")]), ITEMS, CONFIG)
    assert deal.currency == "USD"
    assert [p.root_product_name for p in deal.packages] == ["Premium Support"]


@pytest.mark.parametrize(
    ("lines", "kwargs", "expected"),
    [
        (
            [LineSpec("SUPPORT-PREM", quantity=0)],
            {},
            "SBQQ__Quantity__c: must be greater than 0 (is 0)",
        ),
        (
            [LineSpec("SUPPORT-PREM", quantity=-2)],
            {},
            "SBQQ__Quantity__c: must be greater than 0 (is -2)",
        ),
        (
            [LineSpec("SUPPORT-PREM", term=0)],
            {},
            "the subscription term must be a positive whole number of months",
        ),
        ([LineSpec("SUPPORT-PREM", charge_type="Lifetime")], {}, "unknown charge type 'Lifetime'"),
        (
            [LineSpec("SUPPORT-PREM", billing_type="Sometimes")],
            {},
            "unknown billing type 'Sometimes'",
        ),
        ([LineSpec("SUPPORT-PREM", frequency="Weekly")], {}, "unknown billing frequency 'Weekly'"),
        (
            [LineSpec("SUPPORT-PREM", frequency=None)],
            {},
            "a Recurring line needs a billing frequency",
        ),
        (
            [LineSpec("NOT-IN-NETSUITE")],
            {},
            "no NetSuite item has Item Name/Number 'NOT-IN-NETSUITE'",
        ),
        (
            [LineSpec("SUPPORT-PREM", charge_type=None)],
            {},
            "the primary quote has no billable line",
        ),
        (
            [LineSpec("PRO-API", charge_type="Usage", net_price=0.002)],
            {},
            "rounds to 0 at 2 decimals",
        ),
        (
            [LineSpec("SUPPORT-PREM")],
            {"account": {"billing": {**US, "Country": "Atlantis", "CountryCode": None}}},
            "Account.BillingCountry: 'Atlantis' is not an ISO 3166 country",
        ),
        (
            [LineSpec("SUPPORT-PREM")],
            {"account": {"name": "X" * 84}},
            "Account.Name: is 84 characters; NetSuite allows at most 83 (companyName)",
        ),
    ],
)
def test_invalid_deal_names_the_field_and_the_problem(lines, kwargs, expected) -> None:
    problems = problems_of(make(lines, **kwargs))
    assert any(expected in p for p in problems), problems


def test_no_primary_quote_is_invalid() -> None:
    problems = problems_of(make([LineSpec("SUPPORT-PREM")], with_quote=False))
    assert problems == ["Opportunity.SBQQ__PrimaryQuote__c: the opportunity has no primary quote"]


def test_currency_without_a_netsuite_id_is_invalid() -> None:
    config = parse_mapping_config({"salesforce": {"default_currency": "CHF"}})
    problems = problems_of(make([LineSpec("SUPPORT-PREM")]), config=config)
    assert any("currency 'CHF' has no NetSuite currency" in p for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    source = make(
        [
            LineSpec("SUPPORT-PREM", quantity=0),
            LineSpec("NOT-IN-NETSUITE"),
            LineSpec("TRAINING", charge_type="Bogus"),
        ]
    )
    problems = problems_of(source)
    assert len(problems) >= 3
    assert all(": " in p for p in problems)


def test_required_by_outside_the_quote_is_invalid() -> None:
    source = make([LineSpec("PLATFORM-PRO", bundle=True), LineSpec("PRO-SEATS", parent=0)])
    source["lines"][1]["SBQQ__RequiredBy__c"] = "a0r5f0000009999AAA"
    problems = problems_of(source)
    assert any("which is not on this quote" in p for p in problems)


def test_required_by_cycle_is_invalid() -> None:
    source = make([LineSpec("PLATFORM-PRO", bundle=True), LineSpec("PRO-SEATS", parent=0)])
    a, b = source["lines"]
    a["SBQQ__RequiredBy__c"], b["SBQQ__RequiredBy__c"] = b["Id"], a["Id"]
    problems = problems_of(source)
    assert any("is part of a cycle" in p for p in problems)


def test_malformed_salesforce_id_is_invalid() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    source["lines"][0]["Id"] = "x' OR 1=1 --"
    problems = problems_of(source)
    assert any("is not a Salesforce id" in p for p in problems)


def test_over_long_plan_name_is_invalid_never_truncated() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    source["lines"][0]["SBQQ__Product__r"]["Name"] = "P" * 55
    problems = problems_of(source)
    assert any("the subscription plan name allows at most 51 (itemId)" in p for p in problems)


@pytest.mark.parametrize(
    ("won", "quote_type", "reason"),
    [
        (False, "Quote", "the opportunity is not won"),
        (True, "Amendment", "Amendment quote"),
        (True, "Renewal", "Renewal quote"),
        (True, "Quote", None),
    ],
)
def test_skipped_deals(won, quote_type, reason) -> None:
    source = make([LineSpec("SUPPORT-PREM")], won=won, quote_type=quote_type)
    result = skip_reason(source, CONFIG)
    assert (result is None) if reason is None else (reason in result)


def test_product_codes_are_those_of_billable_lines() -> None:
    source = make(
        [
            LineSpec("PLATFORM-PRO", bundle=True, charge_type=None),
            LineSpec("PRO-SEATS", parent=0),
            LineSpec("TRAINING", charge_type="One-Time", frequency=None),
        ]
    )
    assert product_codes(source) == ["PRO-SEATS", "TRAINING"]


def test_unicode_and_emoji_names_are_kept() -> None:
    deal = build_deal(
        make([LineSpec("SUPPORT-PREM")], account={"name": "Café Ünïcode 🚀 K.K."}), ITEMS, CONFIG
    )
    assert deal.account.name == "Café Ünïcode 🚀 K.K."


def test_contacts_are_deduplicated_primary_first() -> None:
    org = OrgBuilder()
    aid = org.account("Acme", billing=US)
    jane = org.contact(aid, "Jane", "Doe")
    john = org.contact(aid, "John", "Roe")
    oid = org.opportunity(
        aid,
        "Deal",
        [LineSpec("SUPPORT-PREM")],
        contacts=[(john, "Evaluator", False), (jane, "Decision Maker", True)],
        primary_contact=jane,
    )
    deal = build_deal(deal_source(org.snapshot(), oid), ITEMS, CONFIG)
    assert [c.id for c in deal.contacts] == [jane, john]


def test_more_packages_than_one_sync_carries_is_invalid_before_any_write() -> None:
    config = parse_mapping_config({"netsuite": {"max_packages_per_deal": 2}})
    lines = [
        LineSpec("SUPPORT-PREM"),
        LineSpec("TRAINING", charge_type="One-Time", frequency=None),
        LineSpec("ANALYTICS"),
    ]
    problems = problems_of(make(lines), config=config)
    assert any("the quote has 3 packages; one sync carries at most 2" in p for p in problems)
