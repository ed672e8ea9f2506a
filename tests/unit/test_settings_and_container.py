"""The function settings (validated once, from the environment) and the composition root."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from closedwon.container import Container
from closedwon.errors import AuthOrConfig
from closedwon.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "SALESFORCE_ORG_ID": "00D5f000005KcCnEAK",
    "COORDINATION_TABLE": "closedwon-CoordinationTable",
    "NETSUITE_CONCURRENCY_LIMIT": "5",
    "SALESFORCE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sf",
    "NETSUITE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ns",
    "DEAL_BUCKET": "closedwon-deals",
}


def test_given_the_template_environment_when_loaded_then_every_variable_is_typed() -> None:
    settings = load_settings({**ENV, "PATH": "/usr/bin"})
    assert settings.coordinated and settings.netsuite_concurrency_limit == 5
    assert settings.deal_bucket == "closedwon-deals"


@pytest.mark.parametrize("unset", [None, ""])
def test_given_no_coordination_table_when_loaded_then_auth_or_config_naming_it(
    unset: str | None,
) -> None:
    env = {k: v for k, v in ENV.items() if k != "COORDINATION_TABLE"}
    if unset is not None:
        env["COORDINATION_TABLE"] = unset
    with pytest.raises(AuthOrConfig, match="COORDINATION_TABLE is not set"):
        load_settings(env)


def test_given_the_explicit_local_flag_when_loaded_then_coordination_is_off() -> None:
    env = {k: v for k, v in ENV.items() if k != "COORDINATION_TABLE"}
    settings = load_settings({**env, "CLOSEDWON_UNCOORDINATED": "true"})
    assert not settings.coordinated


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NETSUITE_CONCURRENCY_LIMIT", "0"),
        ("NETSUITE_CONCURRENCY_LIMIT", "five"),
    ],
)
def test_given_a_malformed_variable_when_loaded_then_the_error_names_it(
    name: str, value: str
) -> None:
    with pytest.raises(AuthOrConfig, match=name):
        load_settings({**ENV, name: value})


def test_given_a_variable_a_function_needs_is_unset_when_required_then_the_error_names_it() -> None:
    settings = load_settings({k: v for k, v in ENV.items() if k != "DEAL_BUCKET"})
    with pytest.raises(AuthOrConfig, match="DEAL_BUCKET is not set"):
        settings.require("deal_bucket")


def test_given_a_new_container_then_nothing_is_built_until_used() -> None:
    built: list[str] = []
    container = Container(ENV, clients=lambda service: built.append(service))
    assert built == [] and not container.built("settings") and not container.built("netsuite")
    assert container.deal_lease is not None and built == ["dynamodb"]
    assert container.netsuite_throttles() == 0 and not container.built("netsuite")


class FakeSecrets:
    """Secrets Manager's GetSecretValue answer shape (AWS Secrets Manager API Reference)."""

    def __init__(self, secrets: dict[str, dict[str, Any]]) -> None:
        self.secrets = secrets

    def get_secret_value(self, SecretId: str, **_: Any) -> dict[str, Any]:
        return {
            "ARN": SecretId,
            "Name": SecretId,
            "SecretString": json.dumps(self.secrets[SecretId]),
        }


def test_given_a_config_api_version_when_salesforce_is_built_then_the_connection_uses_it(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mapping.yaml"
    config.write_text('salesforce:\n  api_version: "59.0"\n', encoding="utf-8")
    secret = {
        "login_url": "https://login.salesforce.com",
        "consumer_key": "k",
        "username": "u",
        "private_key": "pem",
    }
    secrets = FakeSecrets({ENV["SALESFORCE_SECRET_ARN"]: secret})
    container = Container({**ENV, "MAPPING_CONFIG_PATH": str(config)}, clients=lambda _: secrets)
    assert container.salesforce.connection.settings.api_version == "59.0"


def test_given_a_broken_config_when_salesforce_is_built_then_the_default_version_still_works(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mapping.yaml"
    config.write_text("- a list, not a mapping\n", encoding="utf-8")
    secret = {
        "login_url": "https://login.salesforce.com",
        "consumer_key": "k",
        "username": "u",
        "private_key": "pem",
    }
    secrets = FakeSecrets({ENV["SALESFORCE_SECRET_ARN"]: secret})
    container = Container({**ENV, "MAPPING_CONFIG_PATH": str(config)}, clients=lambda _: secrets)
    with pytest.raises(AuthOrConfig, match="must be a mapping at the top level"):
        _ = container.config
    assert container.salesforce.connection.settings.api_version == "62.0"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("netsuite:\n  curencies: {USD: '1'}\n", "netsuite.curencies"),
        ("netsuite:\n  default_term_months: twelve\n", "default_term_months"),
        ("netsuite: [\n", "not valid YAML"),
        ("- 1\n- 2\n", "must be a mapping"),
    ],
)
def test_given_a_broken_mapping_config_then_auth_or_config_says_why(
    tmp_path: Path, text: str, reason: str
) -> None:
    config = tmp_path / "mapping.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(AuthOrConfig, match=reason):
        _ = Container({**ENV, "MAPPING_CONFIG_PATH": str(config)}).config


class FakeDynamoDB:
    """Conditional PutItem/DeleteItem on a dict: enough for one container's semaphore slot."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, TableName: str, Item: dict[str, Any], **_: Any) -> None:
        key = Item["pk"]["S"]
        if key in self.items:
            raise AssertionError(f"{key} taken twice")  # the tests never contend
        self.items[key] = Item

    def delete_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> None:
        self.items.pop(Key["pk"]["S"], None)


def test_given_a_step_used_netsuite_when_the_invocation_ends_then_its_one_slot_is_given_back() -> (
    None
):
    dynamodb = FakeDynamoDB()
    container = Container(ENV, clients=lambda _: dynamodb)
    semaphore = container.semaphore
    assert semaphore is not None
    for _ in range(3):  # three requests of one invocation
        with semaphore.slot():
            assert len(dynamodb.items) == 1
    container.end_invocation()
    assert dynamodb.items == {}


def test_given_a_container_without_coordination_then_no_lease_and_no_semaphore() -> None:
    env = {k: v for k, v in ENV.items() if k != "COORDINATION_TABLE"}
    container = Container({**env, "CLOSEDWON_UNCOORDINATED": "true"})
    assert container.deal_lease is None and container.semaphore is None
    container.end_invocation()
