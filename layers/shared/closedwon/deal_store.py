"""Where the Deal lives between steps: always the deal bucket, never the workflow state.

Step Functions keeps every state's input and output in the execution history for 90 days, where
nothing can be erased and ``states:GetExecutionHistory`` reads it. The deal holds names, e-mail
addresses, phones and street addresses, so it is written to the deal bucket (KMS-encrypted,
lifecycle-expired; see template.yaml) and only its ``{bucket, key}`` reference travels in the state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from closedwon.deal import Deal
from closedwon.errors import AuthOrConfig, InvalidEvent, Transient


class DealStore:
    """Puts and gets the deal of a workflow state; ``s3`` is built on first use."""

    def __init__(self, s3: Callable[[], Any], *, bucket: str | None) -> None:
        self._s3 = s3
        self.bucket = bucket
        #: Snapshots read by this container: the Map iterations of one deal read the same one.
        self._fetched: dict[tuple[str, str], Deal] = {}

    def put(self, deal: Deal) -> dict[str, Any]:
        """The state field referencing the stored deal: ``{"dealRef": {"bucket", "key"}}``."""
        body = deal.model_dump_json()
        if not self.bucket:
            raise AuthOrConfig("environment variable DEAL_BUCKET is not set (see template.yaml)")
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        key = f"deals/{deal.opportunity_id}/{digest}.json"
        try:
            self._s3().put_object(
                Bucket=self.bucket, Key=key, Body=body.encode(), ContentType="application/json"
            )
        except Exception as exc:
            raise Transient(
                f"deal snapshot could not be stored in S3: {type(exc).__name__}"
            ) from None
        return {"dealRef": {"bucket": self.bucket, "key": key}}

    def get(self, state: dict[str, Any]) -> Deal:
        """The Deal a workflow state references."""
        return self._cached(*reference(state))

    def _cached(self, bucket: str, key: str) -> Deal:
        if (bucket, key) not in self._fetched:
            self._fetched[(bucket, key)] = self._fetch(bucket, key)
        return self._fetched[(bucket, key)]

    def _fetch(self, bucket: str, key: str) -> Deal:
        try:
            body = self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            raise Transient(
                f"deal snapshot s3://{bucket}/{key} could not be read: {type(exc).__name__}"
            ) from None
        return deal_of(body)


def reference(state: Any) -> tuple[str, str]:
    """The ``(bucket, key)`` of the deal a workflow state references.

    A state carrying the deal itself (a hand-made replay input of an older version) is refused:
    accepting it would put personal data back into the execution history.
    """
    if not isinstance(state, dict):
        raise InvalidEvent("workflow state is not an object")
    if state.get("deal") is not None:
        raise InvalidEvent(
            "workflow state: deal must not travel in the state; replay the event instead"
        )
    ref = state.get("dealRef")
    if not isinstance(ref, dict) or not ref.get("bucket") or not ref.get("key"):
        raise InvalidEvent("workflow state: dealRef is missing")
    return str(ref["bucket"]), str(ref["key"])


def deal_of(data: Any) -> Deal:
    """A Deal from the state's ``deal`` (a dict) or a snapshot's JSON bytes.

    The deal was validated by LoadDeal; one that no longer fits the model was changed on its
    way (a hand-made replay input, a snapshot of another version): InvalidEvent naming the paths.
    """
    try:
        if isinstance(data, bytes | str):
            return Deal.model_validate_json(data)
        return Deal.model_validate(data)
    except ValidationError as exc:
        paths = sorted({".".join(str(p) for p in e["loc"]) or "(root)" for e in exc.errors()})
        raise InvalidEvent(
            f"workflow state: the deal does not match the Deal model at {', '.join(paths[:10])}"
        ) from None
