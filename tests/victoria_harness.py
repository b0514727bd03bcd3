"""A real VictoriaMetrics for tests: Debian's `victoria-metrics` on a free loopback port, temp data dir.

The second real backend (issue 18): users at scale query Prometheus-compatible stores, which serve
only part of Prometheus' API. VictoriaMetrics scrapes targets itself (`-promscrape.config`, the
Prometheus scrape-config format) and takes history through `/api/v1/import/prometheus` (the text
format with millisecond timestamps) — `import_openmetrics` converts the simulator's backfill.
`-search.latencyOffset=0s`: by default it hides the newest 30 s of samples.
"""

from __future__ import annotations

import shutil
import time
from typing import Iterable

import requests
import yaml
from prometheus_harness import LoopbackProcess

INSTALL_HINT = ("Debian's victoria-metrics is not installed: run the README's test command (scripts/test), "
                "which installs it — these tests need a real VictoriaMetrics")


class VictoriaMetricsServer(LoopbackProcess):
    """One single-node VictoriaMetrics scraping `scrape_targets` ("host:port") every `scrape_interval`."""

    name = "victoria-metrics"
    ready_path = "/health"

    def __init__(self, scrape_targets: Iterable[str] = (), scrape_interval: str = "1s"):
        super().__init__("vobs-victoria-")
        self.config = self.dir / "scrape.yml"
        self.config.write_text(yaml.safe_dump({"scrape_configs": [
            {"job_name": "maximus", "scrape_interval": scrape_interval,
             "static_configs": [{"targets": list(scrape_targets)}]}]} if scrape_targets else {"scrape_configs": []}))

    def command(self, port: int) -> list[str]:
        binary = shutil.which("victoria-metrics")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        return [binary, f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={self.dir / 'data'}",
                f"-promscrape.config={self.config}", "-search.latencyOffset=0s", "-loggerLevel=ERROR",
                "-retentionPeriod=30d"]

    def is_ready(self, response: requests.Response) -> bool:
        return response.text.strip() == "OK"

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
