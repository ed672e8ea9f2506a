"""How a deal's execution ended, decided in one place for every reader.

The state machine ends in one of two ways: it succeeds with WriteBack's document (whose
``status`` is ``Synced``, ``Skipped`` or ``Drift``, the values WriteBack also writes to the
opportunity's status field), or it fails, after RecordFailure and SendToDLQ for a deal that
failed in a step. The operator CLI, the offline runner and the benchmarks all read an execution
through :func:`outcome_of`, so a new final status is added here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What happened to the deal of one execution."""

    SYNCED = "Synced"
    #: Nothing to do (not a Closed Won transition, an amendment left to a person, ...).
    SKIPPED = "Skipped"
    #: The deal changed after it was synced and NetSuite was left as it is: a person decides.
    DRIFT = "Drift"
    FAILED = "Failed"
    RUNNING = "Running"
    #: Step Functions does not know the execution (never started, or past its retention).
    UNKNOWN = "Unknown"

    @property
    def ended_well(self) -> bool:
        """The deal needs nothing more: NetSuite and Salesforce agree with the quote."""
        return self in (Outcome.SYNCED, Outcome.SKIPPED)

    @property
    def finished(self) -> bool:
        return self not in (Outcome.RUNNING, Outcome.UNKNOWN)


#: The ``status`` values of a succeeded execution's output that are not ``Synced``.
_FINAL_STATUSES = {Outcome.SKIPPED.value: Outcome.SKIPPED, Outcome.DRIFT.value: Outcome.DRIFT}


def outcome_of(status: str, output: Mapping[str, Any] | None) -> Outcome:
    """The outcome of an execution from its Step Functions ``status`` and its output document.

    ``status`` is DescribeExecution's (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED) or
    ``UNKNOWN`` for an execution Step Functions does not know.
    """
    if status == "SUCCEEDED":
        if drift_of(output):
            return Outcome.DRIFT
        return _FINAL_STATUSES.get(str((output or {}).get("status")), Outcome.SYNCED)
    if status == "RUNNING":
        return Outcome.RUNNING
    if status == "UNKNOWN":
        return Outcome.UNKNOWN
    return Outcome.FAILED


def drift_of(output: Mapping[str, Any] | None) -> list[str]:
    """The differences WriteBack listed for a drifted deal (docs/mapping.md §9.4); empty otherwise.

    WriteBack's document sits at the state's ``writeBack`` (its ResultPath).
    """
    written = (output or {}).get("writeBack")
    drift = written.get("drift") if isinstance(written, Mapping) else None
    return [str(d) for d in drift] if isinstance(drift, list) else []


def netsuite_records(output: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """NetSuite externalId/id pairs a succeeded execution wrote or found, by record type."""
    records: dict[str, list[dict[str, str]]] = {}

    def add(record_type: str, external_id: Any, internal_id: Any) -> None:
        if external_id and internal_id:
            entry = {"externalId": str(external_id), "id": str(internal_id)}
            if entry not in records.setdefault(record_type, []):
                records[record_type].append(entry)

    customer = output.get("customer") or {}
    add("customer", customer.get("externalId"), customer.get("id"))
    for contact in output.get("contacts") or []:
        add("contact", contact.get("externalId"), contact.get("id"))
    account = output.get("billingAccount") or {}
    add("billingAccount", account.get("externalId"), account.get("id"))
    for package in output.get("packages") or []:
        plan = package.get("plan") or {}
        add("subscriptionTerm", plan.get("termExternalId"), plan.get("termId"))
        add("subscriptionPlan", plan.get("planExternalId"), plan.get("planId"))
        for price_plan in plan.get("pricePlans") or []:
            add("pricePlan", price_plan.get("externalId"), price_plan.get("id"))
        add("priceBook", plan.get("priceBookExternalId"), plan.get("priceBookId"))
        sub = package.get("subscription") or {}
        add("subscription", sub.get("externalId"), sub.get("id"))
    amendment = output.get("amendment") or {}
    for order in amendment.get("changeOrders") or []:
        add("subscriptionChangeOrder", order.get("externalId"), order.get("id"))
    return records
