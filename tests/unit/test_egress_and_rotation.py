"""Egress allow-list (closedwon.egress) and secret rotation in the composition root.

Host formats: Salesforce Help, "My Domain URL Formats" (``<name>.my.salesforce.com``,
``<name>--<sandbox>.sandbox.my.salesforce.com``, login/test.salesforce.com); NetSuite Help,
"Account-Specific Domains" (``<accountID>.suitetalk.api.netsuite.com``). GetSecretValue answers
with the ``VersionId`` of the version it returns (AWS Secrets Manager API Reference,
"GetSecretValue").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from closedwon.container import SECRET_MAX_AGE_S, Container
from closedwon.egress import check_relative_path, netsuite_policy, salesforce_policy
from closedwon.errors import AuthOrConfig
from closedwon.handler import StepHandler
from closedwon.salesforce import SalesforceConnection, SalesforceSettings
from tests.unit.test_settings_and_container import ENV

SF_ARN = ENV["SALESFORCE_SECRET_ARN"]
NS_ARN = ENV["NETSUITE_SECRET_ARN"]
PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(
    "url",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        "https://acme.my.salesforce.com",
        "https://acme--uat.sandbox.my.salesforce.com",
        "https://na1.force.com",
    ],
)
def test_given_a_salesforce_host_when_checked_then_it_is_allowed(url: str) -> None:
    assert salesforce_policy().check(url, what="login_url") == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://login.salesforce.com", "https"),
        ("https://login.salesforce.com.evil.example", "outside the allowed domains"),
        ("https://evilsalesforce.com", "outside the allowed domains"),
        ("https://user:pw@acme.my.salesforce.com", "credentials"),
        ("https://127.0.0.1:8443", "outside the allowed domains"),
        ("http://localhost:8080", "https"),
    ],
)
def test_given_a_host_outside_salesforce_when_checked_then_auth_or_config_naming_it(
    url: str, reason: str
) -> None:
    with pytest.raises(AuthOrConfig, match=reason):
        salesforce_policy().check(url, what="Salesforce login_url")


def test_given_netsuite_hosts_when_checked_then_only_netsuite_domains_over_https_pass() -> None:
    policy = netsuite_policy()
    assert policy.check("https://1234567-sb1.suitetalk.api.netsuite.com", what="base_url")
    for url in ("http://1234567.suitetalk.api.netsuite.com", "https://netsuite.com.example"):
        with pytest.raises(AuthOrConfig, match="base_url"):
            policy.check(url, what="base_url")


def test_given_the_offline_flag_when_checked_then_loopback_over_http_passes_and_nothing_else() -> (
    None
):
    policy = netsuite_policy(offline_loopback=True)
    assert policy.check("http://127.0.0.1:8080", what="base_url")
    assert policy.check("https://localhost:8443", what="base_url")
    with pytest.raises(AuthOrConfig):
        policy.check("http://10.0.0.5:8080", what="base_url")


def test_given_an_extra_domain_when_checked_then_it_is_allowed_too() -> None:
    assert salesforce_policy(("salesforce.mil",)).check("https://x.my.salesforce.mil", what="u")


@pytest.mark.parametrize(
    "path",
    [
        "@evil.example/services/data/v62.0/query/01g-2000",
        "https://evil.example/services/data/v62.0/query/01g-2000",
        "/services/data//evil.example/x",
        "/services/apexrest/x",
    ],
)
def test_given_a_paging_url_that_leaves_the_instance_when_checked_then_refused(path: str) -> None:
    with pytest.raises(AuthOrConfig, match="nextRecordsUrl"):
        check_relative_path(path, prefix="/services/data/", what="nextRecordsUrl")


def test_given_a_login_url_outside_salesforce_when_connecting_then_refused_before_any_request() -> (
    None
):
    settings = SalesforceSettings(
        login_url="http://attacker.example", consumer_key="k", username="u", private_key=PEM
    )
    with pytest.raises(AuthOrConfig, match="login_url"):
        SalesforceConnection(settings)


class VersionedSecrets:
    """GetSecretValue with a VersionId that changes on every put (AWS API Reference shape)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, dict[str, Any]]] = {}
        self.puts = 0

    def put(self, arn: str, value: dict[str, Any]) -> None:
        self.puts += 1
        self.values[arn] = (f"version-{self.puts}", value)

    def get_secret_value(self, SecretId: str, **_: Any) -> dict[str, Any]:
        version, value = self.values[SecretId]
        return {"ARN": SecretId, "VersionId": version, "SecretString": json.dumps(value)}


def netsuite_secret(certificate_id: str) -> dict[str, Any]:
    return {
        "base_url": "https://1234567.suitetalk.api.netsuite.com",
        "account_id": "1234567",
        "client_id": "client",
        "certificate_id": certificate_id,
        "private_key": PEM,
    }


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_given_a_rotated_secret_when_its_cache_expires_then_the_client_is_rebuilt() -> None:
    secrets, clock = VersionedSecrets(), Clock()
    secrets.put(NS_ARN, netsuite_secret("old-cert"))
    container = Container(ENV, clients=lambda _: secrets, clock=clock)
    first = container.netsuite
    secrets.put(NS_ARN, netsuite_secret("new-cert"))

    assert container.netsuite is first  # within SECRET_MAX_AGE_S the cached version is used
    clock.now += SECRET_MAX_AGE_S + 1
    assert container.netsuite is not first
    assert container.netsuite is container.netsuite


def test_given_an_auth_failure_after_a_rotation_when_the_step_runs_then_it_reruns_once_with_the_new_key() -> (
    None
):
    secrets = VersionedSecrets()
    secrets.put(NS_ARN, netsuite_secret("old-cert"))
    container = Container(ENV, clients=lambda _: secrets)
    seen: list[str] = []

    def step(_state: Any, deps: Any) -> str:
        certificate = deps.netsuite._auth._certificate_id
        seen.append(certificate)
        if certificate == "old-cert":
            secrets.put(NS_ARN, netsuite_secret("new-cert"))
            raise AuthOrConfig("NetSuite token endpoint: invalid_client")
        return "done"

    result = StepHandler("Step", step)._run(container, {})
    assert result == "done" and seen == ["old-cert", "new-cert"]


def test_given_an_auth_failure_without_a_rotation_when_the_step_runs_then_it_fails_once() -> None:
    secrets = VersionedSecrets()
    secrets.put(NS_ARN, netsuite_secret("cert"))
    container = Container(ENV, clients=lambda _: secrets)
    calls: list[int] = []

    def step(_state: Any, deps: Any) -> str:
        _ = deps.netsuite
        calls.append(1)
        raise AuthOrConfig("NetSuite token endpoint: invalid_client")

    with pytest.raises(AuthOrConfig):
        StepHandler("Step", step)._run(container, {})
    assert calls == [1]
