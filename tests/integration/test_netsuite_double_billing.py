"""SuiteBilling semantics of the NetSuite double (docs/reference/netsuite.md §5.8-§5.10, §8.6 E5-E7)."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from offline.netsuite_double import NetSuiteDouble

RECORD = "/services/rest/record/v1"
TOKEN = "/services/rest/auth/oauth2/v1/token"

SEED = {
    "subsidiary": [{"id": "1", "name": "Parent Company"}, {"id": "2", "name": "EMEA"}],
    "currency": [
        {"id": "1", "symbol": "USD", "name": "US Dollar"},
        {"id": "2", "symbol": "EUR", "name": "Euro"},
    ],
    "billingSchedule": [{"id": "1", "name": "Monthly Charge-Based"}],
    "item": [
        {"id": "501", "itemId": "PP-SETUP", "itemType": "serviceSaleItem"},
        {"id": "502", "itemId": "PP-LICENSE", "itemType": "serviceSaleItem"},
        {"id": "503", "itemId": "PP-SEAT", "itemType": "serviceSaleItem"},
    ],
}


class Client:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {token}", "X-NetSuite-PropertyNameValidation": "error"}
        )

    def call(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        return self.session.request(method, self.base + RECORD + path, json=body, timeout=10)

    def put(self, path, body):
        return self.call("PUT", path, body)

    def patch(self, path, body):
        return self.call("PATCH", path, body)

    def get(self, path):
        response = self.call("GET", path)
        assert response.status_code == 200, response.text
        return response.json()


def new_id(response: requests.Response) -> str:
    assert response.status_code == 204, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def user_error(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "USER_ERROR"
    return detail["detail"]


@pytest.fixture
def client(tmp_path):
    double = NetSuiteDouble(tmp_path, SEED)
    yield connect(double.start())
    double.close()


def connect(base: str) -> Client:
    """A client with a bearer token from the double's M2M token endpoint."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": "offline-client",
            "scope": "rest_webservices",
            "aud": base + TOKEN,
            "iat": now,
            "exp": now + 600,
        },
        key,
        algorithm="ES256",
        headers={"kid": "offline-kid"},
    )
    token = requests.post(
        base + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    ).json()["access_token"]
    return Client(base, token)


def catalog(client: Client, currency: str = "1", suffix: str = "") -> dict[str, str]:
    """Customer, billing account, 12-month term, 3-line plan (line 3 optional), price book."""
    ids = {
        "term": new_id(
            client.put(
                f"/subscriptionTerm/eid:T12{suffix}",
                {
                    "name": f"12 Months{suffix}",
                    "subscriptionTermDuration": 12,
                    "subscriptionTermUnit": "MONTHS",
                },
            )
        )
    }
    ids["customer"] = new_id(
        client.put(
            "/customer/eid:SF-ACME",
            {"companyName": "Acme Corp", "subsidiary": {"id": "1"}, "currency": {"id": "1"}},
        )
    )
    ids["account"] = new_id(
        client.put(
            f"/billingAccount/eid:SF-BA-{currency}",
            {
                "name": f"Acme Corp - {currency}",
                "customer": {"id": ids["customer"]},
                "subsidiary": {"id": "1"},
                "currency": {"id": currency},
                "billingSchedule": {"id": "1"},
                "startDate": "2025-07-01",
            },
        )
    )
    members = [
        {
            "lineNumber": 3,
            "item": {"id": "503"},
            "isRequired": False,
            "subscriptionLineType": "2",
            "billingMode": "IN_ADVANCE",
            "renewalOption": "ALWAYS",
        },
        {
            "lineNumber": 1,
            "item": {"id": "501"},
            "isRequired": True,
            "subscriptionLineType": "1",
            "billingMode": "IN_ADVANCE",
            "renewalOption": "NEVER",
        },
        {
            "lineNumber": 2,
            "item": {"id": "502"},
            "isRequired": True,
            "subscriptionLineType": "2",
            "billingMode": "IN_ARREARS",
            "renewalOption": "ALWAYS",
        },
    ]
    ids["plan"] = new_id(
        client.put(
            f"/subscriptionPlan/eid:PLAN{suffix}?replace=member",
            {
                "itemId": f"Platform Pro{suffix}",
                "initialTerm": {"id": ids["term"]},
                "member": {"items": members},
            },
        )
    )
    price_plans = [
        new_id(
            client.put(
                f"/pricePlan/eid:PP{n}-{currency}{suffix}",
                {
                    "currency": {"id": currency},
                    "pricePlanType": "2",
                    "priceTiers": {
                        "items": [
                            {"fromVal": 0, "pricingOption": {"id": "-102"}, "value": 100.0 * n}
                        ]
                    },
                },
            )
        )
        for n in (1, 2, 3)
    ]
    intervals = [
        {
            "subscriptionPlanLineNumber": 1,
            "pricePlan": {"id": price_plans[0]},
            "frequency": "ONETIME",
            "repeatEvery": "0",
            "startOffsetUnit": "MONTH",
            "startOffsetValue": 1,
            "prorateBy": "",
        },
        {
            "subscriptionPlanLineNumber": 2,
            "pricePlan": {"id": price_plans[1]},
            "frequency": "ANNUALLY",
            "repeatEvery": "1",
            "startOffsetUnit": "MONTH",
            "startOffsetValue": 1,
            "prorateBy": "MONTH",
        },
        {
            "subscriptionPlanLineNumber": 3,
            "pricePlan": {"id": price_plans[2]},
            "frequency": "MONTHLY",
            "repeatEvery": "1",
            "startOffsetUnit": "MONTH",
            "startOffsetValue": 1,
            "prorateBy": "DAY",
        },
    ]
    ids["book"] = new_id(
        client.put(
            f"/priceBook/eid:PB-{currency}{suffix}?replace=priceInterval",
            {
                "name": f"Acme - Platform Pro - {currency}",
                "subscriptionPlan": {"id": ids["plan"]},
                "currency": {"id": currency},
                "priceInterval": {"items": intervals},
            },
        )
    )
    return ids


def subscription_body(ids: dict[str, str], **overrides) -> dict:
    body = {
        "name": "Acme Corp - Platform Pro",
        "customer": {"id": ids["customer"]},
        "billingAccount": {"id": ids["account"]},
        "subscriptionPlan": {"id": ids["plan"]},
        "priceBook": {"id": ids["book"]},
        "initialTerm": {"id": ids["term"]},
        "startDate": "2025-07-01",
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "autoRenewal": False,
    }
    body.update(overrides)
    return body


def expanded(client: Client, sid: str) -> dict:
    return client.get(f"/subscription/{sid}?expandSubResources=true")


def statuses(sub: dict) -> list[str]:
    return [line["status"]["id"] for line in sub["subscriptionLine"]["items"]]


def test_plan_members_are_stored_in_line_number_order(client):
    ids = catalog(client)

    members = client.get(f"/subscriptionPlan/{ids['plan']}?expandSubResources=true")["member"]

    assert [m["lineNumber"] for m in members["items"]] == [1, 2, 3]
    assert members["items"][0]["item"]["refName"] == "PP-SETUP"


def test_price_book_must_point_at_lines_of_its_plan(client):
    ids = catalog(client)

    response = client.put(
        "/priceBook/eid:PB-BAD",
        {
            "name": "Bad",
            "subscriptionPlan": {"id": ids["plan"]},
            "currency": {"id": "1"},
            "priceInterval": {"items": [{"subscriptionPlanLineNumber": 9, "frequency": "MONTHLY"}]},
        },
    )

    user_error(response)


def test_new_subscription_copies_plan_lines_and_price_intervals(client):
    ids = catalog(client)

    sid = new_id(
        client.put(
            "/subscription/eid:SF-SUB-1",
            subscription_body(
                ids, priceInterval={"items": [{"subscriptionPlanLineNumber": 2, "quantity": 25}]}
            ),
        )
    )
    sub = expanded(client, sid)

    assert sub["billingSubscriptionStatus"]["id"] == "DRAFT"
    assert sub["endDate"] == "2026-06-30"
    lines = sub["subscriptionLine"]["items"]
    assert [line["lineNumber"] for line in lines] == [1, 2, 3]
    assert [line["item"]["id"] for line in lines] == ["501", "502", "503"]
    assert [line["isIncluded"] for line in lines] == [True, True, False]
    assert statuses(sub) == ["DRAFT", "DRAFT", "NOT_INCLUDED"]
    assert lines[1]["billingMode"]["id"] == "IN_ARREARS"
    assert lines[0]["subscriptionLineType"]["id"] == "1"
    intervals = {i["subscriptionPlanLineNumber"]: i for i in sub["priceInterval"]["items"]}
    assert set(intervals) == {1, 2, 3}
    assert intervals[2]["quantity"] == 25.0
    assert intervals[1]["quantity"] == intervals[3]["quantity"] == 1.0
    assert intervals[3]["frequency"]["id"] == "MONTHLY"
    assert intervals[3]["prorateBy"]["id"] == "DAY"
    assert intervals[2]["status"]["id"] == "DRAFT"
    for line in lines:
        record = client.get(f"/subscriptionLine/{line['subscriptionLine']}")
        assert record["subscription"]["id"] == sid
        assert record["lineNumber"] == line["lineNumber"]
        assert record["subscriptionLineStatus"]["id"] == line["status"]["id"]


@pytest.mark.parametrize(
    ("duration", "unit", "start", "end"),
    [
        (12, "MONTHS", "2025-07-01", "2026-06-30"),
        (1, "MONTHS", "2024-01-31", "2024-02-28"),
        (2, "YEARS", "2024-02-29", "2026-02-27"),
        (2, "WEEKS", "2025-01-01", "2025-01-14"),
        (30, "DAYS", "2025-01-01", "2025-01-30"),
    ],
)
def test_end_date_is_start_plus_term_minus_one_day(client, duration, unit, start, end):
    ids = catalog(client)
    term = new_id(
        client.put(
            f"/subscriptionTerm/eid:T-{duration}{unit}",
            {
                "name": f"{duration} {unit}",
                "subscriptionTermDuration": duration,
                "subscriptionTermUnit": unit,
            },
        )
    )

    sid = new_id(
        client.put(
            "/subscription/eid:S", subscription_body(ids, initialTerm={"id": term}, startDate=start)
        )
    )

    assert client.get(f"/subscription/{sid}")["endDate"] == end


def test_same_subscription_put_twice_does_not_duplicate_lines(client):
    ids = catalog(client)
    first = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    second = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    assert first == second
    assert len(expanded(client, first)["subscriptionLine"]["items"]) == 3


def test_patch_merges_lines_and_intervals_by_key(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    response = client.patch(
        f"/subscription/{sid}",
        {
            "subscriptionLine": {"items": [{"lineNumber": 3, "isIncluded": True}]},
            "priceInterval": {
                "items": [
                    {"subscriptionPlanLineNumber": 3, "quantity": 25},
                    {"subscriptionPlanLineNumber": 1, "discount": 50.0},
                ]
            },
        },
    )

    assert response.status_code == 204
    sub = expanded(client, sid)
    assert len(sub["subscriptionLine"]["items"]) == 3
    assert statuses(sub) == ["DRAFT", "DRAFT", "DRAFT"]
    intervals = {i["subscriptionPlanLineNumber"]: i for i in sub["priceInterval"]["items"]}
    assert intervals[3]["quantity"] == 25.0 and intervals[3]["status"]["id"] == "DRAFT"
    assert intervals[1]["discount"] == 50.0


def test_interval_for_an_unknown_plan_line_is_refused(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    user_error(
        client.patch(
            f"/subscription/{sid}",
            {"priceInterval": {"items": [{"subscriptionPlanLineNumber": 7, "quantity": 2}]}},
        )
    )


@pytest.mark.parametrize(
    "change",
    [{"customer": "new"}, {"currency": {"id": "2"}}, {"subsidiary": {"id": "2"}}],
)
def test_customer_currency_and_subsidiary_cannot_change_once_saved(client, change):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    if change.get("customer") == "new":
        change = {
            "customer": {
                "id": new_id(
                    client.put(
                        "/customer/eid:OTHER", {"companyName": "Other", "subsidiary": {"id": "1"}}
                    )
                )
            }
        }

    detail = user_error(client.patch(f"/subscription/{sid}", change))

    assert "cannot change" in detail
    assert client.get(f"/subscription/{sid}")["customer"]["id"] == ids["customer"]


def test_billing_account_must_match_the_subscription(client):
    ids = catalog(client)
    other = new_id(
        client.put("/customer/eid:OTHER", {"companyName": "Other", "subsidiary": {"id": "1"}})
    )
    account = new_id(
        client.put(
            "/billingAccount/eid:BA-OTHER",
            {
                "name": "Other - USD",
                "customer": {"id": other},
                "subsidiary": {"id": "1"},
                "currency": {"id": "1"},
                "billingSchedule": {"id": "1"},
                "startDate": "2025-07-01",
            },
        )
    )

    user_error(
        client.put("/subscription/eid:S", subscription_body(ids, billingAccount={"id": account}))
    )

    assert client.call("GET", "/subscription/eid:S").status_code == 404


def test_price_book_must_belong_to_the_plan(client):
    ids = catalog(client)
    other = catalog(client, suffix="-B")

    user_error(
        client.put("/subscription/eid:S", subscription_body(ids, priceBook={"id": other["book"]}))
    )


def test_subscription_lines_cannot_be_created_or_deleted(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    line = expanded(client, sid)["subscriptionLine"]["items"][0]["subscriptionLine"]

    user_error(client.call("POST", "/subscriptionLine", {"subscription": {"id": sid}}))
    user_error(client.call("PUT", "/subscriptionLine/eid:L1", {"subscription": {"id": sid}}))
    user_error(client.call("DELETE", f"/subscriptionLine/{line}"))
    assert client.get(f"/subscriptionLine/{line}")["id"] == str(line)


def line_ids(client: Client, sid: str) -> list[int]:
    return [x["subscriptionLine"] for x in expanded(client, sid)["subscriptionLine"]["items"]]


def activate(client: Client, sid: str, sequences=(1, 2)) -> requests.Response:
    return client.put(
        f"/subscriptionChangeOrder/eid:SF-ACT-{sid}",
        {
            "action": "ACTIVATE",
            "subscription": {"id": sid},
            "effectiveDate": "2025-07-01",
            "subLine": {"items": [{"sequence": str(n), "apply": True} for n in sequences]},
        },
    )


def test_activation_flow_moves_lines_and_header_to_active(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    lines = line_ids(client, sid)
    for line in lines[:2]:
        response = client.patch(
            f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"}
        )
        assert response.status_code == 204
    assert statuses(expanded(client, sid)) == [
        "PENDING_ACTIVATION",
        "PENDING_ACTIVATION",
        "NOT_INCLUDED",
    ]

    order = new_id(activate(client, sid))

    sub = expanded(client, sid)
    assert sub["billingSubscriptionStatus"]["id"] == "ACTIVE"
    assert statuses(sub) == ["ACTIVE", "ACTIVE", "NOT_INCLUDED"]
    assert [i["status"]["id"] for i in sub["priceInterval"]["items"]] == [
        "ACTIVE",
        "ACTIVE",
        "NOT_INCLUDED",
    ]
    assert client.get(f"/subscriptionLine/{lines[0]}")["subscriptionLineStatus"]["id"] == "ACTIVE"
    saved = client.get(f"/subscriptionChangeOrder/{order}?expandSubResources=true")
    assert saved["customer"]["id"] == ids["customer"]
    assert saved["subLine"]["items"][0]["subscriptionLine"] == lines[0]


def test_activation_replayed_by_put_eid_is_idempotent(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    for line in line_ids(client, sid)[:2]:
        client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"})
    first = new_id(activate(client, sid))

    assert new_id(activate(client, sid)) == first
    assert client.get(f"/subscription/{sid}")["billingSubscriptionStatus"]["id"] == "ACTIVE"


def test_activation_of_lines_not_pending_activation_is_refused(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    first_line = line_ids(client, sid)[0]
    client.patch(
        f"/subscriptionLine/{first_line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"}
    )

    user_error(activate(client, sid, sequences=(1, 2)))

    sub = expanded(client, sid)
    assert sub["billingSubscriptionStatus"]["id"] == "DRAFT"
    assert statuses(sub) == ["PENDING_ACTIVATION", "DRAFT", "NOT_INCLUDED"]


def test_partial_activation_leaves_the_header_draft(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    for line in line_ids(client, sid)[:2]:
        client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"})

    new_id(activate(client, sid, sequences=(1,)))

    sub = expanded(client, sid)
    assert statuses(sub)[:2] == ["ACTIVE", "PENDING_ACTIVATION"]
    assert sub["billingSubscriptionStatus"]["id"] == "DRAFT"


@pytest.mark.parametrize("status", ["ACTIVE", "CLOSED"])
def test_line_status_can_only_move_from_draft_to_pending_activation(client, status):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    line = line_ids(client, sid)[0]

    user_error(client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": status}))

    assert client.get(f"/subscriptionLine/{line}")["subscriptionLineStatus"]["id"] == "DRAFT"


def test_excluded_line_cannot_go_pending_activation(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    optional_line = line_ids(client, sid)[2]

    user_error(
        client.patch(
            f"/subscriptionLine/{optional_line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"}
        )
    )


def test_active_lines_cannot_be_edited_directly(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    for line in line_ids(client, sid)[:2]:
        client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"})
    new_id(activate(client, sid))

    user_error(
        client.patch(
            f"/subscription/{sid}",
            {"priceInterval": {"items": [{"subscriptionPlanLineNumber": 2, "quantity": 99}]}},
        )
    )


def test_activation_needs_a_billing_account(client):
    ids = catalog(client)
    body = subscription_body(ids)
    del body["billingAccount"]
    sid = new_id(client.put("/subscription/eid:S", body))
    for line in line_ids(client, sid)[:2]:
        client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"})

    user_error(activate(client, sid))
