"""Reading and verifying signed JWTs the way an authorization server does (PyJWT)."""

from __future__ import annotations

from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

# Claims each token endpoint checks itself, with its own error codes.
_SIGNATURE_ONLY = {
    "verify_aud": False,
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
}


class InvalidJwt(Exception):
    """Not a JWT, or its signature does not verify."""


def public_key(pem: str) -> PublicKeyTypes:
    """A public key from a PEM public key or a PEM certificate (what an admin uploads)."""
    data = pem.encode()
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` without checking the signature; InvalidJwt when not a JWT."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidJwt("not a JWT") from None
    return dict(header), dict(claims)


def verify_signature(assertion: str, key_pem: str, algorithm: str) -> dict[str, Any]:
    """The claims when ``assertion`` is signed with ``algorithm`` by the key in ``key_pem``."""
    try:
        claims = jwt.decode(
            assertion,
            public_key(key_pem),  # type: ignore[arg-type]
            algorithms=[algorithm],
            options=_SIGNATURE_ONLY,  # type: ignore[arg-type]
        )
    except (jwt.PyJWTError, ValueError):
        raise InvalidJwt("signature does not verify") from None
    return dict(claims)


def audiences(claims: dict[str, Any]) -> list[Any]:
    """``aud`` as a list (RFC 7519 §4.1.3: a string or an array of strings)."""
    aud = claims.get("aud")
    return aud if isinstance(aud, list) else [aud]
