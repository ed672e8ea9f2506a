"""``netsuite serve``: credentials generated once, kept owner-only in the state folder, printed,
and the only ones the served double accepts (docs/reference/netsuite.md §3.2, §3.3)."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from offline.netsuite_double.serve import (
    CREDENTIALS_FILE,
    PRIVATE_KEY_FILE,
    describe,
    load_or_create,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/services/rest/auth/oauth2/v1/token"


def test_given_a_new_state_folder_credentials_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_or_create(tmp_path)
    again = load_or_create(tmp_path)

    assert first == again
    assert len({first.client_id, first.consumer_key, first.token_id, first.token_secret}) == 4
    for name in (CREDENTIALS_FILE, PRIVATE_KEY_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / PRIVATE_KEY_FILE).read_text() == first.private_key_pem


def test_the_printed_description_names_every_credential_and_the_token_url(tmp_path: Path) -> None:
    credentials = load_or_create(tmp_path)

    text = describe(credentials, "http://127.0.0.1:8190", tmp_path)

    assert f"http://127.0.0.1:8190{TOKEN}" in text
    for value in (
        credentials.client_id,
        credentials.certificate_id,
        credentials.consumer_key,
        credentials.consumer_secret,
        credentials.token_id,
        credentials.token_secret,
        credentials.account_id,
        str(tmp_path / PRIVATE_KEY_FILE),
    ):
        assert value in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_serve_command_issues_tokens_only_for_assertions_signed_with_its_key(
    tmp_path: Path,
) -> None:
    """O:section_162790605110: the assertion's signature is checked against the certificate
    mapped to its ``kid``; another key's signature gets no token."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "offline",
            "netsuite",
            "serve",
            "--state",
            str(tmp_path),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        credentials = load_or_create(tmp_path / "netsuite")
        now = int(time.time())
        claims = {
            "iss": credentials.client_id,
            "scope": ["rest_webservices"],
            "aud": f"http://127.0.0.1:{port}{TOKEN}",
            "iat": now,
            "exp": now + 600,
        }
        headers = {"kid": credentials.certificate_id}
        good = jwt.encode(claims, credentials.private_key_pem, "ES256", headers=headers)
        stranger = ec.generate_private_key(ec.SECP256R1())
        forged = jwt.encode(claims, stranger, "ES256", headers=headers)

        def token(assertion: str) -> requests.Response:
            return requests.post(
                f"http://127.0.0.1:{port}{TOKEN}",
                data={
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": assertion,
                },
                timeout=10,
            )

        assert token(good).status_code == 200
        refused = token(forged)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    finally:
        process.terminate()
        process.wait(timeout=10)
