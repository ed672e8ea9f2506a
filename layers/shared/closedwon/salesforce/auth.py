"""OAuth 2.0 JWT bearer login (RS256) against the configured login URL.

Done here rather than by simple-salesforce so the token endpoint is configurable (My Domain,
sandboxes, the offline double) and failures map onto the error taxonomy.
"""

from __future__ import annotations

import time
import uuid

import jwt
import requests

from closedwon import signing
from closedwon.errors import AuthOrConfig, Transient
from closedwon.salesforce.settings import SalesforceSettings

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def jwt_login(settings: SalesforceSettings, session: requests.Session) -> tuple[str, str]:
    """Return ``(access_token, instance_url)``."""
    now = int(time.time())
    claims = {
        "iss": settings.consumer_key,
        "sub": settings.username,
        "aud": settings.jwt_audience,
        "exp": now + 180,
        "jti": str(uuid.uuid4()),
    }
    try:
        key = signing.private_key(settings.private_key.get_secret_value())
        assertion = jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise AuthOrConfig(
            f"Salesforce private key cannot sign the login JWT: {type(exc).__name__}"
        ) from None
    url = f"{settings.login_url.rstrip('/')}/services/oauth2/token"
    try:
        resp = session.post(
            url, data={"grant_type": GRANT_TYPE, "assertion": assertion}, timeout=settings.timeout_s
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise Transient(f"Salesforce login did not answer: {type(exc).__name__}") from None
    if resp.status_code >= 500:
        raise Transient(f"Salesforce login failed with HTTP {resp.status_code}")
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if resp.status_code != 200 or "access_token" not in body:
        error = body.get("error", f"HTTP {resp.status_code}")
        description = body.get("error_description", "")
        raise AuthOrConfig(
            f"Salesforce login refused for user {settings.username}: {error} {description}".strip()
        )
    return str(body["access_token"]), str(body["instance_url"])
