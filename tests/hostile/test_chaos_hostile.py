"""Hostile inputs to the Chaos Day additions of issue 14, held to the harness' four rules:
`/api/v1/targets` answering wrong shapes, escapes or nonsense intervals (the scrape check never
crashes: the interval is "unknown", a warning), `breaks`/`recover_within` written wrong in a
scenario file or a journal, and `chaos compare` on journals that are not journals."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from hostile import fake_servers as fs
from hostile.harness import Case, Sandbox, cases_param, chaos_run_file, check

ESC = "\x1b]0;pwned\x07"
# Phases longer than the settle time: one not longer could never be judged, and is refused.
RUN_FILE = (chaos_run_file("rate(sample_level[${window}])", 0.1).replace("owner: team\n", "owner: team\nsettle: 10s\n")
            .replace(": 1s\n", ": 20s\n"))


@pytest.fixture(scope="module", autouse=True)
def _servers():
    yield
    fs.stop_all()


def prometheus_with_targets(targets: str | bytes, ctype: str = "application/json") -> fs.Behaviour:
    """Just enough of Prometheus to pass the metric check, with `targets` as /api/v1/targets."""
    base = fs.prometheus_like(["sample_level", "up"])

    def behave(h):
        path = h.path.split("?")[0]
        if path == "/api/v1/targets":
            return fs.reply(h, 200, targets, ctype)
        if path == "/api/v1/query" and "count by" in unquote_plus(h.body.decode("utf-8", "replace")):
            rows = [{"metric": {"__name__": "sample_level", "job": "j", "instance": "i"}, "value": [0, "1"]}]
            return fs.reply(h, 200, json.dumps({"status": "success", "data": {"resultType": "vector", "result": rows}}))
        return base(h)
    return behave


def targets(interval: str, job: str = "j", instance: str = "i") -> str:
    return json.dumps({"status": "success", "data": {"activeTargets": [
        {"labels": {"job": job, "instance": instance}, "scrapeInterval": interval}]}})


def check_args(name: str, behaviour: fs.Behaviour, *extra: str):
    def setup(box: Sandbox):
        (box.project / "day.yaml").write_text(RUN_FILE, encoding="utf-8")
        return ["chaos", "check", "day.yaml", "--prometheus-url", fs.server(name, behaviour).url, "--timeout", "3s",
                *extra]
    return setup


def scenario_file(old: str, new: str):
    def setup(box: Sandbox):
        (box.project / "day.yaml").write_text(RUN_FILE.replace(old, new), encoding="utf-8")
        return ["chaos", "check", "day.yaml"]
    return setup


def journal_args(command: str, change):
    def setup(box: Sandbox):
        data = json.loads((Path(__file__).parent.parent / "data" / "chaos-journal-unversioned.json").read_text())
        change(data)
        (box.project / "j.json").write_text(json.dumps(data), encoding="utf-8")
        return ["chaos", "report", "j.json", "-o", "out"] if command == "report" else \
            ["chaos", "compare", "j.json", "j.json", "-o", "out"]
    return setup


def _set(path: list, value):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


UNKNOWN = "chaos/scrape-unknown"
CASES = [
    # /api/v1/targets misbehaving: never a crash, never a refusal; the interval is unknown (a warning).
    Case("targets-html", check_args("t-html", prometheus_with_targets("<html>login</html>", "text/html")), 0,
         "probe lvl", "an HTML page", finding=UNKNOWN),
    Case("targets-wrong-shape", check_args("t-shape", prometheus_with_targets('{"status":"success","data":[1]}')),
         0, "probe lvl", "did not answer activeTargets", finding=UNKNOWN),
    Case("targets-nonsense-interval", check_args("t-nonsense", prometheus_with_targets(targets("soon"))), 0,
         "probe lvl", "its series come from no active scrape target", finding=UNKNOWN),
    Case("targets-escape-in-labels", check_args("t-esc", prometheus_with_targets(targets("5s", job=f"j{ESC}"))),
         0, "probe lvl", "its series come from no active scrape target", finding=UNKNOWN),
    Case("targets-huge-interval", check_args("t-huge", prometheus_with_targets(targets("9999999999999y"))), 0,
         "probe lvl", "its series come from no active scrape target", finding=UNKNOWN),
    # …and behaving: a 5 s scrape refuses the 10 s settle at a time scale of 0.5 (5 s < 10 s).
    Case("targets-refuse-short-window", check_args("t-good", prometheus_with_targets(targets("5s")),
                                                   "--time-scale", "0.5"), 1,
         "day.yaml:20", "window 5s is shorter than 2 scrape intervals of 5s (j i)", finding="chaos/window-too-short"),
    # Scenario files.
    Case("expectation-holds-and-breaks", scenario_file("threshold: {op: \">\", value: 0.1}\n",
                       "threshold: {op: \">\", value: 0.1}\n    expectations:\n"
                       "      - {probe: lvl, phase: fault, holds: true, breaks: true}\n"), 2,
         "day.yaml:24", "exactly one of `holds: true|false` or `breaks: true`"),
    Case("expectation-breaks-false", scenario_file("threshold: {op: \">\", value: 0.1}\n",
                                                   "threshold: {op: \">\", value: 0.1}\n    expectations:\n"
                                                   "      - {probe: lvl, phase: fault, breaks: false}\n"), 2,
         "day.yaml:24", "expectations[0].breaks"),
    Case("recover-within-not-a-duration", scenario_file("        unit: ratio\n",
                                                        "        unit: ratio\n        recover_within: soon\n"), 2,
         "day.yaml:22", "recover_within: must be a duration like"),
    # Journals.
    Case("journal-breaks-not-true", journal_args("report", _set(["scenarios", 0, "expectations", 0], {
        "probe": "esgt-coherence", "phase": "fault", "breaks": "yes"})), 2,
         "j.json", "scenarios[0].expectations[0].breaks: expected true"),
    Case("journal-recover-within-negative", journal_args("report", _set(
        ["scenarios", 0, "probes", 0, "recover_within_seconds"], -5)), 2,
         "j.json", "scenarios[0].probes[0].recover_within_seconds: -5 is not a finite number"),
    Case("journal-schema-version-text", journal_args("report", _set(["schema_version"], "2")), 2,
         "j.json", "schema_version must be a whole number (1 to 3), not '2'"),
    Case("journal-level-inf", journal_args("report", _set(["scenarios", 0, "steps", 0, "level_seconds"], 1e300)), 2,
         "j.json", "scenarios[0].steps[0].level_seconds"),
    # Phase times: each phase from its start to its end, in the run's order, with a UTC offset, and
    # a step no longer than a Chaos Day's (a span of centuries once crashed the plots' font raster).
    Case("journal-fault-ends-before-it-starts", journal_args("report", _set(
        ["scenarios", 0, "steps", 0, "phases", "fault"], ["2026-11-26T10:04:53.920+00:00", "2026-11-26T10:04:47.909+00:00"])),
         2, "j.json", "scenarios[0].steps[0].phases.fault end is before fault start"),
    Case("journal-recover-before-fault", journal_args("report", _set(
        ["scenarios", 0, "steps", 0, "phases", "recover"], ["1970-01-01T00:00:00+00:00", "1970-01-01T00:00:01+00:00"])),
         2, "j.json", "phases.recover start is before fault end"),
    Case("journal-phase-time-without-offset", journal_args("report", _set(
        ["scenarios", 0, "steps", 0, "phases", "fault"], ["2026-11-26T10:04:47.909", "2026-11-26T10:04:53.920+00:00"])),
         2, "j.json", "phases.fault: '2026-11-26T10:04:47.909' has no UTC offset"),
    Case("journal-step-of-centuries", journal_args("report", _set(
        ["scenarios", 0, "steps", 0, "phases", "baseline"], ["0001-01-01T00:00:00+00:00", "2026-11-26T10:04:47.909+00:00"])),
         2, "j.json", "the step spans 739,945 days; a step of a Chaos Day lasts at most 31 days"),
    Case("compare-schema-version-newer", journal_args("compare", _set(["schema_version"], 99)), 2,
         "j.json", "schema_version: 99 is not one this vobs reads"),
    Case("compare-not-a-journal", journal_args("compare", lambda data: data.clear()), 2,
         "j.json", "not a Chaos Day journal"),
]


@cases_param(CASES)
def test_chaos_hostile(case: Case, tmp_path: Path):
    started = time.monotonic()
    check(case, tmp_path)
    assert time.monotonic() - started < case.timeout
