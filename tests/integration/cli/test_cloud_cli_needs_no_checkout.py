"""The cloud CLI imports nothing of the offline stack and reads no template.yaml at run time:
against a deployed stack, everything comes from the stack (DescribeStacks) and the arguments."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

OPP = "0065f0000000001AAA"

PROBE = """
import builtins, importlib, io, pkgutil, sys

class NoOffline:
    def find_spec(self, name, path=None, target=None):
        if name == "offline" or name.startswith("offline."):
            raise ImportError(f"the cloud CLI imported {name}")
        return None

sys.meta_path.insert(0, NoOffline())
real_open = io.open
def no_template(file, *args, **kwargs):
    if str(file).endswith("template.yaml"):
        raise AssertionError(f"the cloud CLI opened {file}")
    return real_open(file, *args, **kwargs)
builtins.open = io.open = no_template

import closedwon_cli
for module in pkgutil.iter_modules(closedwon_cli.__path__):
    # the --offline path, imported only for --offline; __main__ runs main()
    if module.name not in ("offline_backend", "offline_options", "__main__"):
        importlib.import_module(f"closedwon_cli.{module.name}")

from closedwon_cli.main import main
print(main(["status", "OPP"]))
print(main(["--offline", "state", "status", "OPP"]))
""".replace("OPP", OPP)


def test_given_no_offline_package_then_the_cloud_cli_imports_runs_and_offline_says_why() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CLOSEDWON_STACK": ""},
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["2", "2"]  # usage errors, one line each, no traceback
    first, second = probe.stderr.splitlines()
    assert first.startswith("closedwon status: say which stack")
    assert "--offline needs the offline stack of a closedwon checkout" in second
