"""Trial 23 on the real Prometheus: the audit tells a panel it empties from one that still draws
(M2); one `variable/option-no-data` for a label no option can mend, not one per option (L1); an
Include-All dropdown that lists nothing and empties no panel is information whatever check says it (L2)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.finding import Severity
from vertice_obs.metrics.audit import audit_html, audit_text, build_audit, to_dict
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate

BODY = b"""# TYPE shop_up gauge
shop_up{svc="web"} 1
shop_up{svc="db"} 1
"""
SCHEMA = Path(__file__).parent.parent / "vertice_obs/schemas/output/audit.schema.json"
DS = {"type": "prometheus", "uid": "p"}


def panel(pid: int, title: str, *exprs: str) -> dict:
    return {"id": pid, "type": "timeseries", "title": title, "datasource": DS,
            "targets": [{"refId": chr(ord("A") + i), "expr": e} for i, e in enumerate(exprs)]}


DASHBOARDS = {
    "partial": {"panels": [panel(1, "Buffers", "shop_up", "rate(shop_gone_a_total[5m])", "rate(shop_gone_b_total[5m])"),
                           panel(2, "Gone", "rate(shop_gone_a_total[5m])")]},
    "options": {"templating": {"list": [{"name": "server", "type": "custom", "query": "a,b,c",
                                         "current": {"text": "a", "value": "a"},
                                         "options": [{"text": v, "value": v} for v in "abc"]}]},
                "panels": [panel(1, "Up", 'shop_up{server="$server"}'), panel(2, "Up too", 'shop_up{server="$server"}')]},
    "many": {"templating": {"list": [{"name": "server", "type": "custom", "query": ",".join(f"s{i}" for i in range(200)),
                                      "current": {"text": "s0", "value": "s0"}}]},
             "panels": [panel(1, "Up", 'shop_up{server="$server"}')]},
    "allvalue": {"templating": {"list": [{"name": "db", "type": "query", "refresh": 2, "datasource": DS,
                                          "query": {"query": 'label_values(shop_up{svc="nothing"}, svc)', "refId": "V"},
                                          "includeAll": True, "allValue": ".+", "current": {}}]},
                 "panels": [panel(1, "Up", 'shop_up{svc=~"$db"}')]},
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial")
    for uid, model in DASHBOARDS.items():
        (folder / f"{uid}.json").write_text(json.dumps({"uid": uid, "title": uid, **model}, indent=2))
    exporter = StaticExporter(BODY)
    server = PrometheusServer([exporter.target], job="shop")
    try:
        server.start()
        server.wait_for('shop_up{svc="db"}')  # a condition with a deadline, no sleep
        yield validate(collect(load_dashboard_files([folder])), PrometheusSource(server.url), None,
                       timedelta(days=1)).findings
    finally:
        server.stop()
        exporter.stop()


def of(findings, uid):
    return [f for f in findings if f.location.dashboard == uid]


def test_the_audit_counts_the_panels_an_action_empties_apart_from_those_that_still_draw(findings):
    audit = build_audit(of(findings, "partial"), {}, None, "Prometheus")
    actions = {a.subject: a for a in audit.actions}
    a, b = actions["shop_gone_a_total"], actions["shop_gone_b_total"]
    assert (a.impact.panels, a.impact.emptied, a.impact.drawing) == (2, 1, 1)
    assert (b.impact.panels, b.impact.emptied, b.impact.drawing) == (1, 0, 1)
    assert a.rank < b.rank  # the one that empties a panel first
    text = audit_text(audit)
    assert "shop_gone_a_total missing — empties 1 panel; 1 more panel loses a query but still draws" in text, text
    assert "shop_gone_b_total missing — empties no panel; 1 panel loses a query but still draws" in text, text
    assert "'Buffers' (B) — still draws from its other queries" in text, text
    assert "empties 1 panel; 1 more panel" in audit_text(audit, markdown=True)
    assert "still draws from its other queries" in audit_html(audit)
    data = to_dict(audit)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    [ja] = [x for x in data["actions"] if x["subject"] == "shop_gone_a_total"]
    assert (ja["panels"], ja["panels_emptied"], ja["panels_still_drawing"]) == (2, 1, 1)
    [m] = [x for x in data["metrics"] if x["metric"] == "shop_gone_a_total"]
    assert {u["panel"]: u["panel_still_draws"] for u in m["uses"]} == {"Buffers": True, "Gone": False}


def test_options_that_fail_for_one_label_no_series_carries_are_one_finding(findings):
    said = [f for f in of(findings, "options") if f.check == "variable/option-no-data"]
    assert len(said) == 1, [f.message for f in said]
    [f] = said
    assert dict(f.details)["options"] == ["b", "c"] and dict(f.details)["label"] == "server"
    assert f.message.startswith("no option of $server draws on 2 panels"), f.message
    assert "carries the label 'server'" in f.message, f.message


def test_the_options_named_in_that_one_finding_are_bounded(findings):
    """Review: the finding listed every option — 200 options, 200 names in one message. The first 8, by
    the one listing; every option stays in its details."""
    [f] = [f for f in of(findings, "many") if f.check == "variable/option-no-data"]
    assert "(199 options: 's1', 's10', 's100'" in f.message and "and 191 more)" in f.message, f.message
    assert len(f.message) < 500 and len(dict(f.details)["options"]) == 199


def test_an_include_all_dropdown_that_empties_nothing_is_information_whatever_check_says_it(findings):
    at_variable = [f for f in of(findings, "allvalue") if f.location.target == "variable db"]
    assert at_variable and all(f.severity == Severity.INFO for f in at_variable), [(f.check, f.severity, f.message)
                                                                                   for f in at_variable]
    audit = build_audit(of(findings, "allvalue"), {}, None, "Prometheus")
    assert not audit.actions, [a.subject for a in audit.actions]
