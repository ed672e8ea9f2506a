"""The bundled org's contract life, served by the Salesforce double's SOQL engine.

The records follow CPQ's data model (docs/reference/amendments-and-custom-fields.md §A; Salesforce
Help "Amend from an Opportunity" sales.cpq_amend_from_opportunity.htm, "Effective Quantity"
sales.cpq_effective_quantity.htm, KB 000271325 "cancel out by zeroing out the quantity"; the
SBQQ field definitions §A.2-§A.4): an amendment quote lists every subscription of the contract
with its prior quantity and the new total, contracting it adds delta subscriptions revising the
originals, a renewal is a full quote for the next term pointing at the renewed subscriptions.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from closedwon.events import normalise_event
from offline.contracts import Amendment, ContractBuilder, NewProduct, add_months, sample_org
from offline.corpus import OrgBuilder
from offline.corpus import sample_org as new_deal_only
from offline.salesforce_double.org import Org
from offline.salesforce_double.query import QueryEngine

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL_OPP, AMENDMENT_OPP, RENEWAL_OPP = (f"0065f000000000{n}AAA" for n in "123")
CONTRACT = "8005f0000000001AAA"


@pytest.fixture(scope="module")
def org_json() -> dict:
    return json.loads((ROOT / "offline/sample/org.json").read_text())


@pytest.fixture
def engine(org_json, tmp_path) -> QueryEngine:
    return QueryEngine(Org(org_json, tmp_path / "overlay.json"))


def rows(engine: QueryEngine, soql: str) -> list[dict]:
    return engine.run(soql, "62.0").records


def test_given_the_bundled_org_then_it_is_what_the_builder_makes_and_keeps_the_new_deal(org_json):
    assert org_json == sample_org()
    for sobject, records in new_deal_only()["records"].items():
        assert org_json["records"][sobject][: len(records)] == records, sobject


def test_given_the_contract_then_a_child_subquery_lists_its_subscriptions(engine):
    (contract,) = rows(
        engine,
        "SELECT Id, StartDate, EndDate, SBQQ__Opportunity__c, SBQQ__RenewalOpportunity__c, "
        "(SELECT Id, SBQQ__Quantity__c, SBQQ__RevisedSubscription__c FROM SBQQ__Subscriptions__r "
        f"ORDER BY Id) FROM Contract WHERE Id = '{CONTRACT}'",
    )

    assert (contract["StartDate"], contract["EndDate"]) == ("2026-04-01", "2027-03-31")
    assert contract["SBQQ__Opportunity__c"] == ORIGINAL_OPP
    assert contract["SBQQ__RenewalOpportunity__c"] == RENEWAL_OPP
    subs = contract["SBQQ__Subscriptions__r"]["records"]
    assert (
        len(subs) == 8
    )  # 5 from the new deal (one-time onboarding is an asset), 3 from the amendment
    assert [s["SBQQ__RevisedSubscription__c"] is None for s in subs] == [True] * 5 + [
        False,
        False,
        True,
    ]


def test_given_an_amendment_line_then_its_subscription_leads_to_the_original_deal(engine):
    lines = rows(
        engine,
        "SELECT SBQQ__Product__r.ProductCode, SBQQ__Quantity__c, SBQQ__PriorQuantity__c, "
        "SBQQ__Existing__c, SBQQ__EffectiveEndDate__c, SBQQ__UnproratedNetPrice__c, "
        "SBQQ__DefaultSubscriptionTerm__c, SBQQ__UpgradedSubscription__r.SBQQ__QuoteLine__r.Id, "
        "SBQQ__UpgradedSubscription__r.SBQQ__QuoteLine__r.SBQQ__Quote__r.SBQQ__Opportunity2__c "
        "FROM SBQQ__QuoteLine__c WHERE SBQQ__Quote__r.SBQQ__Opportunity2__c = "
        f"'{AMENDMENT_OPP}' ORDER BY SBQQ__Number__c",
    )

    by_code = {line["SBQQ__Product__r"]["ProductCode"]: line for line in lines}
    assert list(by_code) == [
        "PLATFORM-PRO",
        "PRO-SEATS",
        "PRO-API",
        "PRO-CONSOLE",
        "SUPPORT-PREM",
        "ANALYTICS",
    ]
    seats = by_code["PRO-SEATS"]
    assert (seats["SBQQ__PriorQuantity__c"], seats["SBQQ__Quantity__c"]) == (25, 40)
    upgraded = seats["SBQQ__UpgradedSubscription__r"]["SBQQ__QuoteLine__r"]
    assert upgraded["Id"] == "a0r5f0000000002AAA"
    assert upgraded["SBQQ__Quote__r"]["SBQQ__Opportunity2__c"] == ORIGINAL_OPP
    assert by_code["SUPPORT-PREM"]["SBQQ__Quantity__c"] == 0
    new = by_code["ANALYTICS"]
    assert new["SBQQ__Existing__c"] is False and new["SBQQ__UpgradedSubscription__r"] is None
    assert new["SBQQ__EffectiveEndDate__c"] == "2027-03-31"
    assert (new["SBQQ__UnproratedNetPrice__c"], new["SBQQ__DefaultSubscriptionTerm__c"]) == (
        9600.0,
        12,
    )
    assert all(line["SBQQ__Existing__c"] for code, line in by_code.items() if code != "ANALYTICS")


def test_given_the_amendment_then_its_opportunity_and_quote_name_the_amended_contract(engine):
    (opp,) = rows(
        engine,
        "SELECT SBQQ__AmendedContract__c, SBQQ__AmendedContract__r.SBQQ__Opportunity__c, "
        "SBQQ__RenewedContract__c, SBQQ__PrimaryQuote__r.SBQQ__Type__c, "
        "SBQQ__PrimaryQuote__r.SBQQ__MasterContract__c, SBQQ__PrimaryQuote__r.SBQQ__StartDate__c "
        f"FROM Opportunity WHERE Id = '{AMENDMENT_OPP}'",
    )

    assert opp["SBQQ__AmendedContract__c"] == CONTRACT
    assert opp["SBQQ__AmendedContract__r"]["SBQQ__Opportunity__c"] == ORIGINAL_OPP
    assert opp["SBQQ__RenewedContract__c"] is None
    quote = opp["SBQQ__PrimaryQuote__r"]
    assert (quote["SBQQ__Type__c"], quote["SBQQ__MasterContract__c"]) == ("Amendment", CONTRACT)
    assert quote["SBQQ__StartDate__c"] == "2026-10-01"


def test_given_delta_subscriptions_then_each_revision_sums_to_the_amended_total(engine):
    subs = rows(
        engine,
        "SELECT SBQQ__Product__r.ProductCode, SBQQ__Quantity__c, SBQQ__RevisedSubscription__c, "
        "SBQQ__RevisedSubscription__r.SBQQ__QuoteLine__r.SBQQ__Number__c, "
        "SBQQ__QuoteLine__r.SBQQ__Quote__r.SBQQ__Type__c "
        f"FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = '{CONTRACT}'",
    )

    totals: dict[str, float] = {}
    for sub in subs:
        code = sub["SBQQ__Product__r"]["ProductCode"]
        totals[code] = totals.get(code, 0) + sub["SBQQ__Quantity__c"]
    assert totals == {
        "PLATFORM-PRO": 1,
        "PRO-SEATS": 40,
        "PRO-API": 1,
        "PRO-CONSOLE": 1,
        "SUPPORT-PREM": 0,
        "ANALYTICS": 1,
    }
    revisions = [s for s in subs if s["SBQQ__RevisedSubscription__c"]]
    assert {s["SBQQ__QuoteLine__r"]["SBQQ__Quote__r"]["SBQQ__Type__c"] for s in revisions} == {
        "Amendment"
    }
    assert sorted(
        s["SBQQ__RevisedSubscription__r"]["SBQQ__QuoteLine__r"]["SBQQ__Number__c"]
        for s in revisions
    ) == [2, 6]


def test_given_the_renewal_then_it_is_a_full_quote_of_what_is_still_held(engine):
    (opp,) = rows(
        engine,
        "SELECT SBQQ__RenewedContract__c, SBQQ__Renewal__c, SBQQ__PrimaryQuote__r.SBQQ__Type__c, "
        "SBQQ__PrimaryQuote__r.SBQQ__StartDate__c, SBQQ__PrimaryQuote__r.SBQQ__SubscriptionTerm__c, "
        "(SELECT Id FROM SBQQ__Quotes2__r) "
        f"FROM Opportunity WHERE Id = '{RENEWAL_OPP}'",
    )
    lines = rows(
        engine,
        "SELECT SBQQ__Product__r.ProductCode, SBQQ__Quantity__c, SBQQ__RenewedSubscription__c "
        "FROM SBQQ__QuoteLine__c WHERE SBQQ__Quote__r.SBQQ__Opportunity2__c = "
        f"'{RENEWAL_OPP}' ORDER BY SBQQ__Number__c",
    )

    assert (opp["SBQQ__RenewedContract__c"], opp["SBQQ__Renewal__c"]) == (CONTRACT, True)
    quote = opp["SBQQ__PrimaryQuote__r"]
    assert (quote["SBQQ__Type__c"], quote["SBQQ__StartDate__c"]) == ("Renewal", "2027-04-01")
    assert quote["SBQQ__SubscriptionTerm__c"] == 12
    assert [(x["SBQQ__Product__r"]["ProductCode"], x["SBQQ__Quantity__c"]) for x in lines] == [
        ("PLATFORM-PRO", 1),
        ("PRO-SEATS", 40),
        ("PRO-API", 1),
        ("PRO-CONSOLE", 1),
        ("ANALYTICS", 1),
    ]
    assert all(x["SBQQ__RenewedSubscription__c"] for x in lines)


def test_given_the_new_deal_then_its_lines_answer_null_for_the_lifecycle_fields(engine):
    lines = rows(
        engine,
        "SELECT SBQQ__PriorQuantity__c, SBQQ__UpgradedSubscription__c, SBQQ__Existing__c "
        f"FROM SBQQ__QuoteLine__c WHERE SBQQ__Quote__r.SBQQ__Opportunity2__c = '{ORIGINAL_OPP}'",
    )

    assert len(lines) == 6
    assert {
        (x["SBQQ__PriorQuantity__c"], x["SBQQ__UpgradedSubscription__c"], x["SBQQ__Existing__c"])
        for x in lines
    } == {(None, None, None)}


@pytest.mark.parametrize(
    ("name", "opportunity"),
    [
        ("opportunity_amendment_closed_won", AMENDMENT_OPP),
        ("opportunity_renewal_closed_won", RENEWAL_OPP),
    ],
)
def test_given_the_lifecycle_events_then_they_are_relayed_platform_events_of_those_deals(
    name, opportunity
):
    event = json.loads((ROOT / f"events/{name}.json").read_text())

    (trigger,) = normalise_event(event, org_id="00D5f000005KcCnEAK", integration_user_id=None)

    assert (trigger.trigger, trigger.opportunity_id) == ("PLATFORM_EVENT", opportunity)


# --- the corpus builder ---------------------------------------------------------------------


def corpus_contract(seed: int = 3) -> tuple[OrgBuilder, ContractBuilder, str, dict[str, float]]:
    """A generated deal with a Platform Pro bundle and Premium Support, contracted."""
    org = OrgBuilder(seed=seed)
    index = 0
    while True:
        index += 1
        opportunity = org.random_deal(index)
        quote = org.records["SBQQ__Quote__c"][-1]
        codes = {
            org_code(org, line["SBQQ__Product__c"])
            for line in org.records["SBQQ__QuoteLine__c"]
            if line["SBQQ__Quote__c"] == quote["Id"]
        }
        if {"PLATFORM-PRO", "SUPPORT-PREM"} <= codes:
            break
    builder = ContractBuilder(org)
    contract = builder.contract(opportunity)
    held = {org_code(org, s["SBQQ__Product__c"]): q for s, q in builder.held(contract)}
    return org, builder, contract, held


def org_code(org: OrgBuilder, product_id: str) -> str:
    return next(p["ProductCode"] for p in org.records["Product2"] if p["Id"] == product_id)


def amendment_lines(org: OrgBuilder, opportunity_id: str) -> dict[str, dict]:
    quote = next(o for o in org.records["Opportunity"] if o["Id"] == opportunity_id)[
        "SBQQ__PrimaryQuote__c"
    ]
    return {
        org_code(org, line["SBQQ__Product__c"]): line
        for line in org.records["SBQQ__QuoteLine__c"]
        if line["SBQQ__Quote__c"] == quote
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("upsell", lambda held: {**held, "PRO-SEATS": held["PRO-SEATS"] + 10}),
        ("downsell", lambda held: {**held, "PRO-SEATS": held["PRO-SEATS"] - 1}),
        ("cancel one line", lambda held: {**held, "SUPPORT-PREM": 0}),
        ("cancel all", lambda held: dict.fromkeys(held, 0)),
    ],
)
def test_given_a_corpus_deal_when_amended_then_the_lines_carry_prior_and_new_totals(
    change, expected
):
    org, builder, contract, held = corpus_contract()
    totals = expected(held)

    opportunity = builder.amend(
        contract, Amendment(start_date=shifted_start(org, contract), quantities=totals)
    )

    lines = amendment_lines(org, opportunity)
    assert {code: line["SBQQ__Quantity__c"] for code, line in lines.items()} == totals
    assert {code: line["SBQQ__PriorQuantity__c"] for code, line in lines.items()} == held
    for code, line in lines.items():
        effective = totals[code] - held[code]
        assert line["SBQQ__NetTotal__c"] == round(line["SBQQ__NetPrice__c"] * effective, 2)
    after = {org_code(org, s["SBQQ__Product__c"]): q for s, q in builder.held(contract)}
    assert after == totals


def shifted_start(org: OrgBuilder, contract: str) -> str:
    """Four months into the contract (a co-termed amendment start)."""
    record = next(c for c in org.records["Contract"] if c["Id"] == contract)
    return add_months(dt.date.fromisoformat(record["StartDate"]), 4).isoformat()


def test_given_a_new_product_on_an_amendment_then_it_is_a_new_co_termed_line():
    org, builder, contract, _ = corpus_contract()
    start = shifted_start(org, contract)
    record = next(c for c in org.records["Contract"] if c["Id"] == contract)

    opportunity = builder.amend(
        contract, Amendment(start_date=start, new_products=[NewProduct("TRAINING", 2, 1200.0)])
    )

    new = amendment_lines(org, opportunity)["TRAINING"]
    assert new["SBQQ__Existing__c"] is False and new["SBQQ__UpgradedSubscription__c"] is None
    assert new["SBQQ__EffectiveStartDate__c"] == start
    assert new["SBQQ__EffectiveEndDate__c"] == record["EndDate"]
    assert new["SBQQ__UnproratedNetPrice__c"] == 1200.0
    months = new["SBQQ__EffectiveSubscriptionTerm__c"]
    assert new["SBQQ__NetPrice__c"] == round(1200.0 * months / 12, 2)


def test_given_an_uncontracted_amendment_then_no_subscription_is_added():
    org, builder, contract, _ = corpus_contract()
    before = len(builder.subscriptions(contract))

    builder.amend(
        contract,
        Amendment(start_date=shifted_start(org, contract), quantities={"PRO-SEATS": 99}),
        contracted=False,
    )

    assert len(builder.subscriptions(contract)) == before


def test_given_two_amendments_then_the_second_sees_the_first_and_the_renewal_both():
    org, builder, contract, held = corpus_contract()
    start = shifted_start(org, contract)
    builder.amend(
        contract, Amendment(start_date=start, quantities={"PRO-SEATS": held["PRO-SEATS"] + 5})
    )

    second = builder.amend(contract, Amendment(start_date=start, quantities={"SUPPORT-PREM": 0}))
    renewal = builder.renew(contract)

    assert (
        amendment_lines(org, second)["PRO-SEATS"]["SBQQ__PriorQuantity__c"] == held["PRO-SEATS"] + 5
    )
    renewed = amendment_lines(org, renewal)
    assert "SUPPORT-PREM" not in renewed
    assert renewed["PRO-SEATS"]["SBQQ__Quantity__c"] == held["PRO-SEATS"] + 5
    opp = next(o for o in org.records["Opportunity"] if o["Id"] == renewal)
    assert (opp["SBQQ__RenewedContract__c"], opp["SBQQ__Renewal__c"]) == (contract, True)
