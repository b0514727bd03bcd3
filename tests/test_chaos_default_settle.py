"""A Chaos Day file without `settle`, run against the simulator and a real Prometheus. A new-user
trial (18, M4) got a P1 "breached in the recover phase" for every latency step: the recover phase
was judged from the revert, when the probe's rate window still held the fault. Without `settle`,
each phase is now judged once the probes' `${window}` (4 scrape intervals) has left the previous
one; the recover phase is judged only once the probe's window has left the fault (journals an
older vobs wrote too), and a recover phase not longer than that says why none was judged."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.chaos.report import analyse
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# No `settle`. At --time-scale 0.05: baseline, hold and recover 8 s; scraped every 1 s, so ${window}
# is 4 s. 2 s of injected latency breaks the stream's 0.5 s budget for as long as the window holds it.
RUN = f"""\
id: no-settle
title: No settle given
owner: team-cockpit
baseline: 160s
recover: RECOVER
scenarios:
  - id: stream
    title: Streaming latency
    fault:
      kind: latency
      steps: [2s]
      hold: 160s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
    expectations:
      - {{probe: stream-p95, phase: fault, breaks: true, why: "2 s of latency breaks the budget: accepted"}}
"""


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=17)
    with scraping(sim, "maximus_streaming_latency_seconds_bucket") as server:
        yield sim, server


def run(system, folder: Path, recover: str) -> tuple[dict, str]:
    """`vobs chaos run` as a user runs it (the scrape interval read from Prometheus)."""
    sim, server = system
    folder.mkdir()
    (folder / "day.yaml").write_text(RUN.replace("RECOVER", recover))
    result = CliRunner().invoke(cli, ["-C", str(folder), "chaos", "run", str(folder / "day.yaml"), "--target-url",
                                      sim.url, "--prometheus-url", server.url, "--time-scale", "0.05", "--journal",
                                      str(folder / "j.json")], env={"GRAFANA_URL": ""})
    assert result.exit_code == 0, result.output
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    return json.loads((folder / "j.json").read_text()), result.stderr


@pytest.fixture(scope="module")
def journal(system, tmp_path_factory) -> dict:
    return run(system, tmp_path_factory.mktemp("no-settle") / "day", "160s")[0]


def recover_findings(data: dict) -> list:
    return [d for d in analyse(data).findings if d.phase == "recover"]


def test_without_settle_the_settle_time_is_the_probes_window(journal, tmp_path):
    assert journal["settle_from"] == "window"
    assert journal["settle_seconds"] == journal["window_seconds"] == 4.0  # 4 scrapes at 1 s
    assert journal["scenarios"][0]["probes"][0]["window_seconds"] == 4.0
    # The fault did show in the recover phase's first seconds: what a judgement from the revert read.
    [step] = journal["scenarios"][0]["steps"]
    revert, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["recover"])
    early = [v for t, v in step["probes"]["stream-p95"]["series"] if revert <= t <= revert + 1.5 and v is not None]
    assert early and max(early) > 0.5
    assert recover_findings(journal) == []  # was P1: "breached … in the recover phase of 2s"
    (tmp_path / "j.json").write_text(json.dumps(journal))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    markdown = html.unescape((tmp_path / "r" / "report.md").read_text())
    assert ("Each phase is judged after a settle time of 4 s (no `settle` in the file: the probes' window, "
            "${window}).") in markdown
    assert "in the recover phase of 2s" not in markdown


def test_a_journal_an_older_vobs_wrote_without_settle_gets_no_recover_finding_from_the_fault(journal):
    """Settle 0 and no probe windows, as schema version 2 wrote such a run: the recover phase is
    judged once the run's ${window} has left the fault."""
    older = json.loads(json.dumps(journal)) | {"schema_version": 2, "settle_seconds": 0.0}
    del older["settle_from"]
    for probe in older["scenarios"][0]["probes"]:
        del probe["window_seconds"]
    assert recover_findings(older) == []
    report = analyse(older)
    stats = report.scenarios[0].steps[0]["stats"]["stream-p95"]
    assert stats["recover"].holds is True and stats["fault"].holds is False


def test_a_recover_phase_not_longer_than_the_window_says_why_none_was_judged(system, tmp_path):
    data, stderr = run(system, tmp_path / "short", "60s")  # 3 s at 0.05: shorter than the 4 s window
    assert ("warning: no `settle` in day.yaml: each phase is judged once the probes' ${window} (4s) has left the "
            "previous one, and the recover phase is not longer than that at this time scale: never judged — "
            "lengthen it, or set `settle`") in stderr
    assert recover_findings(data) == []
    [unjudged] = [u for u in analyse(data).scenarios[0].unjudged if "in the recover phase" in u]
    # the phase's length is as measured: 3 s planned, a few milliseconds more on a loaded machine
    assert re.fullmatch(r"stream-p95 in the recover phase of 2s: 3(\.0\d)? s long, not longer than the probe's "
                        r"window \(4 s\): until then its samples still hold the previous phase, so none was judged — "
                        r"lengthen the phase \(no `settle` in the file: it is the probes' \$\{window\}\)", unjudged), unjudged


def check(system, folder: Path, recover: str, *extra: str) -> tuple[int, str, dict]:
    """`vobs chaos check`, text then JSON, against the real Prometheus scraping the simulator."""
    _, server = system
    folder.mkdir()
    (folder / "day.yaml").write_text(RUN.replace("RECOVER", recover).replace("owner:", f"{extra[0]}\nowner:")
                                     if extra else RUN.replace("RECOVER", recover))
    args = ["-C", str(folder), "chaos", "check", str(folder / "day.yaml"), "--prometheus-url", server.url,
            "--time-scale", "0.05"]
    text = CliRunner().invoke(cli, args)
    data = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert text.exit_code == data.exit_code, (text.output, data.output)
    return text.exit_code, text.output, json.loads(data.stdout)


def test_chaos_check_says_before_the_run_that_a_phase_would_never_be_judged(system, tmp_path):
    """`chaos check` warned of nothing where `chaos run` then warned at its start (trial 18's
    leftover): the same words now, as a `chaos/phase-unjudged` warning; the run is still ready."""
    code, output, data = check(system, tmp_path / "short", "60s")
    assert code == 0, output
    said = ("no `settle` in day.yaml: each phase is judged once the probes' ${window} (4s) has left the previous "
            "one, and the recover phase is not longer than that at this time scale: never judged — lengthen it, "
            "or set `settle`")
    assert said in output and "— ready" in output
    [unjudged] = [f for f in data["findings"] if f["check"] == "chaos/phase-unjudged"]
    assert unjudged["severity"] == "warning" and unjudged["message"] == said and data["ready"] is True
    assert unjudged["location"]["file"] == "day.yaml"


@pytest.mark.parametrize("recover, extra", [("160s", ()), ("160s", ("settle: 80s",))])
def test_chaos_check_is_silent_when_every_phase_is_judged(system, tmp_path, recover, extra):
    """Long enough at this scale, or `settle` written (the file's own check refuses a phase not
    longer than a written settle): no warning."""
    code, output, data = check(system, tmp_path / "fine", recover, *extra)
    assert code == 0, output
    assert not [f for f in data["findings"] if f["check"] == "chaos/phase-unjudged"]
    assert "never judged" not in output
