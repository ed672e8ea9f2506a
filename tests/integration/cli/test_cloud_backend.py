"""CloudBackend against moto where moto implements the API, botocore stubs where it does not."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from closedwon_cli.cloud import CloudBackend, status_query
from closedwon_cli.errors import AlreadyStarted, CliError, StartFailed
from closedwon_cli.executions import Execution, ExecutionReport, report_from_history
from closedwon_cli.history import dlq_message_in
from closedwon_cli.restart import redrive, replay
from closedwon_cli.stack import StackResources
from tests.fakes.cli_backend import ORG, opp

REGION = "eu-west-1"
MACHINE = f"arn:aws:states:{REGION}:123456789012:stateMachine:prod-closed-won-sync"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


PARAMETERS = {"SalesforceOrgId": ORG, "NetSuiteConcurrencyLimit": "4"}


def outputs(**overrides) -> dict[str, str]:
    return {
        "StateMachineArn": MACHINE,
        "DeadLetterQueueUrl": f"https://sqs.{REGION}.amazonaws.com/123456789012/prod-DeadLetterQueue",
        "LoadDealLogGroupName": "/aws/lambda/prod-LoadDeal",
        **overrides,
    }


def test_stack_resources_from_stack_outputs() -> None:
    resources = StackResources.from_stack_outputs(
        "prod", outputs(), {"SalesforceOrgId": ORG, "NetSuiteConcurrencyLimit": "7"}
    )
    assert resources.region == REGION and resources.netsuite_concurrency_limit == 7
    assert resources.load_deal_log_group == "/aws/lambda/prod-LoadDeal"
    assert resources.execution_arn("replay-x") == (
        f"arn:aws:states:{REGION}:123456789012:execution:prod-closed-won-sync:replay-x"
    )
    # DescribeStacks lists every parameter, defaults included: one missing is not our stack
    # (and the CLI never reads template.yaml to make one up).
    with pytest.raises(CliError, match="no parameter NetSuiteConcurrencyLimit"):
        StackResources.from_stack_outputs("p", outputs(), {"SalesforceOrgId": ORG})
    with pytest.raises(CliError, match="'many' is not a number"):
        StackResources.from_stack_outputs(
            "p", outputs(), {**PARAMETERS, "NetSuiteConcurrencyLimit": "many"}
        )
    with pytest.raises(CliError, match="no output DeadLetterQueueUrl"):
        StackResources.from_stack_outputs("prod", outputs(DeadLetterQueueUrl=""), PARAMETERS)
    with pytest.raises(CliError, match="SalesforceOrgId"):
        StackResources.from_stack_outputs("prod", outputs(), {"NetSuiteConcurrencyLimit": "4"})
    old = StackResources.from_stack_outputs("prod", outputs(LoadDealLogGroupName=""), PARAMETERS)
    with pytest.raises(CliError, match="LoadDealLogGroupName"):
        CloudBackend(old, boto3.Session()).executions_for(opp(1), limit=5, days=30)


def test_connect_reads_the_outputs_and_parameters_of_the_stack(monkeypatch) -> None:
    # moto's CloudFormation needs extras this project does not install: stub describe_stacks.
    cfn = boto3.client("cloudformation", region_name=REGION)
    stub = Stubber(cfn)
    stack = {
        "StackName": "prod",
        "CreationTime": "2025-01-01T00:00:00Z",
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [
            {"ParameterKey": "SalesforceOrgId", "ParameterValue": ORG},
            {"ParameterKey": "NetSuiteConcurrencyLimit", "ParameterValue": "6"},
        ],
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs().items()],
    }
    stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "prod"})
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id nope does not exist")
    stub.activate()

    class Session:
        def __init__(self, profile_name=None, region_name=None):
            assert (profile_name, region_name) == ("ops", REGION)

        def client(self, service, **_):
            assert service == "cloudformation"
            return cfn

    monkeypatch.setattr("closedwon_cli.cloud.boto3.Session", Session)
    backend = CloudBackend.connect("prod", profile="ops", region=REGION)
    assert backend.resources == StackResources.from_stack_outputs(
        "prod", outputs(), {"SalesforceOrgId": ORG, "NetSuiteConcurrencyLimit": "6"}
    )
    assert backend.concurrency_limit == 6 and backend.org_id == ORG
    assert backend.label == f"stack prod ({REGION})"
    with pytest.raises(
        CliError, match="cannot read stack nope: ValidationError: Stack with id nope"
    ):
        CloudBackend.connect("nope", profile="ops", region=REGION)


def _machine() -> str:
    return boto3.client("stepfunctions").create_state_machine(
        name="prod-closed-won-sync",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]


def _backend(machine: str = MACHINE, dlq_url: str | None = None) -> CloudBackend:
    resources = StackResources.from_stack_outputs(
        "prod",
        outputs(StateMachineArn=machine, **({"DeadLetterQueueUrl": dlq_url} if dlq_url else {})),
        PARAMETERS,
    )
    return CloudBackend(
        resources, boto3.Session(region_name=REGION), dlq_wait_s=0, sleep=lambda _: None
    )


@mock_aws
def test_start_execution_names_and_already_started() -> None:
    machine = _machine()
    backend = _backend(machine)
    arn = backend.start_execution("backfill-x-1", {"trigger": {"n": 1}})
    assert arn == backend.resources.execution_arn("backfill-x-1")
    with pytest.raises(AlreadyStarted) as already:
        backend.start_execution("backfill-x-1", {"trigger": {"n": 2}})
    assert already.value.arn == arn
    assert backend.describe(arn).arn == arn
    assert backend.describe(backend.resources.execution_arn("never")).status == "UNKNOWN"
    with pytest.raises(StartFailed):
        _backend(machine.replace("prod-closed", "gone-closed")).start_execution("x", {})

    result = replay(backend, opp(7), wait=False)
    assert result.executionArn == backend.resources.execution_arn(result.executionName)
    (described,) = [
        e
        for e in boto3.client("stepfunctions").list_executions(stateMachineArn=machine)[
            "executions"
        ]
        if e["name"].startswith("replay-")
    ]
    assert described["name"] == result.executionName and result.exit_code == 0
    sent = json.loads(
        boto3.client("stepfunctions").describe_execution(executionArn=result.executionArn)["input"]
    )
    assert sent["trigger"] == {
        "contractVersion": "1",
        "trigger": "REPLAY",
        "opportunityId": opp(7),
        "salesforceOrgId": ORG,
        "eventBridgeEventId": result.executionName,
    }


@mock_aws
def test_redrive_deletes_a_message_only_after_a_successful_start() -> None:
    machine = _machine()
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="prod-DeadLetterQueue")["QueueUrl"]
    for n in (1, 2):
        body = {
            "opportunityId": opp(n),
            "executionArn": f"{MACHINE}:failed-{n}",
            "errorClass": "Transient",
        }
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))

    # StartExecution refused (no such state machine): both messages stay, visible again at once.
    refused = redrive(_backend(machine.replace("prod-closed", "gone-closed"), url), wait=False)
    assert (refused.received, refused.deleted, refused.kept) == (2, 0, 2)
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "2"

    started = redrive(_backend(machine, url), wait=False)
    assert (started.received, started.restarted, started.deleted, started.kept) == (2, 2, 2, 0)
    assert all(i.executionName.startswith(f"redrive-{i.opportunityId}-") for i in started.items)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=machine)[
        "executions"
    ]
    assert sorted(e["name"] for e in executions) == sorted(i.executionName for i in started.items)


def test_the_status_query_finds_executions_by_either_id_length() -> None:
    assert status_query("0065f0000000001", 5) == (
        "fields @timestamp, execution_id\n"
        '| filter opportunity_id in ["0065f0000000001", "0065f0000000001AAA"] and ispresent(execution_id)\n'
        "| stats min(@timestamp) as firstSeen by execution_id\n"
        "| sort firstSeen desc\n"
        "| limit 5"
    )
    with pytest.raises(CliError):
        status_query('0065f0000000001"] or 1=1', 5)


def test_executions_for_runs_logs_insights_then_describes_each_execution() -> None:
    backend = _backend()
    logs = boto3.client("logs", region_name=REGION)
    stub = Stubber(logs)
    arn_old, arn_new = (
        f"{MACHINE.replace(':stateMachine:', ':execution:')}:{n}" for n in ("old", "new")
    )
    stub.add_response(
        "start_query",
        {"queryId": "q1"},
        {
            "logGroupName": "/aws/lambda/prod-LoadDeal",
            "startTime": ANY,
            "endTime": ANY,
            "queryString": status_query(opp(1), 5),
            "limit": 5,
        },
    )
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q1"})
    rows = [
        [
            {"field": "execution_id", "value": arn_old},
            {"field": "firstSeen", "value": "2025-01-01 10:00:00.000"},
        ],
        [
            {"field": "execution_id", "value": arn_new},
            {"field": "firstSeen", "value": "2025-02-01 10:00:00.000"},
        ],
        [
            {"field": "execution_id", "value": "arn:expired"},
            {"field": "firstSeen", "value": "2024-01-01"},
        ],
    ]
    stub.add_response(
        "get_query_results", {"status": "Complete", "results": rows}, {"queryId": "q1"}
    )
    stub.activate()
    backend._clients["logs"] = logs
    starts = {arn_old: "2025-01-01T10:00:00Z", arn_new: "2025-02-01T10:00:00Z"}
    backend.describe = lambda arn: Execution(arn, "SUCCEEDED" if arn in starts else "UNKNOWN")
    backend.report = lambda arn: ExecutionReport(
        arn, arn[-3:], "SUCCEEDED", "Synced", starts[arn], None
    )
    reports = backend.executions_for(opp(1), limit=5, days=30)
    assert [r.executionArn for r in reports] == [arn_new, arn_old]  # newest first; expired skipped
    stub.assert_no_pending_responses()


def test_backfill_queries_salesforce_with_the_operators_own_session_never_the_integration_key() -> (
    None
):
    backend = CloudBackend(
        _backend().resources,
        None,
        environ={
            "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SALESFORCE_ACCESS_TOKEN": "00Dxx!operator-session",
        },
    )
    backend._clients["secretsmanager"] = None  # any read of a secret would fail the test
    connection = backend.salesforce()
    assert connection.instance_url == "https://acme.my.salesforce.com"  # type: ignore[attr-defined]
    assert connection.api_calls == 0


def test_backfill_without_an_operator_session_says_how_to_get_one() -> None:
    backend = CloudBackend(_backend().resources, None, environ={})
    with pytest.raises(CliError, match="sf org display"):
        backend.salesforce()


def test_backfill_refuses_an_operator_instance_url_outside_salesforce() -> None:
    backend = CloudBackend(
        _backend().resources,
        None,
        environ={
            "SALESFORCE_INSTANCE_URL": "http://attacker.example",
            "SALESFORCE_ACCESS_TOKEN": "t",
        },
    )
    with pytest.raises(CliError, match="https"):
        backend.salesforce()


def test_a_report_from_the_history_attributes_map_iterations_and_reads_the_dlq_message() -> None:
    message = {
        "opportunityId": opp(1),
        "failedStep": "UpsertSubscriptionPlan/CreateSubscription",
        "errorClass": "RejectedByNetSuite",
        "errorMessage": "no",
        "permanent": True,
    }

    def entered(i, prev, name):
        return {
            "id": i,
            "previousEventId": prev,
            "type": "TaskStateEntered",
            "stateEnteredEventDetails": {"name": name},
        }

    def exited(i, prev, name):
        return {
            "id": i,
            "previousEventId": prev,
            "type": "TaskStateExited",
            "stateExitedEventDetails": {"name": name},
        }

    history = [
        entered(1, 0, "UpsertSubscriptionPlan"),
        entered(2, 0, "UpsertSubscriptionPlan"),
        {"id": 3, "previousEventId": 1, "type": "LambdaFunctionScheduled"},
        {"id": 4, "previousEventId": 2, "type": "LambdaFunctionScheduled"},
        {
            "id": 5,
            "previousEventId": 4,
            "type": "LambdaFunctionFailed",
            "lambdaFunctionFailedEventDetails": {"error": "Throttled"},
        },
        {"id": 6, "previousEventId": 5, "type": "LambdaFunctionScheduled"},
        {"id": 7, "previousEventId": 6, "type": "LambdaFunctionSucceeded"},
        exited(8, 7, "UpsertSubscriptionPlan"),
        {
            "id": 9,
            "previousEventId": 3,
            "type": "LambdaFunctionFailed",
            "lambdaFunctionFailedEventDetails": {"error": "RejectedByNetSuite"},
        },
        exited(10, 9, "UpsertSubscriptionPlan"),
        entered(11, 10, "SendToDLQ"),
        {
            "id": 12,
            "previousEventId": 11,
            "type": "TaskScheduled",
            "taskScheduledEventDetails": {
                "resourceType": "sqs",
                "resource": "sendMessage",
                "parameters": json.dumps({"QueueUrl": "q", "MessageBody": json.dumps(message)}),
            },
        },
    ]
    assert dlq_message_in(history) == message
    desc = {
        "executionArn": f"{MACHINE}:x",
        "status": "FAILED",
        "error": "DealSyncFailed",
        "startDate": "2025-01-01T00:00:00+00:00",
    }
    report = report_from_history(desc, history)
    first, second = report.steps[:2]
    assert first == {
        "name": "UpsertSubscriptionPlan",
        "status": "caught",
        "attempts": 1,
        "error": "RejectedByNetSuite",
    }
    assert second == {
        "name": "UpsertSubscriptionPlan",
        "status": "succeeded",
        "attempts": 2,
        "error": "Throttled",
    }
    assert (
        report.failure["errorClass"] == "RejectedByNetSuite" and report.failure["permanent"] is True
    )
    assert report.outcome == "Failed" and report.startDate == "2025-01-01T00:00:00Z"
