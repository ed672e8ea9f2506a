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


#: Each tier is a folder; its marker is set here so `pytest -m unit` (no I/O, milliseconds),
#: `-m integration` (adapters against the doubles and moto) and `-m e2e` (the offline stack)
#: select by what a test touches, and a test cannot sit in one tier while marked as another.
TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests_dir)
        tier = relative.parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(
                f"{relative}: every test lives under tests/{{{','.join(TIERS)}}}/"
            )
        item.add_marker(getattr(pytest.mark, tier))
