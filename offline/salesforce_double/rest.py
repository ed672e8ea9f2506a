"""The REST resources, independent of HTTP: one ``Request`` in, one ``Response`` out.

Composite subrequests run through the same router as top-level calls, so a query or a PATCH
behaves identically either way.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .auth import Authenticator
from .describe import describe
from .errors import ApiError, not_found
from .faults import SalesforceFaults
from .org import Org, Transaction, is_id
from .query import QueryEngine

DATA_PATH = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")
VERSIONS_PATH = re.compile(r"^/services/data/?$")
# Versions 7.0-30.0 are retired (Summer '22 and Summer '25): "If you request any resource or use
# an operation from a retired API version, REST API returns the 410:GONE error code" (Salesforce
# REST API Developer Guide, "API End-of-Life"; Knowledge article 000354473). A version newer
# than the org's release does not exist there: 404 NOT_FOUND (REST API Developer Guide, "Status
# Codes and Error Responses").
OLDEST_SUPPORTED_VERSION = (31, 0)
LATEST_VERSION = (68, 0)  # Winter '27
REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
QUERY_PATH = re.compile(r"^/(query|queryAll)/?$")
QUERY_MORE_PATH = re.compile(r"^/(query|queryAll)/([^/]+)/?$")
SOBJECT_ROW_PATH = re.compile(r"^/sobjects/([^/]+)/([^/]+)/?$")
SOBJECTS_OTHER_PATH = re.compile(r"^/sobjects(/[^/]+){1,3}/?$")
COLLECTIONS_PATH = re.compile(r"^/composite/sobjects/?$")
COMPOSITE_PATH = re.compile(r"^/composite/?$")
LIMITS_PATH = re.compile(r"^/limits/?$")
# Subrequests that count toward composite's limit of 5 "query operations or sObject Collections".
QUERY_LIKE_PATH = re.compile(r"^/(query|queryAll)(/|$)|^/composite/sobjects")
MAX_BATCH = 2000
MIN_BATCH = 200
MAX_SUBREQUESTS = 25
MAX_QUERY_SUBREQUESTS = 5
MAX_COLLECTION_RECORDS = 200
# "A user can have up to 10 query cursors open at a time"; opening another releases the oldest.
MAX_OPEN_CURSORS = 10
_LOCATOR_CHARS = string.ascii_letters + string.digits
_HALTED_ROLLBACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


@dataclass
class Request:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # keys lower-case
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable; None means no body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Cursor:
    records: list[dict[str, Any]]
    total: int
    batch: int
    endpoint: str


class _RefError(Exception):
    def __init__(self, expression: str, ref: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.ref = ref


class SalesforceApi:
    """Routing, auth, faults and call accounting. One lock serialises all requests."""

    def __init__(
        self, org: Org, auth: Authenticator, faults: Callable[[], SalesforceFaults]
    ) -> None:
        self.org = org
        self.auth = auth
        self._faults = faults
        self.engine = QueryEngine(org)
        self.lock = threading.RLock()
        self.api_calls = 0
        self.calls: list[dict[str, Any]] = []
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()

    # ----------------------------------------------------------------- entry point

    def handle(self, req: Request) -> Response:
        with self.lock:
            entry: dict[str, Any] = {"method": req.method, "path": req.path, "kind": "unknown"}
            resp = self._handle(req, entry)
            entry["status"] = resp.status
            self.calls.append(entry)
            return resp

    def _handle(self, req: Request, entry: dict[str, Any]) -> Response:
        faults = self._faults()
        if req.path.rstrip("/") == "/services/oauth2/token":
            entry["kind"] = "token"
            if faults.fail_all:
                return _unavailable()
            if req.method != "POST":
                return _error(
                    ApiError(
                        405,
                        "METHOD_NOT_ALLOWED",
                        f"HTTP Method '{req.method}' not allowed. Allowed are POST",
                    )
                )
            form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
            status, body = self.auth.token(form)
            return Response(status, body)
        if VERSIONS_PATH.match(req.path):
            entry["kind"] = "versions"  # needs no session (REST API Developer Guide, "Versions")
            if req.method != "GET":
                return _error(_method_not_allowed(req.method, ("GET",)))
            return Response(200, _versions())
        m = DATA_PATH.match(req.path)
        if m is None:
            return _error(not_found())
        version, rest = m.group(1), m.group(2) or "/"
        if (problem := _version_problem(version)) is not None:
            return _error(problem)
        entry["kind"] = _kind(req.method, rest)
        params = {k: v[-1] for k, v in parse_qs(req.query, keep_blank_values=True).items()}
        if entry["kind"] == "query":
            entry["soql"] = params.get("q")
        if faults.fail_all:
            return _unavailable()
        if not self.auth.check(req.headers.get("authorization")):
            return _error(ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid"))
        if self.api_calls >= self.org.daily_api_limit or faults.roll(faults.rate_request_limit):
            return _error(ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
        if faults.roll(faults.rate_503):
            return _unavailable()
        self.api_calls += 1
        tx = self.org.transaction()
        try:
            if entry["kind"] == "composite" and req.method == "POST":
                resp = self._composite(version, _json_body(req.body), entry, tx)
            else:
                payload = _json_body(req.body) if req.body else None
                resp = self._route(req.method, version, rest, params, req.headers, payload, tx)
        except ApiError as e:
            tx.rollback()
            resp = _error(e)
        else:
            tx.commit()
        resp.headers["Sforce-Limit-Info"] = f"api-usage={self.api_calls}/{self.org.daily_api_limit}"
        return resp

    # ----------------------------------------------------------------- router

    def _route(
        self,
        method: str,
        version: str,
        rest: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
        tx: Transaction,
    ) -> Response:
        if m := QUERY_PATH.match(rest):
            _allow(method, "GET")
            return self._query(version, m.group(1), params, headers)
        if m := QUERY_MORE_PATH.match(rest):
            _allow(method, "GET")
            return self._query_more(version, m.group(2))
        if COLLECTIONS_PATH.match(rest):
            _allow(method, "PATCH", "POST", "DELETE", "GET")
            if method != "PATCH":
                raise _not_implemented(method, rest)
            return self._collections_update(body, tx)
        if COMPOSITE_PATH.match(rest):
            _allow(method, "POST")
            raise ApiError(
                400, "INVALID_INPUT", "A composite request can't contain a composite subrequest"
            )
        if m := SOBJECT_ROW_PATH.match(rest):
            sobject, record_id = m.group(1), m.group(2)
            if record_id == "describe":
                _allow(method, "GET")
                obj = self.org.sobject(sobject)
                if obj is None:
                    raise not_found()
                access = self.org.field_access.get(obj.name, {})
                return Response(200, describe(obj, version, access))
            if record_id in ("updated", "deleted", "listviews"):
                raise _not_implemented(method, rest)
            _allow(method, "GET", "PATCH", "DELETE", "HEAD")
            if method == "GET":
                return self._get_record(version, sobject, record_id, params)
            if method == "PATCH":
                return self._patch_record(sobject, record_id, body, tx)
            raise _not_implemented(method, rest)
        if SOBJECTS_OTHER_PATH.match(rest):
            raise _not_implemented(method, rest)
        if LIMITS_PATH.match(rest):
            _allow(method, "GET")
            used = self.api_calls
            limit = self.org.daily_api_limit
            return Response(200, {"DailyApiRequests": {"Max": limit, "Remaining": limit - used}})
        raise not_found()

    # ----------------------------------------------------------------- query

    def _query(
        self, version: str, endpoint: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> Response:
        soql = params.get("q")
        if soql is None or not soql.strip():
            raise ApiError(400, "MALFORMED_QUERY", "A query string must be provided.")
        result = self.engine.run(soql, version)
        if result.count_only:
            return Response(200, {"totalSize": result.total, "done": True, "records": []})
        cursor = _Cursor(result.records, result.total, _batch_size(headers), endpoint)
        cursor_id = "01g" + "".join(secrets.choice(_LOCATOR_CHARS) for _ in range(15))
        if len(result.records) > cursor.batch:
            self._cursors[cursor_id] = cursor
            while len(self._cursors) > MAX_OPEN_CURSORS:
                self._cursors.popitem(last=False)
        return Response(200, self._page(version, cursor_id, cursor, 0))

    def _query_more(self, version: str, locator: str) -> Response:
        cursor_id, _, offset_text = locator.rpartition("-")
        cursor = self._cursors.get(cursor_id)
        if cursor is None or not offset_text.isdigit() or int(offset_text) >= len(cursor.records):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return Response(200, self._page(version, cursor_id, cursor, int(offset_text)))

    def _page(self, version: str, cursor_id: str, cursor: _Cursor, offset: int) -> dict[str, Any]:
        end = offset + cursor.batch
        page: dict[str, Any] = {"totalSize": cursor.total, "done": end >= len(cursor.records)}
        if not page["done"]:
            page["nextRecordsUrl"] = (
                f"/services/data/v{version}/{cursor.endpoint}/{cursor_id}-{end}"
            )
        page["records"] = cursor.records[offset:end]
        return page

    # ----------------------------------------------------------------- sObject rows

    def _get_record(
        self, version: str, sobject: str, record_id: str, params: Mapping[str, str]
    ) -> Response:
        obj = self.org.sobject(sobject)
        if obj is None:
            raise not_found()
        if not is_id(record_id):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        record = self.org.get(obj, record_id)
        if record is None:
            raise not_found()
        names = list(obj.fields.values())
        if params.get("fields"):
            names = []
            for name in params["fields"].split(","):
                canon = obj.field(name.strip())
                if canon is None:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{name.strip()}' on entity '{obj.name}'.",
                    )
                names.append(canon)
        body: dict[str, Any] = {
            "attributes": {
                "type": obj.name,
                "url": f"/services/data/v{version}/sobjects/{obj.name}/{record['Id']}",
            }
        }
        for name in names:
            body[name] = record.get(name)
        return Response(200, body)

    def _patch_record(self, sobject: str, record_id: str, body: Any, tx: Transaction) -> Response:
        if self.org.sobject(sobject) is None:
            raise not_found()
        if not is_id(record_id):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        fields = {k: v for k, v in body.items() if k != "attributes"}
        self._write(tx, sobject, record_id, fields)
        return Response(204)

    def _write(self, tx: Transaction, sobject: str, record_id: Any, fields: dict[str, Any]) -> str:
        faults = self._faults()
        if faults.roll(faults.rate_unable_to_lock_row):
            raise ApiError(
                400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", []
            )
        return self.org.update(tx, sobject, record_id, fields)[1]

    # ----------------------------------------------------------------- sObject Collections

    def _collections_update(self, body: Any, tx: Transaction) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "records: required list is missing")
        records = body["records"]
        if len(records) > MAX_COLLECTION_RECORDS:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more "
                f"than {MAX_COLLECTION_RECORDS} records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        savepoint = tx.savepoint()
        results: list[dict[str, Any]] = []
        failed = False
        for rec in records:
            if not isinstance(rec, dict):
                raise ApiError(400, "JSON_PARSER_ERROR", "each record must be a JSON object")
            sobject = (rec.get("attributes") or {}).get("type")
            record_id = rec.get("id", rec.get("Id"))
            fields = {k: v for k, v in rec.items() if k not in ("attributes", "id", "Id")}
            try:
                if not sobject:
                    raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.", [])
                if record_id is None:
                    raise ApiError(
                        400, "MISSING_ARGUMENT", "Id not specified in an update call", []
                    )
                item_savepoint = tx.savepoint()
                try:
                    rec_id = self._write(tx, sobject, record_id, fields)
                except ApiError:
                    tx.rollback_to(item_savepoint)
                    raise
            except ApiError as e:
                failed = True
                if e.error_code == "NOT_FOUND":
                    e = ApiError(
                        400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []
                    )
                results.append({"success": False, "errors": [e.dml_error()]})
            else:
                results.append({"id": rec_id, "success": True, "errors": []})
        if all_or_none and failed:
            tx.rollback_to(savepoint)
            rolled_back = {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
            results = [
                r if not r["success"] else {"success": False, "errors": [dict(rolled_back)]}
                for r in results
            ]
        return Response(200, results)

    # ----------------------------------------------------------------- composite

    def _composite(
        self, version: str, body: Any, entry: dict[str, Any], tx: Transaction
    ) -> Response:
        subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
        if not isinstance(subrequests, list) or not subrequests:
            raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest: required list is missing")
        if len(subrequests) > MAX_SUBREQUESTS:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                "Composite request can contain at most "
                f"{MAX_SUBREQUESTS} subrequests, found {len(subrequests)}",
            )
        seen_refs: set[str] = set()
        query_like = 0
        for sub in subrequests:
            if not isinstance(sub, dict) or not all(
                k in sub for k in ("method", "url", "referenceId")
            ):
                raise ApiError(
                    400, "JSON_PARSER_ERROR", "Each subrequest needs method, url and referenceId"
                )
            ref = sub["referenceId"]
            if not isinstance(ref, str) or not REFERENCE_ID.match(ref) or ref in seen_refs:
                raise ApiError(
                    400,
                    "INVALID_INPUT",
                    f"Invalid referenceId '{ref}': reference "
                    "ids must be unique and contain only letters, numbers and "
                    "underscores",
                )
            seen_refs.add(ref)
            path = urlsplit(str(sub["url"])).path
            m = DATA_PATH.match(path)
            sub_rest = (m.group(2) or "/") if m else ""
            if QUERY_LIKE_PATH.match(sub_rest):
                query_like += 1
        if query_like > MAX_QUERY_SUBREQUESTS:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                "Composite request can contain at most "
                f"{MAX_QUERY_SUBREQUESTS} query or sObject Collections subrequests, "
                f"found {query_like}",
            )
        all_or_none = bool(body.get("allOrNone", False))
        outputs: dict[str, Any] = {}
        responses: list[dict[str, Any]] = []
        log: list[dict[str, Any]] = []
        failed_at: int | None = None
        for i, sub in enumerate(subrequests):
            ref = sub["referenceId"]
            method = str(sub["method"]).upper()
            if failed_at is not None and all_or_none:
                resp = _error(ApiError(400, "PROCESSING_HALTED", _HALTED_ROLLBACK))
                kind = "halted"
            else:
                resp, kind = self._subrequest(method, sub, outputs, tx)
            outputs[ref] = resp.body
            log.append({"referenceId": ref, "kind": kind, "status": resp.status})
            responses.append(
                {
                    "body": resp.body,
                    "httpHeaders": resp.headers,
                    "httpStatusCode": resp.status,
                    "referenceId": ref,
                }
            )
            if resp.status >= 400 and failed_at is None:
                failed_at = i
        if all_or_none and failed_at is not None:
            tx.rollback()
            for i, item in enumerate(responses):
                if i != failed_at:
                    item.update(
                        body=_error(ApiError(400, "PROCESSING_HALTED", _HALTED_ROLLBACK)).body,
                        httpHeaders={},
                        httpStatusCode=400,
                    )
                    log[i]["status"] = 400
        entry["subrequests"] = log
        return Response(200, {"compositeResponse": responses})

    def _subrequest(
        self, method: str, sub: dict[str, Any], outputs: dict[str, Any], tx: Transaction
    ) -> tuple[Response, str]:
        try:
            url = _resolve_text(str(sub["url"]), outputs)
            parts = urlsplit(url)
            params = {
                k: _resolve_text(v[-1], outputs)
                for k, v in parse_qs(parts.query, keep_blank_values=True).items()
            }
            body = _resolve_json(sub.get("body"), outputs)
        except _RefError as e:
            return _error(
                ApiError(
                    400,
                    "PROCESSING_HALTED",
                    f"Invalid reference specified. No value for {e.expression} found in {e.ref}.",
                )
            ), "halted"
        m = DATA_PATH.match(parts.path)
        if m is None:
            return _error(not_found()), "unknown"
        rest = m.group(2) or "/"
        kind = _kind(method, rest)
        headers = {k.lower(): str(v) for k, v in (sub.get("httpHeaders") or {}).items()}
        savepoint = tx.savepoint()
        try:
            resp = self._route(method, m.group(1), rest, params, headers, body, tx)
        except ApiError as e:
            tx.rollback_to(savepoint)
            return _error(e), kind
        return resp, kind


# --------------------------------------------------------------------------- helpers


def _kind(method: str, rest: str) -> str:
    if QUERY_PATH.match(rest):
        return "query"
    if QUERY_MORE_PATH.match(rest):
        return "query_more"
    if COLLECTIONS_PATH.match(rest):
        return "collections"
    if COMPOSITE_PATH.match(rest):
        return "composite"
    if SOBJECT_ROW_PATH.match(rest):
        return {"GET": "sobject_get", "PATCH": "sobject_patch"}.get(method, "sobject_other")
    if LIMITS_PATH.match(rest):
        return "limits"
    return "unknown"


def _version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def _version_problem(version: str) -> ApiError | None:
    key = _version_key(version)
    if key < OLDEST_SUPPORTED_VERSION:
        return ApiError(
            410,
            "GONE",
            "The requested resource has been retired or removed. Delete or update any "
            "references to the resource.",
        )
    if key > LATEST_VERSION or key[1] != 0:
        return not_found()
    return None


def _versions() -> list[dict[str, str]]:
    """``GET /services/data/``: every version the org serves, oldest first."""
    return [
        {"label": _release(major), "url": f"/services/data/v{major}.0", "version": f"{major}.0"}
        for major in range(OLDEST_SUPPORTED_VERSION[0], LATEST_VERSION[0] + 1)
    ]


def _release(major: int) -> str:
    """The release that introduced an API version: three a year, 62.0 being Winter '25."""
    step = major - 62
    return f"{('Winter', 'Spring', 'Summer')[step % 3]} '{25 + step // 3:02d}"


def _method_not_allowed(method: str, allowed: tuple[str, ...]) -> ApiError:
    return ApiError(
        405,
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}",
    )


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise _method_not_allowed(method, allowed)


def _not_implemented(method: str, rest: str) -> ApiError:
    # Real Salesforce serves these; the double does not, and says so loudly.
    return ApiError(
        501,
        "NOT_IMPLEMENTED_BY_DOUBLE",
        f"{method} {rest} is not implemented by the offline Salesforce double",
    )


def _error(e: ApiError) -> Response:
    return Response(e.status, e.body())


def _unavailable() -> Response:
    return _error(ApiError(503, "SERVER_UNAVAILABLE", "Server unavailable"))


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(
            400, "JSON_PARSER_ERROR", f"Unexpected character in request body: {e}"
        ) from None


def _batch_size(headers: Mapping[str, str]) -> int:
    m = re.search(r"batchSize\s*=\s*(\d+)", headers.get("sforce-query-options", ""))
    if m is None:
        return MAX_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(m.group(1))))


def _lookup(outputs: dict[str, Any], name: str, path: str) -> Any:
    expression = name + path
    if name not in outputs:
        raise _RefError(expression, name)
    value = outputs[name]
    for step in re.findall(r"\.[A-Za-z0-9_]+|\[\d+\]", path):
        if step.startswith("["):
            index = int(step[1:-1])
            if not isinstance(value, list) or index >= len(value):
                raise _RefError(expression, name)
            value = value[index]
        else:
            key = step[1:]
            if not isinstance(value, dict):
                raise _RefError(expression, name)
            if key not in value:
                matches = [k for k in value if k.lower() == key.lower()]
                if not matches:
                    raise _RefError(expression, name)
                key = matches[0]
            value = value[key]
    if value is None or isinstance(value, dict | list):
        raise _RefError(expression, name)
    return value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _resolve_text(text: str, outputs: dict[str, Any]) -> str:
    return REFERENCE.sub(lambda m: _scalar_text(_lookup(outputs, m.group(1), m.group(2))), text)


def _resolve_json(value: Any, outputs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        if whole:
            return _lookup(outputs, whole.group(1), whole.group(2))
        return _resolve_text(value, outputs)
    if isinstance(value, list):
        return [_resolve_json(v, outputs) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_json(v, outputs) for k, v in value.items()}
    return value
