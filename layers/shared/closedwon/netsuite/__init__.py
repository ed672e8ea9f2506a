"""NetSuite SuiteTalk REST adapter: settings, authentication and the client.

Importing this package loads only ``requests`` and ``pydantic``; PyJWT/cryptography load on the
first OAuth 2.0 token fetch and ``requests_oauthlib`` only when TBA is selected.
"""

from closedwon.netsuite.auth import (
    NetSuiteAuth,
    OAuth2ClientCredentials,
    TokenBasedAuth,
    build_auth,
    clear_token_cache,
)
from closedwon.netsuite.client import NetSuiteClient, internal_id_from_location
from closedwon.netsuite.settings import NetSuiteSettings, OAuth2Settings, TbaSettings

__all__ = [
    "NetSuiteAuth",
    "NetSuiteClient",
    "NetSuiteSettings",
    "OAuth2ClientCredentials",
    "OAuth2Settings",
    "TbaSettings",
    "TokenBasedAuth",
    "build_auth",
    "clear_token_cache",
    "internal_id_from_location",
]
