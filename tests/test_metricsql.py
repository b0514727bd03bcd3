"""A query that does not parse as PromQL but is valid MetricsQL is judged by where it goes.

On a VictoriaMetrics datasource (its plugin), or on any Prometheus-type datasource when the server
checked against is a VictoriaMetrics (trial 19 MED 4: VictoriaMetrics' own dashboards query it
through Grafana's Prometheus plugin), it is `promql/metricsql` information that names the construct
and what was not checked. Elsewhere it stays a `promql/parse` error whose clause names the construct
in the same words — offline (it may be a VictoriaMetrics: check against it), or against a
Prometheus. A query VictoriaMetrics refuses is a `promql/parse` error everywhere, without the clause.

Every verdict is held against the real servers: each VALID query is answered by Debian's
VictoriaMetrics and refused by Debian's Prometheus, each INVALID one refused by both; every
MetricsQL function vobs names is one VictoriaMetrics knows (those added after Debian's 1.79 aside).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from prometheus_harness import PrometheusServer
from victoria_harness import VictoriaMetricsServer

from vertice_obs.checks.datasources import Backend
from vertice_obs.cli import cli
from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.interpolate import variables_from_dashboard
from vertice_obs.metrics.inventory import inventory
from vertice_obs.metrics.metricsql import _FUNCTIONS, valid_metricsql

M = "maximus_dopamine_level"
VALID = [  # (query, what the message names): valid MetricsQL, not PromQL
    (f"sum({M}) if ({M} > 0)", "the `if` operator"),
    (f"{M} ifnot ({M} > 1)", "the `ifnot` operator"),
    (f"sum({M}) default 0", "the `default` operator"),
    (f"WITH (x = {M}) x", "WITH templates"),
    (f"abs({M}) keep_metric_names", "`keep_metric_names`"),
    (f"sum({M}) by (environment) limit 1", "`limit N` after an aggregation"),
    (f"max_over_time({M}[10i])", "step-count ranges (`[10i]`)"),
    (f"rollup_rate({M}[5m])", "`rollup_rate()`"),
    (f"median_over_time({M}[5m])", "`median_over_time()`"),
    (f"range_avg({M})", "`range_avg()`"),
    (f"label_set({M}, \"team\", \"core\")", "`label_set()`"),
    # trial 19: VictoriaMetrics' dashboards folder
    (f'topk_last(5, sum(rate({M}[5m])) by (environment), "environment=other")', "`topk_last()`"),
    (f"topk_max(3, {M}) by (environment)", "`topk_max()`"),
    (f"median({M}) by (environment)", "`median()`"),
    (f'aggr_over_time(("min_over_time", "max_over_time"), {M}[5m])', "`aggr_over_time()`"),
    (f'alias({M}, "x")', "`alias()`"),  # one of MetricsQL's built-in templates
    # MetricsQL's leniencies (trial 8: PMM; trial 17 and 19: VictoriaMetrics' own dashboards)
    (f"rate({M})", "`rate()` without a window (the lookbehind window left implicit)"),
    (f'irate({M}{{environment="dev"}})', "`irate()` without a window"),
    (f"max(increase({M})) by (environment) > 0", "`increase()` without a window"),
    (f"sum(increase({M})[1m]) by (environment) > 0", "`increase()` without a window"),
    (f"sum({M}, {M})", "an aggregate over several arguments (`sum(a, b)`)"),
    (f"avg({M}, {M}, {M}) by (environment)", "an aggregate over several arguments"),
    (f"{M}[1m] * 0 + 1", "a range vector where an instant vector is expected"),
    (f"sum({M}[5m])", "a range vector where an instant vector is expected"),
    (f"rate({M}[5m]) + {M}[1m]", "a range vector where an instant vector is expected"),
    (f"max_over_time(rate({M}[5m])[1h])", "a range after an expression"),
    (f"(sum by (environment) ({M})) offset 5m", "`offset` after an expression"),
    (f"({M} + 1) offset 5m", "`offset` after an expression"),
    (f"sum({M}) @ end()", "`@` after an expression"),
    (f"count({M} < 1) or 0", "`or` with a number (`x or 0`)"),
    (f"(sum(rate({M}[5m])) or 0) + (sum({M}) or 0)", "`or` with a number"),
    (f"sum({M}) default sum(rate({M}[5m])) by (environment)", "the `default` operator"),
    (f"holt_winters({M}, 0.5, 0.5)", "`holt_winters()` without a window"),  # PromQL 2's function, MetricsQL's leniency
    (f"rate({M}[5m],)", "a trailing comma after a call's arguments"),  # Prometheus: "trailing commas not allowed"
    (f'label_replace({M}, "a", "$1", "environment", "(.*)" , )', "a trailing comma after a call's arguments"),
    (f'label_set({M}, "team", "core",)', "`label_set()`"),
    # a trial against the real VictoriaMetrics (Debian's 1.79.5): MetricsQL its users write, once false errors
    (f'histogram_quantile(0.9, sum(rate({M}[5m])) by (vmrange), "bounds")', "`histogram_quantile()` with a bounds label"),
    (f"histogram_quantile(0.9, rate({M}), 'bounds')", "`rate()` without a window"),  # then the bounds label
    (f"{M} > 1Ki", "numbers with a unit suffix"),
    (f"sum({M}) by (environment) / 1.5GiB", "numbers with a unit suffix"),
    (f"{M} < 2M", "numbers with a unit suffix"),
    (f"rate({M}[1.5m])", "fractional durations"),
    (f"sum({M} offset 1.5h)", "fractional durations"),
    (f"max_over_time({M}[1h0.5m:30s])", "fractional durations"),
    (f"max_over_time({M}[1.5i])", "step-count ranges"),
    (f'({M}, {M}{{environment="dev"}})', "`(a, b)`: the union of several queries"),
    (f"sum(({M}, {M} * 2)) + 1", "`(a, b)`: the union of several queries"),
    # a second trial against Debian's VictoriaMetrics 1.79.5: answered there, a promql/parse error here
    (f"vector({M})", "`vector()` of a query (`vector(up)`), not only of a number"),
    (f"vector(sum(rate({M}[5m])) by (environment)) > 0", "`vector()` of a query"),
    (f"vector({M}[5m])", "`vector()` of a query"),
    (f'clamp_max({M}, "1")', "a string where a number is expected (`clamp_max(x, \"1\")`), which VictoriaMetrics "
                              "reads as NaN"),
    (f'clamp({M}, "a", 10)', "a string where a number is expected"),
    (f'round({M}, "0.1")', "a string where a number is expected"),
    (f'clamp_min(clamp_max({M}, "1"), "0")', "a string where a number is expected"),
    ('vector("1")', "a string where a number is expected"),
    (f'histogram_quantile("0.9", sum(rate({M}[5m])) by (le))', "a string where a number is expected"),
    (f'quantile_over_time("0.5", {M}[5m])', "a string where a number is expected"),
    (f'topk("2", {M})', "a string where a number is expected"),
    (f'quantile by (environment) ("0.5", {M})', "a string where a number is expected"),
    ('("a", "b")', "`(a, b)`: the union of several queries"),  # of strings: not only as aggr_over_time's argument
    ('(("a", "b"))', "`(a, b)`: the union of several queries"),
    ('sum(("a", "b")) + 1', "`(a, b)`: the union of several queries"),
]
INVALID = [  # refused by VictoriaMetrics too: broken PromQL, and MetricsQL broken elsewhere
    f"sum({M}",
    f"nosuchfn({M})",
    f'{M}{{environment="if x"}} +',
    f"sum by (default) ({M}) +",
    f"topk_last(5, sum({M})) +",  # a MetricsQL function, and a dangling operator
    f"topk_last(5, nosuchfn({M}))",  # its argument is neither
    f"rollup_nonexistent({M})",  # MetricsQL has families of names, not every name in them
    f"label_nonexistent({M})",
    f"sum({M}) default",
    f"sum({M}) default 0)",
    f"sum({M}) keep_metric_names",  # only after a function, not an aggregation
    f"({M}) keep_metric_names",
    f"topk(2, {M}, {M})",  # several arguments: only for the aggregations of one
    f"{M} offset 5m offset 1m",
    f"rate({M}) offset",
    f"{M} or 0 or",
    f"share({M}) by environment",
    f"holt_winters({M}[5m], 0.5)",  # Prometheus 2's function, one argument short
    f"double_exponential_smoothing({M}, 0.5, 0.5)",  # Prometheus 3's name for it: VictoriaMetrics knows the old one only
    f"rate({M}[5m],,)",  # one trailing comma, not two
    "rate(,)",
    f"histogram_quantile(0.9, {M}, 1)",  # the bounds label is a string
    f'histogram_quantile(0.9, {M}, "b", "c")',
    f"{M} > 1mi",  # lowercase m is minutes: no suffix of its own
    f"{M} > 1P",
    f"rate({M}[.5h])",  # a fraction needs its whole part
    f"({M}, {M}) by (environment)",
    f"vector({M}, {M})",  # vector() of a query: of one
    f"vector({M}) + vector(1, 2)",  # the first vector() a leniency, the second no MetricsQL either
    '("a", "b") by (environment)',
    f"count_values(1, {M})",  # a number where a string is wanted: no leniency
    f'label_replace({M}, 1, "b", "environment", "(.*)")',
]
# Functions VictoriaMetrics added after Debian's 1.79 (its git history): named MetricsQL all the same
NEWER = {"count_values_over_time", "day_of_year", "drop_empty_series", "histogram_fraction", "labels_equal",
         "mad_over_time", "median_over_time", "outlier_iqr_over_time", "outliers_iqr", "range_linear_regression",
         "range_mad", "range_normalize", "range_stddev", "range_stdvar", "range_trim_outliers", "range_trim_spikes",
         "range_trim_zscore", "range_zscore", "rate_prometheus", "share", "share_eq_over_time",
         "sort_by_label_numeric", "sort_by_label_numeric_desc", "sum_eq_over_time", "sum_gt_over_time",
         "sum_le_over_time"}
VM = Backend("VictoriaMetrics at http://vm:8428", metricsql=True)
PROMETHEUS = Backend("Prometheus at http://prom:9090")


@pytest.fixture(scope="module")
def servers():
    """A bare Prometheus and VictoriaMetrics: what each answers to a query's text, no data needed."""
    with PrometheusServer() as prometheus, VictoriaMetricsServer() as victoria:
        yield prometheus, victoria


@pytest.mark.parametrize(("query", "named"), VALID, ids=[q for q, _ in VALID])
def test_valid_metricsql_is_information_where_it_reaches_a_victoriametrics(query, named):
    for datasource, backend in (("victoriametrics-metrics-datasource", None), ("prometheus", VM)):
        [found] = _parse_findings(query, datasource, backend)
        assert found.check == "promql/metricsql" and found.severity.name == "INFO", found
        assert named in found.message, found.message
        assert "vobs reads PromQL only, so this query is not checked — not whether its metrics exist" in found.message
    [found] = _parse_findings(query, "prometheus", VM)
    assert "valid on VictoriaMetrics at http://vm:8428" in found.message


@pytest.mark.parametrize(("query", "named"), VALID, ids=[q for q, _ in VALID])
def test_valid_metricsql_is_an_error_elsewhere_naming_it_in_the_same_words(query, named):
    """Offline on a Prometheus-type datasource (it may be either), and against a Prometheus: every
    construct named, the leniencies too (trial 19: only some carried the hint) — no advice to
    switch promql/parse off, which would hide the real parse errors as well."""
    [offline] = _parse_findings(query, "prometheus", None)
    [against] = _parse_findings(query, "prometheus", PROMETHEUS)
    for found in (offline, against):
        assert found.check == "promql/parse" and found.severity.name == "ERROR", found
        assert f"; valid MetricsQL ({named}" in found.message, found.message
        assert "which VictoriaMetrics answers and Prometheus rejects" in found.message
        assert "switch promql/parse off" not in found.message
    assert "if this datasource is a VictoriaMetrics, check against it (--prometheus-url)" in offline.message
    assert "and Prometheus at http://prom:9090 is no VictoriaMetrics" in against.message


@pytest.mark.parametrize("query", INVALID)
def test_what_victoriametrics_refuses_is_an_error_everywhere_without_the_clause(query):
    for datasource, backend in (("victoriametrics-metrics-datasource", None), ("prometheus", VM),
                                ("prometheus", None), ("prometheus", PROMETHEUS)):
        [found] = _parse_findings(query, datasource, backend)
        assert found.check == "promql/parse" and "MetricsQL" not in found.message, found


def test_the_verdicts_are_the_real_servers(servers):
    prometheus, victoria = servers
    for query, _ in VALID:
        assert _status(victoria.url, query) == 200, f"VictoriaMetrics refused {query}"
        assert _status(prometheus.url, query) == 400, f"Prometheus accepted {query}"
    for query in INVALID:
        assert _status(victoria.url, query) == 422, f"VictoriaMetrics accepted {query}"
        assert _status(prometheus.url, query) == 400, f"Prometheus accepted {query}"


def test_a_string_where_a_number_is_expected_is_nan_to_victoriametrics_as_the_message_says(servers):
    """`clamp_max(x, "1")` is answered, yet clamps nothing: every string there is NaN, whatever it holds."""
    _, victoria = servers
    assert _values(victoria.url, 'clamp_max(vector(5), "1")') == _values(victoria.url, "clamp_max(vector(5), NaN)") == ["5"]
    assert _values(victoria.url, "clamp_max(vector(5), 1)") == ["1"]
    assert _values(victoria.url, 'vector("1")') == [] and _values(victoria.url, "vector(1)") == ["1"]
    assert _values(victoria.url, 'topk("1", vector(5))') == [] and _values(victoria.url, "topk(1, vector(5))") == ["5"]


def _values(url: str, query: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query}), timeout=10) as answer:
        return [series["value"][1] for series in json.load(answer)["data"]["result"]]


def test_every_function_named_metricsql_is_one_victoriametrics_knows(servers):
    prometheus, victoria = servers
    unknown = {name for name in _FUNCTIONS if "unknown func" in _error(victoria.url, f"{name}({M})")}
    assert not unknown - NEWER, f"VictoriaMetrics knows no {sorted(unknown - NEWER)}"
    known = {name for name in _FUNCTIONS if "unknown function" not in _error(prometheus.url, f"{name}({M})")}
    assert not known, f"PromQL functions, not MetricsQL: {sorted(known)}"


# Every function the MetricsQL reference names (docs.victoriametrics.com/metricsql/: rollup, transform,
# label manipulation and aggregate functions), PromQL's among them
REFERENCE = """
absent_over_time aggr_over_time ascent_over_time avg_over_time changes changes_prometheus count_eq_over_time
count_gt_over_time count_le_over_time count_ne_over_time count_over_time count_values_over_time decreases_over_time
default_rollup delta delta_prometheus deriv deriv_fast descent_over_time distinct_over_time duration_over_time
first_over_time geomean_over_time histogram_over_time hoeffding_bound_lower hoeffding_bound_upper holt_winters idelta
ideriv increase increase_prometheus increase_pure increases_over_time integrate irate lag last_over_time lifetime
mad_over_time max_over_time median_over_time min_over_time mode_over_time outlier_iqr_over_time predict_linear
present_over_time quantile_over_time quantiles_over_time range_over_time rate rate_over_sum resets rollup
rollup_candlestick rollup_delta rollup_deriv rollup_increase rollup_rate rollup_scrape_interval scrape_interval
share_gt_over_time share_le_over_time share_eq_over_time stale_samples_over_time stddev_over_time stdvar_over_time
sum_eq_over_time sum_gt_over_time sum_le_over_time sum_over_time sum2_over_time timestamp timestamp_with_name
tfirst_over_time tlast_change_over_time tlast_over_time tmax_over_time tmin_over_time zscore_over_time
abs absent acos acosh asin asinh atan atanh bitmap_and bitmap_or bitmap_xor buckets_limit ceil clamp clamp_max
clamp_min cos cosh day_of_month day_of_week day_of_year days_in_month deg drop_empty_series end exp floor
histogram_avg histogram_quantile histogram_quantiles histogram_share histogram_stddev histogram_stdvar hour
interpolate keep_last_value keep_next_value limit_offset ln log2 log10 minute month now pi prometheus_buckets rad
rand rand_exponential rand_normal range_avg range_first range_last range_linear_regression range_mad range_max
range_median range_min range_normalize range_quantile range_stddev range_stdvar range_sum range_trim_outliers
range_trim_spikes range_trim_zscore range_zscore remove_resets round ru running_avg running_max running_min
running_sum scalar sgn sin sinh smooth_exponential sort sort_by_label sort_by_label_desc sort_by_label_numeric
sort_by_label_numeric_desc sort_desc sqrt start step tan tanh time timezone_offset ttf union vector year
alias drop_common_labels label_copy label_del label_graphite_group label_join label_keep label_lowercase label_map
label_match label_mismatch label_move label_replace label_set label_transform label_uppercase label_value
labels_equal any avg bottomk bottomk_avg bottomk_last bottomk_max bottomk_median bottomk_min count count_values
distinct geomean group histogram limitk mad max median min mode outliers_iqr outliers_mad outliersk quantile
quantiles share stddev stdvar sum sum2 topk topk_avg topk_last topk_max topk_median topk_min zscore
""".split()


def test_no_function_the_installed_victoriametrics_knows_is_unknown_to_vobs(servers):
    """The other way round (a trial's item 3): a function Debian's VictoriaMetrics knows is never vobs'
    `unknown function` error where the query reaches a VictoriaMetrics, whatever its count."""
    _, victoria = servers
    known = [name for name in REFERENCE if "unknown func" not in _error(victoria.url, f"{name}({M})")]
    assert len(known) > 200  # 1.79.5 knows 207 of them
    unknown = [name for name in known for found in _parse_findings(f"{name}({M})", "prometheus", VM)
               if "unknown function" in found.message]
    assert not unknown, f"VictoriaMetrics knows these, vobs calls them unknown: {unknown}"


def test_the_hint_reads_the_interpolated_query_and_ignores_strings():
    assert valid_metricsql('up{job="x"} default 0', "invalid promql query")
    assert valid_metricsql('up{job="a) default 0"} +', "invalid promql query") == ""
    assert valid_metricsql("rollup_candlestick(x[5m])", "unknown function with name 'rollup_candlestick'")
    assert valid_metricsql("histogram_avg(x)", "unknown function with name 'histogram_avg'") == ""  # PromQL 3


def test_variable_and_annotation_queries_take_the_same_path():
    """VictoriaMetrics' own dashboard: the `version` annotation, `offset` after an expression (trial 17,
    trial 19 MED 4), and a variable's query — MetricsQL on a VictoriaMetrics server, as a panel's is."""
    query = f"sum by (environment) ({M}) unless (sum by (environment) ({M}) offset $__interval)"
    model = {"uid": "u", "title": "t", "annotations": {"list": [
        {"name": "version", "enable": True, "datasource": {"type": "prometheus", "uid": "$ds"}, "expr": query}]},
        "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"},
                                {"name": "env", "type": "query", "datasource": {"type": "prometheus", "uid": "$ds"},
                                 "query": f"query_result(topk_last(3, {M}))"}]}}
    queries, _ = inventory(model, "d.json")
    for backend, check in ((VM, "promql/metricsql"), (None, "promql/parse"), (PROMETHEUS, "promql/parse")):
        found = [f for q in queries for f in uses_of(q, {}, backend)[1]]
        assert [(f.location.target, f.check) for f in found] == [("variable env", check), ("annotation version", check)]


def test_a_variable_with_no_known_value_is_shown_as_the_variable_not_the_placeholder():
    """trial 19 LOW 9: `job=~"vobs_placeholder"` in a message; and the parser's "an vector selector"."""
    model = {"uid": "u", "title": "t",
             "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up, job)"},
                                     {"name": "env", "type": "custom", "query": "dev",
                                      "current": {"text": "dev", "value": "dev"}}]},
             "panels": [{"id": 1, "title": "p", "type": "timeseries", "datasource": {"type": "prometheus", "uid": "p"},
                         "targets": [{"refId": "A", "expr": f'sum({M}{{job=~"$job", environment="$env"}}) offset 5m'}]}]}
    [query] = [q for q in inventory(model, "d.json")[0] if q.kind == "panel"]
    [found] = uses_of(query, variables_from_dashboard(model))[1]
    assert "vobs_" not in found.message, found.message
    assert f'(interpolated: sum({M}{{job=~"$job", environment="dev"}}) offset 5m)' in found.message
    assert "offset modifier must follow a vector selector, a range vector selector or a subquery" in found.message


def test_validate_against_victoriametrics_says_metricsql_and_against_prometheus_an_error(servers, tmp_path):
    """The CLI end to end (trial 19: `vobs validate vm-victoriametrics.json --prometheus-url <VM>` exited
    1 on the `version` annotation): the server answers which it is before any query is read."""
    prometheus, victoria = servers
    query = f"(sum by (environment) ({M})) offset 5m"
    ds = {"type": "prometheus", "uid": "p"}
    (tmp_path / "d.json").write_text(json.dumps({"uid": "u", "title": "t", "panels": [
        {"id": 1, "title": "p", "type": "timeseries", "datasource": ds,
         "targets": [{"refId": "A", "expr": query}, {"refId": "B", "expr": f"topk_last(3, {M})"}]}],
        "annotations": {"list": [{"name": "version", "enable": True, "datasource": ds, "expr": query}]},
        "templating": {"list": [{"name": "env", "type": "query", "datasource": ds,
                                 "query": f"query_result(sum({M}) by (environment) default 0)"}]}}))
    on_vm = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", victoria.url, "--format", "json"])
    assert on_vm.exit_code == 0, on_vm.output
    found = [f for f in json.loads(on_vm.stdout)["findings"] if f["check"].startswith("promql/")]
    assert sorted((f["location"]["target"], f["check"]) for f in found) == [
        ("A", "promql/metricsql"), ("B", "promql/metricsql"), ("annotation version", "promql/metricsql"),
        ("variable env", "promql/metricsql")]
    on_prometheus = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url])
    assert on_prometheus.exit_code == 1, on_prometheus.output
    assert on_prometheus.stdout.count("[promql/parse]") == 4 and "is no VictoriaMetrics" in on_prometheus.stdout


def _parse_findings(query: str, datasource: str = "prometheus", backend: Backend | None = None):
    model = {"uid": "u", "title": "t", "panels": [{"id": 1, "title": "p", "type": "timeseries",
                                                    "datasource": {"type": datasource, "uid": "ds"},
                                                    "targets": [{"refId": "A", "expr": query}]}]}
    [q], _ = inventory(model, "d.json")
    uses, findings = uses_of(q, {}, backend)
    return [f for f in findings if f.check in ("promql/parse", "promql/metricsql")]


def _answer(url: str, query: str) -> tuple[int, str]:
    request = f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()).get("error", "")


def _status(url: str, query: str) -> int:
    return _answer(url, query)[0]


def _error(url: str, query: str) -> str:
    return _answer(url, query)[1]


def test_a_name_built_from_a_variable_with_no_known_value_is_a_pattern_not_the_placeholder():
    """trial 19 LOW 9: `{__name__="vault_route_create_${mountpoint}__count"}` with $mountpoint unknown was
    judged as the metric vault_route_create_vobs_placeholder__count — missing, in vobs' own words."""
    model = {"uid": "u", "title": "t", "templating": {"list": [
        {"name": "mountpoint", "type": "query", "query": "label_values(vault_route_create_count, mountpoint)"}]},
        "panels": [{"id": 1, "title": "p", "type": "timeseries", "datasource": {"type": "prometheus", "uid": "p"},
                    "targets": [{"refId": "A", "expr": 'sum(increase({__name__="vault_route_create_${mountpoint}__count"}'
                                                        '[5m])) + sum({__name__=~"vault_.*_${mountpoint}"})'}]}]}
    [query] = [q for q in inventory(model, "d.json")[0] if q.kind == "panel"]
    uses, findings = uses_of(query, variables_from_dashboard(model))
    assert findings == [] and [(u.metric, u.is_pattern) for u in uses] == [
        ("vault_route_create_.+__count", True), ("vault_.*_.+", True)]
    from vertice_obs.metrics.lints import lint
    from vertice_obs.metrics.validation import DashboardFile

    [job] = [f for f in lint([DashboardFile("d.json", model)]) if f.check == "promql/job-matcher"]
    assert "no job matcher on vault_route_create_…__count" in job.message and "vobs_" not in job.message


SLOW = [  # (query, its verdict, the miscounted call named): each took seconds to minutes to read (quadratic), now ms
    ("(" * 8000 + M + ")" * 8000, "", None),  # beyond vobs' nesting: not read as MetricsQL either
    ('label_join(x, "a", "b"' + ", (x)" * 8000 + ")", "", None),  # within it (40 KB): each bracket's text before it
    (f"{M} > " + "1" * 32_000 + "Kq", "", None),  # a number's suffix: `\d+\.?\d*` split a long run every way
    ("WITH (x" + " " * 60_000 + f") {M}", "WITH templates", None),  # a definition: `\s*(…)?\s*` the same
    (f"WITH (y = {M}) " + "abs(" * 4000 + "y" + ")" * 4000, "", None),  # beyond vobs' nesting: each call's count
    # the readings a second trial added: strings where a number is expected, vector() of a query, string unions,
    # templates' counts — held to a time, not to VictoriaMetrics (these are past what it is asked in a test)
    (f"clamp_max({M}, " + '"1", ' * 10_000 + '"1")', "", None),  # PromQL counts clamp_max's arguments
    ("vector(" * 120 + '"1"' + ")" * 120, "a string where a number is expected (`clamp_max(x, \"1\")`), which "
     "VictoriaMetrics reads as NaN, `vector()` of a query (`vector(up)`), not only of a number", None),
    ("(" + '"a", ' * 12_000 + '"a")', "`(a, b)`: the union of several queries, `union()`", None),
    ("WITH (f(a) = a) " + "f(" * 120 + M + ", 1" + ")" * 120, "", f"f({M}, 1)"),  # the innermost call first
    ("WITH (f(a) = a) sum(" + f"f({M}), " * 2_300 + f"f({M}, {M}))", "", f"f({M}, {M})"),
]


@pytest.mark.parametrize(("query", "verdict", "call"), SLOW, ids=[f"{q[:12]}…{len(q)}" for q, _, _ in SLOW])
def test_a_hostile_query_is_judged_in_linear_time(query, verdict, call):
    """A dashboard's query of up to 64 KiB reaches the MetricsQL reading on any parse error (also vobs'
    own: too deep, too many operators): it must not hold a lint or the CI."""
    import time

    from vertice_obs.metrics.metricsql import _error as parse_error
    from vertice_obs.metrics.metricsql import miscounted_metricsql

    error = parse_error(query)
    started = time.monotonic()
    assert error is not None and valid_metricsql(query, error) == verdict
    found = miscounted_metricsql(query, error)
    assert (found and found.call) == call
    assert time.monotonic() - started < 1.5
