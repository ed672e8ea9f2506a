"""The HTTPS server on loopback and the ``SalesforceDouble`` facade."""

from __future__ import annotations

import copy
import json
import ssl
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from offline.wire.server import LoopbackServer
from offline.wire.tls import ensure_certificates

from .auth import Authenticator
from .faults import SalesforceFaults
from .metadata import FieldMeta, load_fields
from .org import OVERLAY_FILE, Org
from .rest import Request, SalesforceApi


class SalesforceDouble:
    """A Salesforce REST API test double answering SOQL from an org snapshot.

    ``start()`` serves HTTPS on 127.0.0.1 with a certificate signed by ``ca_bundle``. Trust it by
    setting ``REQUESTS_CA_BUNDLE`` to that path: requests lets that variable (when set, as it is
    on many machines) override ``Session.verify``. The CA lives in ``state_dir``, so two doubles
    with different state dirs need two bundles. Writes persist in ``state_dir`` too.

    Get a token the way the product does (POST a RS256 JWT to ``/services/oauth2/token``), then
    ``Salesforce(instance_url=..., session_id=token)``. ``faults`` may be mutated or replaced
    while the double runs. Fields the project's sfdx source defines (``metadata``, by default
    read from ``salesforce/``) take their types, lengths and picklists from it.
    """

    def __init__(
        self,
        snapshot: dict[str, Any],
        state_dir: Path,
        *,
        consumer_key: str = "offline-consumer-key",
        username: str = "integration@offline.example",
        public_key_pem: str | None = None,
        session_ttl_s: int = 7200,
        faults: SalesforceFaults | None = None,
        metadata: dict[str, dict[str, FieldMeta]] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.faults = faults if faults is not None else SalesforceFaults()
        self._tls = ensure_certificates(self.state_dir, "salesforce_double")
        self._org = Org(
            snapshot,
            self.state_dir / OVERLAY_FILE,
            username=username,
            metadata=load_fields() if metadata is None else metadata,
        )
        self._base_url = ""
        self._auth = Authenticator(
            org_id=self._org.org_id,
            user_id=self._org.user_id,
            consumer_key=consumer_key,
            username=username,
            public_key_pem=public_key_pem,
            session_ttl_s=session_ttl_s,
            base_url=lambda: self._base_url,
        )
        self._api = SalesforceApi(self._org, self._auth, lambda: self.faults)
        self._server: LoopbackServer | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> str:
        """Serve on ``https://127.0.0.1:<port>`` (0 picks a free port); returns the base URL."""
        if self._server is not None:
            return self._base_url
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._tls.cert, self._tls.key)
        server = LoopbackServer(port, _Handler, self._api, ssl_context=context, idle_timeout_s=30)
        self._server = server
        self._base_url = f"https://127.0.0.1:{server.port}"
        server.start("salesforce-double", poll_interval_s=0.05)
        return self._base_url

    def stop(self) -> None:
        """Stop serving; the state stays in ``state_dir``."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> SalesforceDouble:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- inspection

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def ca_bundle(self) -> str:
        """Path of the CA certificate (PEM) that signed the server certificate."""
        return str(self._tls.ca)

    @property
    def org_id(self) -> str:
        return self._org.org_id

    @property
    def user_id(self) -> str:
        """Id of the integration user: the snapshot User with that Username, else synthetic."""
        return self._org.user_id

    @property
    def api_calls(self) -> int:
        """REST calls counted against the daily allocation (token endpoint not; composite = 1)."""
        return self._api.api_calls

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Log of every request: ``{"method", "path", "kind", "status"}`` (+ ``soql`` for
        queries, ``subrequests`` for composite). A snapshot list; do not mutate the entries."""
        with self._api.lock:
            return list(self._api.calls)

    @property
    def writes(self) -> list[dict[str, Any]]:
        """Every committed record write: ``{"sObject", "Id", "fields", "at"}`` (rolled-back
        allOrNone writes never appear). A snapshot list; do not mutate the entries."""
        with self._api.lock:
            return list(self._org.writes)

    def record(self, sobject: str, record_id: str) -> dict[str, Any]:
        """The current record (snapshot + applied writes); KeyError if unknown."""
        with self._api.lock:
            obj = self._org.sobject(sobject)
            rec = self._org.get(obj, record_id) if obj is not None else None
            if rec is None:
                raise KeyError(f"{sobject} {record_id}")
            return copy.deepcopy(rec)

    def replace_certificate(self, public_key_pem: str) -> None:
        """The connected app now checks JWT signatures against this key only (a rotation)."""
        with self._api.lock:
            self._auth.public_key_pem = public_key_pem

    def user_update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """A user's edit in the Salesforce UI (validated and logged like an API update)."""
        with self._api.lock:
            tx = self._org.transaction()
            self._org.update(tx, sobject, record_id, fields)
            tx.commit()

    def expire_sessions(self) -> None:
        """Every issued access token becomes invalid (401 INVALID_SESSION_ID)."""
        with self._api.lock:
            self._auth.expire_all()

    def reset_stats(self) -> None:
        with self._api.lock:
            self._api.api_calls = 0
            self._api.calls.clear()
            self._org.writes.clear()


# --------------------------------------------------------------------------- HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SalesforceDouble/1.0"
    server: LoopbackServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        api: SalesforceApi = self.server.app
        resp = api.handle(Request(self.command, parts.path, parts.query, headers, body))
        payload = b"" if resp.body is None else json.dumps(resp.body).encode("utf-8")
        self.send_response(resp.status)
        if resp.body is not None:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the call log lives in ``SalesforceDouble.calls``."""
