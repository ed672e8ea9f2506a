"""SuiteBilling end to end: activation, plan reuse, a 0-decimal currency, large-deal offload."""

from __future__ import annotations

from pathlib import Path

import yaml

from offline.corpus import LineSpec, OrgBuilder
from offline.stack import DEFAULT_CONFIG
from tests.e2e.conftest import event_for, run, sample_event

US = {
    "Street": "1 Main",
    "City": "Boston",
    "State": "MA",
    "PostalCode": "02110",
    "Country": "United States",
    "CountryCode": "US",
}
BUNDLE = [
    LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0),
    LineSpec("PRO-SEATS", frequency="Monthly", quantity=10, net_price=600.0, parent=0),
    LineSpec("PRO-ONBOARD", charge_type="One-Time", frequency=None, net_price=2500.0, parent=0),
]


def config(tmp_path: Path, name: str = "mapping.yaml", salesforce=None, **netsuite) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["netsuite"].update(netsuite)
    data["salesforce"].update(salesforce or {})
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def deal(org: OrgBuilder, name: str, lines, **kwargs) -> str:
    aid = org.account(name, billing=US)
    cid = org.contact(aid, "Pat", name)
    return org.opportunity(
        aid,
        f"{name} deal",
        lines,
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
        **kwargs,
    )


def test_activation_moves_every_line_and_the_subscription_to_active(make_stack, tmp_path) -> None:
    stack = make_stack(config=config(tmp_path, activate_subscriptions=True))
    report = run(stack, sample_event())
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    assert len(dump["subscriptionChangeOrder"]) == 2
    for sub in dump["subscription"]:
        assert sub["billingSubscriptionStatus"]["id"] == "ACTIVE"
        assert {line["status"]["id"] for line in sub["subscriptionLine"]["items"]} == {"ACTIVE"}
    orders = {o["externalId"] for o in dump["subscriptionChangeOrder"]}
    assert orders == {s["externalId"].replace("SF-SUB-", "SF-ACT-") for s in dump["subscription"]}
    # A replay leaves active subscriptions alone and creates no second change order.
    assert run(stack, sample_event()).status == "Synced"
    assert len(stack.netsuite.dump()["subscriptionChangeOrder"]) == 2


def test_two_deals_with_one_package_configuration_share_one_plan_and_a_change_makes_a_new_one(
    make_stack,
) -> None:
    org = OrgBuilder()
    first = deal(org, "Alpha", BUNDLE)
    second = deal(
        org,
        "Beta",
        [
            BUNDLE[0],
            LineSpec("PRO-SEATS", frequency="Monthly", quantity=99, net_price=450.0, parent=0),
            BUNDLE[2],
        ],
    )
    changed = deal(
        org,
        "Gamma",
        [
            BUNDLE[0],
            LineSpec("PRO-SEATS", frequency="Monthly", billing_type="Arrears", parent=0),
            BUNDLE[2],
        ],
    )
    stack = make_stack(org.snapshot())
    for opp in (first, second, changed):
        assert run(stack, event_for(org, opp)).status == "Synced"
    dump = stack.netsuite.dump()
    assert (
        len(dump["subscriptionPlan"]) == 2
    )  # Alpha and Beta share one; Gamma's seats bill in arrears
    assert len(dump["subscription"]) == 3 and len(dump["priceBook"]) == 3
    plan_of = {
        s["name"].split(" deal")[0]: s["subscriptionPlan"]["id"] for s in dump["subscription"]
    }
    assert plan_of["Alpha"] == plan_of["Beta"] != plan_of["Gamma"]


def test_a_zero_decimal_currency_deal(make_stack, tmp_path) -> None:
    org = OrgBuilder()
    opp = deal(org, "Tokyo KK", [LineSpec("SUPPORT-PREM", frequency="Monthly", net_price=100000.0)])
    snapshot = org.snapshot()
    for record in (
        snapshot["records"]["Opportunity"]
        + snapshot["records"]["SBQQ__Quote__c"]
        + snapshot["records"]["SBQQ__QuoteLine__c"]
    ):
        record["CurrencyIsoCode"] = "JPY"
    stack = make_stack(snapshot, config=config(tmp_path, salesforce={"multi_currency": True}))
    report = run(stack, event_for(org, opp))
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    (price_plan,) = dump["pricePlan"]
    assert price_plan["currency"]["id"] == "3"
    assert (
        price_plan["priceTiers"]["items"][0]["value"] == 8333
    )  # 100000 / 12, rounded to 0 decimals
    assert dump["billingAccount"][0]["externalId"].endswith("-JPY")


def test_a_deal_too_large_for_the_state_travels_through_s3(make_stack) -> None:
    org = OrgBuilder()
    lines = [LineSpec("PLATFORM-PRO", bundle=True)] + [
        LineSpec("AN-STORAGE", frequency="Monthly", quantity=i + 1, net_price=120.0, parent=0)
        for i in range(119)
    ]
    opp = deal(org, "Big Co", lines)
    stack = make_stack(org.snapshot())
    report = run(stack, event_for(org, opp))
    assert report.status == "Synced", report.error
    assert stack.lambdas.stats.max_payload_bytes < 200 * 1024
    import boto3

    from offline.stack import REGION

    objects = (
        boto3.client("s3", region_name=REGION)
        .list_objects_v2(Bucket=stack.outputs["DealBucketName"])
        .get("Contents", [])
    )
    assert len(objects) == 1 and objects[0]["Key"].startswith(f"deals/{opp}/")
    (sub,) = stack.netsuite.dump()["subscription"]
    assert len(sub["subscriptionLine"]["items"]) == 120
