"""A real VictoriaMetrics for tests: Debian's `victoria-metrics` on a free loopback port, temp data dir.

The second real backend (issue 18): users at scale query Prometheus-compatible stores, which serve
only part of Prometheus' API. VictoriaMetrics scrapes targets itself (`-promscrape.config`, the
Prometheus scrape-config format) and takes history through `/api/v1/import/prometheus` (the text
format with millisecond timestamps) — `import_openmetrics` converts the simulator's backfill.
`-search.latencyOffset=0s`: by default it hides the newest 30 s of samples.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable

import requests
import yaml
from prometheus_harness import free_port

INSTALL_HINT = ("Debian's victoria-metrics is not installed: run the README's test command (scripts/test), "
                "which installs it — these tests need a real VictoriaMetrics")


class VictoriaMetricsServer:
    """One single-node VictoriaMetrics scraping `scrape_targets` ("host:port") every `scrape_interval`."""

    def __init__(self, scrape_targets: Iterable[str] = (), scrape_interval: str = "1s"):
        self.dir = Path(tempfile.mkdtemp(prefix="vobs-victoria-"))
        self.config = self.dir / "scrape.yml"
        self.config.write_text(yaml.safe_dump({"scrape_configs": [
            {"job_name": "maximus", "scrape_interval": scrape_interval,
             "static_configs": [{"targets": list(scrape_targets)}]}]} if scrape_targets else {"scrape_configs": []}))
        self.log = self.dir / "victoria.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "VictoriaMetricsServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 30, attempts: int = 3) -> "VictoriaMetricsServer":
        binary = shutil.which("victoria-metrics")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        for _ in range(attempts):
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            with open(self.log, "w") as log:
                self.process = subprocess.Popen(
                    [binary, f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={self.dir / 'data'}",
                     f"-promscrape.config={self.config}", "-search.latencyOffset=0s", "-loggerLevel=ERROR",
                     "-retentionPeriod=30d"],
                    stdout=subprocess.DEVNULL, stderr=log)
            if self._wait_ready(timeout):
                return self
            if "address already in use" not in self.log.read_text():
                break
        raise RuntimeError(f"victoria-metrics did not start: {self.log.read_text()[-2000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(f"{self.url}/health", timeout=1).text.strip() == "OK":
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self._terminate()
        return False

    def import_openmetrics(self, text: str) -> None:
        """Import timestamped OpenMetrics (seconds) as Prometheus text (milliseconds), then flush."""
        lines = []
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            head, value, ts = line.rsplit(" ", 2)
            lines.append(f"{head} {value} {int(round(float(ts) * 1000))}")
        response = requests.post(f"{self.url}/api/v1/import/prometheus", data="\n".join(lines) + "\n", timeout=30)
        response.raise_for_status()
        requests.get(f"{self.url}/internal/force_flush", timeout=30).raise_for_status()

    def wait_for(self, promql: str, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5).json()
            if result.get("data", {}).get("result"):
                return result["data"]["result"]
            time.sleep(0.2)
        raise TimeoutError(f"no result for {promql!r} within {timeout}s")

    def stop(self) -> None:
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
