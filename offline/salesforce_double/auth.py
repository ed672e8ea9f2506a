"""OAuth 2.0 JWT bearer token endpoint and the bearer-token check on data calls."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from typing import Any

from offline.wire.jwt_checks import InvalidJwt, audiences, unverified, verify_signature

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class Authenticator:
    """Issues opaque access tokens for valid JWT assertions and checks them on each call."""

    def __init__(
        self,
        *,
        org_id: str,
        user_id: str,
        consumer_key: str,
        username: str,
        public_key_pem: str | None,
        session_ttl_s: int,
        base_url: Callable[[], str],
    ) -> None:
        self.org_id = org_id
        self.user_id = user_id
        self.consumer_key = consumer_key
        self.username = username
        self.public_key_pem = public_key_pem
        self.session_ttl_s = session_ttl_s
        self._base_url = base_url
        self._sessions: dict[str, float] = {}  # token -> expiry (monotonic)

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer ``POST /services/oauth2/token``: (status, JSON body)."""
        if form.get("grant_type") != JWT_GRANT:
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant type not supported",
            }
        assertion = form.get("assertion", "")
        try:
            header, claims = unverified(assertion)
        except InvalidJwt:
            return _grant_error("invalid assertion")
        if header.get("alg") != "RS256":
            return _grant_error("invalid assertion")
        if claims.get("iss") != self.consumer_key:
            return 400, {
                "error": "invalid_client_id",
                "error_description": "client identifier invalid",
            }
        if not any(aud in (*LOGIN_AUDIENCES, self._base_url()) for aud in audiences(claims)):
            return _grant_error("audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= time.time():
            return _grant_error("expired authorization code")
        if str(claims.get("sub", "")).lower() != self.username.lower():
            return _grant_error("user hasn't approved this consumer")
        if self.public_key_pem is not None:
            try:
                verify_signature(assertion, self.public_key_pem, "RS256")
            except InvalidJwt:
                return _grant_error("invalid assertion")
        access_token = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        self._sessions[access_token] = time.monotonic() + self.session_ttl_s
        base = self._base_url()
        return 200, {
            "access_token": access_token,
            "scope": "api",
            "instance_url": base,
            "id": f"{base}/id/{self.org_id}/{self.user_id}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        }

    def check(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return False
        expiry = self._sessions.get(token.strip())
        if expiry is None:
            return False
        if expiry <= time.monotonic():
            del self._sessions[token.strip()]
            return False
        return True

    def expire_all(self) -> None:
        self._sessions.clear()


def _grant_error(description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"error": "invalid_grant", "error_description": description}
