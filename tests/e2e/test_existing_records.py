"""Existing NetSuite records, end to end (docs/mapping.md §8): adopted, never duplicated.

A company going live already has customers, contacts and billing accounts in NetSuite. An Account
or Contact whose NetSuite id field names one of them is that record: its externalId is set and it
is updated in place, keeping what finance maintains; a second currency joins the customer's
currency list; an id that cannot be adopted makes the deal invalid before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from offline.corpus import LineSpec, OrgBuilder, existing_customer
from offline.stack import DEFAULT_CONFIG, OfflineStack
from tests.e2e.conftest import event_for, run

US = {"Street": "1 Main", "City": "Boston", "State": "MA", "PostalCode": "02110", "Country": "US"}
LINES = [LineSpec("PLATFORM-PRO", net_price=12000.0)]
FINANCE_ADDRESS = {
    "label": "Warehouse",
    "defaultBilling": False,
    "defaultShipping": True,
    "addressBookAddress": {"addressee": "Dock 4", "city": "Reno", "country": {"id": "US"}},
}


def multi_currency_config(tmp_path: Path) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["salesforce"]["multi_currency"] = True
    path = tmp_path / "multi-currency.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def linked(org: OrgBuilder, sobject: str, record_id: str, netsuite_id: str) -> None:
    for record in org.records[sobject]:
        if record["Id"] == record_id:
            record["NetSuite_Id__c"] = netsuite_id


def in_currency(snapshot: dict[str, Any], opportunity_id: str, currency: str) -> None:
    """Give one opportunity, its quote and its lines a CurrencyIsoCode (a multi-currency org)."""
    records = snapshot["records"]
    quotes = [q for q in records["SBQQ__Quote__c"] if q["SBQQ__Opportunity2__c"] == opportunity_id]
    quote_ids = {q["Id"] for q in quotes}
    lines = [ql for ql in records["SBQQ__QuoteLine__c"] if ql["SBQQ__Quote__c"] in quote_ids]
    opportunity = [o for o in records["Opportunity"] if o["Id"] == opportunity_id]
    for record in [*opportunity, *quotes, *lines]:
        record["CurrencyIsoCode"] = currency


def product_records(stack: OfflineStack) -> dict[str, list[dict[str, Any]]]:
    return stack.netsuite.dump()


def replayed_twice_changes_nothing(stack: OfflineStack, event: dict[str, Any]) -> None:
    before = product_records(stack)
    for _ in range(2):
        report = run(stack, event)
        assert report.status == "Synced", report.error
    assert product_records(stack) == before


def adoption_org() -> tuple[OrgBuilder, str, str, str]:
    org = OrgBuilder()
    account = org.account("Globex Corporation", billing=US)
    contact = org.contact(account, "Hank", "Scorpio", email="hank@globex.example")
    opportunity = org.opportunity(
        account,
        "Globex platform",
        LINES,
        contacts=[(contact, "Decision Maker", True)],
        primary_contact=contact,
    )
    return org, account, contact, opportunity


def test_given_an_account_and_contact_with_netsuite_ids_then_both_are_adopted_in_place(
    make_stack,
) -> None:
    org, account, contact, opportunity = adoption_org()
    linked(org, "Account", account, "950")
    linked(org, "Contact", contact, "1950")
    stack = make_stack(org.snapshot())
    customer = existing_customer(
        "950", "GLOBEX CORP (legacy)", terms="3", email="ap@globex.example"
    )
    customer["addressBook"] = {"items": [FINANCE_ADDRESS]}
    stack.netsuite.load_seed(
        {
            "customer": [customer],
            "contact": [
                {"id": "1950", "firstName": "H.", "lastName": "Scorpio", "subsidiary": {"id": "1"}}
            ],
        }
    )

    report = run(stack, event_for(org, opportunity))
    assert report.status == "Synced", report.error
    dump = product_records(stack)
    (adopted,) = dump["customer"]
    assert adopted["id"] == "950" and adopted["externalId"] == f"SF-{account}"
    assert adopted["companyName"] == "Globex Corporation"
    (person,) = dump["contact"]
    assert person["id"] == "1950" and person["externalId"] == f"SF-{contact}"
    assert person["firstName"] == "Hank" and person["company"]["id"] == "950"
    (billing_account,) = dump["billingAccount"]
    assert billing_account["customer"]["id"] == "950"
    replayed_twice_changes_nothing(stack, event_for(org, opportunity))


def test_given_an_adopted_customer_then_its_create_only_fields_and_addresses_are_kept(
    make_stack,
) -> None:
    org, account, _, opportunity = adoption_org()
    linked(org, "Account", account, "950")
    stack = make_stack(org.snapshot())
    customer = existing_customer(
        "950", "Globex", subsidiary="2", terms="3", email="ap@globex.example"
    )
    customer["addressBook"] = {"items": [FINANCE_ADDRESS]}
    stack.netsuite.load_seed({"customer": [customer]})

    report = run(stack, event_for(org, opportunity))
    assert report.status == "Synced", report.error
    (adopted,) = product_records(stack)["customer"]
    assert adopted["subsidiary"]["id"] == "2" and adopted["currency"]["id"] == "1"
    assert adopted["terms"]["id"] == "3" and adopted["email"] == "ap@globex.example"
    book = {entry["label"]: entry for entry in adopted["addressBook"]["items"]}
    assert set(book) == {"Warehouse", "Billing"}
    assert book["Warehouse"]["addressBookAddress"]["city"] == "Reno"
    assert book["Billing"]["defaultBilling"] is True


def test_given_a_netsuite_id_naming_no_customer_then_the_deal_is_invalid_and_nothing_written(
    make_stack,
) -> None:
    org, account, _, opportunity = adoption_org()
    linked(org, "Account", account, "9999")
    stack = make_stack(org.snapshot())
    report = run(stack, event_for(org, opportunity))
    assert report.status == "Failed" and report.error["type"] == "InvalidDeal"
    assert "9999" in report.error["message"] and account in report.error["message"]
    assert all(not records for records in product_records(stack).values())
    error = stack.salesforce.record("Opportunity", opportunity)["NetSuite_Sync_Error__c"]
    assert "Account.NetSuite_Id__c" in error and "9999" in error


def test_given_a_customer_linked_to_another_account_then_the_deal_is_invalid_naming_both(
    make_stack,
) -> None:
    org, account, contact, opportunity = adoption_org()
    linked(org, "Account", account, "950")
    linked(org, "Contact", contact, "1950")
    stack = make_stack(org.snapshot())
    other = "SF-0015f0000000999AAA"
    stack.netsuite.load_seed(
        {
            "customer": [existing_customer("950", "Globex", external_id=other)],
            "contact": [
                {
                    "id": "1950",
                    "lastName": "Scorpio",
                    "subsidiary": {"id": "1"},
                    "externalId": "SF-0035f0000000999AAA",
                }
            ],
        }
    )
    before = product_records(stack)
    report = run(stack, event_for(org, opportunity))
    assert report.status == "Failed" and report.error["type"] == "InvalidDeal"
    message = report.error["message"]
    assert "950" in message and other in message and account in message
    assert "1950" in message and contact in message
    assert product_records(stack) == before


def test_given_two_currencies_for_one_account_then_one_customer_with_both_and_two_accounts(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    account = org.account("Initech", billing=US)
    contact = org.contact(account, "Bill", "Lumbergh")
    roles = [(contact, "Decision Maker", True)]
    usd = org.opportunity(account, "Initech US", LINES, contacts=roles, primary_contact=contact)
    eur = org.opportunity(account, "Initech EU", LINES, contacts=roles, primary_contact=contact)
    snapshot = org.snapshot()
    in_currency(snapshot, usd, "USD")
    in_currency(snapshot, eur, "EUR")
    stack = make_stack(snapshot, config=multi_currency_config(tmp_path))

    for opportunity in (usd, eur):
        report = run(stack, event_for(org, opportunity))
        assert report.status == "Synced", report.error
    dump = product_records(stack)
    (customer,) = dump["customer"]
    assert customer["currency"]["id"] == "1"
    assert [e["currency"]["id"] for e in customer["currencyList"]["items"]] == ["2"]
    accounts = {a["externalId"]: a for a in dump["billingAccount"]}
    assert set(accounts) == {f"SF-BA-{account}-USD", f"SF-BA-{account}-EUR"}
    assert accounts[f"SF-BA-{account}-EUR"]["currency"]["id"] == "2"
    assert {s["currency"]["id"] for s in dump["subscription"]} == {"1", "2"}
    replayed_twice_changes_nothing(stack, event_for(org, eur))
    replayed_twice_changes_nothing(stack, event_for(org, usd))


def test_given_an_adopted_customer_with_one_billing_account_in_the_currency_then_it_is_adopted(
    make_stack,
) -> None:
    org, account, _, opportunity = adoption_org()
    linked(org, "Account", account, "950")
    stack = make_stack(org.snapshot())
    stack.netsuite.load_seed(
        {
            "customer": [existing_customer("950", "Globex")],
            "billingAccount": [
                {
                    "id": "2950",
                    "name": "Globex - USD",
                    "customer": {"id": "950"},
                    "currency": {"id": "1"},
                    "subsidiary": {"id": "1"},
                    "billingSchedule": {"id": "1"},
                    "startDate": "2025-01-01",
                }
            ],
        }
    )
    report = run(stack, event_for(org, opportunity))
    assert report.status == "Synced", report.error
    dump = product_records(stack)
    (billing_account,) = dump["billingAccount"]
    assert billing_account["id"] == "2950"
    assert billing_account["externalId"] == f"SF-BA-{account}-USD"
    assert all(s["billingAccount"]["id"] == "2950" for s in dump["subscription"])
    replayed_twice_changes_nothing(stack, event_for(org, opportunity))
