"""The Salesforce double, driven by the real simple-salesforce client over HTTPS.

Given a CPQ org snapshot, when the product's own calls (JWT login, the SOQL of docs/reference/salesforce.md §8, composite,
sObject Collections, single-record PATCH) go through simple-salesforce, then the double answers
with the shapes, errors and exceptions real Salesforce gives.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import (
    Salesforce,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
    format_soql,
)

from offline.salesforce_double import SalesforceDouble, SalesforceFaults

CONSUMER_KEY = "offline-consumer-key"
USERNAME = "integration@offline.example"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

ORG_ID = "00D5f000005KcCnEAK"
USER = "0055f000005mc66AAA"
ACME = "0015f00002J9YYEAA3"
GLOBEX = "0015f00002J9ZZZAA3"
BOB = "0035f00001AbcdEAAA"
ALICE = "0035f00001AbcdFAAA"
OPP = "0065f00000AbCdEAAZ"
OPP_NO_QUOTE = "0065f00000AbCdFAAZ"
ROLE_BOB = "00K5f00000Xyz1AAAA"
ROLE_ALICE = "00K5f00000Xyz2AAAA"
QUOTE = "a0x5f000001XyZ1AAK"
BIG_QUOTE = "a0x5f000001XyZ2AAK"
P_BUNDLE = "01t5f000000BunDAAA"
P_CORE = "01t5f000000CoreAAA"
P_ADDON = "01t5f000000AddnAAA"
P_SETUP = "01t5f000000SetpAAA"
FEATURE = "a0K5f000000Fea1AAA"
OPTION = "a0L5f000000Opt1AAA"
L_BUNDLE = "a0y5f000000Ln01AAA"
L_CORE = "a0y5f000000Ln02AAA"
L_ADDON = "a0y5f000000Ln03AAA"
L_SETUP = "a0y5f000000Ln04AAA"

# docs/reference/salesforce.md §8, verbatim: the double must answer exactly these.
Q1 = """SELECT Id, Name, StageName, IsWon, IsClosed, CloseDate, Amount, Type, LastModifiedDate,
       NetSuite_Id__c, NetSuite_Sync_Status__c,
       AccountId, Account.Name, Account.Phone, Account.Website, Account.NetSuite_Id__c,
       Account.BillingStreet, Account.BillingCity, Account.BillingState, Account.BillingPostalCode, Account.BillingCountry,
       Account.ShippingStreet, Account.ShippingCity, Account.ShippingState, Account.ShippingPostalCode, Account.ShippingCountry,
       SBQQ__PrimaryQuote__c,
       SBQQ__PrimaryQuote__r.Name, SBQQ__PrimaryQuote__r.SBQQ__Primary__c, SBQQ__PrimaryQuote__r.SBQQ__Status__c,
       SBQQ__PrimaryQuote__r.SBQQ__Type__c, SBQQ__PrimaryQuote__r.SBQQ__Account__c,
       SBQQ__PrimaryQuote__r.SBQQ__StartDate__c, SBQQ__PrimaryQuote__r.SBQQ__EndDate__c,
       SBQQ__PrimaryQuote__r.SBQQ__SubscriptionTerm__c, SBQQ__PrimaryQuote__r.SBQQ__BillingFrequency__c,
       SBQQ__PrimaryQuote__r.SBQQ__PaymentTerms__c, SBQQ__PrimaryQuote__r.SBQQ__NetAmount__c,
       SBQQ__PrimaryQuote__r.SBQQ__BillingName__c, SBQQ__PrimaryQuote__r.SBQQ__BillingStreet__c,
       SBQQ__PrimaryQuote__r.SBQQ__BillingCity__c, SBQQ__PrimaryQuote__r.SBQQ__BillingState__c,
       SBQQ__PrimaryQuote__r.SBQQ__BillingPostalCode__c, SBQQ__PrimaryQuote__r.SBQQ__BillingCountry__c,
       SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__c,
       SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.FirstName, SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.LastName,
       SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.Email, SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.Phone,
       (SELECT ContactId, Role, IsPrimary, Contact.FirstName, Contact.LastName, Contact.Email, Contact.Phone,
               Contact.MailingStreet, Contact.MailingCity, Contact.MailingState, Contact.MailingPostalCode,
               Contact.MailingCountry, Contact.NetSuite_Id__c
        FROM OpportunityContactRoles ORDER BY IsPrimary DESC)
FROM Opportunity
WHERE Id = {opportunity_id}"""

Q2_FIELDS = """Id, Name, SBQQ__Number__c, SBQQ__Quote__c,
       SBQQ__Product__c, SBQQ__Product__r.Name, SBQQ__Product__r.ProductCode, SBQQ__Product__r.Family,
       SBQQ__Product__r.SBQQ__SubscriptionPricing__c, SBQQ__Product__r.SBQQ__SubscriptionType__c,
       SBQQ__Product__r.SBQQ__SubscriptionTerm__c, SBQQ__Product__r.SBQQ__ChargeType__c,
       SBQQ__ProductCode__c, SBQQ__ProductName__c, SBQQ__Quantity__c,
       SBQQ__ListPrice__c, SBQQ__CustomerPrice__c, SBQQ__NetPrice__c, SBQQ__NetTotal__c, SBQQ__ProrateMultiplier__c,
       SBQQ__SubscriptionPricing__c, SBQQ__SubscriptionTerm__c, SBQQ__EffectiveSubscriptionTerm__c,
       SBQQ__SubscriptionType__c, SBQQ__ProductSubscriptionType__c,
       SBQQ__ChargeType__c, SBQQ__BillingType__c, SBQQ__BillingFrequency__c,
       SBQQ__StartDate__c, SBQQ__EndDate__c, SBQQ__EffectiveStartDate__c, SBQQ__EffectiveEndDate__c,
       SBQQ__Bundle__c, SBQQ__Bundled__c, SBQQ__RequiredBy__c, SBQQ__OptionLevel__c, SBQQ__OptionType__c,
       SBQQ__ProductOption__c, SBQQ__ProductOption__r.SBQQ__Feature__c, SBQQ__ProductOption__r.SBQQ__Feature__r.Name,
       SBQQ__Group__c, SBQQ__Existing__c, SBQQ__RenewedSubscription__c, SBQQ__UpgradedSubscription__c"""
Q2 = f"""SELECT {Q2_FIELDS}
FROM SBQQ__QuoteLine__c
WHERE SBQQ__Quote__c = {{primary_quote_id}}
ORDER BY SBQQ__Number__c"""


# --------------------------------------------------------------------------- the org snapshot


def _product(pid: str, name: str, code: str, family: str, pricing: str | None, charge: str) -> dict:
    return {
        "Id": pid,
        "Name": name,
        "ProductCode": code,
        "Family": family,
        "IsActive": True,
        "SBQQ__SubscriptionPricing__c": pricing,
        "SBQQ__SubscriptionType__c": "Renewable" if pricing else None,
        "SBQQ__SubscriptionTerm__c": 12.0 if pricing else None,
        "SBQQ__ChargeType__c": charge,
    }


def _line(lid: str, number: float, product: dict, quote: str = QUOTE, **overrides: Any) -> dict:
    recurring = product["SBQQ__ChargeType__c"] == "Recurring"
    line = {
        "Id": lid,
        "Name": f"QL-{int(number):07d}",
        "SBQQ__Number__c": number,
        "SBQQ__Quote__c": quote,
        "SBQQ__Product__c": product["Id"],
        "SBQQ__ProductCode__c": product["ProductCode"],
        "SBQQ__ProductName__c": product["Name"],
        "SBQQ__Quantity__c": 10.0,
        "SBQQ__ListPrice__c": 100.0,
        "SBQQ__CustomerPrice__c": 90.0,
        "SBQQ__NetPrice__c": 90.0,
        "SBQQ__NetTotal__c": 900.0,
        "SBQQ__ProrateMultiplier__c": 1.0,
        "SBQQ__SubscriptionPricing__c": product["SBQQ__SubscriptionPricing__c"],
        "SBQQ__SubscriptionTerm__c": 12.0 if recurring else None,
        "SBQQ__EffectiveSubscriptionTerm__c": 12.0 if recurring else None,
        "SBQQ__SubscriptionType__c": product["SBQQ__SubscriptionType__c"],
        "SBQQ__ProductSubscriptionType__c": product["SBQQ__SubscriptionType__c"],
        "SBQQ__ChargeType__c": product["SBQQ__ChargeType__c"],
        "SBQQ__BillingType__c": "Advance" if recurring else None,
        "SBQQ__BillingFrequency__c": "Annual" if recurring else None,
        "SBQQ__StartDate__c": None,
        "SBQQ__EndDate__c": None,
        "SBQQ__EffectiveStartDate__c": "2026-04-01",
        "SBQQ__EffectiveEndDate__c": "2027-03-31",
        "SBQQ__Bundle__c": False,
        "SBQQ__Bundled__c": False,
        "SBQQ__RequiredBy__c": None,
        "SBQQ__OptionLevel__c": None,
        "SBQQ__OptionType__c": None,
        "SBQQ__ProductOption__c": None,
        "SBQQ__Group__c": None,
        "SBQQ__Existing__c": False,
        "SBQQ__RenewedSubscription__c": None,
        "SBQQ__UpgradedSubscription__c": None,
    }
    line.update(overrides)
    return line


def _contact(cid: str, first: str, last: str, email: str | None, account: str) -> dict:
    return {
        "Id": cid,
        "FirstName": first,
        "LastName": last,
        "Email": email,
        "Phone": None,
        "AccountId": account,
        "MailingStreet": "1 Market St",
        "MailingCity": "San Francisco",
        "MailingState": "CA",
        "MailingPostalCode": "94105",
        "MailingCountry": "United States",
        "NetSuite_Id__c": None,
    }


def _account(aid: str, name: str) -> dict:
    return {
        "Id": aid,
        "Name": name,
        "Phone": "+1 415 555 0100",
        "Website": None,
        "NetSuite_Id__c": None,
        "OwnerId": USER,
        "BillingStreet": "1 Market St",
        "BillingCity": "San Francisco",
        "BillingState": "CA",
        "BillingPostalCode": "94105",
        "BillingCountry": "United States",
        "ShippingStreet": None,
        "ShippingCity": None,
        "ShippingState": None,
        "ShippingPostalCode": None,
        "ShippingCountry": None,
    }


def _opportunity(oid: str, account: str, quote: str | None) -> dict:
    return {
        "Id": oid,
        "Name": "Acme - Platform" if quote else "Globex - Services",
        "StageName": "Closed Won",
        "IsWon": True,
        "IsClosed": True,
        "CloseDate": "2026-03-04",
        "Amount": 36000.0,
        "Type": "New Business",
        "LastModifiedDate": "2026-03-04T17:21:08.000+0000",
        "NetSuite_Id__c": None,
        "NetSuite_Sync_Status__c": "Pending",
        "NetSuite_Sync_Error__c": None,
        "NetSuite_Last_Sync__c": None,
        "AccountId": account,
        "OwnerId": USER,
        "SBQQ__PrimaryQuote__c": quote,
    }


def cpq_snapshot(extra_lines: int = 0) -> dict:
    """A single-currency CPQ org: one deal with a bundle quote, one deal with no quote."""
    bundle = _product(
        P_BUNDLE, "Platform Bundle", "PLAT-BUNDLE", "Platform", "Fixed Price", "Recurring"
    )
    core = _product(P_CORE, "Core Module", "PLAT-CORE", "Platform", "Fixed Price", "Recurring")
    addon = _product(
        P_ADDON, "Analytics Add-on", "PLAT-ANL", "Platform", "Fixed Price", "Recurring"
    )
    setup = _product(P_SETUP, "Onboarding", "SVC-ONB", "Services", None, "One-Time")
    lines = [  # deliberately not in SBQQ__Number__c order
        _line(L_SETUP, 4, setup, SBQQ__Quantity__c=1.0),
        _line(
            L_CORE,
            2,
            core,
            SBQQ__RequiredBy__c=L_BUNDLE,
            SBQQ__OptionLevel__c=1.0,
            SBQQ__OptionType__c="Component",
            SBQQ__ProductOption__c=OPTION,
            SBQQ__Bundled__c=True,
        ),
        _line(L_BUNDLE, 1, bundle, SBQQ__Bundle__c=True),
        _line(
            L_ADDON,
            3,
            addon,
            SBQQ__RequiredBy__c=L_BUNDLE,
            SBQQ__OptionLevel__c=1.0,
            SBQQ__OptionType__c="Accessory",
        ),
    ]
    lines += [
        _line(f"a0y5f00001{i:05d}AAA", i + 1, core, quote=BIG_QUOTE) for i in range(extra_lines)
    ]
    return {
        "orgId": ORG_ID,
        "fields": {"Opportunity": {"NetSuite_Last_Sync__c": "datetime"}},  # all null: pin the type
        "records": {
            "User": [{"Id": USER, "Username": USERNAME, "Name": "Integration User"}],
            "Account": [_account(ACME, "Acme Corp"), _account(GLOBEX, "Globex")],
            "Contact": [
                _contact(BOB, "Bob", "Billing", "bob@acme.example", ACME),
                _contact(ALICE, "Alice", "Buyer", "alice@acme.example", ACME),
            ],
            "Opportunity": [
                _opportunity(OPP, ACME, QUOTE),
                _opportunity(OPP_NO_QUOTE, GLOBEX, None),
            ],
            "OpportunityContactRole": [  # the primary one last: ORDER BY IsPrimary DESC must act
                {
                    "Id": ROLE_BOB,
                    "OpportunityId": OPP,
                    "ContactId": BOB,
                    "Role": "Billing Contact",
                    "IsPrimary": False,
                },
                {
                    "Id": ROLE_ALICE,
                    "OpportunityId": OPP,
                    "ContactId": ALICE,
                    "Role": "Decision Maker",
                    "IsPrimary": True,
                },
            ],
            "SBQQ__Quote__c": [
                {
                    "Id": QUOTE,
                    "Name": "Q-00042",
                    "SBQQ__Primary__c": True,
                    "SBQQ__Opportunity2__c": OPP,
                    "SBQQ__Account__c": ACME,
                    "SBQQ__PrimaryContact__c": ALICE,
                    "SBQQ__Status__c": "Approved",
                    "SBQQ__Type__c": "Quote",
                    "SBQQ__StartDate__c": "2026-04-01",
                    "SBQQ__EndDate__c": "2027-03-31",
                    "SBQQ__SubscriptionTerm__c": 12.0,
                    "SBQQ__BillingFrequency__c": "Annual",
                    "SBQQ__PaymentTerms__c": "Net 30",
                    "SBQQ__NetAmount__c": 36000.0,
                    "SBQQ__BillingName__c": "Acme Corp AP",
                    "SBQQ__BillingStreet__c": "1 Market St",
                    "SBQQ__BillingCity__c": "San Francisco",
                    "SBQQ__BillingState__c": "CA",
                    "SBQQ__BillingPostalCode__c": "94105",
                    "SBQQ__BillingCountry__c": "United States",
                },
                {
                    "Id": BIG_QUOTE,
                    "Name": "Q-00043",
                    "SBQQ__Primary__c": False,
                    "SBQQ__Opportunity2__c": OPP,
                    "SBQQ__Account__c": ACME,
                    "SBQQ__PrimaryContact__c": None,
                    "SBQQ__Status__c": "Draft",
                    "SBQQ__Type__c": "Quote",
                    "SBQQ__StartDate__c": None,
                    "SBQQ__EndDate__c": None,
                    "SBQQ__SubscriptionTerm__c": None,
                    "SBQQ__BillingFrequency__c": None,
                    "SBQQ__PaymentTerms__c": None,
                    "SBQQ__NetAmount__c": 0.0,
                    "SBQQ__BillingName__c": None,
                    "SBQQ__BillingStreet__c": None,
                    "SBQQ__BillingCity__c": None,
                    "SBQQ__BillingState__c": None,
                    "SBQQ__BillingPostalCode__c": None,
                    "SBQQ__BillingCountry__c": None,
                },
            ],
            "Product2": [bundle, core, addon, setup],
            "SBQQ__ProductFeature__c": [{"Id": FEATURE, "Name": "Core Modules"}],
            "SBQQ__ProductOption__c": [
                {
                    "Id": OPTION,
                    "SBQQ__Feature__c": FEATURE,
                    "SBQQ__ConfiguredSKU__c": P_BUNDLE,
                    "SBQQ__OptionalSKU__c": P_CORE,
                },
            ],
            "SBQQ__QuoteLine__c": lines,
        },
    }


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _start(snapshot: dict, state_dir: Path, key: rsa.RSAPrivateKey, monkeypatch, **kw: Any):
    sf = SalesforceDouble(snapshot, state_dir, public_key_pem=_public_pem(key), **kw)
    sf.start()
    # requests lets REQUESTS_CA_BUNDLE override Session.verify, so the env var is the reliable knob.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sf.ca_bundle)
    return sf


@pytest.fixture
def sf_double(tmp_path, rsa_key, monkeypatch):
    sf = _start(cpq_snapshot(), tmp_path / "state", rsa_key, monkeypatch)
    yield sf
    sf.stop()


def assertion(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    body: dict[str, Any] = {
        "iss": CONSUMER_KEY,
        "sub": USERNAME,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    }
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256")


def request_token(sf: SalesforceDouble, jwt_assertion: str) -> requests.Response:
    return requests.post(
        f"{sf.base_url}/services/oauth2/token",
        data={"grant_type": JWT_GRANT, "assertion": jwt_assertion},
        timeout=10,
    )


def connect(sf: SalesforceDouble, key: rsa.RSAPrivateKey) -> Salesforce:
    token = request_token(sf, assertion(key))
    assert token.status_code == 200, token.text
    body = token.json()
    return Salesforce(
        instance_url=body["instance_url"], session_id=body["access_token"], version="62.0"
    )


@pytest.fixture
def client(sf_double, rsa_key) -> Salesforce:
    return connect(sf_double, rsa_key)


# --------------------------------------------------------------------------- JWT bearer login


def test_jwt_bearer_token_has_the_salesforce_shape_and_is_not_an_api_call(sf_double, rsa_key):
    resp = request_token(sf_double, assertion(rsa_key))

    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {
        "access_token",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["instance_url"] == sf_double.base_url
    assert body["token_type"] == "Bearer"
    assert body["id"] == f"{sf_double.base_url}/id/{ORG_ID}/{USER}"
    assert sf_double.api_calls == 0
    assert sf_double.calls[-1]["kind"] == "token"


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        (
            {"sub": "intruder@offline.example"},
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        ({"aud": "https://evil.example"}, "invalid_grant", "audience is invalid"),
        ({"exp": int(time.time()) - 5}, "invalid_grant", "expired authorization code"),
    ],
)
def test_jwt_with_a_wrong_claim_is_refused(sf_double, rsa_key, claims, error, description):
    resp = request_token(sf_double, assertion(rsa_key, **claims))

    assert resp.status_code == 400
    assert resp.json() == {"error": error, "error_description": description}


def test_jwt_audience_may_be_the_test_login_or_the_double_itself(sf_double, rsa_key):
    for aud in ("https://test.salesforce.com", sf_double.base_url):
        assert request_token(sf_double, assertion(rsa_key, aud=aud)).status_code == 200


def test_jwt_signed_by_another_key_is_refused(sf_double):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    resp = request_token(sf_double, assertion(stranger))

    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_data_call_without_a_token_is_401_invalid_session(sf_double):
    resp = requests.get(
        f"{sf_double.base_url}/services/data/v62.0/query/",
        params={"q": "SELECT Id FROM Account"},
        timeout=10,
    )

    assert resp.status_code == 401
    assert resp.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert sf_double.api_calls == 0


def test_expired_session_raises_salesforce_expired_session(sf_double, client):
    client.query("SELECT Id FROM Account")
    sf_double.expire_sessions()

    with pytest.raises(SalesforceExpiredSession) as exc:
        client.query("SELECT Id FROM Account")

    assert exc.value.status == 401
    assert exc.value.content[0]["errorCode"] == "INVALID_SESSION_ID"
    assert sf_double.api_calls == 1


def test_session_ttl_expires_tokens(tmp_path, rsa_key, monkeypatch):
    sf = _start(cpq_snapshot(), tmp_path, rsa_key, monkeypatch, session_ttl_s=0)
    try:
        client = connect(sf, rsa_key)
        with pytest.raises(SalesforceExpiredSession):
            client.query("SELECT Id FROM Account")
    finally:
        sf.stop()


# --------------------------------------------------------------------------- §8 queries


def test_q1_returns_the_deal_with_parents_nested_and_contact_roles_primary_first(client):
    result = client.query(format_soql(Q1, opportunity_id=OPP))

    assert result["totalSize"] == 1
    assert result["done"] is True
    assert "nextRecordsUrl" not in result
    opp = result["records"][0]
    assert opp["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v62.0/sobjects/Opportunity/{OPP}",
    }
    assert list(opp)[:4] == ["attributes", "Id", "Name", "StageName"]
    assert opp["IsWon"] is True
    assert opp["NetSuite_Id__c"] is None
    assert opp["Account"]["attributes"]["type"] == "Account"
    assert opp["Account"]["Name"] == "Acme Corp"
    assert opp["Account"]["ShippingStreet"] is None
    quote = opp["SBQQ__PrimaryQuote__r"]
    assert quote["attributes"]["url"].endswith(f"/SBQQ__Quote__c/{QUOTE}")
    assert quote["SBQQ__NetAmount__c"] == 36000.0
    assert quote["SBQQ__PrimaryContact__r"]["Email"] == "alice@acme.example"
    assert quote["SBQQ__PrimaryContact__r"]["attributes"]["type"] == "Contact"
    roles = opp["OpportunityContactRoles"]
    assert (roles["totalSize"], roles["done"]) == (2, True)
    assert [r["Role"] for r in roles["records"]] == ["Decision Maker", "Billing Contact"]
    first = roles["records"][0]
    assert first["attributes"]["type"] == "OpportunityContactRole"
    assert first["ContactId"] == ALICE
    assert first["Contact"]["FirstName"] == "Alice"
    assert first["Contact"]["NetSuite_Id__c"] is None


def test_q1_without_quote_or_contact_roles_gives_nulls_not_empty_objects(client):
    opp = client.query(format_soql(Q1, opportunity_id=OPP_NO_QUOTE))["records"][0]

    assert opp["SBQQ__PrimaryQuote__c"] is None
    assert opp["SBQQ__PrimaryQuote__r"] is None
    assert opp["OpportunityContactRoles"] is None
    assert opp["Account"]["Name"] == "Globex"


def test_q2_returns_quote_lines_in_number_order_with_product_and_feature(client):
    result = client.query_all(format_soql(Q2, primary_quote_id=QUOTE))

    lines = result["records"]
    assert [line["Id"] for line in lines] == [L_BUNDLE, L_CORE, L_ADDON, L_SETUP]
    bundle, core, addon, setup = lines
    assert bundle["SBQQ__Bundle__c"] is True
    assert bundle["SBQQ__RequiredBy__c"] is None
    assert bundle["SBQQ__ProductOption__r"] is None
    assert core["SBQQ__RequiredBy__c"] == L_BUNDLE
    assert core["SBQQ__Product__r"]["ProductCode"] == "PLAT-CORE"
    assert core["SBQQ__ProductOption__r"]["SBQQ__Feature__c"] == FEATURE
    assert core["SBQQ__ProductOption__r"]["SBQQ__Feature__r"]["Name"] == "Core Modules"
    assert addon["SBQQ__ProductOption__c"] is None
    assert setup["SBQQ__Product__r"]["SBQQ__SubscriptionPricing__c"] is None
    assert setup["SBQQ__ChargeType__c"] == "One-Time"


def test_field_names_are_case_insensitive_and_answered_in_canonical_casing(client):
    rec = client.query(
        format_soql("select id, NAME, account.name from OPPORTUNITY where ID = {}", OPP)
    )["records"][0]

    assert list(rec) == ["attributes", "Id", "Name", "Account"]
    assert list(rec["Account"]) == ["attributes", "Name"]


def test_query_all_follows_next_records_url_past_2000_records(tmp_path, rsa_key, monkeypatch):
    sf = _start(cpq_snapshot(extra_lines=2150), tmp_path, rsa_key, monkeypatch)
    try:
        client = connect(sf, rsa_key)
        soql = format_soql(Q2, primary_quote_id=BIG_QUOTE)

        first = client.query(soql)
        everything = client.query_all(soql)

        assert (first["totalSize"], first["done"], len(first["records"])) == (2150, False, 2000)
        assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
        assert len(everything["records"]) == 2150
        numbers = [r["SBQQ__Number__c"] for r in everything["records"]]
        assert numbers == sorted(numbers) and len(set(numbers)) == 2150
        assert [c["kind"] for c in sf.calls[-2:]] == ["query", "query_more"]
        assert sf.api_calls == 3
    finally:
        sf.stop()


def test_query_batch_size_header_pages_smaller(client):
    result = client.query(
        format_soql("SELECT Id FROM SBQQ__QuoteLine__c WHERE SBQQ__Quote__c = {}", QUOTE),
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    assert result["done"] is True  # 4 lines fit in the minimum batch of 200

    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.query_more("01gNOTAREALCURSOR-200")
    assert exc.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_missing_field_is_invalid_field_like_a_single_currency_org(client):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.query(format_soql("SELECT Id, CurrencyIsoCode FROM Opportunity WHERE Id = {}", OPP))

    error = exc.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'CurrencyIsoCode' on entity 'Opportunity'" in error["message"]
    assert "ERROR at Row:1:Column:12" in error["message"]


def test_unknown_relationship_and_malformed_soql_are_400(client):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.query("SELECT Id, Quote__r.Name FROM Opportunity")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert (
        "Didn't understand relationship 'Quote__r' in field path" in exc.value.content[0]["message"]
    )

    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.query("SELECT Id FROM Opportunity WHERE")
    assert exc.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_15_char_id_matches_the_18_char_record_but_a_lowercased_18_char_id_does_not(client):
    soql = "SELECT Id FROM Opportunity WHERE Id = {}"

    by_15 = client.query(format_soql(soql, OPP[:15]))["records"]
    by_18_lower = client.query(format_soql(soql, OPP.lower()))["records"]
    by_lookup_15 = client.query(
        format_soql("SELECT Id FROM OpportunityContactRole WHERE OpportunityId IN {}", [OPP[:15]])
    )["records"]

    assert [r["Id"] for r in by_15] == [OPP]
    assert by_18_lower == []
    assert {r["Id"] for r in by_lookup_15} == {ROLE_BOB, ROLE_ALICE}


def test_format_soql_escapes_quote_injection_so_it_matches_nothing(client):
    hostile = "x' OR Name != 'x"
    unescaped = "SELECT Id FROM Account WHERE Name = '" + hostile + "'"

    escaped_rows = client.query(format_soql("SELECT Id FROM Account WHERE Name = {}", hostile))
    injected_rows = client.query(unescaped)  # proves the payload would bite without escaping

    assert escaped_rows["records"] == []
    assert injected_rows["totalSize"] == 2


def test_quote_injection_in_an_id_filter_is_rejected_as_an_invalid_id(client):
    # Real Salesforce validates Id literals: 400 INVALID_QUERY_FILTER_OPERATOR, never all rows.
    hostile = f"{OPP}' OR Id != '"

    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.query(format_soql("SELECT Id FROM Opportunity WHERE Id = {}", hostile))

    error = exc.value.content[0]
    assert error["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"
    assert error["message"].endswith(f"invalid ID field: {hostile}")


def test_sobject_get_returns_the_whole_record(client):
    rec = client.Opportunity.get(OPP)

    assert rec["attributes"]["type"] == "Opportunity"
    assert rec["Id"] == OPP
    assert rec["NetSuite_Sync_Status__c"] == "Pending"
    assert "SBQQ__PrimaryQuote__c" in rec

    with pytest.raises(SalesforceResourceNotFound):
        client.Opportunity.get("0065f00000ZZZZZAAA")


# --------------------------------------------------------------------------- composite


def _composite(client: Salesforce, requests_: list[dict], all_or_none: bool = False) -> list:
    body = client.restful(
        "composite", method="POST", json={"allOrNone": all_or_none, "compositeRequest": requests_}
    )
    return body["compositeResponse"]


def _query_sub(ref: str, soql: str) -> dict:
    return {
        "method": "GET",
        "url": "/services/data/v62.0/query/?" + requests.compat.urlencode({"q": soql}),
        "referenceId": ref,
    }


def test_composite_runs_q1_and_q2_chained_by_reference_as_one_api_call(sf_double, client):
    q2 = Q2.replace("{primary_quote_id}", "'@{opp.records[0].SBQQ__PrimaryQuote__c}'")

    responses = _composite(
        client,
        [
            _query_sub("opp", format_soql(Q1, opportunity_id=OPP)),
            _query_sub("lines", q2),
        ],
    )

    assert [r["httpStatusCode"] for r in responses] == [200, 200]
    assert [r["referenceId"] for r in responses] == ["opp", "lines"]
    assert responses[0]["httpHeaders"] == {}
    assert responses[0]["body"]["records"][0]["Id"] == OPP
    assert [line["Id"] for line in responses[1]["body"]["records"]] == [
        L_BUNDLE,
        L_CORE,
        L_ADDON,
        L_SETUP,
    ]
    assert sf_double.api_calls == 1
    assert sf_double.calls[-1]["kind"] == "composite"
    assert [s["kind"] for s in sf_double.calls[-1]["subrequests"]] == ["query", "query"]


def test_composite_reference_into_a_null_or_missing_value_halts_the_dependent(client):
    q2 = Q2.replace("{primary_quote_id}", "'@{opp.records[0].SBQQ__PrimaryQuote__c}'")

    responses = _composite(
        client,
        [
            _query_sub("opp", format_soql(Q1, opportunity_id=OPP_NO_QUOTE)),
            _query_sub("lines", q2),
        ],
    )

    assert responses[0]["httpStatusCode"] == 200
    assert responses[1]["httpStatusCode"] == 400
    assert responses[1]["body"] == [
        {
            "message": "Invalid reference specified. No value for "
            "opp.records[0].SBQQ__PrimaryQuote__c found in opp.",
            "errorCode": "PROCESSING_HALTED",
        }
    ]


def test_composite_references_nested_parent_fields_and_ids(client):
    responses = _composite(
        client,
        [
            _query_sub("opp", format_soql(Q1, opportunity_id=OPP)),
            _query_sub(
                "contact",
                "SELECT Id, Email FROM Contact WHERE Id = "
                "'@{opp.records[0].SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__c}'",
            ),
            {
                "method": "GET",
                "url": "/services/data/v62.0/sobjects/Account/@{opp.records[0].AccountId}",
                "referenceId": "account",
            },
        ],
    )

    assert responses[1]["body"]["records"][0]["Email"] == "alice@acme.example"
    assert responses[2]["body"]["Name"] == "Acme Corp"


def test_composite_patch_all_or_none_rolls_back_every_subrequest(sf_double, client):
    patch = "/services/data/v62.0/sobjects/Opportunity/" + OPP
    responses = _composite(
        client,
        [
            {
                "method": "PATCH",
                "url": patch,
                "referenceId": "ok",
                "body": {"NetSuite_Sync_Status__c": "Synced"},
            },
            {"method": "PATCH", "url": patch, "referenceId": "bad", "body": {"No_Such__c": 1}},
        ],
        all_or_none=True,
    )

    assert [r["httpStatusCode"] for r in responses] == [400, 400]
    assert responses[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert responses[1]["body"][0]["errorCode"] == "INVALID_FIELD"
    assert sf_double.record("Opportunity", OPP)["NetSuite_Sync_Status__c"] == "Pending"
    assert sf_double.writes == []


def test_composite_patch_without_all_or_none_keeps_the_successful_write(sf_double, client):
    patch = "/services/data/v62.0/sobjects/Opportunity/" + OPP
    responses = _composite(
        client,
        [
            {
                "method": "PATCH",
                "url": patch,
                "referenceId": "ok",
                "body": {"NetSuite_Sync_Status__c": "Synced"},
            },
            {"method": "PATCH", "url": patch, "referenceId": "bad", "body": {"No_Such__c": 1}},
        ],
    )

    assert responses[0] == {
        "body": None,
        "httpHeaders": {},
        "httpStatusCode": 204,
        "referenceId": "ok",
    }
    assert responses[1]["httpStatusCode"] == 400
    assert sf_double.record("Opportunity", OPP)["NetSuite_Sync_Status__c"] == "Synced"


def test_composite_refuses_more_than_25_subrequests_or_5_queries(sf_double, client):
    get = {"method": "GET", "url": f"/services/data/v62.0/sobjects/Account/{ACME}"}
    too_many = [dict(get, referenceId=f"r{i}") for i in range(26)]
    six_queries = [_query_sub(f"q{i}", "SELECT Id FROM Account") for i in range(6)]
    five_queries = six_queries[:5]

    for body in (too_many, six_queries):
        with pytest.raises(SalesforceMalformedRequest):
            _composite(client, body)
    ok = _composite(client, [*five_queries, dict(get, referenceId="acct")])

    assert [r["httpStatusCode"] for r in ok] == [200] * 6


def test_composite_can_carry_collections_updates_which_count_as_query_like(sf_double, client):
    def chunk(ref: str, status: str) -> dict:
        return {
            "method": "PATCH",
            "url": "/services/data/v62.0/composite/sobjects",
            "referenceId": ref,
            "body": {
                "allOrNone": False,
                "records": [_opp_update(OPP, NetSuite_Sync_Status__c=status)],
            },
        }

    responses = _composite(client, [chunk("c0", "In Progress"), chunk("c1", "Synced")])
    calls_for_two_chunks = sf_double.api_calls
    with pytest.raises(SalesforceMalformedRequest):
        _composite(client, [chunk(f"c{i}", "Error") for i in range(6)])

    assert [r["httpStatusCode"] for r in responses] == [200, 200]
    assert responses[1]["body"] == [{"id": OPP, "success": True, "errors": []}]
    assert sf_double.record("Opportunity", OPP)["NetSuite_Sync_Status__c"] == "Synced"
    assert calls_for_two_chunks == 1


# --------------------------------------------------------------------------- sObject Collections


def _collection(client: Salesforce, records: list[dict], all_or_none: bool) -> list[dict]:
    return client.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": all_or_none, "records": records}
    )


def _opp_update(record_id: str, **fields: Any) -> dict:
    return {"attributes": {"type": "Opportunity"}, "id": record_id, **fields}


def test_collections_without_all_or_none_report_per_record_results(sf_double, client):
    results = _collection(
        client,
        [
            _opp_update(OPP, NetSuite_Id__c="SUB-1"),
            _opp_update(OPP_NO_QUOTE, CurrencyIsoCode="EUR"),
            {"attributes": {"type": "Account"}, "Id": ACME, "NetSuite_Id__c": "CUST-9"},
        ],
        all_or_none=False,
    )

    assert results[0] == {"id": OPP, "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert "CurrencyIsoCode" in results[1]["errors"][0]["message"]
    assert results[2] == {"id": ACME, "success": True, "errors": []}
    assert sf_double.record("Opportunity", OPP)["NetSuite_Id__c"] == "SUB-1"
    assert sf_double.record("Account", ACME)["NetSuite_Id__c"] == "CUST-9"
    assert sf_double.api_calls == 1
    assert [w["Id"] for w in sf_double.writes] == [OPP, ACME]


def test_collections_with_all_or_none_roll_back_everything_on_one_error(sf_double, client):
    results = _collection(
        client,
        [
            _opp_update(OPP, NetSuite_Id__c="SUB-1"),
            _opp_update(OPP_NO_QUOTE, CurrencyIsoCode="EUR"),
        ],
        all_or_none=True,
    )

    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert sf_double.record("Opportunity", OPP)["NetSuite_Id__c"] is None
    assert sf_double.writes == []


def test_collections_refuse_more_than_200_records(client):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        _collection(client, [_opp_update(OPP, NetSuite_Id__c=str(i)) for i in range(201)], True)
    assert exc.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


# --------------------------------------------------------------------------- single-record writes


def test_update_is_204_visible_to_queries_and_bumps_last_modified(sf_double, client):
    status = client.Opportunity.update(
        OPP,
        {
            "NetSuite_Sync_Status__c": "Synced",
            "NetSuite_Last_Sync__c": "2026-03-04T18:00:00Z",
            "NetSuite_Sync_Error__c": None,
        },
    )

    assert status == 204
    rec = client.query(
        format_soql(
            "SELECT NetSuite_Sync_Status__c, LastModifiedDate FROM Opportunity WHERE Id = {}", OPP
        )
    )["records"][0]
    assert rec["NetSuite_Sync_Status__c"] == "Synced"
    assert rec["LastModifiedDate"] > "2026-03-04T17:21:08.000+0000"
    write = sf_double.writes[-1]
    assert (write["sObject"], write["Id"]) == ("Opportunity", OPP)
    assert write["fields"] == {
        "NetSuite_Sync_Status__c": "Synced",
        "NetSuite_Last_Sync__c": "2026-03-04T18:00:00.000+0000",  # stored as Salesforce renders
        "NetSuite_Sync_Error__c": None,
    }


@pytest.mark.parametrize(
    ("fields", "error_code"),
    [
        ({"CurrencyIsoCode": "EUR"}, "INVALID_FIELD"),
        ({"Id": OPP}, "INVALID_FIELD"),
        ({"LastModifiedDate": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"IsWon": "yes"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Amount": "lots"}, "JSON_PARSER_ERROR"),
    ],
)
def test_invalid_writes_are_400_and_leave_the_record_alone(sf_double, client, fields, error_code):
    before = sf_double.record("Opportunity", OPP)

    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.Opportunity.update(OPP, fields)

    assert exc.value.content[0]["errorCode"] == error_code
    assert sf_double.record("Opportunity", OPP) == before
    assert sf_double.writes == []


def test_update_of_unknown_id_is_404(client):
    with pytest.raises(SalesforceResourceNotFound) as exc:
        client.Opportunity.update("0065f00000ZZZZZAAA", {"NetSuite_Id__c": "1"})
    assert exc.value.content[0]["errorCode"] == "NOT_FOUND"


def test_writes_persist_across_a_restart_on_the_same_state_dir(tmp_path, rsa_key, monkeypatch):
    state = tmp_path / "state"
    first = _start(cpq_snapshot(), state, rsa_key, monkeypatch)
    try:
        connect(first, rsa_key).Opportunity.update(OPP[:15], {"NetSuite_Id__c": "SUB-77"})
    finally:
        first.stop()

    second = _start(cpq_snapshot(), state, rsa_key, monkeypatch)
    fresh = SalesforceDouble(cpq_snapshot(), tmp_path / "other")
    try:
        soql = format_soql("SELECT NetSuite_Id__c FROM Opportunity WHERE Id = {}", OPP)
        assert connect(second, rsa_key).query(soql)["records"][0]["NetSuite_Id__c"] == "SUB-77"
        assert second.record("Opportunity", OPP)["NetSuite_Id__c"] == "SUB-77"
        assert fresh.record("Opportunity", OPP)["NetSuite_Id__c"] is None
    finally:
        second.stop()


# --------------------------------------------------------------------------- faults and accounting


def test_request_limit_fault_raises_salesforce_refused_request(sf_double, client):
    sf_double.faults.rate_request_limit = 1.0

    with pytest.raises(SalesforceRefusedRequest) as exc:
        client.query("SELECT Id FROM Account")

    assert exc.value.status == 403
    assert exc.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert sf_double.api_calls == 0


def test_503_fault_raises_salesforce_general_error(sf_double, client):
    sf_double.faults.rate_503 = 1.0

    with pytest.raises(SalesforceGeneralError) as exc:
        client.query("SELECT Id FROM Account")

    assert exc.value.status == 503
    assert exc.value.content == [
        {"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}
    ]


def test_unable_to_lock_row_hits_writes_only(sf_double, client):
    sf_double.faults.rate_unable_to_lock_row = 1.0

    assert client.query("SELECT Id FROM Account")["totalSize"] == 2
    with pytest.raises(SalesforceMalformedRequest) as exc:
        client.Opportunity.update(OPP, {"NetSuite_Id__c": "1"})
    results = _collection(client, [_opp_update(OPP, NetSuite_Id__c="1")], all_or_none=False)

    assert exc.value.content == [
        {
            "message": "unable to obtain exclusive access to this record",
            "errorCode": "UNABLE_TO_LOCK_ROW",
            "fields": [],
        }
    ]
    assert results[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf_double.record("Opportunity", OPP)["NetSuite_Id__c"] is None


def test_fail_all_takes_down_the_token_endpoint_too(sf_double, rsa_key, client):
    sf_double.faults = SalesforceFaults(fail_all=True)

    with pytest.raises(SalesforceGeneralError) as exc:
        client.query("SELECT Id FROM Account")
    token = request_token(sf_double, assertion(rsa_key))

    assert exc.value.status == 503
    assert token.status_code == 503


def test_fault_sequence_is_deterministic_for_a_seed(tmp_path, rsa_key, monkeypatch):
    def outcomes(state: Path) -> list[int]:
        sf = _start(
            cpq_snapshot(),
            state,
            rsa_key,
            monkeypatch,
            faults=SalesforceFaults(rate_503=0.5, seed=7),
        )
        try:
            client = connect(sf, rsa_key)
            seen = []
            for _ in range(16):
                try:
                    client.query("SELECT Id FROM Account")
                    seen.append(200)
                except SalesforceGeneralError as e:
                    seen.append(e.status)
            return seen
        finally:
            sf.stop()

    first, second = outcomes(tmp_path / "a"), outcomes(tmp_path / "b")

    assert first == second
    assert {200, 503} <= set(first)


def test_daily_allocation_is_enforced_and_reported(tmp_path, rsa_key, monkeypatch):
    snapshot = copy.deepcopy(cpq_snapshot())
    snapshot["limits"] = {"DailyApiRequests": 2}
    sf = _start(snapshot, tmp_path, rsa_key, monkeypatch)
    try:
        client = connect(sf, rsa_key)
        client.query("SELECT Id FROM Account")
        client.query("SELECT Id FROM Account")
        assert client.api_usage["api-usage"].used == 2
        with pytest.raises(SalesforceRefusedRequest):
            client.query("SELECT Id FROM Account")
        sf.reset_stats()
        assert client.limits()["DailyApiRequests"] == {"Max": 2, "Remaining": 1}
        assert client.query("SELECT Id FROM Account")["totalSize"] == 2
        assert [c["kind"] for c in sf.calls] == ["limits", "query"]
    finally:
        sf.stop()


def test_endpoints_the_double_does_not_implement_fail_loudly(client):
    with pytest.raises(SalesforceGeneralError) as exc:
        client.Account.create({"Name": "New Co"})

    assert exc.value.status == 501
    assert exc.value.content[0]["errorCode"] == "NOT_IMPLEMENTED_BY_DOUBLE"
