"""Property: any hostile org snapshot and event ends right, end to end (issue 13 item 8).

Hypothesis builds a valid one-deal org (OrgBuilder) and spoils it: wrong types, missing or huge
values, malformed and wrong-checksum ids, a street typed into a Country field, non-finite and
out-of-range numbers, a RequiredBy cycle, personal data in personal fields shaped so that a
validator would want to quote it; then relays a platform event or a CDC change event (itself
possibly spoiled) through the offline stack. For every example:

- the report status is an outcome (Synced, Skipped, Drift, Failed) or Unmatched, and the
  Salesforce sync status is one of the picklist's values (or untouched);
- a failure is classified in the taxonomy (closedwon/errors.py) and has its DLQ message;
- a deal that does not sync (failed, skipped, unmatched) wrote nothing to NetSuite (the double's
  dump is unchanged): validation is complete before the first write;
- no personal value of the generated deal appears in the functions' log lines, any DLQ message
  or the error text written to Salesforce.

One stack serves the module: each example swaps the Salesforce double's org for its own snapshot,
with ids no earlier example used (so the deal store, the lease table and NetSuite's external ids
never see a replay). ``derandomize=True`` makes the examples the same on every run.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closedwon.errors import PERMANENT, RETRYABLE
from offline.corpus import (
    INTEGRATION_USER_ID,
    ORG_ID,
    IdFactory,
    LineSpec,
    OrgBuilder,
    change_event,
    netsuite_seed,
    platform_event,
)
from offline.credentials import SF_USERNAME
from offline.runner import UNMATCHED, DealReport, Runner
from offline.salesforce_double.metadata import load_fields
from offline.salesforce_double.org import OVERLAY_FILE, Org
from offline.salesforce_double.query import QueryEngine
from offline.stack import DEFAULT_CONFIG, OfflineStack, StackOptions

pytestmark = pytest.mark.e2e

TAXONOMY = set(RETRYABLE) | set(PERMANENT)
REPORT_STATUSES = {"Synced", "Skipped", "Drift", "Failed", UNMATCHED}
#: The values of Opportunity.NetSuite_Sync_Status__c (salesforce/ sfdx metadata), or untouched.
SALESFORCE_STATUSES = {None, "Pending", "Synced", "Error", "Skipped", "Drift"}
SQS_MESSAGE_CAP = 256 * 1024
DROP = object()

HOSTILE_VALUES: list[Any] = [
    None,
    "",
    " \n",
    "x" * 100_000,
    "001A0000006Vm9rIAC\n",
    "001A0000006Vm9rIAD",
    "not-an-id",
    {},
    {"nested": ["value"]},
    [],
    [1, 2],
    True,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    -1,
    0,
    10**12,
    10**40,
    "9999-12-31",
    "9999-99-99",
    "0001-01-01",
    "1e5000",
    "NaN",
]

#: Fields a hostile value may replace, per record of the deal (real API names).
TARGET_FIELDS: dict[str, list[str]] = {
    "opportunity": [
        "Name",
        "IsWon",
        "StageName",
        "CloseDate",
        "AccountId",
        "SBQQ__PrimaryQuote__c",
    ],
    "quote": [
        "SBQQ__Primary__c",
        "SBQQ__Type__c",
        "SBQQ__StartDate__c",
        "SBQQ__SubscriptionTerm__c",
        "SBQQ__PaymentTerms__c",
        "SBQQ__PrimaryContact__c",
        "SBQQ__Opportunity2__c",
    ],
    "line": [
        "SBQQ__Number__c",
        "SBQQ__Product__c",
        "SBQQ__Quantity__c",
        "SBQQ__NetPrice__c",
        "SBQQ__NetTotal__c",
        "SBQQ__ChargeType__c",
        "SBQQ__BillingType__c",
        "SBQQ__BillingFrequency__c",
        "SBQQ__SubscriptionTerm__c",
        "SBQQ__EffectiveSubscriptionTerm__c",
        "SBQQ__StartDate__c",
        "SBQQ__EffectiveStartDate__c",
        "SBQQ__RequiredBy__c",
    ],
    "account": ["Name", "BillingCountry", "BillingCountryCode", "BillingState", "Website"],
    "contact": ["AccountId"],
}

#: Personal fields, per record: their generated values must never be quoted.
PERSONAL_FIELDS: dict[str, list[str]] = {
    "contact": ["FirstName", "LastName", "Email", "Phone"],
    "account": [
        "Phone",
        "BillingStreet",
        "BillingCity",
        "BillingPostalCode",
        "BillingCountry",
        "BillingState",
        "ShippingStreet",
        "ShippingCountry",
    ],
}

PLATFORM_FIELDS = [
    "Opportunity_Id__c",
    "Account_Id__c",
    "Primary_Quote_Id__c",
    "Closed_Won_At__c",
    "Schema_Version__c",
    "Source_Org_Id__c",
]
CDC_HEADER_FIELDS = ["recordIds", "changeType", "changedFields", "commitUser", "entityName"]


# --------------------------------------------------------------------------------- strategies
@dataclass
class Spoil:
    """What one example does to a valid deal and its event."""

    values: list[tuple[str, str, Any]]
    personal: list[tuple[str, str, str]]
    cycle: bool
    cdc: bool
    event_changes: list[tuple[str, Any]]
    personal_in_event: bool
    markers: list[str] = field(default_factory=list)


def personal_value(marker: str) -> st.SearchStrategy[str]:
    """A personal value holding ``marker``, shaped as a validator would want to quote it."""
    return st.sampled_from(
        [
            marker,
            f"{marker}@",
            f"not an e-mail {marker}",
            f"{marker} Main Street\nSuite 200",
            f"{marker}\n",
            marker * 2_000,
            f"+1 617 {marker}",
        ]
    )


@st.composite
def spoils(draw: st.DrawFn) -> Spoil:
    targets = [(record, name) for record, names in TARGET_FIELDS.items() for name in names]
    values = draw(
        st.lists(
            st.tuples(st.sampled_from(targets), st.sampled_from(HOSTILE_VALUES)).map(
                lambda t: (t[0][0], t[0][1], t[1])
            ),
            max_size=3,
        )
    )
    personal_targets = [(r, n) for r, names in PERSONAL_FIELDS.items() for n in names]
    chosen = draw(st.lists(st.sampled_from(personal_targets), max_size=3, unique=True))
    personal = []
    markers = []
    for index, (record, name) in enumerate(chosen):
        marker = f"Pii{draw(st.integers(10_000, 99_999))}q{index}"
        markers.append(marker)
        personal.append((record, name, draw(personal_value(marker))))
    cdc = draw(st.booleans())
    event_fields = (
        [f"header.{f}" for f in CDC_HEADER_FIELDS] + ["StageName"] if cdc else PLATFORM_FIELDS
    )
    event_changes = draw(
        st.lists(
            st.tuples(st.sampled_from(event_fields), st.sampled_from([*HOSTILE_VALUES[:14], DROP])),
            max_size=2,
        )
    )
    personal_in_event = cdc and draw(st.booleans())
    if personal_in_event:
        markers.append(f"Pii{draw(st.integers(10_000, 99_999))}ev")
    return Spoil(
        values, personal, draw(st.booleans()), cdc, event_changes, personal_in_event, markers
    )


# --------------------------------------------------------------------------------- the world
class FreshIds(IdFactory):
    """Valid ids that start past every earlier example's (a new block of numbers per example)."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start

    def new(self, prefix: str) -> str:
        if prefix not in self.counters:
            self.counters[prefix] = itertools.count(self.start)
        return super().new(prefix)


@dataclass
class World:
    stack: OfflineStack
    runner: Runner
    log: Path
    examples: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def serve(self, snapshot: dict[str, Any]) -> None:
        """Make the Salesforce double answer from ``snapshot`` (same org id and user)."""
        double = self.stack.salesforce
        with double._api.lock:
            org = Org(
                snapshot,
                double.state_dir / OVERLAY_FILE,
                username=SF_USERNAME,
                metadata=load_fields(),
            )
            double._org = org
            double._api.org = org
            double._api.engine = QueryEngine(org)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("hostile")
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["salesforce"]["integration_user_id"] = INTEGRATION_USER_ID
    (directory / "mapping.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (directory / "org.json").write_text(json.dumps(OrgBuilder().snapshot()), encoding="utf-8")
    (directory / "seed.json").write_text(json.dumps(netsuite_seed()), encoding="utf-8")
    log = directory / "lambda.log"
    stack = OfflineStack(
        StackOptions(
            state_dir=directory / "state",
            org_path=directory / "org.json",
            seed_path=directory / "seed.json",
            config_path=directory / "mapping.yaml",
            lambda_log_path=log,
        )
    )
    stack.start()
    yield World(stack, Runner(stack), log)
    stack.stop()


def build_org(example: int, spoil: Spoil) -> tuple[OrgBuilder, dict[str, Any]]:
    org = OrgBuilder()
    org.ids = FreshIds(example * 100)
    aid = org.account(
        "Acme Corp",
        billing={
            "Street": "1 Main Street",
            "City": "Boston",
            "State": "MA",
            "PostalCode": "02110",
            "Country": "United States",
            "CountryCode": "US",
        },
    )
    cid = org.contact(aid, "Jane", "Doe", email="jane.doe@acme.example")
    oid = org.opportunity(
        aid,
        "Acme Corp - New Business",
        [LineSpec("PLATFORM-PRO", bundle=True), LineSpec("PRO-SEATS", parent=0)],
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
    )
    opp = next(r for r in org.records["Opportunity"] if r["Id"] == oid)
    records = {
        "opportunity": opp,
        "quote": next(
            r for r in org.records["SBQQ__Quote__c"] if r["SBQQ__Opportunity2__c"] == oid
        ),
        "line": org.records["SBQQ__QuoteLine__c"][-1],
        "account": next(r for r in org.records["Account"] if r["Id"] == aid),
        "contact": next(r for r in org.records["Contact"] if r["Id"] == cid),
    }
    published = copy.deepcopy(opp)
    for record, name, value in spoil.values:
        records[record][name] = copy.deepcopy(value)
    for record, name, value in spoil.personal:
        records[record][name] = value
    if spoil.cycle:
        lines = org.records["SBQQ__QuoteLine__c"][-2:]
        lines[0]["SBQQ__RequiredBy__c"] = lines[1]["Id"]
    return org, published


def build_event(published: dict[str, Any], spoil: Spoil) -> dict[str, Any]:
    if not spoil.cdc:
        event = platform_event(published, ORG_ID)
        payload = event["detail"]["payload"]
        for name, value in spoil.event_changes:
            if value is DROP:
                payload.pop(name, None)
            else:
                payload[name] = copy.deepcopy(value)
        return event
    event = change_event(published, ORG_ID)
    payload = event["detail"]["payload"]
    header = payload["ChangeEventHeader"]
    for name, value in spoil.event_changes:
        target, key = (
            (header, name.split(".", 1)[1]) if name.startswith("header.") else (payload, name)
        )
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)
    if spoil.personal_in_event:
        payload["Description"] = f"call {spoil.markers[-1]} on her mobile"
        if isinstance(header.get("changedFields"), list):
            header["changedFields"].append("Description")
    return event


# --------------------------------------------------------------------------------- the property
@pytest.fixture
def logs_to_file(world: World, function_logs_to_a_live_stream: None) -> Iterator[None]:
    """Send the functions' log lines to the stack's log file for this test (the e2e conftest
    points them at stderr for each test, after the module's stack routed them)."""
    from closedwon.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    with world.log.open("a", encoding="utf-8") as sink:
        for handler in handlers:
            handler.stream = sink
        yield
        for handler in handlers:
            handler.stream = sys.__stderr__


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(spoil=spoils())
def test_any_hostile_deal_or_event_ends_classified_writes_nothing_and_quotes_no_personal_data(
    world: World, logs_to_file: None, spoil: Spoil
) -> None:
    example = next(world.examples)
    org, published = build_org(example, spoil)
    world.serve(org.snapshot())
    event = build_event(published, spoil)
    netsuite_before = world.stack.netsuite.dump()
    dlq_before = {m["body"].get("executionArn") for m in world.stack.dlq_messages()}
    log_offset = world.log.stat().st_size if world.log.exists() else 0

    report: DealReport = world.runner.run_event(event, label=f"hostile-{example}")

    assert report.status in REPORT_STATUSES, report
    opportunity = published["Id"]
    sf_record = world.stack.salesforce.record("Opportunity", opportunity)
    assert sf_record.get("NetSuite_Sync_Status__c") in SALESFORCE_STATUSES, sf_record
    new_dlq = [
        m["body"]
        for m in world.stack.dlq_messages()
        if m["body"].get("executionArn") not in dlq_before
    ]
    if report.status == "Failed":
        assert report.error is not None and report.error["type"] in TAXONOMY, report.error
        mine = [m for m in new_dlq if m.get("executionArn") == report.executionArn]
        assert len(mine) == 1, (report, new_dlq)
        assert mine[0]["errorClass"] in TAXONOMY, mine[0]
        assert len(json.dumps(mine[0]).encode()) < SQS_MESSAGE_CAP
    if report.status not in ("Synced", "Drift"):
        assert world.stack.netsuite.dump() == netsuite_before, (report.status, report.error)

    with world.log.open(encoding="utf-8") as handle:
        handle.seek(log_offset)
        logs = handle.read()
    if report.status != UNMATCHED:
        assert '"step":"LoadDeal"' in logs.replace(" ", ""), (
            "the functions' log lines were not captured"
        )
    dlq_text = json.dumps(new_dlq)
    sf_error = str(sf_record.get("NetSuite_Sync_Error__c") or "")
    for marker in spoil.markers:
        assert marker not in logs, (marker, "log")
        assert marker not in dlq_text, (marker, "DLQ")
        assert marker not in sf_error, (marker, "Salesforce error text")
