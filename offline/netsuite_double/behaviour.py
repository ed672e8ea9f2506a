"""Account-level behaviour the documentation leaves open, as knobs (one instance per double).

Each default follows what Oracle documents; the knobs let a test take the other branch of a
client's fallback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Behaviour:
    """How the double answers where the real service may differ between accounts.

    - ``upsert_location``: ``PUT …/eid:`` answers 204 with ``Location``. Oracle's upsert page
      shows only "204 No Content" (docs/reference/netsuite.md §8.3, §9 item 1), so ``False``
      answers without it and a client must read the id back.
    - ``answer_async``: every record write is answered as if ``Prefer: respond-async`` had been
      sent (202, a job ``Location``); the OpenAPI metadata declares 202 for POST, PUT, PATCH and
      DELETE. The write itself completes at once, so the job reports ``succeeded``.
    - ``billing_account_subsidiary_required``: a billing account without ``subsidiary`` is
      refused. Oracle's DevRel create sample omits it and succeeds, taking the customer's
      subsidiary, so the default accepts it and fills it in.
    """

    upsert_location: bool = True
    answer_async: bool = False
    billing_account_subsidiary_required: bool = False
