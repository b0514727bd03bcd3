"""Serving the simulator over HTTP: /metrics, mounted apps (the fault endpoints), a background tick."""

from __future__ import annotations

import threading
import time
from socketserver import ThreadingMixIn
from typing import Any, Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app


class Serving:
    """Mixed into `Simulator`: serve its registry in background threads and keep ticking."""

    def mount(self, path: str, app: Callable) -> None:
        """Serve a WSGI `app` at `path` next to /metrics (room for fault-injection endpoints)."""
        self._routes[path] = app

    def wsgi_app(self) -> Callable:
        """`/metrics` (and `/`) in Prometheus' text format, mounted apps, else 404."""
        metrics_app = make_wsgi_app(self.registry)

        def metrics(environ, start_response):
            with self._lock:  # a scrape never sees a half-applied tick
                return metrics_app(environ, start_response)

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "/")
            handler = self._routes.get(path) or (metrics if path in ("/metrics", "/") else None)
            if handler is not None:
                return handler(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: the simulator serves /metrics\n"]

        return app

    def serve(self, port: int = 0, host: str = "127.0.0.1", tick_seconds: float | None = None) -> int:
        """Serve in background threads and keep ticking every `tick_seconds`; returns the bound port."""
        if self._server is not None:
            raise RuntimeError(f"already serving at {self.url}")
        if tick_seconds is not None:
            self.tick_seconds = tick_seconds
        self._server = make_server(host, port, self.wsgi_app(), server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._stop.clear()
        self._threads = [threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True),
                         threading.Thread(target=self._tick_loop, name="simulator-tick", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.port

    @property
    def port(self) -> int | None:
        return self._server.server_port if self._server else None

    @property
    def url(self) -> str | None:
        """Base URL while serving (`http://host:port`); /metrics is below it."""
        if self._server is None:
            return None
        host = self._server.server_address[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def _tick_loop(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick_seconds):
            now = time.monotonic()
            self.tick(now - last)
            last = now

    def stop(self) -> None:
        """Stop serving and ticking (idempotent)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every second would flood stderr
        pass
