"""Where the functions may send a request: https to NetSuite's and Salesforce's domains only.

The secrets name the hosts (NetSuite's ``base_url``, Salesforce's ``login_url``) and Salesforce
answers with more (``instance_url``, ``nextRecordsUrl``). Each is checked before a request goes
there, so whoever can edit a secret or answer a login cannot send the signed assertions, tokens
or deal data elsewhere, nor in clear text. Sandboxes and My Domain hosts are subdomains of these
domains (Salesforce Help, "My Domain URL Formats"; NetSuite Help, "Account-Specific Domains",
``<accountID>.suitetalk.api.netsuite.com``); a deployment needing another
domain (e.g. Government Cloud) names it in ``EGRESS_EXTRA_DOMAINS``. Plain http and loopback
hosts are allowed only under ``CLOSEDWON_OFFLINE_LOOPBACK``, which the offline stack sets and
template.yaml never does (tests/integration/infra checks it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from closedwon.errors import AuthOrConfig

#: NetSuite's REST hosts are ``<account>.suitetalk.api.netsuite.com`` (sandboxes ``-sb1``...).
NETSUITE_DOMAINS = ("netsuite.com",)
#: login/test.salesforce.com, ``<domain>.my.salesforce.com``, ``<domain>.sandbox.my.salesforce.com``
#: and the force.com hosts of older orgs.
SALESFORCE_DOMAINS = ("salesforce.com", "force.com")
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class EgressPolicy:
    """The domains a client may address, and whether the offline loopback exception is on."""

    domains: tuple[str, ...]
    offline_loopback: bool = False

    def check(self, url: str, *, what: str) -> str:
        """``url`` when it is https to an allowed domain; AuthOrConfig naming ``what`` if not."""
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        if self.offline_loopback and _is_loopback(host) and parts.scheme in ("http", "https"):
            return url
        if parts.scheme != "https":
            raise AuthOrConfig(f"{what} must be an https URL (got scheme {parts.scheme!r})")
        if parts.username is not None or parts.password is not None:
            raise AuthOrConfig(f"{what} must not carry credentials in the URL")
        if not any(host == d or host.endswith(f".{d}") for d in self.domains):
            raise AuthOrConfig(
                f"{what} host {host[:100]!r} is outside the allowed domains "
                f"({', '.join(self.domains)}; others go in EGRESS_EXTRA_DOMAINS)"
            )
        return url


def netsuite_policy(extra: tuple[str, ...] = (), *, offline_loopback: bool = False) -> EgressPolicy:
    """NetSuite's domains and ``extra``."""
    return EgressPolicy(NETSUITE_DOMAINS + extra, offline_loopback)


def salesforce_policy(
    extra: tuple[str, ...] = (), *, offline_loopback: bool = False
) -> EgressPolicy:
    """Salesforce's domains and ``extra``."""
    return EgressPolicy(SALESFORCE_DOMAINS + extra, offline_loopback)


def check_relative_path(path: str, *, prefix: str, what: str) -> str:
    """``path`` when it is a plain path under ``prefix`` (no scheme, host, ``@`` or ``//``).

    simple-salesforce prefixes ``https://<instance>`` to a paging URL, so ``@other.host/...``
    or an absolute URL there would move the request to another host.
    """
    if not path.startswith(prefix) or any(c in path for c in ("@", "\\", "//", "\n", "\r")):
        raise AuthOrConfig(f"{what} {path[:100]!r} is not a path under {prefix}")
    return path


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
