"""The report's arithmetic on journals whose numbers are known: settle, worst values, every breach
a finding, priorities, accepted degradation, recovery after the revert and its budget."""

from __future__ import annotations

import copy
import html
import json

from vertice_obs.chaos.report import analyse, render_markdown

T0 = 1_700_000_000.0


def iso(offset: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(T0 + offset, tz=timezone.utc).isoformat()


P95 = {"id": "p95", "title": "Stream p95", "query": "histogram_quantile(0.95, maximus_streaming_latency_seconds_bucket)",
       "unit": "s", "threshold": {"op": "<", "value": 0.5}}
SPIKES = {"id": "spikes", "title": "Spikes", "query": "sum(increase(maximus_dopamine_spike_events_total[4s]))",
          "unit": "events", "threshold": {"op": ">", "value": 0}}


def journal(series, settle=0.0, phase="recover", holds=True, probe=P95, expectations=None, recover_end=30.0,
            window=None):
    expectations = [{"probe": probe["id"], "phase": phase, "holds": holds, "why": "it recovers"}] \
        if expectations is None else expectations
    return {
        "run": {"id": "r", "title": "R", "file": "chaos/r.yaml", "owner": "me"}, "status": "completed",
        "started": iso(0), "ended": iso(recover_end), "settle_seconds": settle, "window_seconds": window or settle,
        "scenarios": [{
            # a copy: a test that edits its journal's probe must not edit P95 for the tests after it
            "id": "lat", "title": "Latency", "kind": "latency", "probes": [copy.deepcopy(probe)],
            "expectations": expectations,
            "steps": [{"label": "1s", "phases": {"baseline": [iso(0), iso(10)], "fault": [iso(10), iso(20)],
                                                 "recover": [iso(20), iso(recover_end)]},
                       "probes": {probe["id"]: {"series": [[T0 + t, v] for t, v in series]}}}],
        }],
    }


SERIES = [(0, 0.1), (5, 0.12), (10, 0.3), (15, 1.6), (20, 1.2), (22, 0.9), (25, 0.2), (30, 0.1), (3, float("nan"))]


def test_worst_per_phase_and_every_breach_is_a_finding():
    report = analyse(journal(SERIES))
    stats = report.scenarios[0].steps[0]["stats"]["p95"]
    assert (stats["baseline"].worst, stats["fault"].worst, stats["recover"].worst) == (0.3, 1.6, 1.2)
    assert stats["baseline"].samples == 3  # t=0, 5, 10; the NaN at t=3 is no data
    recover, fault = report.deviations
    # 1.2 s is 2.4× the budget in the recover phase an expectation said holds: P0.
    assert (recover.phase, recover.severity, recover.priority, recover.coverage) == ("recover", "error", "P0",
                                                                                      "violated")
    assert "worst ≈1.2, expected it to hold; back under its threshold 5 s after the revert" in recover.summary
    # No expectation covers the fault phase, yet 1.6 s breaks the budget: a finding, one level below P1.
    assert (fault.phase, fault.severity, fault.priority, fault.coverage) == ("fault", "error", "P2", "unexpected")
    assert fault.summary.endswith("worst ≈1.6, no expectation covers it")  # ≈: a histogram quantile


def test_settle_skips_the_window_still_full_of_the_last_phase():
    report = analyse(journal(SERIES, settle=4))
    recover = report.scenarios[0].steps[0]["stats"]["p95"]["recover"]
    assert recover.worst == 0.2 and recover.holds  # 1.2 and 0.9 came from the fault's window
    assert [d.phase for d in report.deviations] == ["fault"]
    assert "after a settle time of 4 s" in render_markdown(report)


def test_a_fault_phase_breach_twice_the_budget_is_p1_and_advice_matches_the_probe():
    report = analyse(journal([(12, 1.4), (15, 1.6)], phase="fault"))
    [d] = report.deviations
    assert (d.severity, d.magnitude, d.priority) == ("error", 0, "P1")  # 1.6 is 3.2× the 0.5 s budget
    [(priority, advice, answered)] = report.recommendations
    assert priority == "P1" and advice.startswith("Streaming latency above its budget") and answered == [d]


def test_an_accepted_breach_is_reported_as_expected_not_as_a_deviation():
    accepted = [{"probe": "p95", "phase": "fault", "breaks": True, "why": "5 s of injected latency"}]
    report = analyse(journal([(12, 1.4), (15, 1.6)], expectations=accepted))
    [finding] = report.findings
    assert (finding.coverage, finding.priority) == ("as expected", "—")
    assert finding.summary.endswith("worst ≈1.6, as expected (accepted degradation)")
    assert report.deviations == [] and report.recommendations == []
    markdown = html.unescape(render_markdown(report))  # as a reader sees it: md() writes < > | as references
    assert "## Findings: 0 deviations, 1 breach as expected" in markdown
    assert "| — | info | lat | 1s | p95 breached its threshold (< 0.5 s) in the fault phase of 1s" in markdown


# Dopamine spikes: present before, none under the kill switch, back 6 s after the revert at t=20.
SPIKE_SERIES = [(0, 2), (5, 3), (10, 2), (12, 0), (16, 0), (20, 0), (22, 0), (24, 0), (26, 2), (28, 3), (30, 2)]


def test_recovery_is_measured_and_the_advice_agrees_with_it():
    report = analyse(journal(SPIKE_SERIES, probe=SPIKES, expectations=[]))
    [step] = report.scenarios[0].steps
    assert step["recovery"]["spikes"].seconds == 6 and step["recovery"]["spikes"].state == "recovered"
    advice = [a for _, a, _ in report.recommendations]
    assert advice == ["Dopamine spike events stop under the fault; they resume 6 s after the revert: buffer reward "
                      "events while the kill switch is engaged and replay them on release."]
    assert "do not resume" not in render_markdown(report)


def test_a_recovery_over_its_budget_is_a_finding_with_both_numbers():
    probe = {**SPIKES, "recover_within_seconds": 5}
    report = analyse(journal(SPIKE_SERIES, probe=probe, settle=8, expectations=[]))
    [slow] = [d for d in report.deviations if d.phase == "recover"]
    assert (slow.coverage, slow.severity, slow.priority) == ("recovery", "error", "P2")  # 6 s: 1.2× the budget
    # `> 0` comes back *above* its threshold (a `<` probe comes back under it: the p95 test above)
    assert slow.summary == "spikes after the revert of 1s: back above its threshold 6 s after the revert, budget 5 s"
    assert any("they resume 6 s after the revert, budget 5 s" in a for _, a, _ in report.recommendations)


def test_a_recover_phase_too_short_to_judge_is_unjudged_not_failed():
    report = analyse(journal([(0, 2), (15, 0), (20, 0), (21, 0)], probe=SPIKES, expectations=[], recover_end=22,
                             window=4))
    [step] = report.scenarios[0].steps
    assert step["recovery"]["spikes"].state == "unjudged"
    phase, reason = report.scenarios[0].unjudged
    # the phase too (trial 18 M4): its samples, judged from the revert, were the fault's
    assert phase == ("spikes in the recover phase of 1s: 2 s long, not longer than the probe's window (4 s): until "
                     "then its samples still hold the previous phase, so none was judged — lengthen the phase")
    assert reason == ("spikes after the revert of 1s: the recover phase (2 s) is shorter than its window (4 s): "
                      "lengthen `recover` or use a larger --time-scale")
    assert not any(d.coverage == "recovery" for d in report.findings)


def test_a_probe_that_never_comes_back_says_so():
    report = analyse(journal([(0, 2), (15, 0), (22, 0), (26, 0), (30, 0)], probe=SPIKES, expectations=[], window=4))
    assert report.scenarios[0].steps[0]["recovery"]["spikes"].state == "not recovered"
    assert any("do not resume within the recover phase (10 s after the revert)" in a
               for _, a, _ in report.recommendations)


def test_a_run_that_did_not_complete_never_reads_as_a_clean_one(tmp_path):
    """A failed run's report said "0 deviations … every expectation held" and "Recommendations: None",
    never naming the error that stopped it (found by a new-user trial). It now says first that the
    run did not complete and why, claims nothing of what never ran, and recommends finishing it."""
    from vertice_obs.chaos.report import write_report

    failed = journal([(0, 0.1), (5, 0.1)])
    failed["scenarios"][0]["steps"] = []  # stopped before its first step
    failed.update(status="failed", events=[{"kind": "error", "message": "POST http://t/fault/latency: HTTP 400 no"}])
    report = analyse(failed)
    markdown = html.unescape(render_markdown(report)).replace("\u2060", "")  # md's word joiner in a bare URL
    assert ("> **The run failed before any step completed: POST http://t/fault/latency: HTTP 400 no. What follows "
            "covers only what ran before it stopped") in markdown
    assert "every expectation held" not in markdown and "- None:" not in markdown
    assert "- **Finish the run**: fix what stopped it" in markdown
    write_report(failed, tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "The run failed before any step completed" in html.unescape(page) and "None: no probe" not in page
    completed = html.unescape(render_markdown(analyse(journal([(0, 0.1), (5, 0.1), (15, 0.1), (25, 0.1)]))))
    assert "did not complete" not in completed and "every expectation held" in completed


def test_a_rehearsal_says_its_scale_before_its_figures(tmp_path):
    """A trial's rehearsal at --time-scale 0.05 reported like a full Chaos Day: nothing said its phases
    ran at 5 % of their length (Chaos Day trial LOW 1). A run at full length says nothing of it."""
    from click.testing import CliRunner

    from vertice_obs.chaos.compare import unfair
    from vertice_obs.chaos.report import render_html
    from vertice_obs.cli import cli

    said = ("A rehearsal at --time-scale 0.05: every baseline, hold and recovery, the settle time and the probes' "
            "windows ran at 5 % of the length the file gives them, so these are a rehearsal's figures, not the "
            "Chaos Day's.")
    rehearsal = journal(SERIES) | {"time_scale": 0.05}
    report = analyse(rehearsal)
    assert f"> **{said}**" in html.unescape(render_markdown(report))
    assert f"<p><b>{said}</b></p>".replace("'", "&#x27;") in render_html(report, {("lat", "p95"): b""})
    full = analyse(journal(SERIES) | {"time_scale": 1.0})
    assert "rehearsal" not in render_markdown(full) and "rehearsal" not in render_markdown(analyse(journal(SERIES)))
    assert unfair(full, report) == ["the runs ran at different time scales (OLD --time-scale 1, NEW 0.05): every "
                                    "phase and window was another length, so a change may be the scale's"]
    (tmp_path / "j.json").write_text(json.dumps(rehearsal | {"time_scale": "fast"}))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.stderr == f"vobs: error: {tmp_path / 'j.json'}: malformed journal: time_scale: expected a number, not str\n"
