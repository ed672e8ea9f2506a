"""What a step is given: the ports of the composition root (closedwon.container.Container).

Steps depend on these protocols, never on module globals or on the adapters' classes, so a unit
test hands them in-memory fakes (tests/fakes/) and the handler hands them the container.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from closedwon.config import MappingConfig
from closedwon.deal import Deal
from closedwon.events import Trigger
from closedwon.rules.document import SoqlFields
from closedwon.settings import Settings


class NetSuite(Protocol):
    """The NetSuite record and query calls the steps make (closedwon.netsuite.NetSuiteClient)."""

    def get(
        self,
        record_type: str,
        external_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None: ...

    def get_by_id(
        self,
        record_type: str,
        internal_id: str,
        *,
        fields: Sequence[str] | None = None,
        expand: bool = False,
    ) -> dict[str, Any] | None: ...

    def upsert(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> str: ...

    def create_if_absent(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> tuple[str, bool]: ...

    def patch(
        self,
        record_type: str,
        internal_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> None: ...

    def suiteql(self, query: str, params: Sequence[str | int] = ()) -> list[dict[str, Any]]: ...


class Salesforce(Protocol):
    """Reading a deal and writing records back (closedwon.container.SalesforceApi)."""

    def read_deal(
        self,
        opportunity_id: str,
        *,
        multi_currency: bool,
        amendments_status_field: str | None = None,
        extra: SoqlFields = ...,
        netsuite_id_fields: tuple[str, str] | None = None,
    ) -> dict[str, Any]: ...

    def read_contract(self, contract_id: str, original_opportunity_id: str) -> dict[str, Any]: ...

    def write(self, records: list[dict[str, Any]], *, what: str) -> list[str]: ...


class DealStorage(Protocol):
    def put(self, deal: Deal) -> dict[str, Any]: ...

    def get(self, state: dict[str, Any]) -> Deal: ...


class Lease(Protocol):
    def acquire(self, opportunity_id: str, execution_id: str) -> None: ...

    def release(self, opportunity_id: str, execution_id: str) -> None: ...


class Items(Protocol):
    def resolve(self, client: NetSuite, product_codes: list[str]) -> dict[str, str]: ...


class Siblings(Protocol):
    def start_siblings(self, execution_arn: str, triggers: list[Trigger]) -> list[str]: ...


class Deps(Protocol):
    """Everything a step may use. Each is built on first use, once per container."""

    @property
    def settings(self) -> Settings: ...

    @property
    def config(self) -> MappingConfig: ...

    @property
    def netsuite(self) -> NetSuite: ...

    @property
    def salesforce(self) -> Salesforce: ...

    @property
    def deal_store(self) -> DealStorage: ...

    @property
    def deal_lease(self) -> Lease | None: ...

    @property
    def items(self) -> Items: ...

    @property
    def fanout(self) -> Siblings: ...

    #: subscriptionTerm external id -> internal id, created once per warm container.
    term_ids: dict[str, str]
