"""``python -m offline netsuite serve``: the double for any REST client, with real credentials.

The first run generates an OAuth 2.0 M2M certificate key pair (EC P-256, ES256) and TBA
credentials, and writes them to the state folder; later runs load them, so a Postman or curl
set-up keeps working. The double then verifies every client assertion's signature and every TBA
signature, as the stack's own mode does (docs/reference/netsuite.md §3.2, §3.3).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .auth import TOKEN_PATH, AuthConfig
from .double import NetSuiteDouble

CREDENTIALS_FILE = "netsuite_credentials.json"
PRIVATE_KEY_FILE = "netsuite_m2m_private_key.pem"


@dataclass(frozen=True)
class ServeCredentials:
    """What an integration record, an M2M certificate mapping and a TBA token would give."""

    account_id: str
    client_id: str
    certificate_id: str
    private_key_pem: str
    public_key_pem: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def auth_config(self) -> AuthConfig:
        return AuthConfig(
            client_id=self.client_id,
            certificate_id=self.certificate_id,
            public_key_pem=self.public_key_pem,
            realm=self.account_id,
            consumer_key=self.consumer_key,
            consumer_secret=self.consumer_secret,
            token_id=self.token_id,
            token_secret=self.token_secret,
        )


def _generate() -> ServeCredentials:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return ServeCredentials(
        account_id="1234567_SB1",
        client_id=secrets.token_hex(32),
        certificate_id=secrets.token_urlsafe(32),
        private_key_pem=private,
        public_key_pem=public,
        consumer_key=secrets.token_hex(32),
        consumer_secret=secrets.token_hex(32),
        token_id=secrets.token_hex(32),
        token_secret=secrets.token_hex(32),
    )


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def load_or_create(state_dir: Path) -> ServeCredentials:
    """The credentials kept in ``state_dir``, generated (and written, owner-only) on first use."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / CREDENTIALS_FILE
    if path.exists():
        return ServeCredentials(**json.loads(path.read_text(encoding="utf-8")))
    credentials = _generate()
    _write_private(path, json.dumps(asdict(credentials), indent=2))
    _write_private(state_dir / PRIVATE_KEY_FILE, credentials.private_key_pem)
    return credentials


def describe(credentials: ServeCredentials, base_url: str, state_dir: Path) -> str:
    """What a client needs, as printed at start-up (docs/offline.md shows it in use)."""
    lines: dict[str, Any] = {
        "base_url": base_url,
        "token_url": f"{base_url}{TOKEN_PATH}",
        "account_id (TBA realm)": credentials.account_id,
        "oauth2 client_id (iss)": credentials.client_id,
        "oauth2 certificate_id (kid)": credentials.certificate_id,
        "oauth2 private key (ES256)": str(state_dir / PRIVATE_KEY_FILE),
        "tba consumer_key": credentials.consumer_key,
        "tba consumer_secret": credentials.consumer_secret,
        "tba token_id": credentials.token_id,
        "tba token_secret": credentials.token_secret,
        "all of the above": str(state_dir / CREDENTIALS_FILE),
    }
    return "\n".join(f"  {name}: {value}" for name, value in lines.items())


def serve(state_dir: Path, seed: dict[str, list[dict[str, Any]]], port: int) -> int:
    """Serve until Ctrl-C; prints the base URL and the credentials first."""
    credentials = load_or_create(state_dir)
    double = NetSuiteDouble(state_dir, seed, auth=credentials.auth_config())
    url = double.start(port=port)
    print(f"NetSuite double on {url} (state {state_dir}); Ctrl-C to stop", flush=True)
    print(describe(credentials, url, state_dir), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        double.close()
    return 0
