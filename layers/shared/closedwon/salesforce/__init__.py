"""Salesforce adapter: JWT login, the deal reader and the write-back writer (SOQL in soql.py)."""

from closedwon.salesforce.connection import OperatorSession, SalesforceConnection
from closedwon.salesforce.reader import read_deal
from closedwon.salesforce.settings import SalesforceSettings
from closedwon.salesforce.writer import LONG_TEXT_LIMIT, now_utc, record, write_records

__all__ = [
    "LONG_TEXT_LIMIT",
    "OperatorSession",
    "SalesforceConnection",
    "SalesforceSettings",
    "now_utc",
    "read_deal",
    "record",
    "write_records",
]
