"""URL routing and the REST endpoints: record CRUD, SuiteQL, OAuth 2.0 token (docs/reference/netsuite.md §1, §3.3, §4).

Transport-free: a :class:`Request` in, a :class:`Response` out (or a ``NetSuiteError``), so the
HTTP layer only deals with sockets, concurrency and faults.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from . import errors, jobs, suiteql
from .auth import TOKEN_PATH, Authenticator, TokenError
from .behaviour import Behaviour
from .errors import ERROR_CONTENT_TYPE, NetSuiteError
from .governance import GOVERNANCE_PATH, governance_limits
from .records import ReadOptions, RecordService, WriteOptions
from .render import COLLECTION, RECORD_PATH, SINGULAR, page_links

QUERY_PATH = "/services/rest/query/v1/suiteql"
_RECORD = re.compile(rf"^{RECORD_PATH}/(?P<type>[^/]+)(?:/(?P<key>[^/]+)(?:/(?P<sub>[^/]+))?)?/?$")
_JOB = re.compile(
    rf"^{jobs.ASYNC_PATH}/(?P<job>[^/]+)(?:/(?P<task>task)(?:/(?P<tid>[^/]+)(?:/(?P<result>result))?)?)?/?$"
)
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_PAGE = 1000

# The query parameters each operation takes (O:section_1545141500 expandSubResources,
# O:section_1545141947 fields, O:section_1545142146 simpleEnumFormat, O:section_156414087576 and
# O:section_1545222128 limit/offset/q, O:section_1545142173 replace/replaceSelectedFields,
# O:section_157909186990 SuiteQL limit/offset). Any other is refused, naming it in
# ``o:errorQueryParam`` (O:section_156570709583).
_RECORD_GET_PARAMS = frozenset({"expandSubResources", "fields", "simpleEnumFormat"})
_LIST_PARAMS = frozenset({"limit", "offset", "q"})
_WRITE_PARAMS = frozenset({"replace", "replaceSelectedFields"})
_SUITEQL_PARAMS = frozenset({"limit", "offset"})
_BOOLEAN_PARAMS = frozenset({"expandSubResources", "simpleEnumFormat", "replaceSelectedFields"})
# X-NetSuite-PropertyNameValidation values; ``warning`` is the default (O:section_156570709583).
_NAME_VALIDATION = ("ignore", "warning", "error")
PROPERTY_VALIDATION_HEADER = "X-NetSuite-PropertyValidation"


@dataclass
class Request:
    method: str
    path: str  # without the query string, as sent
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host[:port] the client addressed

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def prefers(self, token: str) -> bool:
        """Whether the RFC 7240 ``Prefer`` header carries ``token``."""
        values = (
            p.split(";")[0].strip().lower() for p in self.headers.get("prefer", "").split(",")
        )
        return token in values


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, content_type: str) -> Response:
        return cls(status, {"Content-Type": content_type}, json.dumps(payload).encode())

    @classmethod
    def error(cls, exc: NetSuiteError) -> Response:
        return cls.json(exc.status, exc.body, ERROR_CONTENT_TYPE)


@dataclass
class Route:
    kind: str  # "token", "suiteql", "record", "job", "unknown"
    stats_key: str
    record_type: str | None = None
    key: str | None = None
    sublist: str | None = None
    is_write: bool = False
    item_type: str | None = None  # the item subtype named in the URL (table ``item``)
    job: re.Match[str] | None = None


def route(method: str, path: str, service: RecordService) -> Route:
    if path == TOKEN_PATH:
        return Route("token", f"{method} token")
    if path == QUERY_PATH:
        return Route("suiteql", f"{method} suiteql")
    if path == GOVERNANCE_PATH:
        return Route("governance", f"{method} governanceLimits")
    if job := _JOB.match(path):
        return Route("job", f"{method} job", job=job)
    match = _RECORD.match(path)
    if not match:
        return Route("unknown", f"{method} unknown")
    raw = unquote(match["type"])
    resolved = service.rest_type(raw)
    record_type, item_type = resolved if resolved else (None, None)
    return Route(
        "record",
        f"{method} {item_type or record_type or raw}",
        record_type=record_type,
        key=unquote(match["key"]) if match["key"] else None,
        sublist=unquote(match["sub"]) if match["sub"] else None,
        is_write=method in _WRITE_METHODS,
        item_type=item_type,
    )


def _json_body(request: Request) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise errors.malformed() from None


def _int_param(request: Request, name: str, default: int) -> int:
    text = request.param(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise errors.invalid_parameter(
            f"Invalid value for the query parameter {name}: {text}.", errorQueryParam=name
        ) from None


def _check_params(request: Request, allowed: frozenset[str]) -> None:
    for name, value in request.query:
        if name not in allowed:
            raise errors.invalid_parameter(
                f"Invalid query parameter name: {name}. Allowed parameters are: "
                f"{', '.join(sorted(allowed)) or 'none'}.",
                errorQueryParam=name,
            )
        if name in _BOOLEAN_PARAMS and value.lower() not in ("true", "false"):
            raise errors.invalid_parameter(
                f"Invalid value for the query parameter {name}: {value}. Use true or false.",
                errorQueryParam=name,
            )


def _name_validation(request: Request) -> str:
    value = request.headers.get("x-netsuite-propertynamevalidation", "warning").strip().lower()
    if value not in _NAME_VALIDATION:
        raise errors.bad_request(
            f"Invalid value for the header X-NetSuite-PropertyNameValidation: {value}. "
            "Use Error, Warning or Ignore.",
            "INVALID_HEADER",
            errorHeader="X-NetSuite-PropertyNameValidation",
        )
    return value


def _page(request: Request) -> tuple[int, int]:
    limit = _int_param(request, "limit", MAX_PAGE)
    offset = _int_param(request, "offset", 0)
    if not 1 <= limit <= MAX_PAGE:
        raise errors.invalid_parameter(
            f"The limit must be between 1 and {MAX_PAGE}.", errorQueryParam="limit"
        )
    if offset < 0 or offset % limit:
        raise errors.invalid_parameter(
            "The offset must be a non-negative multiple of the limit.", errorQueryParam="offset"
        )
    return limit, offset


class Application:
    def __init__(
        self,
        service: RecordService,
        authenticator: Authenticator,
        behaviour: Behaviour | None = None,
    ) -> None:
        self.service = service
        self.auth = authenticator
        self.behaviour = behaviour if behaviour is not None else service.behaviour
        self.jobs = jobs.Jobs()
        self.governance: dict[str, Any] = governance_limits(None, None)

    def handle(self, request: Request, target: Route) -> Response:
        if target.kind == "suiteql":
            if request.method != "POST":
                raise errors.method_not_allowed()
            _check_params(request, _SUITEQL_PARAMS)
            # Asynchronous execution is not offered by the query service (O:chapter_161251386312):
            # the preference is not applied, so the answer carries no Preference-Applied.
            return self.suiteql(request)
        if target.kind == "job":
            return self.job(request, target)
        if target.kind == "governance":
            if request.method != "GET":
                raise errors.method_not_allowed()
            _check_params(request, frozenset())
            return Response.json(200, self.governance, SINGULAR)
        if target.kind == "record":
            if target.record_type is None:
                raise errors.not_found(
                    f"Record type '{target.stats_key.split()[-1]}' does not exist."
                )
            if request.prefers("respond-async") or (
                self.behaviour.answer_async and target.is_write
            ):
                return self.run_async(request, target)
            return self.record(request, target)
        raise errors.not_found("The requested resource does not exist.")

    # --- asynchronous requests ------------------------------------------------------------------

    def run_async(self, request: Request, target: Route) -> Response:
        """Run the request now and answer 202 with the job that holds its response (§1.7.3)."""
        key = request.headers.get("x-netsuite-idempotency-key")
        if not key:
            return self._run_job(request, target, None)
        with self.jobs.keyed:
            return self._run_job(request, target, key)

    def _run_job(self, request: Request, target: Route, key: str | None) -> Response:
        applied = {"Preference-Applied": "respond-async"}
        earlier = self.jobs.by_key(key)
        if earlier is not None:
            location = {**applied, "Location": jobs.job_url(request.base_url, earlier)}
            return Response(
                400,
                {**location, "Content-Type": ERROR_CONTENT_TYPE},
                json.dumps(errors.idempotency_conflict(key or "").body).encode(),
            )
        try:
            result = self.record(request, target)
        except NetSuiteError as exc:
            result = Response.error(exc)
        job = self.jobs.add(result.status, result.headers, result.body, key)
        return Response(202, {**applied, "Location": jobs.job_url(request.base_url, job)})

    def job(self, request: Request, target: Route) -> Response:
        if request.method != "GET":
            raise errors.method_not_allowed()
        _check_params(request, frozenset())
        match = target.job
        job = self.jobs.get(match["job"]) if match else None
        if match is None or job is None:
            raise errors.not_found()
        base = request.base_url
        if match["task"] is None:
            return Response.json(200, jobs.job_body(base, job), SINGULAR)
        if match["tid"] is None:
            return Response.json(200, jobs.tasks_body(base, job), COLLECTION)
        if match["tid"] != job.task_id:
            raise errors.not_found()
        if match["result"] is None:
            return Response.json(200, jobs.task_body(base, job), SINGULAR)
        return Response(job.status, dict(job.headers), job.body)

    # --- records ----------------------------------------------------------------------------------

    def _location(self, request: Request, record_type: str, rid: str) -> Response:
        href = f"{request.base_url}{RECORD_PATH}/{record_type}/{rid}"
        return Response(204, {"Location": href})

    def _fields(self, request: Request, record_type: str) -> set[str] | None:
        """``fields=`` as schema names (case-insensitive); an unknown name is refused."""
        text = request.param("fields")
        if text is None:
            return None
        known = {name.lower(): name for name in self.service.schema.fields(record_type)}
        known.update({"id": "id", "links": "links"})
        names = set()
        for raw in (f.strip() for f in text.split(",")):
            if not raw:
                continue
            if raw.lower() not in known:
                raise errors.invalid_parameter(
                    f"Invalid field name in the fields query parameter: {raw}.",
                    errorQueryParam="fields",
                )
            names.add(known[raw.lower()])
        return names

    def record(self, request: Request, target: Route) -> Response:
        service, method = self.service, request.method
        record_type, key = target.record_type or "", target.key
        if target.sublist is not None:
            if method != "GET" or key is None:
                raise errors.method_not_allowed()
            _check_params(request, frozenset())
            body = service.get_sublist(record_type, key, target.sublist, request.base_url)
            return Response.json(200, body, COLLECTION)
        if method == "GET":
            if key is None:
                _check_params(request, _LIST_PARAMS)
                limit, offset = _page(request)
                listing = service.collection_page(
                    record_type, request.base_url, limit, offset, request.param("q")
                )
                return Response.json(200, listing, COLLECTION)
            _check_params(request, _RECORD_GET_PARAMS)
            fields = (
                self._fields(request, record_type)
                if service.schema.has_record(record_type)
                else None
            )
            opts = ReadOptions(
                expand=request.flag("expandSubResources"),
                fields=fields,
                simple_enums=request.flag("simpleEnumFormat"),
            )
            record = service.get(record_type, key, request.base_url, opts, target.item_type)
            return Response.json(200, record, SINGULAR)
        if method == "DELETE" and key is not None:
            _check_params(request, frozenset())
            service.delete(record_type, key)
            return Response(204)
        _check_params(request, _WRITE_PARAMS)
        validation = _name_validation(request)
        write = WriteOptions(
            strict_names=validation == "error",
            replace={n.strip() for n in (request.param("replace") or "").split(",") if n.strip()},
            replace_selected=request.flag("replaceSelectedFields"),
            warnings=[] if validation == "warning" else None,
        )
        if method == "POST" and key is None:
            rid = service.create(record_type, _json_body(request), write)
            response = self._location(request, record_type, rid)
        elif method == "PUT" and key is not None:
            if not key.startswith("eid:") or len(key) == 4:
                raise errors.bad_request(
                    "Upsert requires an external ID in the URL (eid:<externalId>).",
                    "INVALID_REQUEST",
                )
            rid = service.upsert(record_type, key[4:], _json_body(request), write)
            response = self._location(request, record_type, rid)
            if not self.behaviour.upsert_location:
                response.headers.pop("Location")
        elif method == "PATCH" and key is not None:
            rid = service.update(record_type, key, _json_body(request), write)
            response = self._location(request, record_type, rid)
        else:
            raise errors.method_not_allowed()
        if write.warnings:
            # Warnings are returned in response headers (O:section_156570709583); the header
            # name is the one Oracle's OpenAPI metadata declares, one entry per dropped name.
            response.headers[PROPERTY_VALIDATION_HEADER] = ", ".join(
                f"Unknown or read-only property ignored: {path}" for path in write.warnings
            )
        return response

    # --- SuiteQL --------------------------------------------------------------------------------

    def suiteql(self, request: Request) -> Response:
        prefer = [p.strip().lower() for p in request.headers.get("prefer", "").split(",")]
        if "transient" not in prefer:
            raise errors.bad_request(
                "SuiteQL queries require the header 'Prefer: transient'.",
                "INVALID_HEADER",
                errorHeader="Prefer",
            )
        limit, offset = _page(request)
        body = _json_body(request)
        params = body.get("params", []) if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(params, list):
            raise errors.malformed()
        query = suiteql.parse(body.get("q", ""), params)
        rows, columns = self.service.suiteql_table(query.table)
        result = suiteql.execute(query, rows, columns)
        page = result[offset : offset + limit]
        has_more = offset + limit < len(result)
        href = f"{request.base_url}{QUERY_PATH}"
        payload = {
            "links": page_links(href, limit, offset, len(result)),
            "count": len(page),
            "hasMore": has_more,
            "offset": offset,
            "totalResults": len(result),
            "items": [{"links": [], **row} for row in page],
        }
        return Response.json(200, payload, COLLECTION)

    # --- OAuth 2.0 token ------------------------------------------------------------------------

    def token(self, request: Request, own_base_url: str) -> Response:
        if request.method != "POST":
            return Response.error(errors.method_not_allowed())
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        urls = {f"{request.base_url}{TOKEN_PATH}", f"{own_base_url}{TOKEN_PATH}"}
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        try:
            payload = self.auth.issue_token(form, urls)
        except TokenError as exc:
            return Response(400, headers, json.dumps(exc.body).encode())
        return Response(200, headers, json.dumps(payload).encode())
