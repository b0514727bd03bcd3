"""A whole Chaos Day on one machine: the simulator, a real Prometheus, the stand-in Grafana."""

from __future__ import annotations

import glob
import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from prometheus_harness import LoopbackProcess, free_port, scraping

from vertice_obs.chaos.estimate import shown
from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "chaos" / "chaos-day-1.yaml"


@pytest.fixture(scope="module")
def system(catalog):
    """A simulator serving every metric (the spike counter too) and a Prometheus scraping it."""
    sim = Simulator(catalog, leave_out=(), seed=3)
    with scraping(sim, "maximus_dopamine_spike_events_total") as server:
        yield sim, server


def fault_state(sim) -> dict:
    return requests.get(f"{sim.url}/fault/latency", timeout=5).json()


def readme_demo() -> tuple[str, list[str]]:
    """The README's Chaos Day block: its Prometheus config and its command lines, as written."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Chaos Day: `vobs chaos"):]
    block = section[section.index("```bash\n") + len("```bash\n"):]
    block = block[:block.index("```")]
    config = block.split("<<'YAML'\n", 1)[1].split("\nYAML\n", 1)[0]
    lines = [line.split(" # ")[0].strip() for line in block.replace("\\\n", " ").splitlines()]
    commands = [line.removesuffix("&").strip() for line in lines if line.startswith(("vobs ", "prometheus ", "sleep "))]
    return config, commands


class ReadmePrometheus(LoopbackProcess):
    """Prometheus started by the README's own command line, on a free port and temp paths."""

    name = "prometheus"

    def __init__(self, command: str, config: str):
        super().__init__("vobs-readme-prometheus-")
        self.argv = shlex.split(command)
        (self.dir / "prom.yml").write_text(config)

    def command(self, port: int) -> list[str]:
        paths = {"/tmp/chaos-prom.yml": str(self.dir / "prom.yml"), "/tmp/chaos-prom-data": str(self.dir / "data"),
                 "127.0.0.1:9090": f"127.0.0.1:{port}"}
        return [_substitute(a, paths) for a in self.argv]


def _substitute(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def chaos_day(tmp_path_factory):
    """The README's Chaos Day, exactly as written (ports and temp paths substituted; `vobs` is this
    checkout), from a copy of the project; annotated in the stand-in Grafana (GRAFANA_URL)."""
    config, commands = readme_demo()
    simulate = next(c for c in commands if c.startswith("vobs simulate"))
    port = free_port()
    project = tmp_path_factory.mktemp("readme-project")
    for name in ("chaos", "narratives", "dashboards", "exports", "rules"):
        shutil.copytree(REPO / name, project / name, ignore=shutil.ignore_patterns("journals"))
    shutil.copy(REPO / "pyproject.toml", project)
    env = {**os.environ, "PYTHONPATH": str(REPO), "GRAFANA_URL": ""}
    vobs = [sys.executable, "-m", "vertice_obs"]
    sim = subprocess.Popen(vobs + shlex.split(simulate)[1:] + ["--port", str(port)], cwd=project, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prometheus = ReadmePrometheus(next(c for c in commands if c.startswith("prometheus ")),
                                  config.replace("127.0.0.1:9464", f"127.0.0.1:{port}"))
    target = SimpleNamespace(url=f"http://127.0.0.1:{port}")
    try:
        prometheus.start()
        wait_until(lambda: _has(prometheus.url, "maximus_dopamine_spike_events_total"), 60, "the first scrape")
        results = {}
        with GrafanaStandIn() as grafana:
            run_env = {**env, "GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "glsa_standin_token"}
            for command in (c for c in commands if " vobs chaos " in f" {c} "):
                argv = shlex.split(command.split("&& ", 1)[-1])
                argv = [_substitute(a, {"127.0.0.1:9090": prometheus.url.removeprefix("http://"),
                                        "127.0.0.1:9464": f"127.0.0.1:{port}"}) for a in argv]
                argv = [g for a in argv for g in (sorted(glob.glob(str(project / a))) if "*" in a else [a])]
                done = subprocess.run(vobs + argv[1:], cwd=project, env=run_env, capture_output=True, text=True,
                                      timeout=600)
                results[argv[2]] = SimpleNamespace(exit_code=done.returncode, stdout=done.stdout,
                                                   stderr=done.stderr, output=done.stdout + done.stderr)
            grafana.assert_no_violations()
            annotations = list(grafana.annotations)
        [journal] = sorted((project / "chaos" / "journals").glob("chaos-day-1-*.json"))
        return results, journal, annotations, fault_state(target)
    finally:
        prometheus.stop()
        sim.terminate()
        sim.wait(timeout=10)


def _has(url: str, metric: str) -> bool:
    answer = requests.get(f"{url}/api/v1/query", params={"query": metric}, timeout=5).json()
    return bool(answer["data"]["result"])


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not _safely(condition):
        assert time.monotonic() < deadline, f"no {what} within {seconds}s"
        time.sleep(0.2)


def _safely(condition) -> bool:
    try:
        return condition()
    except requests.RequestException:
        return False


def test_the_readme_demo_checks_runs_and_reports_and_every_probe_gets_data(chaos_day):
    results, journal, _, _ = chaos_day
    assert list(results) == ["check", "run", "report"]
    assert results["check"].exit_code == 0, results["check"].output
    assert "4 probes — ready" in results["check"].stdout
    assert results["report"].exit_code == 0, results["report"].output
    data = json.loads(journal.read_text())
    for scenario in data["scenarios"]:
        for step in scenario["steps"]:
            for probe, measured in step["probes"].items():
                for phase, (start, end) in step["phases"].items():
                    start, end = datetime.fromisoformat(start).timestamp(), datetime.fromisoformat(end).timestamp()
                    values = [v for t, v in measured["series"] if start <= t <= end and v is not None]
                    assert values, f"{scenario['id']} {step['label']} {probe}: no data in the {phase} phase"
    assert (journal.with_name(journal.stem + "-report") / "report.md").is_file()  # beside the journal


def test_chaos_day_runs_end_to_end_and_leaves_no_fault(chaos_day):
    results, journal, annotations, state = chaos_day
    result = results["run"]
    assert result.exit_code == 0, result.output
    assert "chaos-day-1: completed 2 scenarios, 6 steps; no fault left injected" in result.output
    hint = result.output.split("Report: ", 1)[1].splitlines()[0]
    assert shlex.split(hint) == ["vobs", "chaos", "report", str(journal.relative_to(journal.parents[2]))]
    assert state == {"latency_ms": 0.0, "kill_switch": False}
    data = json.loads(journal.read_text())
    assert data["status"] == "completed"
    latency, kill = data["scenarios"]
    assert [s["label"] for s in latency["steps"]] == ["100ms", "500ms", "1s", "2s", "5s"]
    assert [s["label"] for s in kill["steps"]] == ["kill-switch"]
    kinds = [e["kind"] for e in data["events"] if e["kind"] in ("inject", "revert")]
    assert kinds == ["inject", "revert"] * 6  # every injection reverted, in order
    for step in latency["steps"] + kill["steps"]:
        assert set(step["phases"]) == {"baseline", "fault", "recover"}
        assert all(probe["series"] for probe in step["probes"].values()), step["label"]
    # Annotated on the run's narratives' dashboards, tagged with the run id: a start and a region per step.
    tagged = [a for a in annotations if "run:chaos-day-1" in a["tags"]]
    assert {a["dashboardUID"] for a in tagged} == {"maximus-dopamine-overview", "maximus-dopamine-arousal",
                                                  "maximus-esgt-ignition", "maximus-esgt-coherence"}
    regions = [a for a in tagged if a["dashboardUID"] == "maximus-esgt-ignition" and a["timeEnd"] > a["time"]]
    assert len(regions) == 6


def test_a_missing_probe_metric_stops_the_run_before_any_fault(prometheus, simulator, tmp_path):
    # The session's simulator leaves the spike counter out, as in the kick-off.
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(RUN), "--target-url", simulator.url,
                                      "--prometheus-url", prometheus.url, "--journal", str(tmp_path / "j.json")])
    assert result.exit_code == 1
    assert "probe dopamine-spikes: error: maximus_dopamine_spike_events_total is missing" in result.output
    assert "not started — 1 probe metric would measure nothing" in result.stderr
    assert not (tmp_path / "j.json").exists()
    assert fault_state(simulator)["latency_ms"] == 0


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sig, started", [(signal.SIGINT, "foreground"), (signal.SIGTERM, "foreground"),
                                          (signal.SIGINT, "background")])
def test_killing_the_runner_mid_fault_reverts_the_fault(system, tmp_path, sig, started):
    """Also when started as a shell starts a background job (`vobs chaos run … &`, a CI step):
    with SIGINT ignored, which Python keeps unless told otherwise."""
    sim, prometheus = system
    journal = tmp_path / "journal.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "vertice_obs", "-C", str(REPO), "chaos", "run", str(RUN), "--target-url", sim.url,
         "--prometheus-url", prometheus.url, "--journal", str(journal), "--time-scale", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "GRAFANA_URL": ""},
        preexec_fn=_ignore_sigint if started == "background" else None)
    try:
        deadline = time.monotonic() + 30
        while fault_state(sim)["latency_ms"] == 0:  # wait until the first latency step is injected
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        process.send_signal(sig)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted: the fault in progress was reverted" in err
    assert fault_state(sim) == {"latency_ms": 0.0, "kill_switch": False}
    data = json.loads(journal.read_text())
    assert data["status"] == "aborted"
    assert [e["kind"] for e in data["events"]][-3:] == ["inject", "revert", "aborted"]
    # Where it stopped, for the report: the signal came once the fault was in place (its answer may still be read).
    aborted = data["events"][-1]
    assert (aborted["scenario"], aborted["step"], aborted["step_of"]) == ("streaming-latency", "100ms", [1, 5])
    assert aborted["phase"] in ("inject", "hold"), aborted


def test_report_from_the_journal(chaos_day, tmp_path):
    """Verdicts, deviations, recommendations and plots, all computed from the journal."""
    _, journal, _, _ = chaos_day
    result = CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "and 6 plots" in result.output  # 4 probes and the latency scenario's 2 degradation curves
    # As a reader sees it: cells go through guard.markdown.md, which writes `<` `>` `|` as references.
    markdown = html.unescape((tmp_path / "report" / "report.md").read_text())
    page = (tmp_path / "report" / "report.html").read_text()
    # At 5 s of injected latency the simulator's fabric loses phase: ESGT coherence < 0.6, a deviation.
    row = next(l for l in markdown.splitlines() if "esgt-coherence breached its threshold (> 0.6 ratio) in the "
                                                   "fault phase of 5s" in l)
    assert row.startswith("| P") and "| streaming-latency | 5s |" in row
    assert "ESGT coherence below its budget under fault" in markdown  # the recommendation derived from it
    # Every breach of a budget is a finding, whatever the expectations looked at: recomputed here
    # from the samples the journal recorded (the fault phase, after the settle time).
    data = json.loads(journal.read_text())
    # A p95 from histogram buckets is an estimate: shown between the bucket bounds the run read.
    p95 = next(p for p in data["scenarios"][0]["probes"] if p["id"] == "stream-p95")
    assert p95["buckets"] == [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]
    for step in data["scenarios"][0]["steps"]:
        start, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["fault"])
        values = [v for t, v in step["probes"]["stream-p95"]["series"]
                  if start + data["settle_seconds"] <= t <= end and v is not None]
        if values and max(values) >= 0.5:
            assert shown(p95, max(values)).endswith(")") or max(values) >= 10  # ≈0.975 (0.5–1); 10 or more
            assert (f"stream-p95 breached its threshold (< 0.5 s) in the fault phase of {step['label']}: "
                    f"worst {shown(p95, max(values))}, no expectation covers it") in markdown
    assert "| 5s | Streaming p95 latency | < 0.5 s |" in markdown and "| kill-switch | Kill-switch latency |" in markdown
    assert page.count("data:image/png;base64,") == 6 and "<h2>Findings: " in page
    for png in (tmp_path / "report" / "plots").glob("*.png"):
        assert png.read_bytes().startswith(b"\x89PNG")


def test_bad_journal_is_one_line(tmp_path):
    bad = tmp_path / "j.json"
    bad.write_text('{"run": {}, \n "scenarios": [1]}')
    result = CliRunner().invoke(cli, ["chaos", "report", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"vobs: error: {bad}: malformed journal: ")
    bad.write_text("{nope")
    assert CliRunner().invoke(cli, ["chaos", "report", str(bad)]).stderr.startswith(f"vobs: error: {bad}:1:2: invalid JSON")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def near(pixel, colour, tolerance):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def test_report_page_shows_its_plots_when_rendered(chaos_day, tmp_path):
    """Looked at as a person would: headless Chromium renders report.html, and the plots are there."""
    from PIL import Image

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: scripts/test installs it"
    _, journal, _, _ = chaos_day
    CliRunner().invoke(cli, ["chaos", "report", str(journal), "-o", str(tmp_path)])
    shot = tmp_path / "page.png"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,5000",
                    f"--screenshot={shot}", (tmp_path / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    data = Image.open(shot).convert("RGB").tobytes()
    pixels = [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]
    line = sum(near(p, (31, 95, 139), 25) for p in pixels)  # the probes' series (#1f5f8b)
    shaded = sum(near(p, (251, 230, 224), 4) for p in pixels)  # fault windows (#e4572e at 15 %)
    assert line > 2000, f"no plotted series visible ({line} pixels)"
    assert shaded > 20000, f"no shaded fault windows visible ({shaded} pixels)"


def test_a_plan_longer_than_the_timeout_is_refused_before_anything_runs(system, tmp_path):
    """It used to inject and stop right after: a fault of a few milliseconds, measuring nothing."""
    sim, prometheus = system
    journal = tmp_path / "journal.json"
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(RUN), "--target-url", sim.url,
                                      "--prometheus-url", prometheus.url, "--time-scale", "0.05", "--timeout", "10s",
                                      "--journal", str(journal)], env={"GRAFANA_URL": ""})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "vobs: error: chaos-day-1 plans 105s of baselines, holds and recoveries at --time-scale 0.05, more than "
        "--timeout 10s: not started, nothing was injected")
    assert fault_state(sim) == {"latency_ms": 0.0, "kill_switch": False}
    assert not journal.exists()


def test_an_unreachable_target_stops_the_run_before_the_baseline(system, tmp_path):
    """A trial found it only after the whole baseline (minutes at --time-scale 1), told as a Python
    class name (`ConnectionError`) with "revert it by hand" for a fault that never reached anything."""
    sim, prometheus = system
    port = free_port()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(RUN), "--target-url",
                                      f"http://127.0.0.1:{port}", "--prometheus-url", prometheus.url,
                                      "--time-scale", "0.05", "--journal", str(tmp_path / "j.json")],
                                env={"GRAFANA_URL": ""})
    assert result.exit_code == 2
    assert result.stderr.endswith(f"vobs: error: the target http://127.0.0.1:{port} (--target-url) is unreachable: "
                                  f"connection refused at 127.0.0.1:{port} — start the system under test, or correct "
                                  "--target-url; not started, nothing was injected\n"), result.stderr
    assert time.monotonic() - started < 5  # the baseline alone is 6 s
    assert "baseline" not in result.stderr and not (tmp_path / "j.json").exists()


def test_a_missing_command_stops_the_run_before_the_baseline(system, tmp_path):
    sim, prometheus = system
    day = tmp_path / "day.yaml"
    day.write_text(RUN.read_text().replace(
        'revert: {http: {method: DELETE, url: "${target}/fault/latency"}}',
        'revert: {command: [vobs-no-such-program, "${target}"]}'))
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(day), "--target-url", sim.url,
                                      "--prometheus-url", prometheus.url, "--time-scale", "0.05", "--journal",
                                      str(tmp_path / "j.json")], env={"GRAFANA_URL": ""})
    assert result.exit_code == 2
    assert result.stderr.endswith("vobs: error: scenario streaming-latency's revert runs the command "
                                  "'vobs-no-such-program', which is not found on PATH — install it, or give its full "
                                  f"path in {day}; not started, nothing was injected\n"), result.stderr
    assert not (tmp_path / "j.json").exists()


def test_a_target_gone_before_the_inject_is_not_a_revert_by_hand(tmp_path):
    """The target stops answering after the pre-flight (the runner alone, no pre-flight here): the
    inject never reached it, so nothing is injected — said so, in words, without "revert it by hand"."""
    from vertice_obs.chaos.runner import Runner, Sampler
    from vertice_obs.chaos.scenario import load_run
    from vertice_obs.errors import VobsError

    port = free_port()
    target = f"http://127.0.0.1:{port}"
    runner = Runner(load_run(RUN, "chaos-day-1.yaml"), target, Sampler(f"http://127.0.0.1:{free_port()}"),
                    tmp_path / "j.json", sleep=lambda _s: None)
    with pytest.raises(VobsError) as raised:
        runner.execute()
    assert str(raised.value) == (
        f"could not inject streaming-latency 100ms: POST {target}/fault/latency: connection refused at "
        f"127.0.0.1:{port}; it never reached the target, so nothing is injected (the revert could not reach it "
        f"either: DELETE {target}/fault/latency: connection refused at 127.0.0.1:{port})")
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["status"] == "failed"
    assert [e["kind"] for e in data["events"] if e["kind"] in ("inject", "inject-failed", "revert", "revert-failed")
            ] == ["inject", "inject-failed", "revert-failed"]
    assert data["events"][[e["kind"] for e in data["events"]].index("inject-failed")]["message"] == (
        f"POST {target}/fault/latency: connection refused at 127.0.0.1:{port}")


def test_the_report_hint_runs_as_printed_whatever_the_path():
    from vertice_obs.cli.chaos import report_command

    for path in ("chaos/journals/j.json", "my journal/j 1.json", "it's/$HOME;rm -rf x.json"):
        assert shlex.split(report_command(path)) == ["vobs", "chaos", "report", path]


COMMAND_DAY = """\
id: cmd
title: Commands
owner: me
baseline: 20s
recover: 20s
scenarios:
  - id: ks
    title: Kill switch by command
    fault:
      kind: kill-switch
      hold: 20s
      inject: {command: [sleep, "1000"]}
      revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}}
    probes:
      - {id: coherence, query: avg(maximus_esgt_coherence), unit: ratio, threshold: {op: ">", value: 0.6}}
"""


@pytest.mark.parametrize("flags, exit_code, said", [
    (["--http-timeout", "1s"], 2, r"cmd\.yaml:12: could not inject ks kill-switch: command sleep 1000 did not finish within 1s "
                                  r"\(--http-timeout\); it was stopped; the fault was reverted"),
    (["--timeout", "5s"], 130, r"command sleep 1000 did not finish within [34](\.\d+)?s \(what was left of "
                               r"--timeout\); it was stopped"),
])
def test_a_command_action_is_bounded_by_the_runs_timeouts_and_said_in_words(system, tmp_path, flags, exit_code, said):
    """A trial's `sleep 1000` inject ran 60 s (a hard-coded limit, documented nowhere) whatever
    --timeout said, and failed as Python's repr of TimeoutExpired."""
    sim, prometheus = system
    (tmp_path / "cmd.yaml").write_text(COMMAND_DAY)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(tmp_path / "cmd.yaml"), "--target-url",
                                      sim.url, "--prometheus-url", prometheus.url, "--time-scale", "0.05",
                                      "--journal", str(tmp_path / "j.json"), *flags], env={"GRAFANA_URL": ""})
    assert time.monotonic() - started < 15
    assert result.exit_code == exit_code, result.output
    [line] = [l for l in result.stderr.splitlines() if l.startswith("vobs: error: ")]
    assert re.fullmatch("vobs: error: " + said, line), line
    data = json.loads((tmp_path / "j.json").read_text())
    assert [e["kind"] for e in data["events"] if e["kind"] in ("inject", "inject-failed", "revert")] == [
        "inject", "inject-failed", "revert"]  # the revert ran, with its own full time
    assert fault_state(sim)["kill_switch"] is False


def test_with_dash_c_the_journal_and_report_command_are_printed_from_where_vobs_ran(system, tmp_path, monkeypatch):
    """A trial ran `vobs -C ../proj chaos run …` from another folder: the journal was printed
    relative to the project (`chaos/journals/…`), and the suggested report command failed as printed."""
    sim, prometheus = system
    project, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    (project / "chaos").mkdir(parents=True)
    elsewhere.mkdir()
    (project / "chaos" / "short.yaml").write_text(COMMAND_DAY.replace(
        'inject: {command: [sleep, "1000"]}', 'inject: {http: {method: POST, url: "${target}/fault/kill-switch"}}'))
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli, ["-C", "../proj", "chaos", "run", "../proj/chaos/short.yaml", "--target-url",
                                      sim.url, "--prometheus-url", prometheus.url, "--time-scale", "0.05"],
                                env={"GRAFANA_URL": ""})
    assert result.exit_code == 0, result.output
    [journal] = (project / "chaos" / "journals").glob("cmd-*.json")
    assert f"journal: ../proj/chaos/journals/{journal.name}\n" in result.stderr
    hint = shlex.split(result.stdout.split("Report: ", 1)[1].splitlines()[0])
    assert hint == ["vobs", "chaos", "report", f"../proj/chaos/journals/{journal.name}"]
    report = CliRunner().invoke(cli, hint[1:] + ["-o", str(tmp_path / "report")])  # as printed, from here
    assert report.exit_code == 0, report.output
