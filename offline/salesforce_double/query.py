"""SOQL evaluation: bind a parsed query to the org's schema, filter, sort and shape the records
exactly as the REST query resource returns them."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .org import DATE_RE, Child, Org, Parent, SObject, id_key, is_id, parse_datetime
from .soql import (
    Comparison,
    CountAll,
    FieldPath,
    Literal,
    Logical,
    Not,
    Query,
    malformed,
    parse,
    query_error,
)

MAX_OFFSET = 2000
_SF_TYPE_NAMES = {"datetime": "dateTime"}
_QUOTED_TYPES = frozenset({"string", "id"})
# Literal kinds each field type accepts in a filter.
_LITERAL_KINDS = {
    "id": ("string",),
    "string": ("string",),
    "boolean": ("boolean",),
    "double": ("number",),
    "date": ("date", "relative_date"),
    "datetime": ("datetime", "relative_date"),
}

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class BoundPath:
    parents: tuple[Parent, ...]
    field: str
    owner: SObject  # the sObject that has ``field``
    type: str | None


@dataclass
class BoundQuery:
    obj: SObject
    items: list[BoundPath | BoundSub] = field(default_factory=list)
    count: bool = False
    where: Predicate | None = None
    id_candidates: list[str] | None = None  # ``Id = x`` / ``Id IN (...)`` shortcut
    order: list[tuple[BoundPath, bool, bool]] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class BoundSub:
    child: Child
    query: BoundQuery


@dataclass
class QueryResult:
    records: list[Record]
    total: int
    count_only: bool


class QueryEngine:
    def __init__(self, org: Org) -> None:
        self.org = org

    def run(self, text: str, version: str) -> QueryResult:
        """Parse, validate and evaluate ``text``; raises ApiError like Salesforce would."""
        query = parse(text)
        binder = _Binder(self.org, text)
        obj = self.org.sobject(query.sobject)
        if obj is None:
            raise query_error(
                text,
                query.sobject_pos,
                "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        bound = binder.bind(query, obj)
        runner = _Runner(self.org, version)
        rows = runner.select(bound, _candidates(self.org, bound))
        if bound.count:
            return QueryResult([], len(rows), True)
        return QueryResult([runner.render(bound, r) for r in rows], len(rows), False)


def _candidates(org: Org, bound: BoundQuery) -> list[Record]:
    if bound.id_candidates is None:
        return bound.obj.records
    seen: dict[int, Record] = {}
    for value in bound.id_candidates:
        rec = org.get(bound.obj, value)
        if rec is not None:
            seen.setdefault(id(rec), rec)
    order = {id(r): i for i, r in enumerate(bound.obj.records)}
    return sorted(seen.values(), key=lambda r: order[id(r)])


# --------------------------------------------------------------------------- binding


class _Binder:
    def __init__(self, org: Org, text: str) -> None:
        self.org = org
        self.text = text

    def bind(self, query: Query, obj: SObject) -> BoundQuery:
        bound = BoundQuery(obj, limit=query.limit, offset=query.offset)
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise query_error(
                self.text,
                query.pos,
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
            )
        seen: set[str] = set()
        for item in query.select:
            if isinstance(item, CountAll):
                if len(query.select) != 1:
                    raise malformed(
                        self.text, item.pos, "COUNT() must be the only element in the SELECT list."
                    )
                bound.count = True
            elif isinstance(item, Query):
                bound.items.append(self.bind_sub(item, obj))
            else:
                path = self.path(item, obj)
                key = ".".join([p.name for p in path.parents] + [path.field]).lower()
                if key in seen:
                    raise malformed(self.text, item.pos, f"duplicate field selected: {item.dotted}")
                seen.add(key)
                bound.items.append(path)
        if query.where is not None:
            bound.where = self.condition(query.where, obj)
            bound.id_candidates = _id_shortcut(query.where)
        for order in query.order_by:
            bound.order.append((self.path(order.path, obj), order.descending, order.nulls_last))
        return bound

    def bind_sub(self, sub: Query, parent: SObject) -> BoundSub:
        child = parent.children.get(sub.sobject.lower())
        child_obj = self.org.sobject(child.sobject) if child else None
        if child is None or child_obj is None:
            raise query_error(
                self.text,
                sub.sobject_pos,
                "INVALID_TYPE",
                f"Didn't understand relationship '{sub.sobject}' in FROM part of query call. If "
                "you are attempting to use a custom relationship, be sure to append the '__r' "
                "after the custom relationship name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        if any(isinstance(i, CountAll) for i in sub.select):
            raise malformed(self.text, sub.pos, "COUNT() is not allowed in a subquery")
        return BoundSub(child, self.bind(sub, child_obj))

    def path(self, path: FieldPath, obj: SObject) -> BoundPath:
        parents: list[Parent] = []
        current = obj
        for name in path.names[:-1]:
            rel = current.parents.get(name.lower())
            target = self.org.sobject(rel.target) if rel else None
            if rel is None:
                raise query_error(
                    self.text,
                    path.pos,
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{name}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after "
                    "the custom relationship name. Please reference your WSDL or the describe "
                    "call for the appropriate names.",
                )
            if target is None:
                target = SObject(rel.target, fields={"id": "Id"}, types={"Id": "id"})
            parents.append(rel)
            current = target
        name = path.names[-1]
        canon = current.field(name)
        if canon is None:
            raise query_error(
                self.text,
                path.pos,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{current.name}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        return BoundPath(tuple(parents), canon, current, current.types.get(canon))

    def condition(self, cond: Any, obj: SObject) -> Predicate:
        if isinstance(cond, Logical):
            preds = [self.condition(c, obj) for c in cond.items]
            if cond.op == "AND":
                return lambda r: all(p(r) for p in preds)
            return lambda r: any(p(r) for p in preds)
        if isinstance(cond, Not):
            inner = self.condition(cond.item, obj)
            return lambda r: not inner(r)
        assert isinstance(cond, Comparison)
        return self.comparison(cond, obj)

    def comparison(self, cmp: Comparison, obj: SObject) -> Predicate:
        path = self.path(cmp.path, obj)
        getter = _getter(self.org, path)
        literals = cmp.value if isinstance(cmp.value, tuple) else (cmp.value,)
        for lit in literals:
            self.check_literal(path, cmp, lit)
        ftype = path.type or _literal_type(literals)
        op = cmp.op

        if op == "LIKE":
            regex = _like_regex(literals[0])
            return lambda r: (v := getter(r)) is not None and regex.fullmatch(str(v)) is not None

        if op in ("IN", "NOT IN"):
            wanted = {_norm(ftype, lit.value) for lit in literals if lit.kind != "null"}
            with_null = any(lit.kind == "null" for lit in literals)

            def member(r: Record) -> bool:
                v = getter(r)
                if v is None:
                    return with_null
                return _safe_norm(ftype, v) in wanted

            return member if op == "IN" else (lambda r: not member(r))

        lit = literals[0]
        if lit.kind == "null":
            if op == "=":
                return lambda r: getter(r) is None
            if op == "!=":
                return lambda r: getter(r) is not None
            return lambda r: False
        if lit.kind == "relative_date":
            return _relative_date_predicate(getter, ftype, op, lit)
        target = _norm(ftype, lit.value)
        compare = _OPS[op]

        def predicate(r: Record) -> bool:
            v = getter(r)
            if v is None:
                return op == "!="  # SOQL's != keeps rows whose field is null
            nv = _safe_norm(ftype, v)
            if nv is _INVALID:
                return op == "!="
            try:
                return compare(nv, target)
            except TypeError:
                return False

        return predicate

    def check_literal(self, path: BoundPath, cmp: Comparison, lit: Literal) -> None:
        """Salesforce rejects a literal whose type does not match the field's."""
        ftype = path.type
        if ftype is None or lit.kind == "null" or cmp.op == "LIKE":
            return
        allowed = _LITERAL_KINDS.get(ftype)
        if allowed is not None and lit.kind not in allowed:
            quoting = "should be" if ftype in _QUOTED_TYPES else "should not be"
            raise query_error(
                self.text,
                lit.pos,
                "INVALID_QUERY_FILTER_OPERATOR",
                f"value of filter criterion for field '{path.field}' must be of type "
                f"{_SF_TYPE_NAMES.get(ftype, ftype)} and {quoting} enclosed in quotes",
            )
        if ftype == "id" and lit.value != "" and not is_id(lit.value):
            raise query_error(
                self.text,
                lit.pos,
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid ID field: {lit.value}",
            )


def _id_shortcut(cond: Any) -> list[str] | None:
    """Ids a top-level ``Id = x`` / ``Id IN (...)`` (possibly inside an AND) narrows to."""
    items = cond.items if isinstance(cond, Logical) and cond.op == "AND" else (cond,)
    for item in items:
        if (
            isinstance(item, Comparison)
            and len(item.path.names) == 1
            and item.path.names[0].lower() == "id"
            and item.op in ("=", "IN")
        ):
            lits = item.value if isinstance(item.value, tuple) else (item.value,)
            return [str(lit.value) for lit in lits if lit.kind == "string"]
    return None


def _getter(org: Org, path: BoundPath) -> Callable[[Record], Any]:
    if not path.parents:
        name = path.field
        return lambda r: r.get(name)

    def get(r: Record) -> Any:
        cur: Record | None = r
        for rel in path.parents:
            cur = org.follow(cur, rel) if cur is not None else None
        return cur.get(path.field) if cur is not None else None

    return get


# --------------------------------------------------------------------------- values

_INVALID = object()


def _literal_type(literals: tuple[Literal, ...]) -> str | None:
    for lit in literals:
        return {
            "string": "string",
            "number": "double",
            "boolean": "boolean",
            "date": "date",
            "datetime": "datetime",
        }.get(lit.kind)
    return None


def _norm(ftype: str | None, value: Any) -> Any:
    """Comparable form of a value of a field of type ``ftype``."""
    if value is None:
        return None
    if ftype == "id":
        return id_key(str(value))
    if ftype == "string":
        return str(value).casefold()
    if ftype == "double":
        return float(value)
    if ftype == "boolean":
        return bool(value)
    if ftype == "date":
        return dt.date.fromisoformat(str(value)[:10])
    if ftype == "datetime":
        text = str(value)
        if DATE_RE.match(text):
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
        return parse_datetime(text)
    return str(value).casefold() if isinstance(value, str) else value


def _safe_norm(ftype: str | None, value: Any) -> Any:
    try:
        return _norm(ftype, value)
    except (TypeError, ValueError):
        return _INVALID


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _like_regex(lit: Literal) -> re.Pattern[str]:
    parts = []
    for i, ch in enumerate(str(lit.value)):
        if ch == "%" and i not in lit.like_escaped:
            parts.append(".*")
        elif ch == "_" and i not in lit.like_escaped:
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _relative_range(lit: Literal) -> tuple[dt.date, dt.date]:
    word, n = lit.value
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    return {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
    }[word]


def _relative_date_predicate(
    getter: Callable[[Record], Any], ftype: str | None, op: str, lit: Literal
) -> Predicate:
    start_d, end_d = _relative_range(lit)
    if ftype == "datetime":
        start: Any = dt.datetime.combine(start_d, dt.time(), dt.UTC)
        end: Any = dt.datetime.combine(end_d, dt.time(), dt.UTC)
    else:
        ftype, start, end = "date", start_d, end_d
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: start <= v < end,
        "!=": lambda v: not start <= v < end,
        "<": lambda v: v < start,
        "<=": lambda v: v < end,
        ">": lambda v: v >= end,
        ">=": lambda v: v >= start,
    }
    test = tests[op]

    def predicate(r: Record) -> bool:
        v = getter(r)
        if v is None:
            return op == "!="
        nv = _safe_norm(ftype, v)
        return nv is not _INVALID and test(nv)

    return predicate


# --------------------------------------------------------------------------- evaluation


class _Runner:
    def __init__(self, org: Org, version: str) -> None:
        self.org = org
        self.version = version
        self._children: dict[tuple[str, str], dict[str, list[Record]]] = {}

    def select(self, bound: BoundQuery, records: list[Record]) -> list[Record]:
        rows = [r for r in records if bound.where is None or bound.where(r)]
        if bound.order:
            rows.sort(key=functools.cmp_to_key(self._comparator(bound)))
        start = bound.offset or 0
        stop = None if bound.limit is None else start + bound.limit
        return rows[start:stop]

    def _comparator(self, bound: BoundQuery) -> Callable[[Record, Record], int]:
        keys = [
            (_getter(self.org, p), p.type, desc, nulls_last) for p, desc, nulls_last in bound.order
        ]

        def compare(a: Record, b: Record) -> int:
            for getter, ftype, desc, nulls_last in keys:
                va, vb = getter(a), getter(b)
                if va is None and vb is None:
                    continue
                if va is None or vb is None:
                    a_first = (va is None) != nulls_last
                    return -1 if a_first else 1
                na, nb = _sort_value(ftype, va), _sort_value(ftype, vb)
                try:
                    c = int(na > nb) - int(na < nb)
                except TypeError:
                    c = (str(na) > str(nb)) - (str(na) < str(nb))
                if c:
                    return -c if desc else c
            return 0

        return compare

    def children(self, child: Child, parent_id: str) -> list[Record]:
        key = (child.sobject, child.field)
        index = self._children.get(key)
        if index is None:
            index = {}
            obj = self.org.sobject(child.sobject)
            for rec in obj.records if obj else []:
                fk = rec.get(child.field)
                if isinstance(fk, str) and fk:
                    index.setdefault(id_key(fk), []).append(rec)
            self._children[key] = index
        return index.get(id_key(parent_id), [])

    def attributes(self, obj_name: str, rec: Record) -> dict[str, str]:
        return {
            "type": obj_name,
            "url": f"/services/data/v{self.version}/sobjects/{obj_name}/{rec['Id']}",
        }

    def render(self, bound: BoundQuery, rec: Record) -> Record:
        out: Record = {"attributes": self.attributes(bound.obj.name, rec)}
        for item in bound.items:
            if isinstance(item, BoundSub):
                rows = self.select(item.query, self.children(item.child, rec["Id"]))
                out[item.child.name] = (
                    {
                        "totalSize": len(rows),
                        "done": True,
                        "records": [self.render(item.query, r) for r in rows],
                    }
                    if rows
                    else None
                )
                continue
            target, source = out, rec
            for rel in item.parents:
                parent = self.org.follow(source, rel)
                if rel.name not in target:
                    target[rel.name] = (
                        None
                        if parent is None
                        else {"attributes": self.attributes(rel.target, parent)}
                    )
                nested = target[rel.name]
                if nested is None or parent is None:
                    break
                target, source = nested, parent
            else:
                target[item.field] = source.get(item.field)
        return out


def _sort_value(ftype: str | None, value: Any) -> Any:
    nv = _safe_norm(ftype, value)
    if nv is _INVALID:
        return str(value).casefold()
    return nv
