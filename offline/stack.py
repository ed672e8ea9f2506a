"""The embedded offline stack: the real template, ASL and handlers; doubles for the SaaS ends.

- AWS: moto with the executing Step Functions interpreter; queues, bucket, functions and the
  state machine are created from template.yaml (DefinitionSubstitutions resolved), the event
  rule patterns are applied with moto's own EventBridge matcher.
- Salesforce: :mod:`offline.salesforce_double` over HTTPS on loopback, from an org snapshot.
- NetSuite: :mod:`offline.netsuite_double` over HTTP on loopback, persisted in SQLite.
- Credentials: generated key pairs, stored as Secrets Manager secrets exactly as in the cloud.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from moto.events.models import EventPattern

from offline import journal
from offline.lambda_seam import LambdaRegistry
from offline.netsuite_double import AuthConfig, Behaviour, FaultConfig, NetSuiteDouble
from offline.netsuite_double.process import NetSuiteDoubleProcess
from offline.salesforce_double import SalesforceDouble, SalesforceFaults
from offline.template import ROOT, Resolver, function_properties, load_template, resources_of_type

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "closedwon-offline"
SAMPLE_DIR = ROOT / "offline" / "sample"
DEFAULT_ORG = SAMPLE_DIR / "org.json"
DEFAULT_SEED = SAMPLE_DIR / "netsuite_seed.json"
DEFAULT_CONFIG = SAMPLE_DIR / "mapping.yaml"
DEFAULT_STATE = ROOT / ".offline-state"
SF_CONSUMER_KEY = "offline-connected-app"
SF_USERNAME = "integration@offline.example"


def pem_keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class StackOptions:
    state_dir: Path = DEFAULT_STATE
    org_path: Path = DEFAULT_ORG
    seed_path: Path = DEFAULT_SEED
    config_path: Path = DEFAULT_CONFIG
    netsuite_latency_s: float = 0.0
    netsuite_concurrency_limit: int | None = None
    netsuite_faults: FaultConfig | None = None
    #: Account-level answers the docs leave open (no Location on upsert, 202 for every write).
    netsuite_behaviour: Behaviour | None = None
    #: Run the NetSuite double in its own process (benchmarks: its latency keeps its own clock).
    netsuite_in_process: bool = True
    salesforce_faults: SalesforceFaults | None = None
    #: Multiplies every ASL Retry interval (0 = retry at once; 1 = real time).
    retry_time_scale: float = 0.0
    parameters: dict[str, str] = field(default_factory=dict)
    function_concurrency: dict[str, int] = field(default_factory=dict)
    #: Where the functions' JSON logs and EMF metrics go (None: stdout, as in Lambda).
    lambda_log_path: Path | None = None


@dataclass
class ExecutionResult:
    arn: str
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: dict[str, Any] | None
    error: str | None
    cause: str | None


class OfflineStack:
    """Context manager: ``with OfflineStack(options) as stack: stack.run_execution(event)``."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.state_dir = Path(self.options.state_dir)
        self.template = load_template()
        self.org_snapshot = json.loads(Path(self.options.org_path).read_text(encoding="utf-8"))
        self.seed = json.loads(Path(self.options.seed_path).read_text(encoding="utf-8"))
        self.org_id: str = self.org_snapshot["orgId"]
        self.lambdas = LambdaRegistry()
        self.outputs: dict[str, str] = {}
        self._patches: list[Any] = []
        self._saved_env: dict[str, str | None] = {}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> OfflineStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._running = True  # from here on, stop() undoes whatever start() got to
        # moto's interpreter logs every failed state at ERROR with full internals; our reports say what failed.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._route_function_output()
        sf_private, sf_public = pem_keypair()
        ns_private, ns_public = pem_keypair()
        self.salesforce = SalesforceDouble(
            self.org_snapshot,
            self.state_dir / "salesforce",
            consumer_key=SF_CONSUMER_KEY,
            username=SF_USERNAME,
            public_key_pem=sf_public,
            faults=self.options.salesforce_faults,
        )
        double = NetSuiteDouble if self.options.netsuite_in_process else NetSuiteDoubleProcess
        self.netsuite = double(
            self.state_dir / "netsuite",
            self.seed,
            latency_s=self.options.netsuite_latency_s,
            concurrency_limit=self.options.netsuite_concurrency_limit,
            faults=self.options.netsuite_faults,
            auth=AuthConfig(public_key_pem=ns_public),
            behaviour=self.options.netsuite_behaviour,
        )
        sf_url = self.salesforce.start()
        ns_url = self.netsuite.start()
        self._set_env(
            {
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "offline",
                "AWS_SECRET_ACCESS_KEY": "offline",
                "AWS_SESSION_TOKEN": "offline",
                "AWS_PROFILE": None,
                "REQUESTS_CA_BUNDLE": self.salesforce.ca_bundle,
                "MAPPING_CONFIG_PATH": str(self.options.config_path),
                "POWERTOOLS_METRICS_NAMESPACE": "ClosedWonSync",
                "POWERTOOLS_SERVICE_NAME": "closedwon-sync",
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self._scale_retries(self.options.retry_time_scale)
        self._make_dynamodb_writes_atomic()
        self._reuse_interpreter_work()
        self.lambdas.install()
        secrets = boto3.client("secretsmanager", region_name=REGION)
        sf_secret = secrets.create_secret(
            Name="closedwon/salesforce",
            SecretString=json.dumps(
                {
                    "login_url": sf_url,
                    "consumer_key": SF_CONSUMER_KEY,
                    "username": SF_USERNAME,
                    "private_key": sf_private,
                }
            ),
        )["ARN"]
        ns_auth = self.netsuite.auth_config
        ns_secret = secrets.create_secret(
            Name="closedwon/netsuite",
            SecretString=json.dumps(
                {
                    "base_url": ns_url,
                    "account_id": ns_auth.realm,
                    "auth_method": "oauth2",
                    "client_id": ns_auth.client_id,
                    "certificate_id": ns_auth.certificate_id,
                    "private_key": ns_private,
                    "algorithm": "PS256",
                }
            ),
        )["ARN"]
        parameters = {
            "SalesforceOrgId": self.org_id,
            "PartnerEventBusName": f"aws.partner/salesforce.com/{self.org_id}/0YLOFFLINE000001",
            "SalesforceSecretArn": sf_secret,
            "NetSuiteSecretArn": ns_secret,
            "RunbookBaseUrl": (ROOT / "docs" / "runbook.md").as_uri(),
            **self.options.parameters,
        }
        self._create_resources(parameters)
        self._restore_dlq()

    def _route_function_output(self) -> None:
        """Send the functions' stdout (Powertools JSON logs, EMF metrics) to a log file."""
        self._log_file = None
        self._stdout: contextlib.redirect_stdout[Any] | None = None
        self._saved_streams: list[tuple[logging.StreamHandler[Any], Any]] = []
        if self.options.lambda_log_path is None:
            return
        from closedwon.observability import logger

        self._log_file = open(self.options.lambda_log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                # Swap the stream without setStream(): that flushes the old stream, which may be a
                # capture file a test runner has already closed.
                self._saved_streams.append((handler, handler.stream))
                handler.stream = self._log_file
        self._stdout = contextlib.redirect_stdout(self._log_file)
        self._stdout.__enter__()

    def _restore_dlq(self) -> None:
        """Put back the DLQ messages an earlier offline process left (moto state is in memory)."""
        sqs = boto3.client("sqs", region_name=REGION)
        for body in journal.load_dlq(self.state_dir):
            sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(body))

    def stop(self) -> None:
        """Stop everything and save the DLQ; calling it again does nothing."""
        if not getattr(self, "_running", False):
            return
        self._running = False
        if getattr(self, "dlq_url", None):
            journal.save_dlq(self.state_dir, [m["body"] for m in self.dlq_messages()])
        if getattr(self, "_stdout", None) is not None:
            self._stdout.__exit__(None, None, None)
            self._stdout = None
        for handler, stream in getattr(self, "_saved_streams", []):
            handler.stream = stream
        self._saved_streams = []
        if getattr(self, "_log_file", None) is not None:
            self._log_file.close()
            self._log_file = None
        self.lambdas.uninstall()
        for patch in reversed(self._patches):
            patch.stop()
        self._patches.clear()
        if getattr(self, "_mock", None):
            self._mock.stop()
        for stopper in (getattr(self, "salesforce", None), getattr(self, "netsuite", None)):
            if stopper is not None:
                stopper.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        self.lambdas.clear_containers()

    def _set_env(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _scale_retries(self, scale: float) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        real_sleep = time.sleep
        fake_time = mock.MagicMock(wraps=time)
        fake_time.sleep = lambda seconds: real_sleep(seconds * scale) if scale > 0 else None
        patch = mock.patch.object(retrier_decl, "time", fake_time)
        patch.start()
        self._patches.append(patch)

    def _make_dynamodb_writes_atomic(self) -> None:
        """DynamoDB evaluates a conditional write atomically per item; moto does not across threads.

        Without this, two Map iterations could both win the same semaphore slot offline, which
        real DynamoDB never allows (seen as 6 holders on 5 slots in bench/burst.py). One lock per
        item, as DynamoDB serialises per item: a single lock for every write made each one wait
        for all the others under a burst (a quarter-second per semaphore write).
        """
        from moto.dynamodb.models import DynamoDBBackend

        guard = threading.Lock()
        item_locks: dict[tuple[str, str], threading.Lock] = {}

        def lock_for(backend: Any, name: str, table_name: str, item_or_key: dict[str, Any]) -> Any:
            if name == "put_item":  # the key attributes are inside the item
                table = backend.get_table(table_name)
                attrs = (table.hash_key_attr, table.range_key_attr)
                item_or_key = {a: item_or_key.get(a) for a in attrs if a is not None}
            key = (table_name, json.dumps(item_or_key, sort_keys=True, default=str))
            with guard:
                return item_locks.setdefault(key, threading.Lock())

        for name in ("put_item", "update_item", "delete_item"):
            original = getattr(DynamoDBBackend, name)

            def atomic(
                self: Any,
                table_name: str,
                item_or_key: dict[str, Any],
                *args: Any,
                _original: Any = original,
                _name: str = name,
                **kwargs: Any,
            ) -> Any:
                with lock_for(self, _name, table_name, item_or_key):
                    return _original(self, table_name, item_or_key, *args, **kwargs)

            patch = mock.patch.object(DynamoDBBackend, name, atomic)
            patch.start()
            self._patches.append(patch)

    def _reuse_interpreter_work(self) -> None:
        """Stop moto redoing, per execution or per request, work AWS does not cost us at all.

        moto parses the ASL with ANTLR for every execution (~45 ms of CPU), every JSONPath for
        every state, builds a new boto3 client for every Task (~20 ms), and looks up backends
        and response methods the slow way on every request. Under a 300-deal burst
        that was a third of the bench process's CPU, all of it harness, none of it product. Parse
        once and hand each execution its own copy (the tree holds per-execution state such
        as retry counters); cache parsed paths; keep one client per (region, service).
        Guarded by tests/offline/test_seam_canary.py.
        """
        import functools
        import pickle

        from moto.core import responses as moto_responses
        from moto.core.base_backend import BackendDict
        from moto.stepfunctions.parser.asl.component.common.path import result_path
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
            lambda_eval_utils,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_sqs,
        )
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.asl.utils import json_path
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        parsed = functools.lru_cache(maxsize=8)(
            lambda definition: pickle.dumps(AmazonStateLanguageParser.parse(definition)[0])
        )

        def entrypoint(worker: Any) -> Any:
            definition = worker._evaluation_details.state_machine_details.definition
            return pickle.loads(parsed(definition))  # a fresh tree, 5x faster than deepcopy

        clients: dict[tuple[str, str], Any] = {}
        clients_lock = threading.Lock()
        build_client = lambda_eval_utils.boto_client_for

        def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            # moto's own builder ignores state_credentials too (fixed test keys)
            with clients_lock:
                if (region, service) not in clients:
                    clients[(region, service)] = build_client(region, service)
                return clients[(region, service)]

        def backend_for(backends: Any, account_id: str) -> Any:
            # moto takes one process-wide lock on every request just to find the account's
            # backend; under a burst every thread queues on it. Take it only to create one.
            try:
                return dict.__getitem__(backends, account_id)
            except KeyError:
                return backend_getitem(backends, account_id)

        backend_getitem = BackendDict.__getitem__
        # moto lists a response class's methods with inspect.getmembers on every request
        method_names = functools.lru_cache(maxsize=256)(moto_responses.method_names_from_class)
        for patch in (
            mock.patch.object(moto_responses, "method_names_from_class", method_names),
            # jsonpath_ng builds a new ply parser for every expression it parses: cache per path
            # (result_path uses jsonpath_ng's plain parser, json_path its extended one).
            mock.patch.object(json_path, "parse", functools.lru_cache(512)(json_path.parse)),
            mock.patch.object(result_path, "parse", functools.lru_cache(512)(result_path.parse)),
            mock.patch.object(BackendDict, "__getitem__", backend_for),
            mock.patch.object(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint),
            mock.patch.object(lambda_eval_utils, "boto_client_for", client_for),
            mock.patch.object(state_task_service_sqs, "boto_client_for", client_for),
        ):
            patch.start()
            self._patches.append(patch)

    # ------------------------------------------------------------------ resources from template.yaml
    def _create_resources(self, parameters: dict[str, str]) -> None:
        resolver = Resolver(
            self.template,
            parameters,
            {
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::StackName": STACK,
                "AWS::Partition": "aws",
            },
        )
        self.resolver = resolver
        sqs = boto3.client("sqs", region_name=REGION)
        for logical in resources_of_type(self.template, "AWS::SQS::Queue"):
            url = sqs.create_queue(QueueName=f"{STACK}-{logical}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            resolver.refs[logical] = url
            resolver.attrs[(logical, "Arn")] = arn
            resolver.attrs[(logical, "QueueName")] = f"{STACK}-{logical}"
        s3 = boto3.client("s3", region_name=REGION)
        for logical in resources_of_type(self.template, "AWS::S3::Bucket"):
            name = f"{STACK}-{logical}".lower()
            s3.create_bucket(Bucket=name)
            resolver.refs[logical] = name
            resolver.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for logical, res in resources_of_type(self.template, "AWS::DynamoDB::Table").items():
            props = res["Properties"]
            name = f"{STACK}-{logical}"
            dynamodb.create_table(
                TableName=name,
                BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
                AttributeDefinitions=props["AttributeDefinitions"],
                KeySchema=props["KeySchema"],
            )
            resolver.refs[logical] = name
            resolver.attrs[(logical, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        for logical in resources_of_type(self.template, "AWS::Logs::LogGroup"):
            resolver.refs[logical] = f"/offline/{logical}"
            resolver.attrs[(logical, "Arn")] = (
                f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/offline/{logical}"
            )
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(
            RoleName="offline-lambda",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        for logical in resources_of_type(self.template, "AWS::Serverless::Function"):
            props = function_properties(self.template, logical)
            env = {
                k: str(v) for k, v in resolver.resolve(props["Environment"]["Variables"]).items()
            }
            name = f"{STACK}-{logical}"
            arn = lam.create_function(
                FunctionName=name,
                Runtime=props["Runtime"],
                Role=role,
                Handler=props["Handler"],
                Code={"ZipFile": _placeholder_zip()},
                MemorySize=int(props.get("MemorySize", 128)),
                Timeout=int(props.get("Timeout", 3)),
            )["FunctionArn"]
            self.lambdas.register(
                name,
                logical,
                ROOT / props["CodeUri"],
                props["Handler"],
                env,
                int(props.get("MemorySize", 128)),
                reserved_concurrency=self.options.function_concurrency.get(
                    logical, props.get("ReservedConcurrentExecutions")
                ),
            )
            resolver.refs[logical] = name
            resolver.attrs[(logical, "Arn")] = arn
        sfn = boto3.client("stepfunctions", region_name=REGION)
        ((logical, machine),) = resources_of_type(
            self.template, "AWS::Serverless::StateMachine"
        ).items()
        props = machine["Properties"]
        definition = (ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        for key, value in resolver.resolve(props["DefinitionSubstitutions"]).items():
            definition = definition.replace("${" + key + "}", str(value))
        self.state_machine_arn = sfn.create_state_machine(
            name=resolver.resolve(props["Name"]),
            definition=definition,
            roleArn=role,
            type=props.get("Type", "STANDARD"),
        )["stateMachineArn"]
        resolver.refs[logical] = self.state_machine_arn
        self.definition = json.loads(definition)
        self.rule_patterns = {
            name: resolver.resolve(rule["Properties"]["EventPattern"])
            for name, rule in resources_of_type(self.template, "AWS::Events::Rule").items()
        }
        self.outputs = {
            k: str(resolver.resolve(v["Value"]))
            for k, v in self.template.get("Outputs", {}).items()
        }
        self.dlq_url = resolver.refs["DeadLetterQueue"]

    def netsuite_api_calls(self) -> int:
        """NetSuite REST/SuiteQL requests so far (the double counts token fetches separately)."""
        return int(self.netsuite.stats["requests"])

    # ------------------------------------------------------------------ running events
    def matching_rule(self, event: dict[str, Any]) -> str | None:
        """The template rule that would deliver this event (offline accepts both trigger modes)."""
        for name, pattern in self.rule_patterns.items():
            if EventPattern.load(json.dumps(pattern)).matches_event(event):
                return name
        return None

    def start_execution(self, payload: dict[str, Any], name: str | None = None) -> str:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        return str(
            sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name or str(uuid.uuid4()),
                input=json.dumps(payload),
            )["executionArn"]
        )

    def wait(self, arn: str, timeout_s: float = 300.0) -> ExecutionResult:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + timeout_s
        delay = 0.02
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                output = json.loads(desc["output"]) if desc.get("output") else None
                result = ExecutionResult(
                    arn, desc["status"], output, desc.get("error"), desc.get("cause")
                )
                self._journal(desc, result)
                return result
            if time.monotonic() > deadline:
                return ExecutionResult(
                    arn, "TIMED_OUT", None, "OfflineTimeout", f"still running after {timeout_s}s"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def _journal(self, desc: dict[str, Any], result: ExecutionResult) -> None:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        history = sfn.get_execution_history(executionArn=result.arn, maxResults=1000)["events"]
        journal.record_execution(self.state_dir, journal.entry(desc, history))

    def run_execution(self, payload: dict[str, Any], timeout_s: float = 300.0) -> ExecutionResult:
        return self.wait(self.start_execution(payload), timeout_s)

    def _receive_all(self) -> list[dict[str, Any]]:
        """Every DLQ message, hidden from other readers until released or deleted."""
        sqs = boto3.client("sqs", region_name=REGION)
        messages = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=300
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(
                {"receiptHandle": m["ReceiptHandle"], "body": json.loads(m["Body"])} for m in batch
            )

    def _release(self, messages: list[dict[str, Any]]) -> None:
        sqs = boto3.client("sqs", region_name=REGION)
        for m in messages:
            sqs.change_message_visibility(
                QueueUrl=self.dlq_url, ReceiptHandle=m["receiptHandle"], VisibilityTimeout=0
            )

    def dlq_messages(self) -> list[dict[str, Any]]:
        """Every message on the DLQ, left in place."""
        messages = self._receive_all()
        self._release(messages)
        return messages

    def delete_dlq_message(self, execution_arn: str | None) -> bool:
        """Delete the DLQ message of one failed execution (after its restart has an outcome)."""
        sqs = boto3.client("sqs", region_name=REGION)
        messages = self._receive_all()
        match = next((m for m in messages if m["body"].get("executionArn") == execution_arn), None)
        if match is not None:
            sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=match["receiptHandle"])
        self._release([m for m in messages if m is not match])
        return match is not None


_zip_lock = threading.Lock()
_zip_cache: bytes | None = None


def _placeholder_zip() -> bytes:
    """moto wants a code zip; the real code runs in-process through the seam."""
    global _zip_cache
    with _zip_lock:
        if _zip_cache is None:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as zf:
                zf.writestr(
                    "app.py",
                    "def handler(event, context):\n    raise RuntimeError('offline seam not installed')\n",
                )
            _zip_cache = buf.getvalue()
        return _zip_cache
