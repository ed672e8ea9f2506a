"""FakeDeps: what a step is given (closedwon.steps.deps.Deps), all in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closedwon.config import MappingConfig
from closedwon.items import ItemCatalog
from closedwon.settings import Settings
from tests.fakes.coordination import FakeDealStore, FakeFanOut, FakeLease
from tests.fakes.netsuite import FakeNetSuite
from tests.fakes.salesforce import FakeSalesforce

ORG_ID = "00D5f000005KcCnEAK"
#: The integration user of the sample org (offline/sample/org.json).
INTEGRATION_USER_ID = "0055f000005mc66AAA"


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SALESFORCE_ORG_ID": ORG_ID,
        "COORDINATION_TABLE": "coordination",
        "NETSUITE_CONCURRENCY_LIMIT": 5,
        "SALESFORCE_INTEGRATION_USER_ID": INTEGRATION_USER_ID,
        **overrides,
    }
    return Settings.model_validate(values)


@dataclass
class FakeDeps:
    """A container of fakes. ``config_error`` makes reading the config raise (a broken file)."""

    mapping: MappingConfig = field(default_factory=MappingConfig)
    settings: Settings = field(default_factory=settings)
    netsuite: FakeNetSuite = field(default_factory=FakeNetSuite)
    salesforce: FakeSalesforce = field(default_factory=FakeSalesforce)
    deal_store: FakeDealStore = field(default_factory=FakeDealStore)
    deal_lease: FakeLease | None = field(default_factory=FakeLease)
    items: ItemCatalog = field(default_factory=ItemCatalog)
    fanout: FakeFanOut = field(default_factory=FakeFanOut)
    term_ids: dict[str, str] = field(default_factory=dict)
    config_error: Exception | None = None
    invocations_ended: int = 0

    @property
    def config(self) -> MappingConfig:
        if self.config_error is not None:
            raise self.config_error
        return self.mapping

    # What closedwon.handler asks of a container.
    def netsuite_throttles(self) -> int:
        return self.netsuite.throttled

    def end_invocation(self) -> None:
        self.invocations_ended += 1
