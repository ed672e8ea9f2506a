"""Reading NetSuite error bodies and Retry-After: never raises, whatever NetSuite (or a proxy) sends."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from closedwon.errors import SyncError
from closedwon.netsuite.error_parsing import (
    classify,
    describe,
    parse_error_body,
    parse_retry_after,
)


def response(
    status: int, content: bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    result = requests.Response()
    result.status_code = status
    result._content = content
    result.headers.update(headers or {})
    return result


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    epoch_of_date = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now=lambda: epoch_of_date) == seconds


def test_top_level_code_is_used_when_there_are_no_details() -> None:
    body = parse_error_body(json.dumps({"status": 429, "o:errorCode": "USER_ERROR"}).encode())
    assert describe(body) == "USER_ERROR"
    assert body.first.code == "USER_ERROR"


def test_nothing_readable_describes_as_empty() -> None:
    assert describe(parse_error_body(b"<html>502 Bad Gateway</html>")) == ""
    assert describe(parse_error_body(b'{"o:errorDetails": "not a list"}')) == ""


@given(content=st.binary(max_size=300))
def test_any_bytes_parse_without_raising(content: bytes) -> None:
    parse_error_body(content)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=15), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    status=st.sampled_from([400, 401, 403, 404, 409, 429, 500, 502, 503, 504]),
    details=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "detail": json_values,
                "o:errorCode": json_values,
                "o:errorPath": json_values,
            },
        ),
        max_size=3,
    ),
)
def test_any_error_shaped_body_classifies_into_the_taxonomy(
    status: int, details: list[dict[str, object]]
) -> None:
    content = json.dumps({"status": status, "o:errorDetails": details}).encode()
    error = classify(
        response(status, content), method="PUT", record_type="customer", external_id="SF-1"
    )
    assert isinstance(error, SyncError)
    assert str(error)
