"""Offline test double of the Salesforce REST API, as simple-salesforce 1.12.10 talks to it.

Serves HTTPS on loopback: the JWT bearer token endpoint, SOQL query/queryAll (with paging),
Composite, sObject Collections updates and sObject row GET/PATCH, answering from an org snapshot
(see ``org`` for its format) with writes persisted in a state directory.
"""

from .faults import SalesforceFaults
from .server import SalesforceDouble

__all__ = ["SalesforceDouble", "SalesforceFaults"]
