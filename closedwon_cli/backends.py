"""Where the commands act: a deployed stack (boto3) or the offline stack (moto + doubles).

Both backends speak the same AWS APIs: the offline one is the cloud one pointed at the offline
stack's moto, plus what only the offline stack needs (its Salesforce secret comes from the stack's
own parameters, finished executions are journaled, running ones are drained before it stops, and
``status`` reads the journal because moto's state does not outlive the process).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from closedwon.config import MappingConfig, load_mapping_config
from closedwon.events import is_salesforce_id, to_18
from offline import journal
from offline.contract import netsuite_records

if TYPE_CHECKING:
    from closedwon.salesforce import SalesforceConnection
    from offline.stack import OfflineStack, StackOptions

#: The Fail state every failed deal ends in, after its DLQ message was sent (statemachine/).
DEAL_FAILED_ERROR = "DealSyncFailed"
#: The operator's own Salesforce session for backfill (``sf org display --json``).
OPERATOR_INSTANCE_URL = "SALESFORCE_INSTANCE_URL"
OPERATOR_ACCESS_TOKEN = "SALESFORCE_ACCESS_TOKEN"
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 10}, user_agent_extra="closedwon-cli"
)


class CliError(Exception):
    """A problem the operator can act on: printed as one line, without a traceback (exit 2)."""


class AlreadyStarted(Exception):
    """Step Functions already has an execution of that name: it is the one we meant to start."""

    def __init__(self, arn: str) -> None:
        super().__init__(arn)
        self.arn = arn


class StartFailed(Exception):
    """StartExecution was refused (after the client's own retries)."""


# ---------------------------------------------------------------------------------- what we read
@dataclass
class Execution:
    """One execution's state, enough to pace and count (no history)."""

    arn: str
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | UNKNOWN (not found)
    outcome: str  # Running | Synced | Skipped | Failed | Unknown
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    start_date: str | None = None
    stop_date: str | None = None

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    @property
    def sent_to_dlq(self) -> bool:
        """The execution failed through RecordFailure/SendToDLQ: its deal has a (new) DLQ message."""
        return self.status == "FAILED" and self.error == DEAL_FAILED_ERROR


def outcome_of(status: str, output: dict[str, Any] | None) -> str:
    if status == "SUCCEEDED":
        return "Skipped" if (output or {}).get("status") == "Skipped" else "Synced"
    return {"RUNNING": "Running", "UNKNOWN": "Unknown"}.get(status, "Failed")


@dataclass
class ExecutionReport:
    """What ``status`` shows for one execution: its steps, how it failed, what it wrote."""

    executionArn: str
    name: str
    status: str
    outcome: str
    startDate: str | None
    stopDate: str | None
    steps: list[dict[str, Any]] = field(default_factory=list)
    netsuite: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    error: str | None = None
    failure: dict[str, Any] | None = None  # failedStep, errorClass, errorMessage, permanent
    skipReason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DlqMessage:
    body: dict[str, Any]
    receipt_handle: str
    message_id: str

    @property
    def execution_arn(self) -> str | None:
        arn = self.body.get("executionArn")
        return str(arn) if arn else None


def iso(value: Any) -> str | None:
    """A timestamp (datetime, or the journal's str(datetime)) as ISO 8601 UTC to the second."""
    if value in (None, ""):
        return None
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def dlq_message_in(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The DLQ message an execution sent (the SendToDLQ task's MessageBody), if it sent one."""
    for event in reversed(history):
        details = event.get("taskScheduledEventDetails")
        if event.get("type") != "TaskScheduled" or not details:
            continue
        if details.get("resourceType") != "sqs" or details.get("resource") != "sendMessage":
            continue
        try:
            body = json.loads(json.loads(details.get("parameters") or "{}").get("MessageBody", ""))
        except (ValueError, AttributeError):
            return None
        return body if isinstance(body, dict) else None
    return None


def failure_summary(message: dict[str, Any] | None) -> dict[str, Any] | None:
    if not message:
        return None
    keys = ("failedStep", "errorClass", "errorMessage", "permanent", "attempts")
    return {k: message.get(k) for k in keys if k in message}


def report_from_history(desc: dict[str, Any], history: list[dict[str, Any]]) -> ExecutionReport:
    """An :class:`ExecutionReport` from DescribeExecution and GetExecutionHistory."""
    execution = execution_from(desc)
    output = execution.output or {}
    return ExecutionReport(
        executionArn=execution.arn,
        name=execution.name,
        status=execution.status,
        outcome=execution.outcome,
        startDate=execution.start_date,
        stopDate=execution.stop_date,
        steps=journal.steps_of(history),
        netsuite=netsuite_records(output) if execution.status == "SUCCEEDED" else {},
        error=execution.error,
        failure=failure_summary(dlq_message_in(history)),
        skipReason=output.get("skipReason"),
    )


def execution_from(desc: dict[str, Any]) -> Execution:
    output = json.loads(desc["output"]) if desc.get("output") else None
    status = str(desc["status"])
    return Execution(
        arn=str(desc["executionArn"]),
        status=status,
        outcome=outcome_of(status, output),
        output=output if isinstance(output, dict) else None,
        error=desc.get("error"),
        cause=desc.get("cause"),
        start_date=iso(desc.get("startDate")),
        stop_date=iso(desc.get("stopDate")),
    )


def status_query(opportunity_id: str, limit: int) -> str:
    """The Logs Insights query that lists a deal's executions from the LoadDeal JSON logs.

    Every log line of a step carries ``opportunity_id`` and ``execution_id`` (observability.py);
    both id lengths are matched because an operator may paste either.
    """
    if not is_salesforce_id(opportunity_id):
        raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
    ids = sorted({to_18(opportunity_id), opportunity_id[:15]})
    quoted = ", ".join(f'"{i}"' for i in ids)
    return (
        "fields @timestamp, execution_id"
        f"\n| filter opportunity_id in [{quoted}] and ispresent(execution_id)"
        "\n| stats min(@timestamp) as firstSeen by execution_id"
        "\n| sort firstSeen desc"
        f"\n| limit {int(limit)}"
    )


@functools.cache
def template_default(parameter: str) -> str:
    from offline.template import load_template

    return str(load_template()["Parameters"][parameter]["Default"])


def _aws_message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# ---------------------------------------------------------------------------------- the stack
@dataclass(frozen=True)
class StackResources:
    """What the commands need from a deployed stack: its outputs and two parameters."""

    stack_name: str
    state_machine_arn: str
    dead_letter_queue_url: str
    org_id: str
    netsuite_concurrency_limit: int
    load_deal_log_group: str | None = None

    REQUIRED_OUTPUTS = ("StateMachineArn", "DeadLetterQueueUrl")

    @classmethod
    def from_stack_outputs(
        cls, stack_name: str, outputs: dict[str, str], parameters: dict[str, str] | None = None
    ) -> StackResources:
        missing = [key for key in cls.REQUIRED_OUTPUTS if not outputs.get(key)]
        if missing:
            raise CliError(
                f"stack {stack_name} has no output {', '.join(missing)}: is it a closedwon stack?"
            )
        params = parameters or {}
        org_id = params.get("SalesforceOrgId")
        if not org_id:
            raise CliError(f"stack {stack_name} has no SalesforceOrgId parameter")
        raw_limit = params.get("NetSuiteConcurrencyLimit") or template_default(
            "NetSuiteConcurrencyLimit"
        )
        try:
            limit = int(raw_limit)
        except ValueError:
            raise CliError(
                f"stack {stack_name}: NetSuiteConcurrencyLimit '{raw_limit}' is not a number"
            ) from None
        return cls(
            stack_name=stack_name,
            state_machine_arn=outputs["StateMachineArn"],
            dead_letter_queue_url=outputs["DeadLetterQueueUrl"],
            org_id=org_id,
            netsuite_concurrency_limit=max(1, limit),
            load_deal_log_group=outputs.get("LoadDealLogGroupName") or None,
        )

    @property
    def region(self) -> str:
        return self.state_machine_arn.split(":")[3]

    def execution_arn(self, name: str) -> str:
        """The ARN Step Functions gives an execution of this name (for ExecutionAlreadyExists)."""
        prefix, machine = self.state_machine_arn.split(":stateMachine:", 1)
        return f"{prefix}:execution:{machine}:{name}"


class Backend(Protocol):
    """What every command needs; :class:`CloudBackend` and :class:`OfflineBackend` provide it."""

    #: Seconds between two polls of the running executions.
    poll_interval: float
    #: Whether executions keep running after this process exits (cloud: yes; offline: no).
    executions_outlive_process: bool

    @property
    def label(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def concurrency_limit(self) -> int: ...
    def mapping_config(self) -> MappingConfig: ...
    def salesforce(self) -> SalesforceConnection: ...
    def start_execution(self, name: str, payload: dict[str, Any]) -> str: ...
    def describe(self, arn: str) -> Execution: ...
    def report(self, arn: str) -> ExecutionReport: ...
    def executions_for(
        self, opportunity_id: str, *, limit: int, days: int
    ) -> list[ExecutionReport]: ...
    def receive_dlq(self, max_messages: int | None) -> list[DlqMessage]: ...
    def delete_dlq(self, message: DlqMessage) -> None: ...
    def release_dlq(self, messages: list[DlqMessage]) -> None: ...
    def observed(self) -> dict[str, Any] | None: ...
    def close(self) -> None: ...


class CloudBackend:
    """A deployed stack, found by name (``describe_stacks`` outputs and parameters)."""

    poll_interval = 2.0
    executions_outlive_process = True
    #: Failed-deal messages stay hidden from other readers this long while a redrive handles them.
    dlq_visibility_timeout_s = 1800
    dlq_wait_s = 2
    insights_timeout_s = 120.0

    def __init__(
        self,
        resources: StackResources | None = None,
        session: Any = None,
        *,
        config_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._resources = resources
        self.environ = dict(os.environ if environ is None else environ)
        self.session = session
        self.config_path = config_path
        self.sleep = sleep
        self._clients: dict[str, Any] = {}
        self._salesforce: SalesforceConnection | None = None

    @classmethod
    def connect(
        cls,
        stack_name: str,
        *,
        profile: str | None = None,
        region: str | None = None,
        config_path: Path | None = None,
    ) -> CloudBackend:
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
            cfn = session.client("cloudformation", config=CLIENT_CONFIG)
            stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        except (ClientError, BotoCoreError) as exc:
            raise CliError(f"cannot read stack {stack_name}: {_aws_message(exc)}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
        parameters = {
            p["ParameterKey"]: p.get("ResolvedValue") or p.get("ParameterValue", "")
            for p in stack.get("Parameters") or []
        }
        resources = StackResources.from_stack_outputs(stack_name, outputs, parameters)
        return cls(resources, session, config_path=config_path)

    # ------------------------------------------------------------------ plumbing
    @property
    def resources(self) -> StackResources:
        if self._resources is None:
            self._resources = self._open()
        return self._resources

    def _open(self) -> StackResources:
        raise CliError("no stack: pass --stack NAME or --offline STATE_DIR")

    def client(self, service: str) -> Any:
        if service not in self._clients:
            region = self.resources.region
            self._clients[service] = self.session.client(
                service, region_name=region, config=CLIENT_CONFIG
            )
        return self._clients[service]

    def _call(self, what: str, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except (ClientError, BotoCoreError) as exc:
            raise CliError(f"{what} failed: {_aws_message(exc)}") from None

    @property
    def label(self) -> str:
        return f"stack {self.resources.stack_name} ({self.resources.region})"

    @property
    def org_id(self) -> str:
        return self.resources.org_id

    @property
    def concurrency_limit(self) -> int:
        return self.resources.netsuite_concurrency_limit

    def mapping_config(self) -> MappingConfig:
        return load_mapping_config(self.config_path)

    def close(self) -> None:
        """Nothing to stop: executions started in the cloud keep running."""

    def observed(self) -> dict[str, Any] | None:
        """Measurements only the offline stack can make (none in the cloud)."""
        return None

    # ------------------------------------------------------------------ Salesforce
    def salesforce(self) -> SalesforceConnection:
        """The operator's own Salesforce session (``SALESFORCE_INSTANCE_URL`` and
        ``SALESFORCE_ACCESS_TOKEN``); the integration's secret is never read here."""
        if self._salesforce is None:
            from closedwon.errors import AuthOrConfig
            from closedwon.salesforce import OperatorSession

            instance_url = self.environ.get(OPERATOR_INSTANCE_URL, "")
            token = self.environ.get(OPERATOR_ACCESS_TOKEN, "")
            if not instance_url or not token:
                raise CliError(
                    f"backfill reads Salesforce with your own login: run `sf org display "
                    f"--target-org <alias> --json` and export {OPERATOR_INSTANCE_URL} (instanceUrl) "
                    f"and {OPERATOR_ACCESS_TOKEN} (accessToken)"
                )
            try:
                self._salesforce = OperatorSession(
                    instance_url,
                    token,
                    api_version=self.mapping_config().salesforce.api_version,
                )
            except AuthOrConfig as exc:
                raise CliError(str(exc)) from None
        return self._salesforce

    # ------------------------------------------------------------------ Step Functions
    def start_execution(self, name: str, payload: dict[str, Any]) -> str:
        """Start one execution; :class:`AlreadyStarted` when the name is taken (resumes, reruns)."""
        sfn = self.client("stepfunctions")
        try:
            response = sfn.start_execution(
                stateMachineArn=self.resources.state_machine_arn,
                name=name,
                input=json.dumps(payload),
            )
        except ClientError as exc:
            if _code(exc) == "ExecutionAlreadyExists":
                raise AlreadyStarted(self.resources.execution_arn(name)) from None
            raise StartFailed(_aws_message(exc)) from None
        except BotoCoreError as exc:
            raise StartFailed(str(exc)) from None
        return str(response["executionArn"])

    def describe(self, arn: str) -> Execution:
        sfn = self.client("stepfunctions")
        try:
            desc = sfn.describe_execution(executionArn=arn)
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return Execution(arn, "UNKNOWN", "Unknown")
            raise CliError(f"describing {arn} failed: {_aws_message(exc)}") from None
        return execution_from(desc)

    def history(self, arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = self._call(
                f"reading the history of {arn}", lambda: sfn.get_execution_history(**kwargs)
            )
            events.extend(page.get("events") or [])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def report(self, arn: str) -> ExecutionReport:
        sfn = self.client("stepfunctions")
        desc = self._call(f"describing {arn}", lambda: sfn.describe_execution(executionArn=arn))
        return report_from_history(desc, self.history(arn))

    def executions_for(
        self, opportunity_id: str, *, limit: int = 5, days: int = 30
    ) -> list[ExecutionReport]:
        """The deal's latest executions, found in the LoadDeal logs (Logs Insights)."""
        query = status_query(opportunity_id, limit)
        group = self.resources.load_deal_log_group
        if not group:
            raise CliError(
                f"stack {self.resources.stack_name} has no output LoadDealLogGroupName: deploy "
                "the current template.yaml (or find the executions as docs/runbook.md shows)"
            )
        logs = self.client("logs")
        end = int(time.time())
        query_id = self._call(
            f"querying log group {group}",
            lambda: logs.start_query(
                logGroupName=group,
                startTime=end - days * 86400,
                endTime=end,
                queryString=query,
                limit=limit,
            )["queryId"],
        )
        deadline = time.monotonic() + self.insights_timeout_s
        while True:
            result = self._call(
                "reading the query results", lambda: logs.get_query_results(queryId=query_id)
            )
            state = result.get("status")
            if state == "Complete":
                break
            if state in ("Failed", "Cancelled", "Timeout", "Unknown"):
                raise CliError(f"the Logs Insights query on {group} ended {state}")
            if time.monotonic() > deadline:
                raise CliError(f"the Logs Insights query on {group} took too long")
            self.sleep(1.0)
        arns: list[str] = []
        for row in result.get("results") or []:
            fields = {f.get("field"): f.get("value") for f in row}
            arn = fields.get("execution_id")
            if isinstance(arn, str) and arn.startswith("arn:") and arn not in arns:
                arns.append(arn)
        reports = []
        for arn in arns:
            if self.describe(arn).status == "UNKNOWN":
                continue  # older than Step Functions keeps executions (90 days)
            reports.append(self.report(arn))
        reports.sort(key=lambda r: (r.startDate or "", r.stopDate or ""), reverse=True)
        return reports[:limit]

    # ------------------------------------------------------------------ the DLQ
    def receive_dlq(self, max_messages: int | None) -> list[DlqMessage]:
        """Up to ``max_messages`` DLQ messages, hidden from other readers until deleted or released."""
        sqs = self.client("sqs")
        url = self.resources.dead_letter_queue_url
        messages: list[DlqMessage] = []
        seen: set[str] = set()
        while max_messages is None or len(messages) < max_messages:
            wanted = 10 if max_messages is None else min(10, max_messages - len(messages))
            request = {
                "QueueUrl": url,
                "MaxNumberOfMessages": wanted,
                "VisibilityTimeout": self.dlq_visibility_timeout_s,
                "WaitTimeSeconds": self.dlq_wait_s,
            }
            batch = self._call(
                "reading the DLQ",
                lambda: sqs.receive_message(**request).get("Messages", []),  # noqa: B023
            )
            if not batch:
                break
            for raw in batch:
                if raw["MessageId"] in seen:
                    continue
                seen.add(raw["MessageId"])
                try:
                    body = json.loads(raw.get("Body") or "")
                except ValueError:
                    body = None
                messages.append(
                    DlqMessage(
                        body if isinstance(body, dict) else {"unreadableBody": raw.get("Body")},
                        raw["ReceiptHandle"],
                        raw["MessageId"],
                    )
                )
        return messages

    def delete_dlq(self, message: DlqMessage) -> None:
        sqs = self.client("sqs")
        self._call(
            "deleting a DLQ message",
            lambda: sqs.delete_message(
                QueueUrl=self.resources.dead_letter_queue_url,
                ReceiptHandle=message.receipt_handle,
            ),
        )

    def release_dlq(self, messages: list[DlqMessage]) -> None:
        """Make kept messages visible again at once (not only when their timeout ends)."""
        sqs = self.client("sqs")
        for message in messages:
            # on failure it comes back when its visibility timeout ends anyway
            with contextlib.suppress(ClientError, BotoCoreError):
                sqs.change_message_visibility(
                    QueueUrl=self.resources.dead_letter_queue_url,
                    ReceiptHandle=message.receipt_handle,
                    VisibilityTimeout=0,
                )


class OfflineBackend(CloudBackend):
    """The offline stack on STATE_DIR, started on first use and stopped by :meth:`close`."""

    poll_interval = 0.02
    executions_outlive_process = False
    dlq_wait_s = 0

    def __init__(self, options: StackOptions) -> None:
        super().__init__(config_path=Path(options.config_path))
        self.options = options
        self.state_dir = Path(options.state_dir)
        self.stack: OfflineStack | None = None
        self._journaled: set[str] = set()
        self._held: dict[str, DlqMessage] = {}

    @property
    def label(self) -> str:
        return f"offline {self.state_dir}"

    def _open(self) -> StackResources:
        from offline.stack import REGION, STACK, OfflineStack

        self.state_dir.mkdir(parents=True, exist_ok=True)
        stack = OfflineStack(self.options)
        try:
            stack.start()
        except BaseException:
            stack.stop()
            raise
        self.stack = stack
        self.session = boto3.Session(region_name=REGION)
        return StackResources.from_stack_outputs(
            STACK, stack.outputs, stack.resolver.parameter_values()
        )

    def salesforce(self) -> SalesforceConnection:
        """The offline org's own login (a throw-away key of the offline stack, on loopback)."""
        if self._salesforce is None:
            from closedwon.egress import salesforce_policy
            from closedwon.salesforce import SalesforceConnection, SalesforceSettings

            self.resources  # noqa: B018 - starts the stack
            assert self.stack is not None
            arn = self.stack.resolver.parameter_values()["SalesforceSecretArn"]
            secret = self.client("secretsmanager").get_secret_value(SecretId=arn)
            self._salesforce = SalesforceConnection(
                SalesforceSettings.model_validate_json(secret["SecretString"]),
                egress=salesforce_policy(offline_loopback=True),
            )
        return self._salesforce

    def describe(self, arn: str) -> Execution:
        execution = super().describe(arn)
        for _ in range(100):
            # moto sets an execution's status a moment before its error or output: read again.
            half_written = (execution.status == "FAILED" and execution.error is None) or (
                execution.status == "SUCCEEDED" and execution.output is None
            )
            if not half_written:
                break
            time.sleep(0.01)
            execution = super().describe(arn)
        if execution.status == "UNKNOWN":
            return self._journaled_execution(arn) or execution
        if not execution.running and arn not in self._journaled and self.stack is not None:
            self._journaled.add(arn)
            self.stack.wait(arn)  # returns at once: records the execution in STATE/executions.jsonl
        return execution

    def _journaled_execution(self, arn: str) -> Execution | None:
        """An execution of an earlier offline process (moto's state did not survive it)."""
        for entry in journal.executions(self.state_dir):
            if entry.get("executionArn") == arn:
                return Execution(
                    arn,
                    str(entry.get("status")),
                    "Skipped"
                    if entry.get("outcome") == "Skipped"
                    else outcome_of(str(entry.get("status")), None),
                    error=entry.get("error"),
                    start_date=iso(entry.get("startDate")),
                    stop_date=iso(entry.get("stopDate")),
                )
        return None

    def observed(self) -> dict[str, Any] | None:
        if self.stack is None:
            return None
        stats = self.stack.netsuite.stats
        return {
            "netsuiteMaxInFlight": int(stats["max_in_flight"]),
            "netsuiteRequests": self.stack.netsuite_api_calls(),
        }

    def executions_for(
        self, opportunity_id: str, *, limit: int = 5, days: int = 30
    ) -> list[ExecutionReport]:
        """From the journal (and the saved DLQ for error messages); the stack is not started."""
        if not is_salesforce_id(opportunity_id):
            raise CliError(f"'{opportunity_id[:40]}' is not a Salesforce opportunity id")
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
                    outcome="Skipped"
                    if entry.get("outcome") == "Skipped"
                    else outcome_of(status, None),
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

    def receive_dlq(self, max_messages: int | None) -> list[DlqMessage]:
        messages = super().receive_dlq(max_messages)
        self._held.update((m.message_id, m) for m in messages)
        return messages

    def delete_dlq(self, message: DlqMessage) -> None:
        super().delete_dlq(message)
        self._held.pop(message.message_id, None)

    def release_dlq(self, messages: list[DlqMessage]) -> None:
        super().release_dlq(messages)
        for message in messages:
            self._held.pop(message.message_id, None)

    def close(self) -> None:
        """Let running executions finish (they would die with moto), then save and stop."""
        if self.stack is None:
            return
        try:
            self.drain()
            self.release_dlq(list(self._held.values()))  # the DLQ is saved from what is visible
        finally:
            self.stack.stop()
            self.stack = None

    def drain(self) -> None:
        sfn = self.client("stepfunctions")
        running = sfn.list_executions(
            stateMachineArn=self.resources.state_machine_arn, statusFilter="RUNNING"
        ).get("executions", [])
        for item in running:
            arn = item["executionArn"]
            assert self.stack is not None
            self.stack.wait(arn)
            self._journaled.add(arn)
