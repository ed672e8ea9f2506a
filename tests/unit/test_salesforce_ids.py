"""Salesforce ids: the whole value is the id, the 18-character suffix is verified, one normal form.

Source: Salesforce SOAP API Developer Guide, "Field Types: ID" (15-character case-sensitive ids,
18-character case-safe ids whose 3-character suffix encodes the case of the first 15) and the
CASESAFEID() formula function of Salesforce Help ("Formula Operators and Functions").
"""

from __future__ import annotations

import pytest

from closedwon.salesforce_ids import is_salesforce_id, normalise_id, to_18


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
        ("a0BA0000000L2ZC", "a0BA0000000L2ZCMA0"),
        ("70130000001tcyI", "70130000001tcyIAAQ"),
        ("AAaAAbbBBBCcCCC", "AAaAAbbBBBCcCCC123"),
    ],
)
def test_given_a_15_character_id_when_normalised_then_it_gains_its_case_safe_suffix(
    id15: str, id18: str
) -> None:
    assert normalise_id(id15) == id18
    assert to_18(id15) == id18


def test_given_an_18_character_id_with_its_own_suffix_when_normalised_then_it_is_unchanged() -> (
    None
):
    assert normalise_id("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize(
    "value",
    [
        "001A0000006Vm9rAAA",  # suffix of another case pattern
        "001A0000006Vm9riac",  # the suffix lower-cased
        "001a0000006vm9rIAC",  # the 15 characters lower-cased under a valid-looking suffix
    ],
)
def test_given_an_18_character_id_with_a_wrong_suffix_then_it_is_not_an_id(value: str) -> None:
    assert normalise_id(value) is None
    assert not is_salesforce_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "001A0000006Vm9rIAC\n",
        "001A0000006Vm9r\n",
        " 001A0000006Vm9rIAC",
        "001A0000006Vm9rIAC ",
        "001A0000006 m9rIAC",
        "001A0000006Vm9rIA",
        "001A0000006Vm9",
        "",
        "001A0000006Vm9r-IAC",
    ],
)
def test_given_whitespace_or_a_wrong_length_then_it_is_not_an_id(value: str) -> None:
    assert normalise_id(value) is None


@pytest.mark.parametrize("value", [None, 1234567890123456789, ["001A0000006Vm9rIAC"], b"x" * 15])
def test_given_a_value_that_is_not_a_string_then_it_is_not_an_id(value: object) -> None:
    assert not is_salesforce_id(value)


def test_to_18_refuses_what_is_not_an_id() -> None:
    with pytest.raises(ValueError, match="is not a Salesforce id"):
        to_18("001A0000006Vm9rIAC\n")
