"""Private keys for the JWTs this product signs (NetSuite client assertions, Salesforce logins).

PyJWT given a PEM string parses it on every call, and cryptography checks an RSA key's
consistency when it parses it: 32 ms per parse on a full core, a tenth of a NetSuite step's cold
start. Here it is parsed without that check (0.02 ms): it is the operator's own key from Secrets
Manager, not untrusted input, and a key that is not what it claims to be makes a signature the
token endpoint rejects (the 401 is reported with what to check).
"""

from __future__ import annotations

from typing import Any


def private_key(pem: str) -> Any:
    """The PEM's private key object (RSA or EC), ready for ``jwt.encode``.

    Raises ``ValueError``/``TypeError`` for a key that is not an unencrypted PEM private key.
    """
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
