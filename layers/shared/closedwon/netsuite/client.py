"""The NetSuite SuiteTalk REST client: every HTTP detail of talking to NetSuite lives here.

Writes are idempotent by construction (docs/reference/netsuite.md §8.1): records are upserted with
``PUT …/<type>/eid:<externalId>``, PATCHes carry the full state the integration owns, and reads
(GET, SuiteQL) change nothing. That is what makes the in-client retries below safe: repeating any
of these calls after a timeout or a 5xx converges on the same NetSuite state, never a duplicate.
This client deliberately offers no ``POST`` create, which could not be retried blindly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, overload
from urllib.parse import urlencode, urlsplit

import requests

from closedwon.errors import AuthOrConfig, Throttled, Transient
from closedwon.netsuite.auth import NetSuiteAuth, build_auth
from closedwon.netsuite.error_parsing import classify, parse_json
from closedwon.netsuite.settings import (
    GOVERNANCE_PATH,
    RECORD_PATH,
    SUITEQL_PATH,
    USER_AGENT,
    NetSuiteSettings,
)

log = logging.getLogger(__name__)

Limiter = Callable[[], AbstractContextManager[None]]

#: Oracle: letters, digits, ``_`` and ``-`` (§1.3). Anything else would need URL escaping that
#: NetSuite does not document, so it is refused before a request is made.
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]+")
_RECORD_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_INTERNAL_ID = re.compile(r"-?[0-9]+")
#: A record's URL; an asynchronous answer's ``Location`` (``…/async/v1/job/<id>``, §1.7.3) is a
#: job, and taking its number for a record id would point every reference at the wrong record.
_TRAILING_ID = re.compile(r"/record/v1/[A-Za-z][A-Za-z0-9_]*/([0-9]+)$")
_SUITEQL_MAX_PAGE = 1000


def internal_id_from_location(location: str | None) -> str | None:
    """The trailing digits of a record ``Location`` path (``…/record/v1/customer/647`` →
    ``"647"``), else None (no Location, or a job's).

    Only the digits are read: the record-type segment's casing may differ from the request's.
    """
    if not location:
        return None
    match = _TRAILING_ID.search(urlsplit(location).path.rstrip("/"))
    return match.group(1) if match else None


class NetSuiteClient:
    """A thin, retrying client for the SuiteTalk REST record and query services.

    ``limiter`` is entered around each HTTP request (the account-wide concurrency cap);
    ``before_backoff`` is called before each back-off sleep (a step holding one slot for all its
    requests gives it back meanwhile). ``calls`` and ``calls_by_route`` count requests actually sent,
    retries included, e.g. ``{"PUT customer": 1, "POST suiteql": 1}``; OAuth 2.0 token fetches
    are not REST calls and are not counted.
    """

    def __init__(
        self,
        settings: NetSuiteSettings,
        *,
        session: requests.Session | None = None,
        limiter: Limiter | None = None,
        before_backoff: Callable[[], None] | None = None,
        max_attempts: int = 3,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        auth: NetSuiteAuth | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._base_url = settings.base_url
        self._timeout = settings.timeout
        self._session = session if session is not None else requests.Session()
        self._auth = auth if auth is not None else build_auth(settings, session=self._session)
        self._limiter: Limiter = limiter if limiter is not None else contextlib.nullcontext
        self._before_backoff = before_backoff
        self._max_attempts = max_attempts
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self.calls = 0
        self.calls_by_route: Counter[str] = Counter()
        #: 429 answers seen (each retried or re-raised); reported as the NetSuiteThrottled metric.
        self.throttled = 0

    # ------------------------------------------------------------------ records

    def upsert(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> str:
        """Create or update by external id (``PUT …/eid:``); returns the internal id.

        The id is the trailing digits of ``Location``; without one, it is read back with
        ``GET …/eid:<externalId>?fields=id`` (one extra call).
        """
        response = self._request(
            "PUT",
            _eid_path(record_type, external_id),
            record_type=record_type,
            external_id=external_id,
            query=_replace_query(replace),
            body=_without_external_id(body, external_id),
        )
        internal_id = internal_id_from_location(response.headers.get("Location"))
        if internal_id is not None:
            return internal_id
        log.info("NetSuite PUT %s returned no record Location; reading the id back", record_type)
        record = self.get(record_type, external_id, fields=["id"])
        if record is None:
            raise Transient(
                f"NetSuite accepted PUT {record_type} {external_id} but cannot find it by "
                "external id yet",
                record_type=record_type,
                external_id=external_id,
            )
        return _id_of(record, f"GET {record_type} {external_id}")

    def get(
        self,
        record_type: str,
        external_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None:
        """The record with this external id, or None when NetSuite has none (404)."""
        return self._get(
            _eid_path(record_type, external_id),
            record_type=record_type,
            external_id=external_id,
            fields=fields,
            expand=expand,
        )

    def get_by_id(
        self,
        record_type: str,
        internal_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None:
        """The record with this internal id, or None when NetSuite has none (404)."""
        return self._get(
            _id_path(record_type, internal_id),
            record_type=record_type,
            internal_id=internal_id,
            fields=fields,
            expand=expand,
        )

    def create_if_absent(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> tuple[str, bool]:
        """``(internal id, created)``: an existing record is returned untouched, else upserted.

        Two executions racing here both PUT the same external id, so the record still exists
        once; the later PUT updates it with the same body.
        """
        existing = self.get(record_type, external_id, fields=["id"])
        if existing is not None:
            return _id_of(existing, f"GET {record_type} {external_id}"), False
        return self.upsert(record_type, external_id, body, replace=replace), True

    def patch(
        self,
        record_type: str,
        internal_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> None:
        """Update fields of an existing record (omitted fields stay; ``None`` clears one)."""
        self._request(
            "PATCH",
            _id_path(record_type, internal_id),
            record_type=record_type,
            internal_id=internal_id,
            query=_replace_query(replace),
            body=dict(body),
        )

    # ------------------------------------------------------------------ SuiteQL

    def suiteql(
        self,
        query: str,
        params: Sequence[str | int] = (),
        *,
        page_size: int = _SUITEQL_MAX_PAGE,
    ) -> list[dict[str, Any]]:
        """All rows of a SuiteQL query with ``?`` parameters bound from ``params``.

        Pages with ``offset`` stepping by ``page_size`` (NetSuite requires ``offset % limit ==
        0``) while ``hasMore``; each row's ``links`` is dropped. Values come back as strings and
        NULL columns are absent: read rows with ``.get()``.
        """
        if not 1 <= page_size <= _SUITEQL_MAX_PAGE:
            raise ValueError(f"page_size must be between 1 and {_SUITEQL_MAX_PAGE}")
        payload: dict[str, Any] = {"q": query}
        if params:
            payload["params"] = list(params)
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            response = self._request(
                "POST",
                SUITEQL_PATH,
                record_type="suiteql",
                query={"limit": str(page_size), "offset": str(offset)},
                body=payload,
                prefer="transient",
            )
            page = _json_object(response, "POST suiteql")
            items = page.get("items") or []
            rows.extend(
                {key: value for key, value in item.items() if key != "links"}
                for item in items
                if isinstance(item, dict)
            )
            if not page.get("hasMore"):
                return rows
            if not items:
                raise Transient("NetSuite SuiteQL answered hasMore with an empty page")
            offset += page_size

    def governance_limits(self) -> dict[str, Any]:
        """The account's and this integration's concurrency limits (administrator roles only;
        Oracle, "Checking Concurrency Limits", article_0625010817)."""
        response = self._request("GET", GOVERNANCE_PATH, record_type="governanceLimits")
        return _json_object(response, "GET governanceLimits")

    # ------------------------------------------------------------------ HTTP

    def _get(
        self,
        path: str,
        *,
        record_type: str,
        external_id: str | None = None,
        internal_id: str | None = None,
        fields: Sequence[str] | None,
        expand: bool,
    ) -> dict[str, Any] | None:
        query: dict[str, str] = {}
        if fields:
            query["fields"] = ",".join(fields)
        if expand:
            query["expandSubResources"] = "true"
        response = self._request(
            "GET",
            path,
            record_type=record_type,
            external_id=external_id,
            internal_id=internal_id,
            query=query,
            not_found_is_none=True,
        )
        if response is None:
            return None
        return _json_object(response, f"GET {record_type}")

    @overload
    def _request(
        self,
        method: str,
        path: str,
        *,
        record_type: str,
        external_id: str | None = ...,
        internal_id: str | None = ...,
        query: Mapping[str, str] | None = ...,
        body: Mapping[str, Any] | None = ...,
        prefer: str | None = ...,
        not_found_is_none: Literal[False] = ...,
    ) -> requests.Response: ...

    @overload
    def _request(
        self,
        method: str,
        path: str,
        *,
        record_type: str,
        external_id: str | None = ...,
        internal_id: str | None = ...,
        query: Mapping[str, str] | None = ...,
        body: Mapping[str, Any] | None = ...,
        prefer: str | None = ...,
        not_found_is_none: Literal[True],
    ) -> requests.Response | None: ...

    def _request(
        self,
        method: str,
        path: str,
        *,
        record_type: str,
        external_id: str | None = None,
        internal_id: str | None = None,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        prefer: str | None = None,
        not_found_is_none: bool = False,
    ) -> requests.Response | None:
        """Send with retries; the 2xx response, None for a tolerated 404, or a taxonomy error.

        Throttled and Transient are retried up to ``max_attempts`` in all, then re-raised for
        Step Functions to retry later. A 401 is retried once after ``auth.invalidate()`` (a new
        OAuth 2.0 token, or a fresh TBA nonce) and does not use up an attempt.
        """
        route = f"{method} {record_type}"
        url = self._base_url + path
        if query:
            url += "?" + urlencode(query, safe=",")
        headers = {
            "Accept": "application/json",
            "X-NetSuite-PropertyNameValidation": "error",
            "User-Agent": USER_AGENT,
        }
        data: bytes | None = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
        if prefer:
            headers["Prefer"] = prefer

        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            try:
                response = self._send(method, url, route, headers, data, attempt)
                status = response.status_code
                if status == 401 and not reauthenticated:
                    reauthenticated = True
                    attempt -= 1
                    log.warning(
                        "NetSuite %s answered 401; retrying once with new credentials", route
                    )
                    self._auth.invalidate()
                    continue
                if 200 <= status < 300:
                    return response
                if status == 404 and not_found_is_none:
                    return None
                raise classify(
                    response,
                    method=method,
                    record_type=record_type,
                    external_id=external_id,
                    internal_id=internal_id,
                )
            except (Throttled, Transient) as exc:
                if isinstance(exc, Throttled):
                    self.throttled += 1
                if attempt >= self._max_attempts:
                    log.warning(
                        "NetSuite %s failed (%s) on attempt %d/%d; giving up",
                        route,
                        _reason(exc),
                        attempt,
                        self._max_attempts,
                    )
                    raise
                delay = self._backoff(attempt, exc)
                log.warning(
                    "NetSuite %s failed (%s) on attempt %d/%d; retrying in %.2f s",
                    route,
                    _reason(exc),
                    attempt,
                    self._max_attempts,
                    delay,
                )
                if self._before_backoff is not None:
                    self._before_backoff()
                self._sleep(delay)

    def _send(
        self,
        method: str,
        url: str,
        route: str,
        headers: dict[str, str],
        data: bytes | None,
        attempt: int,
    ) -> requests.Response:
        # Token work happens before the limiter: it is not a REST call and must not hold a slot.
        self._auth.prepare()
        with self._limiter():
            self.calls += 1
            self.calls_by_route[route] += 1
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                raise Transient(
                    f"NetSuite did not answer {route} ({type(exc).__name__})",
                    route=route,
                    cause=type(exc).__name__,
                ) from exc
        log.debug(
            "NetSuite %s -> %s in %.0f ms (attempt %d)",
            route,
            response.status_code,
            (time.monotonic() - started) * 1000,
            attempt,
        )
        return response

    def _backoff(self, attempt: int, exc: Throttled | Transient) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**(attempt-1))), or Retry-After, capped."""
        if isinstance(exc, Throttled) and exc.retry_after is not None:
            return min(exc.retry_after, self._backoff_cap_s)
        ceiling = min(self._backoff_cap_s, self._backoff_base_s * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)


def _reason(exc: Throttled | Transient) -> str:
    """What went wrong, for logs: ``HTTP 503`` or the network error's class name."""
    status = exc.context.get("status")
    return f"HTTP {status}" if status is not None else str(exc.context.get("cause", "error"))


def _eid_path(record_type: str, external_id: str) -> str:
    _check_record_type(record_type)
    if not _EXTERNAL_ID.fullmatch(external_id):
        raise ValueError(
            f"external id {external_id!r} for {record_type} must be letters, digits, _ and - only"
        )
    return f"{RECORD_PATH}/{record_type}/eid:{external_id}"


def _id_path(record_type: str, internal_id: str) -> str:
    _check_record_type(record_type)
    if not _INTERNAL_ID.fullmatch(str(internal_id)):
        raise ValueError(f"internal id {internal_id!r} for {record_type} must be a number")
    return f"{RECORD_PATH}/{record_type}/{internal_id}"


def _check_record_type(record_type: str) -> None:
    if not _RECORD_TYPE.fullmatch(record_type):
        raise ValueError(f"{record_type!r} is not a NetSuite REST record type name")


def _replace_query(replace: Sequence[str]) -> dict[str, str]:
    if isinstance(replace, str):
        replace = [replace]
    return {"replace": ",".join(replace)} if replace else {}


def _without_external_id(body: Mapping[str, Any], external_id: str) -> dict[str, Any]:
    """The body without ``externalId``: on PUT eid: the URL carries it (Oracle's own sample)."""
    payload = dict(body)
    in_body = payload.pop("externalId", None)
    if in_body is not None and in_body != external_id:
        raise ValueError(f"body externalId {in_body!r} differs from the URL's {external_id!r}")
    return payload


def _json_object(response: requests.Response, request: str) -> dict[str, Any]:
    data = parse_json(response.content)
    if not isinstance(data, dict):
        raise AuthOrConfig(
            f"NetSuite answered {request} with HTTP {response.status_code} but no JSON object; "
            "check base_url in the NetSuite secret."
        )
    return data


def _id_of(record: Mapping[str, Any], request: str) -> str:
    value = record.get("id")
    if value is None or not _INTERNAL_ID.fullmatch(str(value)):
        raise Transient(f"NetSuite answered {request} without a record id")
    return str(value)
