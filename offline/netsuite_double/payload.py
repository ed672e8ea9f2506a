"""Validate a request body against the schema and bring it into the stored form.

Stored form: references and enums as ``{"id": "<str>"}``, sublists and multi-selects as
``{"items": [...]}``, numbers and dates checked, ``None`` meaning "clear this field".
Errors are the documented 400 bodies with ``o:errorPath`` (docs/reference/netsuite.md §2.1, §8.6 E9).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from . import errors
from .schema import Field, Schema

RefCheck = Callable[[str, str], bool]
"""``ref_exists(target_type, id)``: whether a reference target exists."""

_INT = re.compile(r"^-?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_IGNORED_TOP_LEVEL = {"id", "refName"}


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        text = str(value).strip()
        return text or None
    return None


class Payload:
    """Normaliser for one request: what an unknown name does (``X-NetSuite-PropertyNameValidation``:
    ``error`` refuses it; ``warning``, the default, and ``ignore`` drop it, and ``warning`` adds it
    to ``warnings``) and how to check references.

    Names are matched case-insensitively: Oracle's own create example sends ``entityid`` and
    ``companyname`` for the schema's ``entityId`` and ``companyName`` (O:section_1545141395).
    """

    def __init__(
        self,
        schema: Schema,
        record_type: str,
        strict_names: bool,
        ref_exists: RefCheck,
        warnings: list[str] | None = None,
    ) -> None:
        self.schema = schema
        self.record_type = record_type
        self.strict_names = strict_names
        self.ref_exists = ref_exists
        self.warnings = warnings

    def normalize(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.malformed()
        return self._object(self.record_type, body, "", top_level=True)

    def _object(
        self, definition: str, body: dict[str, Any], prefix: str, *, top_level: bool = False
    ) -> dict[str, Any]:
        fields = self.schema.fields(definition)
        by_lower = {key.lower(): spec for key, spec in fields.items()}
        result: dict[str, Any] = {}
        for raw_name, value in body.items():
            path = f"{prefix}{raw_name}"
            spec = fields.get(raw_name) or by_lower.get(str(raw_name).lower())
            if spec is None or spec.read_only:
                if self.strict_names:
                    raise errors.unknown_field(path, self.record_type)
                if self.warnings is not None:
                    self.warnings.append(path)
                continue
            name = spec.name
            if name in _IGNORED_TOP_LEVEL and top_level:
                continue
            if name == "refName":
                continue
            if value is None:
                if top_level:
                    result[name] = None
                continue
            converted = self._value(spec, value, path)
            if converted is None and not top_level:
                continue
            result[name] = converted
        return result

    def _value(self, spec: Field, value: Any, path: str) -> Any:
        kind = spec.kind
        if kind == "sublist":
            return {"items": self._items(spec, value, path, self._element)}
        if kind == "refs":
            return {"items": self._items(spec, value, path, self._collection_ref)}
        if kind == "subrecord":
            if not isinstance(value, dict):
                raise errors.invalid_value(json.dumps(value), spec.name, path)
            return self._object(spec.target or "", value, f"{path}.")
        if kind == "ref":
            return self._ref(spec, value, path)
        if kind == "enum":
            return self._enum(spec, value, path)
        return self._scalar(spec, value, path)

    def _items(
        self, spec: Field, value: Any, path: str, convert: Callable[[Field, Any, str], Any]
    ) -> list[Any]:
        if not isinstance(value, dict) or not isinstance(value.get("items", []), list):
            raise errors.invalid_value(json.dumps(value), spec.name, path)
        return [
            convert(spec, element, f"{path}.items[{i}]")
            for i, element in enumerate(value.get("items", []))
        ]

    def _element(self, spec: Field, element: Any, path: str) -> dict[str, Any]:
        if not isinstance(element, dict):
            raise errors.invalid_value(json.dumps(element), spec.name, path)
        return self._object(spec.target or "", element, f"{path}.")

    def _collection_ref(self, spec: Field, element: Any, path: str) -> dict[str, str]:
        ref = _ref_id(element)
        if ref is None or not self.ref_exists(spec.target or "", ref):
            raise errors.invalid_value(ref if ref is not None else element, spec.name, path)
        return {"id": ref}

    def _ref(self, spec: Field, value: Any, path: str) -> dict[str, str] | None:
        if isinstance(value, dict) and not value:
            return None
        ref = _ref_id(value)
        if ref is None:
            # {"externalId": ..} references are undocumented for single-record writes (§1.5):
            # refuse them so the product never depends on them.
            raise errors.invalid_value(json.dumps(value), spec.name, path)
        if not self.ref_exists(spec.target or "", ref):
            raise errors.invalid_value(ref, spec.name, path)
        return {"id": ref}

    def _enum(self, spec: Field, value: Any, path: str) -> dict[str, str] | None:
        ref = _ref_id(value)
        if ref is None:
            if value == "" or (isinstance(value, dict) and value.get("id") in ("", None)):
                return None
            raise errors.invalid_value(json.dumps(value), spec.name, path)
        if spec.enum is not None and ref not in spec.enum:
            raise errors.invalid_value(ref, spec.name, path)
        if spec.name == "country" and not _COUNTRY.match(ref):
            raise errors.invalid_value(ref, spec.name, path)
        return {"id": ref}

    def _scalar(self, spec: Field, value: Any, path: str) -> Any:
        kind = spec.kind
        bad = errors.invalid_value(
            value if not isinstance(value, (dict, list)) else json.dumps(value), spec.name, path
        )
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise bad
        if kind == "integer":
            if isinstance(value, bool):
                raise bad
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INT.match(value.strip()):
                return int(value.strip())
            raise bad
        if kind == "number":
            if isinstance(value, bool):
                raise bad
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise bad from None
            raise bad
        if kind == "date":
            if not isinstance(value, str) or not _DATE.match(value):
                raise bad
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise bad from None
            return value
        if kind in ("string", "datetime"):
            if isinstance(value, (dict, list, bool)):
                raise bad
            return str(value)
        return value
