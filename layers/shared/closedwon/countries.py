"""ISO 3166 country resolution (pycountry knows the countries; we don't hand-write a table)."""

from __future__ import annotations

import functools

# Names Salesforce users commonly type that pycountry's fuzzy-free lookup does not know.
_ALIASES = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "UNITED STATES OF AMERICA": "US",
    "UK": "GB",
    "U.K.": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "SOUTH KOREA": "KR",
    "NORTH KOREA": "KP",
    "RUSSIA": "RU",
    "VIETNAM": "VN",
    "IRAN": "IR",
    "BOLIVIA": "BO",
    "VENEZUELA": "VE",
    "TANZANIA": "TZ",
    "SYRIA": "SY",
    "TAIWAN": "TW",
    "CZECH REPUBLIC": "CZ",
    "TURKEY": "TR",
    "HOLLAND": "NL",
    "THE NETHERLANDS": "NL",
}


@functools.lru_cache(maxsize=512)
def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a code (alpha-2/alpha-3) or an English name; None if unknown."""
    text = value.strip()
    if not text or len(text) > 100:
        return None
    upper = text.upper()
    if upper in _ALIASES:
        return _ALIASES[upper]
    import pycountry  # only LoadDeal validates addresses: keep it out of the other cold starts

    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(country.alpha_2)
