"""The two SaaS ends: the Salesforce double on an org snapshot, the NetSuite double on a seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offline.credentials import SF_CONSUMER_KEY, SF_USERNAME
from offline.netsuite_double import AuthConfig, NetSuiteDouble
from offline.netsuite_double.process import NetSuiteDoubleProcess
from offline.options import StackOptions
from offline.salesforce_double import SalesforceDouble


def salesforce_double(
    options: StackOptions, org_snapshot: dict[str, Any], state_dir: Path, public_key_pem: str
) -> SalesforceDouble:
    """The org's double, accepting JWTs signed by the connected app's key."""
    return SalesforceDouble(
        org_snapshot,
        state_dir / "salesforce",
        consumer_key=SF_CONSUMER_KEY,
        username=SF_USERNAME,
        public_key_pem=public_key_pem,
        faults=options.salesforce_faults,
    )


def netsuite_double(
    options: StackOptions, seed: dict[str, Any], state_dir: Path, public_key_pem: str
) -> NetSuiteDouble | NetSuiteDoubleProcess:
    """The account's double (in this process, or its own), with the options' latency and faults."""
    double = NetSuiteDouble if options.netsuite_in_process else NetSuiteDoubleProcess
    return double(
        state_dir / "netsuite",
        seed,
        latency_s=options.netsuite_latency_s,
        concurrency_limit=options.netsuite_concurrency_limit,
        faults=options.netsuite_faults,
        auth=AuthConfig(public_key_pem=public_key_pem),
        behaviour=options.netsuite_behaviour,
    )
