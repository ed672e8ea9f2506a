"""template.yaml: lint-clean, secrets only by reference, encrypted storage, and an operations
section (alarms, topic, dashboard) that points on-call people to the runbook."""

from __future__ import annotations

import ast
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from closedwon.errors import PERMANENT, RETRYABLE
from tests.integration.infra.conftest import (
    DLQ_MESSAGE_DOC_PATH,
    ROOT,
    RUNBOOK_PATH,
    TEMPLATE_PATH,
    as_list,
    render,
    resources_of_type,
)

DEPLOY_DOC_PATH = ROOT / "docs" / "deploy.md"
SALESFORCE_SETUP_PATH = ROOT / "docs" / "salesforce-setup.md"
SAMCONFIG_PATH = ROOT / "samconfig.toml"
CONFIG_ENVS = ("dev", "prod")
STEP_FUNCTIONS = (
    "LoadDealFunction",
    "UpsertCustomerFunction",
    "UpsertContactsFunction",
    "UpsertBillingAccountFunction",
    "UpsertSubscriptionPlanFunction",
    "CreateSubscriptionFunction",
    "ApplyAmendmentFunction",
    "WriteBackFunction",
    "RecordFailureFunction",
)
QUEUES = ("DeadLetterQueue", "RuleDeadLetterQueue")
FOURTEEN_DAYS = 14 * 24 * 3600
NAMESPACE, SERVICE = "ClosedWonSync", "closedwon-sync"  # closedwon/observability.py
SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD")

#: Every alarm and the docs/runbook.md section its description links to.
ALARM_ANCHORS = {
    "DeadLetterQueueAlarm": "dlq-has-messages",
    "RuleDeadLetterQueueAlarm": "rule-dlq-has-messages",
    "ExecutionsFailedAlarm": "executions-failed",
    "ExecutionsTimedOutAlarm": "executions-timed-out",
    "NetSuiteThrottlingAlarm": "netsuite-throttling",
    "LambdaErrorsAlarm": "lambda-errors",
    "DealsDriftedAlarm": "deals-drifted",
    "CertificateExpiresSoonAlarm": "certificate-expires-soon",
}


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


# ---------------------------------------------------------------- static checks


def test_cfn_lint_reports_nothing() -> None:
    from cfnlint.api import lint_file

    assert [str(match) for match in lint_file(TEMPLATE_PATH)] == []


def test_infrastructure_tools_are_never_deployed() -> None:
    """aws-sam-translator, cfn-lint and the test tools are dev dependencies (requirements-dev.txt)."""
    deployed = [
        *(ROOT / "layers").glob("*/requirements.txt"),
        *(ROOT / "layers").glob("*/requirements.lock"),
        *(ROOT / "functions").glob("*/requirements.txt"),
    ]
    assert deployed
    for path in deployed:
        names = {
            re.split(r"[=<>~!\[; ]", line.strip(), maxsplit=1)[0].lower()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
        assert not names & {"aws-sam-translator", "cfn-lint", "moto", "pytest", "hypothesis"}, path


# ---------------------------------------------------------------- secrets


def function_environments(template: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    globals_env = (
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    for key, value in globals_env.items():
        yield "Globals", key, value
    for name, function in resources_of_type(
        template, "AWS::Serverless::Function", "AWS::Lambda::Function"
    ).items():
        for key, value in (
            (function["Properties"].get("Environment") or {}).get("Variables", {}).items()
        ):
            yield name, key, value


def looks_like_a_secret(value: str) -> bool:
    return (
        "-----BEGIN" in value
        or bool(re.search(r"://[^/\s:@]+:[^/\s@]+@", value))  # credentials in a URL
        or bool(re.fullmatch(r"[A-Za-z0-9+/=_\-.]{32,}", value))  # a long token
    )


def test_environment_variables_hold_secret_arns_never_secrets(template: dict[str, Any]) -> None:
    found = list(function_environments(template))
    assert found
    for where, key, value in found:
        if any(word in key.upper() for word in SECRET_WORDS):
            assert key.endswith("_ARN"), (
                f"{where}: {key} looks like a secret; pass its Secrets Manager ARN"
            )
            assert render(value) in ("${SalesforceSecretArn}", "${NetSuiteSecretArn}"), (
                f"{where}: {key}"
            )
        if isinstance(value, str):
            assert not looks_like_a_secret(value), f"{where}: {key}"


def test_secret_arn_parameters_have_no_default(template: dict[str, Any]) -> None:
    for name in ("SalesforceSecretArn", "NetSuiteSecretArn"):
        assert "Default" not in template["Parameters"][name]


@pytest.mark.parametrize("parameter", ["SalesforceSecretArn", "NetSuiteSecretArn"])
def test_secret_arn_parameters_accept_only_the_complete_arn(
    template: dict[str, Any], parameter: str
) -> None:
    """Secrets Manager appends "-" and six random characters to a secret's name in its ARN, and
    an IAM policy naming the secret must use that complete ARN (AWS Secrets Manager user guide,
    "Secret ARN" / "Permissions to an AWS Secrets Manager secret"). A name or a partial ARN
    would deploy and then fail every GetSecretValue with AccessDenied."""
    import boto3
    from moto import mock_aws

    pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-west-2")
        created = client.create_secret(Name="closedwon/dev/salesforce", SecretString="{}")["ARN"]
    assert pattern.fullmatch(created), created
    assert pattern.fullmatch(
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:closedwon/prod/netsuite-GhIjKl"
    )
    for wrong in (
        "closedwon/dev/salesforce",
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:closedwon/dev/salesforce",
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:closedwon/dev/salesforce-*",
        "arn:aws:ssm:us-west-2:123456789012:parameter/closedwon-AbCdEf",
    ):
        assert not pattern.fullmatch(wrong), wrong


# ---------------------------------------------------------------- storage


@pytest.mark.parametrize("queue", QUEUES)
def test_queues_are_encrypted_and_keep_messages_14_days(
    template: dict[str, Any], queue: str
) -> None:
    assert set(resources_of_type(template, "AWS::SQS::Queue")) == set(QUEUES)
    queue_props = props(template, queue)
    assert queue_props.get("KmsMasterKeyId") == {"Ref": "StackKey"}
    assert queue_props.get("MessageRetentionPeriod") == FOURTEEN_DAYS


def test_rule_dlq_accepts_messages_only_from_rules_on_the_partner_bus(
    template: dict[str, Any],
) -> None:
    policy = props(template, "RuleDeadLetterQueuePolicy")
    assert policy["Queues"] == [{"Ref": "RuleDeadLetterQueue"}]
    statement, _deny_plain_http = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert render(statement["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(
        ":rule/${PartnerEventBusName}/*"
    )


def test_deal_bucket_is_encrypted_private_and_tls_only(template: dict[str, Any]) -> None:
    (bucket,) = resources_of_type(template, "AWS::S3::Bucket")
    bucket_props = props(template, bucket)
    (rule,) = bucket_props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket_props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (policy,) = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    deny_plain_http = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s["Action"] == "s3:*"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert deny_plain_http, "the bucket policy must deny requests without TLS"
    assert {render(r) for r in as_list(deny_plain_http[0]["Resource"])} == {
        f"${{{bucket}.Arn}}",
        f"${{{bucket}.Arn}}/*",
    }


def test_dynamodb_tables_are_encrypted(template: dict[str, Any]) -> None:
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    assert tables
    for name, table in tables.items():
        assert table["Properties"].get("SSESpecification", {}).get("SSEEnabled") is True, name


# ---------------------------------------------------------------- trigger


def test_rules_match_only_the_configured_orgs_partner_source(template: dict[str, Any]) -> None:
    rules = resources_of_type(template, "AWS::Events::Rule")
    assert rules
    for name, rule in rules.items():
        rule_props = rule["Properties"]
        assert rule_props["EventBusName"] == {"Ref": "PartnerEventBusName"}, name
        sources = rule_props["EventPattern"]["source"]
        assert sources, name
        for source in sources:
            assert render(source["prefix"]) == "aws.partner/salesforce.com/${SalesforceOrgId}/", (
                name
            )


def test_rule_targets_retry_then_dead_letter(template: dict[str, Any]) -> None:
    for name, rule in resources_of_type(template, "AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            assert target["DeadLetterConfig"] == {
                "Arn": {"Fn::GetAtt": ["RuleDeadLetterQueue", "Arn"]}
            }, name
            assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0, name
            assert target["RoleArn"] == {"Fn::GetAtt": ["EventsStartExecutionRole", "Arn"]}, name


# ---------------------------------------------------------------- logs


def test_every_log_group_has_a_retention(template: dict[str, Any]) -> None:
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    assert groups
    for name, group in groups.items():
        assert "RetentionInDays" in group["Properties"], name


def test_every_function_logs_to_a_log_group_of_this_template(template: dict[str, Any]) -> None:
    """Otherwise Lambda creates /aws/lambda/<name> itself, with no retention (logs kept forever)."""
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    for name in STEP_FUNCTIONS:
        log_group = props(template, name).get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(log_group, dict) and log_group.get("Ref") in groups, name


def test_state_machine_logs_errors_without_execution_data(template: dict[str, Any]) -> None:
    """Execution data holds names, emails and addresses: it must never reach the logs."""
    (machine,) = resources_of_type(template, "AWS::Serverless::StateMachine").values()
    logging = machine["Properties"]["Logging"]
    assert logging["IncludeExecutionData"] is False
    assert logging["Level"] in ("ERROR", "FATAL", "ALL")
    (destination,) = logging["Destinations"]
    log_group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert log_group in resources_of_type(template, "AWS::Logs::LogGroup")


# ---------------------------------------------------------------- alarm topic


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_alarms_may_use(
    template: dict[str, Any],
) -> None:
    """Not alias/aws/sns: CloudWatch alarms cannot use the AWS managed SNS key (its policy is fixed),
    so every notification to a topic encrypted with it is dropped."""
    key_ref = props(template, "AlarmTopic")["KmsMasterKeyId"]
    assert key_ref == {"Ref": "StackKey"}
    key = props(template, "StackKey")
    assert key["EnableKeyRotation"] is True
    grants = [
        s
        for s in key["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert grants and set(as_list(grants[0]["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert (
        "Condition" not in grants[0]
    )  # the KMS request made for CloudWatch carries no source keys to match


def test_only_this_stacks_alarms_may_publish_and_only_over_tls(template: dict[str, Any]) -> None:
    policy = props(template, "AlarmTopicPolicy")
    assert policy["Topics"] == [{"Ref": "AlarmTopic"}]
    allow, deny = policy["PolicyDocument"]["Statement"]
    assert (
        allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        and allow["Action"] == "sns:Publish"
    )
    source = render(allow["Condition"]["ArnLike"]["aws:SourceArn"])
    assert source.endswith(":alarm:${AWS::StackName}-*")
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    for name in ALARM_ANCHORS:  # the topic policy matches alarms by name
        assert render(props(template, name)["AlarmName"]).startswith("${AWS::StackName}-"), name


def test_alarm_email_subscription_is_optional(template: dict[str, Any]) -> None:
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    subscriptions = resources_of_type(template, "AWS::SNS::Subscription")
    assert [s.get("Condition") for s in subscriptions.values()] == ["HasAlarmEmail"]
    (subscription,) = subscriptions.values()
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


# ---------------------------------------------------------------- alarms


def test_the_alarms_are_the_ones_the_runbook_documents(template: dict[str, Any]) -> None:
    assert set(resources_of_type(template, "AWS::CloudWatch::Alarm")) == set(ALARM_ANCHORS)


@pytest.mark.parametrize("alarm", sorted(ALARM_ANCHORS))
def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(
    template: dict[str, Any], alarm: str
) -> None:
    alarm_props = props(template, alarm)
    assert alarm_props.get("ActionsEnabled", True) is True
    assert alarm_props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert alarm_props["OKActions"] == [{"Ref": "AlarmTopic"}]
    assert alarm_props["TreatMissingData"] == "notBreaching"  # no traffic is not an incident


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    in_code = False
    for line in markdown.splitlines():
        in_code = in_code != line.lstrip().startswith("```")
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match and not in_code:
            anchors.add(re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-"))
    return anchors


def runbook_anchors() -> set[str]:
    return heading_anchors(RUNBOOK_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("alarm", "anchor"), sorted(ALARM_ANCHORS.items()))
def test_every_alarm_description_links_to_its_runbook_section(
    template: dict[str, Any], alarm: str, anchor: str
) -> None:
    description = props(template, alarm)["AlarmDescription"]
    assert set(description) == {"Fn::Sub"}, "the link is built from the RunbookBaseUrl parameter"
    assert f"${{RunbookBaseUrl}}#{anchor}" in description["Fn::Sub"]
    assert len(description["Fn::Sub"]) <= 1024 - 200, (
        "AlarmDescription is capped at 1024 characters, substituted"
    )
    assert anchor in runbook_anchors(), f"docs/runbook.md has no section #{anchor}"


def test_runbook_base_url_is_set_by_the_deployer_to_their_copy(template: dict[str, Any]) -> None:
    """No placeholder default: the alarms link to the runbook the deployer's team keeps."""
    parameter = template["Parameters"]["RunbookBaseUrl"]
    assert "Default" not in parameter
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("https://github.com/acme/closedwon/blob/main/docs/runbook.md")
    assert not pattern.fullmatch("http://wiki.acme.com/runbook"), "https only"
    assert not pattern.fullmatch("https://acme.com/runbook.md#dlq"), "each alarm adds #<section>"


def single_metric(alarm_props: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    dims = {d["Name"]: render(d["Value"]) for d in alarm_props.get("Dimensions", [])}
    return alarm_props["Namespace"], alarm_props["MetricName"], dims


@pytest.mark.parametrize(
    ("alarm", "queue"),
    [
        ("DeadLetterQueueAlarm", "DeadLetterQueue"),
        ("RuleDeadLetterQueueAlarm", "RuleDeadLetterQueue"),
    ],
)
def test_a_dead_letter_queue_alarms_at_one_message(
    template: dict[str, Any], alarm: str, queue: str
) -> None:
    alarm_props = props(template, alarm)
    assert single_metric(alarm_props) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": f"${{{queue}.QueueName}}"},
    )
    assert alarm_props["Statistic"] == "Maximum"
    assert (alarm_props["ComparisonOperator"], alarm_props["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert alarm_props["EvaluationPeriods"] == 1


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        ("ExecutionsFailedAlarm", "ExecutionsFailed"),
        ("ExecutionsTimedOutAlarm", "ExecutionsTimedOut"),
    ],
)
def test_workflow_failures_alarm_at_one_execution(
    template: dict[str, Any], alarm: str, metric: str
) -> None:
    alarm_props = props(template, alarm)
    assert single_metric(alarm_props) == (
        "AWS/States",
        metric,
        {"StateMachineArn": "${SyncStateMachine}"},
    )
    assert (
        alarm_props["Statistic"],
        alarm_props["ComparisonOperator"],
        alarm_props["Threshold"],
    ) == ("Sum", "GreaterThanOrEqualToThreshold", 1)


def test_netsuite_throttling_alarms_only_when_sustained(template: dict[str, Any]) -> None:
    alarm_props = props(template, "NetSuiteThrottlingAlarm")
    assert single_metric(alarm_props) == (NAMESPACE, "NetSuiteThrottled", {"service": SERVICE})
    assert (alarm_props["Statistic"], alarm_props["Period"]) == ("Sum", 300)
    assert (alarm_props["EvaluationPeriods"], alarm_props["DatapointsToAlarm"]) == (3, 3)
    assert (alarm_props["ComparisonOperator"], alarm_props["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        20,
    )


def test_lambda_errors_alarm_sums_every_step_function(template: dict[str, Any]) -> None:
    alarm_props = props(template, "LambdaErrorsAlarm")
    queries = alarm_props["Metrics"]
    (result,) = [q for q in queries if q.get("ReturnData", True)]
    inputs = {q["Id"]: q["MetricStat"] for q in queries if "MetricStat" in q}
    assert set(re.findall(r"\w+", result["Expression"])) - {"SUM"} == set(inputs)
    watched = set()
    for stat in inputs.values():
        metric = stat["Metric"]
        assert (metric["Namespace"], metric["MetricName"], stat["Stat"]) == (
            "AWS/Lambda",
            "Errors",
            "Sum",
        )
        (dimension,) = metric["Dimensions"]
        assert dimension["Name"] == "FunctionName"
        watched.add(dimension["Value"]["Ref"])
    assert watched == set(resources_of_type(template, "AWS::Serverless::Function"))


# ---------------------------------------------------------------- dashboard


@pytest.fixture(scope="module")
def dashboard(template: dict[str, Any]) -> dict[str, Any]:
    (board,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = board["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(template["Parameters"]) | set(template["Resources"])
    for reference in re.findall(r"\$\{([^}]+)\}", body):
        assert reference.startswith("AWS::") or reference.split(".")[0] in names, (
            f"unknown ${{{reference}}}"
        )
    return json.loads(re.sub(r"\$\{([^}]+)\}", r"<\1>", body))


def dashboard_metrics(
    dashboard: dict[str, Any],
) -> tuple[set[tuple[str, str, tuple[tuple[str, str], ...]]], list[str]]:
    """(namespace, metric, dimensions) of every plain metric, and every math/SEARCH expression."""
    metrics, expressions = set(), []
    for widget in dashboard["widgets"]:
        previous: list[Any] = []
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], dict):
                expressions.append(row[0]["expression"])
                continue
            fields = [f for f in row if not isinstance(f, dict)]
            if fields[0] == "...":
                fields = previous
            previous = fields
            namespace, metric, *dims = fields
            metrics.add((namespace, metric, tuple(zip(dims[::2], dims[1::2], strict=True))))
    return metrics, expressions


def test_dashboard_shows_deals_per_outcome(dashboard: dict[str, Any]) -> None:
    metrics, expressions = dashboard_metrics(dashboard)
    assert (NAMESPACE, "DealsSynced", (("service", SERVICE),)) in metrics
    for outcome in ("DealsSkipped", "DealsFailed"):  # carry a reason / error_class dimension too
        assert any(
            f'MetricName="{outcome}"' in e and NAMESPACE in e and f'service="{SERVICE}"' in e
            for e in expressions
        ), outcome


def test_dashboard_shows_latency_and_netsuite_throttles(dashboard: dict[str, Any]) -> None:
    metrics, _ = dashboard_metrics(dashboard)
    assert (NAMESPACE, "SyncLatencySeconds", (("service", SERVICE),)) in metrics
    assert (NAMESPACE, "NetSuiteThrottled", (("service", SERVICE),)) in metrics


def test_dashboard_shows_workflow_executions(dashboard: dict[str, Any]) -> None:
    metrics, _ = dashboard_metrics(dashboard)
    for metric in ("ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"):
        assert ("AWS/States", metric, (("StateMachineArn", "<SyncStateMachine>"),)) in metrics, (
            metric
        )


@pytest.mark.parametrize("queue", QUEUES)
def test_dashboard_shows_both_dead_letter_queues(dashboard: dict[str, Any], queue: str) -> None:
    metrics, _ = dashboard_metrics(dashboard)
    for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert ("AWS/SQS", metric, (("QueueName", f"<{queue}.QueueName>"),)) in metrics, metric


@pytest.mark.parametrize("function", STEP_FUNCTIONS)
def test_dashboard_shows_errors_throttles_and_duration_of_every_function(
    dashboard: dict[str, Any], template: dict[str, Any], function: str
) -> None:
    assert set(resources_of_type(template, "AWS::Serverless::Function")) == set(STEP_FUNCTIONS)
    metrics, _ = dashboard_metrics(dashboard)
    for metric in ("Errors", "Throttles", "Duration"):
        assert ("AWS/Lambda", metric, (("FunctionName", f"<{function}>"),)) in metrics, metric


def test_dashboard_lists_every_alarm(dashboard: dict[str, Any]) -> None:
    listed = {
        alarm
        for w in dashboard["widgets"]
        if w["type"] == "alarm"
        for alarm in w["properties"]["alarms"]
    }
    assert listed == {f"<{name}.Arn>" for name in ALARM_ANCHORS}


# ---------------------------------------------------------------- docs


def test_runbook_says_how_to_find_replay_and_escalate() -> None:
    runbook = RUNBOOK_PATH.read_text(encoding="utf-8")
    for needle in (
        "aws sqs receive-message",
        "aws stepfunctions list-executions",
        "--status-filter FAILED",
        "opportunity_id",
        "execution_id",
        "python -m offline replay",
        "start-execution",
        "redrive-execution",
        "RevOps",
        "NetSuite admin",
        "Salesforce admin",
        "on-call",
    ):
        assert needle in runbook, needle
    for error_class in (*RETRYABLE, *PERMANENT):
        assert f"`{error_class}`" in runbook, error_class


def dlq_message_fields() -> list[str]:
    """The keys of the DLQ message, read from the dict record_failure.py builds."""
    source = (ROOT / "layers" / "shared" / "closedwon" / "steps" / "record_failure.py").read_text(
        encoding="utf-8"
    )
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "message_body" for t in node.targets
        ):
            assert isinstance(node.value, ast.Dict)
            return [key.value for key in node.value.keys if isinstance(key, ast.Constant)]
    raise AssertionError("record_failure.py no longer builds message_body")


def test_dlq_message_doc_lists_exactly_the_fields_record_failure_builds() -> None:
    doc = DLQ_MESSAGE_DOC_PATH.read_text(encoding="utf-8")
    fields_section = doc.split("## Fields", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\|\s*`(\w+)`\s*\|", fields_section, flags=re.MULTILINE)
    assert documented == dlq_message_fields()
    example = json.loads(re.search(r"```json\n(.*?)```", doc, flags=re.DOTALL).group(1))
    assert list(example) == dlq_message_fields()


def test_dlq_message_doc_covers_the_fallback_message(asl: dict[str, Any]) -> None:
    fallback = asl["States"]["FallbackDlqMessage"]["Parameters"]["message"]
    doc = DLQ_MESSAGE_DOC_PATH.read_text(encoding="utf-8")
    assert "RecordFailureFailed" in doc
    assert {key.removesuffix(".$") for key in fallback} <= set(dlq_message_fields())


@pytest.mark.parametrize(
    "doc", [RUNBOOK_PATH, DLQ_MESSAGE_DOC_PATH, DEPLOY_DOC_PATH], ids=lambda p: p.name
)
def test_links_between_the_docs_resolve(doc: Any) -> None:
    text = doc.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([\w\-./]*?)(?:#([\w\-]+))?\)", text):
        path = doc.parent / target if target else doc
        assert path.exists(), target
        if anchor:
            assert anchor in heading_anchors(path.read_text(encoding="utf-8")), f"{target}#{anchor}"


# ---------------------------------------------------------------- deployment: build, config, docs


def samconfig() -> dict[str, Any]:
    return tomllib.loads(SAMCONFIG_PATH.read_text(encoding="utf-8"))


def overrides(env: str) -> dict[str, str]:
    """``parameter_overrides`` of one config env as a dict (SAM accepts a list of Key=Value)."""
    entries = samconfig()[env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(entry.split("=", 1) for entry in entries)


def shell_commands(markdown: str) -> list[list[str]]:
    """Every command of the markdown's ```bash blocks, continuation lines joined, as words."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(shlex.split(line, comments=True))
    return commands


def test_the_layer_is_built_by_the_makefile_target_sam_calls(template: dict[str, Any]) -> None:
    """With ``BuildMethod: makefile`` sam build runs ``make build-<LogicalId>`` on the Makefile of
    the layer's ContentUri (AWS SAM developer guide, "Building custom runtimes" / "Building
    Lambda layers"); the layer's architecture picks the build container of --use-container."""
    layer = template["Resources"]["SharedLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build-SharedLayer:", makefile, flags=re.M)
    assert "--require-hashes" in makefile and "-r requirements.lock" in makefile
    assert "--invalidation-mode unchecked-hash" in makefile


@pytest.mark.parametrize("env", CONFIG_ENVS)
def test_every_config_env_sets_each_required_parameter_to_a_value_the_template_accepts(
    template: dict[str, Any], env: str
) -> None:
    values = overrides(env)
    parameters = template["Parameters"]
    assert set(values) <= set(parameters), "samconfig.toml names a parameter the template lacks"
    required = {name for name, spec in parameters.items() if "Default" not in spec}
    assert required <= set(values), f"{env} leaves {sorted(required - set(values))} unset"
    for name, value in values.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"{env}: {name}={value}"
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], f"{env}: {name}={value}"
    assert values["AlarmEmail"], f"{env}: alarms should reach someone"


@pytest.mark.parametrize("env", CONFIG_ENVS)
def test_a_config_env_deploys_in_one_region_with_its_own_secrets(env: str) -> None:
    config = samconfig()[env]
    region = config["global"]["parameters"]["region"]
    values = overrides(env)
    for name in ("SalesforceSecretArn", "NetSuiteSecretArn"):
        arn = values[name].split(":")
        assert arn[3] == region, f"{env}: {name} is in {arn[3]}, the stack in {region}"
        system = name.removesuffix("SecretArn").lower()
        assert arn[6].rsplit("-", 1)[0] == f"closedwon/{env}/{system}", "docs/deploy.md §3 names"
    org = values["SalesforceOrgId"]
    assert values["PartnerEventBusName"].startswith(f"aws.partner/salesforce.com/{org}/")
    assert config["global"]["parameters"]["stack_name"] == f"closedwon-{env}"


@pytest.mark.parametrize("doc", [DEPLOY_DOC_PATH, SALESFORCE_SETUP_PATH], ids=lambda p: p.name)
def test_the_docs_deploy_in_the_region_of_samconfig(doc: Any) -> None:
    regions = {samconfig()[env]["global"]["parameters"]["region"] for env in CONFIG_ENVS}
    assert len(regions) == 1
    (region,) = regions
    code = "".join(re.findall(r"```.*?```", doc.read_text(encoding="utf-8"), flags=re.S))
    used = set(re.findall(r"\b(?:us|eu|ap|ca|sa|me|af|il|mx)-[a-z]+-\d\b", code.lower()))
    assert used == {region}, f"{doc.name}'s commands and examples use {sorted(used)}"


@pytest.mark.parametrize("doc", [DEPLOY_DOC_PATH, SALESFORCE_SETUP_PATH], ids=lambda p: p.name)
def test_the_docs_deploy_one_way_with_a_config_env(doc: Any) -> None:
    """One recipe: ``sam deploy --config-env <env>`` with an env of samconfig.toml; --guided
    would write a [default] section the docs never mention."""
    deploys = [c for c in shell_commands(doc.read_text(encoding="utf-8")) if c[1:2] == ["deploy"]]
    assert deploys, f"{doc.name} shows no sam deploy"
    for command in deploys:
        assert command[0].endswith("sam"), command
        assert "--guided" not in command, command
        assert command[command.index("--config-env") + 1] in CONFIG_ENVS, command


def test_the_docs_create_the_secrets_samconfig_names() -> None:
    names = set()
    for doc in (DEPLOY_DOC_PATH, SALESFORCE_SETUP_PATH):
        for command in shell_commands(doc.read_text(encoding="utf-8")):
            if command[:3] == ["aws", "secretsmanager", "create-secret"]:
                names.add(command[command.index("--name") + 1])
    expected = {
        values[name].split(":")[6].rsplit("-", 1)[0]
        for values in (overrides("dev"),)
        for name in ("SalesforceSecretArn", "NetSuiteSecretArn")
    }
    assert names == expected


def test_deploy_doc_lists_every_parameter_with_where_its_value_comes_from(
    template: dict[str, Any],
) -> None:
    text = DEPLOY_DOC_PATH.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|$", text, flags=re.M))
    assert set(rows) == set(template["Parameters"])
    for name, origin in rows.items():
        assert len(origin.split()) >= 3, f"{name}: say where the value comes from"


def test_the_deal_bucket_goes_with_the_stack_and_keeps_snapshots_only_while_redrivable(
    template: dict[str, Any],
) -> None:
    """A failed execution can be redriven, with the same input (the deal's S3 reference), for
    14 days (AWS Step Functions API reference, RedriveExecution). CloudFormation deletes only an
    empty bucket, so the tear-down empties it first (docs/deploy.md §7)."""
    (bucket,) = resources_of_type(template, "AWS::S3::Bucket")
    resource = template["Resources"][bucket]
    assert resource["DeletionPolicy"] == "Delete"
    assert resource["UpdateReplacePolicy"] == "Delete"
    (rule,) = resource["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 14
    teardown = DEPLOY_DOC_PATH.read_text(encoding="utf-8").split("## 7. Tear down", 1)[1]
    commands = shell_commands(teardown.split("\n## ", 1)[0])
    empties = [i for i, c in enumerate(commands) if c[:3] == ["aws", "s3", "rm"]]
    deletes = [i for i, c in enumerate(commands) if c[1:2] == ["delete"]]
    assert empties and deletes and empties[0] < deletes[0], "empty the bucket, then sam delete"
    assert "--recursive" in commands[empties[0]]
    assert "DealBucketName" in teardown and "DealBucketName" in template["Outputs"]


def test_deploy_doc_ends_with_the_health_check() -> None:
    text = DEPLOY_DOC_PATH.read_text(encoding="utf-8")
    last = text.rsplit("\n## ", 1)[1]
    assert last.startswith("8. Health check")
    commands = [c for c in shell_commands(last) if c[0].endswith("/closedwon")]
    assert any("replay" in c for c in commands), "a test deal synced through the stack"
    for command in commands:
        assert (
            command[command.index("--stack") + 1]
            == samconfig()["dev"]["global"]["parameters"]["stack_name"]
        )
    assert "closedwon check" in last, "the read-only check of the deployed stack (issue 18)"
