"""The reference cold start of bench.coldstart: the least a Lambda function of this product does.

It imports boto3 and the Powertools Logger and reads one secret, so a step's ratio to it is the
cost of everything the step adds (pydantic, the HTTP clients, our modules, its own calls).
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="coldstart-reference")
secrets = boto3.client("secretsmanager")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Read the secret named by NETSUITE_SECRET_ARN once; log its size, never its value."""
    secret = secrets.get_secret_value(SecretId=os.environ["NETSUITE_SECRET_ARN"])
    logger.info("read one secret", extra={"secret_chars": len(secret["SecretString"])})
    return {}
