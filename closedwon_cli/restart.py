"""``closedwon replay`` and ``closedwon redrive``: fresh executions for one deal or the DLQ.

Both start *new* executions with a ``{"trigger": {...}}`` input (offline.contract.replay_input):
every NetSuite write is idempotent by external id and the deal lock serialises executions of one
opportunity, so a restart converges on the same records whatever an earlier run left behind. A
Step Functions redrive (same execution, resumed at the failed state) would stop again in the
``DealFailed`` state every DLQ message comes from, so redrive does not use it (docs/runbook.md).
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from closedwon.events import is_salesforce_id, to_18
from closedwon_cli.backends import (
    AlreadyStarted,
    Backend,
    CliError,
    DlqMessage,
    Execution,
    ExecutionReport,
    StartFailed,
)
from closedwon_cli.pacing import Pacer, StopSignal
from offline.contract import opportunity_of, replay_input


def replay_name(opportunity_id: str, epoch: int | None = None) -> str:
    return f"replay-{to_18(opportunity_id)}-{int(time.time()) if epoch is None else epoch}"


def redrive_name(opportunity_id: str, failed_execution: str) -> str:
    """Derived from the failed execution, so redriving one message twice starts one execution."""
    digest = hashlib.sha256(failed_execution.encode("utf-8")).hexdigest()[:16]
    return f"redrive-{to_18(opportunity_id)}-{digest}"


# ---------------------------------------------------------------------------------- replay
@dataclass
class ReplayResult:
    opportunityId: str
    executionName: str
    executionArn: str
    alreadyStarted: bool = False
    waited: bool = True
    report: ExecutionReport | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        if self.report is None:
            return 0 if not self.waited else 130
        return 0 if self.report.outcome in ("Synced", "Skipped") else 1


def replay(
    backend: Backend, opportunity_id: str, *, wait: bool = True, stop: StopSignal | None = None
) -> ReplayResult:
    if not is_salesforce_id(opportunity_id):
        raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
    opportunity_id = to_18(opportunity_id)
    name = replay_name(opportunity_id)
    payload = replay_input(opportunity_id, backend.org_id, event_id=name)
    already = False
    try:
        arn = backend.start_execution(name, payload)
    except AlreadyStarted as exc:
        arn, already = exc.arn, True
    except StartFailed as exc:
        raise CliError(f"StartExecution failed: {exc}") from None
    result = ReplayResult(opportunity_id, name, arn, already, waited=wait)
    if not wait:
        return result
    pacer = Pacer(backend, 1, stop)
    pacer.add(arn, opportunity_id)
    while pacer.running:
        pacer.wait_some()
        if pacer.running and pacer.stop.requested and backend.executions_outlive_process:
            return result  # the execution goes on in the cloud; `status` follows it
    result.report = backend.report(arn)
    return result


# ---------------------------------------------------------------------------------- redrive
@dataclass
class RedriveItem:
    opportunityId: str | None
    failedExecutionArn: str | None
    errorClass: str | None
    executionName: str | None = None
    executionArn: str | None = None
    #: Synced | Skipped | Failed | Running (not waited for) | NotStarted
    outcome: str = "NotStarted"
    messageDeleted: bool = False
    note: str | None = None


@dataclass
class RedriveSummary:
    received: int = 0
    restarted: int = 0
    synced: int = 0
    failedAgain: int = 0
    notRestarted: int = 0
    deleted: int = 0
    kept: int = 0
    interrupted: bool = False
    waited: bool = True
    items: list[RedriveItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 0 if self.kept == 0 and self.failedAgain == 0 else 1


def redrive(
    backend: Backend,
    max_messages: int | None = None,
    *,
    wait: bool = True,
    stop: StopSignal | None = None,
) -> RedriveSummary:
    """Restart the deal of each DLQ message; delete a message only once its restart succeeded.

    With ``wait`` (the default) "succeeded" means the new execution synced (or skipped) the deal,
    or failed again and sent its own, newer DLQ message; otherwise the message is kept. Without
    ``wait`` a message is deleted as soon as StartExecution accepted its restart (a failure of
    the new execution sends a new message). A refused start always keeps the message.
    """
    stop = stop or StopSignal()
    messages = backend.receive_dlq(max_messages)
    summary = RedriveSummary(received=len(messages), waited=wait)
    keep: list[DlqMessage] = []
    queue: deque[tuple[DlqMessage, RedriveItem]] = deque()
    for message in messages:
        body = message.body
        event = body.get("event")
        opportunity = body.get("opportunityId") or (
            opportunity_of(event) if isinstance(event, dict) else None
        )
        item = RedriveItem(
            str(opportunity) if opportunity else None,
            message.execution_arn,
            body.get("errorClass"),
        )
        summary.items.append(item)
        if not opportunity or not is_salesforce_id(str(opportunity)):
            item.note = "no opportunity id in the message: see docs/dlq-message.md"
            keep.append(message)
            continue
        queue.append((message, item))

    pacer = Pacer(backend, backend.concurrency_limit, stop)
    try:
        while queue or pacer.running:
            while queue and pacer.has_slot() and not stop.requested:
                message, item = queue.popleft()
                if not _restart(backend, message, item, keep):
                    continue
                if not wait:
                    backend.delete_dlq(message)
                    item.messageDeleted, item.outcome = True, "Running"
                    continue
                assert item.executionArn is not None
                pacer.add(item.executionArn, (message, item))
            if stop.requested and (backend.executions_outlive_process or not pacer.running):
                break
            for (message, item), execution in pacer.wait_some(
                until_stopped=backend.executions_outlive_process
            ):
                _settle(backend, message, item, execution, keep)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        unsettled = [m for m, _ in queue] + [m for m, _ in pacer.running.values()]
        backend.release_dlq(keep + unsettled)
    summary.interrupted = summary.interrupted or stop.requested
    for running_item in (i for _, i in pacer.running.values()):
        running_item.outcome, running_item.note = "Running", "still running: message kept"
    for item in summary.items:
        summary.restarted += item.executionArn is not None
        summary.notRestarted += item.executionArn is None
        summary.synced += item.outcome in ("Synced", "Skipped")
        summary.failedAgain += item.outcome == "Failed"
        summary.deleted += item.messageDeleted
    summary.kept = summary.received - summary.deleted
    return summary


def _restart(
    backend: Backend, message: DlqMessage, item: RedriveItem, keep: list[DlqMessage]
) -> bool:
    assert item.opportunityId is not None
    name = redrive_name(item.opportunityId, message.execution_arn or message.message_id)
    payload = replay_input(item.opportunityId, backend.org_id, event_id=name)
    try:
        arn = backend.start_execution(name, payload)
    except AlreadyStarted as exc:
        arn = exc.arn
        item.note = "restarted by an earlier redrive: following that execution"
    except StartFailed as exc:
        item.note = f"StartExecution failed: {exc}"[:500]
        keep.append(message)
        return False
    item.executionName, item.executionArn = name, arn
    return True


def _settle(
    backend: Backend,
    message: DlqMessage,
    item: RedriveItem,
    execution: Execution,
    keep: list[DlqMessage],
) -> None:
    item.outcome = execution.outcome
    if execution.status == "SUCCEEDED" or execution.sent_to_dlq:
        backend.delete_dlq(message)
        item.messageDeleted = True
        if execution.sent_to_dlq:
            item.note = "failed again: its new DLQ message replaces this one"
    else:
        item.note = f"{execution.status} ({execution.error or 'no error'}): message kept"
        keep.append(message)
