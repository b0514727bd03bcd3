"""Chaos Day files: strict loading with located errors, and the pre-flight probe check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.errors import InputError

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "chaos" / "chaos-day-1.yaml"
TEXT = RUN.read_text()


def test_chaos_day_1_loads():
    run = load_run(RUN, "chaos/chaos-day-1.yaml")
    latency, kill = run.scenarios
    assert [s.total_seconds() for s in latency.fault.steps] == [0.1, 0.5, 1, 2, 5]
    assert latency.fault.inject.http["url"] == "${target}/fault/latency"
    assert kill.fault.kind == "kill-switch" and kill.fault.hold == timedelta(minutes=1)
    probe = kill.probes[0]
    assert (probe.id, probe.unit, str(probe.threshold)) == ("kill-switch-latency", "ms", "< 200")
    assert probe.threshold.holds(150) and not probe.threshold.holds(250)
    assert [e.probe for e in kill.expectations] == ["kill-switch-latency", "dopamine-spikes"]


# (case, modified file text, the text of the line the error must point at, message fragment)
CASES = [
    ("unknown key", TEXT.replace("    title: Kill-switch activation", "    title: Kill-switch activation\n    colour: red"),
     "    colour: red", "unknown key 'colour'"),
    ("a step given twice", TEXT.replace("steps: [100ms, 500ms, 1s, 2s, 5s]", "steps: [100ms, 500ms, 1000ms, 1s, 5s]"),
     "      steps: [100ms, 500ms, 1000ms, 1s, 5s]", "step '1s' is the same duration as step 3"),
    ("latency without steps", TEXT.replace("      steps: [100ms, 500ms, 1s, 2s, 5s]\n", ""),
     "    fault:", "a latency fault needs `steps`"),
    ("kill switch with steps", TEXT.replace("      kind: kill-switch\n", "      kind: kill-switch\n      steps: [1s]\n"),
     "      steps: [1s]", "a kill-switch fault has no `steps`"),
    ("expectation on an unknown probe", TEXT.replace("probe: dopamine-spikes, phase", "probe: dopamine-spike, phase"),
     "      - {probe: dopamine-spike, phase", "expectation names probe 'dopamine-spike', which this scenario does not have"),
    ("duplicate scenario id", TEXT.replace("  - id: kill-switch", "  - id: streaming-latency"),
     "  - id: streaming-latency\n    title: Kill", "scenario id 'streaming-latency' is already used at line"),
    ("bad duration", TEXT.replace("hold: 1m", "hold: 1 minute"), "      hold: 1 minute", "must be a duration like"),
    # a new user's `hold: 90` (YAML reads a number) was told only `90 is not of type 'string'`
    ("duration without a unit", TEXT.replace("hold: 1m", "hold: 90"), "      hold: 90",
     "90 is not of type 'string' in scenarios[1].fault.hold: must be a duration like 500ms, 30s, 1h30m or 1d"),
    ("step without a unit", TEXT.replace("steps: [100ms, 500ms, 1s, 2s, 5s]", "steps: [100, 500ms]"),
     "      steps: [100, 500ms]", "100 is not of type 'string' in scenarios[0].fault.steps[0]: must be a duration like"),
    ("bad threshold operator", TEXT.replace('{op: "<", value: 200}', '{op: "=", value: 200}'),
     '        threshold: {op: "="', "'=' is not one of: <, <=, >, >="),
    ("threshold operator YAML reads as true", TEXT.replace('{op: "<", value: 200}', '{op: yes, value: 200}'),
     '        threshold: {op: yes', "yes (YAML reads it as true) is not one of: <, <=, >, >="),
    ("action with both http and command", TEXT.replace(
        'revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}}',
        'revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}, command: ["true"]}'),
     '      revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}, command',
     "an action is exactly one of `http` or `command` in scenarios[1].fault.revert"),
    # a misspelt placeholder was sent as written (`{"ms": "${stepms}"}`: a fault never injected, and
    # a report of levels never tried) or failed mid-run as `MissingSchema`; it is refused at its line
    ("misspelt step placeholder", TEXT.replace('json: {ms: "${step_ms}"}', 'json: {ms: "${stepms}"}'),
     '      inject: {http: {method: POST, url: "${target}/fault/latency", json: {ms: "${stepms}"}',
     "unknown placeholder ${stepms}: did you mean ${step_ms}? here vobs fills in ${target}, ${step_ms}"),
    ("misspelt target placeholder", TEXT.replace('revert: {http: {method: DELETE, url: "${target}/fault/latency"}',
                                                 'revert: {http: {method: DELETE, url: "${targte}/fault/latency"}'),
     '      revert: {http: {method: DELETE, url: "${targte}', "unknown placeholder ${targte}: did you mean ${target}?"),
    ("probe placeholder of an action", TEXT.replace("[${window}])))", "[${step_ms}])))"),
     "        query: histogram_quantile(0.95", "unknown placeholder ${step_ms}: here vobs fills in ${window}"),
    ("url that is no url", TEXT.replace('revert: {http: {method: DELETE, url: "${target}/fault/latency"}',
                                        'revert: {http: {method: DELETE, url: "localhost:9464/fault/latency"}'),
     '      revert: {http: {method: DELETE, url: "localhost', "is neither `${target}/…` nor an http(s) URL"),
    # `..` would leave the target's sub-path through any proxy that normalises paths (a new-user trial)
    ("url climbing out of the target", TEXT.replace('revert: {http: {method: DELETE, url: "${target}/fault/latency"}',
                                                    'revert: {http: {method: DELETE, url: "${target}/../../admin"}'),
     '      revert: {http: {method: DELETE, url: "${target}/..', "has a `.` or `..` path segment"),
    ("url climbing out, percent-encoded", TEXT.replace(
        'revert: {http: {method: DELETE, url: "${target}/fault/latency"}',
        'revert: {http: {method: DELETE, url: "${target}/fault/%2E%2e"}'),
     '      revert: {http: {method: DELETE, url: "${target}/fault/%2E', "has a `.` or `..` path segment"),
]


def line_of(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("case,text,needle,message", CASES, ids=[c[0] for c in CASES])
def test_malformed_chaos_files_are_one_located_line(tmp_path, case, text, needle, message):
    path = tmp_path / "chaos.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_run(path, "chaos.yaml")
    where = f"chaos.yaml:{line_of(text, needle)}"
    assert str(info.value).startswith(f"{where}: ") and message in str(info.value), str(info.value)


def test_check_against_the_catalog_is_ready():
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(RUN)])
    assert result.exit_code == 0, result.output
    assert "chaos-day-1: 2 scenarios, 4 probes — ready (checked against the metric catalog" in result.output
    # ready as far as a catalog can tell: it knows no scrape interval, so each probe says its
    # windows went unchecked (the new-user review found "ready" at --time-scale 0.001, unwarned)
    warned = [line for line in result.output.splitlines() if "[chaos/scrape-unknown]" in line]
    assert len(warned) == 4 and all("checked offline against the metric catalog" in line for line in warned)
    assert "4 warnings" in result.output


def test_offline_check_asks_no_prometheus_and_takes_a_catalog_from_anywhere(tmp_path, monkeypatch):
    """`chaos check --offline` ignores a configured Prometheus (here one that cannot be reached: asked,
    it would fail), as `validate --offline` does, and `--catalog FILE` checks the probes against a
    catalog outside any project (a trial's user had no Prometheus at hand and no way to check)."""
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:1")
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(RUN), "--offline"])
    assert result.exit_code == 0, result.output
    assert "ready (checked against the metric catalog narratives/metrics.yaml)" in result.output
    elsewhere = tmp_path / "team.yaml"
    elsewhere.write_text((REPO / "narratives" / "metrics.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMETHEUS_URL")
    result = CliRunner().invoke(cli, ["chaos", "check", str(RUN), "--catalog", "team.yaml"])
    assert result.exit_code == 0, result.output
    assert "ready (checked against the metric catalog team.yaml)" in result.output
    # a catalog without the probes' metrics: not ready, at each probe
    elsewhere.write_text("metrics:\n  - {name: something_else_total, type: counter, unit: events, help: h, owner: o}\n")
    result = CliRunner().invoke(cli, ["chaos", "check", str(RUN), "--catalog", "team.yaml"])
    assert result.exit_code == 1 and "NOT ready" in result.output, result.output


def test_offline_contradictions_and_nothing_to_check_against_are_one_line_errors(tmp_path, monkeypatch):
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(RUN), "--offline",
                                      "--prometheus-url", "http://127.0.0.1:1"])
    assert result.exit_code == 2 and "--offline and --prometheus-url contradict each other" in result.output
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["chaos", "check", str(RUN), "--offline"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == \
        "vobs: error: --offline and no metric catalog to check the probes against (give --catalog FILE)"


def test_a_narrative_the_project_does_not_have_is_an_error_at_its_line(tmp_path, prometheus):
    """A typo in `narratives:` passed check and run (a new-user trial): the faults were annotated on
    no dashboard and nothing said so. It is an error at its line, with the close name; the run does
    not start."""
    path = tmp_path / "run.yaml"
    path.write_text(TEXT.replace("narratives: [dopamine, esgt]", "narratives: [dopamine, esgtt]"))
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(path)])
    assert result.exit_code == 1, result.output
    line = f"{path}:{line_of(TEXT, 'narratives:')} → narrative esgtt: error: narrative 'esgtt' is not one of the project's"
    assert any(row.startswith(line) and "did you mean 'esgt'?" in row for row in result.output.splitlines()), \
        result.output
    assert "NOT ready: 1 narrative the project does not have" in result.output
    run = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(path), "--target-url", "http://127.0.0.1:9",
                                   "--prometheus-url", prometheus.url, "--journal", str(tmp_path / "j.json")])
    assert run.exit_code == 1 and not (tmp_path / "j.json").exists(), run.output
    assert "not started" in run.stderr and "1 narrative the project does not have" in run.stderr, run.stderr


def test_a_probe_on_a_missing_metric_stops_the_run(prometheus):
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(RUN), "--prometheus-url", prometheus.url])
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "probe dopamine-spikes" in l)
    query_line = line_of(TEXT, "        query: sum(increase(maximus_dopamine_spike_events_total")
    assert line.startswith(f"chaos/chaos-day-1.yaml:{query_line} → scenario kill-switch → probe "
                           "dopamine-spikes: error: maximus_dopamine_spike_events_total is missing")
    # the test Prometheus holds 54 h: "never seen" says so, as validate does — never "in the last 7d"
    assert (f"never seen in Prometheus at {prometheus.url} in the data it holds (less than the 7d lookback)"
            in line), line
    assert "NOT ready: 1 probe metric would measure nothing" in result.output


def readme_example() -> str:
    """The README's "A minimal Chaos Day file" block, as written."""
    text = (REPO / "README.md").read_text()
    block = text[text.index("**A minimal Chaos Day file**"):]
    block = block[block.index("```yaml\n") + len("```yaml\n"):]
    return block[:block.index("```")]


def test_the_readme_example_chaos_file_is_ready(tmp_path, prometheus):
    """A trial's user had to read the JSON schema to write a Chaos Day file: the README has a
    complete minimal one, and it passes `vobs chaos check` against a real Prometheus as written."""
    path = tmp_path / "latency-day.yaml"
    path.write_text(readme_example())
    run = load_run(path, "latency-day.yaml")
    assert (run.id, len(run.scenarios), run.narratives) == ("latency-day", 1, ("cockpit",))
    result = CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "check", str(path), "--prometheus-url",
                                      prometheus.url])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("latency-day: 1 scenario, 1 probe — ready (checked against Prometheus at "
                                  f"{prometheus.url})\n"), result.output
