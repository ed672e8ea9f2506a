"""One authenticated Salesforce connection per container, and error mapping.

simple-salesforce does the REST calls; this module logs in lazily, re-logs in once when the
session expired, and turns its exceptions into the error taxonomy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from closedwon.egress import EgressPolicy, check_relative_path, salesforce_policy
from closedwon.errors import AuthOrConfig, Transient
from closedwon.salesforce.auth import jwt_login
from closedwon.salesforce.errors import classify, raise_for_subresponse
from closedwon.salesforce.settings import SalesforceSettings

T = TypeVar("T")

__all__ = ["OperatorSession", "SalesforceConnection", "raise_for_subresponse"]


class SalesforceConnection:
    """A lazily logged-in simple-salesforce client that counts the API calls it makes."""

    def __init__(
        self,
        settings: SalesforceSettings,
        session: requests.Session | None = None,
        *,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        #: Fails closed: without a policy only https to Salesforce's own domains is allowed.
        self.egress = egress or salesforce_policy()
        self.egress.check(settings.login_url, what="Salesforce login_url")
        self._client: Salesforce | None = None
        self._lock = threading.Lock()
        self.api_calls = 0

    def _connect(self) -> Salesforce:
        with self._lock:
            if self._client is None:
                token, instance_url = jwt_login(self.settings, self.session)
                self.egress.check(instance_url, what="Salesforce instance_url")
                self._client = Salesforce(
                    instance_url=instance_url,
                    session_id=token,
                    version=self.settings.api_version,
                    session=self.session,
                    object_pairs_hook=dict,
                )
            return self._client

    def call(self, operation: Callable[[Salesforce], T], *, what: str) -> T:
        """Run one API call; on an expired session log in again once and retry."""
        for attempt in (1, 2):
            client = self._connect()
            try:
                self.api_calls += 1
                return operation(client)
            except SalesforceExpiredSession:
                with self._lock:
                    self._client = None
                if attempt == 2:
                    raise AuthOrConfig(
                        f"Salesforce session for {what} expired again after a fresh login"
                    ) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise Transient(f"Salesforce did not answer {what}: {type(exc).__name__}") from None
            except SalesforceError as exc:
                raise classify(exc, what) from None
        raise AssertionError("unreachable")

    def restful(self, path: str, *, method: str, body: dict[str, Any], what: str) -> Any:
        """One REST call (composite, collections) relative to ``/services/data/vXX.X/``."""

        def send(sf: Salesforce) -> Any:
            return sf.restful(path, method=method, json=body)

        return self.call(send, what=what)

    def query_more(self, next_records_url: str, *, what: str) -> dict[str, Any]:
        """The next page of a query result (one API call per page)."""

        check_relative_path(next_records_url, prefix="/services/data/", what="nextRecordsUrl")

        def send(sf: Salesforce) -> dict[str, Any]:
            return dict(sf.query_more(next_records_url, identifier_is_url=True))

        return self.call(send, what=what)

    def query_all(self, soql: str, *, what: str) -> list[dict[str, Any]]:
        """Every record of a query, page after page (one API call per page)."""

        def send(sf: Salesforce) -> dict[str, Any]:
            return dict(sf.query(soql))

        page = self.call(send, what=what)
        records = list(page.get("records") or [])
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = self.query_more(str(page["nextRecordsUrl"]), what=what)
            records.extend(page.get("records") or [])
        return records


class OperatorSession(SalesforceConnection):
    """A connection over a session a person logged in to with their own Salesforce user (e.g.
    ``sf org display --json``: ``instanceUrl``, ``accessToken``), for the operator CLI: the
    integration's private key never leaves the stack. It cannot log in again: an expired session
    is AuthOrConfig asking for a fresh login.
    """

    def __init__(
        self,
        instance_url: str,
        access_token: str,
        *,
        api_version: str,
        egress: EgressPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.egress = egress or salesforce_policy()
        self.instance_url = self.egress.check(instance_url, what="Salesforce instance URL")
        self.api_version = api_version
        self._access_token = access_token
        self.session = session or requests.Session()
        self._client = None
        self._lock = threading.Lock()
        self.api_calls = 0

    def _connect(self) -> Salesforce:
        with self._lock:
            if self._client is None:
                self._client = Salesforce(
                    instance_url=self.instance_url,
                    session_id=self._access_token,
                    version=self.api_version,
                    session=self.session,
                    object_pairs_hook=dict,
                )
            return self._client
