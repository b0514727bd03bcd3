"""Chaos sampling on a backend that serves the newest samples late: a real VictoriaMetrics with a
`-search.latencyOffset` (by default it hides the newest 30 s; 10 s here, longer than the recover
phase, so that sampled at once the whole fault phase is hidden). A new-user trial recorded the
baseline's value in every phase — "no breach" under a 2 s latency — because the runner sampled each
step as soon as it ended; VictoriaMetrics answered the hidden points with the last value it served."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from victoria_harness import VictoriaMetricsServer

from vertice_obs.chaos.journal_check import MalformedJournal, check_journal
from vertice_obs.chaos.runner import Aborted, Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
# At --time-scale 0.05: 4 s per phase, ${window} 2 s (two scrapes at 1 s).
RUN = f"""\
id: late-data
title: Latency against a backend that serves late
owner: team-safety
summary: one 2 s latency step
narratives: [esgt]
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: streaming-latency
    title: Streaming latency
    fault:
      kind: latency
      steps: [2s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
"""
OFFSET = 10.0


@pytest.fixture(scope="module")
def late_backend(catalog):
    sim = Simulator(catalog, leave_out=(), seed=11)
    sim.serve(0, tick_seconds=0.25)
    server = VictoriaMetricsServer([sim.url.removeprefix("http://")], latency_offset=f"{OFFSET:g}s")
    server.start()
    try:
        # Probes need series the offset lets through: wait (polling, no blind sleep) until it does.
        server.wait_for("maximus_streaming_latency_seconds_bucket", timeout=OFFSET + 30)
        yield sim, server
    finally:
        server.stop()
        sim.stop()


def phase_values(step: dict, probe: str, phase: str) -> list[float]:
    start, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"][phase])
    return [v for t, v in step["probes"][probe]["series"] if start <= t <= end and v is not None]


def test_the_fault_phase_is_measured_not_the_baseline_repeated(late_backend, tmp_path):
    sim, server = late_backend
    run = tmp_path / "late.yaml"
    run.write_text(RUN)
    journal = tmp_path / "j.json"
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(run), "--target-url", sim.url,
                                      "--prometheus-url", server.url, "--time-scale", "0.05",
                                      "--journal", str(journal)], env={"GRAFANA_URL": ""})
    assert result.exit_code == 0, result.output
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    [step] = json.loads(journal.read_text())["scenarios"][0]["steps"]
    assert "unmeasured" not in step
    baseline, fault = phase_values(step, "stream-p95", "baseline"), phase_values(step, "stream-p95", "fault")
    assert baseline and fault
    # 2 s of injected latency: p95 far above its 500 ms budget under fault, under it before.
    assert max(baseline) < 0.5 < max(fault), (baseline, fault)
    # The wait is said, as every phase is (stderr is not a terminal here: one line).
    assert f"streaming-latency 2s: waiting until {server.url} serves samples up to the end of the step" in result.stderr
    # And what the journal holds is what VictoriaMetrics serves for that window once it serves it.
    report = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert "stream-p95 breached its threshold (< 0.5 s) in the fault phase of 2s" in html.unescape(
        (tmp_path / "report" / "report.md").read_text())


def test_data_that_does_not_arrive_in_time_is_said_not_recorded_stale(late_backend, tmp_path):
    """The wait has a deadline (here 4 s, shorter than the backend's 10 s offset): the phases the
    backend did not serve by then are not measured, said in one line in the journal and the report."""
    sim, server = late_backend
    run_file = tmp_path / "late.yaml"
    run_file.write_text(RUN)
    run = load_run(run_file, "late.yaml")
    journal = tmp_path / "j.json"
    said: list[str] = []
    data = Runner(run, sim.url, Sampler(server.url), journal, time_scale=0.05, log=said.append,
                  data_timeout=4.0).execute()
    assert data["status"] == "completed"
    [step] = data["scenarios"][0]["steps"]
    # 4 s phases, the newest 10 s hidden: 4 s after the step's end it served about 2 s into the fault.
    assert set(step["unmeasured"]) == {"fault", "recover"}, step["unmeasured"]
    why = step["unmeasured"]["fault"]
    assert why.startswith(f"{server.url} served samples only up to ") and "within 4s" in why
    assert phase_values(step, "stream-p95", "baseline") and not phase_values(step, "stream-p95", "recover")
    served = datetime.fromisoformat(why.split(" up to ")[1].split(" ")[0]).timestamp()
    assert all(t <= served for t, _ in step["probes"]["stream-p95"]["series"])  # nothing stale recorded
    [event] = [e for e in data["events"] if e["kind"] == "unmeasured"]
    assert event["phases"] == ["fault", "recover"] and event["message"] == (
        f"streaming-latency 2s: the fault and recover phases could not be measured: {why}")
    assert event["message"] in said
    report = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    markdown = html.unescape((tmp_path / "report" / "report.md").read_text())
    # What was not served is not judged (the baseline holds), and the report says so, not "all held".
    assert "No probe breached its budget in what was measured; the phases not measured (below) were not judged." in markdown
    assert "every expectation held" not in markdown
    [line] = [line for line in markdown.splitlines() if "were not measured" in line]
    assert line.startswith("- the fault and recover phases of 2s were not measured: ")
    assert why.split(" up to ", 1)[1] in line  # the journal's reason, as written (the URL defused as a link)
    # A hand-edited journal's `unmeasured` is checked as the rest is: one line naming the field.
    edited = json.loads(journal.read_text())
    edited["scenarios"][0]["steps"][0]["unmeasured"] = {"later": why}
    with pytest.raises(MalformedJournal, match=r"steps\[0\]\.unmeasured: 'later' is not a phase"):
        check_journal(edited)


def test_ctrl_c_during_the_wait_aborts_with_the_fault_reverted(late_backend, tmp_path):
    """The wait comes after the revert: Ctrl-C there aborts the run as anywhere else, nothing left injected.
    Pressed again in the short wait that keeps what the step measured, it skips that too: said, and
    nothing stale recorded."""
    sim, server = late_backend
    run_file = tmp_path / "late.yaml"
    run_file.write_text(RUN)
    runner = Runner(load_run(run_file, "late.yaml"), sim.url, Sampler(server.url), tmp_path / "j.json",
                    time_scale=0.05)

    def ctrl_c(_seconds: float) -> None:  # each poll finds the step not yet served (10 s offset)
        raise KeyboardInterrupt

    runner.poll_sleep = ctrl_c
    with pytest.raises(Aborted, match="interrupted: the fault in progress was reverted"):
        runner.execute()
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["status"] == "aborted" and data["scenarios"][0]["steps"] == []  # nothing stale recorded
    assert [e["kind"] for e in data["events"]][-4:] == ["inject", "revert", "unsampled", "aborted"]


# --- the names the wait asks about -------------------------------------------------------------------

DOTTED = "http.server.duration"  # a Prometheus 3 (OpenTelemetry) name: no PromQL identifier


def test_the_wait_writes_each_name_as_a_matcher_escaped_never_bare():
    """A new-user trial: `timestamp(http.server.duration)` is a parse error, so a probe on such a
    name made every step's wait fail. Each name is now `{__name__="…"}`, through `promql_string`."""
    from vertice_obs.chaos.freshness import served_until_query
    from vertice_obs.finding import Location
    from vertice_obs.metrics.extract import uses_of
    from vertice_obs.metrics.inventory import Query

    odd = 'say "hi"\\now'
    query = served_until_query([DOTTED, odd, "up", DOTTED])
    assert f'timestamp({{__name__="{DOTTED}"}})' in query and "timestamp(http" not in query
    assert 'timestamp({__name__="say \\"hi\\"\\\\now"})' in query
    uses, _ = uses_of(Query(query, Location(file="")), {})  # PromQL, and it asks about exactly those names
    assert sorted({u.metric for u in uses}) == sorted({DOTTED, odd, "up"})


def test_a_dotted_name_does_not_break_the_wait_on_a_real_prometheus(prometheus):
    """Prometheus refused the bare name ("unexpected character: '.'"), the run stopped at the first
    step; it now answers, for the names it has."""
    from vertice_obs.chaos.freshness import ServingSource

    served = ServingSource(prometheus.url).served_until([DOTTED, "maximus_dopamine_level"])
    newest = max(float(row["value"][1]) for row in prometheus.query("timestamp(maximus_dopamine_level)"))
    assert served is not None and abs(served - newest) <= 5
    assert ServingSource(prometheus.url).served_until([DOTTED]) is None  # Prometheus 2 holds no such name


def test_a_dotted_name_is_asked_about_on_victoriametrics(late_backend):
    """VictoriaMetrics holds the name: the wait reads its newest served sample (behind the offset)."""
    import time

    from vertice_obs.chaos.freshness import ServingSource

    _, server = late_backend
    at = time.time() - 3 * OFFSET  # older than the offset: served at once
    server.import_openmetrics(f'{DOTTED}{{job="otel"}} 0.25 {at - 10:.3f}\n{DOTTED}{{job="otel"}} 0.3 {at:.3f}\n')
    server.wait_for(f'{{__name__="{DOTTED}"}}')
    assert ServingSource(server.url).served_until([DOTTED]) == pytest.approx(at, abs=0.01)
