"""NetSuiteClient against NetSuite's documented wire examples (docs/reference/netsuite.md §8.6, E1-E12).

NetSuite is played by ``responses``; the OAuth 2.0 token endpoint is mocked too, so every test
runs the real auth code. Sleeps and jitter are injected so back-off is asserted exactly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from closedwon.errors import AuthOrConfig, RejectedByNetSuite, Throttled, Transient
from closedwon.netsuite import (
    NetSuiteClient,
    NetSuiteSettings,
    TokenBasedAuth,
    clear_token_cache,
    internal_id_from_location,
)

BASE = "https://1234567-sb1.suitetalk.api.netsuite.com"
REC = f"{BASE}/services/rest/record/v1"
SUITEQL = f"{BASE}/services/rest/query/v1/suiteql"
TOKEN_URL = f"{BASE}/services/rest/auth/oauth2/v1/token"
KEY_PEM = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)
SETTINGS = NetSuiteSettings.model_validate(
    {
        "base_url": BASE,
        "account_id": "1234567_SB1",
        "oauth2": {
            "client_id": "client-1",
            "certificate_id": "cert-1",
            "private_key": KEY_PEM,
            "algorithm": "ES256",
        },
        "connect_timeout_s": 5,
        "read_timeout_s": 30,
    }
)

CUSTOMER_EID = "SF-001Ab00000XyZ12AAB"
SUBSCRIPTION_EID = "SF-SUB-006Ab00000Opp01AAA-a0qAb000000Bnd1AAA"
BILLING_EID = "SF-BA-001Ab00000XyZ12AAB-USD"

# E1 — customer upsert request body.
E1_BODY = {
    "companyName": "Acme Corp",
    "isPerson": False,
    "subsidiary": {"id": "1"},
    "currency": {"id": "1"},
    "terms": {"id": "2"},
    "email": "ap@acme.example",
    "addressBook": {
        "items": [
            {
                "defaultBilling": True,
                "defaultShipping": True,
                "label": "HQ",
                "addressBookAddress": {
                    "addr1": "1 Main St",
                    "city": "Boston",
                    "country": {"id": "US"},
                },
            }
        ]
    },
}
# E2 — read back by external id.
E2_RECORD = {
    "links": [{"rel": "self", "href": f"{REC}/customer/647"}],
    "externalId": CUSTOMER_EID,
    "id": "647",
}
# E8 — SuiteQL item look-up.
E8_PAGE = {
    "links": [{"rel": "self", "href": f"{SUITEQL}?limit=1000&offset=0"}],
    "count": 3,
    "hasMore": False,
    "offset": 0,
    "totalResults": 3,
    "items": [
        {"links": [], "id": "501", "itemid": "PP-SETUP", "externalid": "SF-01tAb000000Set1AAA"},
        {"links": [], "id": "502", "itemid": "PP-LICENSE"},
        {"links": [], "id": "503", "itemid": "PP-SEAT"},
    ],
}
# E9 — validation error (bad reference).
E9_INVALID_CONTENT = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    "title": "Bad Request",
    "status": 400,
    "o:errorDetails": [
        {
            "detail": "Error while accessing resource: You have entered an Invalid Field Value "
            "99999 for the following field: customer",
            "o:errorCode": "INVALID_CONTENT",
            "o:errorPath": "customer",
        }
    ],
}
E9_MISSING_FIELD = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    "title": "Bad Request",
    "status": 400,
    "o:errorDetails": [
        {
            "detail": "Error while accessing a resource. Please enter value(s) for: Subsidiary.",
            "o:errorCode": "USER_ERROR",
        }
    ],
}
# E10 — not found (verbatim Oracle body).
E10_NOT_FOUND = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Not Found",
    "status": 404,
    "o:errorDetails": [{"detail": "Record does not exist.", "o:errorCode": "NONEXISTENT_ID"}],
}
# E11 — throttled, server error, authentication failure (verbatim Oracle bodies).
E11_429 = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Bad Request",
    "status": 429,
    "o:errorCode": "USER_ERROR",
    "o:errorDetails": [
        {
            "detail": "Concurrent request limit exceeded. Request blocked.",
            "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
        }
    ],
}
E11_500 = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Internal Server Error",
    "status": 500,
    "o:errorDetails": [
        {
            "detail": "An unexpected error occurred. Error ID: jrgbpyylphhishmmlxyt",
            "o:errorCode": "UNEXPECTED_ERROR",
        }
    ],
}
E11_401 = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the "
            "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}
PERMISSION_ERROR = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    "title": "Bad Request",
    "status": 400,
    "o:errorDetails": [
        {
            "detail": "Your current role does not have permission to perform this action.",
            "o:errorCode": "USER_ERROR",
        }
    ],
}
ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"


def location(record_type: str, internal_id: str) -> dict[str, str]:
    return {"Location": f"{REC}/{record_type}/{internal_id}"}


def upserted(mock: responses.RequestsMock, record_type: str, external_id: str, new_id: str) -> None:
    """NetSuite answers the upsert with 204 and the record's Location (E1)."""
    url = f"{REC}/{record_type}/eid:{external_id}"
    mock.add(responses.PUT, url, status=204, headers=location(record_type, new_id))


class CeilingRng(random.Random):
    """Jitter that always picks the top of the range, so sleeps are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Recorder:
    """Records sleeps and limiter use in one timeline."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.events.append(f"sleep {seconds}")

    @contextlib.contextmanager
    def limiter(self) -> Iterator[None]:
        self.events.append("acquire")
        try:
            yield
        finally:
            self.events.append("release")


@pytest.fixture(autouse=True)
def _empty_token_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture
def ns() -> Iterator[responses.RequestsMock]:
    """NetSuite, with a token endpoint that issues token-1, token-2, ..."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        issued = iter(range(1, 100))

        def token(_: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            body = {"access_token": f"token-{next(issued)}", "expires_in": 3600}
            return 200, {}, json.dumps({**body, "token_type": "Bearer"})

        mock.add_callback(responses.POST, TOKEN_URL, callback=token)
        yield mock


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> NetSuiteClient:
    return NetSuiteClient(
        SETTINGS, limiter=recorder.limiter, sleep=recorder.sleep, rng=CeilingRng()
    )


def rest_calls(mock: responses.RequestsMock) -> list[Any]:
    return [call for call in mock.calls if call.request.url != TOKEN_URL]


def token_calls(mock: responses.RequestsMock) -> int:
    return sum(call.request.url == TOKEN_URL for call in mock.calls)


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


# ------------------------------------------------------------------ upsert (E1, E3, E5, E6)


def test_upsert_puts_to_the_external_id_and_returns_the_id_from_location(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    upserted(ns, "customer", CUSTOMER_EID, "647")

    internal_id = client.upsert("customer", CUSTOMER_EID, E1_BODY, replace=["addressBook"])

    assert internal_id == "647"
    (call,) = rest_calls(ns)
    assert call.request.method == "PUT"
    assert call.request.url == f"{REC}/customer/eid:{CUSTOMER_EID}?replace=addressBook"
    assert sent_json(call) == E1_BODY
    assert client.calls == 1


def test_upsert_keeps_external_id_out_of_the_body_without_changing_the_callers_dict(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    upserted(ns, "billingAccount", BILLING_EID, "31")
    body = {"externalId": BILLING_EID, "name": "Acme Corp - USD", "customer": {"id": "647"}}

    assert client.upsert("billingAccount", BILLING_EID, body) == "31"

    assert sent_json(rest_calls(ns)[0]) == {"name": "Acme Corp - USD", "customer": {"id": "647"}}
    assert body["externalId"] == BILLING_EID


def test_upsert_refuses_a_body_external_id_that_differs_from_the_url(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    with pytest.raises(ValueError, match="differs"):
        client.upsert("customer", CUSTOMER_EID, {"externalId": "SF-OTHER"})
    assert client.calls == 0


def test_upsert_joins_several_replaced_sublists_in_one_query_parameter(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    upserted(ns, "subscription", SUBSCRIPTION_EID, "77")
    client.upsert(
        "subscription", SUBSCRIPTION_EID, {}, replace=("subscriptionLine", "priceInterval")
    )
    assert rest_calls(ns)[0].request.url.endswith("?replace=subscriptionLine,priceInterval")


def test_upsert_without_replace_sends_no_query_string(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    upserted(ns, "contact", "SF-003Ab00000Qrs45AAC", "1201")
    assert client.upsert("contact", "SF-003Ab00000Qrs45AAC", {"firstName": "Jane"}) == "1201"
    assert "?" not in rest_calls(ns)[0].request.url


def test_location_record_type_casing_may_differ_from_the_request(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/subscriptionPlan/eid:SF-PLAN-01tAb000001BndlAAA-3f9a",
        status=204,
        headers={"Location": f"{REC}/subscriptionplan/88"},
    )
    assert client.upsert("subscriptionPlan", "SF-PLAN-01tAb000001BndlAAA-3f9a", {}) == "88"


def test_upsert_without_location_reads_the_id_back_by_external_id(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=204)
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", json=E2_RECORD)

    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"

    _, get = rest_calls(ns)
    assert get.request.method == "GET"
    assert get.request.url == f"{REC}/customer/eid:{CUSTOMER_EID}?fields=id"
    assert client.calls_by_route == {"PUT customer": 1, "GET customer": 1}


def test_upsert_location_without_a_numeric_id_also_falls_back_to_get(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/customer/eid:{CUSTOMER_EID}",
        status=204,
        headers={"Location": f"{REC}/customer/eid:{CUSTOMER_EID}"},
    )
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", json=E2_RECORD)
    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"
    assert client.calls == 2


def test_upsert_whose_record_cannot_be_read_back_is_transient(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=204)
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", status=404, json=E10_NOT_FOUND)
    with pytest.raises(Transient, match="cannot find it"):
        client.upsert("customer", CUSTOMER_EID, E1_BODY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{REC}/customer/647", "647"),
        (f"{REC}/subscriptionplan/88/", "88"),
        ("/services/rest/record/v1/priceBook/52", "52"),
        (f"{REC}/customer/647?x=1", "647"),
        (f"{REC}/customer/eid:SF-001", None),
        (f"{REC}/customer/abc647", None),
        ("https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/async/v1/job/123", None),
        ("", None),
        (None, None),
    ],
)
def test_internal_id_is_the_trailing_digits_of_the_location_path(
    value: str | None, expected: str | None
) -> None:
    assert internal_id_from_location(value) == expected


@given(record_type=st.from_regex(r"[A-Za-z]{1,20}", fullmatch=True), number=st.integers(1, 10**12))
def test_any_record_location_yields_its_number(record_type: str, number: int) -> None:
    assert internal_id_from_location(f"{REC}/{record_type}/{number}") == str(number)


@pytest.mark.parametrize("external_id", ["SF 001", "SF/001", "SF-001?x=1", "SF|001", ""])
def test_external_ids_netsuite_cannot_take_in_a_url_are_refused_before_any_call(
    ns: responses.RequestsMock, client: NetSuiteClient, external_id: str
) -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        client.get("customer", external_id)
    assert client.calls == 0


# ------------------------------------------------------------------ headers and timeouts


def test_every_request_carries_the_standard_headers_and_timeouts(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    upserted(ns, "customer", CUSTOMER_EID, "647")
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", json=E2_RECORD)
    ns.add(responses.POST, SUITEQL, json=E8_PAGE)

    client.upsert("customer", CUSTOMER_EID, E1_BODY)
    client.get("customer", CUSTOMER_EID)
    client.suiteql("SELECT id FROM item")

    put, get, query = rest_calls(ns)
    for call in (put, get, query):
        headers = call.request.headers
        assert headers["Accept"] == "application/json"
        assert headers["X-NetSuite-PropertyNameValidation"] == "error"
        assert headers["User-Agent"].startswith("closedwon/")
        assert headers["Authorization"] == "Bearer token-1"
        assert call.request.req_kwargs["timeout"] == (5.0, 30.0)
    assert put.request.headers["Content-Type"] == "application/json"
    assert query.request.headers["Content-Type"] == "application/json"
    assert "Content-Type" not in get.request.headers
    assert query.request.headers["Prefer"] == "transient"
    assert "Prefer" not in put.request.headers
    assert "Prefer" not in get.request.headers


# ------------------------------------------------------------------ get / get_by_id (E2, E6, E10)


def test_get_returns_the_record_with_fields_and_expansion_in_the_query(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    record = {"id": "77", "billingSubscriptionStatus": {"id": "DRAFT", "refName": "Draft"}}
    ns.add(responses.GET, f"{REC}/subscription/eid:{SUBSCRIPTION_EID}", json=record)

    got = client.get(
        "subscription", SUBSCRIPTION_EID, fields=["id", "billingSubscriptionStatus"], expand=True
    )

    assert got == record
    assert rest_calls(ns)[0].request.url == (
        f"{REC}/subscription/eid:{SUBSCRIPTION_EID}"
        "?fields=id,billingSubscriptionStatus&expandSubResources=true"
    )


def test_get_of_a_missing_record_is_none_and_not_retried(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    ns.add(
        responses.GET, f"{REC}/subscription/eid:{SUBSCRIPTION_EID}", status=404, json=E10_NOT_FOUND
    )
    assert client.get("subscription", SUBSCRIPTION_EID, fields=["id"]) is None
    assert client.calls == 1
    assert recorder.sleeps == []


def test_get_by_id_reads_the_internal_id_path(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.GET,
        f"{REC}/subscription/77",
        json={"id": "77"},
        content_type="application/vnd.oracle.resource+json; type=singular",
    )
    ns.add(responses.GET, f"{REC}/subscription/78", status=404, json=E10_NOT_FOUND)

    assert client.get_by_id("subscription", "77", expand=True) == {"id": "77"}
    assert client.get_by_id("subscription", "78") is None
    assert rest_calls(ns)[0].request.url == f"{REC}/subscription/77?expandSubResources=true"
    assert client.calls_by_route == {"GET subscription": 2}


def test_get_by_id_refuses_a_non_numeric_id(client: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        client.get_by_id("subscription", "eid:SF-1")


def test_a_200_that_is_not_json_points_at_base_url(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", body="<html>Sign in</html>")
    with pytest.raises(AuthOrConfig, match="base_url"):
        client.get("customer", CUSTOMER_EID)


# ------------------------------------------------------------------ create_if_absent (E6)


def test_create_if_absent_returns_the_existing_record_without_writing(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.GET, f"{REC}/subscription/eid:{SUBSCRIPTION_EID}", json={"links": [], "id": "77"}
    )

    assert client.create_if_absent("subscription", SUBSCRIPTION_EID, {"name": "x"}) == ("77", False)

    (call,) = rest_calls(ns)
    assert call.request.url == f"{REC}/subscription/eid:{SUBSCRIPTION_EID}?fields=id"
    assert client.calls_by_route == {"GET subscription": 1}


def test_create_if_absent_creates_a_missing_record(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    body = {
        "name": "Acme Corp - Platform Pro",
        "customer": {"id": "647"},
        "startDate": "2025-07-01",
    }
    ns.add(
        responses.GET, f"{REC}/subscription/eid:{SUBSCRIPTION_EID}", status=404, json=E10_NOT_FOUND
    )
    upserted(ns, "subscription", SUBSCRIPTION_EID, "77")

    assert client.create_if_absent(
        "subscription", SUBSCRIPTION_EID, body, replace=["priceInterval"]
    ) == ("77", True)

    _, put = rest_calls(ns)
    assert put.request.url == f"{REC}/subscription/eid:{SUBSCRIPTION_EID}?replace=priceInterval"
    assert sent_json(put) == body
    assert client.calls_by_route == {"GET subscription": 1, "PUT subscription": 1}


# ------------------------------------------------------------------ patch (E6, E7)


def test_patch_sends_the_body_to_the_internal_id_with_replace(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    body = {
        "subscriptionLine": {"items": [{"lineNumber": 3, "isIncluded": True}]},
        "priceInterval": {"items": [{"subscriptionPlanLineNumber": 3, "quantity": 25}]},
    }
    ns.add(
        responses.PATCH,
        f"{REC}/subscription/77",
        status=204,
        headers=location("subscription", "77"),
    )

    client.patch("subscription", "77", body, replace=["priceInterval"])

    (call,) = rest_calls(ns)
    assert call.request.url == f"{REC}/subscription/77?replace=priceInterval"
    assert sent_json(call) == body
    assert call.request.headers["Content-Type"] == "application/json"


def test_patch_of_a_missing_record_is_rejected_not_none(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.PATCH, f"{REC}/subscriptionLine/901", status=404, json=E10_NOT_FOUND)
    with pytest.raises(RejectedByNetSuite) as caught:
        client.patch("subscriptionLine", "901", {"subscriptionLineStatus": "PENDING_ACTIVATION"})
    assert caught.value.status == 404
    assert caught.value.error_code == "NONEXISTENT_ID"
    assert (
        str(caught.value)
        == "NetSuite rejected subscriptionLine #901: Record does not exist. (NONEXISTENT_ID)"
    )


# ------------------------------------------------------------------ 429 and retries (E11)


def test_429_is_retried_with_full_jitter_then_succeeds(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=429, json=E11_429)
    ns.add(responses.PUT, url, status=429, json=E11_429)
    ns.add(responses.PUT, url, status=204, headers=location("customer", "647"))

    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"

    assert recorder.sleeps == [0.5, 1.0]  # uniform(0, min(cap, base * 2**n)), n = 0, 1
    assert client.calls_by_route == {"PUT customer": 3}


def test_the_before_backoff_hook_runs_before_each_sleep_never_after_success(
    ns: responses.RequestsMock, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=429, json=E11_429)
    ns.add(responses.PUT, url, status=503)
    ns.add(responses.PUT, url, status=204, headers=location("customer", "647"))
    client = NetSuiteClient(
        SETTINGS,
        limiter=recorder.limiter,
        before_backoff=lambda: recorder.events.append("step aside"),
        sleep=recorder.sleep,
        rng=CeilingRng(),
    )

    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"

    assert recorder.events == [
        *("acquire", "release", "step aside", "sleep 0.5"),
        *("acquire", "release", "step aside", "sleep 1.0"),
        *("acquire", "release"),
    ]


def test_jitter_is_drawn_from_zero_to_the_exponential_ceiling(
    ns: responses.RequestsMock, recorder: Recorder
) -> None:
    drawn: list[tuple[float, float]] = []

    class SpyRng(random.Random):
        def uniform(self, a: float, b: float) -> float:
            drawn.append((a, b))
            return 0.123

    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", status=503)
    client = NetSuiteClient(
        SETTINGS,
        sleep=recorder.sleep,
        rng=SpyRng(),
        max_attempts=6,
        backoff_base_s=1.0,
        backoff_cap_s=10.0,
    )

    with pytest.raises(Transient):
        client.get("customer", CUSTOMER_EID)

    assert drawn == [(0, 1.0), (0, 2.0), (0, 4.0), (0, 8.0), (0, 10.0)]
    assert recorder.sleeps == [0.123] * 5


def test_429_gives_up_after_max_attempts_and_raises_throttled(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=429, json=E11_429)

    with pytest.raises(Throttled) as caught:
        client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert client.calls == 3
    assert recorder.sleeps == [0.5, 1.0]
    assert "CONCURRENCY_LIMIT_EXCEEDED" in str(caught.value)
    assert caught.value.retry_after is None


def test_retry_after_is_honoured_instead_of_jitter(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=429, json=E11_429, headers={"Retry-After": "3"})
    ns.add(responses.PUT, url, status=204, headers=location("customer", "647"))

    client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert recorder.sleeps == [3.0]


def test_a_long_retry_after_is_capped(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/customer/eid:{CUSTOMER_EID}",
        status=429,
        json=E11_429,
        headers={"Retry-After": "120"},
    )

    with pytest.raises(Throttled) as caught:
        client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert recorder.sleeps == [8.0, 8.0]
    assert caught.value.retry_after == 120.0


def test_retry_after_as_an_http_date_is_understood(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/customer/eid:{CUSTOMER_EID}",
        status=429,
        json=E11_429,
        headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    with pytest.raises(Throttled) as caught:
        client.upsert("customer", CUSTOMER_EID, E1_BODY)
    assert caught.value.retry_after == 0.0  # a date in the past means "now"
    assert recorder.sleeps == [0.0, 0.0]


def test_max_attempts_one_means_no_retry(ns: responses.RequestsMock, recorder: Recorder) -> None:
    ns.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", status=429, json=E11_429)
    client = NetSuiteClient(SETTINGS, sleep=recorder.sleep, max_attempts=1)
    with pytest.raises(Throttled):
        client.get("customer", CUSTOMER_EID)
    assert client.calls == 1
    assert recorder.sleeps == []


# ------------------------------------------------------------------ 5xx, timeouts, connection errors


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ({"status": 500, "json": E11_500}, "Error ID: jrgbpyylphhishmmlxyt"),
        ({"status": 502, "body": "<html>Bad Gateway</html>"}, "Bad Gateway"),
        ({"status": 503, "body": ""}, "HTTP 503: Service Unavailable"),
        ({"status": 504, "body": ""}, "HTTP 504"),
        ({"body": requests.ReadTimeout("read timed out")}, "ReadTimeout"),
        ({"body": requests.ConnectTimeout("connect timed out")}, "ConnectTimeout"),
        ({"body": requests.ConnectionError("connection reset")}, "ConnectionError"),
        ({"body": requests.exceptions.ChunkedEncodingError("cut")}, "ChunkedEncodingError"),
    ],
)
def test_server_errors_and_network_failures_are_transient_after_retries(
    ns: responses.RequestsMock,
    client: NetSuiteClient,
    recorder: Recorder,
    failure: dict[str, Any],
    said: str,
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", **failure)

    with pytest.raises(Transient) as caught:
        client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert said in str(caught.value)
    assert client.calls_by_route == {"PUT customer": 3}
    assert recorder.sleeps == [0.5, 1.0]


def test_a_transient_failure_then_success_returns_normally(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.GET, url, body=requests.ReadTimeout("read timed out"))
    ns.add(responses.GET, url, status=503, body="")
    ns.add(responses.GET, url, json=E2_RECORD)

    assert client.get("customer", CUSTOMER_EID) == E2_RECORD
    assert client.calls == 3
    assert recorder.sleeps == [0.5, 1.0]


# ------------------------------------------------------------------ 4xx classification (E9, E12)


def test_invalid_content_is_rejected_with_code_path_detail_and_a_readable_message(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/billingAccount/eid:{BILLING_EID}",
        status=400,
        json=E9_INVALID_CONTENT,
        content_type=ERROR_CONTENT_TYPE,
    )

    with pytest.raises(RejectedByNetSuite) as caught:
        client.upsert("billingAccount", BILLING_EID, {"customer": {"id": "99999"}})

    error = caught.value
    assert str(error) == (
        f"NetSuite rejected billingAccount {BILLING_EID}: You have entered an Invalid Field Value "
        "99999 for the following field: customer (INVALID_CONTENT at customer)"
    )
    assert error.record_type == "billingAccount"
    assert error.external_id == BILLING_EID
    assert error.status == 400
    assert error.error_code == "INVALID_CONTENT"
    assert error.error_path == "customer"
    assert error.detail == E9_INVALID_CONTENT["o:errorDetails"][0]["detail"]  # type: ignore[index]
    assert client.calls == 1
    assert recorder.sleeps == []


def test_missing_mandatory_field_is_rejected_and_names_the_field(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=400, json=E9_MISSING_FIELD)
    with pytest.raises(RejectedByNetSuite) as caught:
        client.upsert("customer", CUSTOMER_EID, {"companyName": "Acme"})
    assert str(caught.value) == (
        f"NetSuite rejected customer {CUSTOMER_EID}: Please enter value(s) for: Subsidiary. (USER_ERROR)"
    )
    assert caught.value.error_path is None


def test_error_json_is_parsed_whatever_the_content_type(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.PUT,
        f"{REC}/customer/eid:{CUSTOMER_EID}",
        status=400,
        body="  " + json.dumps(E9_INVALID_CONTENT),
        content_type="text/plain",
    )
    with pytest.raises(RejectedByNetSuite) as caught:
        client.upsert("customer", CUSTOMER_EID, {})
    assert caught.value.error_code == "INVALID_CONTENT"


def test_every_error_detail_is_in_the_message_and_the_first_is_kept_as_fields(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    body = {
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "Bad item.",
                "o:errorCode": "INVALID_CONTENT",
                "o:errorPath": "member.items[0].item",
            },
            {"detail": "Bad term.", "o:errorCode": "INVALID_CONTENT", "o:errorPath": "initialTerm"},
        ],
    }
    ns.add(responses.PUT, f"{REC}/subscriptionPlan/eid:SF-PLAN-1", status=400, json=body)
    with pytest.raises(RejectedByNetSuite) as caught:
        client.upsert("subscriptionPlan", "SF-PLAN-1", {})
    assert str(caught.value).endswith(
        "Bad item. (INVALID_CONTENT at member.items[0].item); Bad term. (INVALID_CONTENT at initialTerm)"
    )
    assert caught.value.error_path == "member.items[0].item"


def test_idempotency_conflict_is_rejected(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    body = {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10",
        "title": "Conflict",
        "status": 400,
        "o:errorDetails": [{"detail": "...", "o:errorCode": "IDEMPOTENCY_ERROR"}],
    }
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=400, json=body)
    with pytest.raises(RejectedByNetSuite) as caught:
        client.upsert("customer", CUSTOMER_EID, {})
    assert caught.value.error_code == "IDEMPOTENCY_ERROR"


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 400, "json": PERMISSION_ERROR},
        {
            "status": 403,
            "json": {
                "status": 403,
                "o:errorDetails": [
                    {"detail": "Permission Violation", "o:errorCode": "INSUFFICIENT_PERMISSION"}
                ],
            },
        },
        {"status": 403, "body": ""},
    ],
)
def test_permission_problems_are_auth_or_config_and_not_retried(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder, failure: dict[str, Any]
) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", **failure)
    with pytest.raises(AuthOrConfig, match="role"):
        client.upsert("customer", CUSTOMER_EID, {})
    assert client.calls == 1
    assert recorder.sleeps == []


def test_a_redirect_is_not_followed_and_points_at_base_url(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(
        responses.GET,
        f"{REC}/customer/eid:{CUSTOMER_EID}",
        status=302,
        headers={"Location": "https://login.example/"},
    )
    with pytest.raises(AuthOrConfig, match=r"redirected GET customer .* \(HTTP 302\).*base_url"):
        client.get("customer", CUSTOMER_EID)
    assert len(ns.calls) == 2  # the token and the GET; the redirect target was never called


# ------------------------------------------------------------------ 401: one refresh (E11)


def test_401_fetches_a_new_token_and_retries_once(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=401, json=E11_401)
    ns.add(responses.PUT, url, status=204, headers=location("customer", "647"))

    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"

    first, second = rest_calls(ns)
    assert first.request.headers["Authorization"] == "Bearer token-1"
    assert second.request.headers["Authorization"] == "Bearer token-2"
    assert token_calls(ns) == 2
    assert recorder.sleeps == []
    assert client.calls == 2


def test_the_401_retry_does_not_use_up_a_throttling_attempt(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=401, json=E11_401)
    ns.add(responses.PUT, url, status=429, json=E11_429)
    ns.add(responses.PUT, url, status=429, json=E11_429)
    upserted(ns, "customer", CUSTOMER_EID, "647")

    assert client.upsert("customer", CUSTOMER_EID, E1_BODY) == "647"

    assert client.calls == 4
    assert recorder.sleeps == [0.5, 1.0]


def test_a_second_401_is_auth_or_config(ns: responses.RequestsMock, client: NetSuiteClient) -> None:
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=401, json=E11_401)

    with pytest.raises(AuthOrConfig) as caught:
        client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert "INVALID_LOGIN" in str(caught.value)
    assert "token-" not in str(caught.value)
    assert client.calls == 2
    assert token_calls(ns) == 2


def test_the_refreshed_token_is_reused_by_the_next_client(
    ns: responses.RequestsMock, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.GET, url, status=401, json=E11_401)
    ns.add(responses.GET, url, json=E2_RECORD)

    NetSuiteClient(SETTINGS, sleep=recorder.sleep).get("customer", CUSTOMER_EID)
    NetSuiteClient(SETTINGS, sleep=recorder.sleep).get("customer", CUSTOMER_EID)

    assert token_calls(ns) == 2
    assert rest_calls(ns)[-1].request.headers["Authorization"] == "Bearer token-2"


def test_token_endpoint_outage_is_retried_like_any_transient_failure(
    recorder: Recorder,
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URL, status=503, body="")
        mock.add(responses.POST, TOKEN_URL, json={"access_token": "token-x", "expires_in": 3600})
        mock.add(responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", json=E2_RECORD)
        client = NetSuiteClient(
            SETTINGS, sleep=recorder.sleep, rng=CeilingRng(), limiter=recorder.limiter
        )

        assert client.get("customer", CUSTOMER_EID) == E2_RECORD

    assert recorder.sleeps == [0.5]
    assert client.calls == 1  # token requests are not REST calls
    assert recorder.events == ["sleep 0.5", "acquire", "release"]  # no slot held for the token


# ------------------------------------------------------------------ TBA through the client (§3.2)


TBA_VECTOR = {
    "consumer_key": "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
    "consumer_secret": "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
    "token_id": "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
    "token_secret": "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
}
VECTOR_BASE = "https://123456.suitetalk.api.netsuite.com"
TBA_SETTINGS = NetSuiteSettings.model_validate(
    {"base_url": VECTOR_BASE, "account_id": "123456", "auth_method": "tba", "tba": TBA_VECTOR}
)


def oauth_signature(call: Any) -> str:
    header = call.request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    return dict(p.strip().split("=", 1) for p in header[len("OAuth ") :].split(","))[
        "oauth_signature"
    ].strip('"')


@pytest.mark.parametrize(
    ("call_client", "method", "url", "answer", "signature"),
    [
        (
            lambda c: c.upsert(
                "customer", "SF-001", {"companyName": "Acme"}, replace=["addressBook"]
            ),
            responses.PUT,
            f"{VECTOR_BASE}/services/rest/record/v1/customer/eid:SF-001",
            {
                "status": 204,
                "headers": {"Location": f"{VECTOR_BASE}/services/rest/record/v1/customer/1"},
            },
            "jYqnqAFjL0RC2TgfFOhJOUIlqvP3bUox0gWL6uk5GuA%3D",
        ),
        (
            lambda c: c.suiteql("SELECT id FROM item", page_size=10),
            responses.POST,
            f"{VECTOR_BASE}/services/rest/query/v1/suiteql",
            {"json": {"items": [], "hasMore": False}},
            "hxjABHU9%2Ffx9suvhTNYoRa6DBLAY6w721nAek71w1GM%3D",
        ),
    ],
)
def test_tba_signs_query_strings_as_verified_in_the_reference(
    call_client: Any, method: str, url: str, answer: dict[str, Any], signature: str
) -> None:
    auth = TokenBasedAuth(
        account_id="123456", nonce="fjaLirsIcCGVZWzBX0pg", timestamp="1508242306", **TBA_VECTOR
    )
    with responses.RequestsMock() as mock:
        mock.add(method, url, **answer)
        call_client(NetSuiteClient(TBA_SETTINGS, auth=auth, max_attempts=1))
        (call,) = mock.calls
        assert oauth_signature(call) == signature
        assert call.request.headers["Content-Type"] in ("application/json", b"application/json")


def test_tba_retries_a_401_once_with_a_fresh_signature(recorder: Recorder) -> None:
    url = f"{VECTOR_BASE}/services/rest/record/v1/customer/eid:SF-001"
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url, status=401, json=E11_401)
        mock.add(responses.GET, url, json={"id": "1"})
        client = NetSuiteClient(TBA_SETTINGS, sleep=recorder.sleep)

        assert client.get("customer", "SF-001") == {"id": "1"}

        first, second = (oauth_signature(call) for call in mock.calls)
        assert first != second
    assert recorder.sleeps == []


# ------------------------------------------------------------------ SuiteQL (§4, E8)


def test_suiteql_sends_the_query_with_bound_params_and_strips_links(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.POST, SUITEQL, json=E8_PAGE)
    query = "SELECT id, itemid, externalid FROM item WHERE itemid IN (?, ?, ?)"

    rows = client.suiteql(query, ["PP-SETUP", "PP-LICENSE", "PP-SEAT"])

    assert rows == [
        {"id": "501", "itemid": "PP-SETUP", "externalid": "SF-01tAb000000Set1AAA"},
        {"id": "502", "itemid": "PP-LICENSE"},
        {"id": "503", "itemid": "PP-SEAT"},
    ]
    (call,) = rest_calls(ns)
    assert call.request.url == f"{SUITEQL}?limit=1000&offset=0"
    assert sent_json(call) == {"q": query, "params": ["PP-SETUP", "PP-LICENSE", "PP-SEAT"]}
    assert call.request.headers["Prefer"] == "transient"
    assert client.calls_by_route == {"POST suiteql": 1}


def test_suiteql_without_params_sends_only_the_query(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.POST, SUITEQL, json={**E8_PAGE, "items": []})
    assert client.suiteql("SELECT id, name FROM currency") == []
    assert sent_json(rest_calls(ns)[0]) == {"q": "SELECT id, name FROM currency"}


def test_suiteql_pages_with_offset_stepping_by_limit_while_has_more(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    page1 = {
        "hasMore": True,
        "offset": 0,
        "count": 2,
        "items": [{"links": [], "id": "1"}, {"links": [], "id": "2"}],
    }
    page2 = {"hasMore": False, "offset": 2, "count": 1, "items": [{"links": [], "id": "3"}]}
    ns.add(responses.POST, SUITEQL, json=page1)
    ns.add(responses.POST, SUITEQL, json=page2)

    rows = client.suiteql("SELECT id FROM customer WHERE externalid = ?", ["SF-1", 7], page_size=2)

    assert rows == [{"id": "1"}, {"id": "2"}, {"id": "3"}]
    first, second = rest_calls(ns)
    assert first.request.url == f"{SUITEQL}?limit=2&offset=0"
    assert second.request.url == f"{SUITEQL}?limit=2&offset=2"
    assert (
        sent_json(first)
        == sent_json(second)
        == {
            "q": "SELECT id FROM customer WHERE externalid = ?",
            "params": ["SF-1", 7],
        }
    )
    assert all(call.request.headers["Prefer"] == "transient" for call in (first, second))
    assert client.calls_by_route == {"POST suiteql": 2}


def test_suiteql_offset_stays_a_multiple_of_limit_after_a_short_page(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.POST, SUITEQL, json={"hasMore": True, "items": [{"id": "1"}]})
    ns.add(responses.POST, SUITEQL, json={"hasMore": False, "items": [{"id": "2"}]})

    assert client.suiteql("SELECT id FROM item", page_size=5) == [{"id": "1"}, {"id": "2"}]

    assert [call.request.url for call in rest_calls(ns)] == [
        f"{SUITEQL}?limit=5&offset=0",
        f"{SUITEQL}?limit=5&offset=5",
    ]


def test_suiteql_stops_when_has_more_comes_with_an_empty_page(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.POST, SUITEQL, json={"hasMore": True, "items": []})
    with pytest.raises(Transient, match="empty page"):
        client.suiteql("SELECT id FROM item")
    assert client.calls == 1


@pytest.mark.parametrize("page_size", [0, 1001])
def test_suiteql_page_size_must_be_one_to_a_thousand(
    client: NetSuiteClient, page_size: int
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.suiteql("SELECT 1", page_size=page_size)


def test_a_rejected_query_says_so(ns: responses.RequestsMock, client: NetSuiteClient) -> None:
    body = {
        "status": 400,
        "o:errorDetails": [{"detail": "Invalid search query.", "o:errorCode": "INVALID_PARAMETER"}],
    }
    ns.add(responses.POST, SUITEQL, status=400, json=body)
    with pytest.raises(
        RejectedByNetSuite, match=r"^NetSuite rejected the SuiteQL query: Invalid search query\."
    ):
        client.suiteql("SELEKT")


# ------------------------------------------------------------------ call counting and the limiter


def test_calls_count_every_request_sent_by_route(
    ns: responses.RequestsMock, client: NetSuiteClient
) -> None:
    ns.add(responses.POST, SUITEQL, json=E8_PAGE)
    ns.add(responses.PUT, f"{REC}/customer/eid:{CUSTOMER_EID}", status=429, json=E11_429)
    upserted(ns, "customer", CUSTOMER_EID, "647")
    ns.add(
        responses.GET, f"{REC}/subscription/eid:{SUBSCRIPTION_EID}", status=404, json=E10_NOT_FOUND
    )
    upserted(ns, "subscription", SUBSCRIPTION_EID, "77")
    ns.add(responses.PATCH, f"{REC}/subscription/77", status=204)

    client.suiteql("SELECT id FROM item")
    client.upsert("customer", CUSTOMER_EID, E1_BODY)
    client.create_if_absent("subscription", SUBSCRIPTION_EID, {})
    client.patch("subscription", "77", {})

    assert client.calls_by_route == {
        "POST suiteql": 1,
        "PUT customer": 2,
        "GET subscription": 1,
        "PUT subscription": 1,
        "PATCH subscription": 1,
    }
    assert client.calls == 6 == len(rest_calls(ns))


def test_the_limiter_is_held_around_each_request_and_never_while_sleeping(
    ns: responses.RequestsMock, client: NetSuiteClient, recorder: Recorder
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=503, body="")
    ns.add(responses.PUT, url, status=204)
    ns.add(responses.GET, url, json=E2_RECORD)

    client.upsert("customer", CUSTOMER_EID, E1_BODY)

    assert recorder.events == [
        "acquire", "release",  # PUT → 503
        "sleep 0.5",
        "acquire", "release",  # PUT → 204 without Location
        "acquire", "release",  # GET eid:?fields=id
    ]  # fmt: skip


def test_the_limiter_is_released_when_the_request_fails(
    ns: responses.RequestsMock, recorder: Recorder
) -> None:
    ns.add(
        responses.GET, f"{REC}/customer/eid:{CUSTOMER_EID}", body=requests.ConnectionError("reset")
    )
    client = NetSuiteClient(
        SETTINGS, limiter=recorder.limiter, sleep=recorder.sleep, max_attempts=2
    )
    with pytest.raises(Transient):
        client.get("customer", CUSTOMER_EID)
    assert recorder.events.count("acquire") == recorder.events.count("release") == 2


# ------------------------------------------------------------------ logging


def test_logs_never_carry_bodies_tokens_or_external_data(
    ns: responses.RequestsMock, client: NetSuiteClient, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{REC}/customer/eid:{CUSTOMER_EID}"
    ns.add(responses.PUT, url, status=401, json=E11_401)
    ns.add(responses.PUT, url, status=429, json=E11_429)
    ns.add(responses.PUT, url, status=204)
    ns.add(responses.GET, url, json=E2_RECORD)
    caplog.set_level(logging.DEBUG, logger="closedwon.netsuite")

    client.upsert("customer", CUSTOMER_EID, E1_BODY)

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "NetSuite PUT customer answered 401" in text
    assert "NetSuite PUT customer failed (HTTP 429) on attempt 1/3" in text
    for leak in ("Acme", "ap@acme.example", "token-", "Bearer", "PRIVATE KEY"):
        assert leak not in text
