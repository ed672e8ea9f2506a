"""What a step needs from its environment, built lazily once per container.

Clients are created on first use (not at import) so cold starts pay only for what a function
uses, and so tests/offline runs can point them elsewhere by environment. Credentials come only
from AWS Secrets Manager (via Powertools Parameters, cached); never from environment values.
"""

from __future__ import annotations

import contextvars
import os
import threading
from typing import TYPE_CHECKING, Any

from closedwon.errors import AuthOrConfig
from closedwon.lazy import once

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from closedwon.netsuite import NetSuiteClient
    from closedwon.salesforce import SalesforceConnection

SECRET_MAX_AGE_S = 300
_lock = threading.Lock()

#: The invoked function's own environment variables. In Lambda this is simply os.environ; the
#: offline stack runs every function in one process (Map iterations on threads), so it sets the
#: function's variables here for the duration of each invocation.
function_environment: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "function_environment", default=None
)


def optional_env(name: str, default: str | None = None) -> str | None:
    overlay = function_environment.get()
    if overlay is not None:
        return overlay.get(name, default)
    return os.environ.get(name, default)


def env(name: str, default: str | None = None) -> str:
    value = optional_env(name, default)
    if not value:
        raise AuthOrConfig(f"environment variable {name} is not set (see template.yaml)")
    return value


@once
def _secrets() -> SecretsProvider:
    """One provider (one boto3 client, one cache) per container; ``parameters.get_secret``'s own
    default provider is created by every thread that gets there first. Its client comes from
    boto3's default session, like every other client here: a session of its own would load
    the SDK's endpoint and retry data a second time on every cold start."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def secret(name_env: str) -> dict[str, Any]:
    """The JSON secret whose ARN/name is in environment variable ``name_env``."""
    from aws_lambda_powertools.utilities import parameters

    arn = env(name_env)
    try:
        value = _secrets().get(arn, transform="json", max_age=SECRET_MAX_AGE_S)
    except parameters.exceptions.GetParameterError as exc:
        raise AuthOrConfig(
            f"secret {arn} cannot be read: {type(exc.__cause__ or exc).__name__}"
        ) from None
    except parameters.exceptions.TransformParameterError:
        raise AuthOrConfig(f"secret {arn} is not valid JSON") from None
    if not isinstance(value, dict):
        raise AuthOrConfig(f"secret {arn} must be a JSON object")
    return value


def org_id() -> str:
    return env("SALESFORCE_ORG_ID")


@once
def salesforce() -> SalesforceConnection:
    from pydantic import ValidationError

    from closedwon.salesforce import SalesforceConnection, SalesforceSettings

    try:
        settings = SalesforceSettings.model_validate(secret("SALESFORCE_SECRET_ARN"))
    except ValidationError as exc:
        missing = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise AuthOrConfig(f"Salesforce secret is missing or has invalid keys: {missing}") from None
    return SalesforceConnection(settings)


@once
def netsuite() -> NetSuiteClient:
    from pydantic import ValidationError

    from closedwon.limiter import backoff_hook, netsuite_limiter
    from closedwon.netsuite import NetSuiteClient, NetSuiteSettings

    try:
        settings = NetSuiteSettings.model_validate(secret("NETSUITE_SECRET_ARN"))
    except ValidationError as exc:
        missing = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise AuthOrConfig(f"NetSuite secret is missing or has invalid keys: {missing}") from None
    return NetSuiteClient(settings, limiter=netsuite_limiter(), before_backoff=backoff_hook())


def netsuite_throttles() -> int:
    """429s the container's NetSuite client has seen so far (0 if it was never built)."""
    if not netsuite.built:
        return 0
    return netsuite().throttled


def reset() -> None:
    """Forget cached clients and secrets (a new container; used by the offline stack and tests)."""
    with _lock:
        salesforce.cache_clear()
        netsuite.cache_clear()
        _secrets.cache_clear()  # the provider and its secret cache
        from closedwon import deal_store, items, limiter
        from closedwon.config import mapping_config
        from closedwon.steps import upsert_subscription_plan

        mapping_config.cache_clear()
        items.clear_cache()
        upsert_subscription_plan.clear_cache()
        deal_store.s3_client.cache_clear()
        limiter.reset()
