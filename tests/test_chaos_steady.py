"""Before any fault, is each probe steady? (`chaos/probe-unsteady`). Trial 20 MED 2: the README's
rehearsal at `--time-scale 0.05` reported a P1 for the dopamine-spike probe that was chance — its
2.25 s window over a counter ticking about once a second is 0 almost half the time, fault or not.
Against a real Prometheus scraping the simulator (every metric, the spike counter too)."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP
from click.testing import CliRunner
from prometheus_harness import scraping
from waiting import until

from vertice_obs.chaos.scrape import worst_points
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

SPIKES = "maximus_dopamine_spike_events_total"
HISTORY = 30  # samples Prometheus holds before the checks: enough to tell (MIN_SAMPLES is 10)
# Probes of known shape, whatever the simulator's chance: `time() % 4` swings 0 → 4 every 4 s, so
# `< 2` breaches about half the samples; `+ 1` never breaches `> 0`; `/ 0 * 0` is NaN throughout.
DAY = f"""\
id: steady
title: Steady or not
owner: team-cockpit
baseline: 160s
recover: 160s
settle: 45s
scenarios:
  - id: stream
    title: Streaming latency
    fault:
      kind: latency
      steps: [2s]
      hold: 160s
{LATENCY_HTTP}
    probes:
      - {{id: swinging, title: Swinging, query: "sum(maximus_dopamine_level) * 0 + (time() % 4)", unit: s, threshold: {{op: "<", value: 2}}}}
      - {{id: steady, title: Steady, query: "sum(maximus_dopamine_level) * 0 + 1", unit: ratio, threshold: {{op: ">", value: 0}}}}
      - {{id: nan, title: NaN, query: "sum(maximus_dopamine_level) / 0 * 0", unit: ratio, threshold: {{op: ">", value: 0.6}}}}
"""


def samples(server) -> int:
    answer = requests.get(f"{server.url}/api/v1/query", params={"query": f"count_over_time({SPIKES}[10m])"},
                          timeout=5).json()["data"]["result"]
    return int(float(answer[0]["value"][1])) if answer else 0


def check(server, scale: str, run: Path) -> tuple[int, str, list[dict]]:
    args = ["-C", str(run.parent), "chaos", "check", str(run), "--prometheus-url", server.url, "--time-scale", scale]
    text = CliRunner().invoke(cli, args)
    data = CliRunner().invoke(cli, [*args, "--format", "json"])
    return text.exit_code, text.output, json.loads(data.stdout)["findings"]


@pytest.fixture(scope="module")
def steady_server(catalog, tmp_path_factory):
    """`chaos check` once Prometheus holds enough samples to tell (a deadline, not a sleep)."""
    run = tmp_path_factory.mktemp("steady") / "day.yaml"
    run.write_text(DAY)
    sim = Simulator(catalog, leave_out=(), seed=11)
    with scraping(sim, SPIKES) as server:
        deadline = time.monotonic() + 120
        while samples(server) < HISTORY:
            assert time.monotonic() < deadline, "Prometheus gathered too few samples in 2 minutes"
            time.sleep(0.5)
        yield None, check(server, "0.05", run), server


def unsteady(findings: list[dict]) -> dict[str, dict]:
    return {f["location"]["target"].rsplit("probe ", 1)[1]: f for f in findings if f["check"] == "chaos/probe-unsteady"}


def test_a_probe_that_breaches_with_no_fault_is_said_before_the_run(steady_server):
    _, (code, output, findings), _ = steady_server
    assert code == 0, output  # a warning: the run is still ready
    swinging = unsteady(findings)["swinging"]
    assert swinging["severity"] == "warning" and swinging["location"]["file"].endswith("day.yaml")
    details = swinging["details"]
    assert details["samples"] >= HISTORY - 2 and details["breaches"] >= details["samples"] // 4
    assert swinging["message"].startswith(f"breaches its threshold (< 2) in {details['breaches']} of "
                                          f"{details['samples']} samples of the last 10 minutes, before any fault, "
                                          "at the window the run sends (2250ms): a breach in this run could be chance")
    assert "[chaos/probe-unsteady]" in output and "probe swinging" in output and "— ready" in output


def test_a_steady_probe_and_one_with_no_data_are_not_said(steady_server):
    """Never breaching, or NaN throughout (no data, as the report reads it — not a breach in every
    sample): nothing to say of them."""
    _, (_, _, findings), _ = steady_server
    assert set(unsteady(findings)) == {"swinging"}


def test_too_few_samples_say_nothing(steady_server, tmp_path):
    """A few seconds to judge (a run recorded just before them; or a Prometheus started a moment
    ago, as the README's demo runs the check 5 s after it): too little to tell, no guess — though
    the swinging probe breaches in half of them."""
    *_, server = steady_server
    (tmp_path / "chaos" / "journals").mkdir(parents=True)
    run = tmp_path / "day.yaml"
    run.write_text(DAY)
    journal = tmp_path / "chaos" / "journals" / "steady-20261129T000000Z.json"
    journal.write_text("{}")
    then = time.time() - 2.25 - 4  # the window (2.25 s) then 4 s of samples: fewer than MIN_SAMPLES
    os.utime(journal, (then, then))
    code, output, findings = check(server, "0.05", run)
    assert code == 0, output
    assert not unsteady(findings)


def test_a_run_this_project_recorded_is_no_noise(steady_server, tmp_path):
    """Review of this stop: rehearsing twice in a row, the first run's injected breaches counted as
    "before any fault". The lookback starts once the window has left the project's latest journal:
    one written a moment ago leaves nothing to judge; one older than the lookback changes nothing."""
    *_, server = steady_server
    (tmp_path / "chaos" / "journals").mkdir(parents=True)
    run = tmp_path / "day.yaml"
    run.write_text(DAY)
    journal = tmp_path / "chaos" / "journals" / "steady-20261129T000000Z.json"
    journal.write_text("{}")
    assert not unsteady(check(server, "0.05", run)[2])
    old = time.time() - 3600
    os.utime(journal, (old, old))
    assert set(unsteady(check(server, "0.05", run)[2])) == {"swinging"}


@pytest.mark.parametrize("rows, op, expected", [
    ([[1, "NaN"], [1, "5"]], ">", 5.0),  # a NaN first hid the other series' value (min([nan, 5]) is nan)
    ([[1, "5"], [1, "NaN"]], ">", 5.0),
    ([[1, "+Inf"], [1, "0.3"]], "<", 0.3),  # ±Inf is no data too, as the report reads it
    ([[1, "2"], [1, "0.3"]], "<", 2.0),  # the worst for `<`: the highest
    ([[1, "NaN"], [1, "-Inf"]], ">", None),  # nothing but no data: as said (recorded as null)
    ([[1, "+Inf"]], "<", math.inf),  # one series: its value as Prometheus said it
])
def test_the_worst_value_at_an_instant_is_among_the_numbers(rows, op, expected):
    """Review of this stop: with a NaN in one series, the pick depended on the series' order and
    could hide a breach in another — in the run's samples and in the steadiness check alike."""
    matrix = [{"metric": {"i": str(n)}, "values": [row]} for n, row in enumerate(rows)]
    [(ts, value)] = worst_points(matrix, op)
    assert ts == 1.0
    assert not math.isfinite(value) if expected is None else value == expected


REFUSED = DAY.split("    probes:\n")[0] + """    probes:
      - {id: steady, title: Steady, query: "sum(maximus_dopamine_level) * 0 + 1", unit: ratio, threshold: {op: ">", value: 0}}
      - {id: short, title: Short, query: "sum(rate(maximus_dopamine_spike_events_total[500ms]))", unit: ratio, threshold: {op: ">", value: 0}}
      - {id: missing, title: Missing, query: "sum(maximus_dopamine_level) + sum(vobs_no_such_metric_total)", unit: ratio, threshold: {op: ">", value: 0}}
"""


def test_a_probe_refused_already_is_not_asked_again(steady_server, tmp_path):
    """A window refused as too short (500ms, under 2 scrapes of 1s) and a probe on a missing metric
    (its other metric gives it a scrape interval) answer nothing: asking whether they are steady was
    one range query each, for no verdict. Counted by Prometheus itself: one range query, the steady
    probe's."""
    *_, server = steady_server
    run = tmp_path / "day.yaml"
    run.write_text(REFUSED)
    before = server.http_requests("/api/v1/query_range")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "check", str(run), "--prometheus-url", server.url,
                                      "--time-scale", "0.05", "--format", "json"])
    assert result.exit_code == 1, result.output
    stops = {f["location"]["target"].rsplit("probe ", 1)[1]: f["check"] for f in json.loads(result.stdout)["findings"]
             if f["severity"] == "error"}
    assert stops == {"short": "chaos/window-too-short", "missing": "metric/missing"}, stops
    asked = until(lambda: server.http_requests("/api/v1/query_range") - before or None,
                  "Prometheus to count the steadiness check's range query")
    assert asked == 1, f"{asked:g} range queries: a refused probe was asked whether it is steady"
