"""Configuration: the mapping config (docs/mapping.md §6) and the runtime settings.

The mapping config is YAML, validated at cold start; unknown keys are an error so a typo never
silently falls back to a default. Every key is optional. Values whose NetSuite meaning is not
verified (docs/reference/netsuite.md §9: price plan types, pricing options, line-type ids, activation)
live here, never as literals in code.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from closedwon.errors import AuthOrConfig
from closedwon.rules import catalog
from closedwon.rules.document import SoqlFields, soql_fields
from closedwon.rules.model import Rule, Scalar, rendered_keys
from closedwon.rules.values import time_zone
from closedwon.salesforce_ids import normalise_id

DEFAULT_CONFIG_PATH = Path(__file__).with_name("mapping.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: An ISO 4217 currency code as Salesforce's CurrencyIsoCode holds it ("USD").
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: A Salesforce field API name (letters, digits, underscores; starts with a letter).
FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
#: The charge types a CPQ quote line can have (SBQQ__ChargeType__c picklist).
CHARGE_TYPES = ("One-Time", "Recurring", "Usage")


class WritebackFields(_Strict):
    """Salesforce field API names the write-back fills (docs/mapping.md §5)."""

    opportunity_status: FieldName = "NetSuite_Sync_Status__c"
    opportunity_error: FieldName = "NetSuite_Sync_Error__c"
    opportunity_last_sync: FieldName = "NetSuite_Last_Sync__c"
    opportunity_subscriptions: FieldName = "NetSuite_Subscription_Ids__c"
    account_id: FieldName = "NetSuite_Id__c"
    contact_id: FieldName = "NetSuite_Id__c"


class SalesforceConfig(_Strict):
    api_version: Annotated[str, StringConstraints(pattern=r"^\d{2,3}\.0$")] = "62.0"
    multi_currency: bool = False
    default_currency: CurrencyCode = "USD"
    writeback: WritebackFields = WritebackFields()
    #: 18-char id of the integration user; CDC changes it commits are ignored (no sync loops).
    integration_user_id: str | None = None
    #: Quote types (SBQQ__Type__c) that are skipped in v1.
    skipped_quote_types: tuple[str, ...] = ("Amendment", "Renewal")

    @field_validator("integration_user_id")
    @classmethod
    def _salesforce_id(cls, v: str | None) -> str | None:
        if v is not None and normalise_id(v) is None:
            raise ValueError("must be a 15- or 18-character Salesforce user id")
        return v


class FieldLimits(_Strict):
    """Longest value NetSuite accepts, per NetSuite field; a key given replaces only its default."""

    companyName: PositiveInt = 83
    firstName: PositiveInt = 32
    lastName: PositiveInt = 32
    email: PositiveInt = 254
    phone: PositiveInt = 32
    itemId: PositiveInt = 60

    def of(self, netsuite_field: str) -> int:
        """The limit of one NetSuite field (a name from this model)."""
        return int(getattr(self, netsuite_field))


class DateWindow(_Strict):
    """Start dates a deal may have: anything outside is a typo, not a contract."""

    earliest: dt.date = dt.date(2000, 1, 1)
    latest: dt.date = dt.date(2099, 12, 31)

    @model_validator(mode="after")
    def _ordered(self) -> DateWindow:
        if self.earliest > self.latest:
            raise ValueError("earliest must not be after latest")
        return self


#: The keys of ``netsuite:`` that may each be a rule, evaluated once per deal (§7.1).
ROUTED_KEYS = (
    "subsidiary_id",
    "billing_schedule_id",
    "price_plan_type",
    "pricing_option_per_unit",
    "auto_renewal",
)


class CreateOnlyFields(_Strict):
    """NetSuite fields written only when the product creates the record (docs/mapping.md §8.2).

    An existing record keeps what finance set: its primary currency, subsidiary, terms and e-mail
    by default. A name listed here that the product does not write is simply never sent.
    """

    customer: tuple[str, ...] = ("subsidiary", "currency", "terms", "email")
    contact: tuple[str, ...] = ("subsidiary",)


class NetSuiteConfig(_Strict):
    #: The subsidiary of a new customer: an id, or a rule (e.g. by billing country).
    subsidiary_id: str | Rule = "1"
    billing_schedule_id: str | Rule = "1"
    currencies: dict[CurrencyCode, str] = Field(default_factory=lambda: {"USD": "1"})
    #: Decimals NetSuite keeps for a currency (ISO 4217 minor units go up to 4; 6 leaves room).
    currency_decimals: dict[CurrencyCode, Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: {"JPY": 0}
    )
    payment_terms: dict[str, str] = Field(default_factory=lambda: {"Net 30": "2"})
    #: Charge type (SBQQ__ChargeType__c) → NetSuite subscription line type id.
    line_types: dict[str, str] = Field(
        default_factory=lambda: {"One-Time": "1", "Recurring": "2", "Usage": "3"}
    )
    price_plan_type: str | Rule = "2"
    pricing_option_per_unit: str | Rule = "-101"
    default_term_months: PositiveInt = 12
    #: Longest subscription term a quote line may have (months).
    max_term_months: PositiveInt = 600
    date_window: DateWindow = DateWindow()
    auto_renewal: bool | Rule = False
    activate_subscriptions: bool = False
    field_limits: FieldLimits = FieldLimits()
    create_only: CreateOnlyFields = CreateOnlyFields()
    #: Packages one sync can carry: their results travel in the Step Functions state (256 KB).
    #: A quote with more is invalid (split it) rather than failing after partial writes.
    max_packages_per_deal: PositiveInt = 200
    #: ❓ docs/reference/netsuite.md §9.8: whether quantities are accepted in the subscription create
    #: call. "create" sends them in the create body; "patch" sends a PATCH right after it.
    subscription_quantities: Literal["create", "patch"] = "create"
    #: ❓ §9.7: whether lines must be PATCHed to PENDING_ACTIVATION before the ACTIVATE order.
    activation_patch_lines: bool = True
    #: ❓ docs/reference/amendments-and-custom-fields.md §B.5: whether MODIFY_PRICING
    #: ``quantityNew`` is the line's new quantity ("absolute") or the change to add ("delta").
    quantity_new: Literal["absolute", "delta"] = "absolute"
    #: ❓ docs/reference/amendments-and-custom-fields.md §B.4: TERMINATE dated the day before the
    #: cancellation starts (it takes effect at the end of its day), or that day with
    #: ``terminateAtStartOfDay``.
    terminate_at_start_of_day: bool = False
    #: ❓ docs/reference/amendments-and-custom-fields.md §B.9: whether a DRAFT line accepts
    #: quantity 0 (a line cancelled before activation).
    draft_zero_quantity: bool = True
    #: ❓ docs/reference/amendments-and-custom-fields.md §B.9 step 4: the
    #: ``subscriptionTermType`` that lets a co-termed subscription carry an explicit ``endDate``.
    coterm_term_type: str = "CUSTOM"
    #: Every external id starts with it (two Salesforce orgs into one NetSuite); fixed once
    #: records exist, since a new prefix makes new records.
    external_id_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,12}$")] = "SF-"
    #: The zone a Salesforce datetime is in when a rule sends it as a date (an IANA name).
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            time_zone(v)
        except (KeyError, ValueError):
            raise ValueError(f"'{v[:60]}' is not an IANA time zone name") from None
        return v

    @field_validator("line_types")
    @classmethod
    def _charge_types(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(CHARGE_TYPES))
        if unknown:
            raise ValueError(
                f"unknown charge type(s) {', '.join(unknown)} (expected {', '.join(CHARGE_TYPES)})"
            )
        return v

    @model_validator(mode="after")
    def _default_term_within_bounds(self) -> NetSuiteConfig:
        if self.default_term_months > self.max_term_months:
            raise ValueError(
                f"default_term_months ({self.default_term_months}) exceeds max_term_months "
                f"({self.max_term_months})"
            )
        return self

    def routing_rules(self) -> dict[str, Rule]:
        """The routed keys given as rules, by key."""
        found = {key: getattr(self, key) for key in ROUTED_KEYS}
        return {key: value for key, value in found.items() if isinstance(value, Rule)}

    def decimals(self, currency: str) -> int:
        """Decimals of ``currency`` (2 unless ``currency_decimals`` says otherwise)."""
        return self.currency_decimals.get(currency, 2)


#: A record type ``fields`` rules may set (docs/mapping.md §7.2).
RecordType = Literal[
    "customer",
    "contact",
    "billingAccount",
    "subscriptionPlan",
    "pricePlan",
    "priceBook",
    "subscription",
    "subscriptionChangeOrder",
]


class MappingConfig(_Strict):
    salesforce: SalesforceConfig = SalesforceConfig()
    netsuite: NetSuiteConfig = NetSuiteConfig()
    #: ``fields.<recordType>.<netsuiteField>: <rule>`` (docs/mapping.md §7.2).
    fields: dict[RecordType, dict[str, Rule]] = Field(default_factory=dict)
    #: ``lookups.<name>: {salesforce value: netsuite value}`` shared by rules (§7.3).
    lookups: dict[str, dict[str, Scalar]] = Field(default_factory=dict)

    _soql_fields: SoqlFields = PrivateAttr(default_factory=SoqlFields)

    @property
    def soql_fields(self) -> SoqlFields:
        """The Salesforce fields the rules read, added to the deal's one composite read."""
        return self._soql_fields

    @field_validator("lookups", mode="before")
    @classmethod
    def _lookup_keys(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {name: rendered_keys(table) for name, table in v.items()}
        return v

    @model_validator(mode="after")
    def _rules_fit(self) -> MappingConfig:
        problems = []
        for record_type, rules in self.fields.items():
            for field, rule in rules.items():
                where = f"fields.{record_type}.{field}"
                problem = (
                    catalog.field_problem(record_type, field, rule)
                    or catalog.roots_problem(record_type, rule)
                    or self._lookup_problem(rule)
                )
                if problem:
                    problems.append(f"{where}: {problem}")
        for key, rule in self.netsuite.routing_rules().items():
            problem = catalog.routing_problem(rule) or self._lookup_problem(rule)
            if problem:
                problems.append(f"netsuite.{key}: {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        self._soql_fields = soql_fields(
            [
                *(r for rules in self.fields.values() for r in rules.values()),
                *self.netsuite.routing_rules().values(),
            ]
        )
        return self

    def _lookup_problem(self, rule: Rule) -> str | None:
        if rule.lookup is not None and rule.lookup not in self.lookups:
            known = ", ".join(sorted(self.lookups)) or "none"
            return f"lookup '{rule.lookup}' is not in lookups (known: {known})"
        return None


def parse_mapping_config(
    data: dict[str, Any] | None, source: str = "mapping config"
) -> MappingConfig:
    """Validate a mapping config dict; errors name the offending key path."""
    try:
        return MappingConfig.model_validate(data or {})
    except ValidationError as exc:
        problems = [_problem(err["loc"], err["msg"]) for err in exc.errors()]
        raise AuthOrConfig(f"{source} is invalid: " + "; ".join(problems)) from None


def _problem(loc: tuple[int | str, ...], message: str) -> str:
    """``key.path: message``; a check of the whole config already names its keys."""
    message = message.removeprefix("Value error, ").splitlines()[0]
    return f"{'.'.join(str(p) for p in loc)}: {message}" if loc else message


def load_mapping_config(path: str | os.PathLike[str] | None = None) -> MappingConfig:
    """Load the YAML mapping config from ``path`` (default: the file bundled with the layer).

    Every way the file can be wrong (unreadable, not UTF-8, bad YAML, not a mapping, an unknown
    key or a wrong type) is :class:`AuthOrConfig` with the whole reason.
    """
    resolved = Path(path or DEFAULT_CONFIG_PATH)
    try:
        data = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuthOrConfig(f"mapping config {resolved} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AuthOrConfig(f"mapping config {resolved} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise AuthOrConfig(f"mapping config {resolved} is not valid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise AuthOrConfig(f"mapping config {resolved} must be a mapping at the top level")
    return parse_mapping_config(data, source=f"mapping config {resolved}")
