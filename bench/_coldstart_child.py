"""One cold start, in a fresh interpreter: import a function's handler, invoke it once, time both.

Run by bench/coldstart.py as ``python bench/_coldstart_child.py <spec.json>``, never imported.
The spec names the search path (function folder, layer, and for the built artifact the
runtime's SDK), the handler, the event and where to write the result. AWS calls go to
the parent's moto server (``AWS_ENDPOINT_URL`` in the environment), Salesforce and NetSuite to
the parent's doubles (their URLs are in the secrets), so nothing is imported before the clock
starts except the standard library: boto3, Powertools, pydantic and the rest load inside the
measured import and first invocation, as in a Lambda cold start.
"""

import importlib
import json
import sys
import time
import traceback
import uuid


class Context:
    def __init__(self, name: str, memory_mb: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "coldstart"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    # What the Lambda runtime puts first on the path: the function's code, then the layer.
    sys.path[:0] = spec["search_path"]
    module_name, attr = spec["handler"].rsplit(".", 1)
    event = spec["event"]
    context = Context(spec["function_name"], spec["memory_mb"])
    error = None
    imported = None
    started = time.perf_counter()
    cpu_started = time.process_time()
    try:
        handler = getattr(importlib.import_module(module_name), attr)
        imported = time.perf_counter()
        handler(event, context)
    except Exception as exc:  # a failed first invocation is reported, not hidden
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000
    with open(spec["result_path"], "w", encoding="utf-8") as f:
        import_ms = (imported - started) * 1000 if imported is not None else None
        json.dump(
            {
                "ms": elapsed_ms,
                "import_ms": import_ms,
                "cpu_ms": cpu_ms,
                "error": error,
            },
            f,
        )


if __name__ == "__main__":
    main()
