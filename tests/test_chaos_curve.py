"""The degradation curve of a stepped scenario, on a journal whose numbers are known: worst and
median under fault per injected level, the knee, and the amplification (observed p95 ÷ injected)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from test_chaos_report import P95, SPIKES, T0, iso

from vertice_obs.chaos.report import analyse, render_markdown, write_report

OLD = Path(__file__).resolve().parent / "data" / "chaos-journal-unversioned.json"


def stepped(levels: dict[str, list[float]], baseline: tuple[float, float] = (0.1, 2)) -> dict:
    steps = []
    for i, (label, fault_values) in enumerate(levels.items()):
        base = 30 * i
        series = [[T0 + base + 1, baseline[0]], [T0 + base + 5, baseline[1]]] + [[T0 + base + 11 + k, v] for k, v in
                                                                 enumerate(fault_values)]
        steps.append({"label": label, "phases": {"baseline": [iso(base), iso(base + 10)],
                                                 "fault": [iso(base + 10), iso(base + 20)],
                                                 "recover": [iso(base + 20), iso(base + 30)]},
                      "probes": {"p95": {"series": series}, "spikes": {"series": [[T0 + base + 12, 3]]}}})
    return {"run": {"id": "r", "title": "R"}, "schema_version": 2, "status": "completed", "settle_seconds": 0,
            "window_seconds": 2,
            "scenarios": [{"id": "lat", "title": "Latency", "kind": "latency", "probes": [P95, SPIKES],
                           "expectations": [], "steps": steps}]}


def test_knee_median_and_amplification_per_step():
    report = analyse(stepped({"100ms": [0.1, 0.2, 0.15], "1s": [0.4, 1.5, 1.0], "5s": [9.75, 8, 9]}, (0.1, 0.1)))
    p95, spikes = report.scenarios[0].curves
    assert [(p.step, p.level, p.worst, p.median, p.baseline) for p in p95.points] == [
        ("100ms", 0.1, 0.2, 0.15, 0.1), ("1s", 1.0, 1.5, 1.0, 0.1), ("5s", 5.0, 9.75, 9, 0.1)]
    assert p95.knee.step == "1s"  # the first step past the 0.5 s budget
    # What the fault added to the baseline's 0.1 s, per injected second: (0.15 - 0.1) ÷ 0.1, …
    assert [round(p.amplification, 3) for p in p95.points] == [0.5, 0.9, 1.78]
    assert spikes.knee is None and all(p.amplification is None for p in spikes.points)  # not a latency
    markdown = html.unescape(render_markdown(report))  # as a reader sees it
    assert "**Stream p95** — budget < 0.5 s; knee: 1s (the first step that breaks it)" in markdown
    # a histogram quantile: an estimate, and so is its amplification (no bucket bounds in this journal)
    assert "| 1s | ≈1.5 | ≈1 | ≈0.1 | **breaks** ← knee | ≈0.9× |" in markdown
    assert "| 5s | ≈9.75 | ≈9 | ≈0.1 | **breaks** | ≈1.78× |" in markdown


def test_a_scenario_with_one_step_has_no_curve():
    report = analyse(stepped({"1s": [0.4]}))
    assert report.scenarios[0].curves == []


def test_an_old_journal_gets_its_curve_from_the_step_labels(tmp_path):
    written = write_report(json.loads(OLD.read_text()), tmp_path)
    assert {p.name for p in written if "curve" in p.name} == {"streaming-latency-curve-esgt-coherence.png",
                                                              "streaming-latency-curve-stream-p95.png"}
    assert "### Degradation curve: Streaming latency at stepped levels" in html.unescape((tmp_path / "report.md").read_text())


def test_a_completed_run_whose_probe_has_no_samples_at_any_step_still_reports(tmp_path):
    """A real run against VictoriaMetrics (it hides the newest 30 s by default) completed with every
    probe empty; its report failed as a 'malformed journal' (the curve's log axis had no data to
    scale). The report is written, and the curve says "no data" as every other plot does."""
    journal = stepped({"100ms": [0.1], "1s": [0.4], "5s": [9.0]})
    for step in journal["scenarios"][0]["steps"]:
        step["probes"] = {"p95": {"series": []}, "spikes": {"series": []}}
    written = write_report(journal, tmp_path)
    curves = [p for p in written if "curve" in p.name]
    assert len(curves) == 2, written  # one per probe of the stepped scenario
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in curves)
    assert (tmp_path / "report.md").is_file()
