"""The report's arithmetic on a journal whose numbers are known: settle, worst values, priorities."""

from __future__ import annotations

from vertice_obs.chaos.report import analyse, render_markdown

T0 = 1_700_000_000.0


def iso(offset: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(T0 + offset, tz=timezone.utc).isoformat()


def journal(series, settle=0.0, phase="recover", holds=True):
    return {
        "run": {"id": "r", "title": "R", "file": "chaos/r.yaml", "owner": "me"}, "status": "completed",
        "started": iso(0), "ended": iso(30), "settle_seconds": settle,
        "scenarios": [{
            "id": "lat", "title": "Latency", "kind": "latency",
            "probes": [{"id": "p95", "title": "Stream p95", "query": "histogram_quantile(0.95, maximus_streaming_latency_seconds_bucket)",
                        "unit": "s", "threshold": {"op": "<", "value": 0.5}}],
            "expectations": [{"probe": "p95", "phase": phase, "holds": holds, "why": "it recovers"}],
            "steps": [{"label": "1s", "phases": {"baseline": [iso(0), iso(10)], "fault": [iso(10), iso(20)],
                                                 "recover": [iso(20), iso(30)]},
                       "probes": {"p95": {"series": [[T0 + t, v] for t, v in series]}}}],
        }],
    }


SERIES = [(0, 0.1), (5, 0.12), (10, 0.3), (15, 1.6), (20, 1.2), (22, 0.9), (25, 0.2), (30, 0.1), (3, float("nan"))]


def test_worst_per_phase_and_severity_priority():
    report = analyse(journal(SERIES))
    stats = report.scenarios[0].steps[0]["stats"]["p95"]
    assert (stats["baseline"].worst, stats["fault"].worst, stats["recover"].worst) == (0.3, 1.6, 1.2)
    assert stats["baseline"].samples == 3  # t=0, 5, 10; the NaN at t=3 is no data
    [d] = report.deviations
    assert (d.phase, d.severity, d.priority) == ("recover", "critical", "P0")  # 1.2 s is 2.4× the budget
    assert "worst 1.2, expected it to hold" in d.summary


def test_settle_skips_the_window_still_full_of_the_last_phase():
    report = analyse(journal(SERIES, settle=4))
    recover = report.scenarios[0].steps[0]["stats"]["p95"]["recover"]
    assert recover.worst == 0.2 and recover.holds  # 1.2 and 0.9 came from the fault's window
    assert report.deviations == []
    assert "after a settle time of 4 s" in render_markdown(report)


def test_critical_fault_phase_breach_is_p1_and_advice_matches_the_probe():
    report = analyse(journal([(12, 1.4), (15, 1.6)], phase="fault"))
    [d] = report.deviations
    assert (d.severity, d.priority) == ("critical", "P1")  # 1.6 is 3.2× the 0.5 s budget
    [(priority, advice, answered)] = report.recommendations
    assert priority == "P1" and advice.startswith("Streaming latency above its budget") and answered == [d]
