"""The integration's credentials, made the way a deployment has them: generated RSA key pairs
(the doubles hold the public keys and verify the signed JWTs) and the private halves stored as
Secrets Manager secrets in the shape the handlers read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from offline.netsuite_double import AuthConfig

SF_CONSUMER_KEY = "offline-connected-app"
SF_USERNAME = "integration@offline.example"


def pem_keypair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as PEM: (PKCS#8 private key, SubjectPublicKeyInfo public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass(frozen=True)
class KeyPairs:
    """One key pair per end: the Salesforce connected app and the NetSuite M2M certificate."""

    salesforce: tuple[str, str] = field(default_factory=pem_keypair)
    netsuite: tuple[str, str] = field(default_factory=pem_keypair)


def store_secrets(
    region: str, keys: KeyPairs, salesforce_url: str, netsuite_url: str, netsuite: AuthConfig
) -> tuple[str, str]:
    """Create the Salesforce and NetSuite secrets in (moto's) Secrets Manager; their ARNs."""
    secrets = boto3.client("secretsmanager", region_name=region)
    salesforce_arn = secrets.create_secret(
        Name="closedwon/salesforce",
        SecretString=json.dumps(
            {
                "login_url": salesforce_url,
                "consumer_key": SF_CONSUMER_KEY,
                "username": SF_USERNAME,
                "private_key": keys.salesforce[0],
            }
        ),
    )["ARN"]
    netsuite_arn = secrets.create_secret(
        Name="closedwon/netsuite",
        SecretString=json.dumps(
            {
                "base_url": netsuite_url,
                "account_id": netsuite.realm,
                "auth_method": "oauth2",
                "client_id": netsuite.client_id,
                "certificate_id": netsuite.certificate_id,
                "private_key": keys.netsuite[0],
                "algorithm": "PS256",
            }
        ),
    )["ARN"]
    return str(salesforce_arn), str(netsuite_arn)
