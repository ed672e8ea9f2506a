"""A small SuiteQL interpreter (docs/reference/netsuite.md §4, §8.6 E8).

Supported: ``SELECT <cols | *> FROM <table> [WHERE <cond> [AND <cond>]...]
[ORDER BY <col> [ASC|DESC], ...]`` where a condition is ``col = value``, ``col <> value``,
``col IN (value, ...)`` or ``col IS [NOT] NULL`` and a value is ``?`` (bound from ``params``),
a quoted string or a number. Keywords and names are case-insensitive. Rows come back with
lower-case keys, string values, NULL columns omitted.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from . import errors

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<op><>|!=|[(),=*?]))"
)
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "in",
    "is",
    "not",
    "null",
    "order",
    "by",
    "asc",
    "desc",
    "as",
    "distinct",
}


class QueryError(Exception):
    pass


def _error(detail: str) -> errors.NetSuiteError:
    return errors.invalid_parameter(
        "Invalid search query. Detailed unprocessed description follows. " + detail
    )


@dataclass
class Condition:
    column: str
    op: str  # "=", "<>", "in", "null", "notnull"
    values: list[Any] = field(default_factory=list)


@dataclass
class Query:
    columns: list[tuple[str, str]]  # (column, output key); [] means "*"
    table: str
    where: list[Condition]
    order: list[tuple[str, bool]]  # (column, descending)
    distinct: bool = False


class _Parser:
    def __init__(self, text: str, params: list[Any]) -> None:
        self.tokens = self._tokenize(text)
        self.pos = 0
        self.params = list(params)
        self.used = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, pos, text = [], 0, text.strip().rstrip(";")
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise _error(f"Search error occurred: Unexpected text at: {text[pos : pos + 20]}")
            kind = match.lastgroup or ""
            value = match.group(kind)
            if kind == "name" and value.lower() in _KEYWORDS:
                kind, value = "kw", value.lower()
            tokens.append((kind, value))
            pos = match.end()
        return tokens

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got_kind, got_value = self.peek()
        if got_kind != kind or (value is not None and got_value != value):
            expected = value or kind
            raise _error(f"Search error occurred: expected {expected} but found '{got_value}'.")
        self.pos += 1
        return got_value

    def accept(self, kind: str, value: str | None = None) -> bool:
        got_kind, got_value = self.peek()
        if got_kind == kind and (value is None or got_value == value):
            self.pos += 1
            return True
        return False

    def column(self) -> str:
        name = self.take("name").lower()
        return name.split(".")[-1]

    def value(self) -> Any:
        kind, text = self.peek()
        self.pos += 1
        if kind == "op" and text == "?":
            if self.used >= len(self.params):
                raise _error("Search error occurred: Not enough parameters for the query.")
            self.used += 1
            return self.params[self.used - 1]
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return text
        raise _error(f"Search error occurred: Unexpected value '{text}'.")

    def parse(self) -> Query:
        self.take("kw", "select")
        distinct = self.accept("kw", "distinct")
        columns: list[tuple[str, str]] = []
        if not self.accept("op", "*"):
            while True:
                column = self.column()
                alias = column
                if self.accept("kw", "as") or self.peek()[0] == "name":
                    alias = self.take("name").lower()
                columns.append((column, alias))
                if not self.accept("op", ","):
                    break
        self.take("kw", "from")
        table = self.take("name").lower()
        if self.peek()[0] == "name":
            self.pos += 1  # table alias
        where = []
        if self.accept("kw", "where"):
            where.append(self.condition())
            while self.accept("kw", "and"):
                where.append(self.condition())
        order = []
        if self.accept("kw", "order"):
            self.take("kw", "by")
            while True:
                column = self.column()
                descending = self.accept("kw", "desc")
                if not descending:
                    self.accept("kw", "asc")
                order.append((column, descending))
                if not self.accept("op", ","):
                    break
        if self.peek()[0] != "end":
            raise _error(
                f"Search error occurred: '{self.peek()[1]}' is not supported by the offline double."
            )
        if self.used != len(self.params):
            raise _error("Search error occurred: Too many parameters for the query.")
        return Query(columns, table, where, order, distinct)

    def condition(self) -> Condition:
        column = self.column()
        if self.accept("op", "="):
            return Condition(column, "=", [self.value()])
        if self.accept("op", "<>") or self.accept("op", "!="):
            return Condition(column, "<>", [self.value()])
        if self.accept("kw", "in"):
            self.take("op", "(")
            values = [self.value()]
            while self.accept("op", ","):
                values.append(self.value())
            self.take("op", ")")
            return Condition(column, "in", values)
        if self.accept("kw", "is"):
            negate = self.accept("kw", "not")
            self.take("kw", "null")
            return Condition(column, "notnull" if negate else "null")
        raise _error(f"Search error occurred: Unsupported condition on {column}.")


def parse(text: str, params: list[Any]) -> Query:
    if not isinstance(text, str) or not text.strip():
        raise _error("Search error occurred: Empty query.")
    return _Parser(text, params).parse()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _matches(row: dict[str, str], condition: Condition) -> bool:
    value = row.get(condition.column)
    if condition.op == "null":
        return value is None
    if condition.op == "notnull":
        return value is not None
    wanted = {_text(v) for v in condition.values}
    if condition.op == "<>":
        return value is not None and value not in wanted
    return value in wanted


def execute(query: Query, rows: list[dict[str, str]], columns: set[str]) -> list[dict[str, str]]:
    """Filter, order and project ``rows`` (already lower-cased, string-valued)."""
    referenced = [c for c, _ in query.columns] + [c.column for c in query.where]
    referenced += [c for c, _ in query.order]
    for column in referenced:
        if column not in columns:
            raise _error(
                f"Search error occurred: Field '{column}' for record '{query.table}' was not found."
            )
    selected = [r for r in rows if all(_matches(r, c) for c in query.where)]
    for column, descending in reversed(query.order):
        selected.sort(key=functools.partial(_row_sort_key, column), reverse=descending)
    out = []
    for row in selected:
        if query.columns:
            item = {alias: row[c] for c, alias in query.columns if row.get(c) is not None}
        else:
            item = dict(row)
        if not (query.distinct and item in out):
            out.append(item)
    return out


def _row_sort_key(column: str, row: dict[str, str]) -> tuple[int, float, str]:
    return _sort_key(row.get(column))


def _sort_key(value: str | None) -> tuple[int, float, str]:
    if value is None:
        return (2, 0.0, "")
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
