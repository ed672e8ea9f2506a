"""Authentication of the NetSuite double: OAuth 2.0 client credentials (M2M) and TBA (docs/reference/netsuite.md §3)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from requests_oauthlib import OAuth1

from offline.netsuite_double import AuthConfig, NetSuiteDouble, tba_signature

RECORD = "/services/rest/record/v1"
TOKEN = "/services/rest/auth/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
INVALID_LOGIN = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the "
            "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}
SEED = {"subsidiary": [{"id": "1", "name": "Parent Company"}]}

# Oracle's published TBA test vector (docs/reference/netsuite.md §3.2).
VECTOR = {
    "url": "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40",
    "consumer_key": "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
    "consumer_secret": "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
    "token": "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
    "token_secret": "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
    "nonce": "fjaLirsIcCGVZWzBX0pg",
    "timestamp": "1508242306",
}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def start(tmp_path, **auth) -> NetSuiteDouble:
    double = NetSuiteDouble(tmp_path, SEED, auth=AuthConfig(**auth))
    double.start()
    return double


@pytest.fixture
def double(tmp_path, rsa_key):
    ns = start(tmp_path, public_key_pem=public_pem(rsa_key))
    yield ns
    ns.close()


def assertion(base: str, key, alg: str = "PS256", **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": "offline-client",
        "scope": ["restlets", "rest_webservices"],
        "aud": base + TOKEN,
        "iat": now,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    kid = claims.pop("kid", "offline-kid")
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def request_token(base: str, client_assertion: str, **form) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion,
        **form,
    }
    return requests.post(base + TOKEN, data=data, timeout=5)


def get_customer(base: str, **kwargs) -> requests.Response:
    return requests.get(f"{base}{RECORD}/customer/1", timeout=5, **kwargs)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- OAuth 2.0 client credentials -----------------------------------------------------------------


def test_ps256_assertion_verified_with_the_public_key_yields_a_working_bearer(double, rsa_key):
    response = request_token(double.base_url, assertion(double.base_url, rsa_key))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    record = get_customer(double.base_url, headers=bearer(body["access_token"]))
    assert record.status_code == 404  # authenticated; the record simply does not exist


def test_es256_assertion_is_accepted(tmp_path, ec_key):
    double = start(tmp_path, public_key_pem=public_pem(ec_key))
    try:
        response = request_token(double.base_url, assertion(double.base_url, ec_key, "ES256"))
        assert response.status_code == 200
        assert (
            get_customer(
                double.base_url, headers=bearer(response.json()["access_token"])
            ).status_code
            == 404
        )
    finally:
        double.close()


def test_scope_may_be_a_comma_separated_string(double, rsa_key):
    token = assertion(double.base_url, rsa_key, scope="restlets,rest_webservices")

    assert request_token(double.base_url, token).status_code == 200


def test_assertion_signed_by_another_key_is_invalid_client(double):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = request_token(double.base_url, assertion(double.base_url, other))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"kid": "someone-else"}, "invalid_client"),
        ({"iss": "another-client"}, "invalid_client"),
        ({"aud": "https://example.com/token"}, "invalid_grant"),
        ({"scope": ["restlets"]}, "invalid_grant"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),  # lives longer than 60 minutes
        ({"iat": int(time.time()) - 4000, "exp": int(time.time()) - 400}, "invalid_grant"),
    ],
)
def test_assertion_with_bad_claims_is_refused(double, rsa_key, overrides, error):
    response = request_token(double.base_url, assertion(double.base_url, rsa_key, **overrides))

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_rs256_is_not_an_accepted_algorithm(tmp_path, rsa_key):
    double = start(tmp_path)
    try:
        response = request_token(double.base_url, assertion(double.base_url, rsa_key, "RS256"))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"
    finally:
        double.close()


def test_wrong_grant_type_is_refused(double, rsa_key):
    response = request_token(
        double.base_url, assertion(double.base_url, rsa_key), grant_type="password"
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
def test_missing_or_unknown_credentials_get_the_verbatim_401(double, headers):
    response = get_customer(double.base_url, headers=headers)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=error"
    assert response.json() == INVALID_LOGIN


def test_expire_tokens_invalidates_issued_tokens_and_a_new_one_works(double, rsa_key):
    old = request_token(double.base_url, assertion(double.base_url, rsa_key)).json()
    double.expire_tokens()

    assert get_customer(double.base_url, headers=bearer(old["access_token"])).status_code == 401
    new = request_token(double.base_url, assertion(double.base_url, rsa_key)).json()
    assert get_customer(double.base_url, headers=bearer(new["access_token"])).status_code == 404


def test_token_past_its_ttl_is_refused(tmp_path, rsa_key):
    double = start(tmp_path, token_ttl_s=0)
    try:
        token = request_token(double.base_url, assertion(double.base_url, rsa_key)).json()
        assert token["expires_in"] == 0
        assert (
            get_customer(double.base_url, headers=bearer(token["access_token"])).status_code == 401
        )
    finally:
        double.close()


def test_oauth2_can_be_switched_off(tmp_path, rsa_key):
    double = start(tmp_path, accept=("tba",))
    try:
        token = request_token(double.base_url, assertion(double.base_url, rsa_key)).json()
        assert (
            get_customer(double.base_url, headers=bearer(token["access_token"])).status_code == 401
        )
    finally:
        double.close()


# --- TBA (OAuth 1.0a, HMAC-SHA256) ----------------------------------------------------------------


def test_tba_signature_reproduces_oracle_test_vector():
    params = [
        ("oauth_consumer_key", VECTOR["consumer_key"]),
        ("oauth_nonce", VECTOR["nonce"]),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", VECTOR["timestamp"]),
        ("oauth_token", VECTOR["token"]),
        ("oauth_version", "1.0"),
    ]

    signature = tba_signature(
        "GET", VECTOR["url"], params, VECTOR["consumer_secret"], VECTOR["token_secret"]
    )

    assert requests.utils.quote(signature, safe="") == (
        "B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D"
    )


def tba_auth(cfg: AuthConfig, **overrides) -> OAuth1:
    values = {
        "client_key": cfg.consumer_key,
        "client_secret": cfg.consumer_secret,
        "resource_owner_key": cfg.token_id,
        "resource_owner_secret": cfg.token_secret,
        "realm": cfg.realm,
        "signature_method": "HMAC-SHA256",
    }
    values.update(overrides)
    return OAuth1(**values)


def test_request_signed_by_requests_oauthlib_is_accepted(double):
    cfg = double.auth_config
    url = f"{double.base_url}{RECORD}/customer/eid:SF-001?replace=addressBook"
    body = {"companyName": "Acme", "subsidiary": {"id": "1"}}

    put = requests.put(url, json=body, auth=tba_auth(cfg), timeout=5)
    get = requests.get(
        f"{double.base_url}{RECORD}/customer/eid:SF-001?fields=companyName",
        auth=tba_auth(cfg),
        timeout=5,
    )

    assert put.status_code == 204, put.text
    assert get.json()["companyName"] == "Acme"


def test_reused_tba_nonce_is_refused(double):
    session = requests.Session()
    prepared = session.prepare_request(
        requests.Request(
            "GET", f"{double.base_url}{RECORD}/customer/1", auth=tba_auth(double.auth_config)
        )
    )

    first = session.send(prepared, timeout=5)
    replay = session.send(prepared, timeout=5)

    assert first.status_code == 404
    assert replay.status_code == 401
    assert replay.json() == INVALID_LOGIN


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_secret": "wrong"},
        {"resource_owner_key": "other-token"},
        {"realm": "999_SB1"},
        {"signature_method": "HMAC-SHA1"},
    ],
)
def test_tba_with_wrong_credentials_or_method_is_refused(double, overrides):
    response = get_customer(double.base_url, auth=tba_auth(double.auth_config, **overrides))

    assert response.status_code == 401


def test_tba_signature_covers_query_parameters(double):
    """A signature made for one query string does not admit another."""
    session = requests.Session()
    prepared = session.prepare_request(
        requests.Request(
            "GET",
            f"{double.base_url}{RECORD}/customer/1?fields=id",
            auth=tba_auth(double.auth_config),
        )
    )
    prepared.url = prepared.url.replace("fields=id", "fields=companyName")

    assert session.send(prepared, timeout=5).status_code == 401


def test_tba_can_be_switched_off(tmp_path):
    double = start(tmp_path, accept=("oauth2",))
    try:
        response = get_customer(double.base_url, auth=tba_auth(double.auth_config))
        assert response.status_code == 401
    finally:
        double.close()
