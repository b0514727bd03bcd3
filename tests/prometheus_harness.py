"""A real Prometheus for tests: Debian's binary on a free loopback port, temp config and data dir.

Never a fake of its HTTP API. History (e.g. a metric that disappeared days ago) is backfilled
with `promtool tsdb create-blocks-from openmetrics` before the server starts; Prometheus loads
the blocks at start. What Prometheus 2.42 does with them (checked by tests/test_sources.py):
  - blocks of any age load, even ones ending minutes ago: with an empty head nothing overlaps, and
    overlapping blocks are merged anyway since 2.39;
  - time retention is measured from the newest block, not the wall clock: a lone 20-day-old
    block survives the default 15d, but is deleted at start once newer blocks exist — so the
    harness sets a retention (30d) longer than any history a test writes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import requests
import yaml

INSTALL_HINT = ("Debian's prometheus/promtool are not installed: run the README's test command (scripts/test), "
                "which installs them — these tests need a real Prometheus")


def _exposition_handler(body: Callable[[], bytes]) -> type[BaseHTTPRequestHandler]:
    """A handler that answers every GET with `body()` as Prometheus' text exposition format."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            page = body()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    return Handler


class StaticExporter:
    """Serves one /metrics body from a thread, for a Prometheus to scrape (`.target`): series whose
    labels are what a test or benchmark is about. `body` may be replaced (a metric that stops being
    exported). Stop it with `stop()`."""

    def __init__(self, body: bytes):
        self.body = body
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _exposition_handler(lambda: self.body))
        self.target = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ProcessExporter:
    """Serves one /metrics body (fixed) from a process of its own: out of reach of the test's work, so a
    scrape is answered within its timeout however busy the test keeps the interpreter (a scrape missed
    marks every series stale, and queries over a short range then answer nothing). Stop it with `stop()`."""

    def __init__(self, body: bytes):
        self.page = tempfile.NamedTemporaryFile("wb", suffix=".prom", delete=False)
        self.page.write(body)
        self.page.close()
        here = str(Path(__file__).resolve().parent)
        self.process = subprocess.Popen([sys.executable, "-c", f"import sys; sys.path.insert(0, {here!r}); "
                                         "import prometheus_harness as h; h._serve_file(sys.argv[1])", self.page.name],
                                        stdout=subprocess.PIPE, text=True)
        self.target = f"127.0.0.1:{self.process.stdout.readline().strip()}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        os.unlink(self.page.name)


def _serve_file(path: str) -> None:
    """`ProcessExporter`'s process: serve the file's bytes on a free port, said on stdout."""
    body = Path(path).read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _exposition_handler(lambda: body))
    print(server.server_address[1], flush=True)
    server.serve_forever()


class PrometheusMissing(RuntimeError):
    """The prometheus or promtool binary is not on PATH."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PrometheusMissing(INSTALL_HINT)
    return path


class LoopbackProcess:
    """A server binary of a Debian package on a free loopback port, with a temp dir it owns.

    Subclasses say how to start it (`command`) and when it is ready (`ready_path`, `is_ready`).
    `start()` retries when the port was taken between `free_port()` and the bind.
    """

    name = "server"
    ready_path = "/-/ready"

    def __init__(self, prefix: str):
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.log = self.dir / f"{self.name}.log"
        self.port = 0
        self.fixed_port = 0  # a port chosen in advance (another process must know it first)
        self.url = ""
        self.process: subprocess.Popen | None = None

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def is_ready(self, response: requests.Response) -> bool:
        return response.status_code == 200

    def __enter__(self):
        return self if self.running else self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 30, attempts: int = 3):
        """Start and wait until ready. A port taken between `free_port()` and the bind is retried."""
        if self.running:
            raise RuntimeError(f"already running at {self.url}")
        for _ in range(attempts):
            self.port = self.fixed_port or free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            with open(self.log, "w") as log:  # the child keeps its own descriptor
                self.process = subprocess.Popen(self.command(self.port), stdout=subprocess.DEVNULL, stderr=log)
            if self._wait_ready(timeout):
                return self
            if "address already in use" not in self.log.read_text():
                break
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self.is_ready(requests.get(f"{self.url}{self.ready_path}", timeout=1)):
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self._terminate()
        return False

    def stop(self) -> None:
        """Terminate (then kill) the process and remove the temp dir; idempotent."""
        self._terminate()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class PrometheusServer(LoopbackProcess):
    """One Prometheus process scraping `scrape_targets` ("host:port") every `scrape_interval`, as `job`.

    `rules` is a rule-file document ({"groups": [...]}, recording and/or alerting rules).
    Use: `backfill(...)` (optional) → `start()` → `wait_for(...)` → … → `stop()`; or `with`.
    """

    def __init__(self, scrape_targets: Iterable[str] = (), rules: dict | None = None, scrape_interval: str = "1s",
                 retention: str = "30d", job: str = "maximus"):
        super().__init__("vobs-prometheus-")
        self.data = self.dir / "data"
        self.data.mkdir()
        self.retention = retention
        config = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": list(scrape_targets)}]}],
        }
        if rules:
            (self.dir / "rules.yml").write_text(yaml.safe_dump(rules))
            config["rule_files"] = [str(self.dir / "rules.yml")]
        self.config = self.dir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(config))

    name = "prometheus"

    def command(self, port: int) -> list[str]:
        return [binary("prometheus"), f"--config.file={self.config}", f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{port}", f"--storage.tsdb.retention.time={self.retention}",
                "--web.enable-lifecycle"]

    def backfill(self, openmetrics: str) -> str:
        """Import OpenMetrics history into the data dir (before `start`); returns promtool's block table."""
        if self.process is not None:
            raise RuntimeError("backfill before start: Prometheus only loads blocks when it starts")
        source = self.dir / f"backfill-{len(list(self.dir.glob('backfill-*')))}.om"
        source.write_text(openmetrics)
        done = subprocess.run([binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source),
                               str(self.data)], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"promtool backfill failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def query(self, promql: str) -> list:
        response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def wait_for(self, promql: str, timeout: float = 30) -> list:
        """Poll until `promql` returns something (e.g. a scraped metric, an evaluated rule)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(promql)
            if result:
                return result
            time.sleep(0.2)
        raise TimeoutError(f"no result for {promql!r} within {timeout}s")

    def http_requests(self, handler: str) -> float:
        """Prometheus' own count of API requests to `handler`, from its /metrics: server-side truth."""
        text = requests.get(f"{self.url}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("prometheus_http_requests_total{") and f'handler="{handler}"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total


@contextmanager
def scraping(sim: Any, wait_for: str) -> Iterator["PrometheusServer"]:
    """`sim` (a vobs `Simulator`, served here at a 0.25 s tick) and a Prometheus scraping it, yielded
    once `wait_for` has a series; both stopped after — the simulator even when Prometheus cannot start."""
    sim.serve(0, tick_seconds=0.25)
    try:
        server = PrometheusServer([sim.url.removeprefix("http://")])
        server.start()
        try:
            server.wait_for(wait_for)
            yield server
        finally:
            server.stop()
    finally:
        sim.stop()
