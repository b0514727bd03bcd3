"""A real Prometheus for tests: Debian's binary on a free loopback port, temp config and data dir.

Never a fake of its HTTP API. History for "disappeared" metrics is backfilled with
`promtool tsdb create-blocks-from openmetrics` before the server starts.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import yaml

INSTALL_HINT = "Debian's prometheus is not installed: run the README's test command (scripts/test), which installs it"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    return path


class PrometheusServer:
    def __init__(self, scrape_targets: list[str] = (), rules: dict | None = None, scrape_interval: str = "1s"):
        self.dir = Path(tempfile.mkdtemp(prefix="vobs-prometheus-"))
        self.data = self.dir / "data"
        self.data.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [{"job_name": "maximus", "static_configs": [{"targets": list(scrape_targets)}]}],
        }
        if rules:
            (self.dir / "rules.yml").write_text(yaml.safe_dump(rules))
            config["rule_files"] = [str(self.dir / "rules.yml")]
        (self.dir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen | None = None

    def backfill(self, openmetrics: str) -> None:
        """Import history (must run before `start`): blocks land in the data dir."""
        source = self.dir / "backfill.om"
        source.write_text(openmetrics)
        subprocess.run([binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source), str(self.data)],
                       check=True, capture_output=True, text=True)

    def start(self, timeout: float = 30) -> "PrometheusServer":
        self.process = subprocess.Popen(
            [binary("prometheus"), f"--config.file={self.dir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.data}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--storage.tsdb.retention.time=30d", "--web.enable-lifecycle"],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "prometheus.log", "w"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {(self.dir / 'prometheus.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus did not become ready")

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
            time.sleep(0.3)
        raise TimeoutError(f"no result for {promql!r} within {timeout}s")

    def http_requests(self, handler: str) -> float:
        """Prometheus' own count of API requests to `handler`, from its /metrics: server-side truth."""
        text = requests.get(f"{self.url}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("prometheus_http_requests_total{") and f'handler="{handler}"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
