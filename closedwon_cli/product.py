"""The product's own composition root, built for the CLI from the stack the command targets.

``check`` and ``preview`` call the same clients and mapping the steps call, with the settings
the deployed functions run with: the LoadDeal function's environment (its secret ARNs and org
id) in the cloud, the offline stack's parameters offline. The container is uncoordinated: it
reads, and takes no deal lease or NetSuite slot from running executions.
"""

from __future__ import annotations

from typing import Any

from closedwon.container import Container
from closedwon_cli.backend import Backend
from closedwon_cli.cloud import CloudBackend
from closedwon_cli.errors import CliError

_COPIED = ("SALESFORCE_ORG_ID", "SALESFORCE_SECRET_ARN", "NETSUITE_SECRET_ARN")


def product_container(backend: Backend) -> Container:
    """A :class:`Container` with the target stack's secrets, org id and mapping config."""
    from closedwon_cli.offline_backend import OfflineBackend

    if isinstance(backend, OfflineBackend):
        cloud = backend.cloud
        assert backend.stack is not None
        parameters = backend.stack.resolver.parameter_values()
        environ = {
            "SALESFORCE_ORG_ID": parameters["SalesforceOrgId"],
            "SALESFORCE_SECRET_ARN": parameters["SalesforceSecretArn"],
            "NETSUITE_SECRET_ARN": parameters["NetSuiteSecretArn"],
            "MAPPING_CONFIG_PATH": str(backend.options.config_path),
            # The doubles listen on loopback; only the offline stack may allow that (egress.py).
            "CLOSEDWON_OFFLINE_LOOPBACK": "true",
        }
    elif isinstance(backend, CloudBackend):
        cloud = backend
        environ = {k: v for k, v in _function_environment(backend).items() if k in _COPIED}
        if backend.config_path is not None:
            environ["MAPPING_CONFIG_PATH"] = str(backend.config_path)
    else:
        raise CliError(f"{backend.label}: not a stack this command can read")
    environ["CLOSEDWON_UNCOORDINATED"] = "true"
    environ["AWS_REGION"] = cloud.resources.region
    return Container(environ, clients=cloud.client)


def _function_environment(backend: CloudBackend) -> dict[str, Any]:
    """The LoadDeal function's environment variables (the settings the product runs with)."""
    stack = backend.resources.stack_name
    cfn = backend.client("cloudformation")
    function = backend._call(
        "finding the LoadDeal function",
        lambda: cfn.describe_stack_resource(StackName=stack, LogicalResourceId="LoadDealFunction")[
            "StackResourceDetail"
        ]["PhysicalResourceId"],
    )
    config = backend._call(
        f"reading the configuration of {function}",
        lambda: backend.client("lambda").get_function_configuration(FunctionName=function),
    )
    return dict((config.get("Environment") or {}).get("Variables") or {})
