"""Configuration: the mapping config (docs/mapping.md §6) and the runtime settings.

The mapping config is YAML, validated at cold start; unknown keys are an error so a typo never
silently falls back to a default. Every key is optional. Values whose NetSuite meaning is not
verified (docs/reference/netsuite.md §9: price plan types, pricing options, line-type ids, activation)
live here, never as literals in code.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from closedwon.errors import AuthOrConfig

DEFAULT_CONFIG_PATH = Path(__file__).with_name("mapping.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WritebackFields(_Strict):
    """Salesforce field API names the write-back fills (docs/mapping.md §5)."""

    opportunity_status: str = "NetSuite_Sync_Status__c"
    opportunity_error: str = "NetSuite_Sync_Error__c"
    opportunity_last_sync: str = "NetSuite_Last_Sync__c"
    opportunity_subscriptions: str = "NetSuite_Subscription_Ids__c"
    account_id: str = "NetSuite_Id__c"
    contact_id: str = "NetSuite_Id__c"


class SalesforceConfig(_Strict):
    api_version: str = "62.0"
    multi_currency: bool = False
    default_currency: str = "USD"
    writeback: WritebackFields = WritebackFields()
    #: 18-char id of the integration user; CDC changes it commits are ignored (no sync loops).
    integration_user_id: str | None = None
    #: Quote types (SBQQ__Type__c) that are skipped in v1.
    skipped_quote_types: tuple[str, ...] = ("Amendment", "Renewal")


class NetSuiteConfig(_Strict):
    subsidiary_id: str = "1"
    billing_schedule_id: str = "1"
    currencies: dict[str, str] = Field(default_factory=lambda: {"USD": "1"})
    currency_decimals: dict[str, int] = Field(default_factory=lambda: {"JPY": 0})
    payment_terms: dict[str, str] = Field(default_factory=lambda: {"Net 30": "2"})
    line_types: dict[str, str] = Field(
        default_factory=lambda: {"One-Time": "1", "Recurring": "2", "Usage": "3"}
    )
    price_plan_type: str = "2"
    pricing_option_per_unit: str = "-101"
    default_term_months: int = 12
    auto_renewal: bool = False
    activate_subscriptions: bool = False
    field_limits: dict[str, int] = Field(
        default_factory=lambda: {
            "companyName": 83,
            "firstName": 32,
            "lastName": 32,
            "email": 254,
            "phone": 32,
            "itemId": 60,
        }
    )
    #: Packages one sync can carry: their results travel in the Step Functions state (256 KB).
    #: A quote with more is invalid (split it) rather than failing after partial writes.
    max_packages_per_deal: int = 200
    #: ❓ docs/reference/netsuite.md §9.8: whether quantities are accepted in the subscription create
    #: call. "create" sends them in the create body; "patch" sends a PATCH right after it.
    subscription_quantities: Literal["create", "patch"] = "create"
    #: ❓ §9.7: whether lines must be PATCHed to PENDING_ACTIVATION before the ACTIVATE order.
    activation_patch_lines: bool = True

    @field_validator("default_term_months")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("must be a positive number of months")
        return v

    def decimals(self, currency: str) -> int:
        return self.currency_decimals.get(currency, 2)


class MappingConfig(_Strict):
    salesforce: SalesforceConfig = SalesforceConfig()
    netsuite: NetSuiteConfig = NetSuiteConfig()


def parse_mapping_config(
    data: dict[str, Any] | None, source: str = "mapping config"
) -> MappingConfig:
    """Validate a mapping config dict; errors name the offending key path."""
    try:
        return MappingConfig.model_validate(data or {})
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise AuthOrConfig(f"{source} is invalid: " + "; ".join(problems)) from None


def load_mapping_config(path: str | os.PathLike[str] | None = None) -> MappingConfig:
    """Load the YAML mapping config from ``path`` (default: ``MAPPING_CONFIG_PATH`` or the bundled file)."""
    resolved = Path(path or os.environ.get("MAPPING_CONFIG_PATH") or DEFAULT_CONFIG_PATH)
    try:
        data = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuthOrConfig(f"mapping config {resolved} cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise AuthOrConfig(f"mapping config {resolved} is not valid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise AuthOrConfig(f"mapping config {resolved} must be a mapping at the top level")
    return parse_mapping_config(data, source=f"mapping config {resolved}")


@functools.cache
def mapping_config() -> MappingConfig:
    """The mapping config of this container, loaded once at cold start."""
    return load_mapping_config()
