"""The stack as `sam build` leaves it (.aws-sam/build), and a copy of it that runs on this machine.

The built layer holds manylinux aarch64 wheels: on an x86_64 machine its native modules cannot
load. :func:`runnable_layer` copies the layer and swaps each native file for the one of an
x86_64 build of the same lock by the same recipe (layers/shared/Makefile), so that everything
else imported is exactly what ships: our modules, the pure-Python dependencies, their bytecode.

Lambda's search path puts the function's code first, then the layer's ``python/``, then the
runtime's own packages, of which this product uses the AWS SDK for Python (AWS Lambda developer
guide, "Working with .zip file archives for Python Lambda functions", section "Dependency search
path and runtime-included libraries"). :func:`runtime_sdk` stands in for those packages with the
ones of this venv.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.template import load_template

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / ".aws-sam" / "build"
LAYER_SOURCE = ROOT / "layers" / "shared"
LAYER_LOCK = LAYER_SOURCE / "requirements.lock"
LAYER_MAKEFILE = LAYER_SOURCE / "Makefile"
#: The AWS SDK for Python and what it imports: what the Lambda runtime adds to the search path.
SDK_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
_NATIVE = re.compile(r"\.so(\.\d+)*$")


@dataclass(frozen=True)
class BuiltFunction:
    """One function of the built template: its folder under the build dir and its handler."""

    logical_id: str
    code_dir: Path
    handler: str
    layers: tuple[Path, ...]


def built_template(build_dir: Path = BUILD_DIR) -> dict[str, Any]:
    """The template `sam build` wrote, its code locations pointing into ``build_dir``."""
    path = build_dir / "template.yaml"
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run `make build` first")
    return load_template(path)


def built_layers(build_dir: Path = BUILD_DIR) -> dict[str, Path]:
    """Each layer of the built template, by logical id, as its folder (it holds ``python/``)."""
    template = built_template(build_dir)
    return {
        name: build_dir / resource["Properties"]["ContentUri"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }


def built_functions(build_dir: Path = BUILD_DIR) -> list[BuiltFunction]:
    """Every function of the built template, with the layers it is deployed with."""
    template = built_template(build_dir)
    defaults = template.get("Globals", {}).get("Function", {})
    layers = built_layers(build_dir)
    functions = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = {**defaults, **resource["Properties"]}
        refs = [layer["Ref"] for layer in props.get("Layers", []) if isinstance(layer, dict)]
        functions.append(
            BuiltFunction(
                logical_id=name,
                code_dir=build_dir / props["CodeUri"],
                handler=props["Handler"],
                layers=tuple(layers[ref] for ref in refs),
            )
        )
    return functions


def is_native(path: Path) -> bool:
    """A shared object: an extension module or a library a wheel vendors."""
    return bool(_NATIVE.search(path.name))


def native_files(site: Path) -> list[Path]:
    """Every native file under ``site``, relative to it."""
    return sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file() and is_native(p))


def extension_module(relative: Path) -> str:
    """The import name of an extension module file, whatever its platform tag."""
    return ".".join([*relative.parent.parts, relative.name.split(".", 1)[0]])


def native_build(dest: Path) -> Path:
    """The layer's lock built for this machine by layers/shared/Makefile (the same recipe and
    lock as the shipped layer, only the platform differs), reused while neither the lock nor
    the recipe changed. Returns its ``python/`` folder."""
    stamp = dest / "recipe.sha256"
    digest = hashlib.sha256(LAYER_LOCK.read_bytes() + LAYER_MAKEFILE.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return dest / "python"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(LAYER_SOURCE),
            "build-SharedLayer",
            f"ARTIFACTS_DIR={dest}",
            f"LAYER_ARCH={platform.machine()}",
            f"PYTHON313={sys.executable}",
        ],
        check=True,
    )
    stamp.write_text(digest, encoding="utf-8")
    return dest / "python"


def runnable_layer(layer_dir: Path, native_site: Path, dest: Path) -> Path:
    """A copy of a built layer whose native files are those of ``native_site``; returns the
    copy's ``python/`` folder. Fails when the two builds do not hold the same extension modules
    (they then came from different locks)."""
    site = layer_dir / "python"
    shipped = {extension_module(p) for p in native_files(site) if ".libs" not in str(p)}
    local = {extension_module(p) for p in native_files(native_site) if ".libs" not in str(p)}
    if shipped != local:
        raise SystemExit(
            f"the built layer and the {platform.machine()} build differ in extension modules: "
            f"{sorted(shipped ^ local)}; run `make build` again"
        )
    copy = dest / "python"
    shutil.copytree(site, copy, ignore=lambda _dir, names: [n for n in names if _NATIVE.search(n)])
    for relative in native_files(native_site):
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(native_site / relative, copy / relative)
    return copy


def runtime_sdk(dest: Path) -> Path:
    """A folder holding only the SDK packages the Lambda runtime provides (links into this
    venv), to put after the layer on the search path."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SDK_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{name} is not installed in this venv: run `make .venv/.installed`")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = dest / source.name
        if not link.exists():
            os.symlink(source, link)
    return dest


def make_read_only(tree: Path) -> None:
    """Clear every write bit under ``tree``, as Lambda's /var/task and /opt are read-only."""
    for path in [tree, *tree.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)


def tree_listing(tree: Path) -> set[str]:
    """Every path under ``tree``: compared before and after a run, it shows that the run wrote
    nothing (a root process ignores the missing write bits)."""
    return {str(p.relative_to(tree)) for p in tree.rglob("*")}
