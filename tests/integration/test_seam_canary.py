"""Canary: every moto patch the offline stack declares (offline/moto_patches.py) still fits the
pinned moto and still does what its ``why`` claims. Fails loudly when moto moves.

Each behaviour test names the patch it covers (``@covers``); a test fails when an entry has none.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from offline.lambda_seam import LambdaRegistry
from offline.moto_patches import PATCHES, Kind, MotoPatch, PatchContext, applied
from offline.stack import OfflineStack, StackOptions, moto_patch_kinds

REGION = "us-east-1"
COVERED: set[str] = set()


def covers(*targets: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Record that the decorated test checks the behaviour of these declared patches."""
    COVERED.update(targets)
    return lambda test: test


def patch(target: str) -> MotoPatch:
    return next(p for p in PATCHES if p.target == target)


SEAM = "moto.awslambda.models:LambdaFunction._invoke_lambda"
RETRY_CLOCK = "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl:time"
ENTRYPOINT = (
    "moto.stepfunctions.parser.backend.execution_worker:ExecutionWorker._get_evaluation_entrypoint"
)
JSON_PATH = "moto.stepfunctions.parser.asl.utils.json_path:parse"
RESULT_PATH = "moto.stepfunctions.parser.asl.component.common.path.result_path:parse"
TASK = "moto.stepfunctions.parser.asl.component.state.exec.state_task"
LAMBDA_CLIENT = f"{TASK}.lambda_eval_utils:boto_client_for"
SQS_CLIENT = f"{TASK}.service.state_task_service_sqs:boto_client_for"
METHOD_NAMES = "moto.core.responses:method_names_from_class"
BACKEND_LOOKUP = "moto.core.base_backend:BackendDict.__getitem__"
WRITES = [
    f"moto.dynamodb.models:DynamoDBBackend.{m}" for m in ("put_item", "update_item", "delete_item")
]


# ----------------------------------------------------------------------------- every entry
@pytest.mark.parametrize("declared", PATCHES, ids=lambda p: p.target.rsplit(":", 1)[-1])
def test_given_a_declared_patch_then_its_moto_target_still_has_the_parameters_it_relies_on(
    declared: MotoPatch,
) -> None:
    original = declared.original()
    if declared.parameters is None:
        assert isinstance(original, ModuleType), f"{declared.target} is no longer a module"
    else:
        names = tuple(inspect.signature(original).parameters)
        assert names[: len(declared.parameters)] == declared.parameters, (
            f"moto changed {declared.target}{names}; update offline/moto_patches.py"
        )
    assert declared.why and declared.kind in Kind


def test_every_declared_patch_has_a_test_of_what_it_claims() -> None:
    assert {p.target for p in PATCHES} == COVERED


def test_given_default_options_then_the_stack_applies_fidelity_and_the_retry_clock_only() -> None:
    assert moto_patch_kinds(StackOptions()) == (Kind.FIDELITY, Kind.CLOCK)
    assert moto_patch_kinds(StackOptions(retry_time_scale=1.0)) == (Kind.FIDELITY,)
    assert Kind.SPEED in moto_patch_kinds(StackOptions(speed_patches=True))


def test_given_a_stack_without_speed_patches_then_moto_parses_as_shipped(tmp_path: Path) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    shipped = ExecutionWorker._get_evaluation_entrypoint
    with OfflineStack(StackOptions(state_dir=tmp_path)):
        assert ExecutionWorker._get_evaluation_entrypoint is shipped
    with OfflineStack(StackOptions(state_dir=tmp_path, speed_patches=True)):
        assert ExecutionWorker._get_evaluation_entrypoint is not shipped
    assert ExecutionWorker._get_evaluation_entrypoint is shipped


# ----------------------------------------------------------------------------- a small machine
class Machine:
    """moto with an executing interpreter, functions run through the seam, one state machine."""

    def __init__(self, code_root: Path, registry: LambdaRegistry) -> None:
        self.code_root = code_root
        self.registry = registry
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        self.role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    def function(self, name: str, source: str) -> str:
        code = self.code_root / name
        code.mkdir()
        (code / "app.py").write_text(source)
        arn = boto3.client("lambda", region_name=REGION).create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=self.role,
            Handler="app.handler",
            Code={"ZipFile": b"PK"},
        )["FunctionArn"]
        self.registry.register(name, name, code, "app.handler", {}, 128)
        return str(arn)

    def create(self, definition: dict[str, Any]) -> str:
        return str(
            self.sfn.create_state_machine(
                name=f"m{len(self.sfn.list_state_machines()['stateMachines'])}",
                definition=json.dumps(definition),
                roleArn=self.role,
            )["stateMachineArn"]
        )

    def run(self, machine: str, payload: dict[str, Any]) -> dict[str, Any]:
        arn = self.sfn.start_execution(
            stateMachineArn=machine, name=str(uuid.uuid4()), input=json.dumps(payload)
        )["executionArn"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            desc = self.sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                return dict(desc)
            time.sleep(0.02)
        raise AssertionError(f"{arn} still running after 30 s")


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[tuple[Machine, PatchContext]]:
    registry = LambdaRegistry()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        context = PatchContext(lambdas=registry, retry_time_scale=0.0)
        with applied([patch(SEAM)], context):
            yield Machine(tmp_path, registry), context


FLAKY = (
    "class Flaky(Exception):\n    pass\n\nseen = set()\n\n"
    "def handler(event, context):\n"
    "    if event['id'] not in seen:\n        seen.add(event['id'])\n        raise Flaky('once')\n"
    "    return {'ok': event['id']}\n"
)


def retrying(function_arn: str, interval_s: int) -> dict[str, Any]:
    return {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": function_arn,
                "Retry": [
                    {"ErrorEquals": ["Flaky"], "IntervalSeconds": interval_s, "MaxAttempts": 1}
                ],
                "End": True,
            }
        },
    }


# ----------------------------------------------------------------------------- fidelity
@covers(SEAM)
def test_given_a_handler_raises_then_its_exception_class_is_the_error_name_the_asl_catches(
    machine: tuple[Machine, PatchContext],
) -> None:
    """Step Functions matches a Lambda error by its errorType, the exception's class name:
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html and
    https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    m, _ = machine
    arn = m.function(
        "fn",
        "class Throttled(Exception):\n    pass\n\n"
        "def handler(event, context):\n"
        "    if event.get('fail'):\n        raise Throttled('slow down')\n"
        "    return {'ok': True}\n",
    )
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
    sm = m.create(definition)
    passed = m.run(sm, {})
    assert passed["status"] == "SUCCEEDED" and json.loads(passed["output"]) == {"ok": True}
    caught = m.run(sm, {"fail": True})
    history = m.sfn.get_execution_history(executionArn=caught["executionArn"])["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"] == "SucceedStateEntered"
    ]
    assert caught["status"] == "SUCCEEDED" and entered == ["Caught"]


@covers(*WRITES)
@pytest.mark.parametrize("target", WRITES, ids=lambda t: t.rsplit(".", 1)[-1])
def test_given_concurrent_writes_then_one_item_is_written_by_one_at_a_time_and_others_in_parallel(
    target: str,
) -> None:
    """A conditional write's condition is checked and the item written as one step, per item
    (Amazon DynamoDB Developer Guide, "Working with items and attributes", Conditional writes:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html)."""
    declared = patch(target)
    owner, name = declared.owner_and_name()
    lock = threading.Lock()
    in_flight: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    real = getattr(owner, name)

    def observed(
        backend: Any, table_name: str, item_or_key: dict[str, Any], *a: Any, **k: Any
    ) -> Any:
        key = item_or_key["pk"]["S"]
        with lock:
            in_flight[key] += 1
            in_flight["*"] += 1
            peak[key] = max(peak[key], in_flight[key])
            peak["*"] = max(peak["*"], in_flight["*"])
        time.sleep(0.05)
        with lock:
            in_flight[key] -= 1
            in_flight["*"] -= 1
        return real(backend, table_name, item_or_key, *a, **k)

    with mock_aws(), mock.patch.object(owner, name, observed), applied([declared]):
        db = boto3.client("dynamodb", region_name=REGION)
        db.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )

        def write(pk: str) -> None:
            if name == "put_item":
                db.put_item(TableName="t", Item={"pk": {"S": pk}})
            elif name == "update_item":
                db.update_item(
                    TableName="t",
                    Key={"pk": {"S": pk}},
                    UpdateExpression="ADD n :d",
                    ExpressionAttributeValues={":d": {"N": "1"}},
                )
            else:
                db.delete_item(TableName="t", Key={"pk": {"S": pk}})

        keys = ["same"] * 4 + [f"other-{i}" for i in range(4)]
        with ThreadPoolExecutor(len(keys)) as pool:
            list(pool.map(write, keys))
    assert peak["same"] == 1, "two writes to one item overlapped"
    assert peak["*"] > 1, "writes to different items waited for each other"


@covers(RETRY_CLOCK)
@pytest.mark.parametrize("scale", [0.0, 0.02])
def test_given_a_retry_clock_scale_then_a_retry_waits_its_interval_times_the_scale(
    machine: tuple[Machine, PatchContext], scale: float
) -> None:
    """A Retrier waits IntervalSeconds before the first retry (AWS Step Functions Developer
    Guide, "Handling errors in Step Functions workflows", Retrying after an error:
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""
    m, _ = machine
    sm = m.create(retrying(m.function("flaky", FLAKY), interval_s=30))
    with applied([patch(RETRY_CLOCK)], PatchContext(retry_time_scale=scale)):
        started = time.monotonic()
        desc = m.run(sm, {"id": "a"})
        elapsed = time.monotonic() - started
    assert desc["status"] == "SUCCEEDED", "the retry itself must still happen"
    assert 30 * scale <= elapsed < 30 * scale + 10


# ----------------------------------------------------------------------------- speed
@covers(ENTRYPOINT)
def test_given_parse_once_then_one_definition_is_parsed_once_and_each_execution_has_its_own_tree(
    machine: tuple[Machine, PatchContext],
) -> None:
    from moto.stepfunctions.parser.backend import execution_worker

    m, context = machine
    sm = m.create(retrying(m.function("flaky", FLAKY), interval_s=1))
    parser = execution_worker.AmazonStateLanguageParser
    with (
        mock.patch.object(parser, "parse", side_effect=parser.parse) as parse,
        applied([patch(ENTRYPOINT), patch(RETRY_CLOCK)], context),
    ):
        outputs = [m.run(sm, {"id": i}) for i in ("a", "b")]
        worker = mock.Mock()
        worker._evaluation_details.state_machine_details.definition = json.dumps(
            retrying("arn:aws:lambda:us-east-1:123456789012:function:x", 1)
        )
        first, second = (
            execution_worker.ExecutionWorker._get_evaluation_entrypoint(worker) for _ in range(2)
        )
    assert [json.loads(o["output"]) for o in outputs] == [{"ok": "a"}, {"ok": "b"}]
    assert parse.call_count == 2, "one parse per definition (the machine's, then the probe's)"
    assert type(first).__name__ == "Program" and first is not second
    assert first.states is not second.states


@covers(JSON_PATH, RESULT_PATH)
def test_given_cached_path_parsers_then_each_jsonpath_is_parsed_once_with_the_same_result(
    machine: tuple[Machine, PatchContext],
) -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    m, context = machine
    sm = m.create(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Pass",
                    "Parameters": {"v.$": "$.a.b"},
                    "ResultPath": "$.r",
                    "End": True,
                }
            },
        }
    )
    with applied([patch(JSON_PATH), patch(RESULT_PATH)], context):
        outputs = [json.loads(m.run(sm, {"a": {"b": n}})["output"]) for n in (1, 2)]
        json_path_cache, result_path_cache = (
            json_path.parse.cache_info(),
            result_path.parse.cache_info(),
        )
    assert outputs == [{"a": {"b": 1}, "r": {"v": 1}}, {"a": {"b": 2}, "r": {"v": 2}}]
    assert json_path_cache.hits >= 1 and result_path_cache.hits >= 1


@covers(LAMBDA_CLIENT, SQS_CLIENT)
def test_given_one_client_per_service_then_tasks_reuse_it_and_still_reach_lambda_and_sqs(
    machine: tuple[Machine, PatchContext],
) -> None:
    m, context = machine
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="q")["QueueUrl"]
    sm = m.create(
        {
            "StartAt": "L",
            "States": {
                "L": {
                    "Type": "Task",
                    "Resource": m.function("echo", "def handler(e, c):\n    return e\n"),
                    "Next": "S",
                },
                "S": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": queue, "MessageBody.$": "$"},
                    "End": True,
                },
            },
        }
    )
    builds: Counter[str] = Counter()
    targets = [patch(LAMBDA_CLIENT), patch(SQS_CLIENT)]
    with contextlib.ExitStack() as stack:
        for declared in targets:
            owner, name = declared.owner_and_name()
            real = getattr(owner, name)

            def counted(
                region: str, service: str, state_credentials: Any = None, _real: Any = real
            ) -> Any:
                builds[service] += 1
                return _real(region, service, state_credentials)

            stack.enter_context(mock.patch.object(owner, name, counted))
        stack.enter_context(applied(targets, context))
        statuses = [m.run(sm, {"n": n})["status"] for n in range(3)]
    received = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10
    )["Messages"]
    assert statuses == ["SUCCEEDED"] * 3 and len(received) == 3
    assert builds == {"lambda": 1, "sqs": 1}


@covers(METHOD_NAMES)
def test_given_cached_method_names_then_repeated_requests_list_a_handlers_methods_once() -> None:
    with mock_aws(), applied([patch(METHOD_NAMES)]):
        from moto.core import responses

        sqs = boto3.client("sqs", region_name=REGION)
        for _ in range(3):
            sqs.list_queues()
        info = responses.method_names_from_class.cache_info()
    assert info.hits >= 2


@covers(BACKEND_LOOKUP)
def test_given_a_lock_free_lookup_then_a_request_for_an_existing_account_does_not_queue_on_moto_lock() -> (
    None
):
    from moto.core.base_backend import backend_lock
    from moto.sqs.models import sqs_backends

    with mock_aws(), applied([patch(BACKEND_LOOKUP)]):
        sqs = boto3.client("sqs", region_name=REGION)
        sqs.create_queue(QueueName="q")
        sqs.list_queues()  # every backend this request needs exists now
        done = threading.Event()
        with backend_lock:  # another thread holding moto's process-wide lock
            threading.Thread(target=lambda: (sqs.list_queues(), done.set()), daemon=True).start()
            answered = done.wait(5)
        created = sqs_backends["000000000042"][REGION]  # a new account is still created
    assert answered, "a request for an existing account waited for moto's backend lock"
    assert created.account_id == "000000000042"
