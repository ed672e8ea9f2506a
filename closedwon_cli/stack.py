"""A deployed stack, as the commands know it: its outputs and two of its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from closedwon_cli.errors import CliError


def aws_message(exc: Exception) -> str:
    """An AWS error as one line: ``Code: Message``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


@dataclass(frozen=True)
class StackResources:
    """What the commands need from a closedwon stack (DescribeStacks has all of it)."""

    stack_name: str
    state_machine_arn: str
    dead_letter_queue_url: str
    org_id: str
    netsuite_concurrency_limit: int
    load_deal_log_group: str | None = None

    REQUIRED_OUTPUTS = ("StateMachineArn", "DeadLetterQueueUrl")
    REQUIRED_PARAMETERS = ("SalesforceOrgId", "NetSuiteConcurrencyLimit")

    @classmethod
    def from_stack_outputs(
        cls, stack_name: str, outputs: dict[str, str], parameters: dict[str, str]
    ) -> StackResources:
        """From a stack's outputs and parameters.

        DescribeStacks lists every template parameter with the value the stack uses, the
        template's default included, so a missing one means this is not a closedwon stack.
        """
        missing = [key for key in cls.REQUIRED_OUTPUTS if not outputs.get(key)]
        if missing:
            raise CliError(
                f"stack {stack_name} has no output {', '.join(missing)}: is it a closedwon stack?"
            )
        missing = [key for key in cls.REQUIRED_PARAMETERS if not parameters.get(key)]
        if missing:
            raise CliError(
                f"stack {stack_name} has no parameter {', '.join(missing)}: "
                "is it a closedwon stack?"
            )
        raw_limit = parameters["NetSuiteConcurrencyLimit"]
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
            org_id=parameters["SalesforceOrgId"],
            netsuite_concurrency_limit=max(1, limit),
            load_deal_log_group=outputs.get("LoadDealLogGroupName") or None,
        )

    @classmethod
    def describe(cls, session: Any, stack_name: str, client_config: Any) -> StackResources:
        """Read the stack with ``cloudformation:DescribeStacks``."""
        try:
            cfn = session.client("cloudformation", config=client_config)
            stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        except (ClientError, BotoCoreError) as exc:
            raise CliError(f"cannot read stack {stack_name}: {aws_message(exc)}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
        parameters = {
            p["ParameterKey"]: p.get("ResolvedValue") or p.get("ParameterValue", "")
            for p in stack.get("Parameters") or []
        }
        return cls.from_stack_outputs(stack_name, outputs, parameters)

    @property
    def region(self) -> str:
        return self.state_machine_arn.split(":")[3]

    def execution_arn(self, name: str) -> str:
        """The ARN Step Functions gives an execution of this name (for ExecutionAlreadyExists)."""
        prefix, machine = self.state_machine_arn.split(":stateMachine:", 1)
        return f"{prefix}:execution:{machine}:{name}"
