"""The org: schema and records from a snapshot, plus an overlay of writes persisted on disk.

Snapshot format (JSON)::

    {
      "orgId": "00D5f000005KcCnEAK",
      "records": {"Opportunity": [{"Id": "006...", "Name": "...", "AccountId": "001...",
                                    "NetSuite_Id__c": null, ...}], ...},
      "fields": {"OpportunityContactRole": ["Id", "OpportunityId", "ContactId", "Role"]},
      "relationships": {
        "parents": {"SBQQ__QuoteLine__c": {"Custom_Thing__r": {"field": "Custom_Thing__c",
                                                               "sObject": "Thing__c"}}},
        "children": {"Account": {"Things__r": {"sObject": "Thing__c", "field": "Account__c"}}}
      },
      "limits": {"DailyApiRequests": 100000}
    }

A field exists on an sObject when it is a key of any of its records (snapshots list nulls
explicitly), is declared under ``fields`` (a list of names, for objects with no records, or a
``{"name": type}`` map to pin the type of an all-null field; types are ``id``, ``boolean``,
``double``, ``date``, ``datetime``, ``string``), or is ``Id``. Other field types are inferred
from the values; they drive SOQL literal checks and write coercion as the real schema
would. Relationships are the built-in CPQ/standard ones whose lookup field exists, lookups inferred
from id values (``Foo__c`` holding ids of a known object gives ``Foo__r``; ``FooId`` gives
``Foo``), and the snapshot's ``relationships`` (which win).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cpq_schema
from .errors import ApiError, not_found
from .metadata import FieldMeta

OVERLAY_FILE = "salesforce_overlay.json"
ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$")
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

# System fields the API never lets a client write (besides Id).
READ_ONLY_FIELDS = frozenset(
    {
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "IsDeleted",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
    }
)
READ_ONLY_BY_OBJECT = {"Opportunity": frozenset({"IsWon", "IsClosed"})}

# (sObject, relationship, lookup field, target sObject)
BUILTIN_PARENTS: tuple[tuple[str, str, str, str], ...] = (
    ("Opportunity", "Account", "AccountId", "Account"),
    ("Opportunity", "SBQQ__PrimaryQuote__r", "SBQQ__PrimaryQuote__c", "SBQQ__Quote__c"),
    ("OpportunityContactRole", "Contact", "ContactId", "Contact"),
    ("OpportunityContactRole", "Opportunity", "OpportunityId", "Opportunity"),
    ("Contact", "Account", "AccountId", "Account"),
    ("Account", "Parent", "ParentId", "Account"),
    ("SBQQ__Quote__c", "SBQQ__PrimaryContact__r", "SBQQ__PrimaryContact__c", "Contact"),
    ("SBQQ__Quote__c", "SBQQ__Opportunity2__r", "SBQQ__Opportunity2__c", "Opportunity"),
    ("SBQQ__Quote__c", "SBQQ__Account__r", "SBQQ__Account__c", "Account"),
    ("SBQQ__Quote__c", "SBQQ__SalesRep__r", "SBQQ__SalesRep__c", "User"),
    ("SBQQ__QuoteLine__c", "SBQQ__Product__r", "SBQQ__Product__c", "Product2"),
    ("SBQQ__QuoteLine__c", "SBQQ__Quote__r", "SBQQ__Quote__c", "SBQQ__Quote__c"),
    ("SBQQ__QuoteLine__c", "SBQQ__RequiredBy__r", "SBQQ__RequiredBy__c", "SBQQ__QuoteLine__c"),
    (
        "SBQQ__QuoteLine__c",
        "SBQQ__ProductOption__r",
        "SBQQ__ProductOption__c",
        "SBQQ__ProductOption__c",
    ),
    ("SBQQ__QuoteLine__c", "SBQQ__Group__r", "SBQQ__Group__c", "SBQQ__QuoteLineGroup__c"),
    (
        "SBQQ__QuoteLine__c",
        "SBQQ__RenewedSubscription__r",
        "SBQQ__RenewedSubscription__c",
        "SBQQ__Subscription__c",
    ),
    (
        "SBQQ__QuoteLine__c",
        "SBQQ__UpgradedSubscription__r",
        "SBQQ__UpgradedSubscription__c",
        "SBQQ__Subscription__c",
    ),
    ("Opportunity", "SBQQ__AmendedContract__r", "SBQQ__AmendedContract__c", "Contract"),
    ("Opportunity", "SBQQ__RenewedContract__r", "SBQQ__RenewedContract__c", "Contract"),
    ("SBQQ__Quote__c", "SBQQ__MasterContract__r", "SBQQ__MasterContract__c", "Contract"),
    ("SBQQ__Quote__c", "SBQQ__OriginalQuote__r", "SBQQ__OriginalQuote__c", "SBQQ__Quote__c"),
    ("Contract", "Account", "AccountId", "Account"),
    ("Contract", "SBQQ__Opportunity__r", "SBQQ__Opportunity__c", "Opportunity"),
    ("Contract", "SBQQ__Quote__r", "SBQQ__Quote__c", "SBQQ__Quote__c"),
    ("Contract", "SBQQ__RenewalOpportunity__r", "SBQQ__RenewalOpportunity__c", "Opportunity"),
    ("SBQQ__Subscription__c", "SBQQ__Contract__r", "SBQQ__Contract__c", "Contract"),
    ("SBQQ__Subscription__c", "SBQQ__Account__r", "SBQQ__Account__c", "Account"),
    ("SBQQ__Subscription__c", "SBQQ__Product__r", "SBQQ__Product__c", "Product2"),
    ("SBQQ__Subscription__c", "SBQQ__QuoteLine__r", "SBQQ__QuoteLine__c", "SBQQ__QuoteLine__c"),
    (
        "SBQQ__Subscription__c",
        "SBQQ__OriginalQuoteLine__r",
        "SBQQ__OriginalQuoteLine__c",
        "SBQQ__QuoteLine__c",
    ),
    (
        "SBQQ__Subscription__c",
        "SBQQ__RevisedSubscription__r",
        "SBQQ__RevisedSubscription__c",
        "SBQQ__Subscription__c",
    ),
    ("SBQQ__ProductOption__c", "SBQQ__Feature__r", "SBQQ__Feature__c", "SBQQ__ProductFeature__c"),
    ("SBQQ__ProductOption__c", "SBQQ__ConfiguredSKU__r", "SBQQ__ConfiguredSKU__c", "Product2"),
    ("SBQQ__ProductOption__c", "SBQQ__OptionalSKU__r", "SBQQ__OptionalSKU__c", "Product2"),
)
# On every sObject that has the lookup field.
GENERIC_PARENTS: tuple[tuple[str, str, str], ...] = (
    ("Owner", "OwnerId", "User"),
    ("CreatedBy", "CreatedById", "User"),
    ("LastModifiedBy", "LastModifiedById", "User"),
)
# (parent sObject, relationship, child sObject, child's lookup field)
BUILTIN_CHILDREN: tuple[tuple[str, str, str, str], ...] = (
    ("Opportunity", "OpportunityContactRoles", "OpportunityContactRole", "OpportunityId"),
    ("Opportunity", "SBQQ__Quotes2__r", "SBQQ__Quote__c", "SBQQ__Opportunity2__c"),
    ("SBQQ__Quote__c", "SBQQ__LineItems__r", "SBQQ__QuoteLine__c", "SBQQ__Quote__c"),
    ("SBQQ__Quote__c", "SBQQ__LineItemGroups__r", "SBQQ__QuoteLineGroup__c", "SBQQ__Quote__c"),
    ("Account", "Contacts", "Contact", "AccountId"),
    ("Account", "Opportunities", "Opportunity", "AccountId"),
    ("Account", "Contracts", "Contract", "AccountId"),
    ("Contract", "SBQQ__Subscriptions__r", "SBQQ__Subscription__c", "SBQQ__Contract__c"),
    (
        "SBQQ__Subscription__c",
        "SBQQ__Revisions__r",
        "SBQQ__Subscription__c",
        "SBQQ__RevisedSubscription__c",
    ),
)


def to_18(record_id: str) -> str:
    """The 18-character, case-insensitive-safe form of a 15- or 18-character id."""
    if len(record_id) != 15:
        return record_id
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(record_id[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX_CHARS[bits]
    return record_id + suffix


def id_key(record_id: str) -> str:
    """Ids compare on their first 15 characters, case-sensitively."""
    return record_id[:15]


def is_id(value: Any) -> bool:
    return isinstance(value, str) and ID_RE.match(value) is not None


def now_iso() -> str:
    """Salesforce's dateTime rendering: ``2026-03-04T17:21:08.000+0000``."""
    return format_datetime(dt.datetime.now(dt.UTC))


def format_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime:
    """Parse the ISO 8601 forms Salesforce accepts; raises ValueError."""
    if not DATETIME_RE.match(text):
        raise ValueError(text)
    normalized = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", normalized):
        normalized = normalized[:-2] + ":" + normalized[-2:]
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", normalized)
    assert m is not None
    frac = (m.group(2) or ".0")[1:7].ljust(6, "0")
    return dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{m.group(3)}")


@dataclass(frozen=True)
class Parent:
    name: str  # relationship name, canonical casing
    field: str  # lookup field on the source sObject
    target: str  # target sObject


@dataclass(frozen=True)
class Child:
    name: str
    sobject: str
    field: str  # lookup field on the child sObject


@dataclass
class SObject:
    name: str
    fields: dict[str, str] = field(default_factory=dict)  # lower -> canonical, schema order
    types: dict[str, str | None] = field(default_factory=dict)  # canonical -> type
    parents: dict[str, Parent] = field(default_factory=dict)  # lower rel name -> Parent
    children: dict[str, Child] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)  # id_key -> record
    prefixes: set[str] = field(default_factory=set)
    meta: dict[str, FieldMeta] = field(default_factory=dict)  # canonical -> deployed metadata

    def field(self, name: str) -> str | None:
        return self.fields.get(name.lower())

    def add_field(self, name: str) -> str:
        return self.fields.setdefault(name.lower(), name)


_MISSING = object()


class Transaction:
    """Writes applied to the org that can be rolled back (allOrNone) until committed."""

    def __init__(self, org: Org) -> None:
        self._org = org
        self._undo: list[tuple[dict[str, Any], str, Any, dict[str, Any], Any]] = []
        self._writes: list[dict[str, Any]] = []

    def savepoint(self) -> tuple[int, int]:
        return len(self._undo), len(self._writes)

    def rollback_to(self, point: tuple[int, int]) -> None:
        undo_len, writes_len = point
        while len(self._undo) > undo_len:
            record, name, old, overlay, old_overlay = self._undo.pop()
            if old is _MISSING:
                record.pop(name, None)
            else:
                record[name] = old
            if old_overlay is _MISSING:
                overlay.pop(name, None)
            else:
                overlay[name] = old_overlay
        del self._writes[writes_len:]

    def rollback(self) -> None:
        self.rollback_to((0, 0))

    def commit(self) -> None:
        if self._writes:
            self._org.persist()
            self._org.writes.extend(self._writes)
        self._undo.clear()
        self._writes = []

    def set(self, record: dict[str, Any], overlay: dict[str, Any], name: str, value: Any) -> None:
        self._undo.append(
            (record, name, record.get(name, _MISSING), overlay, overlay.get(name, _MISSING))
        )
        record[name] = value
        overlay[name] = value

    def log(self, write: dict[str, Any]) -> None:
        self._writes.append(write)


class Org:
    """Schema + records + persisted write overlay. Not thread-safe: the API serializes access."""

    def __init__(
        self,
        snapshot: dict[str, Any],
        overlay_path: Path,
        *,
        username: str | None = None,
        metadata: dict[str, dict[str, FieldMeta]] | None = None,
    ) -> None:
        self.org_id: str = snapshot.get("orgId") or "00D000000000001EAA"
        self.daily_api_limit = int(snapshot.get("limits", {}).get("DailyApiRequests", 100_000))
        self.overlay_path = overlay_path
        self.writes: list[dict[str, Any]] = []
        self._objects: dict[str, SObject] = {}
        self._global_ids: dict[str, tuple[SObject, dict[str, Any]]] = {}
        declared = cpq_schema.with_managed_fields(snapshot.get("fields", {}) or {})
        #: The integration user's field-level security per object (describe.py).
        self.field_access: dict[str, dict[str, dict[str, Any]]] = snapshot.get("fieldAccess") or {}
        for name, records in (snapshot.get("records") or {}).items():
            obj = self._object(name)
            for rec in records:
                if "Id" not in rec or not is_id(rec["Id"]):
                    raise ValueError(f"snapshot {name} record without a valid Id: {rec!r}")
                for key in rec:
                    obj.add_field(key)
                obj.records.append(copy.deepcopy(rec))
        for name, spec in declared.items():
            obj = self._object(name)
            for fname in spec:
                obj.add_field(fname)
        for obj in self._objects.values():
            canon_id = obj.fields.get("id", "Id")
            obj.fields = {"id": canon_id, **{k: v for k, v in obj.fields.items() if k != "id"}}
            for rec in obj.records:
                rec_id = rec["Id"]
                rec["Id"] = to_18(rec_id)
                obj.by_id[id_key(rec_id)] = rec
                obj.prefixes.add(rec_id[:3])
                self._global_ids[id_key(rec_id)] = (obj, rec)
        self._overlay: dict[str, dict[str, dict[str, Any]]] = self._load_overlay()
        self._build_relationships(snapshot.get("relationships") or {})
        for obj in self._objects.values():
            self._infer_types(obj, declared.get(obj.name))
            self._apply_metadata(obj, (metadata or {}).get(obj.name, {}))
            id_fields = [f for f, t in obj.types.items() if t == "id"]
            for rec in obj.records:  # the API always answers 18-character ids
                for fname in id_fields:
                    if is_id(rec.get(fname)):
                        rec[fname] = to_18(rec[fname])
        self.user_id = self._integration_user(username)

    # ----------------------------------------------------------------- schema

    def _object(self, name: str) -> SObject:
        obj = self._objects.get(name.lower())
        if obj is None:
            obj = self._objects[name.lower()] = SObject(name)
        return obj

    def sobject(self, name: str) -> SObject | None:
        return self._objects.get(name.lower())

    def _build_relationships(self, overrides: dict[str, Any]) -> None:
        def add_parent(src: str, rel: str, fk: str, target: str, *, force: bool = False) -> None:
            obj = self.sobject(src)
            if obj is None or (fk_canon := obj.field(fk)) is None:
                return
            if force or rel.lower() not in obj.parents:
                obj.parents[rel.lower()] = Parent(rel, fk_canon, target)

        for src, rel, fk, target in BUILTIN_PARENTS:
            add_parent(src, rel, fk, target)
        for obj in list(self._objects.values()):
            for rel, fk, target in GENERIC_PARENTS:
                add_parent(obj.name, rel, fk, target)
        for src, rels in (overrides.get("parents") or {}).items():
            for rel, spec in rels.items():
                self._object(src).add_field(spec["field"])
                add_parent(src, rel, spec["field"], spec["sObject"], force=True)
        self._infer_parents()
        for parent, rel, child, fk in BUILTIN_CHILDREN:
            self._add_child(parent, rel, child, fk)
        for parent, rels in (overrides.get("children") or {}).items():
            for rel, spec in rels.items():
                self._object(parent)
                self._object(spec["sObject"]).add_field(spec["field"])
                self._add_child(parent, rel, spec["sObject"], spec["field"], force=True)

    def _add_child(
        self, parent: str, rel: str, child: str, fk: str, *, force: bool = False
    ) -> None:
        parent_obj, child_obj = self.sobject(parent), self.sobject(child)
        if parent_obj is None or child_obj is None or (fk_canon := child_obj.field(fk)) is None:
            return
        if force or rel.lower() not in parent_obj.children:
            parent_obj.children[rel.lower()] = Child(rel, child_obj.name, fk_canon)

    def _infer_parents(self) -> None:
        """Lookups the snapshot implies: a ``Foo__c``/``FooId`` field holding ids of one object."""
        by_prefix: dict[str, set[str]] = {}
        for obj in self._objects.values():
            for prefix in obj.prefixes:
                by_prefix.setdefault(prefix, set()).add(obj.name)
        for obj in self._objects.values():
            known = {p.field for p in obj.parents.values()}
            for fname in obj.fields.values():
                if fname in known or fname == "Id":
                    continue
                if fname.endswith("__c"):
                    rel = fname[:-3] + "__r"
                elif fname.endswith("Id") and len(fname) > 2:
                    rel = fname[:-2]
                else:
                    continue
                values = [str(r[fname]) for r in obj.records if is_id(r.get(fname))]
                if not values or len(values) != sum(r.get(fname) is not None for r in obj.records):
                    continue
                targets = set().union(*(by_prefix.get(v[:3], set()) for v in values))
                if len(targets) == 1 and rel.lower() not in obj.parents:
                    obj.parents[rel.lower()] = Parent(rel, fname, targets.pop())

    def _infer_types(self, obj: SObject, declared: Any) -> None:
        fks = {p.field for p in obj.parents.values()}
        for fname in obj.fields.values():
            if fname == "Id" or fname in fks:
                obj.types[fname] = "id"
                continue
            values = [r[fname] for r in obj.records if r.get(fname) is not None]
            obj.types[fname] = _infer_type(values)
        if isinstance(declared, dict):
            for fname, ftype in declared.items():
                if ftype:
                    obj.types[obj.add_field(fname)] = ftype

    def _apply_metadata(self, obj: SObject, fields: dict[str, FieldMeta]) -> None:
        """Fields the project deploys exist on the object with their declared types."""
        for meta in fields.values():
            canon = obj.add_field(meta.name)
            obj.meta[canon] = meta
            if meta.value_type is not None:
                obj.types[canon] = meta.value_type

    # ----------------------------------------------------------------- records

    def get(self, obj: SObject, record_id: str | None) -> dict[str, Any] | None:
        if not record_id or not isinstance(record_id, str):
            return None
        return obj.by_id.get(id_key(record_id))

    def follow(self, record: dict[str, Any], parent: Parent) -> dict[str, Any] | None:
        target = self.sobject(parent.target)
        if target is None:
            return None
        return self.get(target, record.get(parent.field))

    def find_any(self, record_id: str) -> tuple[SObject, dict[str, Any]] | None:
        return self._global_ids.get(id_key(record_id))

    def objects(self) -> Iterable[SObject]:
        return self._objects.values()

    def _integration_user(self, username: str | None) -> str:
        users = self.sobject("User")
        if users is not None and username:
            for rec in users.records:
                if str(rec.get("Username", "")).lower() == username.lower():
                    return str(rec["Id"])
        digest = hashlib.sha256((username or "integration").encode()).hexdigest().upper()
        return to_18("005" + digest[:12])

    # ----------------------------------------------------------------- writes

    def transaction(self) -> Transaction:
        return Transaction(self)

    def update(
        self, tx: Transaction, sobject: str, record_id: Any, fields: dict[str, Any]
    ) -> tuple[str, str]:
        """Validate and apply one record update; returns (sObject, 18-char id).

        All fields are validated before any is applied, so a failed update leaves no trace.
        """
        obj = self.sobject(sobject) if isinstance(sobject, str) else None
        if obj is None:
            raise ApiError(
                404, "NOT_FOUND", f"The requested resource does not exist: sObject {sobject}"
            )
        if not isinstance(record_id, str) or not is_id(record_id):
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", [])
        record = self.get(obj, record_id)
        if record is None:
            found = self.find_any(record_id)
            if found is not None and found[0] is not obj:
                raise ApiError(
                    400,
                    "MALFORMED_ID",
                    f"{obj.name} ID: id value of incorrect type: {record_id}",
                    ["Id"],
                )
            raise not_found()
        changes: dict[str, Any] = {}
        for key, value in fields.items():
            canon = obj.field(key)
            if canon is None or canon == "Id":
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            if canon in READ_ONLY_FIELDS or canon in READ_ONLY_BY_OBJECT.get(obj.name, ()):
                raise ApiError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {canon}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                    [canon],
                )
            changes[canon] = self._coerce(obj, canon, value)
        for canon, value in changes.items():
            self._check_unique(obj, record, canon, value)
        rec_id = str(record["Id"])
        overlay = self._overlay.setdefault(obj.name, {}).setdefault(rec_id, {})
        for canon, value in changes.items():
            tx.set(record, overlay, canon, value)
        stamp = now_iso()
        for system, value in (
            ("LastModifiedDate", stamp),
            ("SystemModstamp", stamp),
            ("LastModifiedById", self.user_id),
        ):
            if (canon := obj.field(system)) is not None:
                tx.set(record, overlay, canon, value)
        tx.log({"sObject": obj.name, "Id": rec_id, "fields": changes, "at": stamp})
        return obj.name, rec_id

    def _coerce(self, obj: SObject, name: str, value: Any) -> Any:
        if value is None:
            return None
        ftype = obj.types.get(name)

        def bad() -> ApiError:
            kind = {str: "VALUE_STRING", bool: "VALUE_" + str(value).upper()}.get(
                type(value), "VALUE_NUMBER_INT" if isinstance(value, int) else "VALUE_NUMBER_FLOAT"
            )
            if isinstance(value, dict | list):
                kind = "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"
            return ApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {ftype} from {kind} value {value} or request "
                "may be missing a required field",
            )

        if isinstance(value, dict | list):
            raise bad()
        if ftype == "boolean":
            if not isinstance(value, bool):
                raise bad()
            return value
        if ftype == "double":
            if isinstance(value, bool):
                raise bad()
            if isinstance(value, int | float):
                return value
            try:
                return float(value)
            except ValueError:
                raise bad() from None
        if ftype == "date":
            if not isinstance(value, str) or not DATE_RE.match(value):
                raise bad()
            return value
        if ftype == "datetime":
            try:
                return format_datetime(parse_datetime(value))
            except (TypeError, ValueError):
                raise bad() from None
        if ftype == "id":
            if value == "":
                return None
            if not is_id(value):
                raise ApiError(
                    400, "MALFORMED_ID", f"{name}: id value of incorrect type: {value}", [name]
                )
            return to_18(value)
        meta = obj.meta.get(name)
        if ftype == "picklist":
            return self._picklist(meta, name, value, bad)
        if ftype == "string" and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        too_long = meta is not None and meta.length is not None and len(str(value)) > meta.length
        if meta is not None and isinstance(value, str) and too_long:
            raise ApiError(
                400,
                "STRING_TOO_LONG",
                f"{meta.label}: data value too large: {value[:40]}... (max length={meta.length})",
                [name],
            )
        return value

    @staticmethod
    def _picklist(
        meta: FieldMeta | None, name: str, value: Any, bad: Callable[[], ApiError]
    ) -> Any:
        """A picklist takes its values' API names; a restricted one nothing else."""
        if not isinstance(value, str):
            raise bad()
        if value == "":
            return None
        if meta is not None and meta.restricted and value not in meta.picklist:
            raise ApiError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{meta.label}: bad value for restricted picklist field: {value}",
                [name],
            )
        return value

    def _check_unique(self, obj: SObject, record: dict[str, Any], name: str, value: Any) -> None:
        """A unique field's value may be on one record only (case-insensitive unless declared
        case-sensitive): Salesforce answers DUPLICATE_VALUE naming the record that holds it."""
        meta = obj.meta.get(name)
        if meta is None or not meta.unique or not isinstance(value, str):
            return

        def key(text: str) -> str:
            return text if meta.case_sensitive else text.lower()

        for other in obj.records:
            held = other.get(name)
            if other is not record and isinstance(held, str) and key(held) == key(value):
                raise ApiError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: "
                    f"{other['Id']}",
                    [name],
                )

    # ----------------------------------------------------------------- persistence

    def _load_overlay(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self.overlay_path.exists():
            return {}
        data = json.loads(self.overlay_path.read_text())
        overlay: dict[str, dict[str, dict[str, Any]]] = data.get("records", {})
        for sobject, records in overlay.items():
            obj = self.sobject(sobject)
            if obj is None:
                continue
            for rec_id, fields in records.items():
                record = self.get(obj, rec_id)
                if record is None:
                    continue
                for name, value in fields.items():
                    record[obj.add_field(name)] = value
        return overlay

    def persist(self) -> None:
        tmp = self.overlay_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "records": self._overlay}, indent=1))
        os.replace(tmp, self.overlay_path)


def _infer_type(values: list[Any]) -> str | None:
    if not values:
        return None
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double"
    if all(isinstance(v, str) for v in values):
        if all(DATE_RE.match(v) for v in values):
            return "date"
        if all(DATETIME_RE.match(v) for v in values):
            return "datetime"
        return "string"
    return None
