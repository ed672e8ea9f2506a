"""Cold start: per function, a fresh process imports the handler and completes its first
invocation on a realistic input (median of ``--runs``).

The parent starts the offline stack on the bundled sample org, syncs the sample deal once and
makes one deal fail (an opportunity that does not exist), and takes each function's input from
the execution histories (``LambdaFunctionScheduled``). It then serves moto over HTTP on loopback
(the same in-memory AWS state: secrets, coordination table, bucket; see :class:`AwsGateway`) and, for each function, runs
``bench/_coldstart_child.py`` ``--runs`` times: a new interpreter with the function's environment
(template.yaml) and ``AWS_ENDPOINT_URL`` pointing at that server; it times, with
``time.perf_counter``, the handler import plus the first invocation against the doubles (no
injected latency). Nothing but the standard library is imported before the clock starts.

Goal: every NetSuite step <= 400 ms, the Salesforce steps <= 600 ms, on this machine.

    python -m bench.coldstart [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

CHILD = Path(__file__).resolve().parent / "_coldstart_child.py"
LAYER_DIR = ROOT / "layers" / "shared"
GOAL_MS = {"netsuite": 400.0, "salesforce": 600.0}
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
            "MAPPING_CONFIG_PATH": str(stack.options.config_path),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            **function_env,
        }
    )
    return env


def run_child(
    spec: dict[str, Any], env: dict[str, str], folder: Path, profile: Path | None = None
) -> dict[str, Any]:
    spec_path = folder / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    completed = subprocess.run(
        [sys.executable, *profiler, str(CHILD), str(spec_path)],
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.coldstart", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per function (7)")
    parser.add_argument(
        "--functions", nargs="*", help="logical ids to measure (default: all in template.yaml)"
    )
    parser.add_argument(
        "--profile-dir",
        type=Path,
        help="also run each function once more under cProfile, saving <dir>/<function>.prof",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    corpus = sample_corpus()
    measured: dict[str, dict[str, Any]] = {}
    with bench_stack(corpus) as stack, tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        events = corpus.events()
        missing = json.loads(json.dumps(events[0]))
        missing["detail"]["payload"]["Opportunity_Id__c"] = MISSING_OPPORTUNITY
        arns = start_all(stack, [*events, missing])
        wait_all(stack, arns, 300)
        inputs = capture_inputs(stack, arns)
        with AwsGateway() as gateway:
            for name, entry in sorted(
                stack.lambdas.functions.items(), key=lambda kv: kv[1].logical_id
            ):
                logical = entry.logical_id
                if args.functions and logical not in args.functions:
                    continue
                if logical not in inputs:
                    measured[logical] = {"ms": None, "error": "no captured input", "runs": []}
                    continue
                props = function_properties(stack.template, logical)
                env = child_environment(stack, entry.environment, gateway.url)
                env["AWS_LAMBDA_FUNCTION_NAME"] = name
                env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(entry.memory_mb)
                sf_before = len(stack.salesforce.calls)
                ns_before = stack.netsuite_api_calls()

                base = {
                    "code_dir": str(ROOT / props["CodeUri"]),
                    "layer_dir": str(LAYER_DIR),
                    "handler": props["Handler"],
                    "function_name": name,
                    "memory_mb": entry.memory_mb,
                    "event": inputs[logical],
                }
                runs = []
                for n in range(args.runs):
                    folder = Path(tmp) / f"{logical}-{n}"
                    folder.mkdir()
                    runs.append(
                        run_child({**base, "result_path": str(folder / "result.json")}, env, folder)
                    )
                calls_salesforce = len(stack.salesforce.calls) > sf_before
                netsuite_calls = (stack.netsuite_api_calls() - ns_before) // max(1, args.runs)
                if args.profile_dir:
                    args.profile_dir.mkdir(parents=True, exist_ok=True)
                    folder = Path(tmp) / f"{logical}-profile"
                    folder.mkdir()
                    run_child(
                        {**base, "result_path": str(folder / "result.json")},
                        env,
                        folder,
                        args.profile_dir / f"{logical}.prof",
                    )
                times = [r["ms"] for r in runs if r.get("ms") is not None]
                imports = [r["import_ms"] for r in runs if r.get("import_ms") is not None]
                errors = [r["error"] for r in runs if r.get("error")]
                measured[logical] = {
                    "ms": round(statistics.median(times), 1) if times else None,
                    "min": round(min(times), 1) if times else None,
                    "max": round(max(times), 1) if times else None,
                    "import_ms": round(statistics.median(imports), 1) if imports else None,
                    "calls_salesforce": calls_salesforce,
                    "netsuite_calls": netsuite_calls,
                    "error": errors[0] if errors else None,
                    "modules": runs[-1].get("modules", []) if runs else [],
                }
    rows = []
    for logical, m in measured.items():
        kind = "salesforce" if m.get("calls_salesforce") else "netsuite"
        ok = m["ms"] is not None and not m.get("error") and m["ms"] <= GOAL_MS[kind]
        rows.append(
            (
                logical.removesuffix("Function"),
                m["ms"],
                m.get("min"),
                m.get("max"),
                m.get("import_ms"),
                "yes" if m.get("calls_salesforce") else "no",
                f"<= {GOAL_MS[kind]:.0f}",
                "yes" if ok else "NO",
                " ".join(m.get("modules", [])),
            )
        )
    print(
        f"coldstart: handler import + first invocation in a fresh process, median of {args.runs} (ms)"
    )
    print_table(
        [
            "function",
            "median",
            "min",
            "max",
            "of which import",
            "Salesforce",
            "goal",
            "met",
            "heavy modules loaded",
        ],
        rows,
    )
    for logical, m in measured.items():
        if m.get("error"):
            print(f"{logical} FAILED: {m['error'].splitlines()[0] if m['error'] else ''}")
    emit_result(
        {
            "functions": {
                logical.removesuffix("Function"): {
                    "ms": m["ms"],
                    "calls_salesforce": bool(m.get("calls_salesforce")),
                }
                for logical, m in measured.items()
            }
        }
    )
    return measured


if __name__ == "__main__":
    main()
