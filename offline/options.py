"""What an offline stack runs on (org snapshot, NetSuite seed, mapping config, state folder) and
how it behaves (latency, limits, faults, retry clock, which moto patches)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline.netsuite_double import Behaviour, FaultConfig
from offline.salesforce_double import SalesforceFaults
from offline.template import ROOT

SAMPLE_DIR = ROOT / "offline" / "sample"
DEFAULT_ORG = SAMPLE_DIR / "org.json"
DEFAULT_SEED = SAMPLE_DIR / "netsuite_seed.json"
DEFAULT_CONFIG = SAMPLE_DIR / "mapping.yaml"
DEFAULT_STATE = ROOT / ".offline-state"


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
    #: Also apply the moto patches that only save CPU (offline/moto_patches.py; benchmarks).
    speed_patches: bool = False

    @classmethod
    def in_folder(
        cls,
        folder: Path,
        org: dict[str, Any],
        seed: dict[str, Any],
        *,
        name: str = "",
        **options: Any,
    ) -> StackOptions:
        """Options for a stack on ``org`` and ``seed``, written as JSON into ``folder``.

        State goes to ``folder/state`` unless ``state_dir`` is given; ``name`` prefixes the two
        files, so several stacks can share one folder (and one state).
        """
        folder.mkdir(parents=True, exist_ok=True)
        org_path, seed_path = folder / f"{name}org.json", folder / f"{name}netsuite_seed.json"
        org_path.write_text(json.dumps(org), encoding="utf-8")
        seed_path.write_text(json.dumps(seed), encoding="utf-8")
        options.setdefault("state_dir", folder / "state")
        return cls(org_path=org_path, seed_path=seed_path, **options)
