"""docs/mapping.md §3–§4: what lands in NetSuite, table-driven."""

from __future__ import annotations

from decimal import Decimal

import pytest

from closedwon import mapping
from closedwon.config import parse_mapping_config
from closedwon.deal import build_deal, plan_name
from closedwon.errors import InvalidDeal
from offline.corpus import CATALOG, LineSpec, OrgBuilder
from tests.support import deal_source

ITEMS = {code: item for code, (_, item) in CATALOG.items()}
US = {
    "Street": "1 Main St\nFloor 2\nWing B\nDesk 4",
    "City": "Boston",
    "State": "MA",
    "PostalCode": "02110",
    "Country": "United States",
    "CountryCode": "US",
}


def config(**netsuite):
    return parse_mapping_config(
        {
            "salesforce": {"multi_currency": True},
            "netsuite": {"currencies": {"USD": "1", "JPY": "3"}, **netsuite},
        }
    )


def deal_of(lines, *, currency="USD", cfg=None, shipping=None, bill_to=None, name="Acme", term=12):
    org = OrgBuilder()
    aid = org.account(name, billing=US, shipping=shipping)
    cid = org.contact(aid, "Jane", "Doe", email="jane@example.com", title="CFO")
    oid = org.opportunity(
        aid,
        "Big Deal",
        lines,
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
        bill_to=bill_to,
        term=term,
    )
    source = deal_source(org.snapshot(), oid)
    source["opportunity"]["CurrencyIsoCode"] = currency
    source["opportunity"]["SBQQ__PrimaryQuote__r"]["CurrencyIsoCode"] = currency
    return build_deal(source, ITEMS, cfg or config())


BUNDLE = [
    LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0),
    LineSpec("PRO-SEATS", frequency="Monthly", quantity=25, net_price=600.0, parent=0),
    LineSpec("AN-DASH", frequency="Annual", net_price=300.0, parent=1),  # nested option (depth 2)
    LineSpec("PRO-ONBOARD", charge_type="One-Time", frequency=None, net_price=2500.0, parent=0),
    LineSpec(
        "PRO-API",
        charge_type="Usage",
        frequency="Monthly",
        billing_type="Arrears",
        net_price=2.0,
        parent=0,
    ),
    LineSpec("PRO-CONSOLE", bundled=True, net_price=0.0, parent=0),
    LineSpec("TRAINING", charge_type=None, parent=0),  # not billable: not a member
    LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=4800.0),
]


def test_packages_are_bundle_roots_and_standalone_lines() -> None:
    deal = deal_of(BUNDLE)
    assert [[m.product_code for m in p.members] for p in deal.packages] == [
        ["PLATFORM-PRO", "PRO-SEATS", "AN-DASH", "PRO-ONBOARD", "PRO-API", "PRO-CONSOLE"],
        ["SUPPORT-PREM"],
    ]


def test_plan_members_follow_the_spec() -> None:
    deal = deal_of(BUNDLE)
    plan = mapping.subscription_plan(deal.packages[0], "7", config())
    members = plan["member"]["items"]
    assert [m["lineNumber"] for m in members] == [1, 2, 3, 4, 5, 6]
    assert [m["subscriptionLineType"] for m in members] == ["2", "2", "2", "1", "3", "2"]
    assert [m["billingMode"] for m in members] == ["IN_ADVANCE"] * 4 + ["IN_ARREARS", "IN_ADVANCE"]
    assert [m["renewalOption"] for m in members] == [
        "ALWAYS",
        "ALWAYS",
        "ALWAYS",
        "NEVER",
        "ALWAYS",
        "ALWAYS",
    ]
    assert all(m["isRequired"] is True for m in members)
    assert members[0]["item"] == {"id": "501"}
    assert "prorateStartDate" not in members[3] and members[1]["prorateStartDate"] is True
    assert plan["initialTerm"] == {"id": "7"} and plan["displayName"] == "Platform Pro"
    assert plan["itemId"] == f"Platform Pro {mapping.plan_version(deal.packages[0], config())}"


@pytest.mark.parametrize(
    ("spec", "currency", "expected"),
    [
        (LineSpec("SUPPORT-PREM", frequency="Monthly", net_price=1200.0), "USD", Decimal("100.00")),
        (
            LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=1200.0),
            "USD",
            Decimal("300.00"),
        ),
        (
            LineSpec("SUPPORT-PREM", frequency="Semiannual", net_price=1200.0),
            "USD",
            Decimal("600.00"),
        ),
        (LineSpec("SUPPORT-PREM", frequency="Annual", net_price=1200.0), "USD", Decimal("1200.00")),
        (
            LineSpec("SUPPORT-PREM", frequency="Monthly", net_price=1000.0),
            "USD",
            Decimal("83.33"),
        ),  # rounding
        (
            LineSpec("SUPPORT-PREM", frequency="Monthly", net_price=1000.06),
            "USD",
            Decimal("83.34"),
        ),  # 83.335 -> half up
        (
            LineSpec("SUPPORT-PREM", frequency="Monthly", net_price=100000.0),
            "JPY",
            Decimal("8333"),
        ),  # 0-decimal currency
        (
            LineSpec("TRAINING", charge_type="One-Time", frequency=None, net_price=1499.995),
            "USD",
            Decimal("1500.00"),
        ),
        (
            LineSpec("PRO-API", charge_type="Usage", frequency="Monthly", net_price=2.5),
            "USD",
            Decimal("2.50"),
        ),
    ],
)
def test_unit_price_per_billing_period(spec, currency, expected) -> None:
    deal = deal_of([spec], currency=currency)
    line = deal.packages[0].members[0]
    assert mapping.unit_price(line, currency, config()) == expected
    price_plan = mapping.price_plan(line, deal, config())
    assert price_plan["priceTiers"]["items"] == [
        {"fromVal": 0, "pricingOption": {"id": "-101"}, "value": float(expected)}
    ]
    assert price_plan["currency"] == {"id": "3" if currency == "JPY" else "1"}


def test_rounding_delta_is_reported() -> None:
    deal = deal_of([LineSpec("SUPPORT-PREM", frequency="Monthly", quantity=3, net_price=1000.0)])
    # NetTotal 3000 - 83.33 * 3 * 12 = 0.12
    assert mapping.rounding_delta(deal, config()) == Decimal("0.1200")


@pytest.mark.parametrize(
    ("spec", "frequency", "repeat", "prorate"),
    [
        (LineSpec("TRAINING", charge_type="One-Time", frequency=None), "ONETIME", "0", ""),
        (LineSpec("SUPPORT-PREM", frequency="Monthly"), "MONTHLY", "1", "MONTH"),
        (LineSpec("SUPPORT-PREM", frequency="Quarterly"), "QUARTERLY", "1", "MONTH"),
        (LineSpec("SUPPORT-PREM", frequency="Semiannual"), "SEMIANNUALLY", "1", "MONTH"),
        (LineSpec("SUPPORT-PREM", frequency="Annual"), "ANNUALLY", "1", "MONTH"),
        (
            LineSpec("PRO-API", charge_type="Usage", frequency=None, net_price=2.0),
            "MONTHLY",
            "1",
            "MONTH",
        ),
    ],
)
def test_price_book_intervals(spec, frequency, repeat, prorate) -> None:
    deal = deal_of([spec])
    book = mapping.price_book(deal, deal.packages[0], "88", ["140"], config())
    assert book["priceInterval"]["items"] == [
        {
            "subscriptionPlanLineNumber": 1,
            "pricePlan": {"id": "140"},
            "frequency": frequency,
            "repeatEvery": repeat,
            "startOffsetUnit": "MONTH",
            "startOffsetValue": 1,
            "prorateBy": prorate,
        }
    ]
    assert book["name"] == f"Big Deal - {deal.packages[0].root_product_name} - USD"
    assert book["subscriptionPlan"] == {"id": "88"}


def test_same_configuration_in_two_deals_reuses_one_plan_and_a_change_makes_a_new_one() -> None:
    a = deal_of(BUNDLE[:3])
    b = deal_of(
        [
            *BUNDLE[:2],
            LineSpec("AN-DASH", frequency="Annual", net_price=999.0, quantity=7, parent=1),
        ],
        name="Other Co",
    )
    assert mapping.plan_eid(a.packages[0], config()) == mapping.plan_eid(
        b.packages[0], config()
    )  # prices/qty don't matter
    c = deal_of(
        [*BUNDLE[:2], LineSpec("AN-DASH", frequency="Annual", billing_type="Arrears", parent=1)]
    )
    d = deal_of(BUNDLE[:3], term=24)
    versions = {mapping.plan_eid(x.packages[0], config()) for x in (a, c, d)}
    assert len(versions) == 3


def test_external_ids() -> None:
    deal = deal_of(BUNDLE)
    p = deal.packages[0]
    assert mapping.customer_eid(deal) == f"SF-{deal.account.id}"
    assert mapping.billing_account_eid(deal) == f"SF-BA-{deal.account.id}-USD"
    assert mapping.term_eid(12) == "SF-TERM-12M"
    assert mapping.plan_eid(p, config()).startswith(f"SF-PLAN-{p.root_product_id}-")
    assert mapping.price_book_eid(deal, p) == f"SF-PB-{deal.opportunity_id}-{p.root_line_id}"
    assert mapping.subscription_eid(deal, p) == f"SF-SUB-{deal.opportunity_id}-{p.root_line_id}"
    assert mapping.activation_eid(deal, p) == f"SF-ACT-{deal.opportunity_id}-{p.root_line_id}"
    assert all(
        len(x) <= 60 for x in (mapping.plan_eid(p, config()), mapping.subscription_eid(deal, p))
    )


def test_customer_payload() -> None:
    deal = deal_of(
        BUNDLE,
        shipping={**US, "Street": "9 Dock Rd"},
        bill_to={
            "Name": "Acme AP",
            "Street": "5 Pay St",
            "City": "Boston",
            "State": "MA",
            "PostalCode": "02110",
            "Country": "USA",
        },
    )
    body = mapping.customer(deal, config())
    assert body["companyName"] == "Acme" and body["isPerson"] is False
    assert (
        body["subsidiary"] == {"id": "1"}
        and body["currency"] == {"id": "1"}
        and body["terms"] == {"id": "2"}
    )
    assert body["email"] == "jane@example.com"
    billing, shipping = body["addressBook"]["items"]
    assert (
        billing["defaultBilling"]
        and not billing["defaultShipping"]
        and billing["label"] == "Billing"
    )
    assert billing["addressBookAddress"] == {
        "addressee": "Acme AP",
        "addr1": "5 Pay St",
        "city": "Boston",
        "state": "MA",
        "zip": "02110",
        "country": {"id": "US"},
    }
    assert shipping["defaultShipping"] and shipping["addressBookAddress"]["addressee"] == "Acme"


def test_equal_billing_and_shipping_make_one_entry_and_long_streets_fold_into_three_lines() -> None:
    deal = deal_of(BUNDLE, shipping=US)
    (entry,) = mapping.customer(deal, config())["addressBook"]["items"]
    assert entry["defaultBilling"] and entry["defaultShipping"]
    address = entry["addressBookAddress"]
    assert (address["addr1"], address["addr2"], address["addr3"]) == (
        "1 Main St",
        "Floor 2",
        "Wing B, Desk 4",
    )


def test_unmapped_payment_terms_are_omitted() -> None:
    body = mapping.customer(deal_of(BUNDLE), config(payment_terms={}))
    assert "terms" not in body


def test_contact_billing_account_and_term_payloads() -> None:
    deal = deal_of(BUNDLE)
    assert mapping.contact(deal.contacts[0], "647", config()) == {
        "firstName": "Jane",
        "lastName": "Doe",
        "email": "jane@example.com",
        "title": "CFO",
        "company": {"id": "647"},
        "subsidiary": {"id": "1"},
    }
    assert mapping.billing_account(deal, "647", config()) == {
        "name": "Acme - USD",
        "customer": {"id": "647"},
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "billingSchedule": {"id": "1"},
        "startDate": "2026-04-01",
    }
    assert mapping.subscription_term(24) == {
        "name": "24 Months",
        "subscriptionTermType": "STANDARD",
        "subscriptionTermDuration": 24,
        "subscriptionTermUnit": "MONTHS",
    }


def test_subscription_payload_carries_quantities_on_create_or_not() -> None:
    deal = deal_of(BUNDLE)
    kwargs = {
        "customer_id": "1",
        "billing_account_id": "2",
        "plan_id": "3",
        "price_book_id": "4",
        "term_id": "5",
    }
    body = mapping.subscription(deal, deal.packages[0], config=config(), **kwargs)
    assert body["priceInterval"]["items"][1] == {"subscriptionPlanLineNumber": 2, "quantity": 25.0}
    assert (
        body["startDate"] == "2026-04-01"
        and body["autoRenewal"] is False
        and body["name"] == "Big Deal - Platform Pro"
    )
    patched = mapping.subscription(
        deal, deal.packages[0], config=config(subscription_quantities="patch"), **kwargs
    )
    assert "priceInterval" not in patched


def test_activation_change_order() -> None:
    assert mapping.activation_change_order("77", "2026-04-01", [1, 2]) == {
        "action": "ACTIVATE",
        "subscription": {"id": "77"},
        "effectiveDate": "2026-04-01",
        "subLine": {"items": [{"sequence": 1, "apply": True}, {"sequence": 2, "apply": True}]},
    }


# -- one per-period price and one plan name for validation and mapping alike ------------------


@pytest.mark.parametrize(
    ("frequency", "term", "currency", "smallest_billable"),
    [
        ("Monthly", 12, "USD", "0.06"),  # 0.06 / 12 = 0.005 rounds half-up to 0.01
        ("Monthly", 36, "USD", "0.18"),
        ("Quarterly", 12, "USD", "0.02"),  # 0.02 × 3 / 12 = 0.005
        ("Monthly", 12, "JPY", "6"),  # 6 / 12 = 0.5 rounds to 1 yen
    ],
)
def test_validation_accepts_exactly_the_prices_mapping_bills_above_zero(
    frequency, term, currency, smallest_billable
) -> None:
    smallest = Decimal(smallest_billable)
    below = smallest - Decimal("0.01") if currency == "USD" else smallest - 1
    line = LineSpec("SUPPORT-PREM", frequency=frequency, net_price=float(smallest), term=term)
    deal = deal_of([line], currency=currency)
    assert mapping.unit_price(deal.packages[0].members[0], currency, config()) > 0

    rejected = LineSpec("SUPPORT-PREM", frequency=frequency, net_price=float(below), term=term)
    with pytest.raises(InvalidDeal, match="rounds to 0"):
        deal_of([rejected], currency=currency)


def test_the_plan_name_validation_allows_is_the_one_mapping_writes() -> None:
    cfg = config(field_limits={"itemId": 30})
    name = "P" * (30 - 9)  # 9 characters go to " <v8>"
    lines = [LineSpec("SUPPORT-PREM")]
    org_deal = deal_of(lines, cfg=cfg)
    package = org_deal.packages[0]
    long_name = package.model_copy(update={"root_product_name": name})
    plan = mapping.subscription_plan(long_name, "7", cfg)
    assert plan["itemId"] == plan_name(name, mapping.plan_version(long_name, cfg))
    assert len(plan["itemId"]) == 30


def test_the_rounding_delta_never_raises_for_the_largest_amounts_validation_accepts() -> None:
    line = LineSpec("SUPPORT-PREM", frequency="Monthly", quantity=9, net_price=9.99e11, term=600)
    deal = deal_of([line])
    assert isinstance(mapping.rounding_delta(deal, config()), Decimal)
