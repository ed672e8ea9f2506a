"""The step unit tests need nothing but the fakes: they pass where moto, boto3 and the offline
doubles cannot even be imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_steps(*extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.fakes.no_aws",
            "-p",
            "no:cacheprovider",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_blocker_really_blocks(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('name', ['boto3', 'moto', 'offline.stack', 'botocore'])\n"
        "def test_blocked(name):\n"
        "    with pytest.raises(ImportError):\n"
        "        __import__(name)\n",
        encoding="utf-8",
    )
    result = run_steps("--rootdir", str(tmp_path), str(probe))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_every_step_unit_test_passes_without_moto_boto3_or_offline() -> None:
    result = run_steps("tests/unit/steps")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "error" not in result.stdout.lower().split("passed")[-1]
