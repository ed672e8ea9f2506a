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
