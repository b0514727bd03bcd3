"""A Chaos Day's latency figures, honest: the amplification compares the fault with the baseline
measured in the same step, and a histogram quantile is an estimate shown between its bucket bounds.

A new-user trial read "100ms: amplification 4.25×" for a p95 of 0.425 s under 100 ms of latency on a
0.237 s baseline (0.425 ÷ 0.1, counting the latency the system has anyway), and "worst 1.95" for a
p95 that `histogram_quantile` interpolated between the 1 s and 2 s buckets."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from prometheus_harness import scraping
from test_chaos_curve import stepped
from test_chaos_report import P95

from vertice_obs.chaos.compare import compare, compare_markdown
from vertice_obs.chaos.estimate import shown
from vertice_obs.chaos.report import analyse, render_html, render_markdown
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]  # the simulator's maximus_streaming_latency_seconds


def with_buckets(data: dict, buckets=BUCKETS) -> dict:
    """`data` whose p95 probe has `buckets` — a copy of the probe: `stepped` shares P95 between journals."""
    probes = data["scenarios"][0]["probes"]
    probes[0] = {**probes[0], "buckets": buckets}
    return data


def test_the_amplification_is_what_the_fault_added_to_the_same_steps_baseline():
    # the trial's first step: a 0.237 s baseline, 100 ms injected, 0.33 s typical under fault
    report = analyse(stepped({"100ms": [0.425, 0.33, 0.3], "1s": [1.95, 1.2, 1.3]}, (0.237, 0.237)))
    p95 = report.scenarios[0].curves[0]
    assert [round(p.amplification, 2) for p in p95.points] == [0.93, 1.06]  # (0.33 - 0.237) ÷ 0.1, (1.3 - 0.237) ÷ 1
    assert [p.baseline for p in p95.points] == [0.237, 0.237]


def test_a_quantile_is_shown_as_an_estimate_between_its_bucket_bounds():
    probe = {**P95, "buckets": BUCKETS}
    assert shown(probe, 1.95) == "≈1.95 (1–2)"
    assert shown(probe, 0.04) == "≈0.04 (0–0.05)"
    assert shown(probe, 1.0) == "≈1 (0.5–1)"  # a bucket holds its upper bound (le: less or equal)
    assert shown(probe, 10.0) == "10 or more"  # in the +Inf bucket, answered as the highest finite bound
    assert shown(P95, 1.95) == "≈1.95"  # no bounds recorded (an older journal): still an estimate
    assert shown({**P95, "query": "max(maximus_kill_switch_latency_milliseconds)"}, 1.95) == "1.95"


def test_the_report_says_the_quantile_and_its_amplification_are_estimates():
    data = with_buckets(stepped({"100ms": [0.425, 0.33, 0.3], "1s": [1.95, 1.2, 1.95]}, (0.19, 0.19)))
    report = analyse(data)
    markdown = html.unescape(render_markdown(report))
    assert "≈: a quantile estimated by histogram_quantile, which interpolates within a histogram bucket — in " \
           "brackets, the bucket bounds the true value lies between." in markdown
    # the findings, the step table and the curve: each value with its bucket
    assert "in the fault phase of 1s: worst ≈1.95 (1–2), no expectation covers it" in markdown
    assert "| 1s | Stream p95 | < 0.5 s | ✅ worst ≈0.19 (0.1–0.25) | ❌ worst ≈1.95 (1–2) |" in markdown
    # (1.95 - 0.19) ÷ 1 s, and what the buckets allow: (1 - 0.25) to (2 - 0.1)
    assert ("| 1s | ≈1.95 (1–2) | ≈1.95 (1–2) | ≈0.19 (0.1–0.25) | **breaks** ← knee | ≈1.76× (0.75–1.9×) |"
            in markdown), markdown
    page = html.unescape(render_html(report, {key: b"" for key in _plots(report)}))
    assert "BREACHED, worst ≈1.95 (1–2)" in page and "≈1.76× (0.75–1.9×)" in page


def test_compare_shows_each_sides_quantile_as_an_estimate():
    old = with_buckets(stepped({"100ms": [0.2], "1s": [1.5]}) | {"started": "2026-11-01T10:00:00+00:00"})
    new = with_buckets(stepped({"100ms": [0.21], "1s": [0.3]}) | {"started": "2026-11-08T10:00:00+00:00"})
    markdown = html.unescape(compare_markdown(analyse(old), analyse(new), compare(analyse(old), analyse(new))))
    assert "| improved | lat | 1s | p95 | worst under fault | ≈1.5 (1–2) | ≈0.3 (0.25–0.5) |" in markdown


def _plots(report):
    return [(s.id, p["id"]) for s in report.scenarios for p in s.probes] + [
        (s.id, f"curve-{c.probe['id']}") for s in report.scenarios for c in s.curves]


@pytest.mark.parametrize("buckets, said", [
    ([1, 0.5], "scenarios[0].probes[0].buckets: expected at most 1000 bucket bounds, ascending"),
    (["1"], "scenarios[0].probes[0].buckets[0]: expected a number, not str"),
    ("1,2", "scenarios[0].probes[0].buckets: expected a list, not str"),
])
def test_a_journal_with_bad_bucket_bounds_is_one_line(tmp_path, buckets, said):
    (tmp_path / "j.json").write_text(json.dumps(with_buckets(stepped({"1s": [1.2], "2s": [2.2]}), buckets)))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.stderr == f"vobs: error: {tmp_path / 'j.json'}: malformed journal: {said}\n"


DAY = f"""\
id: est-day
title: Estimated day
owner: team-cockpit
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: stream-latency
    title: Latency on the stream
    fault:
      kind: latency
      steps: [1s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
      - id: coherence
        title: ESGT coherence
        query: avg(maximus_esgt_coherence)
        unit: ratio
        threshold: {{op: ">", value: 0.6}}
"""


def test_a_run_records_the_quantiles_bucket_bounds_and_the_report_shows_them(catalog, tmp_path):
    """Against the simulator and a real Prometheus: the bounds are read with the scrape intervals,
    before anything is injected, and land in the journal's probe."""
    (tmp_path / "day.yaml").write_text(DAY)
    sim = Simulator(catalog, leave_out=(), seed=4)
    with scraping(sim, "maximus_streaming_latency_seconds_bucket") as prometheus:
        result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(tmp_path / "day.yaml"), "--target-url",
                                          sim.url, "--prometheus-url", prometheus.url, "--time-scale", "0.05",
                                          "--journal", str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert result.exit_code == 0, result.output
    p95, coherence = json.loads((tmp_path / "j.json").read_text())["scenarios"][0]["probes"]
    assert p95["buckets"] == BUCKETS and "buckets" not in coherence
    report = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert report.exit_code == 0, report.output
    markdown = (tmp_path / "r" / "report.md").read_text()
    [row] = [line for line in markdown.splitlines() if line.startswith("| 1s | Streaming p95 latency |")]
    assert row.count("worst ≈") == 3 and row.count(")") >= 3, row  # each phase: ≈value (lower–upper)
    [row] = [line for line in markdown.splitlines() if line.startswith("| 1s | ESGT coherence |")]
    assert "≈" not in row, row
