"""Field types from the project's sfdx source (``salesforce/…/objects/<Object>/fields/*.xml``).

The double checks a write to a field the project defines the way Salesforce checks it against
the deployed metadata (docs/reference/salesforce.md §5; Salesforce Metadata API Developer Guide,
"CustomField"): a restricted picklist takes only its values, a text field at most ``length``
characters, a DateTime field only an ISO 8601 date-time. Objects and fields the project does not
define keep the types the org snapshot declares or its values imply (``org.py``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

SFDX_ROOT = Path(__file__).resolve().parents[2] / "salesforce"
_NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

# Metadata field type -> the double's value type (org.py's ``_coerce``).
_VALUE_TYPES = {
    "Checkbox": "boolean",
    "Currency": "double",
    "Date": "date",
    "DateTime": "datetime",
    "Email": "string",
    "LongTextArea": "string",
    "Number": "double",
    "Percent": "double",
    "Phone": "string",
    "Picklist": "picklist",
    "Html": "string",
    "Text": "string",
    "TextArea": "string",
    "Url": "string",
}
# Lengths the Metadata API fixes for types that carry none (Salesforce Help, "Custom Field Types").
_FIXED_LENGTHS = {"Email": 80, "Phone": 40, "TextArea": 255, "Url": 255}


@dataclass(frozen=True)
class FieldMeta:
    """One custom field as its ``.field-meta.xml`` defines it."""

    name: str
    label: str
    metadata_type: str
    value_type: str | None
    length: int | None = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False


def _text(element: ET.Element, tag: str) -> str | None:
    found = element.find(f"md:{tag}", _NS)
    return found.text if found is not None and found.text is not None else None


def parse_field(path: Path) -> FieldMeta:
    """A ``CustomField`` file; raises ValueError when it names no field or type."""
    root = ET.parse(path).getroot()
    name, kind = _text(root, "fullName"), _text(root, "type")
    if not name or not kind:
        raise ValueError(f"{path}: a CustomField needs fullName and type")
    length = _text(root, "length")
    values = tuple(
        v.text
        for v in root.findall("md:valueSet/md:valueSetDefinition/md:value/md:fullName", _NS)
        if v.text
    )
    return FieldMeta(
        name=name,
        label=_text(root, "label") or name,
        metadata_type=kind,
        value_type=_VALUE_TYPES.get(kind),
        length=int(length) if length else _FIXED_LENGTHS.get(kind),
        picklist=values,
        restricted=_text(root, "valueSet/md:restricted") == "true",
        external_id=_text(root, "externalId") == "true",
        unique=_text(root, "unique") == "true",
        case_sensitive=_text(root, "caseSensitive") == "true",
    )


def load_fields(sfdx_root: Path = SFDX_ROOT) -> dict[str, dict[str, FieldMeta]]:
    """``{sObject: {field: FieldMeta}}`` from every package directory of ``sfdx-project.json``."""
    project = sfdx_root / "sfdx-project.json"
    if not project.exists():
        return {}
    catalog: dict[str, dict[str, FieldMeta]] = {}
    for package in json.loads(project.read_text()).get("packageDirectories", []):
        base = sfdx_root / package["path"]
        for path in sorted(base.glob("**/objects/*/fields/*.field-meta.xml")):
            meta = parse_field(path)
            catalog.setdefault(path.parent.parent.name, {})[meta.name] = meta
    return catalog
