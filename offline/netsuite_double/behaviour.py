"""Account-level behaviour the documentation leaves open, as knobs (one instance per double).

Each default follows what Oracle documents; the knobs let a test take the other branch of a
client's fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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

    Change-order and co-terming answers marked open in docs/reference/amendments-and-custom-fields.md
    §B; each knob has the name of the product's config key (``netsuite.<knob>``) that makes the
    product take the matching branch:

    - ``draft_zero_quantity``: a line not yet active accepts quantity 0 (a line removed from a
      draft subscription). ``False`` refuses it with a USER_ERROR naming the line.
    - ``coterm_term_type``: the ``subscriptionTermType`` whose subscriptions take an explicit
      ``endDate`` (required, no duration on the term); every other type derives the end date from
      the term. ``None``: no type does.
    - ``quantity_new``: ``"absolute"`` reads a MODIFY_PRICING ``quantityNew`` as the line's new
      quantity (as the UI's old/new columns suggest); ``"delta"`` adds it to the current one.
    """

    upsert_location: bool = True
    answer_async: bool = False
    billing_account_subsidiary_required: bool = False
    draft_zero_quantity: bool = True
    coterm_term_type: str | None = "CUSTOM"
    quantity_new: Literal["absolute", "delta"] = "absolute"
