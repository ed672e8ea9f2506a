"""The offline stack's options from the command line, checked before anything starts.

Imported only for ``--offline`` (and by ``python -m offline``): a missing or malformed file or
parameter is one :class:`~closedwon_cli.errors.CliError` line, never a traceback from deep in
the stack's start.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from closedwon.events import is_salesforce_id
from closedwon_cli.errors import CliError
from offline.stack import DEFAULT_CONFIG, DEFAULT_ORG, DEFAULT_SEED, StackOptions
from offline.template import load_template

#: Template parameters the offline stack sets itself, from the org snapshot and its own secrets.
STACK_OWNED_PARAMETERS = frozenset(
    {"SalesforceOrgId", "PartnerEventBusName", "SalesforceSecretArn", "NetSuiteSecretArn"}
)


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; :class:`CliError` naming the option when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise CliError(f"{what} {path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CliError(f"{what} {path}: must hold one JSON object, not {type(data).__name__}")
    return data


def check_org_snapshot(path: Path) -> None:
    snapshot = read_json_object(path, "--org")
    if not is_salesforce_id(snapshot.get("orgId")):
        raise CliError(f"--org {path}: 'orgId' must be the org's Salesforce id")


def check_mapping_config(path: Path) -> None:
    if not Path(path).is_file():
        raise CliError(f"--config {path}: no such file")


def template_parameters(items: list[str]) -> dict[str, str]:
    """``--param KEY=VALUE`` items, checked against template.yaml's parameter declarations."""
    declared: dict[str, dict[str, Any]] = load_template()["Parameters"]
    settable = sorted(set(declared) - STACK_OWNED_PARAMETERS)
    parameters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--param '{item}' is not KEY=VALUE")
        if key in STACK_OWNED_PARAMETERS:
            raise CliError(f"--param {key}: the offline stack sets it itself")
        if key not in declared:
            raise CliError(
                f"--param {key}: no such template parameter (one of {', '.join(settable)})"
            )
        problem = _parameter_problem(declared[key], value)
        if problem:
            raise CliError(f"--param {key}={value}: {problem}")
        parameters[key] = value
    return parameters


def _parameter_problem(declaration: dict[str, Any], value: str) -> str | None:
    """What CloudFormation would refuse in this parameter value (Type, AllowedValues, ranges)."""
    if declaration.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return "not a number"
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            return f"below the MinValue {declaration['MinValue']}"
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            return f"above the MaxValue {declaration['MaxValue']}"
    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in {str(a) for a in allowed}:
        return f"not one of {', '.join(str(a) for a in allowed)}"
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        return f"does not match {pattern}"
    return None


def offline_options(
    state_dir: Path,
    *,
    org: Path | None = None,
    seed: Path | None = None,
    config: Path | None = None,
    params: list[str] | None = None,
    netsuite_latency_ms: float = 0.0,
) -> StackOptions:
    """Checked options of the offline stack on ``state_dir`` (bundled samples by default)."""
    org_path, seed_path = org or DEFAULT_ORG, seed or DEFAULT_SEED
    config_path = config or DEFAULT_CONFIG
    check_org_snapshot(org_path)
    read_json_object(seed_path, "--netsuite-seed")
    check_mapping_config(config_path)
    if netsuite_latency_ms < 0:
        raise CliError(f"--netsuite-latency-ms {netsuite_latency_ms}: must not be negative")
    state = state_dir.resolve()
    return StackOptions(
        state_dir=state,
        org_path=org_path,
        seed_path=seed_path,
        config_path=config_path,
        parameters=template_parameters(params or []),
        netsuite_latency_s=netsuite_latency_ms / 1000.0,
        lambda_log_path=state / "lambda.log",
    )
