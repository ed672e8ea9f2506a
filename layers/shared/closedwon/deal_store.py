"""Where the Deal travels between steps: inline in the state, or in S3 when large.

Step Functions caps a state's payload at 256 KB. A deal above ``INLINE_DEAL_LIMIT_BYTES``
(default 32 KB) is written to the deal bucket (SSE, lifecycle-expired; see template.yaml) and
only its reference travels in the state.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from closedwon.deal import Deal
from closedwon.errors import AuthOrConfig, Transient
from closedwon.lazy import once
from closedwon.runtime import optional_env

DEFAULT_INLINE_LIMIT = 32 * 1024


@once
def s3_client() -> Any:
    import boto3

    return boto3.client("s3")


def put(deal: Deal) -> dict[str, Any]:
    """Return the state fields carrying the deal: ``{"deal": {...}, "dealRef": None}`` or a reference."""
    body = deal.model_dump_json()
    limit = int(optional_env("INLINE_DEAL_LIMIT_BYTES") or DEFAULT_INLINE_LIMIT)
    if len(body) <= limit:
        return {"deal": json.loads(body), "dealRef": None}
    bucket = optional_env("DEAL_BUCKET")
    if not bucket:
        raise AuthOrConfig(
            f"deal is {len(body)} bytes, above the inline limit, and DEAL_BUCKET is not set"
        )
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    key = f"deals/{deal.opportunity_id}/{digest}.json"
    try:
        s3_client().put_object(
            Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/json"
        )
    except Exception as exc:
        raise Transient(f"deal snapshot could not be stored in S3: {type(exc).__name__}") from None
    return {"deal": None, "dealRef": {"bucket": bucket, "key": key}}


@functools.lru_cache(maxsize=32)
def _fetch(bucket: str, key: str) -> Deal:
    try:
        body = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        raise Transient(
            f"deal snapshot s3://{bucket}/{key} could not be read: {type(exc).__name__}"
        ) from None
    return Deal.model_validate_json(body)


def get(state: dict[str, Any]) -> Deal:
    """The Deal of a workflow state (inline or by reference)."""
    if state.get("deal"):
        return Deal.model_validate(state["deal"])
    ref = state.get("dealRef")
    if not ref:
        raise AuthOrConfig("workflow state carries neither a deal nor a deal reference")
    return _fetch(ref["bucket"], ref["key"])
