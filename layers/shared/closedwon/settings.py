"""The settings of one function: its environment variables, validated once at cold start.

template.yaml sets every variable (Globals plus each function's own). In Lambda the environment
is ``os.environ``; the offline stack passes each function its own dictionary. A missing or
malformed variable is :class:`~closedwon.errors.AuthOrConfig` naming the variable.

``COORDINATION_TABLE`` (the deal lease and the NetSuite concurrency cap) is required: safety is
never silently off. Only ``CLOSEDWON_UNCOORDINATED=true`` (a local script, a test) runs without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from closedwon.errors import AuthOrConfig


class Settings(BaseModel):
    """Every environment variable a step reads; each field is named by its variable."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    salesforce_org_id: str | None = Field(None, alias="SALESFORCE_ORG_ID", min_length=15)
    salesforce_secret_arn: str | None = Field(None, alias="SALESFORCE_SECRET_ARN", min_length=1)
    netsuite_secret_arn: str | None = Field(None, alias="NETSUITE_SECRET_ARN", min_length=1)
    deal_bucket: str | None = Field(None, alias="DEAL_BUCKET", min_length=1)
    coordination_table: str | None = Field(None, alias="COORDINATION_TABLE", min_length=1)
    netsuite_concurrency_limit: int | None = Field(
        None, alias="NETSUITE_CONCURRENCY_LIMIT", ge=1, le=1000
    )
    #: The mapping config YAML (default: the file bundled with the layer).
    mapping_config_path: Path | None = Field(None, alias="MAPPING_CONFIG_PATH")
    #: The explicit local flag that allows running without the coordination table.
    uncoordinated: bool = Field(False, alias="CLOSEDWON_UNCOORDINATED")
    #: The integration user's id (template parameter IntegrationUserId): CDC loop protection.
    salesforce_integration_user_id: str | None = Field(
        None, alias="SALESFORCE_INTEGRATION_USER_ID", min_length=15, max_length=18
    )
    #: Domains the clients may address besides NetSuite's and Salesforce's (closedwon.egress).
    egress_extra_domains: tuple[str, ...] = Field((), alias="EGRESS_EXTRA_DOMAINS")
    #: Plain http and loopback hosts for the offline doubles; template.yaml never sets it.
    offline_loopback: bool = Field(False, alias="CLOSEDWON_OFFLINE_LOOPBACK")

    @field_validator("egress_extra_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(d.strip().lower().lstrip(".") for d in value.split(",") if d.strip())
        return value

    @model_validator(mode="after")
    def _coordination_is_explicit(self) -> Self:
        if self.uncoordinated:
            return self
        if self.coordination_table is None:
            raise ValueError(
                "COORDINATION_TABLE is not set: the deal lease and the NetSuite cap need it "
                "(set CLOSEDWON_UNCOORDINATED=true only for a local run)"
            )
        if self.netsuite_concurrency_limit is None:
            raise ValueError("NETSUITE_CONCURRENCY_LIMIT is not set (template parameter)")
        return self

    @property
    def coordinated(self) -> bool:
        """Whether the deal lease and the NetSuite semaphore are on."""
        return self.coordination_table is not None and not self.uncoordinated

    def require(self, field: str) -> str:
        """The value of an optional variable this function needs, or AuthOrConfig naming it."""
        value = getattr(self, field)
        if value is None:
            alias = type(self).model_fields[field].alias
            raise AuthOrConfig(f"environment variable {alias} is not set (see template.yaml)")
        return str(value)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Validate a function's environment; the error names every bad variable."""
    known = {f.alias for f in Settings.model_fields.values()}
    # An empty value counts as unset, as it does for the Lambda console and SAM overrides.
    values = {k: v for k, v in environ.items() if k in known and v != ""}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(
                f"{where}: {error['msg']}" if where else error["msg"].removeprefix("Value error, ")
            )
        raise AuthOrConfig("function environment is invalid: " + "; ".join(problems)) from None
