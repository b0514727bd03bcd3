"""A revert that fails is retried, and one that never succeeds is said loudly: real runs against the
simulator and a real Prometheus. A new-user trial (18, M6) had a revert answered `HTTP 500 db locked`
once: vobs gave up at once, and the fault stayed live. Now each attempt is in the journal, a revert
is retried with backoff until `--revert-retry`, and when none succeeds the exit code (3), stderr,
the journal and the report say the fault may still be in place, with the command to revert it by hand."""

from __future__ import annotations

import html
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from chaos_fixtures import KILL_SWITCH_PROBE
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.chaos.revert import RevertFailed
from vertice_obs.chaos.runner import Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

# At --time-scale 0.05: 4 s per phase. The fault is a file's content; the revert fails while LOCK
# exists, or (FAILS) its first FAILS attempts.
DAY = f"""\
id: revert-day
title: A revert that fails
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
      revert: {{command: [sh, -c, REVERT]}}
    probes:
{KILL_SWITCH_PROBE}
"""
FLAKY = "n=$(cat COUNT 2>/dev/null || echo 0); echo $((n + 1)) > COUNT; [ $n -ge FAILS ] && echo off > STATE"
LOCKED = "if [ -e LOCK ]; then echo db locked >&2; exit 1; fi; echo off > STATE"


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=19)
    with scraping(sim, "maximus_kill_switch_latency_milliseconds") as server:
        yield sim, server


def day(tmp_path: Path, revert: str, fails: int = 0) -> Path:
    paths = {"STATE": str(tmp_path / "state"), "COUNT": str(tmp_path / "count"), "LOCK": str(tmp_path / "lock"),
             "FAILS": str(fails)}
    for name, value in paths.items():
        revert = revert.replace(name, value)
    (tmp_path / "day.yaml").write_text(DAY.replace("STATE", paths["STATE"]).replace("REVERT", json.dumps(revert)))
    return tmp_path / "day.yaml"


def text(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


def revert_events(data: dict) -> list[dict]:
    return [{k: v for k, v in e.items() if k not in ("t", "message")} for e in data["events"]
            if e["kind"] in ("revert", "revert-failed")]


def test_a_revert_that_fails_twice_is_retried_and_the_run_completes(system, tmp_path):
    sim, server = system
    runner = Runner(load_run(day(tmp_path, FLAKY, fails=2), "day.yaml"), sim.url, Sampler(server.url),
                    tmp_path / "j.json", time_scale=0.05)
    data = runner.execute()  # raised "could not revert … — revert it by hand" at the first failure
    assert data["status"] == "completed" and text(tmp_path / "state") == "off"
    where = {"scenario": "cmdfault", "step": "kill-switch"}
    assert revert_events(data) == [{"kind": "revert-failed", **where, "attempt": 1, "retry_in": 1.0},
                                   {"kind": "revert-failed", **where, "attempt": 2, "retry_in": 2.0},
                                   {"kind": "revert", **where, "attempt": 3}]
    failed = [e for e in data["events"] if e["kind"] == "revert-failed"]
    assert failed[0]["message"].endswith("exited with status 1")
    assert len(data["scenarios"][0]["steps"]) == 1


class AlwaysLocked:
    """A revert endpoint that answers every request `500 db locked` (the trial's), on loopback."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = b'{"error": "db locked"}'
                self.send_response(500 if self.command == "DELETE" else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_DELETE = _answer  # noqa: N815 - http.server's names

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


HTTP_DAY = """\
id: locked-day
title: A revert the target refuses
owner: sre
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: stream
    title: Streaming latency
    fault:
      kind: latency
      steps: [1s]
      hold: 80s
      inject: {http: {method: POST, url: "${target}/fault/latency", json: {ms: "${step_ms}"}}}
      revert: {http: {method: DELETE, url: "LOCKED/fault/latency"}}
    probes:
      - id: stream-p95
        query: histogram_quantile(0.95, sum by (le) (rate(maximus_streaming_latency_seconds_bucket[${window}])))
        unit: s
        threshold: {op: "<", value: 0.5}
"""


def test_a_revert_that_never_succeeds_says_the_fault_may_still_be_in_place(system, tmp_path):
    sim, server = system
    locked = AlwaysLocked()
    (tmp_path / "day.yaml").write_text(HTTP_DAY.replace("LOCKED", locked.url))
    try:
        result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"),
                                          "--target-url", sim.url, "--prometheus-url", server.url, "--time-scale",
                                          "0.05", "--journal", str(tmp_path / "j.json"), "--revert-retry", "5s"],
                                    env={"GRAFANA_URL": ""})
        live = requests.get(f"{sim.url}/fault/latency", timeout=5).json()["latency_ms"]
    finally:
        locked.stop()
        requests.delete(f"{sim.url}/fault/latency", timeout=5)
    assert live == 1000  # the fault is indeed still in place: what vobs must say
    assert result.exit_code == 3, result.output  # was 2, as for bad input
    by_hand = f"curl -fsS -X DELETE {locked.url}/fault/latency"
    assert result.stderr.splitlines()[-1] == (
        f"vobs: error: could not revert stream 1s (3 attempts over 3s; --revert-retry 5s): DELETE {locked.url}/fault/"
        f"latency: HTTP 500 {{\"error\": \"db locked\"}} — the fault may still be in place: revert it by hand: "
        f"{by_hand}")
    assert "stream 1s: revert attempt 1 failed: DELETE " in result.stderr and "retrying in 1s" in result.stderr
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["status"] == "failed"
    where = {"scenario": "stream", "step": "1s"}
    assert revert_events(data) == [{"kind": "revert-failed", **where, "attempt": 1, "retry_in": 1.0},
                                   {"kind": "revert-failed", **where, "attempt": 2, "retry_in": 2.0},
                                   {"kind": "revert-failed", **where, "attempt": 3, "gave_up": True,
                                    "by_hand": by_hand}]
    report = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert report.exit_code == 0, report.output
    said = (f"Its fault stream 1s may still be in place: no revert succeeded (3 attempts; the last: DELETE "
            f"{locked.url}/fault/latency: HTTP 500 {{\"error\": \"db locked\"}}) — check the target and revert it by "
            f"hand: {by_hand}.")
    assert said in report.stderr
    assert said in html.unescape((tmp_path / "r" / "report.md").read_text()).replace("\u2060", "")


def test_the_by_hand_command_of_a_command_revert_reverts_it(system, tmp_path):
    """`--revert-retry 0s`: one attempt. The command said is the revert as written, and works once
    what blocked it is gone."""
    sim, server = system
    (tmp_path / "lock").touch()
    runner = Runner(load_run(day(tmp_path, LOCKED), "day.yaml"), sim.url, Sampler(server.url), tmp_path / "j.json",
                    time_scale=0.05, revert_retry=timedelta(0))
    with pytest.raises(RevertFailed) as raised:
        runner.execute()
    assert raised.value.exit_code == 3 and text(tmp_path / "state") == "on"
    assert "(1 attempt; --revert-retry 0s): command sh -c " in str(raised.value)
    assert str(raised.value).endswith(": db locked — the fault may still be in place: revert it by hand: "
                                      + shlex.join(["sh", "-c", LOCKED.replace("LOCK", str(tmp_path / "lock"))
                                                    .replace("STATE", str(tmp_path / "state"))]))
    [gave_up] = [e for e in json.loads((tmp_path / "j.json").read_text())["events"] if e.get("gave_up")]
    (tmp_path / "lock").unlink()
    subprocess.run(gave_up["by_hand"], shell=True, check=True)
    assert text(tmp_path / "state") == "off"


def test_ctrl_c_while_a_revert_is_retried_waits_for_the_retries(system, tmp_path):
    """Signals stay deferred through the retries: a Ctrl-C between two attempts is told vobs is
    still reverting, and the run stops once the revert succeeded (exit 130, "reverted")."""
    sim, server = system
    path = day(tmp_path, FLAKY, fails=2)
    journal = tmp_path / "journal.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "vertice_obs", "-C", str(tmp_path), "chaos", "run", str(path), "--target-url", sim.url,
         "--prometheus-url", server.url, "--journal", str(journal), "--time-scale", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "GRAFANA_URL": ""},
        start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        while text(tmp_path / "count") != "1":  # the first attempt failed; the second comes 1 s later
            assert time.monotonic() < deadline and process.poll() is None, process.communicate(timeout=5)
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert text(tmp_path / "state") == "off" and text(tmp_path / "count") == "3"
    assert "cmdfault kill-switch: still reverting — vobs stops once the revert has finished" in err
    assert "interrupted: the fault in progress was reverted" in err
    kinds = [e["kind"] for e in json.loads(journal.read_text())["events"]]
    assert kinds[-5:] == ["inject", "revert-failed", "revert-failed", "revert", "aborted"], kinds
