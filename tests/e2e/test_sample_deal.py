"""The bundled sample deal, end to end: every record checked against docs/mapping.md by hand."""

from __future__ import annotations

from tests.e2e.conftest import run, sample_event

ACCOUNT = "0015f0000000001AAA"
OPP = "0065f0000000001AAA"
JANE, JOHN = "0035f0000000001AAA", "0035f0000000002AAA"
ROOT_LINE, SUPPORT_LINE = "a0r5f0000000001AAA", "a0r5f0000000006AAA"


def by_eid(records):
    return {r["externalId"]: r for r in records}


def test_the_sample_deal_lands_in_netsuite_as_the_spec_says(make_stack) -> None:
    stack = make_stack()
    report = run(stack, sample_event())
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()

    (customer,) = dump["customer"]
    assert customer["externalId"] == f"SF-{ACCOUNT}"
    assert customer["companyName"] == "Acme Analytics Inc."
    assert customer["email"] == "jane.doe@acme-analytics.example"
    assert (
        customer["terms"]["id"] == "2"
        and customer["subsidiary"]["id"] == "1"
        and customer["currency"]["id"] == "1"
    )
    billing, shipping = customer["addressBook"]["items"]
    assert (
        billing["label"] == "Billing"
        and billing["defaultBilling"] is True
        and billing["defaultShipping"] is False
    )
    assert billing["addressBookAddress"]["addressee"] == "Acme Analytics Accounts Payable"
    assert (billing["addressBookAddress"]["addr1"], billing["addressBookAddress"]["addr2"]) == (
        "100 Federal Street",
        "Floor 12",
    )
    assert shipping["label"] == "Shipping" and shipping["addressBookAddress"]["city"] == "Cambridge"

    contacts = by_eid(dump["contact"])
    assert set(contacts) == {f"SF-{JANE}", f"SF-{JOHN}"}
    assert contacts[f"SF-{JANE}"]["company"]["id"] == customer["id"]

    (account,) = dump["billingAccount"]
    assert account["externalId"] == f"SF-BA-{ACCOUNT}-USD"
    assert account["name"] == "Acme Analytics Inc. - USD" and account["startDate"] == "2026-04-01"
    assert account["customer"]["id"] == customer["id"] and account["billingSchedule"]["id"] == "1"

    (term,) = dump["subscriptionTerm"]
    assert term["externalId"] == "SF-TERM-12M" and term["subscriptionTermDuration"] == 12

    plans = {p["displayName"]: p for p in dump["subscriptionPlan"]}
    assert set(plans) == {"Platform Pro", "Premium Support"}
    members = plans["Platform Pro"]["member"]["items"]
    assert [m["item"]["id"] for m in members] == ["501", "502", "503", "504", "505"]
    assert [m["lineNumber"] for m in members] == [1, 2, 3, 4, 5]
    assert plans["Platform Pro"]["initialTerm"]["id"] == term["id"]

    # Unit price per billing period (docs/mapping.md §4.6), computed by hand:
    # bundle 12000/yr annual, seats 600/12mo monthly -> 50, onboarding one-time 2500,
    # API 2.00 per unit used, console 0, support 4800/12mo quarterly -> 1200.
    prices = {p["externalId"]: p["priceTiers"]["items"][0]["value"] for p in dump["pricePlan"]}
    assert prices == {
        f"SF-PP-{ROOT_LINE}": 12000.0,
        "SF-PP-a0r5f0000000002AAA": 50.0,
        "SF-PP-a0r5f0000000003AAA": 2500.0,
        "SF-PP-a0r5f0000000004AAA": 2.0,
        "SF-PP-a0r5f0000000005AAA": 0.0,
        f"SF-PP-{SUPPORT_LINE}": 1200.0,
    }

    books = by_eid(dump["priceBook"])
    book = books[f"SF-PB-{OPP}-{ROOT_LINE}"]
    assert book["name"] == "Acme Analytics - Platform Pro 2026 - Platform Pro - USD"
    frequencies = [
        i["frequency"]["id"] if isinstance(i["frequency"], dict) else i["frequency"]
        for i in book["priceInterval"]["items"]
    ]
    assert frequencies == ["ANNUALLY", "MONTHLY", "ONETIME", "MONTHLY", "ANNUALLY"]

    subs = by_eid(dump["subscription"])
    sub = subs[f"SF-SUB-{OPP}-{ROOT_LINE}"]
    assert (
        sub["subscriptionPlan"]["id"] == plans["Platform Pro"]["id"]
        and sub["priceBook"]["id"] == book["id"]
    )
    assert sub["billingAccount"]["id"] == account["id"] and sub["customer"]["id"] == customer["id"]
    assert sub["startDate"] == "2026-04-01" and sub["endDate"] == "2027-03-31"
    assert len(sub["subscriptionLine"]["items"]) == 5
    quantities = {
        i["subscriptionPlanLineNumber"]: i["quantity"] for i in sub["priceInterval"]["items"]
    }
    assert quantities[2] == 25
    assert (
        subs[f"SF-SUB-{OPP}-{SUPPORT_LINE}"]["name"]
        == "Acme Analytics - Platform Pro 2026 - Premium Support"
    )

    opp = stack.salesforce.record("Opportunity", OPP)
    assert opp["NetSuite_Sync_Status__c"] == "Synced" and opp["NetSuite_Sync_Error__c"] is None
    assert sorted(opp["NetSuite_Subscription_Ids__c"].split(",")) == sorted(
        s["id"] for s in dump["subscription"]
    )
    assert stack.salesforce.record("Account", ACCOUNT)["NetSuite_Id__c"] == customer["id"]
    assert (
        stack.salesforce.record("Contact", JANE)["NetSuite_Id__c"] == contacts[f"SF-{JANE}"]["id"]
    )


def test_the_call_budget_holds(make_stack) -> None:
    stack = make_stack()
    report = run(stack, sample_event())
    written = sum(len(v) for v in report.netsuite.values())
    # records written + one look-up before each (an existing record is adopted, never recreated)
    # + 1 SuiteQL
    checks = written
    assert report.salesforceCalls == 2
    assert report.netsuiteCalls <= written + checks + 1


def test_replaying_the_event_changes_nothing(make_stack) -> None:
    stack = make_stack()
    first = run(stack, sample_event())
    before = stack.netsuite.dump()
    for _ in range(3):
        again = run(stack, sample_event())
        assert again.status == "Synced"
        assert again.netsuite == first.netsuite
    assert stack.netsuite.dump() == before
