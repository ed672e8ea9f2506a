"""Infrastructure tests read template.yaml and the ASL as deployed, without an AWS account.

- ``template``: template.yaml parsed with its CloudFormation tags (``!Ref`` becomes ``{"Ref": ...}``).
- ``transformed``: the same template after the SAM transform, run offline with aws-sam-translator
  (a dev dependency): this is where the IAM roles SAM generates for functions and the state
  machine can be seen, policy templates expanded.
- ``asl``: statemachine/closed_won_sync.asl.json.
- :func:`render`: an intrinsic as ``Fn::Sub`` text (``{"Ref": "X"}`` -> ``"${X}"``), so IAM
  resources compare as readable strings.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from offline.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_PATH = ROOT / "template.yaml"
RUNBOOK_PATH = ROOT / "docs" / "runbook.md"
DLQ_MESSAGE_DOC_PATH = ROOT / "docs" / "dlq-message.md"
REGION = "eu-west-1"  # any commercial region: the translator needs one to build ARNs


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    return sam_transform(template)


@pytest.fixture(scope="session")
def asl(template: dict[str, Any]) -> dict[str, Any]:
    (machine,) = resources_of_type(template, "AWS::Serverless::StateMachine").values()
    return json.loads((ROOT / machine["Properties"]["DefinitionUri"]).read_text(encoding="utf-8"))


def sam_transform(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM would deploy, computed offline.

    Local CodeUri/ContentUri/DefinitionUri become ``s3://`` URIs (as ``sam package`` does), so
    the translator never reads the file system; the region is fixed, so it never asks boto3.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://closedwon-artifacts/{props[key].strip('/')}"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    return translator.translate(sam, parameter_values={}, get_managed_policy_map=_never_ask_iam)


def _never_ask_iam() -> dict[str, str]:
    """Named managed policies resolve from the map bundled with the translator; no IAM call."""
    return {}


def resources_of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] in types}


def render(value: Any) -> str:
    """An IAM resource or similar value as one string in ``Fn::Sub`` syntax."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            return f"${{{'.'.join(arg) if isinstance(arg, list) else arg}}}"
        if key == "Fn::Sub":
            if isinstance(arg, str):
                return arg
            text, variables = arg
            return re.sub(
                r"\$\{([^}!]+)\}",
                lambda m: render(variables[m.group(1)]) if m.group(1) in variables else m.group(0),
                text,
            )
    return json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
