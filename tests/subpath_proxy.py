"""A small reverse proxy in front of a real server, as deployments put one in front of Grafana or
Prometheus: it serves the upstream under a sub-path (`/grafana/…` → `/…`) and only with a token
in the query string (`?token=…`, removed before forwarding). Anything else — a path outside the
sub-path (`/grafanaapi/…`), a missing or wrong token, a token glued after the path — is refused
as a proxy would (404 / 403, in HTML), so a client that builds URLs by concatenation fails here.

With `bearer`, it also wants `Authorization: Bearer <bearer>` (401 without it, 403 with another),
as an oauth2-proxy, vmauth or a Mimir gateway does, and does not forward that header.

It can listen on IPv6 loopback (`host="::1"`); `.url` is then `http://[::1]:port/prefix?token=…`.
Every request line it receives is recorded in `.seen` (raw, as sent by the client).
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
        "transfer-encoding", "upgrade", "host", "content-length"}


def ipv6_loopback_works() -> bool:
    """Whether `::1` can be bound on this machine (containers often have no IPv6)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class SubPathProxy:
    def __init__(self, upstream: str, prefix: str = "/grafana", token: str | None = "proxy-token-0123",
                 host: str = "127.0.0.1", bearer: str | None = None):
        self.upstream = urlsplit(upstream)
        self.prefix, self.token, self.host, self.bearer = prefix.rstrip("/"), token, host, bearer
        self.seen: list[str] = []
        proxy = self

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                proxy.seen.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                parts = urlsplit(self.path)
                query = parse_qsl(parts.query, keep_blank_values=True)
                if not (parts.path == proxy.prefix or parts.path.startswith(proxy.prefix + "/")):
                    return self._refuse(404, "Not Found")
                if proxy.token is not None:
                    if (("token", proxy.token) not in query):
                        return self._refuse(403, "Forbidden")
                    query = [(k, v) for k, v in query if k != "token"]
                if proxy.bearer is not None:
                    given = self.headers.get("Authorization")
                    if given != f"Bearer {proxy.bearer}":
                        return self._refuse(401 if given is None else 403, "Unauthorized")
                path = parts.path[len(proxy.prefix):] or "/"
                target = path + (f"?{urlencode(query)}" if query else "")
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP and not (proxy.bearer and k.lower() == "authorization")}
                up = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                try:
                    up.request(self.command, target, body=body, headers=headers)
                    answer = up.getresponse()
                    data = answer.read()
                except OSError:
                    return self._refuse(502, "Bad Gateway")
                finally:
                    up.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in _HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _refuse(self, status: int, title: str):
                page = f"<html><head><title>{status} {title}</title></head><body>{title}</body></html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        self._server = Server((host, 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The URL a user would configure: origin, sub-path, token."""
        return f"{self.origin}{self.prefix}" + (f"?token={self.token}" if self.token else "")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "SubPathProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
