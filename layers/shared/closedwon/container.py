"""The composition root: one object per Lambda container owning every client and cache.

A handler (closedwon.handler) builds one :class:`Container` at its first invocation and hands
it to the step as ``deps``. Each member is built on first use, so a cold start pays only for what
its function uses; a failed build is not kept, so the next invocation tries again. Clearing a
container is building a new one. Credentials come only from AWS Secrets Manager (Powertools
Parameters, cached ``SECRET_MAX_AGE_S``); never from environment values.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from closedwon.certificates import report_days_left
from closedwon.config import MappingConfig, SalesforceConfig, load_mapping_config
from closedwon.coordination import DealLease, NetSuiteSemaphore
from closedwon.deal_store import DealStore
from closedwon.errors import AuthOrConfig
from closedwon.fanout import FanOut
from closedwon.items import ItemCatalog
from closedwon.rules.document import SoqlFields
from closedwon.settings import Settings, load_settings

if TYPE_CHECKING:
    from closedwon.netsuite import NetSuiteClient
    from closedwon.salesforce import SalesforceConnection

SECRET_MAX_AGE_S = 300

#: Builds a boto3 client for a service name (tests and the offline stack may pass their own).
ClientFactory = Callable[[str], Any]


class SalesforceApi:
    """The deal reader and the write-back writer over one logged-in connection."""

    def __init__(self, connection: SalesforceConnection) -> None:
        self.connection = connection

    def read_deal(
        self,
        opportunity_id: str,
        *,
        multi_currency: bool,
        amendments_status_field: str | None = None,
        extra: SoqlFields = SoqlFields(),
        netsuite_id_fields: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """The opportunity, its contacts and its primary quote's lines (one API call)."""
        from closedwon.salesforce import read_deal

        return read_deal(
            self.connection,
            opportunity_id,
            multi_currency=multi_currency,
            amendments_status_field=amendments_status_field,
            extra=extra,
            netsuite_id_fields=netsuite_id_fields,
        )

    def read_contract(self, contract_id: str, original_opportunity_id: str) -> dict[str, Any]:
        """An amended contract's CPQ subscriptions and its deals' lines (one API call)."""
        from closedwon.salesforce.reader import read_contract

        return read_contract(self.connection, contract_id, original_opportunity_id)

    def write(self, records: list[dict[str, Any]], *, what: str) -> list[str]:
        """Update records, Opportunity first; the problems of the other records."""
        from closedwon.salesforce import write_records

        return write_records(self.connection, records, what=what)


class Container:
    """Settings, mapping config, clients and caches of one function's container."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        clients: ClientFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self._client_factory = clients or self._boto3_client
        self._clients: dict[str, Any] = {}
        self._clock = clock
        self._secrets: dict[str, _Secret] = {}
        #: The SaaS clients built so far, each with the version of the secret it was built from.
        self._built: dict[str, tuple[str, Any]] = {}
        self.term_ids: dict[str, str] = {}

    # ---------------------------------------------------------------- settings and config

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.environ)

    @cached_property
    def config(self) -> MappingConfig:
        return load_mapping_config(self.settings.mapping_config_path)

    @property
    def salesforce_api_version(self) -> str:
        """The config's ``salesforce.api_version``; its default when the config cannot be read,
        so the failure path can still report a broken config to Salesforce."""
        try:
            return self.config.salesforce.api_version
        except AuthOrConfig:
            return SalesforceConfig().api_version

    # ---------------------------------------------------------------- AWS

    def client(self, service: str) -> Any:
        """The container's boto3 client for ``service``."""
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    def _boto3_client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.environ.get("AWS_REGION"))

    def secret(self, arn_field: str, *, fresh: bool = False) -> dict[str, Any]:
        """The JSON secret whose ARN is the settings field ``arn_field``."""
        return self._secret(arn_field, fresh=fresh).value

    def _secret(self, arn_field: str, *, fresh: bool = False) -> _Secret:
        """The secret and its version, read again after ``SECRET_MAX_AGE_S`` or when ``fresh``."""
        arn = self.settings.require(arn_field)
        cached = self._secrets.get(arn)
        if cached is not None and not fresh and self._clock() - cached.read_at < SECRET_MAX_AGE_S:
            return cached
        try:
            answer = self.client("secretsmanager").get_secret_value(SecretId=arn)
        except Exception as exc:
            raise AuthOrConfig(f"secret {arn} cannot be read: {type(exc).__name__}") from None
        try:
            value = json.loads(answer.get("SecretString") or "")
        except ValueError:
            raise AuthOrConfig(f"secret {arn} is not valid JSON") from None
        if not isinstance(value, dict):
            raise AuthOrConfig(f"secret {arn} must be a JSON object")
        secret = _Secret(value, str(answer.get("VersionId") or ""), self._clock())
        self._secrets[arn] = secret
        return secret

    def rotated(self) -> bool:
        """Re-read the secrets of the clients built so far; whether any changed version.

        The handler calls it on an AuthOrConfig failure: a changed version drops the clients
        built from the old one, so the step is run once more with the new credentials.
        """
        changed = False
        for member, arn_field in _CLIENT_SECRETS.items():
            built = self._built.get(member)
            if built is None:
                continue
            try:
                version = self._secret(arn_field, fresh=True).version
            except AuthOrConfig:
                continue
            if version != built[0]:
                del self._built[member]
                changed = True
        return changed

    @cached_property
    def deal_store(self) -> DealStore:
        return DealStore(lambda: self.client("s3"), bucket=self.settings.deal_bucket)

    @cached_property
    def deal_lease(self) -> DealLease | None:
        table = self.settings.coordination_table
        if not self.settings.coordinated or table is None:
            return None
        return DealLease(self.client("dynamodb"), table)

    @cached_property
    def semaphore(self) -> NetSuiteSemaphore | None:
        settings = self.settings
        table, limit = settings.coordination_table, settings.netsuite_concurrency_limit
        if not settings.coordinated or table is None:
            return None
        if limit is None:
            raise AuthOrConfig("environment variable NETSUITE_CONCURRENCY_LIMIT is not set")
        return NetSuiteSemaphore(self.client("dynamodb"), table, limit)

    @cached_property
    def fanout(self) -> FanOut:
        return FanOut(self.client("stepfunctions"))

    # ---------------------------------------------------------------- SaaS clients

    @property
    def salesforce(self) -> SalesforceApi:
        """The Salesforce API, rebuilt when its secret's version changes (rotation)."""
        api: SalesforceApi = self._client_of("salesforce", self._build_salesforce)
        return api

    @property
    def netsuite(self) -> NetSuiteClient:
        """The NetSuite client, rebuilt when its secret's version changes (rotation)."""
        client: NetSuiteClient = self._client_of("netsuite", self._build_netsuite)
        return client

    @property
    def egress_domains(self) -> tuple[str, ...]:
        return self.settings.egress_extra_domains

    def _client_of(self, member: str, build: Callable[[dict[str, Any]], Any]) -> Any:
        secret = self._secret(_CLIENT_SECRETS[member])
        built = self._built.get(member)
        if built is None or built[0] != secret.version:
            built = (secret.version, build(secret.value))
            self._built[member] = built
            report_days_left(member, secret.value)
        return built[1]

    def _build_salesforce(self, secret: dict[str, Any]) -> SalesforceApi:
        from pydantic import ValidationError

        from closedwon.egress import salesforce_policy
        from closedwon.salesforce import SalesforceConnection, SalesforceSettings

        data = {**secret, "api_version": self.salesforce_api_version}
        try:
            settings = SalesforceSettings.model_validate(data)
        except ValidationError as exc:
            raise AuthOrConfig(
                f"Salesforce secret is missing or has invalid keys: {_keys(exc)}"
            ) from None
        policy = salesforce_policy(
            self.egress_domains, offline_loopback=self.settings.offline_loopback
        )
        return SalesforceApi(SalesforceConnection(settings, egress=policy))

    def _build_netsuite(self, secret: dict[str, Any]) -> NetSuiteClient:
        from pydantic import ValidationError

        from closedwon.egress import netsuite_policy
        from closedwon.netsuite import NetSuiteClient, NetSuiteSettings

        try:
            settings = NetSuiteSettings.model_validate(secret)
        except ValidationError as exc:
            raise AuthOrConfig(
                f"NetSuite secret is missing or has invalid keys: {_keys(exc)}"
            ) from None
        policy = netsuite_policy(
            self.egress_domains, offline_loopback=self.settings.offline_loopback
        )
        policy.check(settings.base_url, what="NetSuite base_url")
        semaphore = self.semaphore
        if semaphore is None:
            return NetSuiteClient(settings)
        return NetSuiteClient(settings, limiter=semaphore.slot, before_backoff=semaphore.step_aside)

    @cached_property
    def items(self) -> ItemCatalog:
        return ItemCatalog()

    # ---------------------------------------------------------------- invocation

    def built(self, member: str) -> bool:
        """Whether ``member`` (e.g. ``"netsuite"``) was built in this container."""
        return member in self.__dict__ or member in self._built

    def netsuite_throttles(self) -> int:
        """429s this container's NetSuite client has seen (0 if it was never built)."""
        return self.netsuite.throttled if self.built("netsuite") else 0

    def end_invocation(self) -> None:
        """Give back what an invocation holds beyond its end: the NetSuite slot."""
        if self.built("semaphore") and self.semaphore is not None:
            with contextlib.suppress(Exception):
                self.semaphore.release()


@dataclass(frozen=True)
class _Secret:
    value: dict[str, Any]
    version: str
    read_at: float


#: The settings field naming the secret each SaaS client is built from.
_CLIENT_SECRETS = {"salesforce": "salesforce_secret_arn", "netsuite": "netsuite_secret_arn"}


def _keys(exc: Any) -> str:
    return ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
