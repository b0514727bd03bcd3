"""Series-level validation on the real backends (issue 10): which panels would show "No data", and why.

Table-driven, the same cases against Debian's Prometheus and VictoriaMetrics (with vmalert), both
scraping two simulators: `dev`/`maximus-core` and `staging`/`maximus-edge` (see conftest.py).
False-positive cases — correct selectors, fallbacks, `unless`, `absent()`, `label_replace`,
aggregation labels, recording rules with their own labels — must stay clean.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import RECORDED

from vertice_obs.metrics.catalog import MetricCatalog, MetricSpec
from vertice_obs.metrics.evidence import CatalogSource
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import (
    at_json_paths,
    collect,
    load_dashboard_files,
    validate,
)

LEVEL = "maximus_dopamine_level"
SKILL = "maximus_skill_success_rate"
NO_MATCH, LABEL_MISSING, GROUP = "no-matching-series", "label-missing", "group-label-missing"

# (case, query, variables (name → current value), the series-level checks expected, in order)
CASES = [
    ("correct selector", f'{LEVEL}{{environment="dev"}}', {}, []),
    ("other correct selector", f'{LEVEL}{{environment="staging", service_name="maximus-edge"}}', {}, []),
    ("value that does not exist", f'{LEVEL}{{environment="prod"}}', {}, [NO_MATCH]),
    ("regex matching nothing", f'{LEVEL}{{environment=~"pro.*"}}', {}, [NO_MATCH]),
    ("negative regex excluding all", f'{LEVEL}{{environment!~"dev|staging"}}', {}, [NO_MATCH]),
    ("label never carried", 'rate(maximus_skill_executions_total{region="eu"}[5m])', {}, [LABEL_MISSING]),
    ("empty matcher matches series without the label", f'{LEVEL}{{region=""}}', {}, []),
    ("Prometheus 3 quoted name", f'{{"{LEVEL}", environment="prod"}}', {}, [NO_MATCH]),
    ("Prometheus 3 quoted label name never carried", f'{LEVEL}{{"service.name"="x"}}', {}, [LABEL_MISSING]),
    ("Prometheus 3 quoted label name, matching empty", f'{LEVEL}{{"service.name"=""}}', {}, []),
    ("not-equal on a label never carried", f'{LEVEL}{{region!="eu"}}', {}, []),
    ("dot-star on a label never carried", f'{LEVEL}{{region=~".*"}}', {}, []),
    ("no series has both", f'{LEVEL}{{environment="staging", service_name="maximus-core"}}', {}, [NO_MATCH]),
    ("unknown skill", f'{SKILL}{{skill_name="fly"}}', {}, [NO_MATCH]),
    ("or fallback", f'{LEVEL}{{environment="prod"}} or {LEVEL}{{environment="dev"}}', {}, []),
    ("or vector(0)", f'sum({LEVEL}{{environment="prod"}}) or vector(0)', {}, []),
    ("unless", f'{LEVEL}{{environment="dev"}} unless {LEVEL}{{environment="prod"}}', {}, []),
    ("absent()", f'absent({LEVEL}{{environment="prod"}})', {}, []),
    ("label_replace", f'label_replace({LEVEL}{{environment="dev"}}, "region", "eu", "", "")', {}, []),
    ("aggregation label no series carries", f'sum by (region) ({LEVEL}{{environment="dev"}})', {}, [GROUP]),
    ("aggregation label carried", f'sum by (environment) (rate({LEVEL}[5m]))', {}, []),
    ("aggregation label carried by one side", f'sum by (skill_name) ({SKILL} * on (environment) '
     f'group_left {LEVEL})', {}, []),
    ("aggregation label made by label_replace",
     f'sum by (region) (label_replace({LEVEL}, "region", "eu", "", ""))', {}, []),
    ("aggregation label made by count_values", f'count_values("region", {LEVEL})', {}, []),
    ("without a label no series carries", f'sum without (region) ({LEVEL})', {}, []),
    ("recording rule, its own labels", f'{RECORDED}{{environment="staging"}}', {}, []),  # avg_over_time keeps them
    ("recording rule, a value it lacks", f'{RECORDED}{{environment="prod"}}', {}, [NO_MATCH]),
    ("variable: current value", f'{LEVEL}{{environment="$environment"}}', {"environment": "prod"}, [NO_MATCH]),
    ("variable: current value exists", f'{LEVEL}{{environment="$environment"}}', {"environment": "dev"}, []),
    ("variable: All", f'{LEVEL}{{environment=~"$environment"}}', {"environment": "$__all"}, []),
    ("variable: multi-value", f'{LEVEL}{{environment=~"$environment"}}', {"environment": ["dev", "prod"]}, []),
    ("variable: nothing known", f'{LEVEL}{{environment="$unknown"}}', {"unknown": None}, []),
    ("variable: not defined", f'{LEVEL}{{environment="$undefined"}}', {}, []),  # a lint's business (#11)
]


def _dashboard(cases) -> dict:
    templating = []
    for name in sorted({n for _, _, variables, _ in cases for n in variables}):
        templating.append({"type": "custom", "name": name, "current": {}, "options": [
            {"value": "dev"}, {"value": "staging"}, {"value": "prod"}]})
    panels = []
    for i, (title, expr, variables, _) in enumerate(cases, 1):
        panels.append({"id": i, "type": "timeseries", "title": title, "targets": [{"refId": "A", "expr": expr}]})
    return {"uid": "series", "title": "Series", "panels": panels, "templating": {"list": templating}}


def _one_dashboard_per_case(folder) -> None:
    for i, case in enumerate(CASES):
        model = _dashboard([case])
        for variable in model["templating"]["list"]:
            value = case[2][variable["name"]]
            variable["current"] = {"value": value} if value is not None else {}
            if value is None:
                variable["options"] = []
        model["uid"] = f"series-{i}"
        (folder / f"case-{i}.json").write_text(json.dumps(model))


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def series_findings(request, tmp_path_factory, catalog):
    backend = request.getfixturevalue(request.param)
    folder = tmp_path_factory.mktemp("series")
    _one_dashboard_per_case(folder)
    source = PrometheusSource(backend.url)
    result = validate(collect(load_dashboard_files([folder])), source, catalog, timedelta(days=7))
    return result, source


@pytest.mark.parametrize("title,query,variables,expected", CASES, ids=[c[0] for c in CASES])
def test_series_level_checks(series_findings, title, query, variables, expected):
    result, _ = series_findings
    got = [f.check.split("/", 1)[1] for f in result.findings
           if f.location.panel == title and f.check.split("/", 1)[1] in (NO_MATCH, LABEL_MISSING, GROUP)]
    assert got == expected, [f.message for f in result.findings if f.location.panel == title]


def test_messages_say_what_exists(series_findings):
    result, _ = series_findings
    by_panel = {f.location.panel: f.message for f in result.findings if f.check.startswith("metric/no-")
                or f.check == "metric/label-missing"}
    assert by_panel["value that does not exist"] == (
        f'environment="prod" matches no series of {LEVEL}: environment has dev, staging; no series matched it '
        "in the data it holds (less than the 7d lookback)")  # the backend holds 54 h: see conftest
    assert "(its labels: environment, instance, job, mode, service_name, skill_name, status)" in by_panel[
        "label never carried"]
    assert "no series matches all of them" in by_panel["no series has both"]
    (group,) = [f for f in result.findings if f.check == "metric/group-label-missing"]
    assert group.message == (f"by (region): no series of {LEVEL} carries the label 'region', so grouping by it "
                             "does nothing")
    assert group.severity.name == "INFO" and group.location.panel == "aggregation label no series carries"


def test_a_variable_without_a_value_is_information_never_an_error(series_findings):
    result, _ = series_findings
    case = next(i for i, c in enumerate(CASES) if c[0] == "variable: nothing known")
    on_panel = [f for f in result.findings if f.location.panel == "variable: nothing known"
                and f.check != "metric/present"]
    assert on_panel == []  # nothing said about its matchers
    said = [f for f in result.findings if f.location.dashboard == f"series-{case}" and f.check.startswith("variable/")]
    assert [(f.check, f.severity.name, f.location.target) for f in said] == [
        ("variable/value-unknown", "INFO", "variable unknown")], said
    assert said[0].message == ("$unknown has no value saved in the dashboard (no current value, no options): the "
                               "matchers it fills on 1 panel ('variable: nothing known') are not checked for series")


def test_requests_do_not_grow_with_queries(series_findings):
    """names, rules, metadata (nothing absent by name: no last seen); all label tables in one query;
    one label-names lookup for the label-missing message; one series lookup of the empty selectors
    (none matched in the history: no timed query); how much data it holds: the lowest timestamps the
    server holds (none: these test servers do not scrape themselves), then one label-values look at
    the lookback's start — on VictoriaMetrics, which exports none of its own, that look alone. The
    by-label checks add nothing. A quoted (Prometheus 3) label name adds one where the backend cannot
    parse it (both here): the label-table query again without it."""
    result, source = series_findings
    held = 2 if source.kind != "VictoriaMetrics" else 1
    assert source.request_count == 3 + 1 + 1 + 1 + 1 + held


def test_offline_the_catalog_values_drive_the_same_checks(tmp_path):
    catalog = MetricCatalog("c.yaml", (MetricSpec(LEVEL, "gauge", "ratio", "h", "team"),),
                            common_labels=("environment", "service_name"), values=(("environment", ("dev", "staging")),))
    cases = [c for c in CASES[:7] if not c[2]]
    (tmp_path / "d.json").write_text(json.dumps(_dashboard(cases)))
    result = validate(collect(load_dashboard_files([tmp_path])), CatalogSource(catalog), catalog, timedelta(days=7))
    got = {f.location.panel: f.check for f in result.findings if f.check.startswith(("metric/no-", "metric/label"))}
    assert got == {"value that does not exist": "metric/no-matching-series",
                   "regex matching nothing": "metric/no-matching-series",
                   "negative regex excluding all": "metric/no-matching-series"}


def test_offline_by_labels_are_judged_against_the_catalog_labels(tmp_path):
    catalog = MetricCatalog("c.yaml", (MetricSpec(LEVEL, "gauge", "ratio", "h", "team", labels=("mode",)),),
                            common_labels=("environment",))
    queries = {"typo": f"sum by (enviroment) ({LEVEL})", "common label": f"sum by (environment) ({LEVEL})",
               "own label": f"max by (mode) ({LEVEL})"}
    panels = [{"id": i, "type": "stat", "title": t, "targets": [{"refId": "A", "expr": q}]}
              for i, (t, q) in enumerate(queries.items(), 1)]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "g", "title": "G", "panels": panels}))
    result = validate(collect(load_dashboard_files([tmp_path])), CatalogSource(catalog), catalog, timedelta(days=7))
    got = {f.location.panel for f in result.findings if f.check == "metric/group-label-missing"}
    assert got == {"typo"}


def test_each_option_of_a_variable_is_checked(tmp_path, prometheus):
    """A reader can pick any option: the one that empties panels is named, once, with a count."""
    panels = [{"id": i, "type": "timeseries", "title": f"Level {i}",
               "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}} * {i}'}]} for i in (1, 2)]
    panels.append({"id": 3, "type": "stat", "title": "Unrelated", "targets": [{"refId": "A", "expr": LEVEL}]})
    model = {"uid": "options", "title": "Options", "panels": panels, "templating": {"list": [
        {"type": "custom", "name": "environment", "current": {"value": "dev"},
         "options": [{"value": "dev"}, {"value": "staging"}, {"value": "prod"}, {"value": "$__all"}]}]}}
    (tmp_path / "options.json").write_text(json.dumps(model))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    options = [f for f in result.findings if f.check == "variable/option-no-data"]
    assert [f.message for f in options] == [
        "the 'prod' option of $environment shows No data on 2 panels: 'Level 1', 'Level 2' "
        f'(e.g. {LEVEL}{{environment="prod"}})']
    assert str(options[0].location).startswith(f"{tmp_path}/options.json:1:")  # at the variable, placed already


NEVER = 'on load (from Grafana 11.3, whatever its refresh says — "never" too)'


@pytest.mark.parametrize("refresh, when", [(1, "on load"), (2, "on time range change"), ("1", "on load"),
                                           (0, NEVER), (None, NEVER)])
def test_a_query_variable_grafana_reruns_is_not_judged_by_its_saved_value(tmp_path, prometheus, refresh, when):
    """A query variable is re-run by Grafana — refreshed on load (1) or on time range change (2), and
    from Grafana 11.3 (scenes) whatever its `refresh` says, never (0) or none saved too: the saved
    `prod` (a snapshot of another server) is not what readers see, and its saved options are not what
    they get — info, never a false No data. (Before 11.3, `refresh: 0` kept the saved ones.)"""
    variable = {"type": "query", "name": "environment", "query": f"label_values({LEVEL}, environment)",
                "current": {"value": "prod"}, "options": [{"value": "prod"}, {"value": "qa"}]}
    if refresh is not None:
        variable["refresh"] = refresh
    panels = [{"id": 1, "type": "timeseries", "title": "Level",
               "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}}'}]}]
    (tmp_path / "q.json").write_text(json.dumps({"uid": "q", "title": "Q", "panels": panels,
                                                 "templating": {"list": [variable]}}))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    checks = sorted(f.check for f in result.findings if f.check.startswith(("variable/", "metric/no-")))
    [info] = [f for f in result.findings if f.check == "variable/value-unknown"]
    assert checks == ["variable/value-unknown"] and info.severity.name == "INFO", checks
    assert info.message.startswith(f"$environment is a query variable Grafana re-runs {when}, so its saved "
                                   "value need not be the one shown"), info.message


def test_an_option_finding_counts_panels_apart_and_stands_at_the_variable(tmp_path, prometheus):
    """An annotation's query is no panel; the finding is written where the variable is defined."""
    panels = [{"id": 1, "type": "timeseries", "title": "Level",
               "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}}'}]}]
    annotations = {"list": [{"name": "Spikes", "datasource": {"type": "prometheus", "uid": "p"},
                             "expr": f'{LEVEL}{{environment="$environment"}} > 0.9'}]}
    model = {"uid": "o", "title": "O", "panels": panels, "annotations": annotations, "templating": {"list": [
        {"type": "custom", "name": "other", "current": {"value": "x"}, "options": [{"value": "x"}]},
        {"type": "custom", "name": "environment", "current": {"value": "dev"},
         "options": [{"value": "dev"}, {"value": "prod"}]}]}}
    text = json.dumps(model, indent=2)
    (tmp_path / "o.json").write_text(text)
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    [option] = [f for f in result.findings if f.check == "variable/option-no-data"]
    assert option.message == ("the 'prod' option of $environment shows No data on 1 panel and 1 other query: "
                              f"'Level', annotation Spikes (e.g. {LEVEL}{{environment=\"prod\"}})")
    assert dict(option.details)["panels"] == 1 and dict(option.details)["others"] == 1
    found_at = option.location.line  # placed while collect read the file's positions: not read again
    placed = at_json_paths(result.findings, load_dashboard_files([tmp_path]))
    [option] = [f for f in placed if f.check == "variable/option-no-data"]
    lines = text.splitlines()
    line = option.location.line  # the variable's opening brace, its members just below
    assert lines[line - 1].strip() == "{" and '"name": "environment"' in "\n".join(lines[line:line + 3])
    assert found_at == line


def test_an_option_naming_another_metric_gets_its_own_label_table(tmp_path, prometheus):
    """Options are judged while the label tables are fetched, from the tables the current values
    need; a variable that names the metric needs one more table, asked for in one more request."""
    def run(options: list[str]):
        panels = [{"id": 1, "type": "timeseries", "title": "Chosen",
                   "targets": [{"refId": "A", "expr": '$metric{skill_name="fly"}'}]}]
        model = {"uid": "names", "title": "Names", "panels": panels, "templating": {"list": [
            {"type": "custom", "name": "metric", "current": {"value": LEVEL},
             "options": [{"value": o} for o in options]}]}}
        folder = tmp_path / str(len(options))
        folder.mkdir()
        (folder / "names.json").write_text(json.dumps(model))
        source = PrometheusSource(prometheus.url)
        result = validate(collect(load_dashboard_files([folder])), source, None, timedelta(days=7))
        return {f.check: f.message for f in result.findings if f.check in (
            "metric/label-missing", "variable/option-no-data")}, source.request_count

    alone, asked_alone = run([LEVEL])
    assert list(alone) == ["metric/label-missing"]  # skill_name: the current metric does not carry it
    said, asked = run([LEVEL, SKILL])
    assert said["variable/option-no-data"] == (
        f"the '{SKILL}' option of $metric shows No data on 1 panel: 'Chosen' (e.g. {SKILL}{{skill_name=\"fly\"}})")
    assert asked == asked_alone + 1



def test_an_option_naming_a_metric_no_series_has_empties_its_panels(tmp_path, prometheus):
    """A new-user trial: `$metric` with an option naming no metric Prometheus has (a typo, a metric
    gone) passed with exit 0 — its selectors had no table, and bare `$metric` no selector at all.
    The option is said at the variable, for every panel it empties, with or without matchers; the
    current value's name stays the name-level check's, and a real option stays quiet."""
    nope = "maximus_dopamine_nope_total"
    panels = [{"id": i, "type": "timeseries", "title": title, "targets": [{"refId": "A", "expr": expr}]}
              for i, (title, expr) in enumerate([("Bare", "$metric"), ("Summed", "sum(${metric})"),
                                                  ("Matched", '$metric{environment=~".+"}')], 1)]
    model = {"uid": "names", "title": "Names", "panels": panels, "templating": {"list": [
        {"type": "custom", "name": "metric", "current": {"value": LEVEL},
         "options": [{"value": o} for o in (LEVEL, nope, SKILL)]}]}}
    (tmp_path / "names.json").write_text(json.dumps(model))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    options = [f.message for f in result.findings if f.check == "variable/option-no-data"]
    assert options == [f"the '{nope}' option of $metric shows No data on 3 panels: 'Bare', 'Summed', 'Matched' "
                       f"(e.g. {nope}: no series has that name)"], options


def test_options_are_not_blamed_for_a_metric_missing_whatever_the_option(tmp_path, prometheus):
    """Trial 13 (Ray's dashboards): a panel on a metric no series has showed No data with every
    option, and each option but the saved one was said to empty it — `[$interval]` ones too, which
    change no series. The name is the name-level check's (metric/missing); options stay quiet."""
    gone = "maximus_dopamine_nope_total"
    panels = [{"id": 1, "type": "timeseries", "title": "Absent", "targets": [
        {"refId": "A", "expr": f'rate({gone}{{environment="$env"}}[$interval])'}]}]
    model = {"uid": "absent", "title": "Absent", "panels": panels, "templating": {"list": [
        {"type": "custom", "name": "interval", "current": {"value": "5m"}, "options": [
            {"value": o} for o in ("1m", "5m", "10m")]},
        {"type": "custom", "name": "env", "current": {"value": "dev"}, "options": [
            {"value": o} for o in ("dev", "prod")]}]}}
    (tmp_path / "absent.json").write_text(json.dumps(model))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    checks = sorted(f.check for f in result.findings if f.check.startswith(("metric/", "variable/")))
    assert checks == ["metric/missing"], [f.message for f in result.findings]


def test_a_bug_while_options_are_made_is_raised_not_taken_for_prometheus_failing(prometheus):
    """Option selectors are made while Prometheus answers: an error of their own (a bug) must come
    out as it is, never as "Prometheus answered something that is not its API"."""
    from vertice_obs.finding import Location
    from vertice_obs.metrics.classify import Evidence
    from vertice_obs.metrics.nodata import judge_selectors
    from vertice_obs.metrics.series import LabelMatcher, Selector, SelectorUse

    use = SelectorUse(Selector(LEVEL, (LabelMatcher("environment", "=", "dev"),)), Location(file="d.json"), LEVEL)
    evidence = Evidence(source="test", names=frozenset({LEVEL}))

    def broken():
        raise KeyError("a bug in making option selectors")

    with pytest.raises(KeyError, match="a bug in making option selectors"):
        judge_selectors(PrometheusSource(prometheus.url), [use], evidence, option_uses=broken)


def test_the_same_collection_validated_twice_says_the_same(tmp_path):
    """Option selectors are made once and kept: a second validation of one collection is not poorer."""
    catalog = MetricCatalog("c.yaml", (MetricSpec(LEVEL, "gauge", "ratio", "h", "team"),),
                            common_labels=("environment",), values=(("environment", ("dev", "staging")),))
    panels = [{"id": 1, "type": "stat", "title": "L", "targets": [{"refId": "A",
                                                                   "expr": f'{LEVEL}{{environment="$environment"}}'}]}]
    model = {"uid": "twice", "title": "Twice", "panels": panels, "templating": {"list": [
        {"type": "custom", "name": "environment", "current": {"value": "dev"},
         "options": [{"value": "dev"}, {"value": "prod"}]}]}}
    (tmp_path / "twice.json").write_text(json.dumps(model))
    collected = collect(load_dashboard_files([tmp_path]))
    runs = [[f.message for f in validate(collected, CatalogSource(catalog), catalog, timedelta(days=7)).findings
             if f.check == "variable/option-no-data"] for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) == 1, runs


def test_the_parse_caches_are_dropped_whatever_the_path(tmp_path):
    """~50 MB at 20,000 queries: dropped after the options are made, and also when nothing makes
    them (no source; collecting for the findings alone, as publish and diff do)."""
    from vertice_obs.metrics import analysis

    (tmp_path / "d.json").write_text(json.dumps(_dashboard([c for c in CASES if c[2]][:3])))
    dashboards = load_dashboard_files([tmp_path])
    collect(dashboards, options=False)
    assert analysis.analyse.cache_info().currsize == 0
    collected = collect(dashboards)
    assert collected.pending and analysis.analyse.cache_info().currsize > 0  # kept for the options
    validate(collected, None, None, timedelta(days=7))
    assert analysis.analyse.cache_info().currsize == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_audit_reports_series_level_findings(tmp_path, prometheus, fmt):
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    (tmp_path / "d.json").write_text(json.dumps(_dashboard([c for c in CASES if not c[2]][:6])))
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--prometheus-url", prometheus.url, "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "no-matching-series" in result.stdout and "label-missing" in result.stdout
    assert "environment has dev, staging" in result.stdout


EXEC = "maximus_skill_executions_total"
TYPE_CASES = [
    ("rate over a gauge", f"rate({LEVEL}[5m])", ["rate-on-gauge"]),
    ("increase over a gauge", f"sum(increase({LEVEL}[1h]))", ["rate-on-gauge"]),
    ("raw counter", EXEC, ["counter-without-rate"]),
    ("summed raw counter", f"sum by (skill_name) ({EXEC})", ["counter-without-rate"]),
    ("counted series", f"count({EXEC})", []),
    ("rate of a counter", f"sum(rate({EXEC}[5m]))", []),
    ("resets of a counter", f"resets({EXEC}[1h])", []),
    ("a gauge as it is", f"avg({LEVEL})", []),
    ("histogram buckets under rate", "histogram_quantile(0.9, sum by (le) "
                                     "(rate(maximus_esgt_duration_seconds_bucket[5m])))", []),
    ("absent counter", f"absent({EXEC})", []),
    ("rate over a subquery", f"rate({EXEC}[5m:1m])", []),  # a rate all the same (seen on public dashboards)
    ("increase over a subquery of a sum", f"increase(sum({EXEC})[1h:5m])", []),
    ("rate over a subquery of a gauge", f"rate({LEVEL}[5m:1m])", ["rate-on-gauge"]),
    # two counters subtracted or divided draw a level or a ratio, not a growing total (trial 15 M2)
    ("counters subtracted", f"sum({EXEC}) - sum(maximus_esgt_ignition_events_total)", []),
    ("a counter less itself an hour ago", f"{EXEC} - {EXEC} offset 1h", []),
    ("an average since start", "sum(maximus_esgt_duration_seconds_sum) / sum(maximus_esgt_duration_seconds_count)",
     []),
    ("a counter over a number", f"{EXEC} / 60", ["counter-without-rate"]),
    ("a counter less a gauge", f"sum({EXEC}) - sum({LEVEL})", ["counter-without-rate"]),
    ("counters added", f"sum({EXEC}) + sum(maximus_esgt_ignition_events_total)",
     ["counter-without-rate", "counter-without-rate"]),
    ("a counter over a rate", f"{EXEC} / rate({EXEC}[5m])", ["counter-without-rate"]),
]


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def type_findings(request, tmp_path_factory, catalog):
    backend = request.getfixturevalue(request.param)
    folder = tmp_path_factory.mktemp("types")
    (folder / "types.json").write_text(json.dumps(_dashboard([(t, q, {}, []) for t, q, _ in TYPE_CASES])))
    result = validate(collect(load_dashboard_files([folder])), PrometheusSource(backend.url), catalog,
                      timedelta(days=7))
    return request.param, result


@pytest.mark.parametrize("title,query,expected", TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_type_checks(type_findings, title, query, expected):
    backend, result = type_findings
    found = [f for f in result.findings if f.location.panel == title
             and f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")]
    assert [f.check.split("/", 1)[1] for f in found] == expected
    # Prometheus says the type in its metadata; VictoriaMetrics' metadata is empty: the catalog does
    source = "Prometheus' metadata" if backend == "prometheus" else "the catalog"
    assert all(f"type from {source}" in f.message for f in found)


def test_alert_series_are_neither_missing_nor_judged_by_their_labels(tmp_path):
    """`ALERTS` and `ALERTS_FOR_STATE` exist only while an alert is pending or firing: a panel of
    another alert's series is empty when all is well (and either name is absent while nothing fires:
    `test_classify.py`)."""
    from prometheus_harness import PrometheusServer

    rules = {"groups": [{"name": "always", "rules": [{"alert": "AlwaysFiring", "expr": "vector(1)"}]}]}
    panels = [{"id": i, "type": "timeseries", "title": title, "targets": [{"refId": "A", "expr": expr}]}
              for i, (title, expr) in enumerate([("another alert", 'ALERTS{alertname="DiskFull", alertstate="firing"}'),
                                                 ("its state", 'ALERTS_FOR_STATE{alertname="DiskFull"}'),
                                                 ("a real typo", 'up{job="nosuchjob"}')], 1)]
    (tmp_path / "a.json").write_text(json.dumps({"uid": "a", "title": "A", "panels": panels}))
    with PrometheusServer(rules=rules) as server:
        server.wait_for('ALERTS{alertname="AlwaysFiring"}')
        result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(server.url), None,
                          timedelta(days=7))
    said = {(f.location.panel, f.check) for f in result.findings if f.check.startswith(("metric/", "variable/"))
            and f.check != "metric/present"}
    assert said == {("a real typo", "metric/missing")}, said


def _repeat_findings(tmp_path, prometheus, model) -> list[str]:
    (tmp_path / "r.json").write_text(json.dumps({"uid": "r", "title": "R", **model}))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(prometheus.url), None,
                      timedelta(days=7))
    return sorted(f"{f.location.panel}: {f.message.split(';')[0]}" for f in result.findings
                  if f.check == "metric/no-matching-series")  # without the history clause


_ENVIRONMENT = {"type": "custom", "name": "environment", "multi": True, "includeAll": True, "allValue": ".*",
                "options": [{"value": "dev"}, {"value": "staging"}, {"value": "prod"}]}


def _level_panel(title: str, **extra) -> dict:
    return {"type": "timeseries", "title": title, **extra,
            "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}}'}]}


@pytest.mark.parametrize("layout", ["panel", "expanded row", "collapsed row", "legacy row"])
def test_a_repeated_panel_is_judged_copy_by_copy(tmp_path, prometheus, layout):
    """Grafana draws one copy of a repeated panel (or of a repeated row's panels) per value of the
    variable, each with one value: `environment="$environment"` with dev and staging chosen is two
    panels with data, not one `environment="(dev|staging)"` with none; with dev and prod chosen, the
    prod copy is the panel with No data, and said as such."""
    def model(values):
        variable = {**_ENVIRONMENT, "current": {"value": values}}
        if layout == "panel":
            panels = {"panels": [_level_panel("Level $environment", id=1, repeat="environment")]}
        elif layout == "expanded row":
            panels = {"panels": [{"type": "row", "id": 1, "title": "Env", "repeat": "environment", "panels": []},
                                 _level_panel("Level", id=2), {"type": "row", "id": 3, "title": "Other", "panels": []},
                                 _level_panel("Alternation", id=4)]}
        elif layout == "collapsed row":
            panels = {"panels": [{"type": "row", "id": 1, "title": "Env", "repeat": "$environment", "collapsed": True,
                                  "panels": [_level_panel("Level", id=2)]}, _level_panel("Alternation", id=4)]}
        else:
            panels = {"rows": [{"title": "Env", "repeat": "environment", "panels": [_level_panel("Level", id=2)]},
                               {"title": "Other", "panels": [_level_panel("Alternation", id=4)]}]}
        return {**panels, "templating": {"list": [variable]}}

    alternation = [] if layout == "panel" else [
        f'Alternation: environment="(dev|staging)" matches no series of {LEVEL}: environment has dev, staging']
    assert _repeat_findings(tmp_path, prometheus, model(["dev", "staging"])) == alternation
    got = _repeat_findings(tmp_path, prometheus, model(["dev", "prod"]))
    assert [g for g in got if not g.startswith("Alternation")] == [
        f'{"Level $environment" if layout == "panel" else "Level"}: environment="prod" matches no series of {LEVEL}: '
        "environment has dev, staging"], got


def test_a_panel_repeated_over_all_draws_a_copy_per_option(tmp_path, prometheus):
    """"All" with an allValue repeats over the options, not the allValue: the prod copy is empty."""
    model = {"panels": [_level_panel("Level", id=1, repeat="environment")],
             "templating": {"list": [{**_ENVIRONMENT, "current": {"value": ["$__all"]}}]}}
    assert _repeat_findings(tmp_path, prometheus, model) == [
        f'Level: environment="prod" matches no series of {LEVEL}: environment has dev, staging']
