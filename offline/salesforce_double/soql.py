"""SOQL grammar: lexer, parser and syntax tree for the subset the double answers.

::

    query      := SELECT item ("," item)* FROM name [WHERE cond]
                  [ORDER BY order ("," order)*] [LIMIT int] [OFFSET int]
    item       := COUNT "(" ")" | "(" query ")" | path
    path       := name ("." name)*
    cond       := term (AND term)* | term (OR term)*      -- mixing needs parentheses, as in SOQL
    term       := NOT term | "(" cond ")" | path op value
                | path [NOT] IN "(" value ("," value)* ")" | path LIKE string
    op         := "=" | "!=" | "<>" | "<" | ">" | "<=" | ">="
    value      := string | number | true | false | null | date | datetime
                | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS ":" int | NEXT_N_DAYS ":" int
    order      := path [ASC | DESC] [NULLS (FIRST | LAST)]

Keywords are case-insensitive. Strings are single-quoted with the backslash escapes of the SOQL
reference (the ones ``simple_salesforce.format_soql`` produces, plus ``\\uXXXX`` and, in LIKE,
``\\%`` and ``\\_``). Every node keeps its offset in the text so errors can point at it the way
Salesforce does (``ERROR at Row:r:Column:c``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

# Words that can never be a field or object name here.
RESERVED = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "NULL",
        "TRUE",
        "FALSE",
        "GROUP",
        "HAVING",
        "WITH",
        "FOR",
        "USING",
        "INCLUDES",
        "EXCLUDES",
        "TYPEOF",
    }
)
UNSUPPORTED_CLAUSES = frozenset({"GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF"})
RELATIVE_DATES = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
RELATIVE_N_DATES = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})
COMPARISON_OPS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">="})

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),.:])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Token:
    kind: str  # ident | string | number | date | datetime | op | punct | eof
    text: str  # source text (for strings: the decoded value)
    pos: int
    like_escaped: frozenset[int] = frozenset()  # indexes of \% and \_ in a decoded string

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass(frozen=True)
class FieldPath:
    names: tuple[str, ...]  # as written, e.g. ("Account", "Name")
    pos: int

    @property
    def dotted(self) -> str:
        return ".".join(self.names)


@dataclass(frozen=True)
class Literal:
    kind: str  # string | number | boolean | null | date | datetime | relative_date
    value: Any  # str | float | bool | None | (keyword, n) for relative dates
    pos: int
    text: str
    like_escaped: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Comparison:
    path: FieldPath
    op: str  # one of COMPARISON_OPS, "IN", "NOT IN", "LIKE"
    value: Literal | tuple[Literal, ...]
    pos: int


@dataclass(frozen=True)
class Logical:
    op: str  # AND | OR
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | Logical | Not


@dataclass(frozen=True)
class CountAll:
    pos: int


@dataclass(frozen=True)
class OrderItem:
    path: FieldPath
    descending: bool
    nulls_last: bool


@dataclass
class Query:
    select: list[FieldPath | CountAll | Query]
    sobject: str
    sobject_pos: int
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    pos: int = 0  # offset of SELECT (for subqueries: of the subquery)


# --------------------------------------------------------------------------- errors


def query_error(text: str, pos: int, error_code: str, message: str) -> ApiError:
    """An error pointing at ``pos`` in the SOQL text, formatted as Salesforce formats it."""
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return ApiError(
        400, error_code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{message}"
    )


def malformed(text: str, pos: int, message: str) -> ApiError:
    return query_error(text, pos, "MALFORMED_QUERY", message)


# --------------------------------------------------------------------------- lexer


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos] == "'":
            token, pos = _string(text, pos)
            tokens.append(token)
            continue
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise malformed(text, pos, f"unexpected token: '{text[pos]}'")
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "", n))
    return tokens


def _string(text: str, start: int) -> tuple[Token, int]:
    out: list[str] = []
    like_escaped: set[int] = set()
    pos = start + 1
    while pos < len(text):
        ch = text[pos]
        if ch == "'":
            return Token("string", "".join(out), start, frozenset(like_escaped)), pos + 1
        if ch == "\\":
            nxt = text[pos + 1 : pos + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                pos += 2
                continue
            if nxt in ("%", "_"):
                like_escaped.add(len(out))
                out.append(nxt)
                pos += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[pos + 2 : pos + 6]):
                out.append(chr(int(text[pos + 2 : pos + 6], 16)))
                pos += 6
                continue
            raise malformed(
                text,
                pos,
                f"Invalid string literal '{text[start:]}'. Illegal escape sequence '\\{nxt}'",
            )
        out.append(ch)
        pos += 1
    raise malformed(text, start, f"unexpected token: '{text[start:]}'")


# --------------------------------------------------------------------------- parser


def parse(text: str) -> Query:
    """Parse one SOQL statement; raises ApiError(400, MALFORMED_QUERY) on bad syntax."""
    parser = _Parser(text, tokenize(text))
    query = parser.query()
    parser.expect_eof()
    return query


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.upper in words

    def is_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == ch

    def unexpected(self, tok: Token | None = None) -> ApiError:
        tok = tok or self.tok
        if tok.kind == "eof":
            return malformed(self.text, max(tok.pos - 1, 0), "unexpected token: '<EOF>'")
        if tok.kind == "ident" and tok.upper in UNSUPPORTED_CLAUSES:
            return malformed(
                self.text,
                tok.pos,
                f"{tok.upper} is valid SOQL but not supported by the offline Salesforce double",
            )
        return malformed(self.text, tok.pos, f"unexpected token: '{tok.text}'")

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, ch: str) -> Token:
        if not self.is_punct(ch):
            raise self.unexpected()
        return self.advance()

    def expect_eof(self) -> None:
        if self.tok.kind != "eof":
            raise self.unexpected()

    def name(self) -> Token:
        tok = self.tok
        if tok.kind != "ident" or tok.upper in RESERVED:
            raise self.unexpected()
        return self.advance()

    # grammar
    def query(self) -> Query:
        start = self.expect_kw("SELECT")
        select: list[FieldPath | CountAll | Query] = [self.select_item()]
        while self.is_punct(","):
            self.advance()
            select.append(self.select_item())
        self.expect_kw("FROM")
        obj = self.name()
        if self.tok.kind == "ident" and self.tok.upper not in RESERVED:
            raise malformed(
                self.text,
                self.tok.pos,
                "object aliases are valid SOQL but not supported by the offline Salesforce double",
            )
        query = Query(select, obj.text, obj.pos, pos=start.pos)
        if self.is_kw("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.is_kw("ORDER"):
            self.advance()
            self.expect_kw("BY")
            query.order_by.append(self.order_item())
            while self.is_punct(","):
                self.advance()
                query.order_by.append(self.order_item())
        if self.is_kw("LIMIT"):
            self.advance()
            query.limit = self.integer()
        if self.is_kw("OFFSET"):
            self.advance()
            query.offset = self.integer()
        if self.tok.kind != "eof" and not self.is_punct(")"):
            raise self.unexpected()
        return query

    def integer(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not re.fullmatch(r"\d+", tok.text):
            raise self.unexpected()
        self.advance()
        return int(tok.text)

    def select_item(self) -> FieldPath | CountAll | Query:
        if self.is_kw("COUNT") and self.peek().kind == "punct" and self.peek().text == "(":
            tok = self.advance()
            self.advance()
            if not self.is_punct(")"):
                raise malformed(
                    self.text,
                    self.tok.pos,
                    "COUNT(field) aggregates are not supported by the offline Salesforce double",
                )
            self.advance()
            return CountAll(tok.pos)
        if self.is_punct("("):
            self.advance()
            sub = self.query()
            self.expect_punct(")")
            return sub
        if self.tok.kind == "ident" and self.peek().kind == "punct" and self.peek().text == "(":
            raise malformed(
                self.text,
                self.tok.pos,
                f"function {self.tok.text}() is not supported by the offline Salesforce double",
            )
        return self.path()

    def path(self) -> FieldPath:
        first = self.name()
        names = [first.text]
        while self.is_punct("."):
            self.advance()
            names.append(self.name().text)
        return FieldPath(tuple(names), first.pos)

    def order_item(self) -> OrderItem:
        path = self.path()
        descending = False
        if self.is_kw("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
        nulls_last = descending  # Salesforce default: ASC NULLS FIRST, DESC NULLS LAST
        if self.is_kw("NULLS"):
            self.advance()
            if not self.is_kw("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.advance().upper == "LAST"
        return OrderItem(path, descending, nulls_last)

    def condition(self) -> Condition:
        first = self.term()
        if not self.is_kw("AND", "OR"):
            return first
        op = self.tok.upper
        items = [first]
        while self.is_kw("AND", "OR"):
            if self.tok.upper != op:
                # SOQL refuses "a AND b OR c": the precedence must be made explicit.
                raise self.unexpected()
            self.advance()
            items.append(self.term())
        return Logical(op, tuple(items))

    def term(self) -> Condition:
        if self.is_kw("NOT"):
            self.advance()
            return Not(self.term())
        if self.is_punct("("):
            self.advance()
            cond = self.condition()
            self.expect_punct(")")
            return cond
        path = self.path()
        tok = self.tok
        if tok.kind == "op":
            self.advance()
            op = "!=" if tok.text == "<>" else tok.text
            return Comparison(path, op, self.value(), path.pos)
        if self.is_kw("LIKE"):
            self.advance()
            if self.tok.kind != "string":
                raise self.unexpected()
            return Comparison(path, "LIKE", self.value(), path.pos)
        negate = False
        if self.is_kw("NOT") and self.peek().kind == "ident" and self.peek().upper == "IN":
            self.advance()
            negate = True
        if self.is_kw("IN"):
            self.advance()
            self.expect_punct("(")
            if self.is_kw("SELECT"):
                raise malformed(
                    self.text,
                    self.tok.pos,
                    "semi-join subqueries are not supported by the offline Salesforce double",
                )
            values = [self.value()]
            while self.is_punct(","):
                self.advance()
                values.append(self.value())
            self.expect_punct(")")
            return Comparison(path, "NOT IN" if negate else "IN", tuple(values), path.pos)
        if self.is_kw("INCLUDES", "EXCLUDES"):
            raise malformed(
                self.text,
                self.tok.pos,
                "INCLUDES/EXCLUDES are not supported by the offline Salesforce double",
            )
        raise self.unexpected()

    def value(self) -> Literal:
        tok = self.tok
        if tok.kind == "string":
            self.advance()
            return Literal("string", tok.text, tok.pos, tok.text, tok.like_escaped)
        if tok.kind == "number":
            self.advance()
            return Literal("number", float(tok.text), tok.pos, tok.text)
        if tok.kind in ("date", "datetime"):
            self.advance()
            return Literal(tok.kind, tok.text, tok.pos, tok.text)
        if tok.kind == "ident":
            word = tok.upper
            if word in ("TRUE", "FALSE"):
                self.advance()
                return Literal("boolean", word == "TRUE", tok.pos, tok.text)
            if word == "NULL":
                self.advance()
                return Literal("null", None, tok.pos, tok.text)
            if word in RELATIVE_DATES:
                self.advance()
                return Literal("relative_date", (word, 0), tok.pos, tok.text)
            if word in RELATIVE_N_DATES:
                self.advance()
                self.expect_punct(":")
                n = self.integer()
                return Literal("relative_date", (word, n), tok.pos, f"{tok.text}:{n}")
        raise self.unexpected()
