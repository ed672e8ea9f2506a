"""Amendments end to end (docs/mapping.md §9.1-§9.2): a CPQ amendment becomes SuiteBilling change orders.

The original deal is synced (and activated) first; the amendment quote then holds every line of
the contract with its new total ``SBQQ__Quantity__c``, the old one in ``SBQQ__PriorQuantity__c``
and the CPQ subscription it changes in ``SBQQ__UpgradedSubscription__c``, as CPQ builds it
(docs/reference/amendments-and-custom-fields.md §A.3, §A.5). NetSuite's rules (one change order
of a type per line and date, MODIFY_PRICING on active lines only, TERMINATE at the end of its
day) are the double's (§B.4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offline.corpus import LineSpec, OrgBuilder
from tests.e2e.conftest import event_for, run, writes_of
from tests.e2e.test_suitebilling import config, deal

SEATS = LineSpec("PRO-SEATS", frequency="Monthly", quantity=40, net_price=600.0, parent=0)
BUNDLE = [LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0), SEATS]
SUPPORT = [LineSpec("SUPPORT-PREM", frequency="Annual", quantity=5, net_price=1200.0)]


class Contract:
    """A synced deal's CPQ contract, its subscriptions, and amendments of it (as CPQ makes them)."""

    def __init__(self, org: OrgBuilder, name: str, lines: list[LineSpec]) -> None:
        self.org = org
        self.specs = lines
        self.original = deal(org, name, lines)
        opp = self._record("Opportunity", self.original)
        self.account = opp["AccountId"]
        self.lines = self._lines_of(opp["SBQQ__PrimaryQuote__c"])
        self.id = org.ids.new("800")
        org.records.setdefault("Contract", []).append(
            {
                "Id": self.id,
                "ContractNumber": f"000001{len(org.records['Contract']):02d}",
                "AccountId": self.account,
                "StartDate": "2026-04-01",
                "EndDate": "2027-03-31",
                "SBQQ__Opportunity__c": self.original,
                "SBQQ__Quote__c": opp["SBQQ__PrimaryQuote__c"],
            }
        )
        self.subscriptions: dict[str, str] = {}
        for line in self.lines:
            if line["SBQQ__ChargeType__c"]:
                sub_id = org.ids.new("a1E")
                self.subscriptions[line["Id"]] = sub_id
                org.records.setdefault("SBQQ__Subscription__c", []).append(
                    {
                        "Id": sub_id,
                        "SBQQ__Contract__c": self.id,
                        "SBQQ__QuoteLine__c": line["Id"],
                        "SBQQ__RevisedSubscription__c": None,
                        "SBQQ__Quantity__c": line["SBQQ__Quantity__c"],
                        "SBQQ__Product__c": line["SBQQ__Product__c"],
                    }
                )

    def amend(
        self, quantities: dict[int, float], *, start: str = "2026-07-01", name: str = "Amendment"
    ) -> str:
        """An amendment opportunity: every line of the contract, ``quantities`` by line index."""
        amendment = self.org.opportunity(
            self.account, name, self.specs, quote_type="Amendment", start_date=start
        )
        opp = self._record("Opportunity", amendment)
        opp["SBQQ__AmendedContract__c"] = self.id
        new_lines = self._lines_of(opp["SBQQ__PrimaryQuote__c"])
        for index, (line, original) in enumerate(zip(new_lines, self.lines, strict=True)):
            line.update(
                SBQQ__Existing__c=True,
                SBQQ__PriorQuantity__c=original["SBQQ__Quantity__c"],
                SBQQ__Quantity__c=quantities.get(index, original["SBQQ__Quantity__c"]),
                SBQQ__UpgradedSubscription__c=self.subscriptions.get(original["Id"]),
            )
        return amendment

    def _record(self, sobject: str, record_id: str) -> dict[str, Any]:
        return next(r for r in self.org.records[sobject] if r["Id"] == record_id)

    def _lines_of(self, quote_id: str) -> list[dict[str, Any]]:
        return [
            r for r in self.org.records["SBQQ__QuoteLine__c"] if r["SBQQ__Quote__c"] == quote_id
        ]


def active(tmp_path: Path) -> Path:
    return config(tmp_path, activate_subscriptions=True)


def orders(stack) -> dict[str, dict[str, Any]]:
    return {o["externalId"]: o for o in stack.netsuite.dump().get("subscriptionChangeOrder", [])}


def subscription_of(stack, eid: str) -> dict[str, Any]:
    return next(s for s in stack.netsuite.dump()["subscription"] if s["externalId"] == eid)


def line_quantities(sub: dict[str, Any]) -> dict[int, float]:
    return {line["lineNumber"]: line["quantity"] for line in sub["subscriptionLine"]["items"]}


def without_links(value: Any) -> Any:
    """A dump without its ``links`` (they name the double's port, which a restart changes)."""
    if isinstance(value, dict):
        return {k: without_links(v) for k, v in value.items() if k != "links"}
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value


def sync_original(stack, org: OrgBuilder, contract: Contract) -> None:
    report = run(stack, event_for(org, contract.original))
    assert report.status == "Synced", report.error


def test_an_upsell_becomes_one_modify_pricing_change_order_and_a_replay_adds_nothing(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Upsell", BUNDLE)
    amendment = contract.amend({1: 50})
    stack = make_stack(org.snapshot(), config=active(tmp_path))
    sync_original(stack, org, contract)

    report = run(stack, event_for(org, amendment))

    assert report.status == "Synced", report.error
    root = contract.lines[0]["Id"]
    eid = f"SF-CO-{amendment}-{root}-MP"
    order = orders(stack)[eid]
    assert order["action"]["id"] == "MODIFY_PRICING"
    assert order["modificationType"]["id"] == "UPSELL_DOWNSELL"
    assert order["effectiveDate"] == "2026-07-01"
    sub = subscription_of(stack, f"SF-SUB-{contract.original}-{root}")
    assert line_quantities(sub)[2] == 50
    assert report.netsuite["subscriptionChangeOrder"] == [{"externalId": eid, "id": order["id"]}]
    status = stack.salesforce.record("Opportunity", amendment)
    assert status["NetSuite_Sync_Status__c"] == "Synced"
    assert status["NetSuite_Subscription_Ids__c"] == sub["id"]
    before = writes_of(stack.netsuite.dump())
    for _ in range(2):
        again = run(stack, event_for(org, amendment))
        assert again.status == "Synced", again.error
    assert writes_of(stack.netsuite.dump()) == before


def test_a_downsell_lowers_the_quantity_from_the_amendment_start(make_stack, tmp_path) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Downsell", BUNDLE)
    amendment = contract.amend({1: 30})
    stack = make_stack(org.snapshot(), config=active(tmp_path))
    sync_original(stack, org, contract)

    assert run(stack, event_for(org, amendment)).status == "Synced"

    root = contract.lines[0]["Id"]
    sub = subscription_of(stack, f"SF-SUB-{contract.original}-{root}")
    assert line_quantities(sub)[2] == 30
    assert orders(stack)[f"SF-CO-{amendment}-{root}-MP"]["subLine"]["items"][0]["quantityNew"] == 30


def test_cancelling_one_line_terminates_it_at_the_end_of_the_day_before(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Cancel one", BUNDLE)
    amendment = contract.amend({1: 0})
    stack = make_stack(org.snapshot(), config=active(tmp_path))
    sync_original(stack, org, contract)

    report = run(stack, event_for(org, amendment))

    assert report.status == "Synced", report.error
    root = contract.lines[0]["Id"]
    order = orders(stack)[f"SF-CO-{amendment}-{root}-TM"]
    assert order["action"]["id"] == "TERMINATE" and order["effectiveDate"] == "2026-06-30"
    sub = subscription_of(stack, f"SF-SUB-{contract.original}-{root}")
    statuses = {
        line["lineNumber"]: line["status"]["id"] for line in sub["subscriptionLine"]["items"]
    }
    assert statuses == {1: "ACTIVE", 2: "TERMINATED"}
    before = writes_of(stack.netsuite.dump())
    for _ in range(2):
        assert run(stack, event_for(org, amendment)).status == "Synced"
    assert writes_of(stack.netsuite.dump()) == before


def test_cancelling_every_line_terminates_every_line_of_every_subscription(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Cancel all", [*BUNDLE, *SUPPORT])
    amendment = contract.amend({0: 0, 1: 0, 2: 0})
    stack = make_stack(org.snapshot(), config=active(tmp_path))
    sync_original(stack, org, contract)

    report = run(stack, event_for(org, amendment))

    assert report.status == "Synced", report.error
    bundle, support = contract.lines[0]["Id"], contract.lines[2]["Id"]
    assert set(orders(stack)) >= {
        f"SF-CO-{amendment}-{bundle}-TM",
        f"SF-CO-{amendment}-{support}-TM",
    }
    for root in (bundle, support):
        sub = subscription_of(stack, f"SF-SUB-{contract.original}-{root}")
        assert {line["status"]["id"] for line in sub["subscriptionLine"]["items"]} == {"TERMINATED"}
    before = writes_of(stack.netsuite.dump())
    assert run(stack, event_for(org, amendment)).status == "Synced"
    assert writes_of(stack.netsuite.dump()) == before


def test_an_amendment_of_a_contract_never_synced_is_invalid_and_writes_nothing(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Never synced", BUNDLE)
    amendment = contract.amend({1: 50})
    stack = make_stack(org.snapshot(), config=active(tmp_path))

    for _ in range(2):
        report = run(stack, event_for(org, amendment))
        assert report.status == "Failed"
        assert report.error is not None and report.error["type"] == "InvalidDeal"
        assert "whose subscriptions were never synced" in report.error["message"]
    assert writes_of(stack.netsuite.dump()).get("subscriptionChangeOrder", 0) == 0
    assert writes_of(stack.netsuite.dump()).get("customer", 0) == 0


def test_an_amendment_of_a_draft_original_updates_it_in_place(make_stack, tmp_path) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Draft", BUNDLE)
    amendment = contract.amend({1: 50})
    stack = make_stack(org.snapshot(), config=config(tmp_path))
    sync_original(stack, org, contract)

    for _ in range(3):
        report = run(stack, event_for(org, amendment))
        assert report.status == "Synced", report.error

    root = contract.lines[0]["Id"]
    sub = subscription_of(stack, f"SF-SUB-{contract.original}-{root}")
    assert sub["billingSubscriptionStatus"]["id"] == "DRAFT"
    assert line_quantities(sub)[2] == 50
    assert orders(stack) == {}
    # The synced amendment owns the subscription: replaying the original deal (seats 40 on its
    # quote) compares nothing and changes nothing (docs/mapping.md §9.4).
    assert run(stack, event_for(org, contract.original)).status == "Synced"
    assert line_quantities(subscription_of(stack, f"SF-SUB-{contract.original}-{root}"))[2] == 50


def test_an_amendment_edited_after_its_sync_ends_drift_and_leaves_netsuite_alone(
    make_stack, tmp_path
) -> None:
    org = OrgBuilder()
    contract = Contract(org, "Edited", BUNDLE)
    amendment = contract.amend({1: 50})
    stack = make_stack(org.snapshot(), config=active(tmp_path))
    sync_original(stack, org, contract)
    assert run(stack, event_for(org, amendment)).status == "Synced"
    before = without_links(stack.netsuite.dump())

    seats = contract._lines_of(contract._record("Opportunity", amendment)["SBQQ__PrimaryQuote__c"])[
        1
    ]
    seats["SBQQ__Quantity__c"] = 60
    stack.stop()
    stack = make_stack(org.snapshot(), config=active(tmp_path), state=tmp_path / "state")
    report = run(stack, event_for(org, amendment))

    assert report.status == "Drift"
    assert report.error is not None and report.error["type"] == "Drift"
    assert "line 2 quantity 50 in NetSuite, 60 on the amendment" in report.error["message"]
    assert without_links(stack.netsuite.dump()) == before
    assert stack.dlq_messages() == []
    status = stack.salesforce.record("Opportunity", amendment)
    assert status["NetSuite_Sync_Status__c"] == "Drift"
    assert "60 on the amendment" in status["NetSuite_Sync_Error__c"]
