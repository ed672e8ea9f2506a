"""The Salesforce double, driven by Authlib's JWT bearer client (RFC 7523) and plain requests.

Each test states the documented behaviour of the real service and where it is documented
(docs/reference/salesforce.md §4-§5 and the Salesforce pages named in each docstring).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from authlib.integrations.requests_client import AssertionSession
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from offline.salesforce_double import SalesforceDouble
from tests.integration.conformance.conftest import SF_CONSUMER_KEY, SF_USERNAME

OPPORTUNITY = "0065f0000000001AAA"
CONTACT_1, CONTACT_2 = "0035f0000000001AAA", "0035f0000000002AAA"
V = "/services/data/v62.0"


@pytest.fixture
def session(salesforce: SalesforceDouble, sf_key: rsa.RSAPrivateKey) -> Iterator[AssertionSession]:
    """An Authlib session that logs in with the JWT bearer flow (Salesforce Help, "OAuth 2.0 JWT
    Bearer Flow for Server-to-Server Integration": iss = consumer key, sub = username, aud =
    https://login.salesforce.com, RS256)."""
    pem = sf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    client = AssertionSession(
        token_endpoint=f"{salesforce.base_url}/services/oauth2/token",
        issuer=SF_CONSUMER_KEY,
        subject=SF_USERNAME,
        audience="https://login.salesforce.com",
        key=RSAKey.import_key(pem),
        header={"alg": "RS256"},
    )
    yield client
    client.close()


def patch_opportunity(
    session: AssertionSession, base: str, fields: dict[str, object]
) -> requests.Response:
    response: requests.Response = session.patch(
        f"{base}{V}/sobjects/Opportunity/{OPPORTUNITY}", json=fields
    )
    return response


def test_given_a_jwt_bearer_login_then_the_token_response_names_the_instance(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """Salesforce Help, "OAuth 2.0 JWT Bearer Flow": the response carries ``access_token``,
    ``instance_url``, ``id`` and ``token_type: Bearer``; no refresh token is issued."""
    token = session.refresh_token()

    assert token["token_type"] == "Bearer" and token["instance_url"] == salesforce.base_url
    assert "refresh_token" not in token
    response = session.get(f"{salesforce.base_url}{V}/limits")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["In Progress", "synced", "Done"])
def test_given_a_restricted_picklist_when_a_value_outside_it_is_written_then_it_is_refused(
    salesforce: SalesforceDouble, session: AssertionSession, value: str
) -> None:
    """NetSuite_Sync_Status__c is a restricted picklist in salesforce/ (valueSet restricted).
    Salesforce REST API Developer Guide, "Status Codes and Error Responses" and the Metadata API
    ``CustomField.valueSet.restricted``: a value outside a restricted picklist is refused with
    ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` naming the field."""
    response = patch_opportunity(session, salesforce.base_url, {"NetSuite_Sync_Status__c": value})

    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error["fields"] == ["NetSuite_Sync_Status__c"]
    assert salesforce.record("Opportunity", OPPORTUNITY)["NetSuite_Sync_Status__c"] is None


def test_given_a_restricted_picklist_when_one_of_its_values_is_written_then_it_is_kept(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """The same field takes each value its metadata lists (Pending, Synced, Error, Skipped)."""
    for value in ("Pending", "Synced", "Error", "Skipped"):
        response = patch_opportunity(
            session, salesforce.base_url, {"NetSuite_Sync_Status__c": value}
        )
        assert response.status_code == 204
    assert salesforce.record("Opportunity", OPPORTUNITY)["NetSuite_Sync_Status__c"] == "Skipped"


def test_given_a_datetime_field_when_it_is_not_a_date_time_then_json_parser_error(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """NetSuite_Last_Sync__c is a DateTime. REST API Developer Guide, "Valid Date and DateTime
    Formats": dateTime values are ISO 8601; a body value that cannot be deserialised into the
    field's type is ``JSON_PARSER_ERROR``."""
    response = patch_opportunity(session, salesforce.base_url, {"NetSuite_Last_Sync__c": "banana"})

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


@pytest.mark.parametrize(
    "written",
    ["2026-12-04T18:55:45Z", "2026-12-04T18:55:45.000Z", "2026-12-04T19:55:45+01:00"],
)
def test_given_a_datetime_written_in_any_iso_form_then_it_reads_back_in_salesforce_format(
    salesforce: SalesforceDouble, session: AssertionSession, written: str
) -> None:
    """REST API Developer Guide, "Valid Date and DateTime Formats": any ISO 8601 form is taken;
    dateTime values come back in UTC as ``yyyy-MM-ddTHH:mm:ss.SSS+0000``."""
    assert (
        patch_opportunity(
            session, salesforce.base_url, {"NetSuite_Last_Sync__c": written}
        ).status_code
        == 204
    )

    body = session.get(
        f"{salesforce.base_url}{V}/sobjects/Opportunity/{OPPORTUNITY}",
        params={"fields": "NetSuite_Last_Sync__c"},
    ).json()
    assert body["NetSuite_Last_Sync__c"] == "2026-12-04T18:55:45.000+0000"


def test_given_a_long_text_field_when_the_value_exceeds_its_length_then_string_too_long(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """NetSuite_Sync_Error__c is a LongTextArea of 32,768 characters (salesforce/). REST API
    Developer Guide, "Status Codes and Error Responses": a value longer than the field is
    ``STRING_TOO_LONG`` naming the field; 32,768 characters still fit."""
    too_long = patch_opportunity(
        session, salesforce.base_url, {"NetSuite_Sync_Error__c": "x" * 40_000}
    )
    fits = patch_opportunity(session, salesforce.base_url, {"NetSuite_Sync_Error__c": "x" * 32_768})

    assert too_long.status_code == 400
    assert too_long.json()[0]["errorCode"] == "STRING_TOO_LONG"
    assert too_long.json()[0]["fields"] == ["NetSuite_Sync_Error__c"]
    assert fits.status_code == 204


def test_given_a_unique_external_id_when_two_records_take_one_value_then_duplicate_value(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """Contact.NetSuite_Id__c is an External ID marked unique and case-insensitive (salesforce/).
    Salesforce Help, "Custom Field Attributes" (Unique): a value already on another record is
    refused with ``DUPLICATE_VALUE``; case-insensitively unless the field is case-sensitive."""
    base = f"{salesforce.base_url}{V}/sobjects/Contact"
    first = session.patch(f"{base}/{CONTACT_1}", json={"NetSuite_Id__c": "ns-2001"})
    second = session.patch(f"{base}/{CONTACT_2}", json={"NetSuite_Id__c": "NS-2001"})

    assert first.status_code == 204
    assert second.status_code == 400
    assert second.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    assert CONTACT_1 in second.json()[0]["message"]


def test_given_sobject_collections_when_one_record_breaks_its_field_type_then_only_it_fails(
    salesforce: SalesforceDouble, session: AssertionSession
) -> None:
    """REST API Developer Guide, "sObject Collections: Update Records": with ``allOrNone: false``
    each record gets its own result; a failed one carries ``errors[].statusCode``."""
    response = session.patch(
        f"{salesforce.base_url}{V}/composite/sobjects",
        json={
            "allOrNone": False,
            "records": [
                {
                    "attributes": {"type": "Opportunity"},
                    "id": OPPORTUNITY,
                    "NetSuite_Sync_Status__c": "In Progress",
                },
                {"attributes": {"type": "Contact"}, "id": CONTACT_1, "NetSuite_Id__c": "2001"},
            ],
        },
    )

    opportunity, contact = response.json()
    assert response.status_code == 200
    assert opportunity["success"] is False
    assert opportunity["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert contact["success"] is True


@pytest.mark.parametrize("version", ["20.0", "30.0", "7.0"])
def test_given_a_retired_api_version_then_410_gone(
    salesforce: SalesforceDouble, session: AssertionSession, version: str
) -> None:
    """REST API Developer Guide, "API End-of-Life" and Knowledge article 000354473: versions
    7.0-30.0 are retired; "If you request any resource or use an operation from a retired API
    version, REST API returns the 410:GONE error code"."""
    response = session.get(f"{salesforce.base_url}/services/data/v{version}/limits")

    assert response.status_code == 410


@pytest.mark.parametrize("version", ["999.0", "62.5"])
def test_given_a_version_the_org_does_not_serve_then_404(
    salesforce: SalesforceDouble, session: AssertionSession, version: str
) -> None:
    """REST API Developer Guide, "Status Codes and Error Responses": 404 "The requested resource
    couldn't be found"; the Versions resource lists the only versions there are."""
    response = session.get(f"{salesforce.base_url}/services/data/v{version}/limits")

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_the_versions_resource_lists_supported_versions_without_a_session(
    salesforce: SalesforceDouble,
) -> None:
    """REST API Developer Guide, "Versions": ``GET /services/data/`` lists ``label``, ``url`` and
    ``version`` of each available version and needs no authentication."""
    response = requests.get(f"{salesforce.base_url}/services/data/", timeout=10)

    versions = [v["version"] for v in response.json()]
    assert response.status_code == 200
    assert "62.0" in versions and "31.0" in versions and "30.0" not in versions
    assert {"label", "url", "version"} <= set(response.json()[0])
