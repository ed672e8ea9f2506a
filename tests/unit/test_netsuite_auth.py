"""NetSuite authentication: the OAuth 2.0 M2M JWT and token cache, and TBA signing (docs/reference/netsuite.md §3.2, §3.3)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from closedwon.errors import AuthOrConfig, Transient
from closedwon.netsuite import (
    NetSuiteSettings,
    OAuth2ClientCredentials,
    TokenBasedAuth,
    build_auth,
    clear_token_cache,
)

BASE = "https://1234567-sb1.suitetalk.api.netsuite.com"
TOKEN_URL = f"{BASE}/services/rest/auth/oauth2/v1/token"
REPO = Path(__file__).resolve().parents[2]

# Oracle's published TBA test vector (docs/reference/netsuite.md §3.2).
VECTOR = {
    "consumer_key": "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
    "consumer_secret": "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
    "token_id": "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
    "token_secret": "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
}
VECTOR_NONCE = "fjaLirsIcCGVZWzBX0pg"
VECTOR_TIMESTAMP = "1508242306"


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
KEYS: dict[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] = {
    "PS256": RSA_KEY,
    "ES256": EC_KEY,
}


class Clock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _empty_token_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture
def ns() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def token_endpoint(mock: responses.RequestsMock, expires_in: int = 3600) -> list[str]:
    """Answer token requests with token-1, token-2, ...; returns the list of issued tokens."""
    issued: list[str] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        issued.append(f"token-{len(issued) + 1}")
        body = {"access_token": issued[-1], "expires_in": expires_in, "token_type": "Bearer"}
        return 200, {}, json.dumps(body)

    mock.add_callback(responses.POST, TOKEN_URL, callback=answer)
    return issued


def oauth2(
    algorithm: str = "PS256",
    *,
    client_id: str = "client-1",
    clock: Clock | None = None,
    private_key: str | None = None,
) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        base_url=BASE,
        client_id=client_id,
        certificate_id="cert-abc",
        private_key=private_key if private_key is not None else _pem(KEYS[algorithm]),
        algorithm=algorithm,
        scope=["rest_webservices", "restlets"],
        clock=clock or Clock(),
    )


def form_of(request: requests.PreparedRequest) -> dict[str, str]:
    assert isinstance(request.body, str)
    return {k: v[0] for k, v in parse_qs(request.body).items()}


def authorization(request: requests.PreparedRequest) -> str:
    value = request.headers["Authorization"]  # oauthlib sets bytes
    return value.decode() if isinstance(value, bytes) else value


def oauth_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    pairs = (part.strip().split("=", 1) for part in header[len("OAuth ") :].split(","))
    return {k: unquote(v.strip('"')) for k, v in pairs}


# ------------------------------------------------------------------ OAuth 2.0: the JWT


@pytest.mark.parametrize("algorithm", ["PS256", "ES256"])
def test_token_request_posts_a_jwt_assertion_signed_with_the_certificate_key(
    ns: responses.RequestsMock, algorithm: str
) -> None:
    token_endpoint(ns)
    clock = Clock()

    token = oauth2(algorithm, clock=clock).access_token()

    assert token == "token-1"
    form = form_of(ns.calls[0].request)
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assertion = form["client_assertion"]
    header = jwt.get_unverified_header(assertion)
    assert header == {"typ": "JWT", "alg": algorithm, "kid": "cert-abc"}
    claims = jwt.decode(
        assertion,
        KEYS[algorithm].public_key(),
        algorithms=[algorithm],
        audience=TOKEN_URL,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == "client-1"
    assert claims["scope"] == ["rest_webservices", "restlets"]
    assert claims["aud"] == TOKEN_URL
    assert claims["iat"] == int(clock.now)
    assert 0 < claims["exp"] - claims["iat"] < 3600
    assert uuid.UUID(claims["jti"]).version == 4


def test_each_assertion_has_a_new_jti() -> None:
    auth = oauth2()
    first, second = (
        jwt.decode(auth.client_assertion(), options={"verify_signature": False}) for _ in range(2)
    )
    assert first["jti"] != second["jti"]


def test_token_request_sends_the_user_agent_and_a_timeout(ns: responses.RequestsMock) -> None:
    token_endpoint(ns)
    oauth2().access_token()
    request = ns.calls[0].request
    assert request.headers["User-Agent"].startswith("closedwon/")
    assert request.headers["Accept"] == "application/json"
    assert request.req_kwargs["timeout"] == (10.0, 60.0)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ OAuth 2.0: token cache


def test_token_is_cached_across_instances_until_five_minutes_before_expiry(
    ns: responses.RequestsMock,
) -> None:
    issued = token_endpoint(ns, expires_in=3600)
    clock = Clock()

    assert oauth2(clock=clock).access_token() == "token-1"
    clock.now += 3600 - 301
    assert oauth2(clock=clock).access_token() == "token-1"
    assert len(issued) == 1

    clock.now += 1  # now exactly expires_at - 300
    assert oauth2(clock=clock).access_token() == "token-2"
    assert len(issued) == 2


def test_token_cache_is_keyed_by_base_url_and_client_id(ns: responses.RequestsMock) -> None:
    issued = token_endpoint(ns)
    assert oauth2(client_id="client-1").access_token() == "token-1"
    assert oauth2(client_id="client-2").access_token() == "token-2"
    assert oauth2(client_id="client-1").access_token() == "token-1"
    assert len(issued) == 2


def test_invalidate_drops_the_cached_token(ns: responses.RequestsMock) -> None:
    token_endpoint(ns)
    auth = oauth2()
    assert auth.access_token() == "token-1"
    auth.invalidate()
    assert oauth2().access_token() == "token-2"


def test_the_bearer_token_is_set_on_requests(ns: responses.RequestsMock) -> None:
    token_endpoint(ns)
    request = requests.Request("GET", f"{BASE}/services/rest/record/v1/customer/1").prepare()
    assert oauth2()(request).headers["Authorization"] == "Bearer token-1"


# ------------------------------------------------------------------ OAuth 2.0: failures


def test_token_endpoint_refusal_is_auth_or_config_with_the_error_text_but_no_key(
    ns: responses.RequestsMock,
) -> None:
    ns.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "certificate mapping not found"},
    )
    pem = _pem(RSA_KEY)

    with pytest.raises(AuthOrConfig) as caught:
        oauth2(private_key=pem).access_token()

    message = str(caught.value)
    assert "invalid_grant" in message
    assert "certificate mapping not found" in message
    assert "PRIVATE KEY" not in message
    assert form_of(ns.calls[0].request)["client_assertion"] not in message


def test_token_endpoint_echoing_the_assertion_does_not_leak_it(
    ns: responses.RequestsMock,
) -> None:
    def echo(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assertion = form_of(request)["client_assertion"]
        return 400, {}, json.dumps({"error": "invalid_client", "error_description": assertion})

    ns.add_callback(responses.POST, TOKEN_URL, callback=echo)
    with pytest.raises(AuthOrConfig) as caught:
        oauth2().access_token()
    _, payload, signature = form_of(ns.calls[0].request)["client_assertion"].split(".")
    assert payload[:20] not in str(caught.value)
    assert signature[:20] not in str(caught.value)
    assert "invalid_client: <client assertion>" in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": ""},
        {"body": requests.ConnectTimeout("connect timed out")},
        {"body": requests.ConnectionError("reset")},
    ],
)
def test_token_endpoint_outage_is_transient(
    ns: responses.RequestsMock, failure: dict[str, object]
) -> None:
    ns.add(responses.POST, TOKEN_URL, **failure)  # type: ignore[arg-type]
    with pytest.raises(Transient):
        oauth2().access_token()


def test_token_response_without_access_token_is_auth_or_config(
    ns: responses.RequestsMock,
) -> None:
    ns.add(responses.POST, TOKEN_URL, status=200, body="<html>login</html>")
    with pytest.raises(AuthOrConfig, match="without an access_token"):
        oauth2().access_token()


def test_a_key_that_cannot_sign_with_the_algorithm_is_auth_or_config_without_key_text() -> None:
    pem = _pem(EC_KEY)
    with pytest.raises(AuthOrConfig) as caught:
        oauth2("PS256", private_key=pem).client_assertion()
    assert "PS256" in str(caught.value)
    assert pem.splitlines()[1] not in str(caught.value)
    assert caught.value.__suppress_context__  # the library's own error is not chained


# ------------------------------------------------------------------ TBA


def tba(
    *, nonce: str | None = VECTOR_NONCE, timestamp: str | None = VECTOR_TIMESTAMP
) -> TokenBasedAuth:
    return TokenBasedAuth(account_id="123456", nonce=nonce, timestamp=timestamp, **VECTOR)


def test_tba_reproduces_oracles_published_signature() -> None:
    request = requests.Request(
        "GET", "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40"
    ).prepare()

    header = authorization(tba()(request))

    assert 'oauth_signature="B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D"' in header
    params = oauth_params(header)
    assert params["realm"] == "123456"
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_version"] == "1.0"
    assert params["oauth_token"] == VECTOR["token_id"]
    assert VECTOR["consumer_secret"] not in header
    assert VECTOR["token_secret"] not in header


def test_tba_uses_a_fresh_nonce_and_the_account_realm_on_every_request() -> None:
    auth = TokenBasedAuth(account_id="1234567_SB1", **VECTOR)
    url = f"{BASE}/services/rest/record/v1/customer/1"
    first, second = (
        oauth_params(authorization(auth(requests.Request("GET", url).prepare()))) for _ in range(2)
    )
    assert first["realm"] == second["realm"] == "1234567_SB1"
    assert first["oauth_nonce"] != second["oauth_nonce"]


def test_tba_keeps_the_signing_libraries_from_logging_headers_and_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logging.getLogger(), "level", logging.DEBUG)
    for name in ("requests_oauthlib", "oauthlib"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    tba()
    assert logging.getLogger("requests_oauthlib").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("oauthlib").getEffectiveLevel() >= logging.INFO


# ------------------------------------------------------------------ build_auth


def settings(auth_method: str) -> NetSuiteSettings:
    return NetSuiteSettings.model_validate(
        {
            "base_url": BASE,
            "account_id": "1234567_SB1",
            "auth_method": auth_method,
            "oauth2": {"client_id": "c", "certificate_id": "k", "private_key": _pem(EC_KEY)},
            "tba": VECTOR,
        }
    )


def test_build_auth_follows_auth_method() -> None:
    assert isinstance(build_auth(settings("oauth2")), OAuth2ClientCredentials)
    assert isinstance(build_auth(settings("tba")), TokenBasedAuth)


def test_auth_objects_do_not_show_secrets_in_repr() -> None:
    for auth in (build_auth(settings("oauth2")), build_auth(settings("tba"))):
        text = repr(auth)
        assert "PRIVATE KEY" not in text
        assert all(secret not in text for secret in VECTOR.values())


def test_importing_the_package_and_oauth2_auth_loads_no_heavy_or_unused_modules() -> None:
    code = (
        "import sys\n"
        "from closedwon.netsuite import NetSuiteClient, NetSuiteSettings, build_auth\n"
        "heavy = ('jwt', 'cryptography', 'requests_oauthlib', 'oauthlib', 'boto3',\n"
        "         'botocore', 'simple_salesforce', 'aws_lambda_powertools')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "layers" / "shared")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
