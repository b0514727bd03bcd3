"""A reverse proxy in front of a REAL metric backend that withholds some of its API (issue 18).

Prometheus-compatible stores serve part of Prometheus' API: no `/api/v1/rules` without a ruler, no
series endpoint behind some query frontends. This proxy forwards everything to the real server
except the paths it is told to withhold, which answer 404 — the behaviour being tested is still the
real backend's for every request that reaches it.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterable


class CapabilityProxy:
    def __init__(self, upstream: str, withhold: Iterable[str] = (), status: int = 404,
                 withhold_queries: Iterable[str] = (), warn_on: Iterable[str] = (), warnings: Iterable[str] = (),
                 partial_on: Iterable[str] = ()):
        self.upstream = upstream.rstrip("/")
        self.withhold = tuple(withhold)
        self.withhold_queries = tuple(withhold_queries)  # a request whose (decoded) body or query string holds one
        self.status = status
        # A successful JSON answer to a request whose text holds one of `warn_on` gets `warnings` added,
        # as Thanos adds them to a partial response (the answer is the real backend's otherwise).
        self.warn_on, self.warnings = tuple(warn_on), list(warnings)
        # ... or, for one holding one of `partial_on`, `"isPartial": true` before `data`, where a
        # VictoriaMetrics cluster's vmselect writes it (app/vmselect/prometheus/query_response.qtpl).
        self.partial_on = tuple(partial_on)
        self.seen: list[str] = []
        self.withheld: list[str] = []  # the requests withheld for their query text
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                path = self.path
                proxy.seen.append(path.split("?", 1)[0])
                if path.split("?", 1)[0] in proxy.withhold:
                    self._answer(proxy.status, b"withheld by the test proxy\n", "text/plain")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                text = urllib.parse.unquote_plus(path + "&" + (body or b"").decode("utf-8", "replace"))
                if any(marker in text for marker in proxy.withhold_queries):
                    proxy.withheld.append(text)
                    self._answer(proxy.status, b"withheld by the test proxy\n", "text/plain")
                    return
                request = urllib.request.Request(proxy.upstream + path, data=body, method=self.command)
                if self.headers.get("Content-Type"):
                    request.add_header("Content-Type", self.headers["Content-Type"])
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        body = answer.read()
                        if any(marker in text for marker in proxy.warn_on):
                            payload = json.loads(body)
                            body = json.dumps({**payload, "warnings": proxy.warnings}).encode()
                        if any(marker in text for marker in proxy.partial_on):
                            payload = json.loads(body)
                            body = json.dumps({"status": payload.pop("status"), "isPartial": True, **payload}).encode()
                        self._answer(answer.status, body, answer.headers.get("Content-Type", ""))
                except urllib.error.HTTPError as err:
                    self._answer(err.code, err.read(), err.headers.get("Content-Type", ""))

            do_GET = do_POST = _forward

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> "CapabilityProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
