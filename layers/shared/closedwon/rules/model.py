"""A mapping rule (docs/mapping.md §7.1): one source, optional modifiers, compiled once.

A rule is validated and its JMESPath expressions compiled when the mapping config is parsed (cold
start), so a broken expression is a config error before any deal is read.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

if TYPE_CHECKING:
    from jmespath.parser import ParsedResult

#: How a value is sent to NetSuite (§7.1 ``type``).
RuleType = Literal["text", "select", "multiselect", "checkbox", "date", "integer", "decimal"]
RULE_TYPES: tuple[str, ...] = RuleType.__args__  # type: ignore[attr-defined]

#: A scalar a rule may produce or match.
Scalar = str | int | float | bool

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Rule(BaseModel):
    """Where a NetSuite field's value comes from. Exactly one of ``from``, ``value``,
    ``template``; ``map`` or ``lookup`` translate the ``from`` value (one of them at most)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str | None = Field(default=None, alias="from")
    value: Scalar | list[Scalar] | None = None
    template: str | None = None
    map: dict[str, Scalar] | None = None
    lookup: str | None = None
    default: Scalar | None = None
    required: bool = False
    type: RuleType | None = None

    _expression: ParsedResult | None = PrivateAttr(default=None)
    _placeholders: tuple[tuple[str, ParsedResult], ...] = PrivateAttr(default=())

    @field_validator("map", mode="before")
    @classmethod
    def _map_keys(cls, v: Any) -> Any:
        return rendered_keys(v) if isinstance(v, dict) else v

    @model_validator(mode="after")
    def _one_source(self) -> Rule:
        given = [s for s in ("from_", "value", "template") if getattr(self, s) is not None]
        if len(given) != 1:
            raise ValueError(
                "a rule needs exactly one of 'from', 'value' or 'template'"
                + (f" (it has {', '.join(g.rstrip('_') for g in given)})" if given else "")
            )
        if self.map is not None and self.lookup is not None:
            raise ValueError("a rule has 'map' or 'lookup', not both")
        if (self.map is not None or self.lookup is not None) and self.from_ is None:
            raise ValueError("'map' and 'lookup' translate a 'from' value")
        return self

    def model_post_init(self, context: Any, /) -> None:
        if self.from_ is not None:
            self._expression = _compile(self.from_)
        if self.template is not None:
            found = _PLACEHOLDER.findall(self.template)
            if not found:
                raise ValueError("a template needs at least one {path} placeholder")
            self._placeholders = tuple((p, _compile(p)) for p in found)

    @property
    def expressions(self) -> tuple[ParsedResult, ...]:
        """Every compiled expression of the rule (its ``from`` or its template placeholders)."""
        if self._expression is not None:
            return (self._expression,)
        return tuple(e for _, e in self._placeholders)

    @property
    def source_text(self) -> str:
        """The rule's source as written, for error messages."""
        if self.from_ is not None:
            return self.from_
        if self.template is not None:
            return f"template '{self.template}'"
        return "value"


def rendered_keys(table: dict[Any, Any]) -> dict[Any, Any]:
    """A ``map``/``lookup`` table keyed by trimmed JSON-rendered strings, so YAML keys like
    ``true`` or ``10`` match the Salesforce values ``true`` and ``10`` (§7.1)."""
    return {_key(k): v for k, v in table.items()}


def _key(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, separators=(",", ":"), default=str)


def _compile(expression: str) -> ParsedResult:
    # Imported on the first rule, so a config without rules does not pay for the parser.
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise ValueError(f"'{expression}' is not a JMESPath expression: {exc}") from None
