"""One outcome model: how an execution ended, decided by closedwon.outcome for every reader."""

from __future__ import annotations

import pytest

from closedwon.outcome import Outcome, netsuite_records, outcome_of


@pytest.mark.parametrize(
    ("status", "output", "expected"),
    [
        ("SUCCEEDED", {"status": "Synced"}, Outcome.SYNCED),
        ("SUCCEEDED", {"status": "Skipped", "skipReason": "not won"}, Outcome.SKIPPED),
        ("SUCCEEDED", {"status": "Drift"}, Outcome.DRIFT),
        ("SUCCEEDED", {}, Outcome.SYNCED),
        ("SUCCEEDED", None, Outcome.SYNCED),
        ("FAILED", None, Outcome.FAILED),
        ("TIMED_OUT", None, Outcome.FAILED),
        ("ABORTED", None, Outcome.FAILED),
        ("RUNNING", None, Outcome.RUNNING),
        ("UNKNOWN", None, Outcome.UNKNOWN),
    ],
)
def test_given_a_step_functions_status_and_output_then_the_outcome_is(
    status, output, expected
) -> None:
    assert outcome_of(status, output) is expected


def test_a_failed_execution_is_failed_whatever_its_output_claims() -> None:
    assert outcome_of("FAILED", {"status": "Synced"}) is Outcome.FAILED


def test_only_synced_and_skipped_end_well_and_drift_needs_a_person() -> None:
    assert {o for o in Outcome if o.ended_well} == {Outcome.SYNCED, Outcome.SKIPPED}
    assert Outcome.DRIFT.finished and not Outcome.DRIFT.ended_well
    assert not Outcome.RUNNING.finished and not Outcome.UNKNOWN.finished


def test_the_outcome_is_the_salesforce_status_value_as_a_string() -> None:
    # WriteBack writes these values to the opportunity's status picklist (salesforce/ metadata).
    assert [o.value for o in (Outcome.SYNCED, Outcome.SKIPPED, Outcome.DRIFT)] == [
        "Synced",
        "Skipped",
        "Drift",
    ]
    assert Outcome.SYNCED == "Synced"


def test_netsuite_records_lists_each_external_id_once_by_record_type() -> None:
    plan = {
        "termExternalId": "SF-TERM-12M",
        "termId": "100",
        "planExternalId": "SF-PLAN-1",
        "planId": "4000",
        "pricePlans": [{"externalId": "SF-PP-1", "id": "5000"}],
        "priceBookExternalId": "SF-PB-1",
        "priceBookId": "6000",
    }
    output = {
        "customer": {"externalId": "SF-C", "id": "1000"},
        "contacts": [{"externalId": "SF-K", "id": "2000"}, {"externalId": "SF-X", "id": None}],
        "billingAccount": {"externalId": "SF-BA", "id": "3000"},
        "packages": [
            {"plan": plan, "subscription": {"externalId": "SF-SUB-1", "id": 7000}},
            {"plan": plan, "subscription": {"externalId": "SF-SUB-2", "id": "7001"}},
        ],
    }
    records = netsuite_records(output)
    assert records["subscriptionTerm"] == [{"externalId": "SF-TERM-12M", "id": "100"}]
    assert records["contact"] == [{"externalId": "SF-K", "id": "2000"}]  # no id: not written
    assert [s["id"] for s in records["subscription"]] == ["7000", "7001"]
