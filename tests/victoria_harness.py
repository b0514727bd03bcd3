"""A real VictoriaMetrics for tests: Debian's `victoria-metrics` on a free loopback port, temp data dir.

The second real backend (issue 18): users at scale query Prometheus-compatible stores, which serve
only part of Prometheus' API. With `rules`, Debian's `vmalert` evaluates them against it (writing
recording-rule results back) and VictoriaMetrics serves `/api/v1/rules` by proxying to it
(`-vmalert.proxyURL`), as a production VictoriaMetrics with alerting does. VictoriaMetrics scrapes targets itself (`-promscrape.config`, the
Prometheus scrape-config format) and takes history through `/api/v1/import/prometheus` (the text
format with millisecond timestamps) — `import_openmetrics` converts the simulator's backfill.
`-search.latencyOffset=0s` unless a test asks for one (`latency_offset`): by default it hides the
newest 30 s of samples, which tests of that behaviour (the chaos runner's wait) keep.
"""

from __future__ import annotations

import shutil
import time
from typing import Iterable

import requests
import yaml
from prometheus_harness import LoopbackProcess, free_port

INSTALL_HINT = ("Debian's victoria-metrics is not installed: run the README's test command (scripts/test), "
                "which installs it — these tests need a real VictoriaMetrics")


class VictoriaMetricsServer(LoopbackProcess):
    """One single-node VictoriaMetrics scraping `scrape_targets` ("host:port") every `scrape_interval`."""

    name = "victoria-metrics"
    ready_path = "/health"

    def __init__(self, scrape_targets: Iterable[str] = (), scrape_interval: str = "1s", rules: dict | None = None,
                 latency_offset: str = "0s"):
        super().__init__("vobs-victoria-")
        self.latency_offset = latency_offset
        self.rules = rules
        self.vmalert: Vmalert | None = None
        self.vmalert_port = free_port() if rules else 0
        self.config = self.dir / "scrape.yml"
        self.config.write_text(yaml.safe_dump({"scrape_configs": [
            {"job_name": "maximus", "scrape_interval": scrape_interval,
             "static_configs": [{"targets": list(scrape_targets)}]}]} if scrape_targets else {"scrape_configs": []}))

    def command(self, port: int) -> list[str]:
        binary = shutil.which("victoria-metrics")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        proxy = [f"-vmalert.proxyURL=http://127.0.0.1:{self.vmalert_port}"] if self.rules else []
        return [binary, f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={self.dir / 'data'}",
                f"-promscrape.config={self.config}", f"-search.latencyOffset={self.latency_offset}", "-loggerLevel=ERROR",
                "-retentionPeriod=30d", *proxy]

    def start(self, timeout: float = 30, attempts: int = 3) -> "VictoriaMetricsServer":
        super().start(timeout, attempts)
        if self.rules:
            self.vmalert = Vmalert(self.url, self.rules, self.vmalert_port).start(timeout, attempts=1)
        return self

    def stop(self) -> None:
        if self.vmalert is not None:
            self.vmalert.stop()
        super().stop()

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


class Vmalert(LoopbackProcess):
    """Debian's vmalert evaluating `rules` every second against a VictoriaMetrics, writing back to it."""

    name = "vmalert"
    ready_path = "/-/healthy"

    def __init__(self, datasource: str, rules: dict, port: int):
        super().__init__("vobs-vmalert-")
        self.datasource, self.fixed_port = datasource, port
        for group in rules.get("groups", []):
            group.setdefault("interval", "1s")
        (self.dir / "rules.yml").write_text(yaml.safe_dump(rules))

    def command(self, port: int) -> list[str]:
        binary = shutil.which("vmalert")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        return [binary, f"-rule={self.dir / 'rules.yml'}", f"-datasource.url={self.datasource}",
                f"-remoteWrite.url={self.datasource}", f"-httpListenAddr=127.0.0.1:{port}",
                # the alert in the rules never fires; vmalert insists on a notifier all the same
                "-notifier.url=http://127.0.0.1:9", "-evaluationInterval=1s", "-loggerLevel=ERROR"]
