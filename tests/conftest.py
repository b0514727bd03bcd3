"""Session fixtures: the MAXIMUS simulator and a real Prometheus scraping it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prometheus_harness import PrometheusServer
from vertice_obs.catalog import load_catalog
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent

# A rule whose output exists, and one whose input is absent (so it never produces a series).
RULES = {"groups": [{"name": "maximus-recording", "rules": [
    {"record": "maximus:dopamine_level:avg5m", "expr": "avg_over_time(maximus_dopamine_level[5m])"},
    {"record": "maximus:dopamine_spikes:rate5m", "expr": "rate(maximus_dopamine_spike_events_total[5m])"},
]}]}
DISAPPEARED = "maximus_legacy_reward_total"
DISAPPEARED_HOURS_AGO = 48


def legacy_history(end: float) -> str:
    """OpenMetrics history of a counter that stopped being exported `DISAPPEARED_HOURS_AGO` ago."""
    lines = ["# TYPE maximus_legacy_reward counter"]
    start = end - 6 * 3600
    t, value = start, 0
    while t <= end:
        value += 3
        lines.append(f'{DISAPPEARED}{{environment="dev"}} {value} {t:.0f}')
        t += 60
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(REPO / "narratives" / "metrics.yaml")


@pytest.fixture(scope="session")
def simulator(catalog):
    sim = Simulator(catalog, seed=7)
    port = sim.serve(0)
    sim.url = f"http://127.0.0.1:{port}"
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def prometheus(simulator):
    target = simulator.url.removeprefix("http://")
    server = PrometheusServer([target], rules=RULES)
    server.disappeared_at = time.time() - DISAPPEARED_HOURS_AGO * 3600
    server.backfill(legacy_history(server.disappeared_at))
    server.start()
    try:
        server.wait_for("maximus_dopamine_level")
        server.wait_for("maximus:dopamine_level:avg5m")
        yield server
    finally:
        server.stop()
