"""The NetSuite double, driven by clients we did not write: Authlib's OAuth 2.0 client with a
private-key JWT client assertion (M2M), requests-oauthlib's OAuth 1.0a signer (TBA), plain requests.

Each test states the documented behaviour of SuiteTalk REST and cites it: the section of
docs/reference/netsuite.md and the Oracle Help Center page id (https://docs.oracle.com/en/cloud/
saas/netsuite/ns-online-help/<id>.html).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey
from requests_oauthlib import OAuth1

from offline.netsuite_double import NetSuiteDouble, tba_signature
from offline.netsuite_double.serve import ServeCredentials

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"


def m2m_session(
    netsuite: NetSuiteDouble, credentials: ServeCredentials, key_pem: str | None = None
) -> OAuth2Session:
    """Authlib's client-credentials client; the assertion is what O:section_162790605110 asks
    for: ES256, ``kid`` = certificate id, ``iss`` = client id, ``aud`` = token URL, a scope."""
    token_url = f"{netsuite.base_url}{TOKEN_PATH}"
    session = OAuth2Session(
        client_id=credentials.client_id,
        client_secret=ECKey.import_key(key_pem or credentials.private_key_pem),
        token_endpoint_auth_method="private_key_jwt",
    )
    session.register_client_auth_method(
        PrivateKeyJWT(
            token_url,
            claims={"scope": ["rest_webservices"]},
            headers={"kid": credentials.certificate_id},
            alg="ES256",
        )
    )
    return session


@pytest.fixture
def client(netsuite: NetSuiteDouble, ns_credentials: ServeCredentials) -> Iterator[OAuth2Session]:
    session = m2m_session(netsuite, ns_credentials)
    session.fetch_token(f"{netsuite.base_url}{TOKEN_PATH}", grant_type="client_credentials")
    yield session
    session.close()


def tba(credentials: ServeCredentials, **overrides: str) -> OAuth1:
    """requests-oauthlib's signer as Oracle's TBA needs it (O:section_1534941295): HMAC-SHA256,
    ``realm`` = account id."""
    values = {
        "client_key": credentials.consumer_key,
        "client_secret": credentials.consumer_secret,
        "resource_owner_key": credentials.token_id,
        "resource_owner_secret": credentials.token_secret,
        **overrides,
    }
    return OAuth1(**values, signature_method="HMAC-SHA256", realm=credentials.account_id)


def detail(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    first: dict[str, Any] = body["o:errorDetails"][0]
    return first


CUSTOMER = {"companyName": "Conformance Co", "subsidiary": {"id": "1"}}


# --- netsuite serve: credentials a client can use, and nothing else ------------------------------


def test_given_the_printed_key_when_authlib_fetches_an_m2m_token_then_it_works(
    netsuite: NetSuiteDouble, ns_credentials: ServeCredentials
) -> None:
    """docs/reference/netsuite.md §3.3, O:section_162755359851: the token response is
    ``{access_token, expires_in: 3600, token_type}``; the token is used as a Bearer token."""
    session = m2m_session(netsuite, ns_credentials)

    token = session.fetch_token(f"{netsuite.base_url}{TOKEN_PATH}", grant_type="client_credentials")

    assert token["expires_in"] == 3600 and token["token_type"].lower() == "bearer"
    assert session.get(f"{netsuite.base_url}{RECORD}/subsidiary/1").status_code == 200


def test_given_an_assertion_signed_by_another_key_then_no_token_is_issued(
    netsuite: NetSuiteDouble, ns_credentials: ServeCredentials
) -> None:
    """O:section_162790605110: the assertion is verified with the certificate mapped to its
    ``kid``; a signature by any other key is refused (OAuth 2.0 error ``invalid_client``)."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    session = m2m_session(netsuite, ns_credentials, key_pem=pem)

    with pytest.raises(Exception, match="invalid_client"):
        session.fetch_token(f"{netsuite.base_url}{TOKEN_PATH}", grant_type="client_credentials")


def test_given_a_garbage_signature_then_no_token_is_issued(
    netsuite: NetSuiteDouble, ns_credentials: ServeCredentials
) -> None:
    """O:section_162790605110 (as above), with plain requests and a forged signature."""
    now = int(time.time())
    claims = {
        "iss": ns_credentials.client_id,
        "scope": ["rest_webservices"],
        "aud": f"{netsuite.base_url}{TOKEN_PATH}",
        "iat": now,
        "exp": now + 600,
    }
    header = {"kid": ns_credentials.certificate_id}
    genuine = jwt.encode(claims, ns_credentials.private_key_pem, "ES256", headers=header)
    forged = genuine.rsplit(".", 1)[0] + ".AAAA" + genuine.rsplit(".", 1)[1][4:]

    response = requests.post(
        f"{netsuite.base_url}{TOKEN_PATH}",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": forged,
        },
        timeout=10,
    )

    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_given_the_printed_tba_credentials_then_requests_oauthlib_is_admitted(
    netsuite: NetSuiteDouble, ns_credentials: ServeCredentials
) -> None:
    """O:section_1534941295 / docs/reference/netsuite.md §3.2: an HMAC-SHA256 OAuth 1.0a header
    with ``realm`` = account id; query parameters are part of the signature."""
    response = requests.get(
        f"{netsuite.base_url}{RECORD}/customer",
        params={"limit": "5", "offset": "0"},
        auth=tba(ns_credentials),
        timeout=10,
    )

    assert response.status_code == 200


def test_given_a_wrong_token_secret_then_tba_is_invalid_login(
    netsuite: NetSuiteDouble, ns_credentials: ServeCredentials
) -> None:
    """O:section_156570709583: a failed login is 401 ``INVALID_LOGIN``."""
    response = requests.get(
        f"{netsuite.base_url}{RECORD}/subsidiary/1",
        auth=tba(ns_credentials, resource_owner_secret="not-the-secret"),
        timeout=10,
    )

    assert response.status_code == 401 and detail(response)["o:errorCode"] == "INVALID_LOGIN"


def test_the_double_signs_oracles_published_tba_test_vector() -> None:
    """O:section_1534941295 publishes a TBA example (GET employee/40); the double's verifier
    computes the same signature Oracle shows (docs/reference/netsuite.md §3.2)."""
    params = [
        ("oauth_consumer_key", "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"),
        ("oauth_token", "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", "1508242306"),
        ("oauth_nonce", "fjaLirsIcCGVZWzBX0pg"),
        ("oauth_version", "1.0"),
    ]

    signature = tba_signature(
        "GET",
        "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40",
        params,
        "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
        "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
    )

    assert signature == "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY="


# --- REST record type names -----------------------------------------------------------------------


@pytest.mark.parametrize("record_type", ["item", "bogusitem", "Item"])
def test_given_a_name_that_is_no_rest_record_type_then_404(
    netsuite: NetSuiteDouble, client: OAuth2Session, record_type: str
) -> None:
    """docs/reference/netsuite.md §5.0 (REST API Browser 2026.1): items are served under their
    own record types (``serviceSaleItem``, ``inventoryItem``, …); ``item`` is a SuiteQL table,
    not a REST record type."""
    response = client.get(f"{netsuite.base_url}{RECORD}/{record_type}/501")

    assert response.status_code == 404


def test_an_item_is_read_through_its_own_record_type_only(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """REST API Browser 2026.1: ``GET /serviceSaleItem/{id}`` reads a service sale item; another
    item type's URL does not find it (E10 ``NONEXISTENT_ID``)."""
    own = client.get(f"{netsuite.base_url}{RECORD}/serviceSaleItem/501")
    other = client.get(f"{netsuite.base_url}{RECORD}/inventoryItem/501")

    assert own.status_code == 200 and own.json()["id"] == "501"
    assert other.status_code == 404 and detail(other)["o:errorCode"] == "NONEXISTENT_ID"


# --- property validation: the default is "warning", returned in a response header -----------------


def test_without_the_validation_header_an_unknown_field_is_dropped_with_a_warning_header(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:section_156570709583: ``X-NetSuite-PropertyNameValidation`` defaults to ``warning``
    and "warnings are returned in the response headers"; the OpenAPI metadata names the header
    ``X-NetSuite-PropertyValidation``."""
    response = client.put(
        f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json={**CUSTOMER, "nosuchfield": 1}
    )

    assert response.status_code == 204
    assert "nosuchfield" in response.headers["X-NetSuite-PropertyValidation"]
    record = client.get(response.headers["Location"]).json()
    assert "nosuchfield" not in record and record["companyName"] == "Conformance Co"


@pytest.mark.parametrize(("mode", "status"), [("Ignore", 204), ("Error", 400)])
def test_the_validation_header_ignores_or_refuses_unknown_fields(
    netsuite: NetSuiteDouble, client: OAuth2Session, mode: str, status: int
) -> None:
    """O:section_156570709583: ``ignore`` drops unknown names silently, ``error`` fails the
    request (values spelled ``Error``/``Warning``/``Ignore`` in the OpenAPI metadata)."""
    response = client.put(
        f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1",
        json={**CUSTOMER, "nosuchfield": 1},
        headers={"X-NetSuite-PropertyNameValidation": mode},
    )

    assert response.status_code == status
    assert "X-NetSuite-PropertyValidation" not in response.headers


# --- Oracle's own create example -------------------------------------------------------------------


def test_oracles_create_example_with_lower_case_names_creates_the_customer(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:section_1545141395: ``POST /customer`` with ``{"entityid": "New Customer",
    "companyname": "My Company", "subsidiary": {"id": "1"}}`` returns 204 and a Location."""
    response = client.post(
        f"{netsuite.base_url}{RECORD}/customer",
        json={"entityid": "New Customer", "companyname": "My Company", "subsidiary": {"id": "1"}},
    )

    assert response.status_code == 204
    record = client.get(response.headers["Location"]).json()
    assert record["companyName"] == "My Company" and record["entityId"] == "New Customer"


def test_given_a_billing_account_without_subsidiary_then_it_takes_the_customers(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """DevRel "Manage Your Subscription Sales" (docs/reference/netsuite.md §5.3): the billing
    account create sample sends no subsidiary and returns 204 with a Location; the subscription
    docs (O:section_1547668165) tie a billing account to its customer's subsidiary."""
    customer = client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json=CUSTOMER)
    customer_id = customer.headers["Location"].rsplit("/", 1)[1]

    response = client.post(
        f"{netsuite.base_url}{RECORD}/billingAccount",
        json={
            "billingSchedule": {"id": "1"},
            "currency": {"id": "1"},
            "customer": {"id": customer_id},
            "name": "REST Billing Account",
            "startDate": "2020-01-01",
        },
    )

    assert response.status_code == 204
    assert client.get(response.headers["Location"]).json()["subsidiary"]["id"] == "1"


def test_given_the_strict_knob_a_billing_account_without_subsidiary_is_refused(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """Where an account makes the field mandatory, the documented missing-value error is
    400 ``USER_ERROR`` "Please enter value(s) for: Subsidiary." (docs/reference/netsuite.md
    §8.6 E9)."""
    netsuite.behaviour.billing_account_subsidiary_required = True
    customer = client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json=CUSTOMER)
    customer_id = customer.headers["Location"].rsplit("/", 1)[1]

    response = client.post(
        f"{netsuite.base_url}{RECORD}/billingAccount",
        json={
            "billingSchedule": {"id": "1"},
            "currency": {"id": "1"},
            "customer": {"id": customer_id},
            "name": "REST Billing Account",
            "startDate": "2020-01-01",
        },
    )

    assert response.status_code == 400
    assert detail(response)["detail"].endswith("Please enter value(s) for: Subsidiary.")


# --- asynchronous requests ---------------------------------------------------------------------------


def test_prefer_respond_async_answers_202_with_a_job_whose_result_is_the_response(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:subsect_161278579295 (docs/reference/netsuite.md §1.7.3): ``202 Accepted`` with
    ``Preference-Applied: respond-async`` and ``Location: …/async/v1/job/<id>``; the job, its
    task and ``…/task/<id>/result`` (the original HTTP response) are read with GET."""
    accepted = client.put(
        f"{netsuite.base_url}{RECORD}/customer/eid:CONF-ASYNC",
        json=CUSTOMER,
        headers={"Prefer": "respond-async"},
    )

    assert accepted.status_code == 202
    assert accepted.headers["Preference-Applied"] == "respond-async"
    job_url = accepted.headers["Location"]
    assert "/services/rest/async/v1/job/" in job_url
    job = client.get(job_url).json()
    assert job["completed"] is True and job["progress"] == "succeeded"
    task_url = client.get(job["task"]["links"][0]["href"]).json()["items"][0]["links"][0]["href"]
    task = client.get(task_url).json()
    result = client.get(task["result"]["links"][0]["href"])
    assert result.status_code == 204
    assert result.headers["Location"].startswith(f"{netsuite.base_url}{RECORD}/customer/")
    assert client.get(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-ASYNC").status_code == 200


def test_a_reused_idempotency_key_is_refused_pointing_at_the_first_job(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:subsect_164494900632 (docs/reference/netsuite.md §1.7.2): the same
    ``X-NetSuite-Idempotency-Key`` again is 400 "Conflict" ``IDEMPOTENCY_ERROR`` with the
    original job's Location; the request is not run twice."""
    headers = {
        "Prefer": "respond-async",
        "X-NetSuite-Idempotency-Key": "3f0b7a3e-8c0e-4f57-9f7c-2b1c9d6a1e10",
    }
    url = f"{netsuite.base_url}{RECORD}/customer"
    first = client.post(url, json=CUSTOMER, headers=headers)
    again = client.post(url, json=CUSTOMER, headers=headers)

    assert first.status_code == 202
    assert again.status_code == 400
    assert again.json()["title"] == "Conflict"
    assert detail(again)["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert again.headers["Location"] == first.headers["Location"]
    assert client.get(url).json()["totalResults"] == 1


def test_suiteql_does_not_apply_respond_async(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:chapter_161251386312: asynchronous execution is not supported on the query service;
    RFC 7240 §3: a preference not applied is simply not echoed in ``Preference-Applied``."""
    response = client.post(
        f"{netsuite.base_url}{SUITEQL}",
        json={"q": "SELECT id FROM subsidiary"},
        headers={"Prefer": "transient, respond-async"},
    )

    assert response.status_code == 200 and "Preference-Applied" not in response.headers


# --- query parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/subsidiary/1", {"nosuchparam": "1"}, "nosuchparam"),
        ("/customer/eid:CONF-1", {"fields": "nosuchfield"}, "fields"),
        ("/subsidiary/1", {"expandSubResources": "yes"}, "expandSubResources"),
        ("/customer", {"expandSubResources": "true"}, "expandSubResources"),
    ],
)
def test_a_query_parameter_the_operation_does_not_take_is_refused_naming_it(
    netsuite: NetSuiteDouble,
    client: OAuth2Session,
    path: str,
    params: dict[str, str],
    parameter: str,
) -> None:
    """O:section_156570709583: errors say whether they are in the URL, headers, query
    parameters or body, with ``o:errorQueryParam`` naming the parameter. The parameters are
    those Oracle documents per operation (expandSubResources O:section_1545141500, boolean;
    fields O:section_1545141947, field names; limit/offset/q O:section_156414087576)."""
    response = client.get(f"{netsuite.base_url}{RECORD}{path}", params=params)

    assert response.status_code == 400
    assert detail(response)["o:errorQueryParam"] == parameter


def test_fields_selects_the_named_fields_case_insensitively(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:section_1545141947: ``?fields=`` returns only the listed fields (plus id and links)."""
    created = client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json=CUSTOMER)

    record = client.get(created.headers["Location"], params={"fields": "companyname"}).json()

    assert set(record) == {"links", "id", "companyName"}


# --- paging links -----------------------------------------------------------------------------------


def links(body: dict[str, Any]) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body["links"]}


def test_a_collection_page_links_first_next_and_last(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:section_156414087576 (docs/reference/netsuite.md §4): collection pages link ``self``,
    ``first``, ``prev``/``next`` where such pages exist, and ``last``."""
    for n in range(5):
        client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-{n}", json=CUSTOMER)

    first = client.get(f"{netsuite.base_url}{RECORD}/customer", params={"limit": 2}).json()
    middle = client.get(
        f"{netsuite.base_url}{RECORD}/customer", params={"limit": 2, "offset": 2}
    ).json()

    assert set(links(first)) == {"self", "first", "next", "last"}
    assert links(first)["last"].endswith("limit=2&offset=4")
    assert set(links(middle)) == {"self", "first", "prev", "next", "last"}
    assert client.get(links(first)["last"]).json()["hasMore"] is False


def test_a_suiteql_page_links_last(netsuite: NetSuiteDouble, client: OAuth2Session) -> None:
    """O:section_157909186990 and O:section_156414087576: SuiteQL results page like
    collections, ``offset`` a multiple of ``limit``; the ``last`` link reaches the final page."""
    response = client.post(
        f"{netsuite.base_url}{SUITEQL}",
        params={"limit": 1, "offset": 0},
        json={"q": "SELECT id FROM currency"},
        headers={"Prefer": "transient"},
    )

    body = response.json()
    assert body["hasMore"] is True
    last_offset = body["totalResults"] - 1
    assert links(body)["last"].endswith(f"limit=1&offset={last_offset}")
    assert links(body)["next"].endswith("limit=1&offset=1")


# --- the knobs the product's fallbacks are tested with ----------------------------------------------


def test_given_the_no_location_knob_an_upsert_answers_204_without_location(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """O:section_156335203191 documents the upsert answer as "204 No Content" and shows no
    Location (docs/reference/netsuite.md §9 item 1); the knob gives exactly that."""
    netsuite.behaviour.upsert_location = False

    response = client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json=CUSTOMER)

    assert response.status_code == 204 and "Location" not in response.headers
    assert client.get(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1").status_code == 200


def test_given_the_async_knob_every_write_answers_202_with_a_job(
    netsuite: NetSuiteDouble, client: OAuth2Session
) -> None:
    """The OpenAPI metadata (REST API Browser 2026.1) declares ``202 Accepted`` for PUT, POST
    and PATCH; an asynchronous answer's Location is a job (O:subsect_161278579295)."""
    netsuite.behaviour.answer_async = True

    response = client.put(f"{netsuite.base_url}{RECORD}/customer/eid:CONF-1", json=CUSTOMER)

    assert response.status_code == 202
    assert "/async/v1/job/" in response.headers["Location"]
