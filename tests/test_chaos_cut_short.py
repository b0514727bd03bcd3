"""A Chaos Day stopped mid-step (Ctrl-C, SIGTERM, --timeout) keeps what the step measured until
the stop: real runs against the simulator and a real Prometheus. A new-user trial (18, M1) found the
samples of the step in progress thrown away — the journal and the report lost the baseline and the
part of the fault that had been observed. They are recorded now, marked `cut_short`, judged on what
was measured, and never give a recovery verdict from a partial window."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.chaos.progress import Progress
from vertice_obs.chaos.runner import Aborted, Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# At --time-scale 0.05: baseline and hold 4 s, recover 8 s, ${window} and settle 2 s (two scrapes at 1 s).
RUN = f"""\
id: cut-day
title: A day stopped mid-step
owner: team-cockpit
baseline: 80s
recover: 160s
settle: 40s
scenarios:
  - id: stream
    title: Streaming latency
    fault:
      kind: latency
      steps: [2s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
    expectations:
      - {{probe: stream-p95, phase: recover, holds: true, why: "back under budget once reverted"}}
"""


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=13)
    with scraping(sim, "maximus_streaming_latency_seconds_bucket") as server:
        yield sim, server


def ctrl_c_into(wait: int, after: float):
    """The runner's sleep: phases wait for real, and Ctrl-C comes `after` seconds into the
    `wait`-th one (1: the baseline, 2: the hold, 3: the recovery)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == wait:
            time.sleep(after)
            raise KeyboardInterrupt
        time.sleep(seconds)

    return sleep


def stopped_run(system, tmp_path: Path, wait: int, after: float) -> dict:
    sim, server = system
    (tmp_path / "day.yaml").write_text(RUN)
    runner = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(server.url), tmp_path / "j.json",
                    time_scale=0.05, sleep=ctrl_c_into(wait, after))
    with pytest.raises(Aborted, match="interrupted: the fault in progress was reverted"):
        runner.execute()
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    return json.loads((tmp_path / "j.json").read_text())


def seconds(window: list[str]) -> tuple[float, float]:
    start, end = (datetime.fromisoformat(t).timestamp() for t in window)
    return start, end


def report(journal: Path, out: Path) -> tuple[str, str, str]:
    result = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return (html.unescape((out / "report.md").read_text()), html.unescape((out / "report.html").read_text()),
            result.stderr)


def test_a_stop_in_the_hold_keeps_the_baseline_and_the_fault_measured_until_then(system, tmp_path):
    data = stopped_run(system, tmp_path, wait=2, after=3.0)
    [step] = data["scenarios"][0]["steps"]  # was []: the step's samples were thrown away
    assert step["cut_short"]["during"] == "hold"
    baseline, fault, recover = (seconds(step["phases"][p]) for p in ("baseline", "fault", "recover"))
    assert 3.0 <= fault[1] - fault[0] < 4.0  # the hold until the stop (and the revert), not its planned 4 s
    assert recover[0] == recover[1] == fault[1]  # not reached
    series = step["probes"]["stream-p95"]["series"]
    assert [v for t, v in series if baseline[0] <= t <= baseline[1]]
    under_fault = [v for t, v in series if fault[0] + 2 <= t <= fault[1]]  # after the settle time
    assert under_fault and max(under_fault) > 0.5  # 2 s of injected latency, observed before the stop
    assert all(t <= fault[1] for t, _ in series)

    markdown, page, stderr = report(tmp_path / "j.json", tmp_path / "r")
    said = ("Its step stream 2s was cut short by the stop: what it measured until then is reported, marked cut "
            "short, and its recovery is not judged.")
    assert said in markdown and said in page and said in stderr
    # The breach under fault is a finding, said to rest on what was measured before the stop.
    [finding] = [line for line in markdown.splitlines() if line.startswith("| P")]
    assert " in the fault phase of 2s: worst " in finding
    assert " (cut short by the stop: judged on its first 3" in finding
    [row] = [line for line in markdown.splitlines() if line.startswith("| 2s (cut short) |")]
    assert row.split(" | ")[4].startswith("❌ worst ")
    assert row.endswith(" | no data | recovery not judged: the run stopped in the fault phase, before the recovery |")
    assert "- 2s was cut short by the stop 3" in markdown and "; the recover phase was not reached;" in markdown


def test_a_stop_in_the_recovery_gives_no_recovery_verdict_from_the_partial_window(system, tmp_path):
    data = stopped_run(system, tmp_path, wait=3, after=5.0)
    [step] = data["scenarios"][0]["steps"]
    assert step["cut_short"]["during"] == "recover"
    recover = seconds(step["phases"]["recover"])
    assert 5.0 <= recover[1] - recover[0] < 6.0  # the 8 s recovery, stopped 5 s in
    from vertice_obs.chaos.report import analyse

    [result] = analyse(data).scenarios
    recovery = result.steps[0]["recovery"]["stream-p95"]
    assert recovery.state == "cut short"  # never "recovered" or "not recovered" on a partial window
    assert recovery.text.startswith("recovery not judged: the run stopped 5")
    assert recovery.text.endswith(" s into the recover phase")
    assert not [d for d in result.deviations if d.coverage == "recovery"]
    markdown, _, _ = report(tmp_path / "j.json", tmp_path / "r")
    assert "back under its threshold" not in markdown and "held through the fault" not in markdown
    # Nothing of the run is left out of it: no "not run" row, and no "nothing did not run".
    assert "not run, so not judged" not in markdown and "nothing did not run" not in markdown
    assert "- **Finish the run**: stream 2s was cut short — fix what stopped it" in markdown


def test_a_stop_while_waiting_for_the_samples_keeps_the_whole_step(system, tmp_path):
    """Every phase ran: only the wait for the backend was cut (a Ctrl-C, or --timeout passing
    there). The step is kept whole — not cut short — with what the backend served (briefly waited for)."""
    sim, server = system
    (tmp_path / "day.yaml").write_text(RUN)

    class CtrlCInTheFirstWait(Progress):  # the first wait for the backend's samples is interrupted
        waits = 0

        def waiting(self, what: str, into: float, limit: float) -> None:
            CtrlCInTheFirstWait.waits += into == 0
            if CtrlCInTheFirstWait.waits == 1:
                raise KeyboardInterrupt

    runner = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(server.url), tmp_path / "j.json",
                    time_scale=0.05, progress=lambda planned: CtrlCInTheFirstWait(planned, lambda _text: None))
    with pytest.raises(Aborted):
        runner.execute()
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["events"][-1]["phase"] == "sampling"
    [step] = data["scenarios"][0]["steps"]
    assert "cut_short" not in step
    recover = seconds(step["phases"]["recover"])
    assert recover[1] - recover[0] >= 8.0
    assert [t for t, _ in step["probes"]["stream-p95"]["series"] if recover[0] + 2 <= t <= recover[1]]


def test_a_cut_short_step_is_not_compared_as_if_it_had_run_through(system, tmp_path):
    """Its fault phase is partial: compared with a whole one, a worst value seen in 1 s of fault
    would read as "improved"."""
    sim, server = system
    (tmp_path / "day.yaml").write_text(RUN)
    whole = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(server.url), tmp_path / "a.json",
                   time_scale=0.05)
    assert whole.execute()["status"] == "completed"
    stopped_run(system, tmp_path, wait=2, after=3.0)
    result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "a.json"), str(tmp_path / "j.json"),
                                      "-o", str(tmp_path / "c")])
    assert result.exit_code == 2  # nothing both runs measured through
    assert "nothing to compare" in result.stderr


def test_a_signal_to_a_real_run_keeps_the_step(system, tmp_path):
    """`vobs chaos run` as a process, SIGTERM mid-hold: exit 130, the fault reverted, the step kept."""
    sim, server = system
    (tmp_path / "day.yaml").write_text(RUN)
    journal = tmp_path / "journal.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "vertice_obs", "-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"),
         "--target-url", sim.url, "--prometheus-url", server.url, "--journal", str(journal), "--time-scale", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "GRAFANA_URL": ""})
    try:
        deadline = time.monotonic() + 40
        while requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0:
            assert time.monotonic() < deadline and process.poll() is None, process.communicate(timeout=5)
            time.sleep(0.05)
        time.sleep(2.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "stream 2s: stopped — keeping what the step measured until then (Ctrl-C again to skip)" in err
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    data = json.loads(journal.read_text())
    [step] = data["scenarios"][0]["steps"]
    assert step["cut_short"]["during"] in ("hold", "inject") and step["probes"]["stream-p95"]["series"]
    assert data["schema_version"] == 3
