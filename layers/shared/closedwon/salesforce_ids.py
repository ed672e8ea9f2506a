"""Salesforce record ids: syntax, the case-safe checksum, and the one normal form (18 characters).

An id is 15 case-sensitive alphanumeric characters, optionally followed by a 3-character suffix
that encodes the case of those 15 (Salesforce "case-safe" 18-character ids: for each block of 5
characters, a bitmap of which are upper-case letters, written in the alphabet A-Z then 0-5).
Source: Salesforce Help, "What is a Salesforce ID?" / the ``CASESAFEID()`` formula function.
Pure functions; nothing here does I/O.
"""

from __future__ import annotations

import re

_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    suffix = ""
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def normalise_id(value: object) -> str | None:
    """The 18-character form of a well-formed Salesforce id, or None when ``value`` is not one.

    The whole value must be the id (no surrounding whitespace, no trailing newline), and an
    18-character id's suffix must be the checksum of its first 15 characters.
    """
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    checksum = _checksum(value[:15])
    if len(value) == 18 and value[15:] != checksum:
        return None
    return value[:15] + checksum


def is_salesforce_id(value: object) -> bool:
    """Whether ``value`` is a well-formed 15- or 18-character Salesforce id."""
    return normalise_id(value) is not None


def to_18(sf_id: str) -> str:
    """The 18-character form of a Salesforce id; ValueError if ``sf_id`` is not one."""
    normal = normalise_id(sf_id)
    if normal is None:
        raise ValueError(f"'{str(sf_id)[:40]}' is not a Salesforce id")
    return normal
