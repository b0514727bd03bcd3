"""A hidden query (`"hide": true`) that no expression uses is never run by Grafana: it cannot show
No data, so nothing it selects is judged — against a real Prometheus. A hidden query a server-side
expression uses (`$A * 100`, a reduce of `A`, a classic condition on `A`) is run, and judged.

A new-user trial (trial 19) found warnings on 7 hidden targets of the public "Node Exporter Full"
dashboard, and the audit's action `node_network_up label-missing — 1 panel` came only from the
hidden target A of "Network Operational Status" (`node_network_up{operstate="up", …}`; node_exporter
gives node_network_up no `operstate` label) while its target B drew data. NETWORK is that panel,
its job and instance matchers dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.checks.walk import unrun_targets
from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
BODY = b"""# TYPE node_network_up gauge
node_network_up{device="eth0"} 1
node_network_up{device="lo"} 0
# TYPE node_network_carrier gauge
node_network_carrier{device="eth0"} 1
"""
EXPR = {"type": "__expr__", "uid": "__expr__"}
PROM = {"type": "prometheus", "uid": "prom"}

NETWORK = {"id": 1, "type": "timeseries", "title": "Network Operational Status", "datasource": PROM, "targets": [
    {"refId": "A", "expr": 'node_network_up{operstate="up"}', "hide": True},
    {"refId": "B", "expr": "node_network_carrier"}]}
MATH = {"id": 2, "type": "stat", "title": "Up percent", "datasource": {"type": "datasource", "uid": "-- Mixed --"},
        "targets": [{"refId": "A", "expr": 'node_network_up{operstate="up"}', "hide": True, "datasource": PROM},
                    {"refId": "B", "datasource": EXPR, "type": "math", "expression": "$A * 100"}]}
BROKEN = {"id": 3, "type": "timeseries", "title": "Kept for later", "datasource": PROM, "targets": [
    {"refId": "A", "expr": "node_network_carrier"},
    {"refId": "B", "expr": "sum(rate(node_network_up[5m])", "hide": True}]}
DASHBOARD = {"uid": "hidden", "title": "Hidden targets", "schemaVersion": 39, "panels": [NETWORK, MATH, BROKEN]}


# --- which targets Grafana runs ---------------------------------------------------------------------

def _t(ref: str, hide: bool = False, **more) -> dict:
    return {"refId": ref, **({"hide": True} if hide else {}), **more}


@pytest.mark.parametrize("targets, unrun", [
    ([_t("A"), _t("B", True)], {1}),
    ([_t("A", True), _t("B", True)], {0, 1}),
    ([_t("A", True), _t("B", datasource=EXPR, expression="$A * 100")], set()),  # math
    ([_t("A", True), _t("B", datasource=EXPR, expression="${A} / 2")], set()),
    ([_t("A", True), _t("B", datasource=EXPR, type="reduce", expression="A")], set()),  # reduce, resample: bare
    ([_t("A", True), _t("B", datasource=EXPR, type="sql", expression="SELECT * FROM A")], set()),
    ([_t("A", True), _t("B", datasource=EXPR, type="classic_conditions",
                        conditions=[{"query": {"params": ["A"]}}])], set()),
    ([_t("A", True), _t("B", datasource="__expr__", expression="$A")], set()),  # the legacy string reference
    # a hidden expression runs only when a visible one needs it, and then so do its inputs
    ([_t("A", True), _t("B", True, datasource=EXPR, expression="$A"), _t("C", datasource=EXPR, expression="$B + 1")],
     set()),
    ([_t("A", True), _t("B", True, datasource=EXPR, expression="$A")], {0, 1}),
    ([_t("A", True), _t("AB", True), _t("C", datasource=EXPR, expression="$AB")], {0}),  # a word, not a prefix
    ([_t("A", True), _t("B", expression="$A")], {0}),  # not an expression: `expression` means nothing there
    ([{"expr": "up", "hide": True}, _t("B", datasource=EXPR, expression="$A")], {0}),  # no refId: nothing names it
    ("junk", set()), ([1, _t("A", True)], {1}),
])
def test_the_targets_grafana_never_runs(targets, unrun):
    assert unrun_targets(targets) == unrun


def test_a_panel_datasource_of_expressions_counts_for_its_targets():
    assert unrun_targets([_t("A", True, datasource=PROM), _t("B", expression="$A")], EXPR) == set()


# --- against a real Prometheus ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    exporter = StaticExporter(BODY)
    prometheus = PrometheusServer([exporter.target], job="node")
    try:
        prometheus.start()
        prometheus.wait_for("node_network_carrier")
        yield prometheus
    finally:
        prometheus.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("hidden")
    (out / "hidden.json").write_text(json.dumps(DASHBOARD, indent=2))
    return out


def _run(command: str, server, folder: Path) -> dict:
    done = CliRunner().invoke(cli, ["-C", str(REPO), command, str(folder), "--prometheus-url", server.url,
                                    "--format", "json"])
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.stdout)


def _about(findings: list[dict], panel: str, target: str) -> list[dict]:
    return [f for f in findings if f["location"].get("panel") == panel and f["location"].get("target") == target]


def test_a_hidden_query_nothing_runs_is_not_judged(server, folder):
    findings = _run("validate", server, folder)["findings"]  # the PromQL lints read its text still: not run here
    assert [f for f in _about(findings, "Network Operational Status", "A") if f["check"].startswith("metric/")] == []
    assert [f["check"] for f in _about(findings, "Network Operational Status", "B")
            if f["check"].startswith("metric/")] == ["metric/present"]


def test_a_hidden_query_an_expression_uses_is_judged(server, folder):
    hits = _about(_run("validate", server, folder)["findings"], "Up percent", "A")
    assert {(f["check"], f["severity"]) for f in hits} >= {("metric/label-missing", "warning")}, hits


def test_a_hidden_query_that_does_not_parse_is_noted_as_info(server, folder):
    hits = _about(_run("validate", server, folder)["findings"], "Kept for later", "B")
    assert [(f["check"], f["severity"]) for f in hits] == [("promql/parse", "info")], hits
    assert hits[0]["message"].startswith("hidden query, which Grafana does not run: query does not parse")
    assert hits[0]["details"]["hidden"] is True


def test_the_audit_asks_nothing_of_a_hidden_query(server, folder):
    report = _run("audit", server, folder)
    uses = {(u["panel"], u["target"]) for m in report["metrics"] for u in m["uses"]}
    assert ("Network Operational Status", "A") not in uses and ("Up percent", "A") in uses
    assert [a["subject"] for a in report["actions"] if a["status"] == "label-missing"] == ["node_network_up"]
    assert all(a["panels"] == 1 for a in report["actions"] if a["subject"] == "node_network_up")
