"""Session fixtures: the MAXIMUS simulator and a real Prometheus scraping it.

- `catalog`: the repository's metric catalog (narratives/metrics.yaml).
- `staging_simulator`: a second one (seed 8, environment `staging`, service `maximus-edge`), scraped
  by both backends too, so that label sets differ between targets.
- `simulator`: a running `Simulator` (seed 7, default leave-out: no spike counter) on a free
  loopback port; `.url`, `.port`, `.registry`.
- `victoria`: a running VictoriaMetrics (Debian's, the second real backend) scraping the same
  simulator, with the same RULES evaluated by Debian's vmalert and the same DISAPPEARED history
  imported; `.url`, `.disappeared_at`.
- `prometheus`: a running `PrometheusServer` scraping it every second, with RULES loaded (one
  recording rule that produces a series, one whose input is absent so it never does, one alert
  that never fires), and the backfilled history of DISAPPEARED, whose last sample is at
  `.disappeared_at` (epoch seconds, DISAPPEARED_HOURS_AGO ago). Fails — never skips — when
  Prometheus is not installed: CI installs it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from prometheus_harness import INSTALL_HINT, PrometheusMissing, PrometheusServer, binary
from victoria_harness import INSTALL_HINT as VM_INSTALL_HINT
from victoria_harness import VictoriaMetricsServer

from vertice_obs.metrics.catalog import MetricCatalog, MetricSpec, load_catalog
from vertice_obs.simulator import Simulator, openmetrics_history

REPO = Path(__file__).resolve().parent.parent

RECORDED = "maximus:dopamine_level:avg5m"  # its input is served: it produces a series
NEVER_RECORDED = "maximus:dopamine_spikes:rate5m"  # its input is left out: never a series
RULES = {"groups": [
    {"name": "maximus-recording", "rules": [
        {"record": RECORDED, "expr": "avg_over_time(maximus_dopamine_level[5m])"},
        {"record": NEVER_RECORDED, "expr": "rate(maximus_dopamine_spike_events_total[5m])"},
    ]},
    {"name": "maximus-alerts", "rules": [
        {"alert": "KillSwitchTooSlow", "expr": "maximus_kill_switch_latency_milliseconds > 1e9", "for": "1m"},
    ]},
]}
DISAPPEARED = "maximus_legacy_reward_total"
DISAPPEARED_HOURS_AGO = 48
LEGACY_CATALOG = MetricCatalog(file="<legacy>", metrics=(
    MetricSpec(DISAPPEARED, "counter", "rewards", "Rewards of the retired reward model.", "team-learning"),))


def legacy_history(disappeared_at: float, hours: int = 6) -> str:
    """OpenMetrics history of a counter exported every minute for `hours` until `disappeared_at`."""
    return openmetrics_history(LEGACY_CATALOG, disappeared_at - hours * 3600, disappeared_at, 60)


@pytest.fixture()
def project(tmp_path):
    """A copy of the repository's project, so backups and pulls land in a temp dir."""
    root = tmp_path / "project"
    for name in ("dashboards", "narratives"):
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(REPO / "narratives" / "metrics.yaml")


@pytest.fixture(scope="session")
def simulator(catalog):
    sim = Simulator(catalog, seed=7)
    sim.serve(0)
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def staging_simulator(catalog):
    """A second MAXIMUS, another environment and service: label sets that differ between targets."""
    sim = Simulator(catalog, seed=8, environment="staging", service_name="maximus-edge")
    sim.serve(0)
    yield sim
    sim.stop()


def _targets(*simulators) -> list[str]:
    return [s.url.removeprefix("http://") for s in simulators]


@pytest.fixture(scope="session")
def prometheus(simulator, staging_simulator):
    try:
        binary("prometheus"), binary("promtool")
    except PrometheusMissing:
        pytest.fail(INSTALL_HINT, pytrace=False)
    server = PrometheusServer(_targets(simulator, staging_simulator), rules=RULES)
    server.disappeared_at = float(int(time.time()) - DISAPPEARED_HOURS_AGO * 3600)
    try:
        server.backfill(legacy_history(server.disappeared_at))
        server.start()
        server.wait_for('maximus_dopamine_level{environment="staging"}')
        server.wait_for('maximus_dopamine_level{environment="dev"}')
        server.wait_for(RECORDED + '{environment="staging"}')
        server.wait_for(RECORDED + '{environment="dev"}')
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def victoria(simulator, staging_simulator):
    import copy

    if shutil.which("victoria-metrics") is None or shutil.which("vmalert") is None:
        pytest.fail(VM_INSTALL_HINT, pytrace=False)
    server = VictoriaMetricsServer(_targets(simulator, staging_simulator), rules=copy.deepcopy(RULES))
    server.disappeared_at = float(int(time.time()) - DISAPPEARED_HOURS_AGO * 3600)
    try:
        server.start()
        server.import_openmetrics(legacy_history(server.disappeared_at))
        server.wait_for('maximus_dopamine_level{environment="staging"}')
        server.wait_for('maximus_dopamine_level{environment="dev"}')
        server.wait_for(RECORDED + '{environment="staging"}')
        server.wait_for(RECORDED + '{environment="dev"}')
        server.wait_for(DISAPPEARED + "[3d]")
        yield server
    finally:
        server.stop()
