"""Property: the validator answers any spoiled deal with a Deal or a capped InvalidDeal (issue 13).

Hypothesis replaces up to four fields of a valid deal source (as the Salesforce reader returns
it) with arbitrary JSON values (text, integers of any size, non-finite floats, nested lists and
objects, malformed ids and dates), writes personal values into personal fields (names, e-mail,
phone, address parts), and may close a RequiredBy cycle. The invariants, for every example:

- ``skip_reason`` and ``product_codes`` answer without raising;
- ``build_deal`` returns a Deal or raises InvalidDeal; no other exception type escapes;
- every problem names its field (``path: text``) and is at most PROBLEM_LIMIT characters;
- no personal value appears in any problem.

Pure: no I/O, so it runs many more examples than the end-to-end property
(tests/e2e/test_hostile_properties.py).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closedwon.deal import Deal, build_deal, product_codes, skip_reason
from closedwon.deal.problems import PROBLEM_LIMIT
from closedwon.errors import InvalidDeal
from tests.unit.test_deal_hostile_values import BASE, CONFIG, HOSTILE, ITEMS, TARGETS

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(HOSTILE),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)

#: (record, field) of the deal source that hold personal data.
PERSONAL_TARGETS = [
    ("account", name)
    for name in (
        "Phone",
        "BillingStreet",
        "BillingCity",
        "BillingState",
        "BillingPostalCode",
        "BillingCountry",
        "ShippingStreet",
        "ShippingCountry",
    )
] + [("contact", name) for name in ("FirstName", "LastName", "Email", "Phone")]


def records_of(source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    opp = source["opportunity"]
    return {
        "line": source["lines"][1],
        "quote": opp["SBQQ__PrimaryQuote__r"],
        "opportunity": opp,
        "account": opp["Account"],
        "contact": opp["SBQQ__PrimaryQuote__r"]["SBQQ__PrimaryContact__r"],
    }


def role_contacts(source: dict[str, Any]) -> list[dict[str, Any]]:
    """The Contact of each contact role, where a spoiled field has not replaced the structure."""
    roles = source["opportunity"].get("OpportunityContactRoles")
    records = roles.get("records") if isinstance(roles, dict) else None
    if not isinstance(records, list):
        return []
    contacts = (r.get("Contact") for r in records if isinstance(r, dict))
    return [c for c in contacts if isinstance(c, dict)]


@st.composite
def spoiled_sources(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    source = copy.deepcopy(BASE)
    records = records_of(source)
    for target, name in draw(st.lists(st.sampled_from(TARGETS), max_size=4)):
        records[target][name] = draw(JSON_VALUES)
    markers = []
    chosen = draw(st.lists(st.sampled_from(PERSONAL_TARGETS), max_size=4, unique=True))
    for index, (target, name) in enumerate(chosen):
        marker = f"Pii{draw(st.integers(10_000, 99_999))}q{index}"
        markers.append(marker)
        shape = draw(
            st.sampled_from(
                [
                    "{m}",
                    "{m}@",
                    "not an e-mail {m}",
                    "{m} Main Street\nSuite 200",
                    "{m}\n",
                    "+1 {m}",
                ]
            )
        )
        value = shape.format(m=marker) * draw(st.sampled_from([1, 1, 5_000]))
        records[target][name] = value
        if target == "contact":
            for role in role_contacts(source):
                role[name] = value
    if draw(st.booleans()):
        source["lines"][0]["SBQQ__RequiredBy__c"] = source["lines"][1]["Id"]
    return source, markers


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spoiled=spoiled_sources())
def test_given_any_spoiled_deal_when_validated_then_a_deal_or_capped_problems_quoting_no_personal_data(
    spoiled: tuple[dict[str, Any], list[str]],
) -> None:
    source, markers = spoiled
    skip_reason(source, CONFIG)
    product_codes(source)
    try:
        result = build_deal(source, ITEMS, CONFIG)
    except InvalidDeal as exc:
        assert exc.problems
        for problem in exc.problems:
            assert len(problem) <= PROBLEM_LIMIT, problem[:200]
            assert ": " in problem, problem
            for marker in markers:
                assert marker not in problem, (marker, problem[:300])
    else:
        assert isinstance(result, Deal)
