"""Authentication: OAuth 2.0 client credentials (M2M) and TBA / OAuth 1.0a HMAC-SHA256 (docs/reference/netsuite.md §3).

* Token endpoint: form-encoded ``client_credentials`` grant with a JWT client assertion
  (``alg`` PS256/PS384/PS512/ES256/ES384/ES512, ``kid`` = certificate id, ``iss`` = client id,
  ``aud`` = token URL, ``exp - iat <= 3600``, scope containing ``rest_webservices``).
* Bearer tokens it issued and that have not expired (nor been expired by ``expire_all``).
* TBA headers whose signature it recomputes (:func:`tba_signature`); nonces are single-use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from offline.wire.jwt_checks import InvalidJwt, audiences, unverified, verify_signature

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ALLOWED_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
MAX_ASSERTION_LIFETIME_S = 3600
CLOCK_SKEW_S = 300
_HEADER_PARAM = re.compile(r'\s*([\w.-]+)\s*=\s*"([^"]*)"\s*,?')


@dataclass
class AuthConfig:
    """Credentials the double accepts. Defaults are fixed offline strings."""

    client_id: str = "offline-client"
    certificate_id: str = "offline-kid"
    public_key_pem: str | None = None  # when set, client-assertion signatures are verified
    token_ttl_s: int = 3600
    realm: str = "1234567_SB1"
    consumer_key: str = "offline-consumer-key"
    consumer_secret: str = "offline-consumer-secret"
    token_id: str = "offline-token-id"
    token_secret: str = "offline-token-secret"
    accept: tuple[str, ...] = ("oauth2", "tba")


def percent_encode(value: object) -> str:
    """RFC 3986 encoding as OAuth 1.0a requires (unreserved characters kept)."""
    return quote(str(value), safe="~")


def tba_signature(
    method: str,
    url: str,
    params: list[tuple[str, str]],
    consumer_secret: str,
    token_secret: str,
) -> str:
    """Base64 HMAC-SHA256 signature of ``METHOD&enc(url)&enc(sorted params)``.

    ``url`` excludes the query; ``params`` are the oauth_* parameters (without realm and
    oauth_signature) plus the query parameters, all decoded.
    """
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method.upper(), percent_encode(url), percent_encode(normalized)])
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_oauth_header(value: str) -> dict[str, str] | None:
    """``OAuth realm="..", oauth_x=".."`` -> decoded parameters (None if not OAuth)."""
    if value[:6].lower() != "oauth ":
        return None
    return {unquote(k): unquote(v) for k, v in _HEADER_PARAM.findall(value[6:])}


class TokenError(Exception):
    """A token-endpoint refusal: ``{"error": code, "error_description": ..}`` with 400."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": code, "error_description": description}


def _has_scope(scope: Any) -> bool:
    if isinstance(scope, str):
        return "rest_webservices" in re.split(r"[\s,]+", scope)
    if isinstance(scope, list):
        return "rest_webservices" in scope
    return False


class Authenticator:
    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._nonces: dict[tuple[str, str, str], float] = {}

    # --- OAuth 2.0 ------------------------------------------------------------------------------

    def issue_token(self, form: dict[str, str], token_urls: set[str]) -> dict[str, Any]:
        """Validate a client-credentials request; return the token response or raise."""
        if form.get("grant_type") != "client_credentials":
            raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            raise TokenError("invalid_request", "client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion", "")
        claims = self._verify_assertion(assertion)
        now = time.time()
        if not any(a in token_urls for a in audiences(claims)):
            raise TokenError("invalid_grant", "aud must be the token endpoint URL")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
            raise TokenError("invalid_grant", "exp and iat are required")
        if exp <= now or iat > now + CLOCK_SKEW_S or exp - iat > MAX_ASSERTION_LIFETIME_S:
            raise TokenError("invalid_grant", "the assertion is expired or lives too long")
        if not _has_scope(claims.get("scope")):
            raise TokenError("invalid_grant", "scope must include rest_webservices")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = now + self.config.token_ttl_s
        return {
            "access_token": token,
            "expires_in": self.config.token_ttl_s,
            "token_type": "Bearer",
        }

    def _verify_assertion(self, assertion: str) -> dict[str, Any]:
        try:
            header, claims = unverified(assertion)
        except InvalidJwt:
            raise TokenError("invalid_request", "client_assertion is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise TokenError("invalid_client", f"unsupported algorithm {alg}")
        if header.get("kid") != self.config.certificate_id:
            raise TokenError("invalid_client", "unknown certificate id (kid)")
        if self.config.public_key_pem:
            try:
                claims = verify_signature(assertion, self.config.public_key_pem, str(alg))
            except InvalidJwt:
                raise TokenError("invalid_client", "invalid client assertion signature") from None
        if claims.get("iss") != self.config.client_id:
            raise TokenError("invalid_client", "unknown client id (iss)")
        return claims

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def bearer_ok(self, token: str) -> bool:
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and expires > time.time()

    # --- TBA --------------------------------------------------------------------------------------

    def tba_ok(
        self, method: str, url: str, query: list[tuple[str, str]], oauth: dict[str, str]
    ) -> bool:
        cfg = self.config
        if (
            oauth.get("realm") != cfg.realm
            or oauth.get("oauth_consumer_key") != cfg.consumer_key
            or oauth.get("oauth_token") != cfg.token_id
            or oauth.get("oauth_signature_method") != "HMAC-SHA256"
            or oauth.get("oauth_version", "1.0") != "1.0"
        ):
            return False
        try:
            timestamp = int(oauth.get("oauth_timestamp", ""))
        except ValueError:
            return False
        if abs(time.time() - timestamp) > CLOCK_SKEW_S:
            return False
        params = [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        expected = tba_signature(method, url, params + query, cfg.consumer_secret, cfg.token_secret)
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return False
        nonce = (cfg.consumer_key, cfg.token_id, oauth.get("oauth_nonce", ""))
        with self._lock:
            if nonce in self._nonces:
                return False
            if len(self._nonces) > 10_000:  # nonces older than the timestamp window can go
                horizon = time.time() - 2 * CLOCK_SKEW_S
                self._nonces = {k: t for k, t in self._nonces.items() if t > horizon}
            self._nonces[nonce] = time.time()
        return True

    def authorized(
        self, method: str, url: str, query: list[tuple[str, str]], header: str | None
    ) -> bool:
        """Whether an ``Authorization`` header admits a record or query request."""
        if not header:
            return False
        if header[:7].lower() == "bearer " and "oauth2" in self.config.accept:
            return self.bearer_ok(header[7:].strip())
        oauth = parse_oauth_header(header)
        if oauth is not None and "tba" in self.config.accept:
            return self.tba_ok(method, url, query, oauth)
        return False
