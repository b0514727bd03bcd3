"""Ctrl-C, a crash and the run's own limits at the worst moments of a Chaos Day: real `vobs chaos
run` processes against the simulator and a real Prometheus. A new-user trial found a Ctrl-C during a
slow revert leaving the fault injected while vobs said it was reverted."""

from __future__ import annotations

import html
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from chaos_fixtures import KILL_SWITCH_PROBE
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# At --time-scale 0.05: 4 s per phase. The fault is a file's content, set and cleared by commands.
DAY = f"""\
id: cmd-day
title: Command faults
owner: sre
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: cmdfault
    title: Command fault
    fault:
      kind: kill-switch
      hold: 80s
      inject: {{command: [sh, -c, "echo on > STATE"]}}
      revert: {{command: [sh, -c, "echo reverting > STATE; sleep 3; echo off > STATE"]}}
    probes:
{KILL_SWITCH_PROBE}
"""


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=11)
    with scraping(sim, "maximus_kill_switch_latency_milliseconds") as server:
        yield sim, server


def start(system, tmp_path: Path, *flags: str) -> tuple[subprocess.Popen, Path, Path]:
    """`vobs chaos run` in its own process group, as a terminal runs a foreground job."""
    sim, prometheus = system
    state, journal = tmp_path / "state", tmp_path / "journal.json"
    (tmp_path / "day.yaml").write_text(DAY.replace("STATE", str(state)))
    process = subprocess.Popen(
        [sys.executable, "-m", "vertice_obs", "-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"),
         "--target-url", sim.url, "--prometheus-url", prometheus.url, "--journal", str(journal),
         "--time-scale", "0.05", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "GRAFANA_URL": ""},
        start_new_session=True)
    return process, state, journal


def wait_for(process: subprocess.Popen, condition, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline and process.poll() is None, process.communicate(timeout=5)
        time.sleep(0.02)


def text(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_during_a_slow_revert_lets_the_revert_finish(system, tmp_path, presses):
    """A terminal's Ctrl-C goes to the whole foreground process group: it killed the revert command
    half-way, and vobs still said "the fault in progress was reverted". A second Ctrl-C is told the
    revert is still running, and does not abandon it."""
    process, state, journal = start(system, tmp_path)
    try:
        wait_for(process, lambda: text(state) == "reverting")
        for _ in range(presses):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.5)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert text(state) == "off", err  # the revert ran to its end
    assert "interrupted: the fault in progress was reverted" in err
    assert err.count("still reverting") == presses, err
    kinds = [e["kind"] for e in json.loads(journal.read_text())["events"]]
    assert kinds[-3:] == ["inject", "revert", "aborted"], kinds


def test_a_run_killed_mid_fault_leaves_a_journal_saying_the_fault_may_still_be_in_place(system, tmp_path):
    """SIGKILL (an OOM kill, a closed CI runner) cannot be caught: nothing reverts. The trial's
    journal then said `running` with no event at all, and the report "not started" — while the
    fault was live. The journal is saved as the fault is injected, so it is known."""
    process, state, journal = start(system, tmp_path)
    try:
        wait_for(process, lambda: text(state) == "on")
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    data = json.loads(journal.read_text())
    assert data["status"] == "running"
    assert [e["kind"] for e in data["events"]] == ["inject"]
    result = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    # With the command that reverts it (a new-user trial: "revert it by hand", but not how), as the journal says it.
    revert = shlex.join(["sh", "-c", f"echo reverting > {state}; sleep 3; echo off > {state}"])
    assert data["events"][0]["by_hand"] == revert
    said = ("Its fault cmdfault kill-switch was injected and no revert was recorded: it may still be in place — "
            f"check the target and revert it by hand: {revert}.")
    assert said in result.stderr
    assert said in html.unescape((tmp_path / "report" / "report.md").read_text()).replace("\\", "")
    assert "not started" not in (tmp_path / "report" / "report.md").read_text()
    assert "→ no end recorded. Owner: sre." in (tmp_path / "report" / "report.md").read_text()  # was `→ .`



def test_a_slow_grafana_does_not_lengthen_the_fault_or_the_recovery(system, tmp_path):
    """The annotations are sent between the inject and the hold, and between the revert and the
    recovery: a Grafana answering in 2 s held the fault 2 s longer (up to --http-timeout, a trial's
    hanging Grafana). The hold is counted from the inject, the recovery from the revert."""
    from grafana_standin import GrafanaStandIn

    from vertice_obs.chaos.runner import GrafanaAnnotator, Runner, Sampler
    from vertice_obs.chaos.scenario import load_run
    from vertice_obs.grafana.destinations import GrafanaDestination

    sim, prometheus = system
    state = tmp_path / "state"
    (tmp_path / "day.yaml").write_text(DAY.replace("STATE", str(state)).replace("sleep 3; ", ""))
    with GrafanaStandIn(version="12.0.2") as grafana:
        grafana.set_faults(latency_ms=2000)
        annotator = GrafanaAnnotator(GrafanaDestination(grafana.url, "glsa_standin_token"), ["esgt-coherence"])
        data = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(prometheus.url),
                      tmp_path / "j.json", annotator, time_scale=0.05).execute()
        annotations = len(grafana.annotations)
    assert data["status"] == "completed" and annotations == 2 and text(state) == "off"
    [step] = data["scenarios"][0]["steps"]
    lasted = {phase: (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
              for phase, (start, end) in step["phases"].items()}
    assert 4 <= lasted["fault"] < 4.8, lasted  # 4 s at --time-scale 0.05, the revert command included
    assert 4 <= lasted["recover"] < 4.8, lasted


def test_a_plan_longer_than_the_timeout_is_refused_up_front(system, tmp_path):
    """The trial's `--timeout 15s` on a 60 s plan injected, then stopped at once: a fault of 7 ms,
    "the run's deadline passed during hold"."""
    process, state, journal = start(system, tmp_path, "--timeout", "10s")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert err.splitlines()[-1] == ("vobs: error: cmd-day plans 12s of baselines, holds and recoveries at --time-scale "
                                    "0.05, more than --timeout 10s: not started, nothing was injected")
    assert not state.exists() and not journal.exists()


def test_a_step_whose_hold_and_recovery_no_longer_fit_the_deadline_is_not_injected(system, tmp_path):
    """What is left of the deadline is judged before each inject (a run slowed by its sampling, or
    a Runner given a deadline shorter than its plan): never a fault cut short."""
    from datetime import timedelta

    from vertice_obs.chaos.runner import Aborted, Runner, Sampler
    from vertice_obs.chaos.scenario import load_run

    sim, prometheus = system
    state = tmp_path / "state"
    (tmp_path / "day.yaml").write_text(DAY.replace("STATE", str(state)))
    runner = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(prometheus.url),
                    tmp_path / "j.json", time_scale=0.05, deadline=timedelta(seconds=7))
    with pytest.raises(Aborted, match=r"^cmdfault kill-switch: its hold and recovery \(8s\) do not fit in what is "
                                      r"left of --timeout \(\d(\.\d+)?s\): not injected$"):
        runner.execute()
    assert not state.exists()
    data = json.loads((tmp_path / "j.json").read_text())
    assert "inject" not in [e["kind"] for e in data["events"]] and data["status"] == "aborted"
