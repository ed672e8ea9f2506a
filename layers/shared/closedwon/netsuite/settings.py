"""Connection settings for NetSuite, built from the integration's secret.

The secret is a JSON object. Credentials may be nested under ``oauth2`` / ``tba`` or given flat at
the top level (the Secrets Manager console edits flat key/value pairs only)::

    {"base_url": "https://1234567-sb1.suitetalk.api.netsuite.com", "account_id": "1234567_SB1",
     "auth_method": "oauth2",
     "oauth2": {"client_id": "...", "certificate_id": "...", "private_key": "-----BEGIN ..."}}

``base_url`` and ``account_id`` are both configured: Oracle says to copy the URL from Company
Information rather than derive it, and the TBA realm keeps the upper-case ``_SB1`` spelling.

Secret values are ``SecretStr`` and every model hides its input in validation errors, so neither
``repr(settings)`` nor a ``ValidationError`` message can leak a key.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from closedwon.errors import AuthOrConfig


def _package_version() -> str:
    return str(getattr(importlib.import_module("closedwon"), "__version__", "dev"))


#: Sent on every request, so NetSuite's logs show which integration made a call.
USER_AGENT = f"closedwon/{_package_version()}"

RECORD_PATH = "/services/rest/record/v1"
GOVERNANCE_PATH = "/services/rest/system/v1/governanceLimits"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"

Scope = Literal["rest_webservices", "restlets", "suite_analytics"]
Algorithm = Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]

_DEFAULT_SCOPE: Scope = "rest_webservices"
_OAUTH2_KEYS = ("client_id", "certificate_id", "private_key", "algorithm", "scope")
_TBA_KEYS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, extra="ignore")


class OAuth2Settings(_Model):
    """OAuth 2.0 client credentials (M2M): the integration record and the certificate mapping."""

    client_id: str = Field(min_length=1)
    #: The Certificate ID NetSuite shows for the M2M mapping; the JWT ``kid``.
    certificate_id: str = Field(min_length=1)
    #: PEM private key matching the uploaded certificate (RSA for PS*, EC for ES*).
    private_key: SecretStr
    algorithm: Algorithm = "PS256"
    scope: list[Scope] = Field(default_factory=lambda: [_DEFAULT_SCOPE], min_length=1)

    @field_validator("private_key", mode="before")
    @classmethod
    def _unescape_newlines(cls, value: Any) -> Any:
        # A PEM pasted into a one-line secret value often arrives with literal "\n" sequences.
        if isinstance(value, str) and "\n" not in value and "\\n" in value:
            return value.replace("\\n", "\n")
        return value

    @field_validator("private_key")
    @classmethod
    def _looks_like_pem(cls, value: SecretStr) -> SecretStr:
        if "-----BEGIN" not in value.get_secret_value():
            raise ValueError("must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)")
        return value

    @field_validator("scope", mode="before")
    @classmethod
    def _split_scope(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class TbaSettings(_Model):
    """Token-based authentication (OAuth 1.0a, HMAC-SHA256): integration record + access token."""

    consumer_key: SecretStr
    consumer_secret: SecretStr
    token_id: SecretStr
    token_secret: SecretStr


class NetSuiteSettings(_Model):
    """Where NetSuite is, how to authenticate, and how long to wait for it."""

    #: e.g. ``https://1234567-sb1.suitetalk.api.netsuite.com``; ``http://127.0.0.1:PORT`` offline.
    base_url: str
    #: Account ID with its exact spelling, e.g. ``1234567_SB1``; the TBA ``realm``.
    account_id: str = Field(min_length=1)
    auth_method: Literal["oauth2", "tba"] = "oauth2"
    oauth2: OAuth2Settings | None = None
    tba: TbaSettings | None = None
    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_credentials(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for group, keys in (("oauth2", _OAUTH2_KEYS), ("tba", _TBA_KEYS)):
            flat = {key: data.pop(key) for key in keys if key in data}
            if not flat:
                continue
            nested = data.get(group)
            if nested is None:
                data[group] = flat
            elif isinstance(nested, dict):
                clash = sorted(set(flat) & set(nested))
                if clash:
                    raise ValueError(
                        f"{', '.join(clash)} given both at the top level and in {group}"
                    )
                data[group] = {**nested, **flat}
        return data

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local double)")
        if "/services/rest" in value:
            raise ValueError("must be the host only, without /services/rest/...")
        return value

    @model_validator(mode="after")
    def _selected_method_is_configured(self) -> NetSuiteSettings:
        if self.auth_method == "oauth2" and self.oauth2 is None:
            raise ValueError(
                "auth_method 'oauth2' needs the oauth2 settings: "
                "client_id, certificate_id and private_key are missing"
            )
        if self.auth_method == "tba" and self.tba is None:
            raise ValueError(
                "auth_method 'tba' needs the tba settings: "
                "consumer_key, consumer_secret, token_id and token_secret are missing"
            )
        return self

    @classmethod
    def from_secret(cls, secret: dict[str, Any]) -> NetSuiteSettings:
        """Validate a secret dict; any problem becomes ``AuthOrConfig`` naming the bad keys only."""
        try:
            return cls.model_validate(secret)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'secret'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)
            )
            raise AuthOrConfig(f"NetSuite secret is invalid: {problems}") from None

    @property
    def token_url(self) -> str:
        return f"{self.base_url}{TOKEN_PATH}"

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` as ``requests`` takes it."""
        return (self.connect_timeout_s, self.read_timeout_s)
