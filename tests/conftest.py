from __future__ import annotations

import json
from pathlib import Path

import pytest

from closedwon.config import load_mapping_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "offline" / "sample"


@pytest.fixture
def sample_org() -> dict:
    return json.loads((SAMPLE / "org.json").read_text())


@pytest.fixture
def sample_config():
    return load_mapping_config(SAMPLE / "mapping.yaml")


@pytest.fixture
def sample_items() -> dict[str, str]:
    seed = json.loads((SAMPLE / "netsuite_seed.json").read_text())
    return {i["itemId"]: i["id"] for i in seed["item"]}
