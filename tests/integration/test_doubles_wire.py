"""offline/wire, the part both doubles share: the loopback server's stop, seeded fault draws,
JWT checks. These are the invariants each double's own tests rely on."""

from __future__ import annotations

import http.client
import time
from http.server import BaseHTTPRequestHandler

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from offline.wire.faults import SeededDraws
from offline.wire.jwt_checks import InvalidJwt, audiences, unverified, verify_signature
from offline.wire.server import LoopbackServer


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_after_stop_a_kept_alive_connection_gets_no_more_answers() -> None:
    server = LoopbackServer(0, Hello, app=None)
    server.start("wire-test")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello"

    server.stop()

    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", "/")
        conn.getresponse().read()
    conn.close()


def test_the_same_seed_gives_the_same_faults_and_a_new_seed_restarts_them() -> None:
    draws = SeededDraws(7)
    rates = [("429", 0.3), ("500", 0.3)]
    first = [draws.pick(rates, seed=7) for _ in range(50)]

    again = SeededDraws(7)
    assert [again.pick(rates, seed=7) for _ in range(50)] == first
    assert [draws.pick(rates, seed=8) for _ in range(50)] != first
    assert not any(draws.roll(0.0, seed=8) for _ in range(10))
    assert all(draws.roll(1.0, seed=8) for _ in range(10))


def test_a_jwt_verifies_only_with_its_own_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    claims = {"iss": "me", "aud": ["https://a", "https://b"], "exp": int(time.time()) - 10}
    token = jwt.encode(claims, key, "ES256", headers={"kid": "k1"})

    header, read = unverified(token)
    assert header["kid"] == "k1" and audiences(read) == ["https://a", "https://b"]
    assert verify_signature(token, public, "ES256")["iss"] == "me"  # exp is the caller's check
    with pytest.raises(InvalidJwt):
        verify_signature(jwt.encode(claims, other, "ES256"), public, "ES256")
    with pytest.raises(InvalidJwt):
        unverified("not.a.jwt")
