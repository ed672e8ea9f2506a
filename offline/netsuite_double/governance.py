"""``GET /services/rest/system/v1/governanceLimits``: the account's and the integration's
concurrency limits.

Oracle, "Concurrency Governance" / "Checking Concurrency Limits"
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_0625010817.html): the
answer has ``accountConcurrencyLimit``, ``accountUnallocatedConcurrencyLimit``,
``integrationConcurrencyLimit`` and ``integrationLimitType`` (``integrationSpecific`` when an
administrator set a limit on the integration record, ``accountLimit`` when it shares the
unallocated pool). A seed may declare the answer under ``governanceLimits``; without one the
double answers its own concurrency limit (15, a Premium account, when it has none).
"""

from __future__ import annotations

from typing import Any

GOVERNANCE_PATH = "/services/rest/system/v1/governanceLimits"
GOVERNANCE_SEED_KEY = "governanceLimits"
_UNLIMITED_ACCOUNT = 15


def governance_limits(declared: Any, concurrency_limit: int | None) -> dict[str, Any]:
    """The governanceLimits body: the seed's declaration over the double's own limit."""
    limit = concurrency_limit or _UNLIMITED_ACCOUNT
    body: dict[str, Any] = {
        "accountConcurrencyLimit": limit,
        "accountUnallocatedConcurrencyLimit": limit,
        "integrationConcurrencyLimit": limit,
        "integrationLimitType": "accountLimit",
    }
    if isinstance(declared, dict):
        body.update(declared)
    return body
