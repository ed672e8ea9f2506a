"""Canary: the offline stack patches one private moto API. Fail loudly if it moves."""

from __future__ import annotations

import inspect
import json

import boto3
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from offline.lambda_seam import LambdaRegistry


def test_moto_still_has_the_private_invoke_method() -> None:
    params = list(inspect.signature(LambdaFunction._invoke_lambda).parameters)
    assert params == ["self", "event"], (
        "moto changed LambdaFunction._invoke_lambda; update offline/lambda_seam.py"
    )


def test_a_task_error_name_reaches_the_asl_through_the_seam(tmp_path) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(
        "class Throttled(Exception):\n    pass\n\n"
        "def handler(event, context):\n"
        "    if event.get('fail'):\n        raise Throttled('slow down')\n"
        "    return {'ok': True}\n"
    )
    registry = LambdaRegistry()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", region_name="us-east-1")
        arn = lam.create_function(
            FunctionName="fn",
            Runtime="python3.13",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": b"PK"},
        )["FunctionArn"]
        registry.register("fn", "Fn", code, "app.handler", {}, 128)
        registry.install()
        try:
            sfn = boto3.client("stepfunctions", region_name="us-east-1")
            definition = {
                "StartAt": "T",
                "States": {
                    "T": {
                        "Type": "Task",
                        "Resource": arn,
                        "Catch": [{"ErrorEquals": ["Throttled"], "Next": "Caught"}],
                        "End": True,
                    },
                    "Caught": {"Type": "Succeed"},
                },
            }
            machine = sfn.create_state_machine(
                name="m", definition=json.dumps(definition), roleArn=role
            )["stateMachineArn"]
            for n, (payload, expected) in enumerate((({}, {"ok": True}), ({"fail": True}, None))):
                execution = sfn.start_execution(
                    stateMachineArn=machine, name=f"e{n}", input=json.dumps(payload)
                )["executionArn"]
                for _ in range(200):
                    desc = sfn.describe_execution(executionArn=execution)
                    if desc["status"] != "RUNNING":
                        break
                    import time

                    time.sleep(0.02)
                assert desc["status"] == "SUCCEEDED"
                if expected is not None:
                    assert json.loads(desc["output"]) == expected
                else:
                    history = sfn.get_execution_history(executionArn=execution)["events"]
                    entered = [
                        e["stateEnteredEventDetails"]["name"]
                        for e in history
                        if e["type"] == "SucceedStateEntered"
                    ]
                    assert entered == ["Caught"], (
                        "the handler's exception class did not become the ASL error name"
                    )
        finally:
            registry.uninstall()


def test_moto_still_has_what_the_stack_reuses_between_executions() -> None:
    """offline/stack.py `_reuse_interpreter_work` patches these three names."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sqs,
    )
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    assert list(inspect.signature(ExecutionWorker._get_evaluation_entrypoint).parameters) == [
        "self"
    ]
    for module in (lambda_eval_utils, state_task_service_sqs):
        assert list(inspect.signature(module.boto_client_for).parameters) == [
            "region",
            "service",
            "state_credentials",
        ]


def test_each_execution_gets_its_own_copy_of_the_parsed_definition(tmp_path) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    from offline.stack import OfflineStack, StackOptions

    with OfflineStack(StackOptions(state_dir=tmp_path)) as stack:

        class Worker:  # what the patched entrypoint reads from an ExecutionWorker
            class _evaluation_details:
                class state_machine_details:
                    definition = json.dumps(stack.definition)

        first = ExecutionWorker._get_evaluation_entrypoint(Worker())  # type: ignore[arg-type]
        second = ExecutionWorker._get_evaluation_entrypoint(Worker())  # type: ignore[arg-type]
        assert type(first).__name__ == "Program" and first is not second
        assert first.states is not second.states
