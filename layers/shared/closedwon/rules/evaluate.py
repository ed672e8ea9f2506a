"""Evaluating a rule against a deal document (docs/mapping.md §7.1). Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from closedwon.rules.model import Rule
from closedwon.rules.values import CONVERTERS, ValueProblem, elements, is_empty, match_key, shown


@dataclass(frozen=True)
class Omitted:
    """An empty result with no default: the field is left out of the payload (never sent null)."""


OMITTED = Omitted()


class RuleProblem(ValueError):
    """Why a rule gives no valid value for this deal; the message follows ``<source> <problem>``."""


@dataclass(frozen=True)
class Context:
    """What every rule of one config shares: its lookup tables and the time zone of dates."""

    lookups: Mapping[str, Mapping[str, Any]]
    zone: dt.tzinfo


def evaluate(
    rule: Rule,
    document: Mapping[str, Any],
    context: Context,
    *,
    field_type: str = "text",
    limit: int | None = None,
) -> Any:
    """The NetSuite value of ``rule`` for ``document``, :data:`OMITTED`, or :class:`RuleProblem`.

    ``field_type`` is the type of the field (the rule's own ``type`` wins when it has one);
    ``limit`` is the field's ``netsuite.field_limits`` length, checked on the final value.
    """
    kind = rule.type or field_type
    raw = _source(rule, document)
    table = rule.map if rule.map is not None else _table(rule, context)
    if table is not None and not is_empty(raw):
        raw = _translated(rule, raw, table, multiple=kind == "multiselect")
    if is_empty(raw):
        if rule.default is None:
            if rule.required:
                raise RuleProblem(f"{rule.source_text} is empty")
            return OMITTED
        raw = rule.default
    try:
        value = CONVERTERS[kind](raw, context.zone)
    except ValueProblem as exc:
        raise RuleProblem(f"{rule.source_text}: {exc}") from None
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise RuleProblem(
            f"{rule.source_text} gives {len(value)} characters, the NetSuite limit is {limit}"
        )
    return value


def _source(rule: Rule, document: Mapping[str, Any]) -> Any:
    if rule.value is not None:
        return rule.value
    if rule.template is not None:
        text = rule.template
        for placeholder, expression in rule._placeholders:
            found = expression.search(document)
            text = text.replace("{" + placeholder + "}", "" if is_empty(found) else _plain(found))
        return text
    return rule.expressions[0].search(document)


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else match_key(value)


def _table(rule: Rule, context: Context) -> Mapping[str, Any] | None:
    return None if rule.lookup is None else context.lookups[rule.lookup]


def _translated(rule: Rule, raw: Any, table: Mapping[str, Any], *, multiple: bool) -> Any:
    values = elements(raw) if multiple else [raw]
    translated = []
    for value in values:
        key = match_key(value)
        if key in table:
            translated.append(table[key])
        elif rule.default is not None:
            translated.append(rule.default)
        else:
            raise RuleProblem(f"{rule.source_text} has no mapping for '{shown(value)}'")
    return translated if multiple else translated[0]
