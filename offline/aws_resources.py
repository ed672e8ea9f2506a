"""The template's AWS resources, created in moto: queues, bucket, table, functions, state machine.

Physical names follow ``<stack>-<logical id>`` as CloudFormation's do; each created resource's
Ref and GetAtt values are recorded in the :class:`Resolver`, so the functions' environment and
the ASL's DefinitionSubstitutions resolve to them exactly as a deployment's would.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3

from offline.lambda_seam import LambdaRegistry
from offline.template import ROOT, Resolver, function_properties, resources_of_type

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "closedwon-offline"

_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class AwsResources:
    """What the stack needs to know about the resources it created."""

    resolver: Resolver
    state_machine_arn: str
    #: The ASL as deployed (DefinitionSubstitutions applied).
    definition: dict[str, Any]
    #: Rule logical id -> its EventPattern, resolved.
    rule_patterns: dict[str, Any]
    outputs: dict[str, str]
    dlq_url: str


def create_resources(
    template: dict[str, Any],
    parameters: dict[str, str],
    lambdas: LambdaRegistry,
    function_concurrency: dict[str, int],
) -> AwsResources:
    """Create every emulated resource of ``template`` in the running moto; register the functions."""
    resolver = Resolver(
        template,
        parameters,
        {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": STACK,
            "AWS::Partition": "aws",
        },
    )
    _create_queues(template, resolver)
    _create_buckets(template, resolver)
    _create_tables(template, resolver)
    for logical in resources_of_type(template, "AWS::Logs::LogGroup"):
        resolver.refs[logical] = f"/offline/{logical}"
        resolver.attrs[(logical, "Arn")] = (
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/offline/{logical}"
        )
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="offline-lambda", AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST)
    )["Role"]["Arn"]
    _create_functions(template, resolver, role, lambdas, function_concurrency)
    arn, definition = _create_state_machine(template, resolver, role)
    return AwsResources(
        resolver=resolver,
        state_machine_arn=arn,
        definition=definition,
        rule_patterns={
            name: resolver.resolve(rule["Properties"]["EventPattern"])
            for name, rule in resources_of_type(template, "AWS::Events::Rule").items()
        },
        outputs={
            k: str(resolver.resolve(v["Value"])) for k, v in template.get("Outputs", {}).items()
        },
        dlq_url=resolver.refs["DeadLetterQueue"],
    )


def _create_queues(template: dict[str, Any], resolver: Resolver) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    for logical in resources_of_type(template, "AWS::SQS::Queue"):
        name = f"{STACK}-{logical}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        resolver.refs[logical] = url
        resolver.attrs[(logical, "Arn")] = attributes["Attributes"]["QueueArn"]
        resolver.attrs[(logical, "QueueName")] = name


def _create_buckets(template: dict[str, Any], resolver: Resolver) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for logical in resources_of_type(template, "AWS::S3::Bucket"):
        name = f"{STACK}-{logical}".lower()
        s3.create_bucket(Bucket=name)
        resolver.refs[logical] = name
        resolver.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"


def _create_tables(template: dict[str, Any], resolver: Resolver) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for logical, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        name = f"{STACK}-{logical}"
        dynamodb.create_table(
            TableName=name,
            BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
            AttributeDefinitions=props["AttributeDefinitions"],
            KeySchema=props["KeySchema"],
        )
        resolver.refs[logical] = name
        resolver.attrs[(logical, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def _create_functions(
    template: dict[str, Any],
    resolver: Resolver,
    role: str,
    lambdas: LambdaRegistry,
    function_concurrency: dict[str, int],
) -> None:
    lam = boto3.client("lambda", region_name=REGION)
    for logical in resources_of_type(template, "AWS::Serverless::Function"):
        props = function_properties(template, logical)
        env = {k: str(v) for k, v in resolver.resolve(props["Environment"]["Variables"]).items()}
        name = f"{STACK}-{logical}"
        memory_mb = int(props.get("MemorySize", 128))
        arn = lam.create_function(
            FunctionName=name,
            Runtime=props["Runtime"],
            Role=role,
            Handler=props["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            MemorySize=memory_mb,
            Timeout=int(props.get("Timeout", 3)),
        )["FunctionArn"]
        lambdas.register(
            name,
            logical,
            ROOT / props["CodeUri"],
            props["Handler"],
            env,
            memory_mb,
            reserved_concurrency=function_concurrency.get(
                logical, props.get("ReservedConcurrentExecutions")
            ),
        )
        resolver.refs[logical] = name
        resolver.attrs[(logical, "Arn")] = arn


def _create_state_machine(
    template: dict[str, Any], resolver: Resolver, role: str
) -> tuple[str, dict[str, Any]]:
    ((logical, machine),) = resources_of_type(template, "AWS::Serverless::StateMachine").items()
    props = machine["Properties"]
    definition = (ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
    for key, value in resolver.resolve(props["DefinitionSubstitutions"]).items():
        definition = definition.replace("${" + key + "}", str(value))
    arn = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name=resolver.resolve(props["Name"]),
        definition=definition,
        roleArn=role,
        type=props.get("Type", "STANDARD"),
    )["stateMachineArn"]
    resolver.refs[logical] = arn
    return str(arn), json.loads(definition)


@functools.cache
def _placeholder_zip() -> bytes:
    """moto wants a code zip; the real code runs in-process through the seam."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "app.py",
            "def handler(event, context):\n    raise RuntimeError('offline seam not installed')\n",
        )
    return buf.getvalue()
