"""Write docs/mapping-config.schema.json, the mapping config's JSON Schema, from the pydantic model.

    python -m tools.mapping_schema

Editors that read JSON Schema (VS Code's YAML extension with a ``# yaml-language-server:
$schema=`` line, JetBrains IDEs) then validate and complete a mapping config as it is typed.
tests/unit/test_mapping_config_schema_file.py fails when the shipped file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "docs" / "mapping-config.schema.json"
# The shared package is deployed as a Lambda layer from layers/shared/ (as offline/ does).
if str(ROOT / "layers" / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "layers" / "shared"))

from closedwon.config import MappingConfig  # noqa: E402


def rendered() -> str:
    """The schema file's exact text."""
    schema = MappingConfig.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "closedwon mapping config (docs/mapping-config.md)",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_PATH.write_text(rendered(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
