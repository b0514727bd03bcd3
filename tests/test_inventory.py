"""Query inventory over any dashboard JSON: every place a query can hide, and datasources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertice_obs.metrics.inventory import inventory

LEGACY = Path(__file__).parent / "data" / "legacy-dashboard.json"


def ts(title, pid, *exprs, ds=None, target_ds=None):
    panel = {"type": "timeseries", "title": title, "id": pid,
             "targets": [{"refId": chr(65 + i), "expr": e, **({"datasource": target_ds} if target_ds else {})}
                         for i, e in enumerate(exprs)]}
    if ds is not None:
        panel["datasource"] = ds
    return panel


MODEL = {
    "uid": "inv",
    "templating": {"list": [
        {"type": "datasource", "name": "datasource", "query": "prometheus"},
        {"type": "datasource", "name": "logs", "query": "loki"},
        {"type": "query", "name": "env", "query": "label_values(up, environment)",
         "datasource": {"type": "prometheus", "uid": "${datasource}"}},
        {"type": "query", "name": "job", "query": {"query": "query_result(count by (job) (up))", "refId": "x"}},
        {"type": "query", "name": "stream", "query": "{app=\"x\"}", "datasource": "$logs"},
        {"type": "custom", "name": "c", "query": "a,b"},
    ]},
    "annotations": {"list": [
        {"name": "Deploys", "expr": "changes(deploy_total[5m]) > 0", "datasource": {"type": "prometheus"}},
        {"name": "Annotations & Alerts", "datasource": {"type": "grafana", "uid": "-- Grafana --"}},
    ]},
    "panels": [
        ts("Top", 1, "top_metric", ds={"type": "prometheus", "uid": "${datasource}"}),
        {"type": "row", "title": "Open", "id": 2, "collapsed": False, "panels": []},
        ts("Under open row", 3, "open_metric"),
        {"type": "row", "title": "Closed", "id": 4, "collapsed": True, "panels": [
            ts("Inside collapsed row", 5, "collapsed_metric"),
        ]},
        ts("Logs", 6, '{app="maximus"}', ds={"type": "loki", "uid": "loki-1"}),
        ts("Math", 7, "$A * 2", ds={"type": "__expr__", "uid": "__expr__"}),
        ts("Shared", 8, "", ds={"type": "datasource", "uid": "-- Dashboard --"}),
        {"type": "timeseries", "title": "Mixed", "id": 9, "datasource": {"type": "datasource", "uid": "-- Mixed --"},
         "targets": [{"refId": "A", "expr": "mixed_prom", "datasource": {"type": "prometheus", "uid": "p"}},
                     {"refId": "B", "expr": "{job=\"x\"}", "datasource": {"type": "loki", "uid": "l"}}]},
        {"type": "timeseries", "title": "Library", "id": 10, "libraryPanel": {"uid": "lib1", "name": "Shared latency"}},
        ts("Legacy name", 11, "legacy_named", ds="Prometheus"),
        ts("Via logs variable", 12, '{app="y"}', ds="$logs"),
        ts("Text", 13),
    ],
}


@pytest.fixture(scope="module")
def found():
    return inventory(MODEL, "inv.json")


def test_every_prometheus_query_is_found_with_its_location(found):
    queries, _ = found
    got = {(q.location.panel, q.location.target, q.expr) for q in queries}
    assert got == {
        ("Top", "A", "top_metric"),
        ("Under open row", "A", "open_metric"),
        ("Inside collapsed row", "A", "collapsed_metric"),
        ("Mixed", "A", "mixed_prom"),
        ("Legacy name", "A", "legacy_named"),
        (None, "variable env", "label_values(up, environment)"),
        (None, "variable job", "query_result(count by (job) (up))"),
        (None, "annotation Deploys", "changes(deploy_total[5m]) > 0"),
    }
    top = next(q for q in queries if q.expr == "top_metric")
    assert str(top.location) == "inv.json → dashboard inv → panel 'Top' (#1) → target A"


def test_other_datasources_are_info_findings_never_silent(found):
    _, findings = found
    skipped = {(f.location.panel, f.location.target) for f in findings if f.check == "inventory/datasource-skipped"}
    assert skipped == {("Logs", "A"), ("Math", "A"), ("Shared", "A"), ("Mixed", "B"), ("Via logs variable", "A"),
                       (None, "variable stream"), (None, "annotation Annotations & Alerts")}
    shared = next(f for f in findings if f.location.panel == "Shared")
    assert "(Grafana's built-in datasource '-- Dashboard --')" in shared.message
    math = next(f for f in findings if f.location.panel == "Math")
    assert "(a server-side expression)" in math.message
    assert all(str(f.severity) == "info" for f in findings)


def test_library_panel_is_reported_not_inspectable(found):
    _, findings = found
    [library] = [f for f in findings if f.check == "inventory/library-panel"]
    assert library.location.panel == "Library"
    assert "library panel 'Shared latency'" in library.message and "not inspected" in library.message


def test_legacy_rows_dashboard():
    model = json.loads(LEGACY.read_text())
    queries, _ = inventory(model, "legacy.json")
    assert [(q.location.panel, q.expr) for q in queries] == [
        ("Request rate", 'sum(rate(http_requests_total{job="api"}[5m]))'),
        ("Errors", 'sum(rate(http_requests_total{job="api", code=~"5.."}[5m]))'),
        ("Latency", "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"),
    ]


def test_a_query_without_ref_id_is_named_by_its_place_in_the_panel():
    """Grafana saves targets without a refId from some provisioning tools; a finding must still say
    which query it means (it printed `target ?` for every one of them). The same name is used by
    the inventory and by the variable checks."""
    from vertice_obs.checks.variables import undefined

    model = {"uid": "u", "panels": [{"id": 1, "title": "CPU", "type": "timeseries", "targets": [
        {"refId": "A", "expr": "up"}, {"expr": "up{job=\"$nope\"}"}, {"refId": "", "expr": "up"}]}]}
    queries, _ = inventory(model, "d.json")
    assert [q.location.target for q in queries] == ["A", "#2", "#3"]
    assert "→ target #2" in str(queries[1].location)
    [(_, where, details)] = undefined(model, "d.json")
    assert where.target == "#2" and details["variable"] == "nope"


@pytest.mark.parametrize("templating", [
    None, [], {"list": "x"}, {"list": [1, None, {}]},
    {"list": [{"name": "a", "type": "query", "query": {"query": 3}, "current": [], "options": {}, "allValue": 1},
              {"name": 5, "type": None, "datasource": "", "current": {"value": "x"}, "query": "up"}]},
])
def test_sanitized_variables_are_the_sanitized_dashboards_variables(templating):
    from vertice_obs.metrics.inventory import sanitize, sanitized_variables

    for model in ({"templating": templating, "panels": [1]}, MODEL, json.loads(LEGACY.read_text())):
        assert sanitized_variables(model) == sanitize(model)[0]["templating"]["list"]


def test_validation_cleans_each_dashboard_once(tmp_path, monkeypatch):
    """Reading the queries cleans a dashboard's wrongly typed parts once, for the inventory and for the
    variables alike (it was done twice: ~0.5 s of a 1,000-dashboard run); the model is the same."""
    from vertice_obs.metrics import inventory as module
    from vertice_obs.metrics.inventory import inventory_and_model, sanitize
    from vertice_obs.metrics.validation import collect, load_dashboard_files

    model = {"uid": "u", "title": "T", "panels": [ts("A", 1, "rate(x_total[5m])"), "not a panel"],
             "templating": {"list": [{"name": "env", "type": "custom", "query": "a,b"}, 7]}}
    assert inventory_and_model(model)[2] == sanitize(model)[0]
    for i in range(3):
        (tmp_path / f"d{i}.json").write_text(json.dumps({**model, "uid": f"u{i}"}))
    calls = []
    real = module._sanitize
    monkeypatch.setattr(module, "_sanitize", lambda *a: calls.append(1) or real(*a))
    collect(load_dashboard_files([tmp_path]))
    assert len(calls) == 3
