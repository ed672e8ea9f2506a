"""What `pip install .` packages, and what it depends on (pyproject.toml)."""

from __future__ import annotations

import ast
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from closedwon_cli.main import main
from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def packages_under(folder: Path, name: str) -> set[str]:
    return {
        ".".join((name, *init.parent.relative_to(folder).parts))
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_package_of_the_shared_layer_and_the_cli_is_in_the_distribution() -> None:
    setuptools = PROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"] == {
        "closedwon": "layers/shared/closedwon",
        "closedwon_cli": "closedwon_cli",
    }
    expected = packages_under(ROOT / "layers/shared/closedwon", "closedwon") | packages_under(
        ROOT / "closedwon_cli", "closedwon_cli"
    )
    assert set(setuptools["packages"]) == expected
    assert PROJECT["project"]["scripts"] == {"closedwon": "closedwon_cli.main:main"}


def layer_pins() -> list[Requirement]:
    """The ``name==version`` lines of the layer's requirements (hash lines and options skipped)."""
    text = (ROOT / "layers/shared/requirements.txt").read_text(encoding="utf-8")
    lines = (line.split("#")[0].rstrip("\\ ").strip() for line in text.splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def test_every_pin_of_the_layer_satisfies_the_distributions_dependency_on_it() -> None:
    declared = {
        Requirement(line).name.lower(): Requirement(line)
        for line in PROJECT["project"]["dependencies"]
    }
    pins = layer_pins()
    assert pins, "layers/shared/requirements.txt pins nothing?"
    for pin in pins:
        (version,) = [s.version for s in pin.specifier]
        assert pin.name.lower() in declared, f"{pin.name}: a layer dependency the CLI lacks"
        assert declared[pin.name.lower()].specifier.contains(version), (
            f"{pin.name}=={version} (layer) is outside {declared[pin.name.lower()]} (pyproject)"
        )


def test_no_module_of_the_shared_package_the_cli_or_the_offline_stack_edits_sys_path() -> None:
    editors = []
    for folder in ("layers/shared/closedwon", "closedwon_cli", "offline"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == "path"
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "sys"
                ):
                    editors.append(str(path.relative_to(ROOT)))
    assert editors == []


def test_closedwon_version_is_the_installed_distributions(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"closedwon {metadata.version('closedwon')}"
    assert metadata.version("closedwon") == PROJECT["project"]["version"]
