"""Faults the simulator answers, for Chaos Day: extra stream latency and the kill switch.

`/fault/latency` (POST {"ms": N}, DELETE) and `/fault/kill-switch` (POST, DELETE); GET shows the state.
"""

from __future__ import annotations

import json
from typing import Callable


class Faults:
    """Mixed into `Simulator`: the fault state lives on the simulator, behind its lock."""

    def set_latency(self, ms: float) -> None:
        with self._lock:
            self.latency_ms = max(0.0, float(ms))

    def set_kill_switch(self, active: bool) -> None:
        with self._lock:
            if active and not self.kill_switch:
                self._inc("maximus_kill_switch_activations_total", 1)
            self.kill_switch = active

    def fault_app(self) -> Callable:
        """`/fault/latency` (POST {"ms": N}, DELETE) and `/fault/kill-switch` (POST, DELETE); GET shows state."""

        def app(environ, start_response):
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
                if path == "/fault/latency" and method == "POST":
                    self.set_latency(float(body["ms"]))
                elif path == "/fault/latency" and method == "DELETE":
                    self.set_latency(0)
                elif path == "/fault/kill-switch" and method in ("POST", "DELETE"):
                    self.set_kill_switch(method == "POST")
                elif method != "GET":
                    raise ValueError(f"{method} {path} is not a fault operation")
            except (ValueError, KeyError, TypeError) as exc:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()]
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"latency_ms": self.latency_ms, "kill_switch": self.kill_switch}).encode()]

        return app
