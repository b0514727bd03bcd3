"""The embedded default: validation against the metric catalog, with no server at all."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent


def test_repository_exports_pass_against_the_catalog():
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate"])
    assert result.exit_code == 0, result.output
    assert "against the metric catalog narratives/metrics.yaml" in result.output
    assert " present" in result.output and "missing" not in result.output


def test_catalog_mode_explains_a_histogram_queried_by_family_name(tmp_path):
    model = {"uid": "h", "title": "H", "panels": [
        {"type": "timeseries", "title": "Wrong", "id": 1,
         "targets": [{"refId": "A", "expr": "rate(maximus_esgt_duration_seconds[5m])"}]},
        {"type": "timeseries", "title": "Broken", "id": 2, "targets": [{"refId": "A", "expr": "rate(x[5m]"}]},
    ]}
    (tmp_path / "h.json").write_text(json.dumps(model, indent=2))
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    findings = {f["location"]["panel"]: f for f in json.loads(result.stdout)["findings"]
                if f["check"].startswith("metric/") or f["check"] == "promql/parse"}  # not the dashboard lints
    wrong = findings["Wrong"]
    assert wrong["check"] == "metric/missing" and wrong["severity"] == "warning"
    assert "a histogram is stored as maximus_esgt_duration_seconds_bucket" in wrong["message"]
    assert wrong["location"]["line"] == 12  # the line of the expr in h.json
    assert findings["Broken"]["check"] == "promql/parse" and findings["Broken"]["severity"] == "error"


def test_fail_on_warning_turns_warnings_into_failures(tmp_path):
    model = {"uid": "w", "title": "W", "panels": [
        {"type": "stat", "title": "Unknown", "id": 1, "targets": [{"refId": "A", "expr": "not_in_catalog"}]}]}
    (tmp_path / "w.json").write_text(json.dumps(model))
    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(REPO), "validate", str(tmp_path)]).exit_code == 0
    assert runner.invoke(cli, ["-C", str(REPO), "validate", str(tmp_path), "--fail-on", "warning"]).exit_code == 1


def test_bad_inputs_are_one_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"panels": [\n  1,\n')
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", str(tmp_path)])
    assert result.exit_code == 1  # a file/invalid error finding, at line:column
    assert result.stdout.splitlines()[0] == (f"{tmp_path}/bad.json:3:1: error: invalid JSON: Expecting value "
                                             "[file/invalid]")
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", "--lookback", "seven days"])
    assert result.exit_code == 2 and "is not a duration like 7d" in result.output


def test_json_nested_too_deeply_is_at_its_deepest_point_and_lints_are_not_clean(tmp_path):
    """A file nested too deeply to read was the one file/invalid without a line and column (text, JSON
    and GitHub output; SARIF said line 1), and with no dashboard read the summary said "dashboard
    lints: clean". Now it is at the bracket that opens its deepest level, and the summary says so."""
    (tmp_path / "deep.json").write_text('{"uid": "d",\n "panels": ' + "[" * 100_000)
    run = lambda *fmt: CliRunner().invoke(cli, ["-C", str(REPO), "validate", str(tmp_path), *fmt])  # noqa: E731
    text = run()
    assert text.exit_code == 1
    lines = text.stdout.splitlines()
    assert lines[0] == (f"{tmp_path}/deep.json:2:100011: error: invalid JSON: nested too deeply to read (100,001 levels "
                        "deep here) [file/invalid]")
    assert lines[-1].endswith("; dashboard lints: none run, no dashboard was read"), lines
    (found,) = json.loads(run("--format", "json").stdout)["findings"]
    assert (found["location"]["line"], found["location"]["column"]) == (2, 100_011), found
    github = run("--format", "github").stdout.splitlines()[0]
    assert github.startswith(f"::error file={tmp_path}/deep.json,line=2,col=100011,"), github
    audit = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(tmp_path)]).stdout
    assert f"{tmp_path}/deep.json:2:100011: error: invalid JSON: nested too deeply" in audit, audit


def test_a_variable_on_all_with_nothing_known_says_so(tmp_path):
    """"All" with no allValue and no options saved is not "no current value": the info says what is
    missing (found on a public dashboard by a new-user trial). There they were query variables saved
    without a `refresh`, which Grafana 11.3+ re-runs on load (said so); custom ones with no query say
    what is missing."""
    def variable(name, current, kind="query"):
        return {"name": name, "type": kind, "includeAll": True, "options": [], "current": current,
                **({"query": "label_values(up, job)"} if kind == "query" else {})}
    model = {"uid": "v", "title": "V", "panels": [{"id": 1, "type": "stat", "title": "t", "targets": [
        {"refId": "A", "expr": 'up{job=~"$job", instance=~"$instance", a=~"$cjob", b=~"$cinstance"}'}]}],
        "templating": {"list": [variable("job", {"text": ["All"], "value": ["$__all"]}), variable("instance", {}),
                                variable("cjob", {"text": ["All"], "value": ["$__all"]}, "custom"),
                                variable("cinstance", {}, "custom")]}}
    (tmp_path / "v.json").write_text(json.dumps(model))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--format", "json"])
    said = {f["details"]["variable"]: f["message"] for f in json.loads(result.stdout)["findings"]
            if f["check"] == "variable/value-unknown"}
    rerun = ('is a query variable Grafana re-runs on load (from Grafana 11.3, whatever its refresh says — "never" '
             "too), so its saved value need not be the one shown: the matchers it fills on 1 panel ('t') are not "
             "checked for series")
    assert said == {
        "job": f"$job {rerun}", "instance": f"$instance {rerun}",
        "cjob": "$cjob is All, with no allValue and no options saved in the dashboard: the matchers it fills on 1 "
                "panel ('t') are not checked for series",
        "cinstance": "$cinstance has no value saved in the dashboard (no current value, no options): the matchers it "
                     "fills on 1 panel ('t') are not checked for series"}


def test_a_variable_nothing_is_known_about_is_said_once_at_its_definition(tmp_path):
    """One info per dashboard and variable, not one per query (9,025 of them in bench_series), at
    the variable's own line, counting the panels it fills apart from other queries (annotations)."""
    variable = {"name": "svc", "type": "query", "refresh": 1, "query": "label_values(up, job)",
                "current": {"value": "x"}}
    model = {"uid": "u", "title": "U", "templating": {"list": [variable]},
             "annotations": {"list": [{"name": "deploys", "enable": True, "expr": 'changes(up{job="$svc"}[5m]) > 0',
                                       "datasource": {"type": "prometheus", "uid": "p"}}]},
             "panels": [{"id": i, "type": "timeseries", "title": f"p{i}",
                         "targets": [{"refId": "A", "expr": f'up{{job="$svc", n="{i}"}}'},
                                     {"refId": "B", "expr": 'up{job!="$svc"}'}]} for i in range(1, 6)]}
    text = json.dumps(model, indent=2)
    (tmp_path / "u.json").write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--format", "json"])
    [said] = [f for f in json.loads(result.stdout)["findings"] if f["check"] == "variable/value-unknown"]
    line = text.splitlines().index('        "name": "svc",') + 1  # inside the variable's object
    assert said["location"]["line"] in (line - 1, line) and said["location"]["target"] == "variable svc"
    assert said["details"] == {"variable": "svc", "queries": 11, "panels": 5, "json_path": "/templating/list/0"}
    assert said["message"] == ("$svc is a query variable Grafana re-runs on load, so its saved value need not be the "
                               "one shown: the matchers it fills on 5 panels and 1 other query ('p1', 'p2', 'p3' and 3 "
                               "more) are not checked for series")


SCRAPE_CATALOG = """\
metrics:
  - {name: node_cpu_seconds_total, type: counter, unit: s, help: c, owner: me, labels: [cpu, mode]}
  - {name: env_metric, type: gauge, unit: x, help: h, owner: me, values: {environment: [dev, prod]}}
  - {name: "job:node_cpu:rate5m", type: gauge, unit: x, help: r, owner: me, labels: [mode]}
"""


def test_offline_job_instance_and_labels_given_values_are_carried(tmp_path):
    """A catalog without `common_labels` made `label_values(x, instance)` a dropdown that stays empty
    and `x{job="node"}` a label-missing (trial 12): the scrape gives every exporter's series `job` and
    `instance`; a label the metric lists values for is one it carries. A recording rule's output keeps
    only what its entry says."""
    (tmp_path / "catalog.yaml").write_text(SCRAPE_CATALOG)
    queries = {"job": 'rate(node_cpu_seconds_total{job="node", instance="a:9100"}[5m])',
               "values": 'env_metric{environment="dev"}', "wrong value": 'env_metric{environment="qa"}',
               "by values label": "sum by (environment) (env_metric)", "rule": 'job:node_cpu:rate5m{instance="a"}'}
    panels = [{"id": i, "type": "stat", "title": t, "targets": [{"refId": "A", "expr": q}]}
              for i, (t, q) in enumerate(queries.items(), 1)]
    variables = [{"type": "query", "name": n, "datasource": {"type": "prometheus", "uid": "p"}, "refresh": 1,
                  "query": q} for n, q in (("inst", "label_values(node_cpu_seconds_total, instance)"),
                                           ("env", "label_values(env_metric, environment)"),
                                           ("typo", "label_values(node_cpu_seconds_total, instanse)"))]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "d", "title": "D", "panels": panels,
                                                 "templating": {"list": variables}}))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "d.json"), "--catalog", str(tmp_path / "catalog.yaml"),
                                      "--format", "json"])
    series = {(f["location"].get("panel") or f["location"]["target"], f["check"]) for f in json.loads(result.stdout)["findings"]
              if f["check"] in ("metric/label-missing", "metric/no-matching-series", "metric/group-label-missing",
                                "variable/label-missing")}
    assert series == {("wrong value", "metric/no-matching-series"), ("rule", "metric/label-missing"),
                      ("variable typo", "variable/label-missing")}
