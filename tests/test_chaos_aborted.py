"""A Chaos Day that did not complete, reported and compared: real journals from real runs (the
simulator, a real Prometheus), interrupted by Ctrl-C (a `KeyboardInterrupt` where the runner waits,
as `test_chaos_latency_offset` interrupts its wait). A new-user trial found the report of an
aborted run reading as clean — an empty step table, "no findings", nothing saying it was aborted —
and `vobs chaos compare` with an aborted run on one side reading as a clean comparison."""

from __future__ import annotations

import html
import json
import re
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests
from chaos_fixtures import KILL_SWITCH_HTTP, LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from prometheus_harness import PrometheusServer

from vertice_obs.chaos.runner import Aborted, Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
# At --time-scale 0.05: 4 s per phase, ${window} 2 s (two scrapes at 1 s). Three steps in all.
RUN = f"""\
id: short-day
title: A short Chaos Day
owner: team-safety
summary: two latency steps and the kill switch
narratives: [esgt]
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: streaming-latency
    title: Streaming latency
    fault:
      kind: latency
      steps: [100ms, 2s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
  - id: kill-switch
    title: Kill-switch activation
    fault:
      kind: kill-switch
      hold: 80s
{KILL_SWITCH_HTTP}
    probes:
      - id: kill-switch-latency
        title: Kill-switch latency
        query: max(maximus_kill_switch_latency_milliseconds)
        unit: ms
        threshold: {{op: "<", value: 200}}
"""
ABORTED_AT_STEP_2 = "during the hold (fault injected) of streaming-latency 2s (step 2/2)"
ABORTED_AT_STEP_1 = "during the hold (fault injected) of streaming-latency 100ms (step 1/2)"
CTRL_C = "interrupted (Ctrl-C or SIGTERM)"


def ctrl_c_at(phase: int):
    """The runner's sleep: each phase waits for real (Prometheus scrapes meanwhile), until the
    `phase`-th wait, where Ctrl-C comes (the order: baseline, hold, recover, baseline, hold, …)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == phase:
            raise KeyboardInterrupt
        time.sleep(seconds)

    return sleep


@pytest.fixture(scope="module")
def journals(catalog, tmp_path_factory):
    """Four journals of one run, each in its own folder (a report compares with a journal beside
    it): completed; aborted in the hold of the second step; aborted in the hold of the first;
    completed again (a journal is not compared with itself)."""
    sim = Simulator(catalog, leave_out=(), seed=5)
    sim.serve(0, tick_seconds=0.25)
    server = PrometheusServer([sim.url.removeprefix("http://")])
    server.start()
    root = tmp_path_factory.mktemp("aborted")
    (root / "short.yaml").write_text(RUN)
    run = load_run(root / "short.yaml", "short.yaml")
    paths = {}
    try:
        server.wait_for("maximus_streaming_latency_seconds_bucket")
        for name, phase in (("completed", None), ("aborted", 5), ("early", 2), ("again", None)):
            (root / name).mkdir()
            paths[name] = root / name / "j.json"
            runner = Runner(run, sim.url, Sampler(server.url), paths[name], time_scale=0.05,
                            **({"sleep": ctrl_c_at(phase)} if phase else {}))
            if phase is None:
                assert runner.execute()["status"] == "completed"
                continue
            with pytest.raises(Aborted, match="interrupted: the fault in progress was reverted"):
                runner.execute()
            assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
        yield paths
    finally:
        server.stop()
        sim.stop()


def report(journal: Path, out: Path) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("The run was aborted during ") and "covers only what ran" in result.stderr
    # as a reader sees it: md() writes `<` `>` `|` as references
    return html.unescape((out / "report.md").read_text()), html.unescape((out / "report.html").read_text())


def test_the_journal_says_where_the_run_stopped_and_what_was_planned(journals):
    data = json.loads(journals["aborted"].read_text())
    assert data["status"] == "aborted"
    assert data["plan"] == [{"id": "streaming-latency", "steps": ["100ms", "2s"]},
                            {"id": "kill-switch", "steps": ["kill-switch"]}]
    *_, inject, revert, aborted = data["events"]
    assert (inject["kind"], revert["kind"]) == ("inject", "revert")
    # What the stopped step measured until the stop is kept, marked so (trial 18 M1: it was thrown away).
    completed, stopped = data["scenarios"][0]["steps"]
    assert "cut_short" not in completed and stopped["cut_short"]["during"] == "hold"
    start, end = (datetime.fromisoformat(t).timestamp() for t in stopped["phases"]["baseline"])
    assert [v for t, v in stopped["probes"]["stream-p95"]["series"] if start <= t <= end]
    assert {k: aborted[k] for k in ("kind", "reason", "scenario", "step", "step_of", "phase")} == {
        "kind": "aborted", "reason": CTRL_C, "scenario": "streaming-latency", "step": "2s", "step_of": [1 + 1, 2],
        "phase": "hold"}


def test_an_aborted_run_is_reported_as_aborted_with_where_and_why(journals, tmp_path):
    markdown, page = report(journals["aborted"], tmp_path)
    top = markdown.split("## Findings", 1)[0]
    assert (f"> **The run was aborted {ABORTED_AT_STEP_2}: {CTRL_C}. Its step streaming-latency 2s was cut short by "
            "the stop: what it measured until then is reported, marked cut short, and its recovery is not judged. "
            "What follows covers only what ran before it stopped; not run, so not judged: all of kill-switch.**") in top
    # The verdict says it, and what did not run is a finding, first.
    assert "## Findings: run aborted — " in markdown and " in what ran\n" in markdown
    table = markdown.split("| priority | severity | scenario | step | finding |", 1)[1].split("\n\n", 1)[0]
    rows = table.strip().splitlines()[1:]
    assert rows[0] == (f"| — | warning | kill-switch | kill-switch | not started: the run was aborted "
                       f"{ABORTED_AT_STEP_2}; this step was not run and not judged |")
    assert "every expectation held" not in markdown and "- None:" not in markdown
    assert ("- **Finish the run**: all of kill-switch did not run; streaming-latency 2s was cut short — fix what "
            "stopped it") in markdown
    # The step that completed is in its table; so is the one the stop cut short, marked so, with no
    # verdict on a recovery it never reached.
    section = markdown.split("## Streaming latency (streaming-latency, latency)", 1)[1]
    assert "| 100ms | Streaming p95 latency | < 0.5 s |" in section
    [cut] = [line for line in section.splitlines() if line.startswith("| 2s (cut short) | Streaming p95 latency |")]
    assert cut.endswith(" | no data | recovery not judged: the run stopped in the fault phase, before the recovery |")
    assert "- 2s was cut short by the stop " in markdown and "Not run: 2s" not in markdown
    assert f"The run was aborted {ABORTED_AT_STEP_2}: {CTRL_C}." in page and "run aborted — " in page
    assert "<td>warning</td><td>kill-switch</td>" in page and "<td>2s (cut short)</td>" in page  # not judged: a warning


def test_a_run_aborted_in_its_first_step_reports_its_baseline_and_no_clean_verdict(journals, tmp_path):
    markdown, page = report(journals["early"], tmp_path)
    assert f"> **The run was aborted {ABORTED_AT_STEP_1}: {CTRL_C}. Its step streaming-latency 100ms was cut " in markdown
    assert "## Findings: run aborted — 0 deviations in what ran" in markdown
    assert ("No probe breached its budget in what ran — not a clean result: the run did not complete, and what did "
            "not run was not judged.") in markdown
    # Its baseline ran to its end before the stop: judged, in a row marked cut short (trial 18 M1).
    [row] = [line for line in markdown.splitlines() if line.startswith("| 100ms (cut short) |")]
    assert row.split(" | ")[3].startswith("✅ worst ") and "recovery not judged" in row
    assert f"Not run: 2s (the run was aborted {ABORTED_AT_STEP_1}: {CTRL_C})." in markdown
    assert "run aborted — 0 deviations in what ran" in page and "not a clean result" in page


def compare(old: Path, new: Path, out: Path):
    return CliRunner().invoke(cli, ["chaos", "compare", str(old), str(new), "-o", str(out)])


def test_compare_with_an_aborted_run_says_so_and_fails_the_gate(journals, tmp_path):
    result = compare(journals["completed"], journals["aborted"], tmp_path)
    assert result.exit_code == 1, result.output  # CI: an aborted run is not "fine"
    assert result.stdout.rstrip().endswith(f"; NEW was aborted {ABORTED_AT_STEP_2}: {CTRL_C} — compared only what "
                                           "both runs measured")
    markdown = html.unescape((tmp_path / "compare.md").read_text())
    assert (f"> **NEW was aborted {ABORTED_AT_STEP_2}: {CTRL_C}. Compared only what both runs measured; what it did "
            "not run is \"not run in NEW\", neither improved nor regressed.**") in markdown
    assert " regressed in what both runs measured (" in markdown
    rows = [line.split(" | ")[:3] for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
    assert ["| not run in NEW", "streaming-latency", "2s"] in rows and ["| not run in NEW", "kill-switch",
                                                                        "kill-switch"] in rows
    assert [r for r in rows if r[2] == "100ms"] and all(r[0] != "| not run in NEW" for r in rows if r[2] == "100ms")
    assert "only in OLD" not in markdown
    page = (tmp_path / "compare.html").read_text()
    assert "<tr class='not-run-in-NEW'><td>not run in NEW</td>" in page and "NEW was aborted" in page
    # Either side: an aborted OLD is said as OLD.
    back = compare(journals["aborted"], journals["completed"], tmp_path / "back")
    assert back.exit_code == 1 and f"; OLD was aborted {ABORTED_AT_STEP_2}" in back.stdout


def test_compare_with_nothing_both_measured_is_one_line_and_writes_nothing(journals, tmp_path):
    result = compare(journals["completed"], journals["early"], tmp_path / "c")
    assert result.exit_code == 2
    assert result.stderr == (f"vobs: error: {journals['early']}: nothing to compare: the run was aborted "
                             f"{ABORTED_AT_STEP_1}: {CTRL_C} — it measured no step that OLD did\n")
    assert not (tmp_path / "c").exists()


def test_two_completed_runs_compare_clean(journals, tmp_path):
    result = compare(journals["completed"], journals["again"], tmp_path)
    # two real runs may differ (the gate is exit 1 only for a regression), never by a stop
    regressed = int(re.search(r" (\d+) regressed", result.stdout).group(1))
    assert result.exit_code == (1 if regressed else 0), result.output
    assert "aborted" not in result.stdout and "compared only what" not in result.stdout
    assert "did not complete" not in (tmp_path / "compare.md").read_text()


def test_an_aborted_fault_gets_its_region_annotation_when_reverted(catalog, tmp_path):
    """A trial's SIGTERM in a hold: the fault was reverted, but Grafana had only the point of its
    injection — each completed step gets a region (injection to revert), the aborted one did not."""
    from grafana_standin import GrafanaStandIn

    from vertice_obs.chaos.runner import GrafanaAnnotator
    from vertice_obs.grafana.destinations import GrafanaDestination

    sim = Simulator(catalog, leave_out=(), seed=5)
    sim.serve(0, tick_seconds=0.25)
    (tmp_path / "short.yaml").write_text(RUN)
    try:
        with GrafanaStandIn(version="12.0.2") as grafana:
            annotator = GrafanaAnnotator(GrafanaDestination(grafana.url, "glsa_standin_token"), ["esgt-coherence"])
            runner = Runner(load_run(tmp_path / "short.yaml", "short.yaml"), sim.url,
                            Sampler("http://127.0.0.1:9"), tmp_path / "j.json", annotator, time_scale=0.05,
                            sleep=ctrl_c_at(2))  # Ctrl-C in the hold of the first step
            with pytest.raises(Aborted):
                runner.execute()
            grafana.assert_no_violations()
            annotations = [(a["text"], a["timeEnd"] > a["time"]) for a in grafana.annotations]
    finally:
        sim.stop()
    assert annotations == [("Chaos short-day: Streaming latency — 100ms injected", False),
                           ("Chaos short-day: Streaming latency — 100ms", True)]
    kinds = [e["kind"] for e in json.loads((tmp_path / "j.json").read_text())["events"]]
    # no Prometheus here: what the stopped step measured could not be kept, and the journal says so
    assert kinds[-6:] == ["inject", "annotate", "revert", "annotate", "unsampled", "aborted"]
