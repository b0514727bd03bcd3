"""Deliberately misbehaving HTTP servers for the hostile table: a Prometheus that answers HTML, the
wrong shape, echoes credentials or drips, and a chaos target that records what it was sent.

For fault cases only: normal behaviour is tested against the real Prometheus. Each server listens
on 127.0.0.1:0 in the test process and is started the first time a case asks for it.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Callable

Behaviour = Callable[[http.server.BaseHTTPRequestHandler], None]


class Fake:
    """One server with one behaviour; `requests` holds (method, path) of everything it was sent."""

    def __init__(self, behaviour: Behaviour):
        fake = self
        self.requests: list[tuple[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                fake.requests.append((self.command, self.path))
                try:
                    behaviour(self)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: as intended
                    pass

            do_GET = do_POST = do_DELETE = do_PUT = _any

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *a: None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def posts(self) -> list[str]:
        return [path for method, path in self.requests if method == "POST"]

    def stop(self) -> None:
        """Stop serving, bounded: `shutdown()` waits for `serve_forever` without a deadline, and a
        teardown that hangs on it (seen once on a loaded machine) hangs the whole suite."""
        if self.thread.is_alive():
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            self.thread.join(timeout=5)
        self.server.server_close()


_SERVERS: dict[str, Fake] = {}
_LOCK = threading.Lock()


def server(name: str, behaviour: Behaviour) -> Fake:
    """The server called `name`, started on first use."""
    with _LOCK:
        if name not in _SERVERS:
            _SERVERS[name] = Fake(behaviour)
        return _SERVERS[name]


def stop_all() -> None:
    with _LOCK:
        for fake in _SERVERS.values():
            fake.stop()
        _SERVERS.clear()


# --- behaviours -------------------------------------------------------------------------------------
def reply(h, status: int, body: bytes | str, ctype: str = "application/json", length: int | None = None,
          headers: dict[str, str] | None = None) -> None:
    data = body.encode() if isinstance(body, str) else body
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(data) if length is None else length))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(data)


def answering(status: int, body: bytes | str, ctype: str = "application/json") -> Behaviour:
    return lambda h: reply(h, status, body, ctype)


def echoing_authorization(status: int = 401, as_json: bool = False) -> Behaviour:
    """A server that puts the Authorization header it got into its error message."""
    def behave(h):
        got = h.headers.get("Authorization", "")
        message = f"unauthorized: Authorization: {got} (raw {got.split(' ')[-1]}) for {h.path}"
        if as_json:
            reply(h, status, json.dumps({"status": "error", "errorType": "unauthorized", "error": message}))
        else:
            reply(h, status, message, "text/plain")
    return behave


def echoing(text: str, status: int = 500) -> Behaviour:
    return lambda h: reply(h, status, json.dumps({"status": "error", "errorType": "bad_data", "error": text}))


def dripping(interval: float, in_headers: bool = False) -> Behaviour:
    """One byte every `interval` seconds — of the body, or of the status line and headers."""
    def behave(h):
        if in_headers:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 200:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(interval)
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "200")
        h.end_headers()
        for byte in b'{"status":"success","data":[' + b" " * 171 + b"]}":
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(interval)
    return behave


def huge(declared: bool) -> Behaviour:
    """An answer over the 64 MiB cap: declared up front, or streamed without a length."""
    def behave(h):
        if declared:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(10 ** 10))
            h.end_headers()
            h.wfile.write(b'{"status":"success","data":[')
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b'{"status":"success","data":["')
        chunk = b"a" * (1024 * 1024)
        for _ in range(80):
            h.wfile.write(chunk)
        h.close_connection = True
    return behave


def redirect_loop(h) -> None:
    reply(h, 302, "", headers={"Location": h.path})


def closing(h) -> None:
    h.close_connection = True
    h.connection.shutdown(2)


def nested_json(depth: int) -> Behaviour:
    return answering(200, "[" * depth + "]" * depth)


def prometheus_like(names: list[str], query_value: str = "1") -> Behaviour:
    """Just enough of Prometheus' API to let a command get past its first requests (fault cases)."""
    def behave(h):
        path = h.path.split("?")[0]
        if path == "/api/v1/label/__name__/values":
            data = names
        elif path == "/api/v1/rules":
            data = {"groups": []}
        elif path == "/api/v1/series":
            data = [{"__name__": n} for n in names] + [{"__name__": "absent_metric"}]
        elif path == "/api/v1/query":
            data = {"resultType": "vector", "result": [{"metric": {"vobs_tag": "absent_metric"},
                                                        "value": [0, query_value]}]}
        elif path == "/api/v1/query_range":
            data = {"resultType": "matrix", "result": []}
        else:
            return reply(h, 404, "not found", "text/plain")
        reply(h, 200, json.dumps({"status": "success", "data": data}))
    return behave


def target(status_for_post: int = 200, echo: bool = False) -> Behaviour:
    """A chaos target: records what it is sent; a POST (inject) may fail, echoing the credentials."""
    def behave(h):
        if h.command == "POST" and status_for_post >= 400:
            got = h.headers.get("Authorization", "")
            text = f"refused {got} at {h.path}" if echo else "refused"
            return reply(h, status_for_post, text, "text/plain")
        reply(h, 200, "{}")
    return behave
