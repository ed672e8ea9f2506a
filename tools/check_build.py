"""Check what `sam build` left in .aws-sam/build before anyone deploys it.

    python -m tools.check_build [.aws-sam/build]

Fails (exit 1, one line per finding) unless:

- the layer holds our package at ``python/closedwon`` (Lambda adds the layer's ``python/`` to
  the search path; AWS Lambda developer guide, "Packaging your layer content", "Layer paths for
  each Lambda runtime");
- every ``.py`` in the layer has unchecked-hash bytecode for Python 3.13 beside it (Lambda's
  code is read-only: a missing or stale ``.pyc`` is compiled again on every cold start);
- every native file is an AArch64 ELF object and every wheel with native code is tagged
  manylinux aarch64 for a glibc the python3.13 runtime has (Amazon Linux 2023: glibc 2.34);
- every function with its layers stays under Lambda's unzipped size limit (250 MB, i.e.
  262,144,000 bytes; AWS Lambda developer guide, "Lambda quotas");
- every function's handler resolves: in a fresh interpreter without site-packages, on the
  search path Lambda builds (function folder, the layer, the runtime's SDK) with the layer's
  native files swapped for this machine's build of the same lock (tools/artifact.py), importing
  ``app`` gives a callable ``handler``, and every module it loads comes from those folders.

Writing nothing but the x86_64 build it reuses (.aws-sam/native-<machine>/).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from tools.artifact import (
    BUILD_DIR,
    BuiltFunction,
    built_functions,
    built_layers,
    is_native,
    native_build,
    native_files,
    runnable_layer,
    runtime_sdk,
)

UNZIPPED_LIMIT_BYTES = 262_144_000
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, check_source off
EM_AARCH64 = 183
RUNTIME_GLIBC = (2, 34)
_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)|manylinux(2014)_(\w+)")

_IMPORT_CHECK = """
import importlib, json, sys
search_path, handler = json.loads(sys.argv[1])
sys.path[:0] = search_path
module_name, attr = handler.rsplit(".", 1)
target = getattr(importlib.import_module(module_name), attr)
stdlib = sys.base_prefix
outside = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not any(module.__file__.startswith(p) for p in [*search_path, stdlib])
)
print(json.dumps({"callable": callable(target), "outside": outside}))
"""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def check_layer_package(layer: Path) -> Iterator[str]:
    if not (layer / "python" / "closedwon" / "__init__.py").is_file():
        yield f"{layer.name}: python/closedwon/__init__.py is missing"


def check_bytecode(layer: Path) -> Iterator[str]:
    sources = sorted((layer / "python").rglob("*.py"))
    missing, wrong = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if not pyc.is_file():
            missing.append(source)
            continue
        header = pyc.read_bytes()[:8]
        magic, flags = header[:4], struct.unpack("<I", header[4:8])[0]
        if magic != PYC_MAGIC_313 or flags != PYC_UNCHECKED_HASH:
            wrong.append(source)
    if not sources:
        yield f"{layer.name}: no .py files at all"
    for label, paths in (("no .pyc", missing), ("a .pyc not unchecked-hash for 3.13", wrong)):
        if paths:
            first = paths[0].relative_to(layer)
            yield f"{layer.name}: {len(paths)} of {len(sources)} .py files have {label}, e.g. {first}"


def elf_machine(path: Path) -> int | None:
    header = path.read_bytes()[:20]
    if header[:4] != b"\x7fELF":
        return None
    endian = "<" if header[5] == 1 else ">"
    return int(struct.unpack(f"{endian}H", header[18:20])[0])


def runtime_compatible(tag: str) -> bool:
    """A wheel tag's platform runs on Lambda's arm64 python3.13 runtime."""
    platform_tag = tag.rsplit("-", 1)[-1]
    if platform_tag == "any":
        return True
    match = _MANYLINUX.fullmatch(platform_tag)
    if not match:
        return False
    if match.group(4):  # manylinux2014 is glibc 2.17
        return match.group(5) == "aarch64"
    glibc = (int(match.group(1)), int(match.group(2)))
    return match.group(3) == "aarch64" and glibc <= RUNTIME_GLIBC


def check_native(layer: Path) -> Iterator[str]:
    site = layer / "python"
    for relative in native_files(site):
        machine = elf_machine(site / relative)
        if machine != EM_AARCH64:
            yield f"{layer.name}: {relative} is not an AArch64 ELF object (e_machine {machine})"
    for wheel in sorted(site.glob("*.dist-info/WHEEL")):
        tags = [
            line.split(":", 1)[1].strip()
            for line in wheel.read_text(encoding="utf-8").splitlines()
            if line.startswith("Tag:")
        ]
        if not any(runtime_compatible(tag) for tag in tags):
            yield f"{layer.name}: {wheel.parent.name} is tagged {tags}, not manylinux aarch64"
    if not any(is_native(p) for p in site.rglob("*")):
        yield f"{layer.name}: no native files at all (expected pydantic-core, cryptography, ...)"


def check_sizes(functions: Sequence[BuiltFunction]) -> Iterator[str]:
    for function in functions:
        total = folder_size(function.code_dir) + sum(folder_size(p) for p in function.layers)
        if total >= UNZIPPED_LIMIT_BYTES:
            yield (
                f"{function.logical_id}: {total:,} bytes unzipped with its layers, "
                f"limit {UNZIPPED_LIMIT_BYTES:,}"
            )


def check_handlers(functions: Sequence[BuiltFunction], native_dir: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="check-build-") as tmp:
        work = Path(tmp)
        sdk = str(runtime_sdk(work / "runtime"))
        native_site = native_build(native_dir)
        runnable: dict[Path, str] = {}
        for function in functions:
            search_path = [str(function.code_dir)]
            for layer in function.layers:
                if layer not in runnable:
                    runnable[layer] = str(runnable_layer(layer, native_site, work / layer.name))
                search_path.append(runnable[layer])
            search_path.append(sdk)
            completed = subprocess.run(
                [
                    sys.executable,
                    "-S",
                    "-B",
                    "-c",
                    _IMPORT_CHECK,
                    json.dumps([search_path, function.handler]),
                ],
                cwd=work,
                env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if completed.returncode != 0:
                last = completed.stderr.strip().splitlines()[-1:] or ["(no output)"]
                yield f"{function.logical_id}: {function.handler} does not import: {last[0]}"
                continue
            result = json.loads(completed.stdout)
            if not result["callable"]:
                yield f"{function.logical_id}: {function.handler} is not callable"
            if result["outside"]:
                yield f"{function.logical_id}: loaded modules from outside the artifact: {result['outside'][:5]}"


def run_checks(build_dir: Path) -> list[str]:
    """Every finding about the artifact in ``build_dir``; empty when it may be deployed."""
    build_dir = build_dir.resolve()
    functions = built_functions(build_dir)
    findings: list[str] = []
    if not functions:
        findings.append(f"{build_dir}: the built template has no functions")
    for layer in built_layers(build_dir).values():
        findings += check_layer_package(layer)
        findings += check_bytecode(layer)
        findings += check_native(layer)
    findings += check_sizes(functions)
    native_dir = build_dir.parent / f"native-{platform.machine()}"
    findings += check_handlers(functions, native_dir)
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.check_build", description=__doc__)
    parser.add_argument("build_dir", nargs="?", type=Path, default=BUILD_DIR)
    args = parser.parse_args(argv)
    findings = run_checks(args.build_dir)
    for finding in findings:
        print(f"check_build: {finding}")
    functions = built_functions(args.build_dir)
    for function in functions:
        size = folder_size(function.code_dir) + sum(folder_size(p) for p in function.layers)
        print(f"check_build: {function.logical_id}: {size / 1e6:.1f} MB unzipped with its layers")
    print(
        f"check_build: {len(functions)} functions, {len(findings)} findings"
        + ("" if findings else ": the artifact may be deployed")
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
