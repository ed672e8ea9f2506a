"""Read template.yaml the way CloudFormation does, so the offline stack is built *from* it.

Parses the CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) and resolves intrinsics
against parameters, conditions and the physical ids of the resources the offline stack created.
Only the intrinsics this template uses are supported; anything else raises, loudly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if name == "Ref":
            return {"Ref": value}
        if name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        if name == "Condition":
            return {"Condition": value}
        return {f"Fn::{name}": value}

    return construct


for _name in (
    "Ref",
    "Sub",
    "GetAtt",
    "If",
    "Equals",
    "Join",
    "Select",
    "Split",
    "Not",
    "And",
    "Or",
    "Condition",
    "FindInMap",
    "Base64",
):
    _CfnLoader.add_constructor(f"!{_name}", _tag(_name))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """template.yaml as a dict, short-form tags turned into their long ``Fn::`` forms."""
    template: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return template


@dataclass
class Resolver:
    """Resolves intrinsic functions for one offline stack."""

    template: dict[str, Any]
    parameters: dict[str, str]
    pseudo: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attrs: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (logical id, attribute) -> value

    def parameter_values(self) -> dict[str, str]:
        values = {}
        for name, spec in self.template.get("Parameters", {}).items():
            if name in self.parameters:
                values[name] = str(self.parameters[name])
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise KeyError(f"template parameter {name} has no value and no default")
        return values

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg
                return self._attr(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(self.resolve(i)) for i in items)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                raise NotImplementedError(f"offline stack does not resolve {key}")
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        params = self.parameter_values()
        if name in params:
            return params[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.refs:
            return self.refs[name]
        if name in self.template.get("Resources", {}):
            return f"offline-{name}"  # a resource the offline stack does not emulate (SNS, dashboards, ...)
        raise KeyError(f"offline stack cannot resolve Ref {name}")

    def _attr(self, logical: str, attribute: str) -> str:
        if (logical, attribute) in self.attrs:
            return self.attrs[(logical, attribute)]
        if logical in self.template.get("Resources", {}):
            return f"arn:aws:offline:{self.pseudo.get('AWS::Region', '')}:{self.pseudo.get('AWS::AccountId', '')}:{logical}/{attribute}"
        raise KeyError(f"offline stack cannot resolve GetAtt {logical}.{attribute}")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return self._attr(logical, attribute)
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def resources_of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] in types}


def function_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals applied (as SAM does)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    props = dict(template["Resources"][logical_id]["Properties"])
    env = dict(globals_.get("Environment", {}).get("Variables", {}))
    env.update(props.get("Environment", {}).get("Variables", {}))
    merged = {**{k: v for k, v in globals_.items() if k != "Environment"}, **props}
    merged["Environment"] = {"Variables": env}
    return merged
