"""A backend double for the command logic: executions finish after a few polls, no AWS at all."""

from __future__ import annotations

from typing import Any

from closedwon.config import load_mapping_config
from closedwon.events import to_18
from closedwon_cli.errors import AlreadyStarted, StartFailed
from closedwon_cli.executions import DlqMessage, Execution, ExecutionReport
from tests.conftest import SAMPLE

DEFAULT_CONFIG = SAMPLE / "mapping.yaml"

ORG = "00D5f000005KcCnEAK"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:closedwon-fake-closed-won-sync"


def opp(n: int) -> str:
    return to_18(f"0065f{n:010d}")


def rows(n: int, *, synced: set[int] = frozenset()) -> list[dict[str, Any]]:
    """What the backfill query returns for deals 1..n (``synced``: already Synced ones)."""
    return [
        {
            "Id": opp(i),
            "Name": f"Deal {i}",
            "CloseDate": f"2025-{1 + i % 12:02d}-15",
            "AccountId": to_18(f"0015f{i:010d}"),
            "NetSuite_Sync_Status__c": "Synced" if i in synced else None,
        }
        for i in range(1, n + 1)
    ]


class FakeBackend:
    label = "fake stack"
    org_id = ORG
    poll_interval = 0.0

    def __init__(
        self,
        records: list[dict[str, Any]] | None = None,
        *,
        limit: int = 3,
        polls: int = 2,
        fail: set[str] = frozenset(),
        drift: set[str] = frozenset(),
        refuse: set[str] = frozenset(),
        outlive: bool = True,
        dlq: list[dict[str, Any]] | None = None,
        fail_error: str = "DealSyncFailed",
    ) -> None:
        self.records = records or []
        self.concurrency_limit = limit
        self.polls = polls
        self.fail = set(fail)
        self.drift = set(drift)
        self.refuse = set(refuse)
        self.executions_outlive_process = outlive
        self.fail_error = fail_error
        self.executions: dict[str, dict[str, Any]] = {}
        self.start_calls: list[str] = []
        self.max_running = 0
        self.queries: list[str] = []
        self.dlq = [
            DlqMessage(body, f"handle-{i}", f"message-{i}") for i, body in enumerate(dlq or [])
        ]
        self.deleted: list[str] = []
        self.released: list[str] = []

    # --- Salesforce
    def mapping_config(self):
        return load_mapping_config(DEFAULT_CONFIG)

    def salesforce(self):
        return self

    def query_all(self, soql: str, *, what: str) -> list[dict[str, Any]]:
        self.queries.append(soql)
        return [dict(r) for r in self.records]

    # --- Step Functions
    def start_execution(self, name: str, payload: dict[str, Any]) -> str:
        self.start_calls.append(name)
        deal = payload["trigger"]["opportunityId"]
        arn = f"{MACHINE.replace(':stateMachine:', ':execution:')}:{name}"
        if deal in self.refuse:
            raise StartFailed("AccessDeniedException: not allowed")
        if arn in self.executions:
            raise AlreadyStarted(arn)
        self.executions[arn] = {
            "deal": deal,
            "polls": self.polls,
            "status": "RUNNING",
            "payload": payload,
        }
        running = sum(1 for e in self.executions.values() if e["status"] == "RUNNING")
        self.max_running = max(self.max_running, running)
        return arn

    def describe(self, arn: str) -> Execution:
        e = self.executions.get(arn)
        if e is None:
            return Execution(arn, "UNKNOWN")
        if e["status"] == "RUNNING":
            e["polls"] -= 1
            if e["polls"] <= 0:
                e["status"] = "FAILED" if e["deal"] in self.fail else "SUCCEEDED"
        status = e["status"]
        final = "Drift" if e["deal"] in self.drift else "Synced"
        output = {"status": final, "opportunityId": e["deal"]} if status == "SUCCEEDED" else None
        error = self.fail_error if status == "FAILED" else None
        return Execution(arn, status, output, error)

    def report(self, arn: str) -> ExecutionReport:
        e = self.describe(arn)
        return ExecutionReport(arn, e.name, e.status, e.outcome, None, None)

    def executions_for(self, opportunity_id: str, *, limit: int, days: int):
        return []

    def status_source(self, days: int) -> str:
        return "the fake's memory"

    def finish_all(self) -> None:
        for e in self.executions.values():
            if e["status"] == "RUNNING":
                e["polls"] = 0

    # --- DLQ
    def receive_dlq(self, max_messages: int | None) -> list[DlqMessage]:
        return list(self.dlq[: max_messages or None])

    def delete_dlq(self, message: DlqMessage) -> None:
        self.deleted.append(message.message_id)

    def release_dlq(self, messages: list[DlqMessage]) -> None:
        self.released.extend(m.message_id for m in messages)

    def observed(self):
        return None

    def close(self) -> None:
        pass
