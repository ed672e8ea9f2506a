"""Salesforce connection settings, built from the Secrets Manager secret (never logged)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class SalesforceSettings(BaseModel):
    """Secret JSON keys: ``login_url``, ``consumer_key``, ``username``, ``private_key`` (PEM)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    login_url: str = "https://login.salesforce.com"
    #: JWT ``aud``; Salesforce wants login.salesforce.com / test.salesforce.com (default: login_url).
    audience: str | None = None
    consumer_key: str = Field(min_length=1)
    username: str = Field(min_length=1)
    private_key: SecretStr
    api_version: str = "62.0"
    timeout_s: float = 30.0

    @property
    def jwt_audience(self) -> str:
        return self.audience or self.login_url.rstrip("/")
