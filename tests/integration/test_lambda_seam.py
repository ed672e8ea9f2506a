"""The offline Lambda seam keeps a pool of containers per function, as Lambda does.

Lambda runs one invocation per execution environment at a time and reuses environments for later
invocations (AWS Lambda Developer Guide, "Understanding the Lambda execution environment
lifecycle"); reserved concurrency caps how many run at once and throttles the rest
("Configuring reserved concurrency").
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from offline.lambda_seam import LambdaRegistry

APP = """
import threading, time

seen = []
lock = threading.Lock()


class Handler:
    def invoke(self, container, event, context):
        with lock:
            seen.append((id(container), container.environ.get("FUNCTION_ONLY")))
        time.sleep(event.get("sleep", 0))
        return {"container": id(container)}


handler = Handler()
"""


def registry(tmp_path: Path, reserved: int | None = None) -> LambdaRegistry:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    lambdas = LambdaRegistry()
    lambdas.register(
        "fn",
        "Fn",
        tmp_path,
        "app.handler",
        {"FUNCTION_ONLY": "yes"},
        128,
        reserved_concurrency=reserved,
    )
    return lambdas


def invoke_together(lambdas: LambdaRegistry, n: int) -> list[tuple[str, bool]]:
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def call() -> None:
        payload, errored, _ = lambdas.invoke("fn", {"sleep": 0.2})
        with lock:
            results.append((payload, errored))

    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    return results


def test_concurrent_invocations_never_share_a_container_and_later_ones_reuse_them(
    tmp_path: Path,
) -> None:
    lambdas = registry(tmp_path)
    results = invoke_together(lambdas, 3)
    containers = {json.loads(payload)["container"] for payload, _ in results}
    assert len(containers) == 3
    entry = lambdas.functions["fn"]
    assert entry.cold_starts == 3
    payload, _, _ = lambdas.invoke("fn", {})
    assert json.loads(payload)["container"] in containers and entry.cold_starts == 3


def test_each_container_is_built_from_its_functions_own_environment(tmp_path: Path) -> None:
    lambdas = registry(tmp_path)
    built = []
    lambdas.on_cold_start.append(
        lambda name, container: built.append(container.environ["FUNCTION_ONLY"])
    )
    lambdas.invoke("fn", {})
    assert built == ["yes"]


def test_invocations_beyond_reserved_concurrency_are_throttled(tmp_path: Path) -> None:
    lambdas = registry(tmp_path, reserved=2)
    results = invoke_together(lambdas, 3)
    errors = [json.loads(p)["errorType"] for p, errored in results if errored]
    assert errors == ["Lambda.TooManyRequestsException"]
    assert lambdas.functions["fn"].cold_starts == 2
