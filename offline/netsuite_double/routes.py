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

from . import errors, suiteql
from .auth import TOKEN_PATH, Authenticator, TokenError
from .errors import ERROR_CONTENT_TYPE, NetSuiteError
from .records import ReadOptions, RecordService, WriteOptions
from .render import COLLECTION, RECORD_PATH, SINGULAR

QUERY_PATH = "/services/rest/query/v1/suiteql"
_RECORD = re.compile(rf"^{RECORD_PATH}/(?P<type>[^/]+)(?:/(?P<key>[^/]+)(?:/(?P<sub>[^/]+))?)?/?$")
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_PAGE = 1000


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
    kind: str  # "token", "suiteql", "record", "unknown"
    stats_key: str
    record_type: str | None = None
    key: str | None = None
    sublist: str | None = None
    is_write: bool = False


def route(method: str, path: str, service: RecordService) -> Route:
    if path == TOKEN_PATH:
        return Route("token", f"{method} token")
    if path == QUERY_PATH:
        return Route("suiteql", f"{method} suiteql")
    match = _RECORD.match(path)
    if not match:
        return Route("unknown", f"{method} unknown")
    raw = unquote(match["type"])
    record_type = service.canonical_type(raw)
    return Route(
        "record",
        f"{method} {record_type or raw}",
        record_type=record_type,
        key=unquote(match["key"]) if match["key"] else None,
        sublist=unquote(match["sub"]) if match["sub"] else None,
        is_write=method in _WRITE_METHODS,
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
    def __init__(self, service: RecordService, authenticator: Authenticator) -> None:
        self.service = service
        self.auth = authenticator

    def handle(self, request: Request, target: Route) -> Response:
        if target.kind == "suiteql":
            if request.method != "POST":
                raise errors.method_not_allowed()
            return self.suiteql(request)
        if target.kind == "record":
            if target.record_type is None:
                raise errors.not_found(
                    f"Record type '{target.stats_key.split()[-1]}' does not exist."
                )
            return self.record(request, target)
        raise errors.not_found("The requested resource does not exist.")

    # --- records ----------------------------------------------------------------------------------

    def _location(self, request: Request, record_type: str, rid: str) -> Response:
        href = f"{request.base_url}{RECORD_PATH}/{record_type}/{rid}"
        return Response(204, {"Location": href})

    def record(self, request: Request, target: Route) -> Response:
        service, method = self.service, request.method
        record_type, key = target.record_type or "", target.key
        if target.sublist is not None:
            if method != "GET" or key is None:
                raise errors.method_not_allowed()
            body = service.get_sublist(record_type, key, target.sublist, request.base_url)
            return Response.json(200, body, COLLECTION)
        if method == "GET":
            if key is None:
                limit, offset = _page(request)
                listing = service.list(
                    record_type, request.base_url, limit, offset, request.param("q")
                )
                return Response.json(200, listing, COLLECTION)
            fields = request.param("fields")
            opts = ReadOptions(
                expand=request.flag("expandSubResources"),
                fields={f.strip() for f in fields.split(",") if f.strip()} if fields else None,
                simple_enums=request.flag("simpleEnumFormat"),
            )
            record = service.get(record_type, key, request.base_url, opts)
            return Response.json(200, record, SINGULAR)
        if method == "DELETE" and key is not None:
            service.delete(record_type, key)
            return Response(204)
        write = WriteOptions(
            strict_names=request.headers.get("x-netsuite-propertynamevalidation", "").lower()
            == "error",
            replace={n.strip() for n in (request.param("replace") or "").split(",") if n.strip()},
            replace_selected=request.flag("replaceSelectedFields"),
        )
        if method == "POST" and key is None:
            rid = service.create(record_type, _json_body(request), write)
        elif method == "PUT" and key is not None:
            if not key.startswith("eid:") or len(key) == 4:
                raise errors.bad_request(
                    "Upsert requires an external ID in the URL (eid:<externalId>).",
                    "INVALID_REQUEST",
                )
            rid = service.upsert(record_type, key[4:], _json_body(request), write)
        elif method == "PATCH" and key is not None:
            rid = service.update(record_type, key, _json_body(request), write)
        else:
            raise errors.method_not_allowed()
        return self._location(request, record_type, rid)

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
        links = [{"rel": "self", "href": f"{href}?limit={limit}&offset={offset}"}]
        if has_more:
            links.append({"rel": "next", "href": f"{href}?limit={limit}&offset={offset + limit}"})
        payload = {
            "links": links,
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
