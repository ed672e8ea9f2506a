"""SuiteBilling change orders in the NetSuite double: MODIFY_PRICING, TERMINATE, ACTIVATE.

Sources (Oracle Help Center, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/<id>.html):
- subsect_1547761140 "Change Order Rules": effective at the start of the day, TERMINATE at its
  end; one change order of a given type per subscription line per date; no termination of a line
  with a Modify Pricing change order dated later;
- section_1554934535 "Modify Pricing Change Orders": new quantity / price plan on active lines,
  modification type, effective date after the activation date;
- section_1547760916 "Terminating a Subscription": per line, Active or Pending Activation lines,
  terminated lines locked ("you must enter a new subscription item");
- section_161353179340 "Default Terminations Effective at Start of Day" (terminateAtStartOfDay);
- section_160858392918 "Subscription Change Order" REST sample (subLine items by ``sequence``);
- REST API Browser 2026.1, subscriptionChangeOrder (action ids ACTIVATE, MODIFY_PRICING,
  SUSPEND, REACTIVATE, RENEW, TERMINATE; modificationType UPSELL_DOWNSELL).
Open points (docs/reference/amendments-and-custom-fields.md §B.3, §B.5) are double knobs.
"""

from __future__ import annotations

import pytest
import requests

from offline.netsuite_double import NetSuiteDouble

from .test_netsuite_double_billing import (
    SEED,
    Client,
    catalog,
    connect,
    expanded,
    line_ids,
    new_id,
    subscription_body,
    user_error,
)

ACTIVATED_ON = "2025-07-01"


@pytest.fixture
def double(tmp_path):
    double = NetSuiteDouble(tmp_path, SEED)
    double.start()
    yield double
    double.close()


@pytest.fixture
def client(double) -> Client:
    return connect(double.base_url)


def active_subscription(client: Client, seats: int = 40) -> str:
    """A subscription whose lines 1 and 2 (seats on line 2) were activated on 2025-07-01."""
    ids = catalog(client)
    sid = new_id(
        client.put(
            "/subscription/eid:SF-SUB-1",
            subscription_body(
                ids,
                priceInterval={"items": [{"subscriptionPlanLineNumber": 2, "quantity": seats}]},
            ),
        )
    )
    for line in line_ids(client, sid)[:2]:
        client.patch(f"/subscriptionLine/{line}", {"subscriptionLineStatus": "PENDING_ACTIVATION"})
    new_id(
        change_order(
            client,
            "SF-ACT-1",
            sid,
            "ACTIVATE",
            ACTIVATED_ON,
            [{"sequence": "1"}, {"sequence": "2"}],
        )
    )
    return sid


def change_order(
    client: Client,
    external_id: str,
    sid: str,
    action: str,
    effective: str,
    lines: list[dict],
    **header,
) -> requests.Response:
    body = {
        "action": {"id": action},
        "subscription": {"id": sid},
        "effectiveDate": effective,
        "subLine": {"items": [{"apply": True, **line} for line in lines]},
        **header,
    }
    return client.put(f"/subscriptionChangeOrder/eid:{external_id}", body)


def upsell(
    client: Client, sid: str, quantity: float, effective: str = "2025-10-01", eid: str = "SF-CO-MP"
):
    return change_order(
        client,
        eid,
        sid,
        "MODIFY_PRICING",
        effective,
        [{"sequence": "2", "quantityNew": quantity}],
        modificationType={"id": "UPSELL_DOWNSELL"},
    )


def terminate(client: Client, sid: str, effective: str, sequences=("2",), eid="SF-CO-TM", **header):
    return change_order(
        client, eid, sid, "TERMINATE", effective, [{"sequence": s} for s in sequences], **header
    )


def line(sub: dict, number: int) -> dict:
    return next(x for x in sub["subscriptionLine"]["items"] if x["lineNumber"] == number)


def intervals_of(sub: dict, number: int) -> list[tuple[str, float]]:
    return [
        (i["startDate"], i["quantity"])
        for i in sub["priceInterval"]["items"]
        if i["subscriptionPlanLineNumber"] == number
    ]


def test_given_an_active_line_when_modify_pricing_sets_quantity_then_get_shows_it_from_that_date(
    client,
):
    sid = active_subscription(client, seats=40)

    order = new_id(upsell(client, sid, 50))

    sub = expanded(client, sid)
    assert line(sub, 2)["quantity"] == 50.0
    assert line(sub, 2)["status"]["id"] == "ACTIVE"
    assert intervals_of(sub, 2) == [("2025-07-01", 40.0), ("2025-10-01", 50.0)]
    assert line(sub, 1)["quantity"] == 1.0
    saved = client.get(f"/subscriptionChangeOrder/{order}?expandSubResources=true")
    assert saved["action"]["id"] == "MODIFY_PRICING"
    assert saved["modificationType"]["id"] == "UPSELL_DOWNSELL"
    item = saved["subLine"]["items"][0]
    assert (item["sequence"], item["quantity"], item["quantityNew"]) == ("2", 40.0, 50.0)
    assert item["subscriptionLine"] == line(sub, 2)["subscriptionLine"]


def test_given_a_downsell_then_the_lower_quantity_applies_and_a_later_one_chains(client):
    sid = active_subscription(client, seats=40)

    new_id(upsell(client, sid, 30, "2025-10-01", eid="SF-CO-A"))
    new_id(upsell(client, sid, 35, "2026-01-01", eid="SF-CO-B"))

    sub = expanded(client, sid)
    assert intervals_of(sub, 2) == [
        ("2025-07-01", 40.0),
        ("2025-10-01", 30.0),
        ("2026-01-01", 35.0),
    ]
    assert line(sub, 2)["quantity"] == 35.0


def test_given_a_change_order_replayed_by_put_eid_then_it_is_applied_once(client):
    sid = active_subscription(client)
    first = new_id(upsell(client, sid, 50))

    assert new_id(upsell(client, sid, 50)) == first

    assert intervals_of(expanded(client, sid), 2) == [("2025-07-01", 40.0), ("2025-10-01", 50.0)]


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_given_a_modify_pricing_of_a_line_when_another_has_the_same_date_then_it_is_refused(
    client, method
):
    sid = active_subscription(client)
    new_id(upsell(client, sid, 50))
    body = {
        "action": {"id": "MODIFY_PRICING"},
        "subscription": {"id": sid},
        "effectiveDate": "2025-10-01",
        "subLine": {"items": [{"sequence": "2", "apply": True, "quantityNew": 60}]},
    }
    path = "/subscriptionChangeOrder" + ("/eid:SF-CO-OTHER" if method == "PUT" else "")

    detail = user_error(client.call(method, path, body))

    assert "only one change order of a given type" in detail
    assert "subscription line 2" in detail
    assert line(expanded(client, sid), 2)["quantity"] == 50.0


def test_given_a_draft_line_when_modify_pricing_then_it_is_refused(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))
    client.patch(
        f"/subscriptionLine/{line_ids(client, sid)[1]}",
        {"subscriptionLineStatus": "PENDING_ACTIVATION"},
    )

    detail = user_error(upsell(client, sid, 50))

    assert "only modify the pricing of an active subscription line" in detail


@pytest.mark.parametrize("effective", ["2025-06-30", ACTIVATED_ON])
def test_given_modify_pricing_on_or_before_activation_then_it_is_refused(client, effective):
    sid = active_subscription(client)

    detail = user_error(upsell(client, sid, 50, effective))

    assert "must be after the activation date" in detail


def test_given_modify_pricing_after_the_subscription_end_then_it_is_refused(client):
    sid = active_subscription(client)

    assert "after the end date" in user_error(upsell(client, sid, 50, "2026-07-01"))


def test_given_modify_pricing_without_a_new_value_or_with_a_negative_one_then_it_is_refused(
    client,
):
    sid = active_subscription(client)

    user_error(change_order(client, "X1", sid, "MODIFY_PRICING", "2025-10-01", [{"sequence": "2"}]))
    user_error(upsell(client, sid, -5))

    assert line(expanded(client, sid), 2)["quantity"] == 40.0


def test_given_a_new_price_plan_then_the_new_interval_uses_it(client):
    sid = active_subscription(client)
    plan = client.get("/pricePlan/eid:PP3-1")["id"]

    new_id(
        change_order(
            client,
            "SF-CO-PP",
            sid,
            "MODIFY_PRICING",
            "2025-10-01",
            [{"sequence": "2", "pricePlanNew": {"id": plan}}],
        )
    )

    latest = expanded(client, sid)["priceInterval"]["items"][-1]
    assert (latest["startDate"], latest["pricePlan"]["id"], latest["quantity"]) == (
        "2025-10-01",
        plan,
        40.0,
    )


def test_given_a_sequence_that_is_not_a_line_then_the_change_order_is_refused(client):
    sid = active_subscription(client)

    detail = user_error(
        change_order(
            client, "X", sid, "MODIFY_PRICING", "2025-10-01", [{"sequence": "9", "quantityNew": 2}]
        )
    )

    assert "Subscription line 9 does not exist" in detail


def test_given_terminate_then_the_line_ends_at_the_end_of_its_effective_date(client):
    sid = active_subscription(client)

    new_id(terminate(client, sid, "2025-12-31"))

    sub = expanded(client, sid)
    ended = line(sub, 2)
    assert ended["status"]["id"] == "TERMINATED"
    assert (ended["terminationDate"], ended["endDate"]) == ("2025-12-31", "2025-12-31")
    assert line(sub, 1)["status"]["id"] == "ACTIVE"
    assert sub["billingSubscriptionStatus"]["id"] == "ACTIVE"
    record = client.get(f"/subscriptionLine/{ended['subscriptionLine']}")
    assert record["subscriptionLineStatus"]["id"] == "TERMINATED"
    assert record["terminationDate"] == "2025-12-31"


def test_given_terminate_at_start_of_day_then_the_last_active_day_is_the_day_before(client):
    sid = active_subscription(client)

    new_id(terminate(client, sid, "2026-01-01", terminateAtStartOfDay=True))

    ended = line(expanded(client, sid), 2)
    assert (ended["terminationDate"], ended["endDate"]) == ("2026-01-01", "2025-12-31")


def test_given_every_line_terminated_then_the_subscription_is_terminated(client):
    sid = active_subscription(client)

    new_id(terminate(client, sid, "2025-12-31", sequences=("1", "2")))

    sub = expanded(client, sid)
    assert sub["billingSubscriptionStatus"]["id"] == "TERMINATED"
    assert [line(sub, n)["status"]["id"] for n in (1, 2)] == ["TERMINATED", "TERMINATED"]


def test_given_a_terminated_line_then_no_change_order_can_touch_it(client):
    sid = active_subscription(client)
    new_id(terminate(client, sid, "2025-12-31"))

    assert "terminated and cannot be changed" in user_error(upsell(client, sid, 50, "2025-11-01"))
    assert "terminated" in user_error(terminate(client, sid, "2026-01-31", eid="SF-CO-TM2"))
    assert "active subscription line" in user_error(
        client.patch(
            f"/subscription/{sid}",
            {"priceInterval": {"items": [{"subscriptionPlanLineNumber": 2, "quantity": 5}]}},
        )
    )


def test_given_a_later_modify_pricing_then_an_earlier_termination_is_refused(client):
    sid = active_subscription(client)
    new_id(upsell(client, sid, 50, "2026-02-01"))

    detail = user_error(terminate(client, sid, "2025-12-31"))

    assert "modify pricing change order dated 2026-02-01" in detail
    assert line(expanded(client, sid), 2)["status"]["id"] == "ACTIVE"


def test_given_a_draft_line_then_terminate_is_refused(client):
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    assert "Subscription line 2 is DRAFT" in user_error(terminate(client, sid, "2025-12-31"))


@pytest.mark.parametrize("action", ["SUSPEND", "REACTIVATE", "RENEW"])
def test_given_an_action_the_double_does_not_model_then_it_is_refused_by_name(client, action):
    sid = active_subscription(client)

    assert action in user_error(
        change_order(client, "X", sid, action, "2025-10-01", [{"sequence": "2"}])
    )


def test_given_an_action_id_not_in_the_schema_then_the_body_is_invalid(client):
    sid = active_subscription(client)

    response = change_order(client, "X", sid, "UPSELL", "2025-10-01", [{"sequence": "2"}])

    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_CONTENT"


def test_given_the_knob_delta_then_quantity_new_is_added_to_the_current_quantity(double, client):
    double.behaviour.quantity_new = "delta"
    sid = active_subscription(client, seats=40)

    new_id(upsell(client, sid, 10))

    assert line(expanded(client, sid), 2)["quantity"] == 50.0


@pytest.mark.parametrize(("accepted", "status"), [(True, 204), (False, 400)])
def test_given_the_draft_zero_quantity_knob_then_a_draft_line_takes_or_refuses_zero(
    double, client, accepted, status
):
    double.behaviour.draft_zero_quantity = accepted
    ids = catalog(client)
    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids)))

    response = client.patch(
        f"/subscription/{sid}",
        {"priceInterval": {"items": [{"subscriptionPlanLineNumber": 2, "quantity": 0}]}},
    )

    assert response.status_code == status, response.text
    assert line(expanded(client, sid), 2)["quantity"] == (0.0 if accepted else 1.0)


def custom_term(client: Client) -> str:
    return new_id(
        client.put(
            "/subscriptionTerm/eid:T-CUSTOM",
            {"name": "Co-termed", "subscriptionTermType": {"id": "CUSTOM"}},
        )
    )


def test_given_a_custom_term_then_the_subscription_keeps_its_explicit_end_date(client):
    ids = catalog(client)
    term = custom_term(client)

    sid = new_id(
        client.put(
            "/subscription/eid:S-COTERM",
            subscription_body(
                ids, initialTerm={"id": term}, startDate="2025-10-01", endDate="2026-06-30"
            ),
        )
    )

    sub = expanded(client, sid)
    assert (sub["startDate"], sub["endDate"]) == ("2025-10-01", "2026-06-30")
    assert line(sub, 2)["endDate"] == "2026-06-30"
    detail = user_error(
        client.put(
            "/subscription/eid:S-NO-END",
            subscription_body(ids, initialTerm={"id": term}, startDate="2025-10-01"),
        )
    )
    assert "End Date" in detail


def test_given_a_standard_term_then_the_end_date_follows_the_term(client):
    ids = catalog(client)

    sid = new_id(client.put("/subscription/eid:S", subscription_body(ids, endDate="2025-12-31")))

    assert client.get(f"/subscription/{sid}")["endDate"] == "2026-06-30"


def test_given_the_coterm_knob_off_then_a_custom_term_needs_a_duration(double, client):
    double.behaviour.coterm_term_type = None

    response = client.put(
        "/subscriptionTerm/eid:T-CUSTOM",
        {"name": "Co-termed", "subscriptionTermType": {"id": "CUSTOM"}},
    )

    assert "Please enter value(s)" in user_error(response)
