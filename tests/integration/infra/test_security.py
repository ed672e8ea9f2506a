"""template.yaml keeps deal data and secrets under the stack's key, lets only the step functions
read the secrets, conditions every role a service assumes, and cannot turn on offline egress.

Sources: AWS IAM User Guide, "The confused deputy problem" (aws:SourceArn / aws:SourceAccount in
trust policies); AWS Secrets Manager User Guide, "Resource-based policies"; Amazon SQS Developer
Guide, "Amazon SQS security best practices" (deny requests without aws:SecureTransport).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.infra.conftest import as_list, render, resources_of_type
from tests.integration.infra.test_iam import roles

KEY = {"Ref": "StackKey"}
KEY_ARN = {"Fn::GetAtt": ["StackKey", "Arn"]}
SALESFORCE_READERS = ("LoadDeal", "WriteBack", "RecordFailure")
NETSUITE_READERS = (
    "LoadDeal",
    "UpsertCustomer",
    "UpsertContacts",
    "UpsertBillingAccount",
    "UpsertSubscriptionPlan",
    "CreateSubscription",
)


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def test_the_stack_key_rotates_and_encrypts_every_store_of_deal_data(
    template: dict[str, Any],
) -> None:
    (key,) = resources_of_type(template, "AWS::KMS::Key")
    assert key == "StackKey" and props(template, key)["EnableKeyRotation"] is True
    for queue in resources_of_type(template, "AWS::SQS::Queue"):
        assert props(template, queue)["KmsMasterKeyId"] == KEY, queue
        assert "SqsManagedSseEnabled" not in props(template, queue), queue
    for bucket in resources_of_type(template, "AWS::S3::Bucket"):
        (rule,) = props(template, bucket)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": KEY_ARN,
        }
    for table in resources_of_type(template, "AWS::DynamoDB::Table"):
        assert props(template, table)["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": KEY_ARN,
        }
    for topic in resources_of_type(template, "AWS::SNS::Topic"):
        assert props(template, topic)["KmsMasterKeyId"] == KEY
    assert template["Globals"]["Function"]["KmsKeyArn"] == KEY_ARN  # function environments


def test_every_queue_denies_requests_without_tls(template: dict[str, Any]) -> None:
    policies = resources_of_type(template, "AWS::SQS::QueuePolicy").values()
    for queue in resources_of_type(template, "AWS::SQS::Queue"):
        denies = [
            s
            for p in policies
            if {"Ref": queue} in p["Properties"]["Queues"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny"
        ]
        assert [(d["Principal"], d["Action"], d["Condition"]) for d in denies] == [
            ("*", "sqs:*", {"Bool": {"aws:SecureTransport": "false"}})
        ], queue


@pytest.mark.parametrize(
    ("secret", "readers"),
    [("SalesforceSecretArn", SALESFORCE_READERS), ("NetSuiteSecretArn", NETSUITE_READERS)],
)
def test_only_the_functions_using_a_secret_and_the_break_glass_role_may_read_it(
    template: dict[str, Any], transformed: dict[str, Any], secret: str, readers: tuple[str, ...]
) -> None:
    (policy,) = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::SecretsManager::ResourcePolicy").values()
        if p["Properties"]["SecretId"] == {"Ref": secret}
    ]
    assert policy["BlockPublicPolicy"] is True
    (deny,) = policy["ResourcePolicy"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Action"] == "secretsmanager:GetSecretValue"
    allowed = deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    roles_allowed = [render(a) for a in allowed if "Fn::GetAtt" in a]
    assert roles_allowed == [f"${{{fn}FunctionRole.Arn}}" for fn in readers]
    assert {
        "Fn::If": ["HasBreakGlassRole", {"Ref": "BreakGlassRoleArn"}, {"Ref": "AWS::NoValue"}]
    } in allowed
    generated = set(roles(transformed))
    assert {f"{fn}FunctionRole" for fn in readers} <= generated  # the names SAM gives the roles


def test_every_role_a_service_assumes_is_limited_to_this_account(
    transformed: dict[str, Any],
) -> None:
    for name, role in roles(transformed).items():
        for statement in as_list(role["AssumeRolePolicyDocument"]["Statement"]):
            condition = statement.get("Condition") or {}
            assert condition.get("StringEquals") == {
                "aws:SourceAccount": {"Ref": "AWS::AccountId"}
            }, name


@pytest.mark.parametrize(
    ("role", "source"),
    [
        ("SyncStateMachineRole", ":stateMachine:${AWS::StackName}-closed-won-sync"),
        ("EventsStartExecutionRole", ":rule/${PartnerEventBusName}/*"),
    ],
)
def test_the_workflow_roles_are_limited_to_this_stacks_state_machine_and_rules(
    transformed: dict[str, Any], role: str, source: str
) -> None:
    (statement,) = as_list(roles(transformed)[role]["AssumeRolePolicyDocument"]["Statement"])
    assert render(statement["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(source)


def test_no_function_can_turn_on_the_offline_loopback_egress(template: dict[str, Any]) -> None:
    """closedwon.egress allows http and loopback hosts only under CLOSEDWON_OFFLINE_LOOPBACK."""
    globals_env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "CLOSEDWON_OFFLINE_LOOPBACK" not in globals_env
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        env = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "CLOSEDWON_OFFLINE_LOOPBACK" not in env, name
    assert globals_env["EGRESS_EXTRA_DOMAINS"] == {"Ref": "EgressExtraDomains"}


def test_no_map_iteration_copies_the_deal(asl: dict[str, Any]) -> None:
    """The deal lives in the deal bucket; a state carries only its reference (closedwon.deal_store)."""
    selector = asl["States"]["Packages"]["ItemSelector"]
    assert "deal.$" not in selector and selector["dealRef.$"] == "$.dealRef"


def test_change_data_capture_cannot_deploy_without_the_integration_user(
    template: dict[str, Any],
) -> None:
    """CloudFormation template Rules (AWS CloudFormation User Guide, "Rules syntax") refuse the
    stack before any resource is made; LoadDeal also fails closed without the id."""
    rule = template["Rules"]["ChangeDataCaptureNeedsTheIntegrationUser"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "TriggerMode"}, "ChangeDataCapture"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "IntegrationUserId"}, ""]}]}
    load_deal = template["Resources"]["LoadDealFunction"]["Properties"]["Environment"]["Variables"]
    assert load_deal["SALESFORCE_INTEGRATION_USER_ID"] == {"Ref": "IntegrationUserId"}


def test_every_log_group_is_encrypted_with_the_stack_key_logs_may_use(
    template: dict[str, Any],
) -> None:
    """Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the
    key policy lets logs.<region>.amazonaws.com use the key for this account's log groups."""
    for name in resources_of_type(template, "AWS::Logs::LogGroup"):
        assert props(template, name)["KmsKeyId"] == KEY_ARN, name
    (logs,) = [
        s
        for s in props(template, "StackKey")["KeyPolicy"]["Statement"]
        if render(s["Principal"].get("Service", "")).startswith("logs.")
    ]
    context = render(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert context.endswith(":${AWS::AccountId}:log-group:*")
