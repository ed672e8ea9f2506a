"""The real adapters (simple-salesforce reader/writer, NetSuite client) over HTTP against the doubles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closedwon.egress import salesforce_policy
from closedwon.errors import AuthOrConfig, InvalidDeal, Throttled
from closedwon.netsuite import NetSuiteClient, NetSuiteSettings
from closedwon.netsuite.auth import clear_token_cache
from closedwon.salesforce import (
    SalesforceConnection,
    SalesforceSettings,
    read_deal,
    record,
    write_records,
)
from closedwon.salesforce.writer import LONG_TEXT_LIMIT, now_utc
from offline.corpus import OrgBuilder, netsuite_seed
from offline.netsuite_double import AuthConfig, Behaviour, FaultConfig, NetSuiteDouble
from offline.salesforce_double import SalesforceDouble, SalesforceFaults
from offline.stack import pem_keypair as keypair

ROOT = Path(__file__).resolve().parents[2]
#: The doubles listen on loopback (closedwon.egress's offline exception).
OFFLINE = salesforce_policy(offline_loopback=True)


@pytest.fixture
def salesforce(tmp_path, monkeypatch):
    private, public = keypair()
    org = json.loads((ROOT / "offline/sample/org.json").read_text())
    double = SalesforceDouble(
        org, tmp_path / "sf", consumer_key="ck", username="int@example.com", public_key_pem=public
    )
    url = double.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", double.ca_bundle)
    settings = SalesforceSettings(
        login_url=url, consumer_key="ck", username="int@example.com", private_key=private
    )
    yield double, SalesforceConnection(settings, egress=OFFLINE)
    double.stop()


@pytest.fixture
def netsuite(tmp_path):
    private, public = keypair()
    clear_token_cache()
    double = NetSuiteDouble(
        tmp_path / "ns", netsuite_seed(), auth=AuthConfig(public_key_pem=public)
    )
    url = double.start()
    auth = double.auth_config
    settings = NetSuiteSettings.model_validate(
        {
            "base_url": url,
            "account_id": auth.realm,
            "auth_method": "oauth2",
            "client_id": auth.client_id,
            "certificate_id": auth.certificate_id,
            "private_key": private,
            "algorithm": "PS256",
        }
    )
    client = NetSuiteClient(settings, sleep=lambda _s: None)
    client.settings_for_test = settings
    yield double, client
    double.close()


def test_reading_a_deal_is_one_api_call_with_every_relationship(salesforce) -> None:
    double, conn = salesforce
    source = read_deal(conn, "0065f0000000001AAA", multi_currency=False)
    assert double.api_calls == 1
    opp = source["opportunity"]
    assert opp["Account"]["Name"] == "Acme Analytics Inc."
    assert (
        opp["SBQQ__PrimaryQuote__r"]["SBQQ__PrimaryContact__r"]["Email"]
        == "jane.doe@acme-analytics.example"
    )
    assert [r["IsPrimary"] for r in opp["OpportunityContactRoles"]["records"]] == [True, False]
    assert [line["SBQQ__Number__c"] for line in source["lines"]] == [1, 2, 3, 4, 5, 6]
    assert "attributes" not in json.dumps(source)


def test_multi_currency_on_a_single_currency_org_is_a_config_error(salesforce) -> None:
    _, conn = salesforce
    with pytest.raises(AuthOrConfig, match="CurrencyIsoCode"):
        read_deal(conn, "0065f0000000001AAA", multi_currency=True)


def test_an_unknown_opportunity_is_an_invalid_deal(salesforce) -> None:
    _, conn = salesforce
    with pytest.raises(InvalidDeal, match="was not found"):
        read_deal(conn, "0065f0000000999AAA", multi_currency=False)


def test_an_expired_session_logs_in_again_once(salesforce) -> None:
    double, conn = salesforce
    read_deal(conn, "0065f0000000001AAA", multi_currency=False)
    double.expire_sessions()
    read_deal(conn, "0065f0000000001AAA", multi_currency=False)


def test_request_limit_exceeded_is_throttled(salesforce) -> None:
    double, conn = salesforce
    double.faults = SalesforceFaults(rate_request_limit=1.0)
    with pytest.raises(Throttled):
        read_deal(conn, "0065f0000000001AAA", multi_currency=False)


def test_writing_back_more_than_200_records_is_still_one_api_call(tmp_path, monkeypatch) -> None:
    private, public = keypair()
    org = OrgBuilder()
    account = org.account("Acme")
    contacts = [org.contact(account, "C", f"N{i}") for i in range(250)]
    double = SalesforceDouble(
        org.snapshot(),
        tmp_path / "sf",
        consumer_key="ck",
        username="u@x.com",
        public_key_pem=public,
    )
    url = double.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", double.ca_bundle)
    try:
        conn = SalesforceConnection(
            SalesforceSettings(
                login_url=url, consumer_key="ck", username="u@x.com", private_key=private
            ),
            egress=OFFLINE,
        )
        records = [record("Contact", c, {"NetSuite_Id__c": str(i)}) for i, c in enumerate(contacts)]
        assert write_records(conn, records, what="test") == []
        assert double.api_calls == 1
        assert double.record("Contact", contacts[-1])["NetSuite_Id__c"] == "249"
    finally:
        double.stop()


OPPORTUNITY = "0065f0000000001AAA"


def test_the_write_back_values_fit_the_fields_the_project_deploys(salesforce) -> None:
    """The status picklist, the DateTime and the long text limits come from salesforce/."""
    double, conn = salesforce
    fields = {
        "NetSuite_Sync_Status__c": "Synced",
        "NetSuite_Last_Sync__c": now_utc(),
        "NetSuite_Sync_Error__c": "e" * LONG_TEXT_LIMIT,
        "NetSuite_Subscription_Ids__c": "7000,7001",
    }

    assert write_records(conn, [record("Opportunity", OPPORTUNITY, fields)], what="test") == []

    written = double.record("Opportunity", OPPORTUNITY)
    assert written["NetSuite_Sync_Status__c"] == "Synced"
    assert written["NetSuite_Last_Sync__c"].endswith(".000+0000")


def test_a_status_outside_the_restricted_picklist_is_refused_naming_the_field(salesforce) -> None:
    _double, conn = salesforce
    fields = {"NetSuite_Sync_Status__c": "In Progress"}

    with pytest.raises(AuthOrConfig, match=r"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.*Sync Status"):
        write_records(conn, [record("Opportunity", OPPORTUNITY, fields)], what="the write-back")


@pytest.mark.parametrize(
    "behaviour", [Behaviour(upsert_location=False), Behaviour(answer_async=True)], ids=str
)
def test_netsuite_upsert_reads_the_id_back_without_a_record_location(netsuite, behaviour) -> None:
    double, client = netsuite
    double.behaviour.upsert_location = behaviour.upsert_location
    double.behaviour.answer_async = behaviour.answer_async
    body = {"companyName": "Acme", "subsidiary": {"id": "1"}}

    internal_id = client.upsert("customer", "SF-001", body)

    (customer,) = double.dump()["customer"]
    assert internal_id == customer["id"]
    assert client.calls_by_route["GET customer"] == 1


def test_netsuite_upsert_read_back_and_create_if_absent(netsuite) -> None:
    double, client = netsuite
    body = {"companyName": "Acme", "subsidiary": {"id": "1"}}
    first = client.upsert("customer", "SF-001", body)
    assert client.upsert("customer", "SF-001", body) == first
    assert client.get("customer", "SF-001", fields=["id"])["id"] == first
    assert client.get("customer", "SF-404") is None
    term = {
        "name": "12 Months",
        "subscriptionTermType": "STANDARD",
        "subscriptionTermDuration": 12,
        "subscriptionTermUnit": "MONTHS",
    }
    term_id, created = client.create_if_absent("subscriptionTerm", "SF-TERM-12M", term)
    assert created and client.create_if_absent("subscriptionTerm", "SF-TERM-12M", term) == (
        term_id,
        False,
    )
    assert len(double.dump()["customer"]) == 1


def test_netsuite_suiteql_pages_with_bound_parameters(netsuite) -> None:
    _, client = netsuite
    codes = ["PLATFORM-PRO", "PRO-SEATS", "NOPE"]
    rows = client.suiteql(
        "SELECT id, itemid FROM item WHERE itemid IN (?, ?, ?)", codes, page_size=1
    )
    assert sorted(r["itemid"] for r in rows) == ["PLATFORM-PRO", "PRO-SEATS"]
    assert client.calls_by_route["POST suiteql"] == 2


def test_netsuite_rejection_names_the_record_and_field(netsuite) -> None:
    from closedwon.errors import RejectedByNetSuite

    _, client = netsuite
    with pytest.raises(RejectedByNetSuite) as info:
        client.upsert("customer", "SF-002", {"companyName": "Acme", "subsidiary": {"id": "999"}})
    assert info.value.record_type == "customer" and info.value.error_path == "subsidiary"


def test_netsuite_429s_are_retried_and_an_expired_token_refreshed(netsuite) -> None:
    double, default_client = netsuite
    # Step Functions would retry a Throttled step; here the client simply gets more attempts.
    client = NetSuiteClient(
        default_client.settings_for_test, max_attempts=10, sleep=lambda _s: None
    )
    double.faults = FaultConfig(rate_429=0.5, seed=1)
    for i in range(5):
        client.upsert(
            "customer", f"SF-10{i}", {"companyName": f"Co {i}", "subsidiary": {"id": "1"}}
        )
    assert client.throttled > 0
    double.faults = FaultConfig()
    double.expire_tokens()
    client.upsert("customer", "SF-200", {"companyName": "After expiry", "subsidiary": {"id": "1"}})
    assert len(double.dump()["customer"]) == 6
