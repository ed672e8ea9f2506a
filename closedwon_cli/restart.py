"""``closedwon replay`` and ``closedwon redrive``: fresh executions for deals or the DLQ.

Both start *new* executions with a ``{"trigger": {...}}`` input (:func:`restart_input`): every
NetSuite write is idempotent by external id and the deal lease serialises executions of one
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
from closedwon.outcome import Outcome
from closedwon_cli.backend import Backend
from closedwon_cli.errors import AlreadyStarted, CliError, StartFailed
from closedwon_cli.executions import DlqMessage, Execution, ExecutionReport
from closedwon_cli.inputs import opportunity_of, restart_input
from closedwon_cli.pacing import Pacer, StopSignal


def replay_name(opportunity_id: str, epoch: int | None = None) -> str:
    return f"replay-{to_18(opportunity_id)}-{int(time.time()) if epoch is None else epoch}"


def redrive_name(opportunity_id: str, failed_execution: str) -> str:
    """Derived from the failed execution, so redriving one message twice starts one execution."""
    digest = hashlib.sha256(failed_execution.encode("utf-8")).hexdigest()[:16]
    return f"redrive-{to_18(opportunity_id)}-{digest}"


def opportunity_of_message(body: dict[str, Any]) -> str | None:
    """The deal a DLQ message is about: its ``opportunityId``, else its original event's."""
    opportunity = body.get("opportunityId") or opportunity_of(body.get("event"))
    return str(opportunity) if is_salesforce_id(opportunity) else None


# ---------------------------------------------------------------------------------- replay
@dataclass
class ReplayResult:
    opportunityId: str
    executionName: str
    executionArn: str
    alreadyStarted: bool = False
    waited: bool = True
    report: ExecutionReport | None = None
    #: The messages of the DLQ file this replay is for (1-based), when replaying a file.
    messages: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["report"] = self.report.to_json() if self.report else None
        if not self.messages:
            del document["messages"]
        return document

    @property
    def exit_code(self) -> int:
        if self.report is None:
            return 0 if not self.waited else 130
        return 0 if self.report.outcome.ended_well else 1


@dataclass
class ReplayBatch:
    """``replay DLQ_FILE``: one replay per deal of the file's messages."""

    source: str
    messages: int
    replays: list[ReplayResult] = field(default_factory=list)
    #: Messages naming no deal: ``{"message": N, "reason": ...}``.
    notReplayed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "messages": self.messages,
            "replays": [r.to_json() for r in self.replays],
            "notReplayed": self.notReplayed,
        }

    @property
    def exit_code(self) -> int:
        codes = [r.exit_code for r in self.replays]
        if 130 in codes:
            return 130
        return 1 if self.notReplayed or any(codes) else 0


def replay(
    backend: Backend, opportunity_id: str, *, wait: bool = True, stop: StopSignal | None = None
) -> ReplayResult:
    """Start a fresh execution for one deal and (with ``wait``) wait for it."""
    if not is_salesforce_id(opportunity_id):
        raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
    (result,) = _replay_all(backend, [to_18(opportunity_id)], wait=wait, stop=stop)
    return result


def replay_messages(
    backend: Backend,
    bodies: list[dict[str, Any]],
    *,
    source: str,
    numbers: list[int] | None = None,
    wait: bool = True,
    stop: StopSignal | None = None,
) -> ReplayBatch:
    """Replay the deal of each DLQ message of a file (``numbers``: which ones, counted from 1;
    default all).

    A deal named by several messages is replayed once. The messages stay where they are: this
    reads a file; ``redrive`` is what deletes messages from the queue.
    """
    batch = ReplayBatch(source=source, messages=len(bodies))
    by_deal: dict[str, list[int]] = {}
    for number in numbers or range(1, len(bodies) + 1):
        opportunity = opportunity_of_message(bodies[number - 1])
        if opportunity is None:
            batch.notReplayed.append(
                {"message": number, "reason": "no opportunity id in the message"}
            )
            continue
        by_deal.setdefault(to_18(opportunity), []).append(number)
    batch.replays = _replay_all(backend, list(by_deal), wait=wait, stop=stop)
    for result in batch.replays:
        result.messages = by_deal[result.opportunityId]
    return batch


def _replay_all(
    backend: Backend, opportunity_ids: list[str], *, wait: bool, stop: StopSignal | None
) -> list[ReplayResult]:
    """Start one replay per deal, at most NetSuiteConcurrencyLimit running at once."""
    pacer = Pacer(backend, backend.concurrency_limit, stop)
    queue = deque(opportunity_ids)
    results: list[ReplayResult] = []
    while queue or pacer.running:
        while queue and (pacer.has_slot() or not wait) and not pacer.stop.requested:
            opportunity_id = queue.popleft()
            result = _start_replay(backend, opportunity_id, wait)
            results.append(result)
            if wait:
                pacer.add(result.executionArn, result)
        if not wait or (pacer.stop.requested and backend.executions_outlive_process):
            break  # the executions go on in the cloud; `status` follows them
        if pacer.stop.requested and not pacer.running:
            break
        for result, _ in pacer.wait_some(until_stopped=backend.executions_outlive_process):
            result.report = backend.report(result.executionArn)
    return results


def _start_replay(backend: Backend, opportunity_id: str, wait: bool) -> ReplayResult:
    name = replay_name(opportunity_id)
    payload = restart_input(opportunity_id, backend.org_id, event_id=name)
    already = False
    try:
        arn = backend.start_execution(name, payload)
    except AlreadyStarted as exc:
        arn, already = exc.arn, True
    except StartFailed as exc:
        raise CliError(f"StartExecution failed: {exc}") from None
    return ReplayResult(opportunity_id, name, arn, already, waited=wait)


# ---------------------------------------------------------------------------------- redrive
@dataclass
class RedriveItem:
    opportunityId: str | None
    failedExecutionArn: str | None
    errorClass: str | None
    executionName: str | None = None
    executionArn: str | None = None
    #: An :class:`~closedwon.outcome.Outcome` value, or NotStarted
    outcome: str = "NotStarted"
    messageDeleted: bool = False
    note: str | None = None


@dataclass
class RedriveSummary:
    received: int = 0
    restarted: int = 0
    #: Restarts that ended well (Synced or Skipped).
    synced: int = 0
    #: Restarts that ended Drift: nothing failed, a person decides (the message is deleted).
    drifted: int = 0
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
        return 0 if self.kept == 0 and self.failedAgain == 0 and self.drifted == 0 else 1


def redrive(
    backend: Backend,
    max_messages: int | None = None,
    *,
    wait: bool = True,
    stop: StopSignal | None = None,
) -> RedriveSummary:
    """Restart the deal of each DLQ message; delete a message only once its restart succeeded.

    With ``wait`` (the default) "succeeded" means the new execution ended (Synced, Skipped or
    Drift), or failed again and sent its own, newer DLQ message; otherwise the message is kept.
    Without ``wait`` a message is deleted as soon as StartExecution accepted its restart (a
    failure of the new execution sends a new message). A refused start always keeps the message.
    """
    stop = stop or StopSignal()
    messages = backend.receive_dlq(max_messages)
    summary = RedriveSummary(received=len(messages), waited=wait)
    keep: list[DlqMessage] = []
    queue: deque[tuple[DlqMessage, RedriveItem]] = deque()
    for message in messages:
        opportunity = opportunity_of_message(message.body)
        item = RedriveItem(opportunity, message.execution_arn, message.body.get("errorClass"))
        summary.items.append(item)
        if opportunity is None:
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
                    item.messageDeleted, item.outcome = True, Outcome.RUNNING.value
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
    for _, running_item in pacer.running.values():
        running_item.outcome, running_item.note = (
            Outcome.RUNNING.value,
            "still running: message kept",
        )
    for item in summary.items:
        summary.restarted += item.executionArn is not None
        summary.notRestarted += item.executionArn is None
        summary.synced += item.outcome in (Outcome.SYNCED, Outcome.SKIPPED)
        summary.drifted += item.outcome == Outcome.DRIFT
        summary.failedAgain += item.outcome == Outcome.FAILED
        summary.deleted += item.messageDeleted
    summary.kept = summary.received - summary.deleted
    return summary


def _restart(
    backend: Backend, message: DlqMessage, item: RedriveItem, keep: list[DlqMessage]
) -> bool:
    assert item.opportunityId is not None
    name = redrive_name(item.opportunityId, message.execution_arn or message.message_id)
    payload = restart_input(item.opportunityId, backend.org_id, event_id=name)
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
    item.outcome = execution.outcome.value
    if execution.status == "SUCCEEDED" or execution.sent_to_dlq:
        backend.delete_dlq(message)
        item.messageDeleted = True
        if execution.sent_to_dlq:
            item.note = "failed again: its new DLQ message replaces this one"
        elif execution.outcome is Outcome.DRIFT:
            item.note = "drift: the deal changed after it was synced; see `closedwon status`"
    else:
        item.note = f"{execution.status} ({execution.error or 'no error'}): message kept"
        keep.append(message)
