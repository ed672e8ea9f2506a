"""CertificateDaysLeft: days until the notAfter of the certificate a secret carries (RFC 5280
section 4.1.2.5, the validity period), reported so an alarm fires before logins start failing."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from closedwon.certificates import days_left

NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def certificate_pem(valid_days: int) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "closedwon-test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_given_a_certificate_when_measured_then_the_days_to_its_expiry() -> None:
    assert round(days_left(certificate_pem(20), now=NOW) or 0) == 20


def test_given_a_pem_pasted_on_one_line_when_measured_then_it_is_still_read() -> None:
    one_line = certificate_pem(400).replace("\n", "\\n")
    assert round(days_left(one_line, now=NOW) or 0) == 400


def test_given_something_else_when_measured_then_none() -> None:
    assert (
        days_left("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", now=NOW) is None
    )
