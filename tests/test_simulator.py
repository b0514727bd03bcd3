"""The MAXIMUS simulator: every catalog series but the left-out ones, with dynamics."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from prometheus_harness import free_port
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent


def samples(sim):
    text = generate_latest(sim.registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_serves_every_catalog_series_except_the_left_out_one(catalog):
    names = {name for name, _ in samples(Simulator(catalog))}
    assert catalog.series_names() - names == {"maximus_dopamine_spike_events_total"}
    assert names - catalog.series_names() == set()
    everything = {name for name, _ in samples(Simulator(catalog, leave_out=()))}
    assert everything == catalog.series_names()


def test_learning_curves_and_dynamics(catalog):
    sim = Simulator(catalog, leave_out=(), seed=3)
    first = samples(sim)
    for _ in range(900):
        sim.tick(1.0)
    later = samples(sim)
    rate = lambda s: s[("maximus_skill_success_rate",
                        (("environment", "dev"), ("service_name", "maximus-core"), ("skill_name", "navigate")))]
    assert rate(later) > rate(first) + 0.3  # the skill was learned
    spikes = sum(v for (n, _), v in later.items() if n == "maximus_dopamine_spike_events_total")
    ignitions = sum(v for (n, _), v in later.items() if n == "maximus_esgt_ignition_events_total")
    assert spikes > 100 and ignitions > 100
    assert all(v >= 0 for (n, _), v in later.items() if n.endswith("_total"))


def test_same_seed_same_run(catalog):
    a, b = Simulator(catalog, seed=1), Simulator(catalog, seed=1)
    for sim in (a, b):
        for _ in range(50):
            sim.tick(1.0)
    assert samples(a) == samples(b)


def test_unknown_leave_out_is_refused(catalog):
    with pytest.raises(ValueError, match="not in the catalog, cannot leave out: nope"):
        Simulator(catalog, leave_out={"nope"})


def test_vobs_simulate_command_serves_metrics():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "vertice_obs", "-C", str(REPO), "simulate", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, process.stderr.read() if process.poll() is not None else "timeout"
                time.sleep(0.2)
        assert "maximus_dopamine_level{" in body
        assert "maximus_dopamine_spike_events_total" not in body
        assert requests.get(f"http://127.0.0.1:{port}/nope", timeout=1).status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_vobs_simulate_bad_leave_out_is_one_line():
    result = subprocess.run([sys.executable, "-m", "vertice_obs", "-C", str(REPO), "simulate", "--leave-out", "nope",
                             "--port", "0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == "vobs: error: not in the catalog, cannot leave out: nope"
