"""The shipped JSON Schema of the mapping config is the one the pydantic model gives, and it
accepts the bundled configs."""

from __future__ import annotations

import json

import yaml

from tools.mapping_schema import SCHEMA_PATH, rendered

ROOT = SCHEMA_PATH.parents[1]


def test_the_shipped_schema_is_current_with_the_config_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == rendered(), (
        "run: python -m tools.mapping_schema"
    )


def test_the_schema_describes_rules_with_their_from_key_and_types() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    rule = schema["$defs"]["Rule"]
    assert "from" in rule["properties"] and rule["additionalProperties"] is False
    assert "select" in json.dumps(rule["properties"]["type"])


def test_the_bundled_configs_are_objects_the_schema_names_at_the_top_level() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for path in (
        ROOT / "offline/sample/mapping.yaml",
        ROOT / "layers/shared/closedwon/mapping.yaml",
    ):
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert set(config) <= set(schema["properties"]), path
