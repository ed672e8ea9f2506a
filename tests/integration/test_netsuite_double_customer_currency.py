"""The NetSuite double's customer-currency rules (docs/mapping.md §8.2, §8.3).

Oracle, "Assigning Currencies to Entities" (ns-online-help section_N1397405): with Multiple
Currencies a customer has one primary currency and may be given more, on its currency sublist, at
any time. Oracle, "Currency on Customer Transactions" (bridgehead_N1398658): a customer transacts
in the currencies on its record, and a saved transaction's currency cannot change. Oracle,
"Subscriptions" (section_1547668165): a subscription's customer, currency and subsidiary are
fixed once saved. The double reads these together: the primary currency or subsidiary of a
customer with a billing account, subscription or transaction is fixed (its records would
otherwise stop matching it). A refusal is NetSuite's documented 400 error body with
``o:errorCode`` USER_ERROR (section_156570709583); the wording is the double's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from offline.netsuite_double import NetSuiteDouble
from tests.integration.test_netsuite_double_billing import SEED, TOKEN, Client, new_id, user_error


def connect(double: NetSuiteDouble) -> Client:
    """A client of a started double, with a token from its OAuth 2.0 M2M endpoint."""
    base = double.start()
    now = int(time.time())
    claims = {"iss": "offline-client", "scope": "rest_webservices", "aud": base + TOKEN}
    assertion = jwt.encode(
        {**claims, "iat": now, "exp": now + 600},
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": "offline-kid"},
    )
    answer = requests.post(
        base + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    )
    return Client(base, answer.json()["access_token"])


def started(state: Path, seed: dict[str, Any]) -> Iterator[Client]:
    double = NetSuiteDouble(state, seed)
    try:
        yield connect(double)
    finally:
        double.close()


@pytest.fixture
def ns(tmp_path: Path) -> Iterator[Client]:
    yield from started(tmp_path, SEED)


def customer(ns: Client, eid: str = "C1", currency: str = "1") -> str:
    return new_id(
        ns.put(
            f"/customer/eid:{eid}",
            {"companyName": "Acme", "subsidiary": {"id": "1"}, "currency": {"id": currency}},
        )
    )


def billing_account(ns: Client, customer_id: str, currency: str, eid: str = "BA1"):
    return ns.put(
        f"/billingAccount/eid:{eid}",
        {
            "name": "Acme",
            "customer": {"id": customer_id},
            "currency": {"id": currency},
            "billingSchedule": {"id": "1"},
            "subsidiary": {"id": "1"},
            "startDate": "2026-04-01",
        },
    )


def test_a_billing_account_in_a_currency_the_customer_lacks_is_refused(ns: Client) -> None:
    cid = customer(ns)
    detail = user_error(billing_account(ns, cid, "2"))
    assert "currencies of its customer" in detail


def test_a_billing_account_in_a_currency_of_the_currency_list_is_accepted(ns: Client) -> None:
    cid = customer(ns)
    response = ns.call(
        "PATCH",
        f"/customer/{cid}?replace=currencyList",
        {"currencyList": {"items": [{"currency": {"id": "2"}}]}},
    )
    assert response.status_code == 204, response.text
    new_id(billing_account(ns, cid, "2"))
    assert ns.get(f"/customer/{cid}")["currency"]["id"] == "1"


def test_the_primary_currency_of_a_customer_with_a_billing_account_cannot_change(
    ns: Client,
) -> None:
    cid = customer(ns)
    new_id(billing_account(ns, cid, "1"))
    detail = user_error(ns.patch(f"/customer/{cid}", {"currency": {"id": "2"}}))
    assert "primary currency" in detail
    detail = user_error(ns.patch(f"/customer/{cid}", {"subsidiary": {"id": "2"}}))
    assert "subsidiary" in detail


def test_the_primary_currency_of_a_customer_without_billing_records_can_change(
    ns: Client,
) -> None:
    cid = customer(ns)
    response = ns.patch(f"/customer/{cid}", {"currency": {"id": "2"}})
    assert response.status_code == 204, response.text


def test_the_primary_currency_of_a_customer_with_a_transaction_cannot_change(
    tmp_path: Path,
) -> None:
    seed = {
        **SEED,
        "customer": [
            {"id": "950", "companyName": "Acme", "subsidiary": {"id": "1"}, "currency": {"id": "1"}}
        ],
        "invoice": [{"id": "1", "entity": {"id": "950"}}],
    }
    for client in started(tmp_path, seed):
        detail = user_error(client.patch("/customer/950", {"currency": {"id": "2"}}))
        assert "primary currency" in detail
