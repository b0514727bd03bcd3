"""A phase not longer than `settle`, on real runs (the simulator, a real Prometheus). A new-user
trial (settle 40 s, hold 30 s) got "ready" from `chaos check`, and a report of 0 deviations with
"no data" under fault, while the journal held three samples breaching the threshold there —
or, run to run, a verdict on the one sample that landed exactly on the phase's end; `chaos
compare` then called "— vs —" unchanged. Such a file is now refused at its line; a journal an
older vobs wrote with such a phase (made here by giving the runner a settle time longer than the
hold, as `load_run` no longer would) says every phase it could not judge, and why."""

from __future__ import annotations

import dataclasses
import html
import json
from datetime import datetime, timedelta

import pytest
import requests
from chaos_fixtures import KILL_SWITCH_HTTP
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.chaos.runner import Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# At --time-scale 0.05: baseline and recover 4 s, the kill switch held 2 s.
RUN = f"""\
id: short-hold
title: A hold shorter than the settle time
owner: team-safety
baseline: 80s
recover: 80s
settle: 30s
scenarios:
  - id: kill
    title: Kill switch
    fault:
      kind: kill-switch
      hold: 40s
{KILL_SWITCH_HTTP}
    probes:
      - id: coherence
        query: avg(maximus_esgt_coherence)
        unit: ratio
        threshold: {{op: ">", value: 0.6}}
"""
SETTLE = timedelta(seconds=60)  # 3 s at 0.05: longer than the 2 s hold, shorter than baseline and recover


@pytest.fixture(scope="module")
def system(catalog, tmp_path_factory):
    sim = Simulator(catalog, leave_out=(), seed=7)
    root = tmp_path_factory.mktemp("short-hold")
    with scraping(sim, "maximus_esgt_coherence") as server:
        yield sim, server, root


@pytest.fixture(scope="module")
def journals(system):
    """Two runs of the file with a settle time longer than its hold, as an older vobs ran them."""
    sim, server, root = system
    (root / "short.yaml").write_text(RUN)
    run = dataclasses.replace(load_run(root / "short.yaml", "short.yaml"), settle=SETTLE)
    paths = []
    for name in ("one", "two"):
        paths.append(root / f"{name}.json")
        assert Runner(run, sim.url, Sampler(server.url), paths[-1], time_scale=0.05).execute()["status"] == "completed"
    return paths


def test_check_and_run_refuse_a_hold_not_longer_than_settle_at_its_line(system, tmp_path):
    sim, server, _ = system
    (tmp_path / "day.yaml").write_text(RUN.replace("hold: 40s", "hold: 30s").replace("settle: 30s", "settle: 40s"))
    said = ("day.yaml:12: scenario kill's hold 30s is not longer than settle 40s: each phase is judged only after "
            "the settle time, so this one could never be judged and its breaches would go unseen — lengthen it or "
            "shorten `settle`")
    check = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "check", str(tmp_path / "day.yaml"),
                                     "--prometheus-url", server.url, "--time-scale", "0.05"])
    assert check.exit_code == 2, check.output
    assert check.stderr == f"vobs: error: {said}\n"
    run = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"), "--target-url",
                                   sim.url, "--prometheus-url", server.url, "--time-scale", "0.05", "--journal",
                                   str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert run.exit_code == 2 and run.stderr == f"vobs: error: {said}\n"
    assert not (tmp_path / "j.json").exists()
    assert requests.get(f"{sim.url}/fault/kill-switch", timeout=5).json()["kill_switch"] is False
    # the same at the default baseline, said at `settle:` (the baseline is not written)
    (tmp_path / "day.yaml").write_text(RUN.replace("baseline: 80s\n", ""))
    check = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "check", str(tmp_path / "day.yaml")])
    assert check.exit_code == 2
    assert check.stderr.startswith("vobs: error: day.yaml:5: baseline 30s (the default) is not longer than settle 30s")


def test_a_phase_not_longer_than_settle_is_said_unjudged_with_its_breaches_unseen(journals, tmp_path):
    data = json.loads(journals[0].read_text())
    [step] = data["scenarios"][0]["steps"]
    start, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["fault"])
    under_fault = [v for t, v in step["probes"]["coherence"]["series"] if start <= t <= end and v is not None]
    assert under_fault and min(under_fault) < 0.6  # a breach the phase holds, which the settle time hides
    result = CliRunner().invoke(cli, ["chaos", "report", str(journals[0]), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    markdown = html.unescape((tmp_path / "out" / "report.md").read_text()).replace("\\`", "`")  # as read
    # No expectation names the phase: it is said all the same, with the phase's length and the settle time.
    [line] = [l for l in markdown.splitlines() if l.startswith("- coherence in the fault phase of kill-switch: ")]
    assert line.endswith(" long, not longer than the settle time (3 s) after which a phase is judged — lengthen "
                         "the phase or shorten `settle` (`vobs chaos check` refuses such a file)"), line
    assert "Could not be judged (never counted as a failure):" in markdown
    assert "No probe breached its budget in what was judged; what could not be judged (below) is no pass." in markdown
    assert "every expectation held" not in markdown
    assert "| kill-switch | coherence | > 0.6 ratio | ✅ worst " in markdown and " | no data | " in markdown


def test_compare_says_a_phase_judged_on_neither_side_was_not_measured(journals, tmp_path):
    result = CliRunner().invoke(cli, ["chaos", "compare", *map(str, journals), "-o", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "c" / "compare.md").read_text()
    assert "| not measured on either side | kill | kill-switch | coherence | worst under fault | — | — |" in markdown
    assert "| unchanged | kill | kill-switch | coherence | worst under fault |" not in markdown
