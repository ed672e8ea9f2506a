"""HTTP transport: a threading HTTP/1.1 server with keep-alive, the account concurrency limit,
latency, authentication and fault injection around :class:`routes.Application`.

A request is "in flight" from admission until just before its response is written (so a client
that waits for each answer never trips the limit by racing the server's bookkeeping).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from offline.wire.server import LoopbackServer

from . import errors
from .auth import Authenticator
from .errors import NetSuiteError
from .faults import AFTER_WRITE_KINDS, RATE_429, RATE_500, RATE_503, RESET, TIMEOUT, FaultConfig
from .routes import Application, Request, Response, Route, route

log = logging.getLogger(__name__)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_route: Counter[str] = Counter()
        self.max_in_flight = self.in_flight
        self.throttled_429 = 0
        self.faults_injected = 0
        self.writes = 0
        self.token_requests = 0
        #: Seconds requests spent admitted (the time integral of in_flight).
        self.busy_s = 0.0

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "by_route": dict(self.by_route),
                "max_in_flight": self.max_in_flight,
                "throttled_429": self.throttled_429,
                "faults_injected": self.faults_injected,
                "writes": self.writes,
                "token_requests": self.token_requests,
                "busy_s": self.busy_s,
            }


class Gateway:
    """Everything between the socket and the application, for one double."""

    def __init__(self, app: Application, auth: Authenticator) -> None:
        self.app = app
        self.auth = auth
        self.stats = Stats()
        self.latency_s = 0.0
        self.concurrency_limit: int | None = None
        self.faults = FaultConfig()
        self.base_url = ""
        self.stopping = threading.Event()

    def _admit(self) -> bool:
        with self.stats.lock:
            limit = self.concurrency_limit
            if limit is not None and self.stats.in_flight >= limit:
                self.stats.throttled_429 += 1
                return False
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            return True

    def _release(self, since: float) -> None:
        with self.stats.lock:
            self.stats.in_flight -= 1
            self.stats.busy_s += time.monotonic() - since

    def _count(self, attr: str) -> None:
        with self.stats.lock:
            setattr(self.stats, attr, getattr(self.stats, attr) + 1)

    def serve(self, handler: Handler) -> None:
        request = handler.read_request()
        target = route(request.method, request.path, self.app.service)
        if target.kind == "token":  # not a REST call: counted apart, never limited or faulted
            self._count("token_requests")
            self.stopping.wait(self.latency_s)
            handler.send(self.app.token(request, self.base_url))
            return
        with self.stats.lock:
            self.stats.requests += 1
            self.stats.by_route[target.stats_key] += 1
        if not self._admit():
            handler.send(Response.error(errors.throttled()))
            return
        admitted, since = True, time.monotonic()
        try:
            self.stopping.wait(self.latency_s)
            if self.stopping.is_set():  # stop() during the latency: never serve it
                handler.drop(reset=False)
                return
            response = self._process(handler, request, target)
            admitted = False
            self._release(since)
        finally:
            if admitted:
                self._release(since)
        if response is not None:
            handler.send(response)

    def _process(self, handler: Handler, request: Request, target: Route) -> Response | None:
        """The response to send, or None when a fault dropped the connection."""
        header = request.headers.get("authorization")
        url = request.base_url + request.path
        if not self.auth.authorized(request.method, url, request.query, header):
            return Response.error(errors.unauthorized())
        faults = self.faults
        fault = faults.draw()
        late = fault in AFTER_WRITE_KINDS and faults.after_write and target.is_write
        if fault is not None and not late:
            return self._inject(handler, fault, faults)
        try:
            response = self.app.handle(request, target)
        except NetSuiteError as exc:
            response = Response.error(exc)
        except Exception:
            log.exception(
                "netsuite double: unhandled error for %s %s", request.method, request.path
            )
            response = Response.error(errors.unexpected())
        if target.is_write and response.status < 300:
            self._count("writes")
        if fault is not None:
            return self._inject(handler, fault, faults)
        return response

    def _inject(self, handler: Handler, fault: str, faults: FaultConfig) -> Response | None:
        self._count("faults_injected")
        if fault == RATE_429:
            return Response.error(errors.throttled())
        if fault == RATE_500:
            return Response.error(errors.unexpected())
        if fault == RATE_503:
            return Response(503)
        if fault == TIMEOUT:
            self.stopping.wait(faults.timeout_s)
            handler.drop(reset=False)
        elif fault == RESET:
            handler.drop(reset=True)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NetSuiteDouble/1.0"
    timeout = 60  # idle keep-alive connections are closed after this
    server: LoopbackServer

    @property
    def gateway(self) -> Gateway:
        gateway: Gateway = self.server.app
        return gateway

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        try:
            self.gateway.serve(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def read_request(self) -> Request:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        host = self.headers.get("Host") or self.gateway.base_url.split("://", 1)[-1]
        return Request(
            method=self.command,
            path=path,
            query=parse_qsl(query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host.lower()}".removesuffix(":80"),
        )

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and response.status != 204:
            self.wfile.write(response.body)

    def drop(self, *, reset: bool) -> None:
        """Close the connection without a response (RST when ``reset``)."""
        self.close_connection = True
        try:
            if reset:
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.connection.close()
        except OSError:
            pass
