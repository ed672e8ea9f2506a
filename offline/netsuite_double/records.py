"""The record service: create, upsert by externalId, merge updates, read, delete, seed, dump.

Every operation runs inside one store transaction, so validation, SuiteBilling side effects and
the write are atomic and concurrent requests for one externalId are serialised (docs/reference/netsuite.md §8.7).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .behaviour import Behaviour
from .billing import Billing
from .payload import Payload
from .render import RECORD_PATH, Renderer, collection, page_links
from .schema import Schema
from .store import DuplicateExternalId, Store

# Record types the product writes; dump() covers exactly these (seed lookup tables excluded).
PRODUCT_TYPES = (
    "customer",
    "contact",
    "billingAccount",
    "subscriptionTerm",
    "subscriptionPlan",
    "pricePlan",
    "priceBook",
    "subscription",
    "subscriptionChangeOrder",
)

# Mandatory fields per type (§8.7); customer and contact names are checked in _missing().
_REQUIRED = {
    "customer": ["subsidiary"],
    "contact": ["subsidiary"],
    "billingAccount": ["customer", "billingSchedule", "startDate", "currency", "subsidiary"],
    "subscriptionPlan": ["itemId", "initialTerm", "member"],
    "priceBook": ["subscriptionPlan", "currency", "name"],
    "pricePlan": ["currency", "pricePlanType", "priceTiers"],
    "subscription": ["customer", "initialTerm", "subscriptionPlan", "priceBook"],
    "subscriptionChangeOrder": ["action", "subscription", "effectiveDate"],
    "subscriptionTerm": ["name", "subscriptionTermDuration", "subscriptionTermUnit"],
}

# Seed keys accepted for a table under another name (customer.terms references "term").
_SEED_ALIASES = {"terms": "term"}

# The item record types of the REST API Browser 2026.1 record list: each reads the shared
# ``item`` table, restricted to its own ``itemType``. ``item`` itself is a SuiteQL table, not a
# REST record type (docs/reference/netsuite.md §5.0).
ITEM_RECORD_TYPES = {
    name.lower(): name
    for name in (
        "assemblyItem",
        "descriptionItem",
        "discountItem",
        "downloadItem",
        "giftCertificateItem",
        "inventoryItem",
        "itemGroup",
        "kitItem",
        "lotNumberedAssemblyItem",
        "lotNumberedInventoryItem",
        "markupItem",
        "nonInventoryPurchaseItem",
        "nonInventoryResaleItem",
        "nonInventorySaleItem",
        "otherChargePurchaseItem",
        "otherChargeResaleItem",
        "otherChargeSaleItem",
        "paymentItem",
        "salesTaxItem",
        "serializedAssemblyItem",
        "serializedInventoryItem",
        "servicePurchaseItem",
        "serviceResaleItem",
        "serviceSaleItem",
        "shipItem",
        "subtotalItem",
    )
}

_LIST_QUERY = re.compile(r'^\s*(\w+)\s+IS\s+"([^"]*)"\s*$', re.IGNORECASE)


@dataclass
class WriteOptions:
    """Per-request write settings taken from headers and query parameters."""

    strict_names: bool = False
    replace: set[str] = field(default_factory=set)
    replace_selected: bool = False
    #: Filled with the paths of dropped unknown names when the client asked for warnings.
    warnings: list[str] | None = None


@dataclass
class ReadOptions:
    expand: bool = False
    fields: set[str] | None = None
    simple_enums: bool = False


def _has(value: Any) -> bool:
    if value is None or value == "":
        return False
    return not (isinstance(value, dict) and "items" in value and not value["items"])


def _is_coterm(term: dict[str, Any], behaviour: Behaviour) -> bool:
    """A term of the co-terming type has no duration: its subscriptions carry their end date."""
    kind = term.get("subscriptionTermType")
    return isinstance(kind, dict) and kind.get("id") == behaviour.coterm_term_type


class RecordService:
    def __init__(self, store: Store, schema: Schema, behaviour: Behaviour | None = None) -> None:
        self.store = store
        self.schema = schema
        self.behaviour = behaviour or Behaviour()
        for record_type in [*schema.record_types, "item"]:
            store.register_type(record_type)
        self._types = store.record_types()
        self.billing = Billing(self)

    # --- names and references -------------------------------------------------------------

    def canonical_type(self, raw: str) -> str | None:
        """Case-insensitive table name (seed keys, SuiteQL); item subtypes read ``item``."""
        lower = raw.lower()
        if lower in self._types:
            return self._types[lower]
        if lower in ITEM_RECORD_TYPES:
            return "item"
        return None

    def rest_type(self, raw: str) -> tuple[str, str | None] | None:
        """``(table, item subtype)`` for a REST record type in a URL, or None for a name that is
        no REST record type (``item`` included). Record type names are case-insensitive."""
        lower = raw.lower()
        if lower in ITEM_RECORD_TYPES:
            return "item", ITEM_RECORD_TYPES[lower]
        if lower == "item" or lower not in self._types:
            return None
        return self._types[lower], None

    def table_for(self, target: str) -> str | None:
        """The table a reference of schema type ``target`` points into (None: not checked)."""
        if target == "nsResource":
            return None
        if target.lower().endswith("item"):
            return "item"
        return target

    def ref_exists(self, target: str, rid: str) -> bool:
        table = self.table_for(target)
        return table is None or self.store.get(table, rid) is not None

    def ref_name(self, target: str, rid: str) -> str | None:
        table = self.table_for(target)
        record = self.store.get(table, rid) if table else None
        if record is None:
            return None
        person = " ".join(str(record[k]) for k in ("firstName", "lastName") if record.get(k))
        lower = (table or "").lower()
        if lower == "customer":
            return record.get("companyName") or person or record.get("entityId")
        if lower == "contact":
            return record.get("entityId") or person
        for key in ("itemId", "name", "companyName", "entityId", "symbol", "displayName"):
            if record.get(key):
                return str(record[key])
        return None

    def resolve(self, record_type: str, key: str, item_type: str | None = None) -> dict[str, Any]:
        """The stored record for ``<id>`` or ``eid:<externalId>``, else 404 (E10).

        An item read through a subtype (``serviceSaleItem``) must be of that subtype; a seeded
        item without ``itemType`` is readable through any."""
        if key.startswith("eid:"):
            rid = self.store.id_for_external_id(record_type, key[4:])
            record = self.store.get(record_type, rid) if rid else None
        else:
            record = self.store.get(record_type, key) if key.isdigit() else None
        if record is not None and item_type is not None:
            stored = str(record.get("itemType") or item_type)
            if stored.lower() != item_type.lower():
                record = None
        if record is None:
            raise errors.not_found()
        return record

    def renderer(self, base_url: str, simple_enums: bool = False) -> Renderer:
        renderer = Renderer(self.schema, self.ref_name, base_url)
        renderer.simple_enums = simple_enums
        return renderer

    # --- reads --------------------------------------------------------------------------------

    def get(
        self,
        record_type: str,
        key: str,
        base_url: str,
        opts: ReadOptions,
        item_type: str | None = None,
    ) -> dict[str, Any]:
        with self.store.transaction():
            record = self.resolve(record_type, key, item_type)
            fields = None if opts.fields is None else opts.fields | {"id", "links"}
            return self.renderer(base_url, opts.simple_enums).record(
                record_type, record, expand=opts.expand, fields=fields
            )

    def get_sublist(self, record_type: str, key: str, name: str, base_url: str) -> dict[str, Any]:
        with self.store.transaction():
            record = self.resolve(record_type, key)
            spec = self.schema.fields(record_type).get(name)
            if spec is None or spec.kind not in ("sublist", "refs"):
                raise errors.not_found()
            renderer = self.renderer(base_url)
            items = renderer.items(spec, record.get(name, {"items": []}))
            return collection(renderer.href(record_type, record["id"], name), items)

    def collection_page(
        self, record_type: str, base_url: str, limit: int, offset: int, query: str | None
    ) -> dict[str, Any]:
        """``GET /<type>``: ids only, paged; ``q`` supports ``<field> IS "<value>"``."""
        records = self.store.all(record_type)
        if query:
            match = _LIST_QUERY.match(query)
            if not match:
                raise errors.invalid_parameter(
                    f'Invalid query: {query}. The offline double supports <field> IS "<value>".',
                    errorQueryParam="q",
                )
            name, value = match.group(1), match.group(2)
            records = [r for r in records if _scalar_text(r.get(name)) == value]
        page = records[offset : offset + limit]
        href = f"{base_url}{RECORD_PATH}/{record_type}"
        return {
            "links": page_links(href, limit, offset, len(records)),
            "count": len(page),
            "hasMore": offset + limit < len(records),
            "offset": offset,
            "totalResults": len(records),
            "items": [
                {"links": [{"rel": "self", "href": f"{href}/{r['id']}"}], "id": str(r["id"])}
                for r in page
            ],
        }

    # --- writes -------------------------------------------------------------------------------

    def _payload(self, record_type: str, opts: WriteOptions) -> Payload:
        return Payload(self.schema, record_type, opts.strict_names, self.ref_exists, opts.warnings)

    def _writable(self, record_type: str) -> None:
        if not self.schema.has_record(record_type):
            raise errors.method_not_allowed()

    def create(self, record_type: str, body: Any, opts: WriteOptions) -> str:
        """POST: a new record; a taken externalId is the E4 "already exists" error."""
        with self.store.transaction():
            self._writable(record_type)
            self.billing.check_create(record_type)
            norm = self._payload(record_type, opts).normalize(body)
            return self._insert(record_type, self._merge(record_type, {}, norm, opts), norm)

    def upsert(self, record_type: str, external_id: str, body: Any, opts: WriteOptions) -> str:
        """PUT eid: create or merge-update; the URL's externalId is the record's externalId."""
        with self.store.transaction():
            self._writable(record_type)
            norm = self._payload(record_type, opts).normalize(body)
            if norm.get("externalId") not in (None, external_id):
                raise errors.invalid_value(norm["externalId"], "externalId", "externalId")
            norm["externalId"] = external_id
            rid = self.store.id_for_external_id(record_type, external_id)
            if rid is None:
                self.billing.check_create(record_type)
                return self._insert(record_type, self._merge(record_type, {}, norm, opts), norm)
            old = self.store.get(record_type, rid) or {}
            return self._update(record_type, old, norm, opts)

    def update(self, record_type: str, key: str, body: Any, opts: WriteOptions) -> str:
        """PATCH: merge the given fields; ``null`` clears; sublists append unless replaced."""
        with self.store.transaction():
            self._writable(record_type)
            old = self.resolve(record_type, key)
            norm = self._payload(record_type, opts).normalize(body)
            return self._update(record_type, old, norm, opts)

    def delete(self, record_type: str, key: str) -> None:
        with self.store.transaction():
            self._writable(record_type)
            record = self.resolve(record_type, key)
            self.billing.before_delete(record_type, record)
            if self._has_dependents(record_type, str(record["id"])):
                raise errors.user_error(
                    "This record cannot be deleted because it has dependent records."
                )
            self.store.delete(record_type, str(record["id"]))

    def _merge(
        self, record_type: str, old: dict[str, Any], norm: dict[str, Any], opts: WriteOptions
    ) -> dict[str, Any]:
        specs = self.schema.fields(record_type)
        keyed = self.billing.keyed_sublists(record_type)
        replace = {n for n in specs if n.lower() in {r.lower() for r in opts.replace}}
        if opts.replace_selected and replace:
            norm = {k: v for k, v in norm.items() if k in replace or k == "externalId"}
            norm.update({name: None for name in replace if name not in norm})
        new = copy.deepcopy(old)
        for name, value in norm.items():
            if name in keyed:
                continue
            kind = specs[name].kind
            if value is None:
                new.pop(name, None)
            elif kind in ("sublist", "refs") and name not in replace and name in new:
                new[name] = {"items": new[name]["items"] + value["items"]}
            else:
                new[name] = value
        for name in replace - set(norm) - keyed:
            if specs[name].kind in ("sublist", "refs"):
                new[name] = {"items": []}
        return new

    def _insert(self, record_type: str, record: dict[str, Any], norm: dict[str, Any]) -> str:
        if record_type == "billingAccount":
            self._default_subsidiary(record)
        self._check_required(record_type, record)
        self.billing.before_insert(record_type, record)
        try:
            rid = self.store.insert(record_type, record)
        except DuplicateExternalId:
            raise errors.already_exists() from None
        self.billing.after_insert(record_type, record, norm)
        return rid

    def _update(
        self, record_type: str, old: dict[str, Any], norm: dict[str, Any], opts: WriteOptions
    ) -> str:
        new = self._merge(record_type, old, norm, opts)
        self._check_required(record_type, new)
        self.billing.before_update(record_type, old, new, norm)
        try:
            self.store.update(record_type, new)
        except DuplicateExternalId:
            raise errors.already_exists() from None
        return str(new["id"])

    def _default_subsidiary(self, record: dict[str, Any]) -> None:
        """A new billing account without ``subsidiary`` takes its customer's, as Oracle's DevRel
        sample (no subsidiary, 204) shows; the knob makes it a mandatory field instead."""
        if self.behaviour.billing_account_subsidiary_required or _has(record.get("subsidiary")):
            return
        customer_ref = record.get("customer")
        customer = self.store.get("customer", customer_ref["id"]) if customer_ref else None
        if customer is not None and _has(customer.get("subsidiary")):
            record["subsidiary"] = dict(customer["subsidiary"])

    def _check_required(self, record_type: str, record: dict[str, Any]) -> None:
        missing = self._missing(record_type, record)
        if missing:
            raise errors.missing_values(missing)

    def _missing(self, record_type: str, record: dict[str, Any]) -> list[str]:
        specs = self.schema.fields(record_type)
        labels: list[str] = []
        named = _has(record.get("firstName")) or _has(record.get("lastName"))
        if record_type == "customer":
            if record.get("isPerson") is True:
                if not named:
                    labels.append("First Name, Last Name")
            elif not _has(record.get("companyName")):
                labels.append(specs["companyName"].label)
        if record_type == "contact" and not (named or _has(record.get("entityId"))):
            labels.append("First Name, Last Name")
        required = _REQUIRED.get(record_type, [])
        if record_type == "subscriptionTerm" and _is_coterm(record, self.behaviour):
            required = ["name"]
        labels += [specs[n].label for n in required if not _has(record.get(n))]
        return labels

    def _has_dependents(self, record_type: str, rid: str) -> bool:
        target = record_type.lower()
        for other in self.schema.record_types:
            for record in self.store.all(other):
                if self._references(other, record, target, rid):
                    return True
        return False

    def _references(self, definition: str, obj: dict[str, Any], target: str, rid: str) -> bool:
        specs = self.schema.fields(definition)
        for name, value in obj.items():
            spec = specs.get(name)
            kind = spec.kind if spec else None
            points_here = spec is not None and (
                (self.table_for(spec.target or "") or "").lower() == target
            )
            if kind == "ref" and points_here and value.get("id") == rid:
                return True
            if kind == "refs" and points_here and any(r["id"] == rid for r in value["items"]):
                return True
            if (
                spec is not None
                and kind == "sublist"
                and any(self._references(spec.target or "", e, target, rid) for e in value["items"])
            ):
                return True
        return False

    def suiteql_table(self, table: str) -> tuple[list[dict[str, str]], set[str]]:
        """Rows of a SuiteQL table (lower-case columns, string values) and its column names."""
        record_type = self._types.get(table.lower())
        if record_type is None:
            raise errors.invalid_parameter(
                "Invalid search query. Detailed unprocessed description follows. "
                f"Search error occurred: Record '{table}' was not found."
            )
        specs = self.schema.fields(record_type)
        columns = {"id", "externalid"}
        columns |= {
            n.lower() for n, s in specs.items() if s.kind not in ("sublist", "refs", "links")
        }
        if record_type == "item":
            columns |= {"itemid", "itemtype", "displayname"}
        rows = []
        with self.store.transaction():
            for record in self.store.all(record_type):
                row = {}
                for name, value in record.items():
                    text = _scalar_text(value)
                    if text is not None and not isinstance(value, list):
                        row[name.lower()] = text
                columns |= set(row)
                rows.append(row)
        return rows, columns

    # --- seed and dump ------------------------------------------------------------------------

    def load_seed(self, seed: dict[str, list[dict[str, Any]]]) -> None:
        """Insert seed records with their own ids; records already present are left alone.

        ``customFields`` (``{recordType: {scriptId: type}}``) declares the account's custom fields.
        """
        declared = seed.get("customFields")
        if declared:
            self.schema = self.schema.with_custom_fields(declared)  # type: ignore[arg-type]
        with self.store.transaction():
            for raw_type, rows in seed.items():
                if raw_type == "customFields":
                    continue
                record_type = self.canonical_type(_SEED_ALIASES.get(raw_type, raw_type))
                if record_type is None:
                    record_type = raw_type
                    self.store.register_type(raw_type)
                    self._types = self.store.record_types()
                for row in rows:
                    if record_type == "item" and raw_type.lower() != "item":
                        row = {"itemType": raw_type, **row}  # seeded by item subtype
                    self._seed_row(record_type, row)

    def _seed_row(self, record_type: str, row: dict[str, Any]) -> None:
        if row.get("id") is not None and self.store.get(record_type, str(row["id"])):
            return
        external_id = row.get("externalId")
        if external_id and self.store.id_for_external_id(record_type, str(external_id)):
            return
        if self.schema.has_record(record_type):
            lenient = Payload(self.schema, record_type, False, lambda _t, _i: True)
            record = {k: v for k, v in lenient.normalize(row).items() if v is not None}
        else:
            record = {k: v for k, v in row.items() if v is not None}
        if row.get("id") is not None:
            record["id"] = str(row["id"])
        self.store.insert(record_type, record)

    def dump(self, base_url: str) -> dict[str, list[dict[str, Any]]]:
        with self.store.transaction():
            renderer = self.renderer(base_url)
            return {
                record_type: [
                    renderer.record(record_type, r, expand=True)
                    for r in self.store.all(record_type)
                ]
                for record_type in PRODUCT_TYPES
            }


def _scalar_text(value: Any) -> str | None:
    """A field as SuiteQL shows it: references and enums by id, booleans as T/F."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return None
    return None if value is None else str(value)
