"""NetSuiteSettings: built from the secret dict, clear about what is missing, silent about secrets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from closedwon.errors import AuthOrConfig
from closedwon.netsuite import NetSuiteSettings

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-secret-body\n-----END PRIVATE KEY-----\n"
TBA = {
    "consumer_key": "ck-secret-1111",
    "consumer_secret": "cs-secret-2222",
    "token_id": "ti-secret-3333",
    "token_secret": "ts-secret-4444",
}
SECRETS = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-secret-body", *TBA.values()]


def secret(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "base_url": "https://1234567-sb1.suitetalk.api.netsuite.com",
        "account_id": "1234567_SB1",
        "oauth2": {"client_id": "client-1", "certificate_id": "cert-1", "private_key": PEM},
    }
    data.update(overrides)
    return data


def test_oauth2_secret_gets_the_documented_defaults() -> None:
    settings = NetSuiteSettings.model_validate(secret())

    assert settings.auth_method == "oauth2"
    assert settings.oauth2 is not None
    assert settings.oauth2.algorithm == "PS256"
    assert settings.oauth2.scope == ["rest_webservices"]
    assert settings.oauth2.private_key.get_secret_value() == PEM
    assert settings.timeout == (10.0, 60.0)
    assert settings.token_url == (
        "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    )


def test_trailing_slash_is_dropped_from_base_url() -> None:
    settings = NetSuiteSettings.model_validate(secret(base_url="http://127.0.0.1:8099/"))
    assert settings.base_url == "http://127.0.0.1:8099"


@pytest.mark.parametrize(
    "base_url", ["1234567-sb1.suitetalk.api.netsuite.com", "https://x.com/services/rest/record/v1"]
)
def test_base_url_must_be_a_scheme_and_host(base_url: str) -> None:
    with pytest.raises(ValidationError, match="base_url"):
        NetSuiteSettings.model_validate(secret(base_url=base_url))


def test_flat_credentials_from_a_key_value_secret_are_accepted() -> None:
    flat = secret(auth_method="tba", **TBA)
    del flat["oauth2"]
    settings = NetSuiteSettings.model_validate(flat)
    assert settings.tba is not None
    assert settings.tba.token_secret.get_secret_value() == "ts-secret-4444"


def test_a_key_given_flat_and_nested_is_refused() -> None:
    with pytest.raises(ValidationError, match="client_id given both"):
        NetSuiteSettings.model_validate(secret(client_id="other"))


def test_escaped_newlines_in_a_one_line_private_key_are_restored() -> None:
    one_line = PEM.replace("\n", "\\n")
    settings = NetSuiteSettings.model_validate(
        secret(oauth2={"client_id": "c", "certificate_id": "k", "private_key": one_line})
    )
    assert settings.oauth2 is not None
    assert settings.oauth2.private_key.get_secret_value() == PEM


def test_scope_may_be_a_comma_separated_string() -> None:
    settings = NetSuiteSettings.model_validate(
        secret(
            oauth2={
                "client_id": "c",
                "certificate_id": "k",
                "private_key": PEM,
                "scope": "rest_webservices, restlets",
            }
        )
    )
    assert settings.oauth2 is not None
    assert settings.oauth2.scope == ["rest_webservices", "restlets"]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (secret(oauth2={"client_id": "c", "certificate_id": "k"}), "oauth2.private_key"),
        (secret(oauth2=None), "client_id, certificate_id and private_key"),
        (
            secret(auth_method="tba", tba={k: v for k, v in TBA.items() if k != "token_secret"}),
            "tba.token_secret",
        ),
        (secret(auth_method="tba"), "consumer_key, consumer_secret, token_id and token_secret"),
        ({k: v for k, v in secret().items() if k != "account_id"}, "account_id"),
        (secret(auth_method="password"), "auth_method"),
        (secret(oauth2={**secret()["oauth2"], "algorithm": "RS256"}), "oauth2.algorithm"),
        (secret(oauth2={**secret()["oauth2"], "scope": ["rest"]}), "oauth2.scope"),
        (secret(oauth2={**secret()["oauth2"], "private_key": "not a key"}), "PEM"),
        (secret(read_timeout_s=0), "read_timeout_s"),
    ],
)
def test_validation_errors_name_the_missing_or_bad_key(data: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NetSuiteSettings.model_validate(data)
    assert named in str(caught.value)


def test_secrets_never_appear_in_repr_or_str() -> None:
    settings = NetSuiteSettings.model_validate(secret(tba=TBA))
    for text in (repr(settings), str(settings), repr(settings.oauth2), repr(settings.tba)):
        assert all(value not in text for value in SECRETS)


def test_secrets_never_appear_in_validation_error_messages() -> None:
    broken = secret(
        oauth2={"client_id": 1.5, "certificate_id": "k", "private_key": PEM, "algorithm": "RS1"},
        tba={**TBA, "token_secret": ["ts-secret-4444"]},
        account_id=None,
    )
    with pytest.raises(ValidationError) as caught:
        NetSuiteSettings.model_validate(broken)
    message = str(caught.value)
    assert "oauth2.algorithm" in message
    assert all(value not in message for value in SECRETS)


def test_from_secret_raises_auth_or_config_naming_keys_but_no_values() -> None:
    with pytest.raises(AuthOrConfig) as caught:
        NetSuiteSettings.from_secret(
            secret(auth_method="tba", tba={k: v for k, v in TBA.items() if k != "token_id"})
        )
    message = str(caught.value)
    assert message.startswith("NetSuite secret is invalid: tba.token_id: Field required")
    assert all(value not in message for value in SECRETS)
    assert caught.value.__cause__ is None


def test_from_secret_returns_valid_settings() -> None:
    assert NetSuiteSettings.from_secret(secret()).account_id == "1234567_SB1"
