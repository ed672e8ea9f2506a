"""tools/check_build.py, the check `make build` runs on what `sam build` left, on small layers
made here: each finding it exists for, and silence on a layer that is right.

Facts it holds the artifact to: PEP 552 (a .pyc's flags word: bit 0 hash-based, bit 1
check_source), the ELF header (e_machine at offset 18, 183 = EM_AARCH64; System V ABI, "ELF
Header"), PEP 600 (manylinux_x_y_arch: built for glibc x.y or older), and the 250 MB unzipped
limit of a function with its layers (AWS Lambda developer guide, "Lambda quotas").
"""

from __future__ import annotations

import py_compile
import struct
from pathlib import Path

import pytest

from tools.artifact import BuiltFunction, extension_module, runnable_layer
from tools.check_build import (
    UNZIPPED_LIMIT_BYTES,
    check_bytecode,
    check_layer_package,
    check_native,
    check_sizes,
    runtime_compatible,
)


def elf(machine: int) -> bytes:
    """The first 20 bytes of a 64-bit little-endian ELF shared object for ``machine``."""
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HH", 3, machine)


def layer_with_module(root: Path, mode: py_compile.PycInvalidationMode) -> Path:
    layer = root / "SharedLayer"
    package = layer / "python" / "closedwon"
    package.mkdir(parents=True)
    source = package / "__init__.py"
    source.write_text('"""closedwon"""\n', encoding="utf-8")
    py_compile.compile(
        str(source),
        cfile=str(package / "__pycache__" / "__init__.cpython-313.pyc"),
        invalidation_mode=mode,
    )
    return layer


def add_wheel(layer: Path, name: str, tags: list[str], machine: int | None) -> None:
    site = layer / "python"
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "WHEEL").write_text(
        "Wheel-Version: 1.0\n" + "".join(f"Tag: {t}\n" for t in tags), encoding="utf-8"
    )
    if machine is not None:
        (site / name).mkdir()
        (site / name / "_native.cpython-313-aarch64-linux-gnu.so").write_bytes(elf(machine))


def test_given_unchecked_hash_bytecode_for_every_module_then_no_finding(tmp_path: Path) -> None:
    layer = layer_with_module(tmp_path, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    assert list(check_layer_package(layer)) == []
    assert list(check_bytecode(layer)) == []


def test_given_timestamp_bytecode_then_the_module_is_named(tmp_path: Path) -> None:
    """A timestamp .pyc is checked against the source's mtime, which the zip does not keep
    exactly: on Lambda's read-only disk a mismatch means compiling again on every cold start."""
    layer = layer_with_module(tmp_path, py_compile.PycInvalidationMode.TIMESTAMP)
    (finding,) = check_bytecode(layer)
    assert "not unchecked-hash" in finding and "closedwon/__init__.py" in finding


def test_given_no_bytecode_then_the_module_is_named(tmp_path: Path) -> None:
    layer = layer_with_module(tmp_path, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    for pyc in layer.rglob("*.pyc"):
        pyc.unlink()
    (finding,) = check_bytecode(layer)
    assert "no .pyc" in finding and "closedwon/__init__.py" in finding


def test_given_a_layer_without_our_package_then_it_says_so(tmp_path: Path) -> None:
    (tmp_path / "SharedLayer" / "python").mkdir(parents=True)
    (finding,) = check_layer_package(tmp_path / "SharedLayer")
    assert "python/closedwon/__init__.py is missing" in finding


def test_given_aarch64_natives_in_manylinux_wheels_then_no_finding(tmp_path: Path) -> None:
    layer = layer_with_module(tmp_path, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    add_wheel(layer, "pydantic_core", ["cp313-cp313-manylinux_2_17_aarch64"], machine=183)
    add_wheel(layer, "idna", ["py3-none-any"], machine=None)
    assert list(check_native(layer)) == []


def test_given_an_x86_64_native_then_the_file_is_named(tmp_path: Path) -> None:
    layer = layer_with_module(tmp_path, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    add_wheel(layer, "pydantic_core", ["cp313-cp313-manylinux_2_17_x86_64"], machine=62)
    findings = list(check_native(layer))
    assert any("pydantic_core/_native" in f and "e_machine 62" in f for f in findings)
    assert any("pydantic_core-1.0.dist-info" in f and "x86_64" in f for f in findings)


@pytest.mark.parametrize(
    ("tag", "runs"),
    [
        ("py3-none-any", True),
        ("cp313-cp313-manylinux2014_aarch64", True),
        ("cp313-cp313-manylinux_2_28_aarch64", True),
        ("cp313-cp313-manylinux_2_34_aarch64", True),
        ("cp313-cp313-manylinux_2_35_aarch64", False),  # newer glibc than Amazon Linux 2023's
        ("cp313-cp313-manylinux_2_17_x86_64", False),
        ("cp313-cp313-musllinux_1_2_aarch64", False),
        ("cp313-cp313-macosx_11_0_arm64", False),
    ],
)
def test_a_wheel_runs_on_lambda_arm64_only_with_a_fitting_manylinux_tag(
    tag: str, runs: bool
) -> None:
    assert runtime_compatible(tag) is runs


def test_given_a_function_over_the_unzipped_limit_then_it_is_named(tmp_path: Path) -> None:
    code, layer = tmp_path / "LoadDealFunction", tmp_path / "SharedLayer"
    code.mkdir()
    layer.mkdir()
    (code / "app.py").write_text("handler = print\n", encoding="utf-8")
    with (layer / "big.bin").open("wb") as big:  # sparse: its size without the disk space
        big.truncate(UNZIPPED_LIMIT_BYTES)
    under = BuiltFunction("UpsertCustomerFunction", code, "app.handler", ())
    over = BuiltFunction("LoadDealFunction", code, "app.handler", (layer,))
    (finding,) = check_sizes([under, over])
    assert finding.startswith("LoadDealFunction:") and "262,144,000" in finding


def test_the_runnable_copy_swaps_every_native_and_keeps_the_rest(tmp_path: Path) -> None:
    shipped = layer_with_module(tmp_path / "arm", py_compile.PycInvalidationMode.UNCHECKED_HASH)
    add_wheel(shipped, "pydantic_core", ["cp313-cp313-manylinux_2_17_aarch64"], machine=183)
    local = tmp_path / "x86" / "python" / "pydantic_core"
    local.mkdir(parents=True)
    (local / "_native.cpython-313-x86_64-linux-gnu.so").write_bytes(elf(62))

    copy = runnable_layer(shipped, tmp_path / "x86" / "python", tmp_path / "copy")

    assert sorted(p.name for p in (copy / "pydantic_core").iterdir()) == [
        "_native.cpython-313-x86_64-linux-gnu.so"
    ]
    assert (copy / "closedwon" / "__pycache__" / "__init__.cpython-313.pyc").is_file()


def test_the_runnable_copy_refuses_builds_of_different_locks(tmp_path: Path) -> None:
    shipped = layer_with_module(tmp_path / "arm", py_compile.PycInvalidationMode.UNCHECKED_HASH)
    add_wheel(shipped, "pydantic_core", ["cp313-cp313-manylinux_2_17_aarch64"], machine=183)
    (tmp_path / "x86" / "python").mkdir(parents=True)
    with pytest.raises(SystemExit, match=r"pydantic_core\._native"):
        runnable_layer(shipped, tmp_path / "x86" / "python", tmp_path / "copy")


def test_an_extension_module_is_named_without_its_platform_tag() -> None:
    assert extension_module(Path("yaml/_yaml.cpython-313-aarch64-linux-gnu.so")) == "yaml._yaml"
    assert (
        extension_module(Path("cryptography/hazmat/bindings/_rust.abi3.so"))
        == "cryptography.hazmat.bindings._rust"
    )
