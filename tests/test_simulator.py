"""The MAXIMUS simulator: every catalog series but the left-out ones, with dynamics; its OpenMetrics history."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families
from prometheus_harness import INSTALL_HINT, free_port
from waiting import until

from vertice_obs.metrics.catalog import load_catalog
from vertice_obs.simulator import Simulator, openmetrics_history
from vertice_obs.simulator.processes import poisson as _poisson

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


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


# --- models ----------------------------------------------------------------------------------------
def series(sim, name, **labels):
    """Value of one exposed series (labels beyond environment/service_name)."""
    return sim.registry.get_sample_value(name, {"environment": "dev", "service_name": "maximus-core", **labels})


def family_total(values, name):
    return sum(v for (n, _), v in values.items() if n == name)


def test_dynamics_stay_plausible_and_change_tick_by_tick(catalog):
    sim = Simulator(catalog, leave_out=(), seed=5)
    levels, latencies, coherences, nodes = [], [], [], set()
    for _ in range(120):
        sim.tick(1.0)
        levels.append(series(sim, "maximus_dopamine_level"))
        latencies.append(series(sim, "maximus_kill_switch_latency_milliseconds"))
        coherences.append(series(sim, "maximus_esgt_coherence"))
        nodes.add(series(sim, "maximus_tig_nodes_active"))
    assert len(set(levels)) > 100 and all(0 <= v <= 1 for v in levels)  # drifts, never stuck
    assert all(50 <= v <= 150 for v in latencies)
    assert all(0.7 <= v <= 0.9 for v in coherences)
    assert nodes <= {31, 32}
    values = samples(sim)
    assert family_total(values, "maximus_arousal_state_seconds_total") == pytest.approx(121)  # one state at a time
    assert family_total(values, "maximus_esgt_ignition_events_total") > 20
    full = values[("maximus_esgt_ignition_events_total",
                   (("environment", "dev"), ("service_name", "maximus-core"), ("type", "full_ignition")))]
    assert 0.6 < full / family_total(values, "maximus_esgt_ignition_events_total") < 0.95


def test_learning_curve_latency_falls_and_reward_rises(catalog):
    sim = Simulator(catalog, leave_out=(), seed=4)

    def means():
        v = samples(sim)
        latency = family_total(v, "maximus_skill_execution_latency_seconds_sum") / \
            family_total(v, "maximus_skill_execution_latency_seconds_count")
        successes = sum(value for (n, labels), value in v.items()
                        if n == "maximus_skill_executions_total" and ("status", "success") in labels)
        return latency, successes / family_total(v, "maximus_skill_executions_total"), v

    for _ in range(120):
        sim.tick(1.0)
    early_latency, early_success, early = means()
    for _ in range(1200):
        sim.tick(1.0)
    late_latency, late_success, late = means()
    # Over the later window only (cumulative counters): latency down, successes up.
    later = {k: late[k] - early.get(k, 0) for k in late}
    window_latency = family_total(later, "maximus_skill_execution_latency_seconds_sum") / \
        family_total(later, "maximus_skill_execution_latency_seconds_count")
    assert window_latency < 0.6 * early_latency
    assert late_success > early_success + 0.2
    spikes_early = family_total(early, "maximus_dopamine_spike_events_total") / 121
    spikes_late = (family_total(late, "maximus_dopamine_spike_events_total")
                   - family_total(early, "maximus_dopamine_spike_events_total")) / 1200
    assert spikes_late < 0.7 * spikes_early  # fewer surprises once skills are learned


def test_generic_models_serve_any_catalog_metric_within_its_range():
    catalog = load_catalog(DATA / "mini-catalog.yaml")
    sim = Simulator(catalog)  # the default leave-out is not in this catalog: nothing left out
    assert sim.leave_out == frozenset()
    for _ in range(30):
        sim.tick(1.0)
    values = samples(sim)
    assert {name for name, _ in values} == catalog.series_names()
    pressure = [v for (n, _), v in values.items() if n == "maximus_memory_pressure_bytes"]
    assert pressure and all(1000 <= v <= 5000 for v in pressure)
    assert family_total(values, "maximus_dream_cycles_total") > 10
    assert family_total(values, "maximus_replay_batch_size_count") >= 30
    quantiles = {dict(labels)["quantile"]: v for (n, labels), v in values.items() if n == "maximus_planner_think_seconds"}
    assert set(quantiles) == {"0.5", "0.9", "0.99"} and 0.01 <= quantiles["0.5"] <= quantiles["0.99"] <= 0.5


def test_extra_labels_and_no_created_series_without_touching_the_global_registry(catalog):
    sim = Simulator(catalog, environment="staging", extra_labels={"cluster": "eu-1"})
    text = generate_latest(sim.registry).decode()
    assert "_created" not in text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            assert s.labels["environment"] == "staging" and s.labels["cluster"] == "eu-1", s
    # prometheus_client's process-wide settings are left alone: other registries keep `_created`.
    other = CollectorRegistry()
    Counter("unrelated_events", "x", registry=other).inc()
    assert "unrelated_events_created" in generate_latest(other).decode()
    assert not list(REGISTRY.collect()) or all(not f.name.startswith("maximus_") for f in REGISTRY.collect())
    with pytest.raises(ValueError, match="clash"):
        Simulator(catalog, extra_labels={"skill_name": "x"})


def test_served_over_http_with_room_for_more_endpoints(catalog):
    sim = Simulator(catalog, seed=2)
    port = sim.serve(0, tick_seconds=0.05)
    try:
        assert sim.url == f"http://127.0.0.1:{port}" and sim.port == port
        first = requests.get(f"{sim.url}/metrics", timeout=5)
        assert first.status_code == 200 and first.headers["Content-Type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(first.text)}
        assert "maximus_dopamine_level" in families and "maximus_dopamine_spike_events" not in families
        first_level = families["maximus_dopamine_level"].samples[0].value

        def moved():
            again = text_string_to_metric_families(requests.get(f"{sim.url}/metrics", timeout=5).text)
            return next(f for f in again if f.name == "maximus_dopamine_level").samples[0].value != first_level

        until(moved, "the simulated dopamine level to move between scrapes")
        assert requests.get(f"{sim.url}/debug", timeout=5).status_code == 404

        def debug(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]

        sim.mount("/debug", debug)  # more endpoints plug in beside /metrics and /fault/…
        assert requests.get(f"{sim.url}/debug", timeout=5).text == "ok\n"
        with pytest.raises(RuntimeError, match="already serving"):
            sim.serve(0)
    finally:
        sim.stop()
    assert sim.url is None
    sim.stop()  # idempotent


def test_poisson_small_and_large_means():
    rng = random.Random(0)
    for mean in (0.5, 5, 300, 5000):
        draws = [_poisson(rng, mean) for _ in range(2000)]
        assert abs(sum(draws) / len(draws) - mean) < 0.1 * mean + 0.1
    assert _poisson(rng, 0) == 0


# --- OpenMetrics history ---------------------------------------------------------------------------
def history_lines(text):
    """(series name, labels, value, timestamp) of every sample line of OpenMetrics text."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, value, timestamp = line.rsplit(" ", 2)
        name, _, labels = series.partition("{")
        out.append((name, labels.rstrip("}"), float(value), float(timestamp)))
    return out


def test_openmetrics_history_single_point_is_strict_openmetrics():
    # prometheus_client's strict parser wrongly rejects a histogram with several timestamped points,
    # or with negative buckets (no _sum, as OpenMetrics wants): one point of the mini catalog here;
    # promtool, the real consumer, takes the full catalog's history (tests below).
    catalog = load_catalog(DATA / "mini-catalog.yaml")
    text = openmetrics_history(catalog, 1_795_000_000, 1_795_000_000, 60)
    families = list(openmetrics_families(text))
    assert {s.name for f in families for s in f.samples} == catalog.series_names()
    assert {float(s.timestamp) for f in families for s in f.samples} == {1_795_000_000.0}


def test_openmetrics_history_series_in_time_order_with_disappearance(catalog):
    end = 1_795_000_000.0
    args = (catalog, end - 1800, end, 60)
    text = openmetrics_history(*args, disappear_at={"maximus_esgt_coherence": end - 900})
    assert text.endswith("\n# EOF\n")
    assert text == openmetrics_history(*args, disappear_at={"maximus_esgt_coherence": end - 900})  # deterministic
    rows = history_lines(text)
    times: dict = {}
    for name, labels, _, t in rows:
        times.setdefault((name, labels), []).append(t)
    assert all(ts == sorted(ts) and len(set(ts)) == len(ts) for ts in times.values())  # as backfilling needs
    by_name = {}
    for name, _, value, t in rows:
        by_name.setdefault(name, []).append((t, value))
    assert [t for t, _ in by_name["maximus_dopamine_level"]] == [end - 1800 + 60 * i for i in range(31)]
    assert len({v for _, v in by_name["maximus_dopamine_level"]}) > 20
    assert max(t for t, _ in by_name["maximus_esgt_coherence"]) == end - 900
    assert "maximus_dopamine_spike_events_total" not in by_name  # the default leave-out
    assert "maximus_dopamine_spike_events_total" in {n for n, *_ in history_lines(
        openmetrics_history(catalog, end, end, 60, leave_out=()))}


def test_openmetrics_history_backfills_with_promtool(catalog, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    end = time.time() - 3 * 3600
    source = tmp_path / "history.om"
    source.write_text(openmetrics_history(catalog, end - 4 * 3600, end, 120, leave_out=()))
    done = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # BLOCK ULID, MIN TIME, MAX TIME, DURATION, NUM SAMPLES, NUM CHUNKS, NUM SERIES, SIZE
    blocks = [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]
    exposed = len(samples(Simulator(catalog, leave_out=())))
    assert len(blocks) >= 2 and all(int(b[6]) >= exposed for b in blocks)


def test_openmetrics_history_refuses_a_backwards_range(catalog):
    with pytest.raises(ValueError):
        openmetrics_history(catalog, 100, 50, 10)


def test_faults_move_the_metrics_chaos_day_watches(catalog):
    sim = Simulator(catalog, seed=5)
    sim.serve(0, tick_seconds=0.1)
    try:
        def value(name, **labels):
            text = requests.get(f"{sim.url}/metrics", timeout=5).text
            return next(s.value for f in text_string_to_metric_families(text) for s in f.samples
                        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

        calm_clients = value("maximus_cockpit_connected_clients")
        assert requests.post(f"{sim.url}/fault/latency", json={"ms": 5000}, timeout=5).json()["latency_ms"] == 5000
        assert requests.post(f"{sim.url}/fault/kill-switch", timeout=5).json()["kill_switch"] is True
        until(lambda: value("maximus_kill_switch_activations_total") == 1, "one kill-switch activation")
        until(lambda: value("maximus_esgt_coherence") < 0.6, "coherence to break under lag and a frozen workspace")
        until(lambda: value("maximus_kill_switch_latency_milliseconds") > 200, "5 s of lag to leak into the check")
        until(lambda: value("maximus_cockpit_connected_clients") < calm_clients, "clients to leave a lagging stream")
        slow = value("maximus_streaming_latency_seconds_bucket", le="5.0")
        assert requests.delete(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
        assert requests.delete(f"{sim.url}/fault/kill-switch", timeout=5).json()["kill_switch"] is False
        until(lambda: value("maximus_esgt_coherence") > 0.6, "coherence to recover after the revert")
        until(lambda: value("maximus_streaming_latency_seconds_bucket", le="5.0") > slow, "fast requests again")
        bad = requests.post(f"{sim.url}/fault/latency", json={"milliseconds": 1}, timeout=5)
        assert bad.status_code == 400 and "KeyError" in bad.json()["error"]
    finally:
        sim.stop()
