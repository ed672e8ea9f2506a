"""Validation problems and their collector.

A problem reads ``field path: what is wrong``. Each is at most :data:`PROBLEM_LIMIT` characters
(a long value is elided, never allowed to push the other problems out of the 32,000-character
Salesforce error field), and the value of a personal field (a name, an address, an e-mail, a
phone) is never quoted: the problem says which field and why instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeVar

T = TypeVar("T")

PROBLEM_LIMIT = 300
#: Characters of a value quoted in a problem before it is elided.
VALUE_LIMIT = 40

Personal = Literal["name", "address", "e-mail", "phone"]


@dataclass(frozen=True)
class Field:
    """Where a value came from: its field path, and what kind of personal data it holds, if any."""

    path: str
    personal: Personal | None = None

    def at(self, suffix: str, personal: Personal | None = None) -> Field:
        """A field below this one (``Account`` → ``Account.Name``)."""
        return Field(f"{self.path}.{suffix}", personal)

    def problem(self, text: str) -> Problem:
        """A problem that quotes no value."""
        return Problem(self.path, text)

    def bad_value(self, value: object, text: str) -> Problem:
        """A problem about ``value``: quoted (elided) unless the field holds personal data."""
        if self.personal is not None:
            return Problem(self.path, f"{text} (value not shown: {self.personal} field)")
        return Problem(self.path, f"{quoted(value)} {text}")


@dataclass(frozen=True)
class Problem:
    path: str
    text: str

    def __str__(self) -> str:
        line = f"{self.path}: {self.text}"
        return line if len(line) <= PROBLEM_LIMIT else line[: PROBLEM_LIMIT - 1] + "…"


def quoted(value: object, limit: int = VALUE_LIMIT) -> str:
    """``value`` in quotes, elided past ``limit`` characters (the length is kept)."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text):,} characters)"
    return f"'{text}'"


@dataclass
class Problems:
    """The explicit collector: every parser's problem lands here, in the order found."""

    found: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Record ``problem`` once (a quote-level field read for every line is reported once)."""
        if problem not in self.found:
            self.found.append(problem)

    def extend(self, other: Problems) -> None:
        """Record every problem of another collector."""
        for problem in other.found:
            self.add(problem)

    def take(self, parsed: T | Problem) -> T | None:
        """The parsed value, or None after recording the parser's problem."""
        if isinstance(parsed, Problem):
            self.add(parsed)
            return None
        return parsed

    def texts(self) -> list[str]:
        """Every problem as ``field path: problem`` (capped), none dropped."""
        return [str(p) for p in self.found]

    def __bool__(self) -> bool:
        return bool(self.found)


#: The roots of the field paths of the opportunity and its primary quote.
OPPORTUNITY = Field("Opportunity")
QUOTE = Field("SBQQ__Quote__c")
