"""The offline stack as a backend: the cloud backend pointed at moto, plus the execution journal.

Imported only for ``--offline``: it needs the offline stack of a closedwon checkout (``offline/``).
What only the offline stack needs is here: it is started on first use and stopped by
:meth:`OfflineBackend.close` (running executions are drained first: they die with moto), its
Salesforce secret comes from the stack's own parameters, finished executions are journaled, and
``status`` reads the journal because moto's state does not outlive the process.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from closedwon.config import MappingConfig, load_mapping_config
from closedwon.events import is_salesforce_id
from closedwon.outcome import outcome_of
from closedwon_cli.cloud import CloudBackend
from closedwon_cli.errors import CliError
from closedwon_cli.executions import (
    DlqMessage,
    Execution,
    ExecutionReport,
    failure_summary,
    iso,
)
from closedwon_cli.stack import StackResources
from offline import journal
from offline.stack import REGION, STACK, OfflineStack, StackOptions

if TYPE_CHECKING:
    from closedwon.salesforce import SalesforceConnection


class OfflineBackend:
    """The offline stack on STATE_DIR, started on first use and stopped by :meth:`close`."""

    executions_outlive_process = False
    poll_interval = 0.02

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.state_dir = Path(options.state_dir)
        self.stack: OfflineStack | None = None
        self._cloud: CloudBackend | None = None
        self._salesforce: SalesforceConnection | None = None
        self._owns_stack = True
        self._journaled: set[str] = set()
        self._held: dict[str, DlqMessage] = {}

    @classmethod
    def on(cls, stack: OfflineStack) -> OfflineBackend:
        """A backend on a stack someone else started (and stops): :meth:`close` only drains."""
        backend = cls(stack.options)
        backend.stack, backend._cloud = stack, backend._cloud_on(stack)
        backend._owns_stack = False
        return backend

    @property
    def cloud(self) -> CloudBackend:
        """The cloud backend on the running offline stack (started by the first call)."""
        if self._cloud is None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            stack = OfflineStack(self.options)
            try:
                stack.start()
                cloud = self._cloud_on(stack)
            except BaseException:
                stack.stop()
                raise
            self.stack, self._cloud = stack, cloud
        return self._cloud

    def _cloud_on(self, stack: OfflineStack) -> CloudBackend:
        parameters = stack.resolver.parameter_values()
        return CloudBackend(
            StackResources.from_stack_outputs(STACK, stack.outputs, parameters),
            boto3.Session(region_name=REGION),
            config_path=Path(self.options.config_path),
            poll_interval=self.poll_interval,
            dlq_wait_s=0,
        )

    @property
    def label(self) -> str:
        return f"offline {self.state_dir}"

    @property
    def org_id(self) -> str:
        return self.cloud.org_id

    @property
    def concurrency_limit(self) -> int:
        return self.cloud.concurrency_limit

    def mapping_config(self) -> MappingConfig:
        return load_mapping_config(self.options.config_path)

    def salesforce(self) -> SalesforceConnection:
        """The offline org's own login: a throw-away key of the offline stack, on loopback."""
        if self._salesforce is None:
            from closedwon.egress import salesforce_policy
            from closedwon.salesforce import SalesforceConnection, SalesforceSettings

            cloud = self.cloud
            assert self.stack is not None
            arn = self.stack.resolver.parameter_values()["SalesforceSecretArn"]
            secret = cloud.client("secretsmanager").get_secret_value(SecretId=arn)
            self._salesforce = SalesforceConnection(
                SalesforceSettings.model_validate_json(secret["SecretString"]),
                egress=salesforce_policy(offline_loopback=True),
            )
        return self._salesforce

    def start_execution(self, name: str, payload: dict[str, Any]) -> str:
        return self.cloud.start_execution(name, payload)

    def describe(self, arn: str) -> Execution:
        execution = self.cloud.describe(arn)
        for _ in range(100):
            # moto sets an execution's status a moment before its error or output: read again.
            half_written = (execution.status == "FAILED" and execution.error is None) or (
                execution.status == "SUCCEEDED" and execution.output is None
            )
            if not half_written:
                break
            time.sleep(0.01)
            execution = self.cloud.describe(arn)
        if execution.status == "UNKNOWN":
            return self._journaled_execution(arn) or execution
        if not execution.running:
            self._journal(arn)
        return execution

    def _journal(self, arn: str) -> None:
        if arn not in self._journaled and self.stack is not None:
            self._journaled.add(arn)
            self.stack.wait(arn)  # returns at once: records the execution in the journal

    def _journaled_execution(self, arn: str) -> Execution | None:
        """An execution of an earlier offline process (moto's state did not survive it)."""
        for entry in journal.executions(self.state_dir):
            if entry.get("executionArn") == arn:
                return Execution(
                    arn,
                    str(entry.get("status")),
                    output=journal.output_of(entry),
                    error=entry.get("error"),
                    start_date=iso(entry.get("startDate")),
                    stop_date=iso(entry.get("stopDate")),
                )
        return None

    def report(self, arn: str) -> ExecutionReport:
        return self.cloud.report(arn)

    def executions_for(
        self, opportunity_id: str, *, limit: int = 5, days: int = 30
    ) -> list[ExecutionReport]:
        """From the journal (and the saved DLQ for error messages); the stack is not started."""
        if not is_salesforce_id(opportunity_id):
            raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
        if not self.state_dir.exists():
            raise CliError(f"{self.state_dir}: no offline state there")
        messages = {m.get("executionArn"): m for m in journal.load_dlq(self.state_dir)}
        reports = []
        for entry in journal.executions(self.state_dir, opportunity_id):
            arn = str(entry.get("executionArn"))
            status = str(entry.get("status"))
            failed_steps = [s for s in entry.get("steps") or [] if s.get("error")]
            failure = failure_summary(messages.get(arn))
            if failure is None and status != "SUCCEEDED" and failed_steps:
                failure = {
                    "failedStep": failed_steps[-1]["name"],
                    "errorClass": failed_steps[-1]["error"],
                }
            reports.append(
                ExecutionReport(
                    executionArn=arn,
                    name=arn.rsplit(":", 1)[-1],
                    status=status,
                    outcome=outcome_of(status, journal.output_of(entry)),
                    startDate=iso(entry.get("startDate")),
                    stopDate=iso(entry.get("stopDate")),
                    steps=list(entry.get("steps") or []),
                    netsuite=dict(entry.get("netsuite") or {}),
                    error=entry.get("error"),
                    failure=failure,
                    skipReason=entry.get("skipReason"),
                )
            )
        # Newest first. The journal is in finishing order and start times have one-second
        # resolution, so two restarts in the same second are told apart by journal position.
        ordered = sorted(enumerate(reports), key=lambda p: (p[1].startDate or "", p[0]))
        return [report for _, report in reversed(ordered)][:limit]

    def status_source(self, days: int) -> str:
        return f"journal {self.state_dir / journal.JOURNAL_FILE}"

    def receive_dlq(self, max_messages: int | None) -> list[DlqMessage]:
        messages = self.cloud.receive_dlq(max_messages)
        self._held.update((m.message_id, m) for m in messages)
        return messages

    def delete_dlq(self, message: DlqMessage) -> None:
        self.cloud.delete_dlq(message)
        self._held.pop(message.message_id, None)

    def release_dlq(self, messages: list[DlqMessage]) -> None:
        self.cloud.release_dlq(messages)
        for message in messages:
            self._held.pop(message.message_id, None)

    def observed(self) -> dict[str, Any] | None:
        if self.stack is None:
            return None
        return {
            "netsuiteMaxInFlight": int(self.stack.netsuite.stats["max_in_flight"]),
            "netsuiteRequests": self.stack.netsuite_api_calls(),
        }

    def close(self) -> None:
        """Let running executions finish (they would die with moto), then save and stop."""
        if self.stack is None:
            return
        try:
            self._drain()
            self.release_dlq(list(self._held.values()))  # the DLQ is saved from what is visible
        finally:
            if self._owns_stack:
                self.stack.stop()
            self.stack, self._cloud = None, None

    def _drain(self) -> None:
        cloud = self._cloud
        if cloud is None:
            return
        running = cloud.client("stepfunctions").list_executions(
            stateMachineArn=cloud.resources.state_machine_arn, statusFilter="RUNNING"
        )
        for item in running.get("executions", []):
            self._journal(str(item["executionArn"]))
