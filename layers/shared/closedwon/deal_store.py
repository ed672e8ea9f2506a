"""Where the Deal travels between steps: inline in the state, or in S3 when large.

Step Functions caps a state's payload at 256 KB. A deal above the inline limit (settings
``INLINE_DEAL_LIMIT_BYTES``, default 32 KB) is written to the deal bucket (SSE,
lifecycle-expired; see template.yaml) and only its reference travels in the state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from closedwon.deal import Deal
from closedwon.errors import AuthOrConfig, InvalidEvent, Transient


class DealStore:
    """Puts and gets the deal of a workflow state; ``s3`` is built only when a deal is offloaded."""

    def __init__(
        self, s3: Callable[[], Any], *, bucket: str | None, inline_limit_bytes: int
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.inline_limit_bytes = inline_limit_bytes
        #: Snapshots read by this container: the Map iterations of one deal read the same one.
        self._fetched: dict[tuple[str, str], Deal] = {}

    def put(self, deal: Deal) -> dict[str, Any]:
        """The state fields carrying the deal: ``{"deal": {...}, "dealRef": None}`` or a reference."""
        body = deal.model_dump_json()
        if len(body) <= self.inline_limit_bytes:
            return {"deal": json.loads(body), "dealRef": None}
        if not self.bucket:
            raise AuthOrConfig(
                f"deal is {len(body)} bytes, above the inline limit, and DEAL_BUCKET is not set"
            )
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
        return {"deal": None, "dealRef": {"bucket": self.bucket, "key": key}}

    def get(self, state: dict[str, Any]) -> Deal:
        """The Deal of a workflow state (inline or by reference)."""
        if not isinstance(state, dict):
            raise InvalidEvent("workflow state is not an object")
        if state.get("deal"):
            return deal_of(state["deal"])
        ref = state.get("dealRef")
        if not isinstance(ref, dict) or not ref.get("bucket") or not ref.get("key"):
            raise InvalidEvent("workflow state carries neither a deal nor a deal reference")
        key = (str(ref["bucket"]), str(ref["key"]))
        if key not in self._fetched:
            self._fetched[key] = self._fetch(*key)
        return self._fetched[key]

    def _fetch(self, bucket: str, key: str) -> Deal:
        try:
            body = self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            raise Transient(
                f"deal snapshot s3://{bucket}/{key} could not be read: {type(exc).__name__}"
            ) from None
        return deal_of(body)


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
