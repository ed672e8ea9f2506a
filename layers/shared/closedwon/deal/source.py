"""Questions asked of the raw Salesforce records before the deal is validated."""

from __future__ import annotations

from typing import Any

from closedwon.config import MappingConfig


def skip_reason(source: dict[str, Any], config: MappingConfig) -> str | None:
    """Why this deal is not synced at all (status ``Skipped``), or None."""
    opp = source["opportunity"]
    if not opp.get("IsWon"):
        return f"the opportunity is not won (stage '{str(opp.get('StageName'))[:40]}')"
    quote = opp.get("SBQQ__PrimaryQuote__r")
    quote_type = quote.get("SBQQ__Type__c") if isinstance(quote, dict) else None
    if quote_type in config.salesforce.skipped_quote_types:
        article = "an" if str(quote_type)[:1].upper() in ("A", "E", "I", "O", "U") else "a"
        return f"the primary quote is {article} {quote_type} quote, which v1 does not sync"
    return None


def product_codes(source: dict[str, Any]) -> list[str]:
    """Distinct product codes of the billable lines, for the one SuiteQL item look-up."""
    codes = set()
    for line in source["lines"]:
        product = line.get("SBQQ__Product__r")
        if line.get("SBQQ__ChargeType__c") and isinstance(product, dict):
            codes.add(product.get("ProductCode"))
    return sorted(c for c in codes if isinstance(c, str) and c)
