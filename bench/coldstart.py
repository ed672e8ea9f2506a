"""Cold start: per function, a fresh process imports the handler and completes its first
invocation on a realistic input (median of ``--runs``), as the built artifact and from the
source tree, each next to a reference handler measured the same way in the same run.

The parent starts the offline stack on the bundled sample org, syncs the sample deal once and
makes one deal fail (an opportunity that does not exist), and takes each function's input from
the execution histories (``LambdaFunctionScheduled``). It then serves moto over HTTP on loopback
(the same in-memory AWS state: secrets, coordination table, bucket; see :class:`AwsGateway`) and,
for each function, runs ``bench/_coldstart_child.py`` ``--runs`` times: a new interpreter with
the function's environment (template.yaml) and ``AWS_ENDPOINT_URL`` pointing at that server; it
times, with ``time.perf_counter``, the handler import plus the first invocation against the
doubles (no injected latency). Nothing but the standard library is imported before the clock
starts.

Trees (``--trees``):

- ``artifact`` (what ships): the folders `make build` left in .aws-sam/build, copied to a
  scratch folder with every write bit cleared, the layer's native files swapped for this
  machine's build of the same lock (tools/artifact.py). The child runs without site-packages
  (``-S``) and without writing bytecode (``-B``, PYTHONDONTWRITEBYTECODE=1), on Lambda's search
  path: function folder, layer ``python/``, the runtime's SDK. The tree must be unchanged after.
- ``source``: functions/<name>/ and layers/shared/ with this venv's site-packages and whatever
  bytecode the source tree has cached (the figure before the layer shipped bytecode).

Reference: bench/coldstart_reference/app.py (boto3, Powertools Logger, one secret read). Goal:
every function <= 1.5 x the reference of the same tree, for the artifact.

    python -m bench.coldstart [--runs 7] [--trees artifact source] [--functions LoadDealFunction ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    bench_stack,
    emit_result,
    history,
    print_table,
    sample_corpus,
    start_all,
    wait_all,
)
from offline.stack import REGION, OfflineStack
from offline.template import function_properties
from tools.artifact import (
    BUILD_DIR,
    built_functions,
    make_read_only,
    native_build,
    runnable_layer,
    runtime_sdk,
    tree_listing,
)

CHILD = Path(__file__).resolve().parent / "_coldstart_child.py"
SOURCE_LAYER_DIR = ROOT / "layers" / "shared"
REFERENCE = "Reference"
REFERENCE_DIR = Path(__file__).resolve().parent / "coldstart_reference"
#: The environment the reference handler runs with: the function that reads the same secret.
REFERENCE_LIKE = "UpsertCustomerFunction"
GOAL_RATIO = 1.5
TREES = ("artifact", "source")
MISSING_OPPORTUNITY = "0065f0000009999AAA"


def capture_inputs(stack: OfflineStack, arns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each function's first input, by logical id, from the executions' histories."""
    by_name = {name: entry.logical_id for name, entry in stack.lambdas.functions.items()}
    inputs: dict[str, dict[str, Any]] = {}
    for arn in arns:
        for event in history(stack, arn):
            details = event.get("lambdaFunctionScheduledEventDetails")
            if event["type"] != "LambdaFunctionScheduled" or not details:
                continue
            logical = by_name.get(details["resource"].rsplit(":", 1)[-1])
            if logical and logical not in inputs:
                inputs[logical] = json.loads(details["input"])
    return inputs


_SCOPE = re.compile(r"Credential=[^/]+/[0-9]+/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


class AwsGateway(ThreadingHTTPServer):
    """The in-process moto of the offline stack, served over HTTP on loopback.

    A child process points every AWS client at it (``AWS_ENDPOINT_URL``). Each request is handed
    to moto's own dispatcher as if it had been sent to ``<service>.<region>.amazonaws.com`` (the
    service and region come from the SigV4 credential scope), so the child sees the parent's
    secrets, coordination table and bucket. (moto's own server needs Flask, which is not a
    dependency of this project.)
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.thread = threading.Thread(target=self.serve_forever, name="aws-gateway", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> AwsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add
        # ~40 ms to every AWS call, which a real endpoint does not.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        from botocore.awsrequest import AWSPreparedRequest
        from botocore.compat import HTTPHeaders
        from moto.core.models import botocore_stubber

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        scope = _SCOPE.search(self.headers.get("Authorization", ""))
        service, region = (scope.group(2), scope.group(1)) if scope else ("unknown", REGION)
        headers = HTTPHeaders()
        for key, value in self.headers.items():
            headers[key] = value
        host = f"{service}.{region}.amazonaws.com"
        del headers["Host"]
        headers["Host"] = host
        request = AWSPreparedRequest(
            method=self.command,
            url=f"https://{host}{self.path}",
            headers=headers,
            body=body,
            stream_output=False,
        )
        answer = botocore_stubber.process_request(request)
        status, response_headers, payload = answer if answer else (404, {}, b"no moto route")
        data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload or b"")
        self.send_response(int(status))
        for key, value in (response_headers or {}).items():
            if key.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "server",
                "date",
            ):
                self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve


def child_environment(
    stack: OfflineStack, function_env: dict[str, str], endpoint: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "offline",
            "AWS_SECRET_ACCESS_KEY": "offline",
            "AWS_SESSION_TOKEN": "offline",
            "REQUESTS_CA_BUNDLE": stack.salesforce.ca_bundle,
            "CLOSEDWON_OFFLINE_LOOPBACK": "true",  # the doubles are on loopback (closedwon.egress)
            "MAPPING_CONFIG_PATH": str(stack.options.config_path),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            **function_env,
        }
    )
    return env


def run_child(
    spec: dict[str, Any],
    env: dict[str, str],
    folder: Path,
    flags: Sequence[str],
    profile: Path | None = None,
) -> dict[str, Any]:
    spec_path = folder / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    completed = subprocess.run(
        [sys.executable, *flags, *profiler, str(CHILD), str(spec_path)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )
    result_path = Path(spec["result_path"])
    if not result_path.exists():
        return {"ms": None, "error": completed.stderr.decode(errors="replace")[-2000:]}
    return dict(json.loads(result_path.read_text(encoding="utf-8")))


class Tree:
    """Where one tree's functions and layer are, and how its child interpreter runs."""

    def __init__(self, name: str, search_paths: dict[str, list[str]], flags: Sequence[str]):
        self.name = name
        self.search_paths = search_paths
        self.flags = list(flags)


def source_tree(stack: OfflineStack) -> Tree:
    """functions/<name>/ and layers/shared/ as checked out, on this venv's site-packages."""
    paths = {
        entry.logical_id: [
            str(ROOT / function_properties(stack.template, entry.logical_id)["CodeUri"]),
            str(SOURCE_LAYER_DIR),
        ]
        for entry in stack.lambdas.functions.values()
    }
    paths[REFERENCE] = [str(REFERENCE_DIR), str(SOURCE_LAYER_DIR)]
    return Tree("source", paths, flags=[])


def artifact_tree(scratch: Path) -> Tree:
    """A read-only copy of .aws-sam/build, the layer's native files from this machine's build
    of the same lock, the runtime's SDK after the layer; no site-packages, no bytecode writes."""
    functions = built_functions(BUILD_DIR)
    native_site = native_build(BUILD_DIR.parent / f"native-{os.uname().machine}")
    sdk = str(runtime_sdk(scratch / "runtime"))
    layers: dict[Path, str] = {}
    paths: dict[str, list[str]] = {}
    for function in functions:
        code = scratch / "functions" / function.logical_id
        code.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(function.code_dir, code)
        for layer in function.layers:
            if layer not in layers:
                layers[layer] = str(runnable_layer(layer, native_site, scratch / layer.name))
        paths[function.logical_id] = [str(code), *(layers[p] for p in function.layers), sdk]
    reference = scratch / "functions" / REFERENCE
    shutil.copytree(REFERENCE_DIR, reference, ignore=shutil.ignore_patterns("__pycache__"))
    shared = next(iter(layers.values()))
    paths[REFERENCE] = [str(reference), shared, sdk]
    for folder in (scratch / "functions", *map(Path, layers.values())):
        make_read_only(folder)
    return Tree("artifact", paths, flags=["-S", "-B"])


def measure(
    tree: Tree,
    stack: OfflineStack,
    inputs: dict[str, dict[str, Any]],
    gateway: AwsGateway,
    scratch: Path,
    args: argparse.Namespace,
) -> dict[str, dict[str, Any]]:
    """Each function of ``tree`` and the reference, ``args.runs`` fresh processes each, taken
    in turns (run 1 of every function, then run 2, ...) so that a busy spell of the machine
    slows all of them alike instead of one function's runs."""
    entries = {entry.logical_id: (name, entry) for name, entry in stack.lambdas.functions.items()}
    chosen = [REFERENCE] + [
        logical for logical in sorted(entries) if not args.functions or logical in args.functions
    ]
    specs: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
    measured: dict[str, dict[str, Any]] = {}
    for logical in chosen:
        name, entry = entries[REFERENCE_LIKE if logical == REFERENCE else logical]
        event = {} if logical == REFERENCE else inputs.get(logical)
        if event is None:
            measured[logical] = {"ms": None, "error": "no captured input"}
            continue
        env = child_environment(stack, entry.environment, gateway.url)
        env["AWS_LAMBDA_FUNCTION_NAME"] = name
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(entry.memory_mb)
        if tree.name == "artifact":
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        spec = {
            "search_path": tree.search_paths[logical],
            "handler": "app.handler",
            "function_name": name,
            "memory_mb": entry.memory_mb,
            "event": event,
        }
        specs[logical] = (spec, env)
    runs: dict[str, list[dict[str, Any]]] = {logical: [] for logical in specs}
    for n in range(args.runs):
        for logical, (spec, env) in specs.items():
            folder = scratch / "runs" / f"{tree.name}-{logical}-{n}"
            folder.mkdir(parents=True)
            result = {**spec, "result_path": str(folder / "result.json")}
            runs[logical].append(run_child(result, env, folder, tree.flags))
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
        for logical, (spec, env) in specs.items():
            folder = scratch / "runs" / f"{tree.name}-{logical}-profile"
            folder.mkdir(parents=True)
            result = {**spec, "result_path": str(folder / "result.json")}
            profile = args.profile_dir / f"{tree.name}-{logical}.prof"
            run_child(result, env, folder, tree.flags, profile)
    for logical, results in runs.items():
        errors = [r["error"] for r in results if r.get("error")]
        measured[logical] = {
            key: _median(results, key) for key in ("ms", "import_ms", "cpu_ms")
        } | {"error": errors[0] if errors else None}
    return measured


def _median(results: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def ratio(figures: dict[str, Any], reference: dict[str, Any], key: str = "ms") -> float | None:
    """``figures[key]`` as a multiple of the reference's."""
    if figures.get(key) is None or not reference.get(key):
        return None
    return round(float(figures[key]) / float(reference[key]), 2)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.coldstart", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per function (7)")
    parser.add_argument(
        "--trees",
        nargs="+",
        choices=TREES,
        default=list(TREES),
        help="what to import from: the built artifact (`make build`), the source tree, or both",
    )
    parser.add_argument(
        "--functions", nargs="*", help="logical ids to measure (default: all in template.yaml)"
    )
    parser.add_argument(
        "--profile-dir",
        type=Path,
        help="also run each function once more under cProfile, saving <dir>/<tree>-<function>.prof",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    args = parse_args(argv)
    corpus = sample_corpus()
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with bench_stack(corpus) as stack, tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        scratch = Path(tmp)
        events = corpus.events()
        missing = json.loads(json.dumps(events[0]))
        missing["detail"]["payload"]["Opportunity_Id__c"] = MISSING_OPPORTUNITY
        arns = start_all(stack, [*events, missing])
        wait_all(stack, arns, 300)
        inputs = capture_inputs(stack, arns)
        with AwsGateway() as gateway:
            for name in args.trees:
                tree = source_tree(stack) if name == "source" else artifact_tree(scratch / name)
                before = tree_listing(scratch / name) if name == "artifact" else None
                results[name] = measure(tree, stack, inputs, gateway, scratch, args)
                if before is not None and tree_listing(scratch / name) != before:
                    changed = sorted(tree_listing(scratch / name) ^ before)[:5]
                    raise SystemExit(f"the read-only artifact changed during the runs: {changed}")
    report(results, args)
    if any(m.get("error") for measured in results.values() for m in measured.values()):
        raise SystemExit(1)  # a cold start that fails is not a figure
    return results


def report(results: dict[str, dict[str, dict[str, Any]]], args: argparse.Namespace) -> None:
    logicals = sorted({logical for tree in results.values() for logical in tree})
    logicals.sort(key=lambda logical: logical != REFERENCE)
    goal_tree = "artifact" if "artifact" in results else next(iter(results))
    headers = ["function"]
    for tree in results:
        headers += [f"{tree} ms", "import", "x ref", "cpu ms", "cpu x ref"]
    headers += [f"goal ({goal_tree} x ref)", "met"]
    rows = []
    figures: dict[str, dict[str, Any]] = {}
    for logical in logicals:
        row: list[Any] = [logical.removesuffix("Function")]
        for tree, measured in results.items():
            m, ref = measured.get(logical, {}), measured[REFERENCE]
            x = ratio(m, ref)
            row += [m.get("ms"), m.get("import_ms"), x, m.get("cpu_ms"), ratio(m, ref, "cpu_ms")]
            figures.setdefault(logical.removesuffix("Function"), {})[tree] = {
                "ms": m.get("ms"),
                "ratio": x,
                "cpu_ratio": ratio(m, ref, "cpu_ms"),
            }
        goal = ratio(results[goal_tree].get(logical, {}), results[goal_tree][REFERENCE])
        met = goal is not None and goal <= GOAL_RATIO
        row += [f"<= {GOAL_RATIO}", "-" if logical == REFERENCE else ("yes" if met else "NO")]
        rows.append(row)
    print(
        "coldstart: handler import + first invocation in a fresh process, median of "
        f"{args.runs} (ms wall, of which import; cpu ms of the child), x ref = ratio to the "
        "reference of the same tree"
    )
    print_table(headers, rows)
    for tree, measured in results.items():
        for logical, m in measured.items():
            if m.get("error"):
                print(f"{tree} {logical} FAILED: {m['error'].splitlines()[-1]}")
    emit_result({"goal_ratio": GOAL_RATIO, "functions": figures})


if __name__ == "__main__":
    main()
