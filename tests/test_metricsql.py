"""A query that does not parse as PromQL because it is MetricsQL says so (`metricsql_hint`).

The claim in each message — "MetricsQL, which Prometheus rejects" — is held against both real
backends: every MetricsQL case is answered by Debian's VictoriaMetrics and refused by Debian's
Prometheus. PromQL errors that are not MetricsQL get no such clause (no false lead).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.inventory import inventory
from vertice_obs.metrics.metricsql import metricsql_hint

M = "maximus_dopamine_level"
METRICSQL = [  # (query, what the message names)
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
]
# MetricsQL's leniencies: valid on a VictoriaMetrics datasource (trial 8: PMM's dashboards), but on a
# Prometheus one more likely a slip than MetricsQL, so named only where the datasource is VictoriaMetrics.
LENIENT = [
    (f"rate({M})", "`rate()` without a window (the lookbehind window left implicit)"),
    (f'irate({M}{{environment="dev"}})', "`irate()` without a window"),
    (f"sum({M}, {M})", "an aggregate over several arguments (`sum(a, b)`)"),
    (f"avg({M}, {M}, {M}) by (environment)", "an aggregate over several arguments"),
    (f"{M}[1m] * 0 + 1", "a range vector in arithmetic"),
    # `offset` and `@` after any expression (trial 17: VictoriaMetrics' own dashboard, an annotation)
    (f"(sum by (environment) ({M})) offset 5m", "`offset` after an expression"),
    (f"({M} + 1) offset 5m", "`offset` after an expression"),
    (f"sum({M}) @ end()", "`@` after an expression"),
]
NOT_METRICSQL = [  # broken PromQL, and MetricsQL words where they are no operator
    f"sum({M}",
    f"nosuchfn({M})",
    f'{M}{{environment="if x"}} +',
    f"sum by (default) ({M}) +",
    f"rate({M})",
]


@pytest.mark.parametrize(("query", "named"), METRICSQL, ids=[q for q, _ in METRICSQL])
def test_a_metricsql_query_is_named_as_such(query, named):
    [finding] = _parse_findings(query)
    assert f"; {named}: MetricsQL (VictoriaMetrics) syntax, which Prometheus rejects" in finding.message
    assert "switch promql/parse off for these dashboards in .vobs-lint.yaml" in finding.message
    assert finding.severity.name == "ERROR"  # a Prometheus-type datasource may be a Prometheus


@pytest.mark.parametrize("query", NOT_METRICSQL)
def test_broken_promql_gets_no_metricsql_clause(query):
    [finding] = _parse_findings(query)
    assert "MetricsQL" not in finding.message, finding.message


def test_the_hint_reads_the_interpolated_query_and_ignores_strings():
    assert metricsql_hint('up{job="x"} default 0', "invalid promql query")
    assert metricsql_hint('up{job="a) default 0"} +', "invalid promql query") == ""
    assert metricsql_hint("x", "unknown function with name 'rollup_candlestick'")
    assert metricsql_hint("x", "unknown function with name 'histogram_avg'") == ""  # PromQL 3, not MetricsQL


@pytest.mark.parametrize(("query", "named"), LENIENT, ids=[q for q, _ in LENIENT])
def test_a_leniency_is_metricsql_on_victoriametrics_and_a_plain_error_on_prometheus(query, named):
    [finding] = _parse_findings(query, "victoriametrics-metrics-datasource")
    assert finding.check == "promql/metricsql" and named in finding.message, finding
    [finding] = _parse_findings(query)
    assert finding.check == "promql/parse" and "MetricsQL" not in finding.message, finding


def test_victoria_metrics_answers_every_case_and_prometheus_refuses_it(prometheus, victoria):
    for query, _ in METRICSQL + LENIENT:
        assert _status(victoria.url, query) == 200, f"VictoriaMetrics refused {query}"
        assert _status(prometheus.url, query) == 400, f"Prometheus accepted {query}"


def _parse_findings(query: str, datasource: str = "prometheus"):
    model = {"uid": "u", "title": "t", "panels": [{"id": 1, "title": "p", "type": "timeseries",
                                                    "datasource": {"type": datasource, "uid": "ds"},
                                                    "targets": [{"refId": "A", "expr": query}]}]}
    [q], _ = inventory(model, "d.json")
    uses, findings = uses_of(q, {})
    return [f for f in findings if f.check in ("promql/parse", "promql/metricsql")]


def _status(url: str, query: str) -> int:
    request = f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["status"] == "success" and response.status
    except urllib.error.HTTPError as exc:
        return exc.code
