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
            "Account.BillingCountry: is not an ISO 3166 country (value not shown: address field)",
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


# -- complete validation before the first NetSuite write ------------------------------------------


def one_line(**fields: object) -> dict:
    """A valid one-line deal whose quote line has ``fields`` replaced (raw Salesforce values)."""
    source = make([LineSpec("SUPPORT-PREM")])
    source["lines"][0].update(fields)
    return source


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"SBQQ__NetPrice__c": 1e308}, "SBQQ__NetPrice__c: '1e+308' is too large"),
        ({"SBQQ__NetPrice__c": float("nan")}, "SBQQ__NetPrice__c: 'nan' is not a finite number"),
        ({"SBQQ__NetPrice__c": float("inf")}, "SBQQ__NetPrice__c: 'inf' is not a finite number"),
        ({"SBQQ__NetPrice__c": "1e5000"}, "SBQQ__NetPrice__c: '1e5000' is too large"),
        ({"SBQQ__NetPrice__c": 10**13}, "is too large: NetSuite keeps 15 significant digits"),
        ({"SBQQ__NetTotal__c": 1e308}, "SBQQ__NetTotal__c: '1e+308' is too large"),
        ({"SBQQ__Quantity__c": 1e300}, "SBQQ__Quantity__c: '1e+300' is too large"),
        ({"SBQQ__Quantity__c": {"value": 1}}, "SBQQ__Quantity__c: is a dict, not a number"),
        ({"SBQQ__NetPrice__c": True}, "SBQQ__NetPrice__c: is a bool, not a number"),
        (
            {"SBQQ__Quantity__c": 10**12, "SBQQ__NetPrice__c": 10**12},
            "per period × quantity 1000000000000 is more than NetSuite's 15 significant digits",
        ),
    ],
)
def test_given_a_number_netsuite_cannot_hold_then_it_is_a_problem_before_any_write(
    fields, expected
) -> None:
    problems = problems_of(one_line(**fields))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"SBQQ__EffectiveStartDate__c": "9999-12-31"},
            "SBQQ__EffectiveStartDate__c: 9999-12-31 is outside the accepted dates 2000-01-01 to "
            "2099-12-31 (netsuite.date_window)",
        ),
        ({"SBQQ__EffectiveStartDate__c": "1900-01-01"}, "1900-01-01 is outside the accepted dates"),
        ({"SBQQ__EffectiveStartDate__c": "2026-02-30"}, "'2026-02-30' is not a date"),
        (
            {"SBQQ__EffectiveSubscriptionTerm__c": 10**12},
            "SBQQ__EffectiveSubscriptionTerm__c: the subscription term is 1000000000000 months; "
            "at most 600 are allowed (netsuite.max_term_months)",
        ),
        ({"SBQQ__EffectiveSubscriptionTerm__c": 1e308}, "SBQQ__EffectiveSubscriptionTerm__c:"),
        ({"SBQQ__EffectiveSubscriptionTerm__c": "twelve"}, "'twelve' is not a number"),
    ],
)
def test_given_a_date_or_term_outside_the_configured_bounds_then_it_is_a_problem(
    fields, expected
) -> None:
    problems = problems_of(one_line(**fields))
    assert any(expected in p for p in problems), problems


def test_the_date_window_and_the_term_bound_come_from_the_mapping_config() -> None:
    config = parse_mapping_config(
        {
            "netsuite": {
                "date_window": {"earliest": "2020-01-01", "latest": "2030-12-31"},
                "max_term_months": 36,
            }
        }
    )
    source = one_line(
        SBQQ__EffectiveStartDate__c="2031-01-01", SBQQ__EffectiveSubscriptionTerm__c=48
    )
    problems = problems_of(source, config=config)
    assert any(
        "2031-01-01 is outside the accepted dates 2020-01-01 to 2030-12-31" in p for p in problems
    )
    assert any("the subscription term is 48 months; at most 36" in p for p in problems)


def test_given_a_charge_type_without_a_line_type_in_the_config_then_it_is_a_problem() -> None:
    config = parse_mapping_config({"netsuite": {"line_types": {"One-Time": "1", "Recurring": "2"}}})
    source = make([LineSpec("PRO-API", charge_type="Usage", net_price=1)])
    problems = problems_of(source, config=config)
    assert any(
        "SBQQ__ChargeType__c: charge type 'Usage' has no subscription line type in the mapping "
        "config (netsuite.line_types has: One-Time, Recurring)" in p
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "SBQQ__Number__c: 'abc' is not a number"),
        ({"n": 1}, "SBQQ__Number__c: is a dict, not a number"),
        ([1], "SBQQ__Number__c: is a list, not a number"),
        (float("nan"), "SBQQ__Number__c: 'nan' is not a finite number"),
    ],
)
def test_given_a_malformed_line_number_then_it_is_a_problem_not_an_exception(
    value, expected
) -> None:
    source = make([LineSpec("PLATFORM-PRO", bundle=True), LineSpec("PRO-SEATS", parent=0)])
    source["lines"][1]["SBQQ__Number__c"] = value
    problems = problems_of(source)
    assert any(expected in p for p in problems), problems


def test_a_malformed_number_on_a_non_billable_line_is_a_problem_too() -> None:
    source = make(
        [LineSpec("PLATFORM-PRO", bundle=True, charge_type=None), LineSpec("PRO-SEATS", parent=0)]
    )
    source["lines"][0]["SBQQ__Number__c"] = "first"
    problems = problems_of(source)
    assert any("SBQQ__Number__c: 'first' is not a number" in p for p in problems), problems


def test_given_a_primary_quote_of_another_opportunity_then_that_is_the_problem_reported() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    other = "0065f0000009999AAA"
    source["opportunity"]["SBQQ__PrimaryQuote__r"]["SBQQ__Opportunity2__c"] = other
    source["lines"] = []  # the lines query (by opportunity) finds none of this quote's
    problems = problems_of(source)
    assert len(problems) == 1, problems
    assert problems[0].startswith("SBQQ__Quote__c.SBQQ__Opportunity2__c: the primary quote ")
    assert f"belongs to opportunity '{other}', not to this one" in problems[0]
    assert "no billable line" not in problems[0]


# -- no personal data in problems; every problem short, none dropped -------------------------------


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (
            {"billing": {**US, "Country": "12 Baker Street", "CountryCode": None}},
            "Account.BillingCountry: is not an ISO 3166 country (value not shown: address field)",
        ),
        (
            {"billing": {**US, "CountryCode": "ZZ"}},
            "Account.BillingCountryCode: is not an ISO 3166 country (value not shown: address field)",
        ),
    ],
)
def test_given_an_invalid_address_value_then_the_problem_names_the_field_without_the_value(
    account, expected
) -> None:
    problems = problems_of(make([LineSpec("SUPPORT-PREM")], account=account))
    assert expected in problems, problems
    assert not any("Baker" in p or "'ZZ'" in p for p in problems)


def test_given_a_100_kb_junk_value_then_each_problem_is_capped_and_every_problem_is_listed() -> (
    None
):
    source = make(
        [LineSpec("SUPPORT-PREM"), LineSpec("TRAINING", charge_type="One-Time", frequency=None)]
    )
    source["lines"][0]["SBQQ__ChargeType__c"] = "J" * 100_000
    source["lines"][0]["SBQQ__Quantity__c"] = 0
    source["lines"][1]["SBQQ__BillingType__c"] = "K" * 100_000
    problems = problems_of(source)
    assert all(len(p) <= 300 for p in problems), [len(p) for p in problems]
    assert any("unknown charge type 'JJJJ" in p and "(100,000 characters)" in p for p in problems)
    assert any("SBQQ__Quantity__c: must be greater than 0" in p for p in problems)
    assert any("unknown billing type 'KKKK" in p for p in problems)


def test_given_a_line_id_with_a_trailing_newline_then_it_is_not_a_salesforce_id() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    source["lines"][0]["Id"] += "\n"
    problems = problems_of(source)
    assert any("is not a Salesforce id" in p for p in problems), problems


def test_given_15_character_ids_then_the_deal_holds_their_18_character_form() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    opp_id = source["opportunity"]["Id"]
    source["opportunity"]["Id"] = opp_id[:15]
    source["lines"][0]["SBQQ__Product__c"] = source["lines"][0]["SBQQ__Product__c"][:15]
    deal = build_deal(source, ITEMS, CONFIG)
    assert deal.opportunity_id == opp_id
    assert len(deal.packages[0].root_product_id) == 18


def test_a_contact_that_is_both_primary_and_a_role_is_reported_once() -> None:
    source = make([LineSpec("SUPPORT-PREM")])
    quote = source["opportunity"]["SBQQ__PrimaryQuote__r"]
    quote["SBQQ__PrimaryContact__r"]["Email"] = "e" * 300
    for role in source["opportunity"]["OpportunityContactRoles"]["records"]:
        role["Contact"]["Email"] = "e" * 300
    problems = problems_of(source)
    assert [p for p in problems if "Email" in p] == [
        "SBQQ__Quote__c.SBQQ__PrimaryContact__r.Email: is 300 characters; NetSuite allows at "
        "most 254 (email)"
    ]


def test_a_line_problem_names_the_line_by_object_and_id() -> None:
    source = one_line(SBQQ__Quantity__c=0)
    line_id = source["lines"][0]["Id"]
    assert f"SBQQ__QuoteLine__c[{line_id}].SBQQ__Quantity__c: must be greater than 0 (is 0)" in (
        problems_of(source)
    )


def test_a_quote_level_problem_read_for_every_line_is_reported_once() -> None:
    source = make(
        [LineSpec("SUPPORT-PREM"), LineSpec("TRAINING", charge_type="One-Time", frequency=None)]
    )
    for line in source["lines"]:
        line["SBQQ__EffectiveSubscriptionTerm__c"] = line["SBQQ__SubscriptionTerm__c"] = None
    source["opportunity"]["SBQQ__PrimaryQuote__r"]["SBQQ__SubscriptionTerm__c"] = "a year"
    problems = problems_of(source)
    assert problems == ["SBQQ__Quote__c.SBQQ__SubscriptionTerm__c: 'a year' is not a number"]
