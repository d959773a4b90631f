"""The HTTP server behind the tests' doubles (the OPA double, slow and hostile MLflow servers)."""
from __future__ import annotations

from http.server import ThreadingHTTPServer

ACCEPT_TIMEOUT = 0.5        # seconds accept() may wait before serve_forever looks again


class LoopbackServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer (handler threads are daemons) whose accept() cannot wait for
    ever. serve_forever() calls accept() when select() says a connection is pending; a client
    that connects and gives up before it is accepted (a request timing out) leaves accept()
    waiting for the next connection, and shutdown() then waits with it: a CI run hung in
    OpaDouble.stop so. With a timeout, accept() gives up and the loop sees the shutdown.
    Accepted sockets stay blocking (socket.accept resets them when the listener has a timeout)."""
    daemon_threads = True

    def server_activate(self) -> None:
        super().server_activate()
        self.socket.settimeout(ACCEPT_TIMEOUT)
