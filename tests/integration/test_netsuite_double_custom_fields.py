"""The NetSuite double's custom fields: a seed declares them per record type, and they are
written, validated and read back like standard fields.

Source: NetSuite's REST metadata catalog describes an account's custom fields (custentity…,
custbody…, custrecord…) beside the standard ones, with their types, and the REST API works with
them as with standard fields (Oracle NetSuite Help, "Working with Resource Metadata",
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/chapter_1540810168.html).
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from offline.netsuite_double import NetSuiteDouble
from tests.integration.test_netsuite_double import Client, bearer_token, make_seed

CUSTOMER = {"companyName": "Acme", "subsidiary": {"id": "1"}, "currency": {"id": "1"}}
DECLARED = {
    "customer": {
        "custentity_industry": "select",
        "custentity_regions": "multiselect",
        "custentity_vip": "checkbox",
        "custentity_seats": "integer",
        "custentity_since": "date",
        "custentity_note": "text",
    }
}


@pytest.fixture
def client(tmp_path: Any) -> Any:
    double = NetSuiteDouble(tmp_path / "state", {**make_seed(), "customFields": DECLARED})
    double.start()
    yield Client(
        double.base_url, bearer_token(double.base_url, ec.generate_private_key(ec.SECP256R1()))
    )
    double.close()


def put(client: Client, eid: str, body: dict[str, Any]) -> Any:
    return client.put(f"/customer/eid:{eid}", json={**CUSTOMER, **body})


def test_given_declared_custom_fields_when_written_then_get_returns_them_like_standard_ones(
    client: Client,
) -> None:
    written = put(
        client,
        "SF-1",
        {
            "custentity_industry": {"id": "7"},
            "custentity_vip": True,
            "custentity_seats": 25,
            "custentity_since": "2026-04-01",
            "custentity_note": "key account",
        },
    )
    assert written.status_code == 204, written.text
    record = client.get("/customer/eid:SF-1").json()
    assert record["custentity_industry"]["id"] == "7"
    assert record["custentity_vip"] is True and record["custentity_seats"] == 25
    assert record["custentity_since"] == "2026-04-01"
    assert record["custentity_note"] == "key account"


def test_given_an_undeclared_custom_field_then_it_is_refused_like_an_unknown_field(
    client: Client,
) -> None:
    answer = put(client, "SF-2", {"custentity_nobody": "x"})
    assert answer.status_code == 400
    error = answer.json()["o:errorDetails"][0]
    assert error["o:errorCode"] == "INVALID_CONTENT"
    assert error["o:errorPath"] == "custentity_nobody"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("custentity_vip", "maybe"),
        ("custentity_seats", "many"),
        ("custentity_since", "01/04/2026"),
        ("custentity_industry", ["7"]),
        ("custentity_regions", "EMEA"),
    ],
)
def test_given_a_value_of_the_wrong_shape_for_the_field_type_then_it_is_invalid_content(
    client: Client, field: str, value: Any
) -> None:
    answer = put(client, "SF-3", {field: value})
    assert answer.status_code == 400
    assert answer.json()["o:errorDetails"][0]["o:errorPath"] == field


def test_given_a_custom_field_type_netsuite_does_not_have_then_the_seed_is_refused(
    tmp_path: Any,
) -> None:
    with pytest.raises(ValueError, match="type 'colour'"):
        NetSuiteDouble(tmp_path / "s", {"customFields": {"customer": {"custentity_x": "colour"}}})
