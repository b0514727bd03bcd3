"""What a Chaos Day that stops says it left: real runs against the simulator and a real Prometheus.
A new-user trial (chaos helper) found two lines that did not say it: a Ctrl-C in the first baseline
was told "the fault in progress was reverted" — there was none, nothing had been injected — and an
inject the target refused (a typo in its path, HTTP 404) ended the run with the target's bare answer
(`vobs: error: POST …/nosuch: HTTP 404 …`): no scenario, no step, no file:line, and nothing said of
whether the fault was in place."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.chaos.runner import Aborted, Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.chaos.stopped import left_in_place
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# At --time-scale 0.05: every phase 3 s, settle and ${window} 2 s (two scrapes at 1 s).
DAY = f"""\
id: words-day
title: Words of a stop
owner: sre
baseline: 60s
recover: 60s
settle: 40s
scenarios:
  - id: stream
    title: Streaming latency
    fault:
      kind: latency
      steps: [1s]
      hold: 60s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
"""


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=17)
    with scraping(sim, "maximus_streaming_latency_seconds_bucket") as server:
        yield sim, server


def ctrl_c_in(wait: int):
    """The runner's sleep: Ctrl-C a moment into the `wait`-th phase (1: the baseline, 2: the hold)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == wait:
            time.sleep(0.5)
            raise KeyboardInterrupt
        time.sleep(seconds)

    return sleep


@pytest.mark.parametrize("wait, said", [
    (1, "interrupted: it stopped in the baseline of stream 1s, before its inject: no fault is in place; the journal "
        "says how far it got"),
    (2, "interrupted: the fault in progress was reverted; the journal says how far it got"),
])
def test_a_ctrl_c_says_a_fault_was_reverted_only_when_one_was_injected(system, tmp_path, wait, said):
    sim, server = system
    (tmp_path / "day.yaml").write_text(DAY)
    runner = Runner(load_run(tmp_path / "day.yaml", "day.yaml"), sim.url, Sampler(server.url), tmp_path / "j.json",
                    time_scale=0.05, sleep=ctrl_c_in(wait))
    with pytest.raises(Aborted) as raised:
        runner.execute()
    assert str(raised.value) == said
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    kinds = [e["kind"] for e in json.loads((tmp_path / "j.json").read_text())["events"]]
    assert ("inject" in kinds) is (wait == 2)


def test_an_inject_the_target_refuses_names_the_fault_its_line_and_that_nothing_is_injected(system, tmp_path):
    sim, server = system
    day = tmp_path / "day.yaml"
    day.write_text(DAY.replace('url: "${target}/fault/latency", json', 'url: "${target}/fault/latenc", json'))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(day), "--target-url", sim.url,
                                      "--prometheus-url", server.url, "--time-scale", "0.05",
                                      "--journal", str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert result.exit_code == 2, result.output
    [line] = [l for l in result.stderr.splitlines() if l.startswith("vobs: error: ")]
    assert re.fullmatch(
        rf"vobs: error: day\.yaml:14: could not inject stream 1s: POST {re.escape(sim.url)}/fault/latenc: "
        r"HTTP 404 .*; the target refused it, so nothing is injected — check the inject in the file", line), line
    assert "may still be in place" not in result.stderr
    assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["status"] == "failed"
    assert [e for e in data["events"] if e["kind"] == "error"][0]["message"] == line.removeprefix("vobs: error: ")


def test_a_run_after_one_killed_mid_fault_says_the_fault_may_still_be_in_place(system, tmp_path):
    """SIGKILL mid-fault leaves the fault injected (nothing can revert then); the trial's next `chaos run`
    started without a word and measured its first baseline under the old fault. It now warns before the
    first baseline, with the command that reverts it, read from the killed run's journal."""
    sim, server = system
    (tmp_path / "chaos").mkdir()
    (tmp_path / "chaos" / "day.yaml").write_text(DAY)
    args = [sys.executable, "-m", "vertice_obs", "-C", str(tmp_path), "chaos", "run", str(tmp_path / "chaos" / "day.yaml"),
            "--prometheus-url", server.url, "--time-scale", "0.05"]
    env = {**os.environ, "GRAFANA_URL": ""}
    process = subprocess.Popen([*args, "--target-url", sim.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        while requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 0:
            assert time.monotonic() < deadline and process.poll() is None, process.communicate(timeout=5)
            time.sleep(0.05)
        time.sleep(0.3)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    try:
        [killed] = (tmp_path / "chaos" / "journals").glob("words-day-*.json")
        # the next run: stopped right after the warning by a target it cannot reach (nothing injected)
        again = subprocess.run([*args, "--target-url", "http://127.0.0.1:1"], capture_output=True, text=True, env=env,
                               timeout=60)
        assert again.returncode == 2, again.stderr
        warning = (f"vobs: warning: the last run of words-day ({os.path.relpath(killed)}) stopped with its fault stream "
                   "1s injected and no revert recorded: if it is still in place, this run's baselines measure it — "
                   f"check the target and revert it by hand first: curl -fsS -X DELETE {sim.url}/fault/latency\n")
        assert warning in again.stderr
        requests.delete(f"{sim.url}/fault/latency", timeout=5)
        # reverted by hand, the next run completes; its journal is then the latest: nothing more to say
        done = subprocess.run([*args, "--target-url", sim.url], capture_output=True, text=True, env=env, timeout=90)
        assert done.returncode == 0, done.stderr
        assert left_in_place(tmp_path / "chaos" / "journals", "words-day") is None
    finally:
        requests.delete(f"{sim.url}/fault/latency", timeout=5)


def test_a_revert_the_target_refuses_says_where_the_file_writes_it(system, tmp_path):
    """A typo in the revert's path (HTTP 404): no retry can change it, and "revert it by hand: curl …" alone
    repeated the typo. The error names the line that writes the revert, to correct it there."""
    sim, server = system
    day = tmp_path / "day.yaml"
    day.write_text(DAY.replace('revert: {http: {method: DELETE, url: "${target}/fault/latency"}}',
                               'revert: {http: {method: DELETE, url: "${target}/fault/latenc"}}'))
    try:
        result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(day), "--target-url", sim.url,
                                          "--prometheus-url", server.url, "--time-scale", "0.05",
                                          "--journal", str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
        assert requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"] == 1000  # indeed in place
    finally:
        requests.delete(f"{sim.url}/fault/latency", timeout=5)
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines()[-1] == (
        f"vobs: error: could not revert stream 1s (1 attempt; refused: a retry cannot change that): DELETE {sim.url}/"
        "fault/latenc: HTTP 404 not found: the simulator serves /metrics — the fault may still be in place (the target "
        "refuses the revert as day.yaml:15 writes it: correct it there): revert it by hand: curl -fsS -X DELETE "
        f"{sim.url}/fault/latenc")
