"""A deployed stack, operated with boto3 (the offline backend points one at moto)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from closedwon.config import MappingConfig, load_mapping_config
from closedwon.events import is_salesforce_id, to_18
from closedwon_cli.errors import AlreadyStarted, CliError, StartFailed
from closedwon_cli.executions import (
    DlqMessage,
    Execution,
    ExecutionReport,
    execution_from,
    report_from_history,
)
from closedwon_cli.stack import StackResources, aws_message

if TYPE_CHECKING:
    from closedwon.salesforce import SalesforceConnection

#: The operator's own Salesforce session for backfill (``sf org display --json``).
OPERATOR_INSTANCE_URL = "SALESFORCE_INSTANCE_URL"
OPERATOR_ACCESS_TOKEN = "SALESFORCE_ACCESS_TOKEN"

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 10}, user_agent_extra="closedwon-cli"
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


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class CloudBackend:
    """A closedwon stack's state machine, DLQ and LoadDeal logs; Salesforce with the operator's
    own session."""

    #: Failed-deal messages stay hidden from other readers this long while a redrive handles them.
    dlq_visibility_timeout_s = 1800
    insights_timeout_s = 120.0
    executions_outlive_process = True

    def __init__(
        self,
        resources: StackResources,
        session: Any,
        *,
        config_path: Path | None = None,
        poll_interval: float = 2.0,
        dlq_wait_s: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.resources = resources
        self.session = session
        self.config_path = config_path
        self.poll_interval = poll_interval
        self.dlq_wait_s = dlq_wait_s
        self.sleep = sleep
        self.environ = dict(os.environ if environ is None else environ)
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
        """The stack called ``stack_name``, with the default (or the named) AWS credentials."""
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except BotoCoreError as exc:
            raise CliError(f"cannot use AWS profile {profile}: {exc}") from None
        resources = StackResources.describe(session, stack_name, CLIENT_CONFIG)
        return cls(resources, session, config_path=config_path)

    # ------------------------------------------------------------------ plumbing
    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, region_name=self.resources.region, config=CLIENT_CONFIG
            )
        return self._clients[service]

    def _call(self, what: str, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except (ClientError, BotoCoreError) as exc:
            raise CliError(f"{what} failed: {aws_message(exc)}") from None

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

    def status_source(self, days: int) -> str:
        return f"LoadDeal logs of the last {days} days"

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
                    "backfill reads Salesforce with your own login: run `sf org display "
                    f"--target-org <alias> --json` and export {OPERATOR_INSTANCE_URL} "
                    f"(instanceUrl) and {OPERATOR_ACCESS_TOKEN} (accessToken)"
                )
            try:
                self._salesforce = OperatorSession(
                    instance_url, token, api_version=self.mapping_config().salesforce.api_version
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
            raise StartFailed(aws_message(exc)) from None
        except BotoCoreError as exc:
            raise StartFailed(str(exc)) from None
        return str(response["executionArn"])

    def describe(self, arn: str) -> Execution:
        sfn = self.client("stepfunctions")
        try:
            desc = sfn.describe_execution(executionArn=arn)
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return Execution(arn, "UNKNOWN")
            raise CliError(f"describing {arn} failed: {aws_message(exc)}") from None
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
