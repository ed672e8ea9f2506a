"""Days left on the certificate a secret's private key signs for (the CertificateDaysLeft metric).

Salesforce and NetSuite check the JWT signatures against certificates uploaded to them, each with
an expiry date; once it passes, every login fails. A secret may carry the certificate PEM under
``certificate`` (docs/runbook.md, "Secrets and key rotation"); each client build then reports the
days left, and the CertificateExpiresSoon alarm fires weeks before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from closedwon.observability import gauge, logger

#: The secret key holding the certificate PEM (optional).
CERTIFICATE_KEY = "certificate"


def days_left(pem: str, *, now: dt.datetime | None = None) -> float | None:
    """Days until the PEM certificate's notAfter; None when it is not a certificate."""
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(pem.replace("\\n", "\n").encode())
    except ValueError:
        return None
    moment = now or dt.datetime.now(dt.UTC)
    return (certificate.not_valid_after_utc - moment).total_seconds() / 86400


def report_days_left(system: str, secret: dict[str, Any]) -> None:
    """Emit CertificateDaysLeft for ``system`` when its secret carries a readable certificate."""
    pem = secret.get(CERTIFICATE_KEY) or (secret.get("oauth2") or {}).get(CERTIFICATE_KEY)
    if not isinstance(pem, str):
        return
    days = days_left(pem)
    if days is None:
        logger.warning(
            "the secret's certificate is not a PEM certificate", extra={"system": system}
        )
        return
    gauge("CertificateDaysLeft", days, system=system)
