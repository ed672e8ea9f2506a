"""Authentication for SuiteTalk REST (docs/reference/netsuite.md §3).

Both methods are ``requests`` auth objects with two extra hooks the client calls:

- ``prepare()`` before each request: network work that must happen outside the account-wide
  concurrency limiter (the OAuth 2.0 token fetch).
- ``invalidate()`` after a 401: forget cached credentials so the single retry uses fresh ones.

OAuth 2.0 client credentials (M2M) is the default: a PS256/ES256-signed JWT is exchanged for a
60-minute access token, cached at module level so warm Lambda invocations reuse it. TBA (OAuth
1.0a, HMAC-SHA256) is kept for accounts that already have it; ``requests_oauthlib`` is imported
only when it is selected.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from requests.auth import AuthBase

from closedwon import signing
from closedwon.errors import AuthOrConfig, SyncError, Throttled, Transient
from closedwon.netsuite.error_parsing import describe, parse_error_body, parse_json
from closedwon.netsuite.settings import TOKEN_PATH, USER_AGENT, NetSuiteSettings

log = logging.getLogger(__name__)

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: NetSuite accepts up to 60 minutes; an assertion is used once, at once, so a leaked one must
#: be worthless within minutes.
_ASSERTION_LIFETIME_S = 300
#: A cached token is replaced this long before it expires.
_REFRESH_MARGIN_S = 300.0
_DEFAULT_TOKEN_LIFETIME_S = 3600.0


class NetSuiteAuth(AuthBase):
    """Signs requests; see the module docstring for the two hooks."""

    def prepare(self) -> None:
        """Get whatever the next request needs (default: nothing)."""

    def invalidate(self) -> None:
        """The server answered 401: drop cached credentials (default: nothing to drop)."""


# --------------------------------------------------------------------------- OAuth 2.0 (M2M)


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float


# Keyed by (base_url, client_id, certificate_id), so a rotated certificate gets its own token. Module-level on purpose: it outlives the client so that warm
# invocations of the same Lambda container skip the token endpoint.
_TOKENS: dict[tuple[str, str, str], _Token] = {}
_TOKENS_LOCK = threading.Lock()


def clear_token_cache() -> None:
    """Forget every cached OAuth 2.0 access token (tests; rotating credentials)."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


class OAuth2ClientCredentials(NetSuiteAuth):
    """OAuth 2.0 client credentials grant with a signed JWT assertion (§3.3)."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        certificate_id: str,
        private_key: str,
        algorithm: str = "PS256",
        scope: Sequence[str] = ("rest_webservices",),
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = f"{base_url}{TOKEN_PATH}"
        self._key = (base_url, client_id, certificate_id)
        self._client_id = client_id
        self._certificate_id = certificate_id
        self._private_key = private_key
        self._algorithm = algorithm
        self._scope = list(scope)
        self._session = session if session is not None else requests.Session()
        self._timeout = timeout
        self._clock = clock

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={self.token_url!r}, client_id={self._client_id!r})"
        )

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.access_token()}"
        return r

    def prepare(self) -> None:
        self.access_token()

    def invalidate(self) -> None:
        with _TOKENS_LOCK:
            _TOKENS.pop(self._key, None)

    def access_token(self) -> str:
        """The cached token while it has more than 5 minutes left, else a new one."""
        token = _TOKENS.get(self._key)
        if token is not None and self._clock() < token.expires_at - _REFRESH_MARGIN_S:
            return token.value
        with _TOKENS_LOCK:
            token = _TOKENS.get(self._key)
            if token is None or self._clock() >= token.expires_at - _REFRESH_MARGIN_S:
                token = self._fetch_token()
                _TOKENS[self._key] = token
            return token.value

    def client_assertion(self) -> str:
        """The signed JWT NetSuite's token endpoint expects (header typ/alg/kid; iss/scope/aud)."""
        import jwt  # here, not at module level: only a token fetch needs PyJWT + cryptography

        now = int(self._clock())
        claims = {
            "iss": self._client_id,
            "scope": self._scope,
            "aud": self.token_url,
            "iat": now,
            "exp": now + _ASSERTION_LIFETIME_S,
            "jti": str(uuid.uuid4()),
        }
        try:
            return jwt.encode(
                claims,
                signing.private_key(self._private_key),
                algorithm=self._algorithm,
                headers={"typ": "JWT", "kid": self._certificate_id},
            )
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            # The library's message can quote the key; say what is wrong, not what it was.
            raise AuthOrConfig(
                f"The oauth2.private_key in the NetSuite secret cannot sign {self._algorithm} "
                f"JWTs ({type(exc).__name__}): use an unencrypted PEM key, RSA for PS* "
                "or EC for ES*, matching the certificate uploaded to NetSuite."
            ) from None

    def _fetch_token(self) -> _Token:
        assertion = self.client_assertion()
        issued = self._clock()
        try:
            response = self._session.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_assertion_type": _ASSERTION_TYPE,
                    "client_assertion": assertion,
                },
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise Transient(
                f"NetSuite's OAuth 2.0 token endpoint did not answer ({type(exc).__name__})"
            ) from None
        log.debug("NetSuite token endpoint answered %s", response.status_code)
        if response.status_code != 200:
            raise _token_error(response, assertion)
        data = parse_json(response.content)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthOrConfig(
                "NetSuite's OAuth 2.0 token endpoint answered 200 without an access_token; "
                "check base_url in the NetSuite secret."
            )
        try:
            lifetime = float(data.get("expires_in", _DEFAULT_TOKEN_LIFETIME_S))
        except (TypeError, ValueError):
            lifetime = _DEFAULT_TOKEN_LIFETIME_S
        return _Token(value=token, expires_at=issued + lifetime)


def _token_error(response: requests.Response, assertion: str) -> SyncError:
    status = response.status_code
    if status == 429:
        return Throttled("NetSuite's OAuth 2.0 token endpoint is throttling (HTTP 429)")
    if status >= 500:
        return Transient(f"NetSuite's OAuth 2.0 token endpoint failed (HTTP {status})")
    data = parse_json(response.content)
    if isinstance(data, dict) and "error" in data:
        said = str(data["error"])
        if data.get("error_description"):
            said += f": {data['error_description']}"
    else:
        said = describe(parse_error_body(response.content)) or response.reason or "no details"
    said = said.replace(assertion, "<client assertion>")[:500]
    return AuthOrConfig(
        f"NetSuite refused the OAuth 2.0 client credentials (HTTP {status} {said}). Check "
        "oauth2.client_id and oauth2.certificate_id, that the M2M mapping still exists (a "
        "sandbox refresh deletes it) and that private_key matches the mapped certificate.",
        status=status,
    )


# --------------------------------------------------------------------------- TBA (OAuth 1.0a)


class TokenBasedAuth(NetSuiteAuth):
    """OAuth 1.0a with HMAC-SHA256 and ``realm`` = account id (§3.2).

    Every request is signed with a fresh nonce and timestamp, so the retry after a 401 needs
    nothing to be dropped. ``nonce`` and ``timestamp`` fix both, for Oracle's test vector only.
    """

    def __init__(
        self,
        *,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        nonce: str | None = None,
        timestamp: str | None = None,
    ) -> None:
        from requests_oauthlib import OAuth1  # here, not at module level: TBA only

        # Both libraries log signed headers and request bodies at DEBUG; keep them quiet unless
        # someone configured their loggers on purpose.
        for name in ("requests_oauthlib", "oauthlib"):
            library_log = logging.getLogger(name)
            if library_log.level == logging.NOTSET:
                library_log.setLevel(logging.INFO)

        self._account_id = account_id
        extra: dict[str, Any] = {}
        if nonce is not None:
            extra["nonce"] = nonce
        if timestamp is not None:
            extra["timestamp"] = timestamp
        self._oauth1 = OAuth1(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token_id,
            resource_owner_secret=token_secret,
            signature_method="HMAC-SHA256",  # HMAC-SHA1 is refused since 2023.1
            realm=account_id,
            **extra,
        )

    def __repr__(self) -> str:
        return f"TokenBasedAuth(account_id={self._account_id!r})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        signed: requests.PreparedRequest = self._oauth1(r)
        return signed


# --------------------------------------------------------------------------- selection


def build_auth(
    settings: NetSuiteSettings,
    *,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> NetSuiteAuth:
    """The auth object for ``settings.auth_method``; token fetches reuse ``session``."""
    if settings.auth_method == "tba":
        tba = settings.tba
        if tba is None:  # the settings validator already refuses this
            raise AuthOrConfig("auth_method 'tba' needs the tba settings")
        return TokenBasedAuth(
            account_id=settings.account_id,
            consumer_key=tba.consumer_key.get_secret_value(),
            consumer_secret=tba.consumer_secret.get_secret_value(),
            token_id=tba.token_id.get_secret_value(),
            token_secret=tba.token_secret.get_secret_value(),
        )
    oauth2 = settings.oauth2
    if oauth2 is None:
        raise AuthOrConfig("auth_method 'oauth2' needs the oauth2 settings")
    return OAuth2ClientCredentials(
        base_url=settings.base_url,
        client_id=oauth2.client_id,
        certificate_id=oauth2.certificate_id,
        private_key=oauth2.private_key.get_secret_value(),
        algorithm=oauth2.algorithm,
        scope=oauth2.scope,
        session=session,
        timeout=settings.timeout,
        clock=clock,
    )
