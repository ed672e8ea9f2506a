"""Both doubles, each with the credentials a real integration would be given, for clients we
did not write (Authlib, requests-oauthlib, plain requests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from offline.netsuite_double import NetSuiteDouble
from offline.netsuite_double.serve import ServeCredentials, load_or_create
from offline.salesforce_double import SalesforceDouble

ROOT = Path(__file__).resolve().parents[3]
SF_CONSUMER_KEY = "3MVG9-conformance-consumer-key"
SF_USERNAME = "integration@conformance.example"


@pytest.fixture
def ns_credentials(tmp_path: Path) -> ServeCredentials:
    """What ``netsuite serve`` generates and prints."""
    return load_or_create(tmp_path / "netsuite")


@pytest.fixture
def netsuite(tmp_path: Path, ns_credentials: ServeCredentials) -> Iterator[NetSuiteDouble]:
    seed = json.loads((ROOT / "offline/sample/netsuite_seed.json").read_text())
    double = NetSuiteDouble(tmp_path / "netsuite", seed, auth=ns_credentials.auth_config())
    double.start()
    yield double
    double.close()


@pytest.fixture(scope="session")
def sf_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def salesforce(
    tmp_path: Path, sf_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SalesforceDouble]:
    """Trusted through ``REQUESTS_CA_BUNDLE``, which requests lets override ``Session.verify``."""
    public = (
        sf_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    snapshot = json.loads((ROOT / "offline/sample/org.json").read_text())
    double = SalesforceDouble(
        snapshot,
        tmp_path / "salesforce",
        consumer_key=SF_CONSUMER_KEY,
        username=SF_USERNAME,
        public_key_pem=public,
    )
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", double.ca_bundle)
    double.start()
    yield double
    double.stop()
