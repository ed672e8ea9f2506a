"""Least privilege, checked on the IAM roles SAM really generates (template.yaml transformed offline).

Every role is listed in EXPECTED_GRANTS with each (action, resource, DynamoDB leading keys) it may
hold. A new permission, function or role fails here until someone adds it to the table, which is
the review: it must name one action on the narrowest resource AWS allows.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.infra.conftest import as_list, render, resources_of_type

SF_SECRET = "${SalesforceSecretArn}"
NS_SECRET = "${NetSuiteSecretArn}"
TABLE = "${CoordinationTable.Arn}"
DEAL_OBJECTS = "${DealBucket.Arn}/deals/*"  # S3 object ARNs: a key prefix is the narrowest form
DLQ = "${DeadLetterQueue.Arn}"
STATE_MACHINE = "${SyncStateMachine}"
#: LoadDeal's CDC fan-out starts sibling executions of its own state machine, named by the stack.
OWN_STATE_MACHINE = (
    "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
    ":stateMachine:${AWS::StackName}-closed-won-sync"
)
NETSUITE_KEYS = ("netsuite#*",)
DEAL_KEYS = ("deal#*",)

# SAM's LambdaInvokePolicy expands to this, with a trailing "*" so versions and aliases
# (function:NAME:alias) can be invoked too. That suffix is the only wildcard accepted in a Lambda ARN.
LAMBDA_INVOKE_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${%s}*"

# State machine logging to CloudWatch Logs: these actions accept no resource narrower than "*"
# (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The only "*" resource allowed.
LOG_DELIVERY_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)

# What SAM attaches to every function role it creates (no opt-out): CreateLogGroup/CreateLogStream/
# PutLogEvents. It is the only managed policy allowed; nothing "*FullAccess".
LAMBDA_BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

NETSUITE_STEPS = (
    "UpsertCustomer",
    "UpsertContacts",
    "UpsertBillingAccount",
    "UpsertSubscriptionPlan",
    "CreateSubscription",
)
STEP_FUNCTIONS = ("LoadDeal", *NETSUITE_STEPS, "ApplyAmendment", "WriteBack", "RecordFailure")

#: The secrets each function may read: LoadDeal reads Salesforce and resolves NetSuite items,
#: the NetSuite steps only write NetSuite, WriteBack and RecordFailure only write Salesforce.
SECRETS_BY_FUNCTION = {
    "LoadDeal": {SF_SECRET, NS_SECRET},
    **{step: {NS_SECRET} for step in NETSUITE_STEPS},
    "ApplyAmendment": {NS_SECRET},
    "WriteBack": {SF_SECRET},
    "RecordFailure": {SF_SECRET},
}

Grant = tuple[str, str, tuple[str, ...] | None]  # (action, resource, dynamodb:LeadingKeys or None)


def _secrets(*arns: str) -> set[Grant]:
    return {("secretsmanager:GetSecretValue", arn, None) for arn in arns}


_NETSUITE_SEMAPHORE: set[Grant] = {
    (action, TABLE, NETSUITE_KEYS)
    for action in (
        "dynamodb:PutItem",  # take a slot
        "dynamodb:DeleteItem",  # give it back
        "dynamodb:UpdateItem",  # the waiter counter that paces polling
        "dynamodb:GetItem",  # read the waiter counter
        "dynamodb:BatchGetItem",  # read which slots are free
    )
}
#: The stack's key: secrets, deal snapshots and the DLQ are encrypted with it.
_STACK_KEY: set[Grant] = {
    ("kms:Decrypt", "${StackKey.Arn}", None),
    ("kms:GenerateDataKey", "${StackKey.Arn}", None),
}
_NETSUITE_STEP: set[Grant] = (
    _secrets(NS_SECRET) | {("s3:GetObject", DEAL_OBJECTS, None)} | _NETSUITE_SEMAPHORE | _STACK_KEY
)
_SALESFORCE_WRITER: set[Grant] = (
    _secrets(SF_SECRET) | {("dynamodb:DeleteItem", TABLE, DEAL_KEYS)} | _STACK_KEY
)

EXPECTED_GRANTS: dict[str, set[Grant]] = {
    "LoadDealFunctionRole": _secrets(SF_SECRET, NS_SECRET)
    | {("s3:PutObject", DEAL_OBJECTS, None), ("dynamodb:PutItem", TABLE, DEAL_KEYS)}
    | {("states:StartExecution", OWN_STATE_MACHINE, None)}
    | _NETSUITE_SEMAPHORE
    | _STACK_KEY,
    **{f"{step}FunctionRole": _NETSUITE_STEP for step in NETSUITE_STEPS},
    # The plan travels in the workflow state, so no deal object is read; the NetSuite secret is
    # encrypted with the stack's key, so reading it needs kms:Decrypt (and nothing is encrypted).
    "ApplyAmendmentFunctionRole": _secrets(NS_SECRET)
    | _NETSUITE_SEMAPHORE
    | {("kms:Decrypt", "${StackKey.Arn}", None)},
    "WriteBackFunctionRole": _SALESFORCE_WRITER,
    "RecordFailureFunctionRole": _SALESFORCE_WRITER,
    "SyncStateMachineRole": {
        ("lambda:InvokeFunction", LAMBDA_INVOKE_ARN % f"{fn}Function", None)
        for fn in STEP_FUNCTIONS
    }
    | {("sqs:SendMessage", DLQ, None)}
    | _STACK_KEY
    | {(action, "*", None) for action in LOG_DELIVERY_ACTIONS},
    "EventsStartExecutionRole": {("states:StartExecution", STATE_MACHINE, None)},
}

TRUSTED_SERVICE = {
    **{f"{fn}FunctionRole": "lambda.amazonaws.com" for fn in STEP_FUNCTIONS},
    "SyncStateMachineRole": "states.amazonaws.com",
    "EventsStartExecutionRole": "events.amazonaws.com",
}


# ---------------------------------------------------------------- reading the roles


def roles(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res["Properties"]
        for name, res in resources_of_type(transformed, "AWS::IAM::Role").items()
    }


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for policy in role.get("Policies", [])
        for s in as_list(policy["PolicyDocument"]["Statement"])
    ]


def allow_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in statements(role) if s["Effect"] == "Allow"]


def leading_keys(statement: dict[str, Any]) -> tuple[str, ...] | None:
    keys = (
        (statement.get("Condition") or {})
        .get("ForAllValues:StringLike", {})
        .get("dynamodb:LeadingKeys")
    )
    return tuple(sorted(as_list(keys))) if keys else None


def grants(role: dict[str, Any]) -> set[Grant]:
    return {
        (action, render(resource), leading_keys(statement))
        for statement in allow_statements(role)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def all_grants(transformed: dict[str, Any]) -> list[tuple[str, Grant]]:
    return [(name, grant) for name, role in roles(transformed).items() for grant in grants(role)]


# ---------------------------------------------------------------- every role


def test_every_role_in_the_deployed_template_is_reviewed_here(transformed: dict[str, Any]) -> None:
    assert set(roles(transformed)) == set(EXPECTED_GRANTS), (
        "add the new role to EXPECTED_GRANTS (and TRUSTED_SERVICE)"
    )


@pytest.mark.parametrize("role_name", sorted(EXPECTED_GRANTS))
def test_each_role_grants_exactly_what_its_job_needs(
    transformed: dict[str, Any], role_name: str
) -> None:
    role = roles(transformed)[role_name]
    assert grants(role) == EXPECTED_GRANTS[role_name]


def test_permissions_live_only_inline_in_the_roles_checked_here(
    transformed: dict[str, Any],
) -> None:
    """Standalone policies, users or groups (e.g. from SAM Connectors) would escape these tests."""
    assert not resources_of_type(
        transformed,
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::User",
        "AWS::IAM::Group",
    )


def test_no_statement_uses_not_action_or_not_resource(transformed: dict[str, Any]) -> None:
    for name, role in roles(transformed).items():
        for statement in statements(role):
            assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), name


def test_no_action_contains_a_wildcard(transformed: dict[str, Any]) -> None:
    wildcards = [
        (name, action) for name, (action, _, _) in all_grants(transformed) if "*" in action
    ]
    assert wildcards == []


def test_no_resource_is_a_wildcard_except_state_machine_log_delivery(
    transformed: dict[str, Any],
) -> None:
    unexpected = [
        (name, action)
        for name, (action, resource, _) in all_grants(transformed)
        if resource == "*"
        and not (name == "SyncStateMachineRole" and action in LOG_DELIVERY_ACTIONS)
    ]
    assert unexpected == []


def test_wildcards_inside_arns_are_only_deal_objects_and_sams_lambda_suffix(
    transformed: dict[str, Any],
) -> None:
    allowed = {DEAL_OBJECTS} | {LAMBDA_INVOKE_ARN % f"{fn}Function" for fn in STEP_FUNCTIONS}
    unexpected = [
        (name, resource)
        for name, (_, resource, _) in all_grants(transformed)
        if "*" in resource and resource != "*" and resource not in allowed
    ]
    assert unexpected == []


def test_no_full_access_managed_policies(transformed: dict[str, Any]) -> None:
    for name, role in roles(transformed).items():
        arns = [render(arn) for arn in role.get("ManagedPolicyArns", [])]
        assert not [arn for arn in arns if "FullAccess" in arn], name
        expected = [LAMBDA_BASIC_EXECUTION] if name.endswith("FunctionRole") else []
        assert arns == expected, name


@pytest.mark.parametrize("role_name", sorted(TRUSTED_SERVICE))
def test_each_role_can_be_assumed_only_by_its_service(
    transformed: dict[str, Any], role_name: str
) -> None:
    trust = roles(transformed)[role_name]["AssumeRolePolicyDocument"]["Statement"]
    principals = {
        service
        for statement in as_list(trust)
        for service in as_list(statement["Principal"].get("Service", []))
        if statement["Effect"] == "Allow"
    }
    assert principals == {TRUSTED_SERVICE[role_name]}
    assert all(set(s["Principal"]) == {"Service"} for s in as_list(trust))


# ---------------------------------------------------------------- secrets


def test_secrets_are_read_only_from_the_secret_arn_parameters(transformed: dict[str, Any]) -> None:
    secret_grants = [
        (name, action, resource)
        for name, (action, resource, _) in all_grants(transformed)
        if action.startswith("secretsmanager:")
    ]
    assert secret_grants, "the functions read their credentials from Secrets Manager"
    for name, action, resource in secret_grants:
        assert action == "secretsmanager:GetSecretValue", name
        assert resource in {SF_SECRET, NS_SECRET}, name


@pytest.mark.parametrize("function", STEP_FUNCTIONS)
def test_each_function_reads_only_the_secrets_it_needs(
    transformed: dict[str, Any], function: str
) -> None:
    role = roles(transformed)[f"{function}FunctionRole"]
    readable = {
        resource
        for action, resource, _ in grants(role)
        if action == "secretsmanager:GetSecretValue"
    }
    assert readable == SECRETS_BY_FUNCTION[function]


def test_only_functions_read_secrets(transformed: dict[str, Any]) -> None:
    readers = {
        name
        for name, (action, _, _) in all_grants(transformed)
        if action.startswith("secretsmanager:")
    }
    assert readers <= {f"{fn}FunctionRole" for fn in STEP_FUNCTIONS}


# ---------------------------------------------------------------- data


def test_dynamodb_actions_are_limited_to_their_item_kind_by_leading_keys(
    transformed: dict[str, Any],
) -> None:
    dynamodb = [
        (name, grant) for name, grant in all_grants(transformed) if grant[0].startswith("dynamodb:")
    ]
    assert dynamodb, "the functions coordinate through the DynamoDB table"
    for name, (action, resource, keys) in dynamodb:
        assert resource == TABLE, (name, action)
        assert keys in (NETSUITE_KEYS, DEAL_KEYS), (
            f"{name} {action} has no ForAllValues:StringLike dynamodb:LeadingKeys"
        )


def test_s3_access_is_limited_to_deal_snapshots(transformed: dict[str, Any]) -> None:
    s3 = [
        (name, action, resource)
        for name, (action, resource, _) in all_grants(transformed)
        if action.startswith("s3:")
    ]
    assert {(n, a) for n, a, _ in s3} == {("LoadDealFunctionRole", "s3:PutObject")} | {
        (f"{step}FunctionRole", "s3:GetObject") for step in NETSUITE_STEPS
    }
    assert {resource for _, _, resource in s3} == {DEAL_OBJECTS}


def test_sqs_send_only_to_the_dlq_and_only_by_the_state_machine(
    transformed: dict[str, Any],
) -> None:
    sqs = [
        (name, action, resource)
        for name, (action, resource, _) in all_grants(transformed)
        if action.startswith("sqs:")
    ]
    assert sqs == [("SyncStateMachineRole", "sqs:SendMessage", DLQ)]


# ---------------------------------------------------------------- workflow and trigger


def test_only_the_state_machine_invokes_and_only_the_eight_step_functions(
    transformed: dict[str, Any], template: dict[str, Any]
) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert set(functions) == {f"{fn}Function" for fn in STEP_FUNCTIONS}
    invokes = [
        (name, resource)
        for name, (action, resource, _) in all_grants(transformed)
        if action.startswith("lambda:")
    ]
    assert {name for name, _ in invokes} == {"SyncStateMachineRole"}
    assert {
        action for _, (action, _, _) in all_grants(transformed) if action.startswith("lambda:")
    } == {"lambda:InvokeFunction"}
    assert sorted(resource for _, resource in invokes) == sorted(
        LAMBDA_INVOKE_ARN % name for name in functions
    )


def test_eventbridge_can_only_start_executions_of_the_sync_state_machine(
    transformed: dict[str, Any],
) -> None:
    role = roles(transformed)["EventsStartExecutionRole"]
    assert grants(role) == {("states:StartExecution", STATE_MACHINE, None)}
    starters = {
        (name, resource)
        for name, (action, resource, _) in all_grants(transformed)
        if action.startswith("states:")
    }
    # EventBridge starts the workflow; LoadDeal starts siblings for multi-record CDC events.
    assert starters == {
        ("EventsStartExecutionRole", STATE_MACHINE),
        ("LoadDealFunctionRole", OWN_STATE_MACHINE),
    }
