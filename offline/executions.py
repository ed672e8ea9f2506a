"""Executions of the state machine and the dead-letter queue, as an operator sees them.

moto keeps AWS state in memory: every finished execution is recorded in the state folder's
journal, and the DLQ is saved there on stop and put back on the next start.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from offline import journal


@dataclass
class ExecutionResult:
    arn: str
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: dict[str, Any] | None
    error: str | None
    cause: str | None


class Executions:
    """Start and await executions of one state machine; read and delete its DLQ's messages."""

    def __init__(self, region: str, state_machine_arn: str, dlq_url: str, state_dir: Path) -> None:
        self.region = region
        self.state_machine_arn = state_machine_arn
        self.dlq_url = dlq_url
        self.state_dir = state_dir

    def start(self, payload: dict[str, Any], name: str | None = None) -> str:
        sfn = boto3.client("stepfunctions", region_name=self.region)
        return str(
            sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name or str(uuid.uuid4()),
                input=json.dumps(payload),
            )["executionArn"]
        )

    def wait(self, arn: str, timeout_s: float = 300.0) -> ExecutionResult:
        """The execution's outcome once it stops running (recorded in the journal)."""
        sfn = boto3.client("stepfunctions", region_name=self.region)
        deadline = time.monotonic() + timeout_s
        delay = 0.02
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                output = json.loads(desc["output"]) if desc.get("output") else None
                result = ExecutionResult(
                    arn, desc["status"], output, desc.get("error"), desc.get("cause")
                )
                self._journal(desc, result)
                return result
            if time.monotonic() > deadline:
                return ExecutionResult(
                    arn, "TIMED_OUT", None, "OfflineTimeout", f"still running after {timeout_s}s"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def _journal(self, desc: dict[str, Any], result: ExecutionResult) -> None:
        sfn = boto3.client("stepfunctions", region_name=self.region)
        history = sfn.get_execution_history(executionArn=result.arn, maxResults=1000)["events"]
        journal.record_execution(self.state_dir, journal.entry(desc, history))

    # ------------------------------------------------------------------ the DLQ
    def restore_dlq(self) -> None:
        """Put back the DLQ messages an earlier offline process left."""
        sqs = boto3.client("sqs", region_name=self.region)
        for body in journal.load_dlq(self.state_dir):
            sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(body))

    def save_dlq(self) -> None:
        journal.save_dlq(self.state_dir, [m["body"] for m in self.dlq_messages()])

    def dlq_messages(self) -> list[dict[str, Any]]:
        """Every message on the DLQ, left in place."""
        messages = self._receive_all()
        self._release(messages)
        return messages

    def delete_dlq_message(self, execution_arn: str | None) -> bool:
        """Delete the DLQ message of one failed execution (after its restart has an outcome)."""
        sqs = boto3.client("sqs", region_name=self.region)
        messages = self._receive_all()
        match = next((m for m in messages if m["body"].get("executionArn") == execution_arn), None)
        if match is not None:
            sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=match["receiptHandle"])
        self._release([m for m in messages if m is not match])
        return match is not None

    def _receive_all(self) -> list[dict[str, Any]]:
        """Every DLQ message, hidden from other readers until released or deleted."""
        sqs = boto3.client("sqs", region_name=self.region)
        messages: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=300
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(
                {"receiptHandle": m["ReceiptHandle"], "body": json.loads(m["Body"])} for m in batch
            )

    def _release(self, messages: list[dict[str, Any]]) -> None:
        sqs = boto3.client("sqs", region_name=self.region)
        for m in messages:
            sqs.change_message_visibility(
                QueueUrl=self.dlq_url, ReceiptHandle=m["receiptHandle"], VisibilityTimeout=0
            )
