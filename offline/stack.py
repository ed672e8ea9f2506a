"""The embedded offline stack: the real template, ASL and handlers; doubles for the SaaS ends.

- AWS: moto with the executing Step Functions interpreter; queues, bucket, table, functions and
  the state machine are created from template.yaml (:mod:`offline.aws_resources`), the event
  rule patterns are applied with moto's own EventBridge matcher. The changes the stack makes to
  moto are declared in :mod:`offline.moto_patches`.
- Salesforce: :mod:`offline.salesforce_double` over HTTPS on loopback, from an org snapshot.
- NetSuite: :mod:`offline.netsuite_double` over HTTP on loopback, persisted in SQLite.
- Credentials: generated key pairs, stored as Secrets Manager secrets exactly as in the cloud
  (:mod:`offline.credentials`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any, cast

from moto import mock_aws
from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from offline import moto_patches
from offline.aws_resources import ACCOUNT, REGION, STACK, create_resources
from offline.corpus import INTEGRATION_USER_ID
from offline.credentials import KeyPairs, pem_keypair, store_secrets
from offline.doubles import netsuite_double, salesforce_double
from offline.environment import FunctionOutput, ProcessEnvironment
from offline.executions import ExecutionResult, Executions
from offline.lambda_seam import LambdaRegistry
from offline.options import (
    DEFAULT_CONFIG,
    DEFAULT_ORG,
    DEFAULT_SEED,
    DEFAULT_STATE,
    SAMPLE_DIR,
    StackOptions,
)
from offline.template import ROOT, Resolver, load_template

__all__ = [
    "ACCOUNT",
    "DEFAULT_CONFIG",
    "DEFAULT_ORG",
    "DEFAULT_SEED",
    "DEFAULT_STATE",
    "REGION",
    "ROOT",
    "SAMPLE_DIR",
    "STACK",
    "ExecutionResult",
    "OfflineStack",
    "StackOptions",
    "pem_keypair",
]


def moto_patch_kinds(options: StackOptions) -> tuple[moto_patches.Kind, ...]:
    """Which declared moto patches a stack with these options applies."""
    kinds = [moto_patches.Kind.FIDELITY]
    if options.retry_time_scale != 1:
        kinds.append(moto_patches.Kind.CLOCK)
    if options.speed_patches:
        kinds.append(moto_patches.Kind.SPEED)
    return tuple(kinds)


class OfflineStack:
    """Context manager: ``with OfflineStack(options) as stack: stack.run_execution(event)``."""

    resolver: Resolver
    state_machine_arn: str
    definition: dict[str, Any]
    rule_patterns: dict[str, Any]
    dlq_url: str

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.state_dir = Path(self.options.state_dir)
        self.template = load_template()
        self.org_snapshot = json.loads(Path(self.options.org_path).read_text(encoding="utf-8"))
        self.seed = json.loads(Path(self.options.seed_path).read_text(encoding="utf-8"))
        self.org_id: str = self.org_snapshot["orgId"]
        self.lambdas = LambdaRegistry()
        self.outputs: dict[str, str] = {}
        self._running = False
        self._environment = ProcessEnvironment()
        self._function_output = FunctionOutput(self.options.lambda_log_path)
        self._undo = contextlib.ExitStack()
        self._executions: Executions | None = None

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
        self._function_output.start()
        keys = KeyPairs()
        self.salesforce = salesforce_double(
            self.options, self.org_snapshot, self.state_dir, keys.salesforce[1]
        )
        self.netsuite = netsuite_double(self.options, self.seed, self.state_dir, keys.netsuite[1])
        sf_url = self.salesforce.start()
        ns_url = self.netsuite.start()
        self._environment.set(
            {
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "offline",
                "AWS_SECRET_ACCESS_KEY": "offline",
                "AWS_SESSION_TOKEN": "offline",
                "AWS_PROFILE": None,
                "REQUESTS_CA_BUNDLE": self.salesforce.ca_bundle,
                # The doubles listen on loopback (the NetSuite one in plain http): closedwon.egress.
                "CLOSEDWON_OFFLINE_LOOPBACK": "true",
                "MAPPING_CONFIG_PATH": str(self.options.config_path),
                "POWERTOOLS_METRICS_NAMESPACE": "ClosedWonSync",
                "POWERTOOLS_SERVICE_NAME": "closedwon-sync",
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        self._undo.enter_context(
            mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        )
        self._undo.enter_context(
            moto_patches.applied(
                moto_patches.of_kind(*moto_patch_kinds(self.options)),
                moto_patches.PatchContext(
                    lambdas=self.lambdas, retry_time_scale=self.options.retry_time_scale
                ),
            )
        )
        sf_secret, ns_secret = store_secrets(
            REGION, keys, sf_url, ns_url, self.netsuite.auth_config
        )
        parameters = {
            "SalesforceOrgId": self.org_id,
            "PartnerEventBusName": f"aws.partner/salesforce.com/{self.org_id}/0YLOFFLINE000001",
            "SalesforceSecretArn": sf_secret,
            "NetSuiteSecretArn": ns_secret,
            "RunbookBaseUrl": (ROOT / "docs" / "runbook.md").as_uri(),
            "IntegrationUserId": INTEGRATION_USER_ID,
            **self.options.parameters,
        }
        resources = create_resources(
            self.template, parameters, self.lambdas, self.options.function_concurrency
        )
        self.resolver = resources.resolver
        self.state_machine_arn = resources.state_machine_arn
        self.definition = resources.definition
        self.rule_patterns = resources.rule_patterns
        self.outputs = resources.outputs
        self.dlq_url = resources.dlq_url
        self._executions = Executions(REGION, self.state_machine_arn, self.dlq_url, self.state_dir)
        self._executions.restore_dlq()

    def stop(self) -> None:
        """Stop everything and save the DLQ; calling it again does nothing."""
        if not self._running:
            return
        self._running = False
        if self._executions is not None:
            self._executions.save_dlq()
            self._executions = None
        self._function_output.stop()
        self._undo.close()
        for double in (getattr(self, "salesforce", None), getattr(self, "netsuite", None)):
            if double is not None:
                double.stop()
        self._environment.restore()
        self.lambdas.clear_containers()

    # ------------------------------------------------------------------ running events
    @property
    def executions(self) -> Executions:
        if self._executions is None:
            raise RuntimeError("the offline stack is not running: start() it first")
        return self._executions

    def netsuite_api_calls(self) -> int:
        """NetSuite REST/SuiteQL requests so far (the double counts token fetches separately)."""
        return int(self.netsuite.stats["requests"])

    def matching_rule(self, event: dict[str, Any]) -> str | None:
        """The template rule that would deliver this event (offline accepts both trigger modes)."""
        for name, pattern in self.rule_patterns.items():
            if EventPattern.load(json.dumps(pattern)).matches_event(cast(EventMessageType, event)):
                return name
        return None

    def start_execution(self, payload: dict[str, Any], name: str | None = None) -> str:
        return self.executions.start(payload, name)

    def wait(self, arn: str, timeout_s: float = 300.0) -> ExecutionResult:
        return self.executions.wait(arn, timeout_s)

    def run_execution(self, payload: dict[str, Any], timeout_s: float = 300.0) -> ExecutionResult:
        return self.wait(self.start_execution(payload), timeout_s)

    def dlq_messages(self) -> list[dict[str, Any]]:
        """Every message on the DLQ, left in place."""
        return self.executions.dlq_messages()

    def delete_dlq_message(self, execution_arn: str | None) -> bool:
        """Delete the DLQ message of one failed execution (after its restart has an outcome)."""
        return self.executions.delete_dlq_message(execution_arn)
