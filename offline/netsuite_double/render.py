"""Stored record -> the JSON a GET returns (docs/reference/netsuite.md §1.4, §1.5, §8.6 E2/E6).

``id`` as a string, ``links`` with ``self``, references as ``{"links": [], "id", "refName"}``,
enums as ``{"id", "refName"}``, sublists as a ``self`` link unless ``expandSubResources=true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schema import Field, Schema

SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
RECORD_PATH = "/services/rest/record/v1"

RefName = Callable[[str, str], "str | None"]

_ENUM_LABELS = {
    "ONETIME": "One Time",
    "SEMIANNUALLY": "Semiannually",
    "SubscriPlan": "Subscription Plan",
    "PENDING_ACTIVATION": "Pending Activation",
    "NOT_INCLUDED": "Not Included",
}
_LINE_TYPE_LABELS = {"1": "One-Time", "2": "Recurring", "3": "Usage"}


def enum_label(spec: Field, value: str) -> str:
    if spec.name == "subscriptionLineType" and value in _LINE_TYPE_LABELS:
        return _LINE_TYPE_LABELS[value]
    if spec.name == "country":
        return value
    if value in _ENUM_LABELS:
        return _ENUM_LABELS[value]
    if value.isupper() or "_" in value:
        return " ".join(word.capitalize() for word in value.split("_"))
    return value


def collection(self_href: str, items: list[Any]) -> dict[str, Any]:
    """An expanded sublist / collection envelope (single page)."""
    return {
        "links": [{"rel": "self", "href": self_href}],
        "items": items,
        "count": len(items),
        "hasMore": False,
        "offset": 0,
        "totalResults": len(items),
    }


def page_links(href: str, limit: int, offset: int, total: int) -> list[dict[str, str]]:
    """The ``links`` of one page of a collection or SuiteQL result.

    Oracle lists the relations ``first``, ``prev``, ``next``, ``last`` and ``self`` for paged
    collections (docs/reference/netsuite.md §4, O:section_156414087576); ``prev`` and ``next``
    appear only where such a page exists.
    """
    last = max(0, (total - 1) // limit * limit)

    def link(rel: str, at: int) -> dict[str, str]:
        return {"rel": rel, "href": f"{href}?limit={limit}&offset={at}"}

    links = [link("self", offset), link("first", 0)]
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    if offset + limit < total:
        links.append(link("next", offset + limit))
    links.append(link("last", last))
    return links


class Renderer:
    def __init__(self, schema: Schema, ref_name: RefName, base_url: str) -> None:
        self.schema = schema
        self.ref_name = ref_name
        self.base_url = base_url
        self.simple_enums = False

    def href(self, record_type: str, rid: str, *rest: str) -> str:
        return "/".join([f"{self.base_url}{RECORD_PATH}/{record_type}/{rid}", *rest])

    def record(
        self,
        record_type: str,
        record: dict[str, Any],
        *,
        expand: bool = False,
        fields: set[str] | None = None,
    ) -> dict[str, Any]:
        rid = str(record["id"])
        specs = self.schema.fields(record_type)
        out: dict[str, Any] = {"links": [{"rel": "self", "href": self.href(record_type, rid)}]}
        for name, value in record.items():
            if name == "id" or (fields is not None and name not in fields):
                continue
            spec = specs.get(name)
            if spec is None:
                out[name] = value
            elif spec.kind in ("sublist", "refs"):
                self_href = self.href(record_type, rid, name)
                if expand:
                    out[name] = collection(self_href, self.items(spec, value))
                else:
                    out[name] = {"links": [{"rel": "self", "href": self_href}]}
            else:
                out[name] = self.value(spec, value)
        out["id"] = rid
        return out

    def items(self, spec: Field, value: dict[str, Any]) -> list[Any]:
        if spec.kind == "refs":
            return [self.reference(spec.target or "", ref["id"]) for ref in value.get("items", [])]
        return [self.element(spec.target or "", e) for e in value.get("items", [])]

    def element(self, definition: str, element: dict[str, Any]) -> dict[str, Any]:
        specs = self.schema.fields(definition)
        out: dict[str, Any] = {"links": []}
        for name, value in element.items():
            spec = specs.get(name)
            if spec is None:
                out[name] = value
            elif spec.kind in ("sublist", "refs"):
                out[name] = {"items": self.items(spec, value)}
            else:
                out[name] = self.value(spec, value)
        return out

    def value(self, spec: Field, value: Any) -> Any:
        if spec.kind == "ref":
            return self.reference(spec.target or "", value["id"])
        if spec.kind == "enum":
            if self.simple_enums:
                return value["id"]
            return {"id": value["id"], "refName": enum_label(spec, value["id"])}
        if spec.kind == "subrecord":
            return self.element(spec.target or "", value)
        return value

    def reference(self, target: str, rid: str) -> dict[str, Any]:
        ref: dict[str, Any] = {"links": [], "id": rid}
        name = self.ref_name(target, rid)
        if name is not None:
            ref["refName"] = name
        return ref
