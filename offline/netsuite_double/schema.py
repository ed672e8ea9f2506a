"""The REST record schemas (2026.1) in schema/*.json, reduced to what the double needs.

A record definition is a mapping of field name to :class:`Field`. Field kinds:

* ``string`` / ``integer`` / ``number`` / ``boolean`` / ``date`` / ``datetime``: scalars;
* ``ref``: a reference (``{"id": ..}``) to ``target`` (a record type);
* ``enum``: an object whose ``.id`` row may list the allowed ids (``enum``);
* ``sublist``: ``{"items": [..]}`` of elements defined by ``target``;
* ``refs``: a multi-select collection (``{"items": [{"id": ..}]}``) of ``target`` records;
* ``subrecord``: a nested object defined by ``target`` (e.g. ``addressBookAddress``);
* ``links``: read-only ``nsLink[]``; ``object``: anything else.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).with_name("schema")

_NOT_RECORDS = {"ns.json", "operations.json"}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label: str
    target: str | None = None
    enum: tuple[str, ...] | None = None
    read_only: bool = False


def humanize(name: str) -> str:
    """``billingSchedule`` -> ``Billing Schedule`` (labels of reference fields are empty)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _scalar_kind(prop: dict[str, Any]) -> str:
    kind = prop["type"]
    if kind == "string":
        return {"date": "date", "date-time": "datetime"}.get(prop.get("format") or "", "string")
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    return "object"


def _build(definitions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Field]]:
    result: dict[str, dict[str, Field]] = {}
    for def_name, definition in definitions.items():
        props: dict[str, dict[str, Any]] = definition.get("properties", {})
        fields: dict[str, Field] = {}
        for name, prop in props.items():
            if "." in name or "[]" in name:
                continue
            label = prop.get("label") or humanize(name)
            ref = prop.get("ref")
            if prop["type"] == "nsLink[]":
                fields[name] = Field(name, "links", label, read_only=True)
            elif prop["type"] == "object" and f"{name}.id" in props:
                values = props[f"{name}.id"].get("enum")
                fields[name] = Field(name, "enum", label, enum=tuple(values) if values else None)
            elif ref and ref.endswith("Collection"):
                element = ref[: -len("Collection")] + "Element"
                if element in definitions:
                    fields[name] = Field(name, "sublist", label, target=element)
                else:
                    fields[name] = Field(name, "refs", label, target=ref[: -len("Collection")])
            elif ref and ref in definitions:
                fields[name] = Field(name, "subrecord", label, target=ref)
            elif ref:
                fields[name] = Field(name, "ref", label, target=ref)
            else:
                fields[name] = Field(name, _scalar_kind(prop), label, read_only=prop["readOnly"])
        result[def_name] = fields
    return result


class Schema:
    """All record definitions, keyed by definition name (``customer``,
    ``customer-addressBookElement``, ``customer-addressBook-addressBookAddress`` ...)."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        self.definitions: dict[str, dict[str, Field]] = {}
        self.record_types: list[str] = []
        for path in sorted(directory.glob("*.json")):
            if path.name in _NOT_RECORDS:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            self.record_types.append(data["record"])
            self.definitions.update(_build(data["definitions"]))

    def fields(self, definition: str) -> dict[str, Field]:
        return self.definitions.get(definition, {})

    def has_record(self, record_type: str) -> bool:
        return record_type in self.record_types

    def with_custom_fields(self, declared: dict[str, dict[str, str]]) -> Schema:
        """This schema plus an account's custom fields, ``{recordType: {scriptId: type}}``.

        NetSuite's metadata catalog describes a record's custom fields beside its standard ones,
        with their types, and the REST API works with them transparently (Oracle NetSuite Help,
        "Working with Resource Metadata",
        https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/chapter_1540810168.html),
        so the double writes, validates and returns them like standard fields.
        """
        extended = copy.copy(self)
        extended.definitions = dict(self.definitions)
        for record_type, fields in declared.items():
            if record_type not in self.definitions:
                raise ValueError(f"customFields: {record_type} is not a record type of the schema")
            own = dict(self.definitions[record_type])
            for script_id, kind in fields.items():
                if not _CUSTOM_ID.match(script_id):
                    raise ValueError(
                        f"customFields.{record_type}: '{script_id}' is not a script id"
                    )
                if kind not in _CUSTOM_KINDS:
                    raise ValueError(
                        f"customFields.{record_type}.{script_id}: type '{kind}' is not one of "
                        + ", ".join(_CUSTOM_KINDS)
                    )
                field_kind, target = _CUSTOM_KINDS[kind]
                own[script_id] = Field(script_id, field_kind, humanize(script_id), target=target)
            extended.definitions[record_type] = own
        return extended


_CUSTOM_ID = re.compile(r"^(custentity|custbody|custrecord|custcol)[a-z0-9_]+$")
#: Custom field types (as a seed declares them) -> (schema kind, reference target). Select and
#: multi-select values point into a custom list or record the double does not model, so their
#: ids are not checked against a table.
_CUSTOM_KINDS: dict[str, tuple[str, str | None]] = {
    "text": ("string", None),
    "select": ("ref", "nsResource"),
    "multiselect": ("refs", "nsResource"),
    "checkbox": ("boolean", None),
    "date": ("date", None),
    "integer": ("integer", None),
    "decimal": ("number", None),
}


@cache
def load_schema() -> Schema:
    """The packaged schema, parsed once per process."""
    return Schema()
