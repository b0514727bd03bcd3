"""Datasource types (trial 6): the Prometheus-compatible plugins are checked as Prometheus — VictoriaMetrics
as MetricsQL — and the datasource lint looks only at Prometheus targets. Data: `tests/data/trial6/`
(SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from json_walk import line_column, value_offsets

from vertice_obs.checks.datasources import METRICSQL, PROMQL, datasource_kind, language
from vertice_obs.metrics.validation import DashboardFile, collect

DATA = Path(__file__).parent / "data" / "trial6"
COMPATIBLE = ["victoriametrics-datasource", "victoriametrics-metrics-datasource",
              "grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource"]


def collected(model: dict, text: str | None = None):
    text = text if text is not None else json.dumps(model, indent=2)
    return collect([DashboardFile("d.json", model, text)]), text


def test_every_prometheus_compatible_panel_of_the_users_file_is_checked_at_its_line():
    text = (DATA / "dstypes.json").read_text()
    model = json.loads(text)
    done, _ = collected(model, text)
    parse = {f.location.panel: f for f in done.findings if f.check == "promql/parse"}
    skipped = {f.location.panel for f in done.findings if f.check == "inventory/datasource-skipped"}
    assert set(COMPATIBLE) <= set(parse) and "prometheus" in parse
    assert skipped == {"loki", "grafana-postgresql-datasource"}
    offsets = value_offsets(text)
    for index, panel in enumerate(model["panels"]):
        if panel["title"] in parse:
            at = line_column(text, offsets[("panels", index, "targets", 0, "expr")])
            assert (parse[panel["title"]].location.line, parse[panel["title"]].location.column) == at
    assert done.queries == 7


def _panel(ds: object, expr: str, pid: int = 1) -> dict:
    return {"id": pid, "type": "timeseries", "title": f"p{pid}", "datasource": ds,
            "targets": [{"refId": "A", "expr": expr}]}


@pytest.mark.parametrize("kind", ["victoriametrics-metrics-datasource", "victoriametrics-datasource"])
def test_metricsql_on_victoriametrics_is_named_not_an_error(kind):
    query = "sum(rate(x_total[5m])) default 0"
    model = {"uid": "vm", "panels": [_panel({"type": kind, "uid": "vm"}, query, 1),
                                     _panel({"type": "prometheus", "uid": "p"}, query, 2)]}
    done, _ = collected(model)
    by_panel = {f.location.panel: f for f in done.findings if f.check.startswith("promql/")
                and f.check in ("promql/parse", "promql/metricsql")}
    assert by_panel["p1"].check == "promql/metricsql" and by_panel["p1"].severity.name == "INFO"
    assert "the `default` operator" in by_panel["p1"].message and "not checked" in by_panel["p1"].message
    assert by_panel["p2"].check == "promql/parse" and by_panel["p2"].severity.name == "ERROR"  # may be a Prometheus


def test_on_victoriametrics_plain_promql_is_checked_and_broken_metricsql_is_an_error():
    variables = {"list": [{"type": "datasource", "name": "vm", "query": "victoriametrics-metrics-datasource"}]}
    model = {"uid": "vm", "templating": variables, "panels": [
        _panel("${vm}", "sum(rate(vm_requests_total[5m]))", 1),
        _panel("${vm}", "sum(rate(vm_requests_total[5m]) default 0", 2)]}
    done, _ = collected(model)
    assert [u.metric for u in done.uses] == ["vm_requests_total"]
    [broken] = [f for f in done.findings if f.check in ("promql/parse", "promql/metricsql")]
    assert broken.check == "promql/parse" and broken.location.panel == "p2"


def test_one_classification_of_datasource_types():
    assert {language(k) for k in COMPATIBLE[:2]} == {METRICSQL}
    assert {language(k) for k in COMPATIBLE[2:] + ["prometheus"]} == {PROMQL}
    assert language("loki") is None and language("mixed") is None
    assert datasource_kind({"type": "grafana-amazonprometheus-datasource", "uid": "x"}, {}) \
        == "grafana-amazonprometheus-datasource"
    assert datasource_kind("$ds", {"ds": "grafana-azureprometheus-datasource"}) == "grafana-azureprometheus-datasource"
    assert datasource_kind("VictoriaMetrics prod", {}) == "victoriametrics-datasource"  # a legacy name
    assert datasource_kind("My Prometheus", {}) == "prometheus" and datasource_kind(None, {}) == "prometheus"


def test_only_balanced_metricsql_is_taken_as_valid():
    from vertice_obs.metrics.metricsql import valid_metricsql

    assert valid_metricsql('sum(x{a="(") default 0', "invalid promql query") == ""  # a quote left open
    assert valid_metricsql('sum(x{a="("}) default 0', "invalid promql query") == "the `default` operator"
    assert valid_metricsql("rollup_rate(x[5m])", "unknown function with name 'rollup_rate'") == "`rollup_rate()`"
    assert valid_metricsql("rollup_rate(x[5m]", "unknown function with name 'rollup_rate'") == ""


def test_the_datasource_lint_of_the_users_mixed_panel_looks_at_its_prometheus_target():
    """types.json's 'mixed' panel: a Loki target on uid 'l' and a Prometheus one on uid 'p'. The advice
    was "uses the fixed datasource 'l' … use ${datasource}" — a Loki uid, and a variable that is not there."""
    from vertice_obs.metrics.lints import lint

    text = (DATA / "types.json").read_text()
    model = json.loads(text)
    found = {f.location.panel: f for f in lint([DashboardFile("types.json", model, text)])
             if f.check == "datasource/not-variable"}
    assert "datasource str Loki" not in found  # a Loki panel: not this lint's business
    mixed = found["mixed"]
    assert dict(mixed.details)["json_path"] == "/panels/6/targets/1/datasource"
    assert mixed.message.startswith("uses the fixed datasource 'p', not a datasource variable")
    assert mixed.message.endswith("add a datasource variable of type prometheus (e.g. ${datasource}) and use it")


@pytest.mark.parametrize("ds, said", [
    ({"type": "datasource", "uid": "grafana"}, "Grafana's built-in datasource 'grafana'"),  # Grafana 8+'s own
    ({"type": "grafana", "uid": "-- Grafana --"}, "Grafana's built-in datasource '-- Grafana --'"),
    ({"type": "datasource", "uid": "-- Dashboard --"}, "Grafana's built-in datasource '-- Dashboard --'"),
    ({"type": "grafana-bigquery-datasource", "uid": "bq"}, "datasource 'bq' of type grafana-bigquery-datasource"),
    ({"type": "loki"}, "a datasource of type loki"),
    ("Loki-prod", "datasource 'Loki-prod' of type loki"),
    ({"type": "__expr__", "uid": "__expr__"}, "a server-side expression"),
])
def test_a_skipped_datasource_is_named_without_a_doubled_word(ds, said):
    """A panel on Grafana's own datasource was "not a Prometheus query (datasource datasource
    'grafana')" (a new user's trial), and a plugin whose id ends in -datasource doubled it too."""
    done, _ = collected({"uid": "g", "panels": [_panel(ds, "x")]})
    (skipped,) = [f for f in done.findings if f.check == "inventory/datasource-skipped"]
    assert skipped.message == f"not a Prometheus query ({said}): not checked"
    assert datasource_kind(ds, {}) != "datasource"
