"""The NetSuite double over real HTTP: records, reads, validation, SuiteQL, persistence, dump.

Expected bodies are the documented ones (docs/reference/netsuite.md §2.1, §8.6 E1-E11, §8.7).
"""

from __future__ import annotations

import threading
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline.netsuite_double import NetSuiteDouble

RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
TOKEN = "/services/rest/auth/oauth2/v1/token"
ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"

NOT_FOUND = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Not Found",
    "status": 404,
    "o:errorDetails": [{"detail": "Record does not exist.", "o:errorCode": "NONEXISTENT_ID"}],
}
ALREADY_EXISTS = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    "title": "Bad Request",
    "status": 400,
    "o:errorDetails": [
        {
            "detail": "Error while accessing a resource. This entity already exists.",
            "o:errorCode": "USER_ERROR",
        }
    ],
}


def make_seed() -> dict:
    return {
        "subsidiary": [{"id": "1", "name": "Parent Company"}, {"id": "2", "name": "EMEA"}],
        "currency": [
            {"id": "1", "symbol": "USD", "name": "US Dollar"},
            {"id": "2", "symbol": "EUR", "name": "Euro"},
        ],
        "term": [{"id": "2", "name": "Net 30"}],
        "billingSchedule": [{"id": "1", "name": "Monthly Charge-Based"}],
        "item": [
            {
                "id": "501",
                "itemId": "PP-SETUP",
                "itemType": "serviceSaleItem",
                "externalId": "SF-01tSETUP",
                "displayName": "Setup",
            },
            {"id": "502", "itemId": "PP-LICENSE", "itemType": "serviceSaleItem"},
            {"id": "503", "itemId": "PP-SEAT", "itemType": "nonInventorySaleItem"},
        ],
        "subscriptionTerm": [
            {
                "id": "3",
                "name": "12 Months",
                "subscriptionTermDuration": 12,
                "subscriptionTermUnit": "MONTHS",
            },
        ],
    }


def bearer_token(base: str, key: ec.EllipticCurvePrivateKey) -> str:
    now = int(time.time())
    claims = {
        "iss": "offline-client",
        "scope": ["rest_webservices"],
        "aud": base + TOKEN,
        "iat": now,
        "exp": now + 3600,
    }
    assertion = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "offline-kid"})
    response = requests.post(
        base + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def double(tmp_path):
    ns = NetSuiteDouble(tmp_path / "state", make_seed())
    ns.start()
    yield ns
    ns.close()


class Client:
    """A thin NetSuite REST caller with the [STD] headers of §8.6."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "X-NetSuite-PropertyNameValidation": "error",
            }
        )

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        url = self.base + (path if path.startswith("/services") else RECORD + path)
        return self.session.request(method, url, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def query(self, q, params=(), *, prefer="transient", limit=None, offset=None):
        query = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        headers = {"Prefer": prefer} if prefer else {}
        return self.post(
            SUITEQL, params=query, headers=headers, json={"q": q, "params": list(params)}
        )


@pytest.fixture
def client(double, ec_key) -> Client:
    return Client(double.base_url, bearer_token(double.base_url, ec_key))


def location_id(response: requests.Response) -> str:
    assert response.status_code == 204, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


CUSTOMER = {
    "companyName": "Acme Corp",
    "isPerson": False,
    "subsidiary": {"id": "1"},
    "currency": {"id": "1"},
    "terms": {"id": "2"},
    "email": "ap@acme.example",
}


def address(label: str, city: str = "Boston") -> dict:
    return {
        "defaultBilling": True,
        "label": label,
        "addressBookAddress": {"addr1": "1 Main St", "city": city, "country": {"id": "US"}},
    }


# --- create, upsert, update, delete ---------------------------------------------------------------


def test_post_returns_204_with_location_and_no_body(client, double):
    response = client.post("/customer", json={**CUSTOMER, "externalId": "SF-A"})

    assert response.status_code == 204
    assert response.content == b""
    rid = location_id(response)
    assert response.headers["Location"] == f"{double.base_url}{RECORD}/customer/{rid}"
    assert rid.isdigit()


def test_post_with_taken_external_id_is_already_exists_user_error(client):
    assert client.post("/customer", json={**CUSTOMER, "externalId": "SF-A"}).status_code == 204

    response = client.post("/customer", json={**CUSTOMER, "externalId": "SF-A"})

    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE
    assert response.json() == ALREADY_EXISTS


def test_put_eid_twice_keeps_one_record_and_answers_the_same_location(client):
    first = client.put("/customer/eid:SF-001", json=CUSTOMER)
    second = client.put("/customer/eid:SF-001", json={"companyName": "Acme Renamed"})

    assert first.status_code == second.status_code == 204
    assert first.headers["Location"] == second.headers["Location"]
    listing = client.get("/customer").json()
    assert listing["totalResults"] == 1
    record = client.get("/customer/eid:SF-001").json()
    assert record["externalId"] == "SF-001"
    assert record["id"] == location_id(first)
    assert record["companyName"] == "Acme Renamed"
    assert record["email"] == "ap@acme.example"  # omitted on update: unchanged


def test_put_eid_with_a_different_external_id_in_the_body_is_rejected(client):
    response = client.put("/customer/eid:SF-001", json={**CUSTOMER, "externalId": "SF-OTHER"})

    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "externalId"


def test_concurrent_puts_of_one_external_id_create_one_record(client, double):
    barrier = threading.Barrier(8)
    results = []

    def upsert():
        session = Client(double.base_url, client.session.headers["Authorization"][7:])
        barrier.wait()
        results.append(session.put("/customer/eid:SF-RACE", json=CUSTOMER))

    threads = [threading.Thread(target=upsert) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r.status_code for r in results} == {204}
    assert len({r.headers["Location"] for r in results}) == 1
    assert client.get("/customer").json()["totalResults"] == 1


def test_patch_merges_fields_and_null_clears_one(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    response = client.patch(f"/customer/{rid}", json={"phone": "+1 617 555 0100", "email": None})

    assert response.status_code == 204
    assert location_id(response) == rid
    record = client.get(f"/customer/{rid}").json()
    assert record["phone"] == "+1 617 555 0100"
    assert "email" not in record
    assert record["companyName"] == "Acme Corp"


def test_patch_by_external_id(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    assert location_id(client.patch("/customer/eid:SF-001", json={"phone": "1"})) == rid
    assert client.get(f"/customer/{rid}").json()["phone"] == "1"


@pytest.mark.parametrize("path", ["/customer/424242", "/customer/eid:SF-NOPE"])
def test_patch_and_get_of_a_missing_record_are_the_verbatim_404(client, path):
    for response in (client.patch(path, json={"phone": "1"}), client.get(path)):
        assert response.status_code == 404
        assert response.headers["Content-Type"] == ERROR_TYPE
        assert response.json() == NOT_FOUND


def test_delete_returns_204_and_the_record_is_gone(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    response = client.delete(f"/customer/{rid}")

    assert response.status_code == 204
    assert client.get(f"/customer/{rid}").status_code == 404


def test_delete_of_a_referenced_record_is_refused(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))
    client.put(
        "/contact/eid:SF-C",
        json={"lastName": "Doe", "company": {"id": rid}, "subsidiary": {"id": "1"}},
    )

    response = client.delete(f"/customer/{rid}")

    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"


def test_ids_are_numeric_strings_from_a_per_type_counter(client):
    first = int(location_id(client.post("/customer", json=CUSTOMER)))
    second = int(location_id(client.post("/customer", json=CUSTOMER)))

    assert second == first + 1


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from("abc"), st.text(min_size=1, max_size=12)), min_size=1, max_size=6
    )
)
def test_any_upsert_sequence_leaves_one_record_per_external_id_with_the_last_values(client, ops):
    prefix = uuid.uuid4().hex[:8]
    expected = {}
    for key, name in ops:
        eid = f"SF-{prefix}-{key}"
        response = client.put(
            f"/customer/eid:{eid}", json={"companyName": name, "subsidiary": {"id": "1"}}
        )
        assert response.status_code == 204
        expected[eid] = name

    rows = client.query(
        "SELECT externalid, companyname FROM customer WHERE externalid IN (?, ?, ?)",
        [f"SF-{prefix}-{k}" for k in "abc"],
    ).json()["items"]

    assert {row["externalid"]: row["companyname"] for row in rows} == expected


# --- sublists -------------------------------------------------------------------------------------


def test_sublist_lines_are_appended_without_replace(client):
    rid = location_id(
        client.put(
            "/customer/eid:SF-001", json={**CUSTOMER, "addressBook": {"items": [address("HQ")]}}
        )
    )

    client.put("/customer/eid:SF-001", json={"addressBook": {"items": [address("HQ")]}})

    book = client.get(f"/customer/{rid}?expandSubResources=true").json()["addressBook"]
    assert [line["label"] for line in book["items"]] == ["HQ", "HQ"]


def test_replace_parameter_makes_the_sublist_exactly_as_sent(client):
    body = {**CUSTOMER, "addressBook": {"items": [address("HQ"), address("Ship", "Denver")]}}
    rid = location_id(client.put("/customer/eid:SF-001?replace=addressBook", json=body))

    client.put(
        "/customer/eid:SF-001?replace=addressBook",
        json={"addressBook": {"items": [address("Billing", "Austin")]}},
    )

    items = client.get(f"/customer/{rid}?expandSubResources=true").json()["addressBook"]["items"]
    assert len(items) == 1
    assert items[0]["label"] == "Billing"
    assert items[0]["addressBookAddress"]["city"] == "Austin"
    assert items[0]["addressBookAddress"]["country"]["id"] == "US"


# --- reads ----------------------------------------------------------------------------------------


def test_get_shape_links_string_id_references_and_enums(client, double):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))
    term = location_id(
        client.put(
            "/subscriptionTerm/eid:T24",
            json={
                "name": "24 Months",
                "subscriptionTermDuration": 24,
                "subscriptionTermUnit": {"id": "MONTHS"},
            },
        )
    )

    response = client.get(f"/customer/{rid}")
    record = response.json()

    assert response.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=singular"
    assert record["id"] == rid
    assert record["links"] == [{"rel": "self", "href": f"{double.base_url}{RECORD}/customer/{rid}"}]
    assert record["subsidiary"] == {"links": [], "id": "1", "refName": "Parent Company"}
    assert record["currency"] == {"links": [], "id": "1", "refName": "US Dollar"}
    assert record["terms"] == {"links": [], "id": "2", "refName": "Net 30"}
    unit = client.get(f"/subscriptionTerm/{term}").json()["subscriptionTermUnit"]
    assert unit["id"] == "MONTHS" and unit["refName"]
    simple = client.get(f"/subscriptionTerm/{term}?simpleEnumFormat=true").json()
    assert simple["subscriptionTermUnit"] == "MONTHS"


def test_sublists_are_links_unless_expanded(client, double):
    body = {**CUSTOMER, "addressBook": {"items": [address("HQ")]}}
    rid = location_id(client.put("/customer/eid:SF-001", json=body))
    href = f"{double.base_url}{RECORD}/customer/{rid}/addressBook"

    plain = client.get(f"/customer/{rid}").json()["addressBook"]
    expanded = client.get(f"/customer/{rid}?expandSubResources=true").json()["addressBook"]
    direct = client.get(f"/customer/{rid}/addressBook").json()

    assert plain == {"links": [{"rel": "self", "href": href}]}
    assert expanded["links"] == [{"rel": "self", "href": href}]
    assert expanded["count"] == expanded["totalResults"] == 1
    assert expanded["hasMore"] is False and expanded["offset"] == 0
    assert expanded["items"][0]["label"] == "HQ"
    assert direct["items"] == expanded["items"]


def test_fields_parameter_keeps_only_listed_fields_plus_id_and_links(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    record = client.get("/customer/eid:SF-001?fields=externalId,companyName").json()

    assert set(record) == {"links", "id", "externalId", "companyName"}
    assert record["id"] == rid


def test_record_type_in_the_url_is_case_insensitive(client):
    customer = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))
    body = {
        "name": "Acme - USD",
        "customer": {"id": customer},
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "billingSchedule": {"id": "1"},
        "startDate": "2025-07-01",
    }

    rid = location_id(client.put("/billingaccount/eid:SF-BA", json=body))

    assert client.get(f"/billingAccount/{rid}").json()["name"] == "Acme - USD"
    assert client.get(f"/BILLINGACCOUNT/{rid}").status_code == 200


def test_seeded_lookup_records_are_readable_and_reseeding_changes_nothing(client, double):
    double.load_seed({"currency": [{"id": "1", "symbol": "XXX", "name": "Changed"}]})
    double.load_seed(make_seed())
    double.load_seed({"inventoryItem": [{"id": "600", "itemId": "INV-1"}]})

    currency = client.get("/currency/1").json()
    item = client.get("/nonInventorySaleItem/503").json()

    assert currency["symbol"] == "USD" and currency["id"] == "1"
    assert item["itemId"] == "PP-SEAT"
    assert client.get("/inventoryItem/600").json()["itemType"] == "inventoryItem"
    assert client.get("/currency").json()["totalResults"] == 2


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**CUSTOMER, "compnyName": "typo"}, "compnyName"),
        ({**CUSTOMER, "addressBook": {"items": [{"labl": "HQ"}]}}, "addressBook.items[0].labl"),
        (
            {**CUSTOMER, "addressBook": {"items": [{"addressBookAddress": {"street": "1"}}]}},
            "addressBook.items[0].addressBookAddress.street",
        ),
        ({**CUSTOMER, "links": []}, "links"),
    ],
)
def test_unknown_or_read_only_field_is_invalid_content_with_error_path(client, body, path):
    response = client.put("/customer/eid:SF-001", json=body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_CONTENT"
    assert detail["o:errorPath"] == path
    assert client.get("/customer/eid:SF-001").status_code == 404


def test_unknown_field_is_dropped_without_the_validation_header(client):
    client.session.headers.pop("X-NetSuite-PropertyNameValidation")

    rid = location_id(client.put("/customer/eid:SF-001", json={**CUSTOMER, "compnyName": "x"}))

    assert "compnyName" not in client.get(f"/customer/{rid}").json()


@pytest.mark.parametrize("header", ["Error", "ERROR"])
def test_validation_header_value_is_case_insensitive(client, header):
    response = client.put(
        "/customer/eid:SF-001",
        json={**CUSTOMER, "bogus": 1},
        headers={"X-NetSuite-PropertyNameValidation": header},
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "label"),
    [
        ("/customer/eid:X", {"subsidiary": {"id": "1"}}, "Company Name"),
        ("/customer/eid:X", {"companyName": "Acme"}, "Subsidiary"),
        ("/contact/eid:X", {"subsidiary": {"id": "1"}}, "First Name, Last Name"),
        (
            "/billingAccount/eid:X",
            {
                "name": "BA",
                "billingSchedule": {"id": "1"},
                "startDate": "2025-07-01",
                "currency": {"id": "1"},
                "subsidiary": {"id": "1"},
            },
            "Customer",
        ),
        (
            "/subscriptionPlan/eid:X",
            {"itemId": "P", "initialTerm": {"id": "3"}, "member": {"items": []}},
            "Member",
        ),
        ("/pricePlan/eid:X", {"currency": {"id": "1"}, "pricePlanType": "2"}, "Price Tiers"),
        ("/subscriptionTerm/eid:X", {"name": "Six", "subscriptionTermUnit": "MONTHS"}, "Duration"),
        (
            "/subscriptionChangeOrder/eid:X",
            {"action": "ACTIVATE", "effectiveDate": "2025-07-01"},
            "Subscription",
        ),
    ],
)
def test_missing_mandatory_field_is_user_error_naming_it(client, path, body, label):
    response = client.put(path, json=body)

    assert response.status_code == 400
    assert response.json()["o:errorDetails"] == [
        {
            "detail": f"Error while accessing a resource. Please enter value(s) for: {label}.",
            "o:errorCode": "USER_ERROR",
        }
    ]


def test_subscription_lists_every_missing_mandatory_field(client):
    response = client.post("/subscription", json={"name": "S"})

    detail = response.json()["o:errorDetails"][0]["detail"]
    assert detail == (
        "Error while accessing a resource. Please enter value(s) for: Customer, "
        "Initial Term, Subscription Plan, Price Book."
    )


def test_patch_that_clears_a_mandatory_field_is_refused(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    response = client.patch(f"/customer/{rid}", json={"subsidiary": None})

    assert response.status_code == 400
    assert client.get(f"/customer/{rid}").json()["subsidiary"]["id"] == "1"


def test_unknown_reference_id_is_the_e9_invalid_content_error(client):
    body = {
        "name": "BA",
        "customer": {"id": "99999"},
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "billingSchedule": {"id": "1"},
        "startDate": "2025-07-01",
    }

    response = client.put("/billingAccount/eid:SF-BA-001Ab00000XyZ12AAB-USD", json=body)

    assert response.status_code == 400
    assert response.json() == {
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


def test_unknown_item_in_a_sublist_reports_the_line_path(client):
    body = {
        "itemId": "P",
        "initialTerm": {"id": "3"},
        "member": {
            "items": [
                {"lineNumber": 1, "item": {"id": "501"}, "isRequired": True},
                {"lineNumber": 2, "item": {"id": "777"}, "isRequired": True},
            ]
        },
    }

    response = client.put("/subscriptionPlan/eid:P", json=body)

    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorPath"] == "member.items[1].item"
    assert detail["detail"].endswith("Invalid Field Value 777 for the following field: item")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"terms": {"id": "9"}}, "terms"),
        ({"currency": {"id": "5000"}}, "currency"),
        ({"subsidiary": {"externalId": "SUB-1"}}, "subsidiary"),
        (
            {"addressBook": {"items": [{"addressBookAddress": {"country": {"id": "usa"}}}]}},
            "addressBook.items[0].addressBookAddress.country",
        ),
        (
            {"addressBook": {"items": [{"addressBookAddress": {"country": "ZZ"}}]}},
            "addressBook.items[0].addressBookAddress.country",
        ),
    ],
)
def test_invalid_references_and_codes_are_rejected(client, body, path):
    response = client.put("/customer/eid:SF-001", json={**CUSTOMER, **body})

    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == path


@pytest.mark.parametrize("value", ["07/01/2025", "2025-7-1", "2025-02-30", 20250701])
def test_dates_must_be_yyyy_mm_dd(client, value):
    customer = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))
    body = {
        "name": "BA",
        "customer": {"id": customer},
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "billingSchedule": {"id": "1"},
        "startDate": value,
    }

    response = client.put("/billingAccount/eid:BA", json=body)

    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "startDate"


def test_enum_accepts_bare_string_or_id_object_and_rejects_unknown_values(client):
    base = {"name": "T", "subscriptionTermDuration": 6}
    bare = client.put("/subscriptionTerm/eid:A", json={**base, "subscriptionTermUnit": "MONTHS"})
    obj = client.put(
        "/subscriptionTerm/eid:B", json={**base, "subscriptionTermUnit": {"id": "DAYS"}}
    )
    bad = client.put("/subscriptionTerm/eid:C", json={**base, "subscriptionTermUnit": "FORTNIGHTS"})

    assert bare.status_code == obj.status_code == 204
    assert bad.status_code == 400
    assert bad.json()["o:errorDetails"][0]["o:errorPath"] == "subscriptionTermUnit"


def test_malformed_json_is_the_invalid_request_body(client):
    response = client.put(
        "/customer/eid:SF-001", data=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["o:errorDetails"] == [
        {
            "detail": "The request could not be understood by the server due to malformed syntax.",
            "o:errorCode": "INVALID_REQUEST",
        }
    ]


# --- SuiteQL --------------------------------------------------------------------------------------


def test_suiteql_requires_prefer_transient(client):
    response = client.query("SELECT id FROM item", prefer=None)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE


def test_suiteql_in_with_params_returns_string_values_lower_case_keys_and_omits_nulls(client):
    response = client.query(
        "SELECT id, itemid, externalid FROM item WHERE itemid IN (?, ?, ?)",
        ["PP-SETUP", "PP-LICENSE", "PP-SEAT"],
        limit=1000,
        offset=0,
    )

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == body["totalResults"] == 3
    assert body["hasMore"] is False and body["offset"] == 0
    assert body["links"][0]["rel"] == "self"
    assert body["items"] == [
        {"links": [], "id": "501", "itemid": "PP-SETUP", "externalid": "SF-01tSETUP"},
        {"links": [], "id": "502", "itemid": "PP-LICENSE"},
        {"links": [], "id": "503", "itemid": "PP-SEAT"},
    ]


def test_suiteql_is_case_insensitive_and_supports_equality_and_and(client):
    response = client.query(
        "select ID, ItemId from ITEM where itemtype = ? and displayname = 'Setup'",
        ["serviceSaleItem"],
    )

    assert [row["itemid"] for row in response.json()["items"]] == ["PP-SETUP"]


def test_suiteql_pages_with_next_link_and_offset(client, double):
    first = client.query("SELECT id FROM item", limit=2, offset=0).json()
    second = client.query("SELECT id FROM item", limit=2, offset=2).json()

    assert first["hasMore"] is True and first["count"] == 2 and first["totalResults"] == 3
    next_link = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert next_link == [f"{double.base_url}{SUITEQL}?limit=2&offset=2"]
    assert second["hasMore"] is False
    assert [row["id"] for row in first["items"] + second["items"]] == ["501", "502", "503"]


@pytest.mark.parametrize(("limit", "offset"), [(2, 1), (1001, 0), (0, 0)])
def test_suiteql_rejects_bad_paging(client, limit, offset):
    assert client.query("SELECT id FROM item", limit=limit, offset=offset).status_code == 400


def test_suiteql_reads_record_tables_by_external_id(client):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))

    rows = client.query(
        "SELECT id, companyname, subsidiary, isperson FROM customer WHERE externalid = ?",
        ["SF-001"],
    ).json()["items"]

    assert rows == [
        {"links": [], "id": rid, "companyname": "Acme Corp", "subsidiary": "1", "isperson": "F"}
    ]


@pytest.mark.parametrize(
    "q",
    ["SELECT nope FROM item", "SELECT id FROM nosuchtable", "SELECT id FROM item WHERE itemid = ?"],
)
def test_suiteql_rejects_unknown_columns_tables_and_unbound_params(client, q):
    assert client.query(q).status_code == 400


# --- persistence, dump, stats ---------------------------------------------------------------------


def test_state_survives_restart_and_id_counters_continue(tmp_path, ec_key):
    first = NetSuiteDouble(tmp_path, make_seed())
    client = Client(first.start(), bearer_token(first.base_url, ec_key))
    rid = int(location_id(client.put("/customer/eid:SF-001", json=CUSTOMER)))
    first.close()

    second = NetSuiteDouble(tmp_path, make_seed())
    try:
        client = Client(second.start(), bearer_token(second.base_url, ec_key))
        assert client.get("/customer/eid:SF-001").json()["id"] == str(rid)
        assert int(location_id(client.post("/customer", json=CUSTOMER))) == rid + 1
    finally:
        second.close()


def test_stop_then_start_serves_the_same_records(double, client, ec_key):
    rid = location_id(client.put("/customer/eid:SF-001", json=CUSTOMER))
    double.stop()

    client = Client(double.start(), bearer_token(double.base_url, ec_key))

    assert client.get(f"/customer/{rid}").status_code == 200


def test_dump_lists_product_records_as_expanded_get_sorted_by_id(client, double):
    for n in (2, 1):
        client.put(
            f"/customer/eid:SF-00{n}", json={**CUSTOMER, "addressBook": {"items": [address("HQ")]}}
        )

    dump = double.dump()

    assert set(dump) == {
        "customer",
        "contact",
        "billingAccount",
        "subscriptionTerm",
        "subscriptionPlan",
        "pricePlan",
        "priceBook",
        "subscription",
        "subscriptionChangeOrder",
    }
    ids = [r["id"] for r in dump["customer"]]
    assert ids == sorted(ids, key=int) and len(ids) == 2
    assert dump["customer"][0] == client.get(f"/customer/{ids[0]}?expandSubResources=true").json()
    assert dump["subscriptionTerm"][0]["id"] == "3"  # seeded, but of a product type


def test_dump_works_without_starting_the_server(tmp_path):
    double = NetSuiteDouble(tmp_path, make_seed())
    try:
        assert double.dump()["customer"] == []
    finally:
        double.close()


def test_stats_count_requests_by_route_and_writes(client, double):
    double.reset_stats()
    client.put("/customer/eid:SF-001", json=CUSTOMER)
    client.get("/customer/eid:SF-001")
    client.query("SELECT id FROM item")

    stats = double.stats

    assert stats["requests"] == 3
    assert stats["by_route"] == {"PUT customer": 1, "GET customer": 1, "POST suiteql": 1}
    assert stats["writes"] == 1
    assert stats["max_in_flight"] == 1
    assert stats["throttled_429"] == stats["faults_injected"] == 0
