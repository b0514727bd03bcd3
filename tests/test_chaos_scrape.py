"""Scrape-aware probes, against a real Prometheus scraping the simulator every 5 s (the README's
demo config): a window shorter than 2 scrape intervals at the chosen time scale is refused, one
line per probe naming the interval; `chaos run` refuses before anything is injected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from prometheus_harness import PrometheusServer
from victoria_harness import VictoriaMetricsServer

from vertice_obs.chaos.scrape import prometheus_seconds, ranges, window_text
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "chaos" / "chaos-day-1.yaml"


@pytest.fixture(scope="module", params=["prometheus", "victoria-metrics"])
def slow_scrape(catalog, request):
    """Both real backends: VictoriaMetrics' /api/v1/targets has no `scrapeInterval` (it keeps the
    interval in the discovered labels), and the windows went unchecked against it."""
    sim = Simulator(catalog, leave_out=(), seed=5)
    sim.serve(0)
    backend = PrometheusServer if request.param == "prometheus" else VictoriaMetricsServer
    server = backend([sim.url.removeprefix("http://")], scrape_interval="5s")
    server.start()
    try:
        server.wait_for("maximus_dopamine_spike_events_total")
        server.wait_for("maximus_streaming_latency_seconds_bucket")
        yield sim, server
    finally:
        server.stop()
        sim.stop()


def check(server, *args, run=RUN):
    return CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(run), "--prometheus-url", server.url,
                                    *args])


def test_windows_shorter_than_two_scrapes_are_refused_one_line_per_probe(slow_scrape):
    _, server = slow_scrape
    result = check(server, "--time-scale", "0.1")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "chaos/window-too-short" in line]
    # ${window} is settle (45 s) × 0.1 = 4.5 s; two scrapes at 5 s need 10 s (time scale ≥ 0.222).
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith("chaos/chaos-day-1.yaml:32 → scenario streaming-latency → probe stream-p95: "
                               "error: window 4500ms is shorter than 2 scrape intervals of 5s (maximus 127.0.0.1:")
    assert lines[1].startswith("chaos/chaos-day-1.yaml:53 → scenario kill-switch → probe dopamine-spikes: ")
    for line in lines:
        assert "window 4500ms is shorter than 2 scrape intervals of 5s (maximus 127.0.0.1:" in line
        assert "at --time-scale 0.1" in line and "use --time-scale 0.222 or more" in line
    assert "NOT ready: 2 probe windows would measure nothing" in result.stdout


def test_the_same_probes_are_ready_at_a_time_scale_that_spans_two_scrapes(slow_scrape):
    _, server = slow_scrape
    result = check(server, "--time-scale", "0.25")  # 11.25 s ≥ 10 s
    assert result.exit_code == 0, result.output
    assert "4 probes — ready" in result.stdout


def test_the_probes_metrics_are_checked_with_the_window_the_run_will_send(slow_scrape):
    """A trial: `chaos check --time-scale 0.25` checked each probe with the unscaled `${window}` (45 s)
    while the run sends 11.25 s — the queries a user read in `--format json` were not the run's."""
    _, server = slow_scrape
    result = check(server, "--time-scale", "0.25", "--format", "json")
    assert result.exit_code == 0, result.output
    queries = {f["details"]["query"] for f in json.loads(result.stdout)["findings"] if "query" in f.get("details", {})}
    assert "sum(increase(maximus_dopamine_spike_events_total[11250ms]))" in queries, queries
    assert not any("[45s]" in q for q in queries), queries


def test_a_probe_metric_that_stops_the_run_is_an_error_not_a_warning(slow_scrape, tmp_path):
    """A trial: `warning: maximus_esgt_coherenc is missing`, `1 warning`, then `NOT ready`, exit 1 — a
    warning that stopped the run, where a window too short for the same reason is an error (Chaos Day
    trial LOW 2: the severities follow the project's Finding severities)."""
    _, server = slow_scrape
    run = tmp_path / "day.yaml"
    run.write_text(RUN.read_text().replace("avg(maximus_esgt_coherence)", "avg(maximus_esgt_coherenc)"))
    result = check(server, run=run)
    assert result.exit_code == 1, result.output
    [line] = [line for line in result.stdout.splitlines() if "[metric/missing]" in line]
    assert "probe esgt-coherence: error: maximus_esgt_coherenc is missing" in line, line
    assert "1 error\n" in result.stdout and "warning" not in result.stdout
    found = json.loads(check(server, "--format", "json", run=run).stdout)
    assert [f["severity"] for f in found["findings"] if f["check"] == "metric/missing"] == ["error"]
    assert found["ready"] is False


def test_every_mistake_is_said_in_one_check_a_missing_metric_and_short_windows(slow_scrape, tmp_path):
    """Trial 20 MED 1: with a probe's metric missing, the windows were not checked at all — the user
    fixed the metric to learn of two short windows next. Both now, in one run (check and run); the
    probe whose metric is missing is not also said to have no scrape interval."""
    sim, server = slow_scrape
    run = tmp_path / "day.yaml"
    run.write_text(RUN.read_text().replace("avg(maximus_esgt_coherence)", "avg(maximus_esgt_coherenc)"))
    result = check(server, "--time-scale", "0.1", run=run)
    assert result.exit_code == 1, result.output
    assert result.stdout.count("[metric/missing]") == 1 and result.stdout.count("[chaos/window-too-short]") == 2
    assert "scrape-unknown" not in result.stdout and "warning" not in result.stdout
    assert "NOT ready: 1 probe metric and 2 probe windows would measure nothing" in result.stdout
    found = json.loads(check(server, "--time-scale", "0.1", "--format", "json", run=run).stdout)["findings"]
    assert not [f for f in found if f["check"] == "chaos/scrape-unknown"]
    ran = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(run), "--target-url", sim.url,
                                   "--prometheus-url", server.url, "--time-scale", "0.1",
                                   "--journal", str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert ran.exit_code == 1
    assert "not started — 1 probe metric and 2 probe windows would measure nothing" in ran.stderr
    assert not (tmp_path / "j.json").exists()


def test_a_literal_window_is_checked_too(slow_scrape, tmp_path):
    _, server = slow_scrape
    run = tmp_path / "day.yaml"
    run.write_text(RUN.read_text().replace("events_total[${window}]", "events_total[8s]"))
    result = check(server, run=run)
    assert result.exit_code == 1
    [line] = [line for line in result.stdout.splitlines() if "chaos/window-too-short" in line]
    assert "probe dopamine-spikes" in line and "window 8s is shorter than 2 scrape intervals of 5s" in line
    assert "lengthen the window, or scrape more often" in line


def test_run_refuses_before_anything_is_injected(slow_scrape, tmp_path):
    sim, server = slow_scrape
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(RUN), "--target-url", sim.url,
                                      "--prometheus-url", server.url, "--time-scale", "0.1",
                                      "--journal", str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert result.exit_code == 1
    assert "not started — 2 probe windows would measure nothing" in result.stderr
    assert result.stdout.count("is shorter than 2 scrape intervals of 5s") == 2
    assert not (tmp_path / "j.json").exists()
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json() == {"latency_ms": 0.0, "kill_switch": False}


def test_durations_and_windows_read_as_prometheus_reads_them():
    assert [prometheus_seconds(t) for t in ("5s", "1m30s", "250ms", "nope", "")] == [5, 90, 0.25, None, None]
    assert [window_text(s) for s in (4.5, 2, 0.0004)] == ["4500ms", "2s", "1ms"]
    assert sorted(ranges("max_over_time(rate(x[1m])[5m:10s]) + increase(y[4s])")) == [4, 60]
