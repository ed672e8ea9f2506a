"""A real distribution: the wheel holds the shared package and the CLI, and ``closedwon`` runs
from a fresh virtual environment outside the repository (no sys.path edits, no checkout)."""

from __future__ import annotations

import importlib.util
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import ROOT

#: What the distribution is built from (pyproject.toml's package-dir), copied so that the build
#: leaves nothing in the checkout and cannot pick up a stale build/ folder.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "closedwon_cli", "layers/shared/closedwon")


IMPORT_ALL = """
import importlib, pkgutil, closedwon, closedwon_cli
offline_only = ("__main__", "offline_backend", "offline_options")
names = [
    m.name
    for package in (closedwon, closedwon_cli)
    for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    if not m.name.endswith(offline_only)
]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    for name in SOURCES:
        origin, copy = ROOT / name, source / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, copy, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, copy)
    # Without setuptools installed here, pip builds in an isolated environment (from the index).
    isolation = "--no-build-isolation" if importlib.util.find_spec("setuptools") else "--use-pep517"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", isolation]
    subprocess.run(
        [*pip_wheel, "-w", str(tmp / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = (tmp / "dist").glob("closedwon-*.whl")
    return wheel


def fresh_venv(tmp: Path) -> Path:
    """A new venv that sees this environment's third-party packages (not its closedwon)."""
    venv = tmp / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # A path line in a .pth file adds the folder only: the editable install's own .pth hooks
    # there are not run, so closedwon can only come from the wheel.
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def test_given_a_wheel_installed_into_a_fresh_venv_then_closedwon_runs_outside_the_repo(
    tmp_path,
) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "closedwon/mapping.yaml" in names  # the default mapping config travels with the code
    assert {n.split("/")[0] for n in names if n.endswith(".py")} == {"closedwon", "closedwon_cli"}

    venv = fresh_venv(tmp_path)
    python = venv / "bin" / "python"
    pip_install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run(
        # the wheel alone: no index, no dependencies fetched
        [*pip_install, "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(elsewhere)}

    def closedwon(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "closedwon"), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    helped = closedwon("--help")
    assert helped.returncode == 0, helped.stderr
    assert "backfill" in helped.stdout and "redrive" in helped.stdout
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    shown = closedwon("--version")
    assert (shown.returncode, shown.stdout.strip()) == (0, f"closedwon {version}")

    # Every module of the distribution imports from it (a package missing from pyproject's
    # list fails here, in whichever module imports it).
    imported = subprocess.run(
        [str(python), "-c", IMPORT_ALL], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    assert int(imported.stdout) > 50

    where = subprocess.run(
        [
            str(python),
            "-c",
            "import closedwon, closedwon_cli; print(closedwon.__file__);"
            " print(closedwon_cli.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where

    # Without the checkout there is no offline stack: --offline says so in one line.
    offline = closedwon("--offline", str(tmp_path / "state"), "status", "0065f0000000001AAA")
    assert offline.returncode == 2 and "offline stack of a closedwon checkout" in offline.stderr
    assert len(offline.stderr.splitlines()) == 1
