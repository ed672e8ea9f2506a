"""A threading HTTP/1.1 server on loopback, started in a daemon thread, stopped for good.

Invariants both doubles rely on:

- after :meth:`LoopbackServer.stop` returns, no request is served: keep-alive connections are
  shut down, not left to a client's next request;
- a TLS handshake runs in the connection's own thread, so a slow client never stalls accepts;
- ``TCP_NODELAY`` is set: headers and body go out in separate writes, and Nagle plus a delayed
  ACK would hold every keep-alive response back.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` on ``127.0.0.1:port`` (0 picks a free port), HTTPS when given an
    ``ssl_context``. Handlers reach the double through ``server.app``."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        app: Any,
        *,
        ssl_context: ssl.SSLContext | None = None,
        idle_timeout_s: float = 60.0,
    ) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.idle_timeout_s = idle_timeout_s
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", port), handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(self.idle_timeout_s)
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = (
                self.ssl_context.wrap_socket(request, server_side=True)
                if self.ssl_context is not None
                else request
            )
        except (ssl.SSLError, OSError):
            return
        with self._lock:
            self._connections.add(conn)
        try:
            self.RequestHandlerClass(conn, client_address, self)  # type: ignore[arg-type]
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self._lock:
                self._connections.discard(conn)
            if conn is not request:
                with contextlib.suppress(OSError):
                    conn.close()

    def start(self, name: str, poll_interval_s: float = 0.01) -> None:
        """Serve in a daemon thread named ``name``."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": poll_interval_s},
            name=name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, cut open connections, release the port, join the thread."""
        self.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
