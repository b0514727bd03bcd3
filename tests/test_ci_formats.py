"""`vobs validate --format github` and `--format junit` (issue 13): the shapes CI systems read.

GitHub annotations are parsed back the way the runner parses them (actions/runner
`ActionCommand.cs`: `::command key=value,key=value::data`, then unescaping), so that a test fails
when one finding could become two commands, lose a property or read back differently. JUnit XML
is parsed with ElementTree and checked against the constraints of Jenkins' `junit-10.xsd`
(jenkinsci/xunit-plugin): element nesting, required attributes, counts that add up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vertice_obs.ci import findings_github, findings_junit
from vertice_obs.ci.github import escape_data, escape_property
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.guard.text import escape

REPO = Path(__file__).resolve().parent.parent
CATALOG = (REPO / "narratives" / "metrics.yaml").read_text()
HOSTILE = ["a::b", "x,y:z", "100%", "%0A literal", "line1\nline2", "cr\rlf", "<tag> & ]]> \"'", "\x1b[2J\x07",
           "\x00\x0b\x0c", "\u202eevil", "\ud800 lone", "\ufffe"]

_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """As the runner reads a workflow command: one line, properties split at `,` then the first `=`."""
    match = _COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    props = {}
    for pair in (match.group(2) or "").split(","):
        key, _, value = pair.partition("=")
        props[key] = unescape_property(value)
    return match.group(1), props, unescape_data(match.group(3))


def test_escaping_follows_github_rules():
    assert escape_data("50% done\r\n::x,y") == "50%25 done%0D%0A::x,y"
    assert escape_property("50% done\r\n::x,y") == "50%25 done%0D%0A%3A%3Ax%2Cy"
    assert escape_data("%0A") == "%250A"  # a literal "%0A" is not a newline once read back


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_one_annotation_that_reads_back(text):
    f = Finding("metric/missing", Severity.ERROR, f"msg {text} end",
                Location(f"exports/{text}.json", 3, 7, dashboard=f"d{text}", panel=f"P{text}", panel_id=2, target="A"))
    out = findings_github([f])
    assert len(out.splitlines()) == 1 and "\r" not in out
    kind, props, message = parse_annotation(out)
    assert kind == "error" and set(props) == {"file", "line", "col", "title"}
    assert message == escape(f"msg {text} end")
    assert props["file"] == escape(f"exports/{text}.json") and props["line"] == "3" and props["col"] == "7"
    assert props["title"] == escape(f"vobs metric/missing (d{text} → P{text} → A)")


def test_severities_map_to_commands_and_place_is_optional():
    fs = [Finding("a/b", Severity.WARNING, "w", Location("f.json", 2)), Finding("c/d", Severity.INFO, "i"),
          Finding("e/f", Severity.ERROR, "e", Location("f.json"))]
    parsed = [parse_annotation(line) for line in findings_github(fs, lambda file: "sub/" + file).splitlines()]
    assert [(k, p) for k, p, _ in parsed] == [("error", {"file": "sub/f.json", "title": "vobs e/f"}),
                                               ("warning", {"file": "sub/f.json", "line": "2", "title": "vobs a/b"}),
                                               ("notice", {"title": "vobs c/d"})]


def test_no_data_is_one_list_the_annotations_and_the_audit_both_read():
    """`ci.github` restated which checks mean "No data" (the kernel may not import `metrics`), so the audit's
    first tier and the annotations' order could part. One list, in the check registry, and both read it:
    every metric check the audit ranks No data comes first among the annotations of its severity, and no other."""
    from vertice_obs.checks import CHECKS
    from vertice_obs.checks.metrics import NAME_ABSENT, NO_DATA
    from vertice_obs.ci.github import importance
    from vertice_obs.metrics.audit.model import status_of, tier

    assert NAME_ABSENT < NO_DATA <= set(CHECKS)
    for check in (c for c in CHECKS if c.startswith("metric/")):
        f = Finding(check, Severity.WARNING, "m", Location("a.json", 1))
        assert (tier(status_of(f)) == 0) == (check in NO_DATA), check
        assert importance(f)[1] == (0 if check in NAME_ABSENT else 1 if check in NO_DATA else 2), check


def test_annotations_most_important_first_and_the_overflow_said():
    """A trial: annotations came in file order, and GitHub shows only 10 errors, 10 warnings and 10
    notices of a step (50 of a job; actions/toolkit docs/problem-matchers.md, "Limitations") — a
    missing metric late in the file was never shown, and nothing said so. Severity first, then a
    missing metric, then another cause of No data, then file order; one plain line past the cap."""
    from vertice_obs.checks import CHECKS
    from vertice_obs.ci import github_overflow
    from vertice_obs.ci.github import _TIERS

    assert set().union(*_TIERS) <= set(CHECKS)  # every check named is one that exists
    style = [Finding("promql/rate-interval", Severity.WARNING, f"r{i}", Location("a.json", i)) for i in range(1, 12)]
    empty = Finding("metric/no-matching-series", Severity.WARNING, "no series", Location("a.json", 90))
    missing = Finding("metric/missing", Severity.WARNING, "gone", Location("z.json", 99))
    error = Finding("promql/parse", Severity.ERROR, "bad", Location("z.json", 50))
    note = Finding("metric/present", Severity.INFO, "here", Location("a.json", 1))
    fs = [*style, empty, note, missing, error]
    lines = findings_github(fs).splitlines()
    assert [parse_annotation(line)[2] for line in lines[:4]] == ["bad", "gone", "no series", "r1"]
    assert parse_annotation(lines[-1])[2] == "here" and len(lines) == len(fs)
    assert findings_github(list(reversed(fs))) == findings_github(fs)  # deterministic, whatever came first
    beyond = github_overflow(fs)
    assert beyond and "\n" not in beyond and not beyond.startswith("::")
    assert beyond.startswith("vobs: printed 15 annotations (1 error, 13 warnings, 1 notice), most important first")
    assert "at least 3 are only in this log" in beyond and "--format json or --format sarif" in beyond
    assert github_overflow([*style[:8], empty, missing, error, note]) is None  # 10 a kind at most: all shown
    assert "at least 1 is only in this log" in github_overflow([*style[:9], empty, missing, error, note])


def check_junit_shape(text: str) -> ET.Element:
    """The constraints of junit-10.xsd (jenkinsci/xunit-plugin) that a report can break, and
    counts that add up. Returns the root."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    tests = failures = 0
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures", "errors"} <= set(suite.attrib)
        cases = list(suite)
        assert all(c.tag == "testcase" and "name" in c.attrib for c in cases)
        for case in cases:
            assert all(child.tag in {"failure", "error", "skipped", "system-out", "system-err"} for child in case)
        failed = sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == failed
        tests += len(cases)
        failures += failed
    assert int(root.get("tests")) == tests and int(root.get("failures")) == failures
    return root


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_survives_junit(text):
    f = Finding("metric/missing", Severity.ERROR, f"msg {text} end",
                Location(f"exports/{text}.json", 3, 7, dashboard="d", panel=f"P{text}", panel_id=2, target="A"))
    root = check_junit_shape(findings_junit([f]))
    (suite,) = root
    failure = suite.find("testcase/failure")
    clean = escape(f"msg {text} end").replace("\ud800", "\ufffd").replace("\ufffe", "\ufffd")
    assert failure.get("message") == clean and failure.text.endswith(clean)
    assert failure.get("type") == "metric/missing"


def test_junit_of_nothing_checked_is_one_skipped_case_not_an_empty_report():
    """A trial: `vobs validate --since REF` that selected nothing wrote `<testsuites tests="0"/>`, and
    Jenkins' junit step fails a build whose reports hold no result ("None of the test reports
    contained any result") unless `allowEmptyResults: true`. Nothing checked is said as one skipped
    testcase — a result, and not a pass — still of junit-10.xsd's shape."""
    root = check_junit_shape(findings_junit([]))
    (suite,) = root
    assert suite.get("name") == "vobs" and (suite.get("tests"), suite.get("skipped")) == ("1", "1")
    (case,) = suite
    assert case.get("name") == "no dashboard checked"
    assert case.find("skipped").get("message") == "no dashboard was selected: nothing to check"
    assert root.get("tests") == "1" and root.get("failures") == "0"


def test_junit_suites_cases_failures_and_passes():
    loc = Location("a.json", 5, 3, dashboard="dash", panel="P", panel_id=1, target="A")
    fs = [Finding("metric/missing", Severity.ERROR, "m1 missing", loc, metric="m1"),
          Finding("metric/missing", Severity.ERROR, "m2 missing", loc, metric="m2"),
          Finding("metric/present", Severity.INFO, "m3 present", loc),
          Finding("panel/unit", Severity.WARNING, "no unit", Location("b.json", 2, dashboard="other", panel="Q",
                                                                      panel_id=4)),
          Finding("run/thing", Severity.ERROR, "no file")]
    root = check_junit_shape(findings_junit(fs, files=["a.json", "b.json", "clean.json"]))
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["a.json", "b.json", "clean.json", "vobs"]
    missing, present = suites["a.json"]
    assert missing.get("name") == "metric/missing: dashboard dash → panel 'P' (#1) → target A"
    assert missing.get("classname") == present.get("classname") == "a.json"  # one grouping per file
    assert suites["clean.json"].find("testcase").get("classname") == "clean.json"
    failure = missing.find("failure")
    assert failure.get("message") == "m1 missing" and "m2 missing" in failure.text  # one case per query and check
    assert present.find("failure") is None and "m3 present" in present.find("system-out").text
    assert suites["b.json"].find("testcase/failure").get("type") == "panel/unit"  # warnings fail too
    assert [c.get("name") for c in suites["clean.json"]] == ["no findings"]
    assert suites["vobs"].find("testcase").get("name") == "run/thing"
    assert root.get("tests") == "5" and root.get("failures") == "3"


MISSING_DASHBOARD = {"uid": "m", "title": "M", "panels": [
    {"id": 1, "title": "Gone", "type": "timeseries", "description": "d", "fieldConfig": {"defaults": {"unit": "s"}},
     "datasource": {"type": "prometheus", "uid": "${datasource}"},
     "targets": [{"refId": "A", "expr": "sum(rate(definitely_not_a_metric_total[5m]))"}]}]}


def run_vobs(args, cwd, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "GITHUB_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture()
def repo(tmp_path):
    """A git work tree whose project lives in `obs/`: annotation paths are relative to the top level."""
    (tmp_path / ".git").mkdir()
    project = tmp_path / "obs"
    (project / "narratives").mkdir(parents=True)
    (project / "narratives" / "metrics.yaml").write_text(CATALOG)
    (project / "d").mkdir()
    (project / "d" / "x.json").write_text(json.dumps(MISSING_DASHBOARD, indent=2))
    return tmp_path


def test_cli_github_annotations_relative_to_the_repository(repo):
    done = run_vobs(["validate", "d", "--format", "github", "--fail-on", "warning"], repo / "obs")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    errors = [parse_annotation(line) for line in lines if "metric/missing" in line]
    assert errors, done.stdout
    kind, props, message = errors[0]
    text = (repo / "obs" / "d" / "x.json").read_text().splitlines()
    line = next(n for n, row in enumerate(text, 1) if "definitely_not" in row)
    column = text[line - 1].index('"sum(') + 1  # the query's string, as in every other format
    assert props["file"] == "obs/d/x.json" and props["line"] == str(line) and props["col"] == str(column)
    assert "definitely_not_a_metric_total" in message and props["title"].startswith("vobs metric/")
    assert lines[-1].startswith("checked 1 query")  # the summary, a plain log line
    assert all(line.startswith("::") for line in lines[:-1])
    # GITHUB_WORKSPACE wins over the git top level
    done = run_vobs(["validate", "d", "--format", "github"], repo / "obs", GITHUB_WORKSPACE=str(repo / "obs"))
    assert parse_annotation(done.stdout.splitlines()[0])[1]["file"] == "d/x.json"
    done = run_vobs(["validate", "d", "--format", "github", "--fail-on", "error"], repo / "obs",
                    GITHUB_WORKSPACE=str(repo / "elsewhere"))  # outside the workspace: as shown
    assert parse_annotation(done.stdout.splitlines()[0])[1]["file"] == "d/x.json"


def test_cli_github_says_when_github_will_not_show_every_annotation(repo):
    """Twelve panels whose metrics are missing, each with a fixed rate range and an undefined
    $datasource, and an unused variable first in the file: the missing metrics come first, the
    summary, then one plain line saying how many annotations only the log holds."""
    panels = [{**MISSING_DASHBOARD["panels"][0], "id": i, "title": f"P{i}",
               "targets": [{"refId": "A", "expr": f"sum(rate(gone_{i}_total[5m]))"}]} for i in range(1, 13)]
    (repo / "obs" / "d" / "x.json").write_text(json.dumps(
        {"uid": "m", "title": "M", "templating": {"list": [{"name": "unused", "type": "custom", "query": "a"}]},
         "panels": panels}, indent=2))
    done = run_vobs(["validate", "d", "--format", "github"], repo / "obs")
    lines = done.stdout.splitlines()
    checks = [parse_annotation(line)[1]["title"].split()[1] for line in lines if line.startswith("::")]
    assert checks[:12] == ["metric/missing"] * 12 and len(checks) == len(lines) - 2 > 30, done.stdout
    assert lines[-2].startswith("checked 12 queries")
    assert lines[-1].startswith(f"vobs: printed {len(checks)} annotations ({len(checks)} warnings), most important")
    assert f"at least {len(checks) - 10} are only in this log" in lines[-1]


def test_cli_junit_report_and_exit_codes(repo):
    done = run_vobs(["validate", "d", "--format", "junit", "--fail-on", "warning"], repo / "obs")
    assert done.returncode == 1, done.stderr
    root = check_junit_shape(done.stdout)
    (suite,) = root
    assert suite.get("name") == "d/x.json"
    failed = [c for c in suite if c.find("failure") is not None]
    assert any("definitely_not_a_metric_total" in c.find("failure").get("message") for c in failed)
    (repo / "obs" / "d" / "x.json").write_text(json.dumps({"uid": "e", "title": "E", "panels": []}))
    done = run_vobs(["validate", "d", "--format", "junit"], repo / "obs")
    assert done.returncode == 0 and [c.get("name") for c in check_junit_shape(done.stdout)[0]] == ["no findings"]


def test_offline_asks_no_prometheus(repo):
    """PROMETHEUS_URL points at nothing: with --offline it is never asked (no 'unreachable', exit 1
    from the catalog's verdict, not 2); without, the run says so and exits 2."""
    dead = "http://127.0.0.1:9"
    done = run_vobs(["validate", "d", "--offline", "--fail-on", "warning"], repo / "obs", PROMETHEUS_URL=dead)
    assert done.returncode == 1 and "error" not in done.stderr and "metric catalog" in done.stdout, done.stderr
    done = run_vobs(["validate", "d"], repo / "obs", PROMETHEUS_URL=dead)
    assert done.returncode == 2
    done = run_vobs(["validate", "d", "--offline", "--prometheus-url", dead], repo / "obs")
    assert done.returncode == 2 and "contradict" in done.stderr


SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def check_sarif(text: str) -> dict:
    """Valid SARIF 2.1.0, and what GitHub's upload-sarif further demands: every result has a
    location in a file (one result without is the whole upload refused, github/codeql-action#1738)."""
    import jsonschema

    log = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    for result in log["runs"][0]["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], result
        # "at minimum, region.startLine is required" (GitHub's SARIF rules, sarif-sdk GH1003)
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1, result
    return log


def test_sarif_results_follow_verbose_as_every_other_report(repo):
    """A SARIF note is an open code-scanning alert: info findings ('… is present') only with -v."""
    quiet = check_sarif(run_vobs(["validate", "d", "--format", "sarif"], repo / "obs").stdout)["runs"][0]
    loud = check_sarif(run_vobs(["validate", "d", "--format", "sarif", "-v"], repo / "obs").stdout)["runs"][0]
    assert quiet["results"] and {r["level"] for r in quiet["results"]} <= {"warning", "error"}
    assert "note" in {r["level"] for r in loud["results"]} and len(loud["results"]) > len(quiet["results"])


def test_what_fails_the_run_is_shown_fail_on_info_shows_info(repo):
    """--fail-on info exits 1 on an info finding: every report shows the info findings then, as -v
    would (a red CI job with nothing to show for it was a new user's finding)."""
    quiet = run_vobs(["validate", "d", "--format", "sarif"], repo / "obs")
    failing = run_vobs(["validate", "d", "--format", "sarif", "--fail-on", "info"], repo / "obs")
    loud = run_vobs(["validate", "d", "--format", "sarif", "-v"], repo / "obs")
    assert failing.returncode == 1
    assert check_sarif(failing.stdout)["runs"][0]["results"] == check_sarif(loud.stdout)["runs"][0]["results"]
    assert len(check_sarif(failing.stdout)["runs"][0]["results"]) > len(check_sarif(quiet.stdout)["runs"][0]["results"])
    text = run_vobs(["validate", "d", "--fail-on", "info"], repo / "obs")
    assert text.returncode == 1 and "info:" in text.stdout


def test_a_finding_in_no_file_is_a_notification_of_the_run_not_a_result():
    from vertice_obs.output import findings_sarif

    degraded = Finding("source/degraded", Severity.INFO, "VictoriaMetrics: metric types could not be checked")
    missing = Finding("metric/missing", Severity.ERROR, "gone", Location("d/x.json", 3, 5, dashboard="m"))
    run = check_sarif(findings_sarif([degraded, missing], "0"))["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["metric/missing"]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note == {"level": "note", "message": {"text": degraded.message}, "descriptor": {"id": "source/degraded"}}
    assert run["invocations"][0]["executionSuccessful"] is True  # degraded, not failed


def test_a_path_that_is_no_dashboard_file_is_a_notification_and_a_whole_file_finding_is_at_line_1(repo):
    """A FIFO, a symlinked folder and a symlink leading out of the folder beside the dashboards are
    `input/skipped`: about what was read, not code — notifications naming the path (a result at a
    folder, without a line, is one GitHub refuses). A dashboard file that cannot be read at all is
    a result at its line 1."""
    folder = repo / "obs" / "d"
    os.mkfifo(folder / "pipe.json")
    (repo / "obs" / "elsewhere").mkdir()
    (folder / "linked").symlink_to(repo / "obs" / "elsewhere")
    (folder / "gone.json").symlink_to(folder / "no-such-file")  # inside the folder: read, and cannot be
    (folder / "out.json").symlink_to(repo / "obs" / "no-such-file")  # leading out of it: never read
    run = check_sarif(run_vobs(["validate", "d", "--format", "sarif"], repo / "obs").stdout)["runs"][0]
    assert not [r for r in run["results"] if r["ruleId"] == "input/skipped"]
    notes = {n["message"]["text"].split(":", 1)[0]: n for n in run["invocations"][0]["toolExecutionNotifications"]}
    assert notes["d/pipe.json"]["descriptor"] == {"id": "input/skipped"} and "FIFO" in notes["d/pipe.json"]["message"]["text"]
    assert notes["d/linked"]["level"] == "warning"
    assert notes["d/out.json"]["descriptor"] == {"id": "input/skipped"} and "leading out of the folder" in \
        notes["d/out.json"]["message"]["text"]
    [gone] = [r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("d/gone.json")]
    assert gone["ruleId"] == "file/invalid" and gone["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_an_unreachable_source_is_one_failure_not_one_per_metric(repo):
    """Prometheus unreachable: text says it once; SARIF and JUnit no longer report every query as
    failed (a test report then read as that many broken panels) — one notification, one failure."""
    dead = {"PROMETHEUS_URL": "http://127.0.0.1:9"}
    (repo / "obs" / "d" / "y.json").write_text(json.dumps({**MISSING_DASHBOARD, "uid": "y"}, indent=2))
    sarif = run_vobs(["validate", "d", "--format", "sarif"], repo / "obs", **dead)
    assert sarif.returncode == 2
    run = check_sarif(sarif.stdout)["runs"][0]
    assert not [r for r in run["results"] if r["ruleId"] == "metric/unknown"]
    [note] = [n for n in run["invocations"][0]["toolExecutionNotifications"]
              if n.get("descriptor", {}).get("id") == "metric/unknown"]
    assert "unreachable" in note["message"]["text"] and "2 metric uses" in note["message"]["text"]
    # …and the run did not succeed: an empty "successful" run uploaded alone would close every alert
    assert run["invocations"][0]["executionSuccessful"] is False
    [failed] = [n for n in run["invocations"][0]["toolExecutionNotifications"] if n["level"] == "error"]
    assert failed["message"]["text"] == ("Prometheus at http://127.0.0.1:9 is unreachable: connection refused at "
                                         "127.0.0.1:9: metric existence is unknown")
    junit = check_junit_shape(run_vobs(["validate", "d", "--format", "junit"], repo / "obs", **dead).stdout)
    unknown = [c for c in junit.iter("testcase") if (c.find("failure") is not None
                                                      and c.find("failure").get("type") == "metric/unknown")]
    assert len(unknown) == 1


def test_sarif_of_a_folder_without_dashboards_is_a_log_with_no_results(repo):
    """A trial: `vobs validate empty/ --format sarif > vobs.sarif` wrote nothing, and an upload of
    that file fails on its JSON rather than saying what went wrong. Still exit 2 and the one-line
    error; stdout is a valid SARIF log with no results whose invocation failed, saying why."""
    (repo / "obs" / "empty").mkdir()
    done = run_vobs(["validate", "empty", "--format", "sarif"], repo / "obs")
    assert done.returncode == 2 and done.stderr == "vobs: error: no dashboard JSON found in empty\n", done.stderr
    run = check_sarif(done.stdout)["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"] == [{"executionSuccessful": False, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": "no dashboard JSON found in empty"}}]}]
    assert run_vobs(["validate", "empty"], repo / "obs").stdout == ""  # the other formats: the error alone


def test_cli_junit_lists_passing_testcases_without_v(repo):
    """The README promised info findings (a present metric) as passing testcases; they appeared only
    with -v, so a clean run's report said `no findings` and counted nothing checked. JUnit lists
    them always; -v still changes only what text, GitHub and SARIF show."""
    present = {**MISSING_DASHBOARD, "uid": "p", "panels": [
        {**MISSING_DASHBOARD["panels"][0], "targets": [{"refId": "A", "expr": "maximus_dopamine_level"}]}]}
    (repo / "obs" / "d" / "x.json").write_text(json.dumps(present, indent=2))
    reports = [run_vobs(["validate", "d", "--format", "junit", *v], repo / "obs") for v in ((), ("-v",))]
    assert [done.returncode for done in reports] == [0, 0], reports[0].stderr
    assert reports[0].stdout == reports[1].stdout
    (suite,) = check_junit_shape(reports[0].stdout)
    passing = [c for c in suite if c.find("system-out") is not None]
    assert passing and all(c.find("failure") is None for c in passing)
    assert any("maximus_dopamine_level" in c.find("system-out").text for c in passing)
    assert "no findings" not in [c.get("name") for c in suite]


def test_sarif_logical_locations_keep_a_slash_in_a_title_within_its_part():
    """`dashboard/panel/target`: a panel titled `Messages/sec` (trial 17, agent-os' dashboard) read as two
    parts; each part's `/` and `\\` are escaped, so splitting at an unescaped `/` gives the parts back."""
    from vertice_obs.finding import Finding, Location, Severity
    from vertice_obs.output import findings_sarif

    at = Location(file="d.json", line=3, dashboard="agent-os", panel="Messages/sec \\ total", target="A")
    log = json.loads(findings_sarif([Finding("metric/missing", Severity.WARNING, "m", at)], "1"))
    name = log["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert name == "agent-os/Messages\\/sec \\\\ total/A"
    parts = [p.replace("\\/", "/").replace("\\\\", "\\") for p in re.split(r"(?<!\\)/", name)]
    assert parts == ["agent-os", "Messages/sec \\ total", "A"]
