"""A dropdown whose own query selects nothing empties the panels filtering by it: validate names
them, and the audit ranks the dropdown's metric by them — against a real Prometheus.

Trial 14 (nautobot-capacity-metrics): `label_values(<missing metric>, namespace)` filled
`$namespace`, which 10 panels filter by; the audit counted the metric's own uses only (one
variable, no panel) and ranked it 17th. And an empty dropdown whose metric is there but lacks the
label it lists (`variable/label-missing`, Redis exporter 0.3x's `label_values(redis_up, addr)`) was
no "What to do" action at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.cli import cli
from vertice_obs.finding import Location
from vertice_obs.metrics.fills import filled_panels, names_used, uses_variable
from vertice_obs.metrics.inventory import Query

REPO = Path(__file__).resolve().parent.parent
BODY = b"""# TYPE app_requests_total counter
app_requests_total{namespace="shop",pod="web-1",handler="/"} 5
app_requests_total{namespace="shop",pod="web-2",handler="/cart"} 3
# TYPE app_up gauge
app_up{namespace="shop"} 1
"""


def _panel(pid: int, title: str, expr: str) -> dict:
    return {"id": pid, "type": "timeseries", "title": title, "datasource": {"type": "prometheus", "uid": "${ds}"},
            "targets": [{"refId": "A", "expr": expr}]}


def _query_variable(name: str, query: str, value: str) -> dict:
    return {"name": name, "type": "query", "datasource": {"type": "prometheus", "uid": "${ds}"},
            "query": {"query": query, "refId": "A"}, "current": {"text": value, "value": value}}


DASHBOARD = {
    "uid": "fills", "title": "Fills", "schemaVersion": 39,
    "templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus"},
        _query_variable("ns", "label_values(vobs_inventory_info, namespace)", "shop"),  # a metric no one serves
        _query_variable("pod", 'label_values(app_requests_total{namespace="$ns"}, pod)', "web-1"),  # chained below $ns
        _query_variable("nsx", "label_values(app_up, namespace)", "shop"),  # sound; `$nsx` is not `$ns`
        _query_variable("zone", "label_values(app_up, zone)", "eu"),  # app_up carries no zone: empty dropdown
    ]},
    "panels": [
        _panel(1, "Requests", 'sum(rate(app_requests_total{namespace="$ns"}[$__rate_interval]))'),
        _panel(2, "Per handler", 'sum by (handler) (rate(app_requests_total{namespace=~"${ns:regex}"}[5m]))'),
        _panel(3, "Per pod", 'sum(rate(app_requests_total{pod="$pod"}[$__rate_interval]))'),
        _panel(4, "Up by nsx", 'app_up{namespace="$nsx"}'),
        _panel(5, "Up by zone", 'app_up{zone=~"[[zone]]"}'),
        _panel(6, "Backlog", "queue_backlog_items"),  # missing too, on one panel of its own
    ],
}


@pytest.fixture(scope="module")
def server():
    exporter = StaticExporter(BODY)
    prometheus = PrometheusServer([exporter.target], job="app")
    try:
        prometheus.start()
        prometheus.wait_for('app_up{namespace="shop"}')
        yield prometheus
    finally:
        prometheus.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fills")
    (out / "fills.json").write_text(json.dumps(DASHBOARD, indent=2))
    return out


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(REPO), *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_validate_names_the_panels_an_empty_dropdown_fills(server, folder):
    findings = json.loads(run("validate", str(folder), "--prometheus-url", server.url, "--format", "json"))["findings"]
    [ns] = [f for f in findings if f["check"] == "metric/missing" and f["location"].get("target") == "variable ns"]
    assert ns["message"].endswith("; so $ns lists nothing, and 3 panels ('Requests', 'Per handler', 'Per pod') use it")
    assert [(p["panel"], p["panel_id"], p["target"]) for p in ns["details"]["fills"]] == [
        ("Requests", 1, "A"), ("Per handler", 2, "A"), ("Per pod", 3, "A")]  # $pod's panel through $pod; not $nsx's
    [zone] = [f for f in findings if f["check"] == "variable/label-missing"]
    # `zone=~""` selects app_up's series, none of which carries zone: the panel draws (trial 19), and
    # a reader still sees a dropdown with nothing in it (no All, not hidden): a warning, naming no panel
    assert zone["message"].endswith("its dropdown stays empty (the labels of app_up: instance, job, namespace); "
                                    "1 panel ('Up by zone') uses $zone and still gets data: with nothing listed, "
                                    'Grafana writes it as ""')
    assert zone["severity"] == "warning" and "fills" not in zone["details"]
    # a variable whose query selects something fills nothing worth saying
    assert not [f for f in findings if f["location"].get("target") in ("variable nsx", "variable pod")
                and "fills" in f.get("details", {})]


def test_the_audit_ranks_a_dropdowns_metric_by_the_panels_it_fills(server, folder):
    report = json.loads(run("audit", str(folder), "--prometheus-url", server.url, "--format", "json"))
    first, *rest = report["actions"]
    assert (first["subject"], first["status"], first["panels"]) == ("vobs_inventory_info", "missing", 3)
    backlog = next(a for a in rest if a["subject"] == "queue_backlog_items")
    assert backlog["panels"] == 1 and backlog["rank"] > first["rank"]
    # the empty dropdown of a metric that is there is an action of that metric; its panel is not counted:
    # Grafana 11.3+ re-runs $zone's query (no `refresh` saved is no "never"), so the saved "eu" is not
    # what the panel gets, and the `zone=~""` of an empty dropdown still draws it
    zone = next(a for a in rest if a["subject"] == "app_up")
    assert (zone["status"], zone["panels"], zone["variables_or_annotations"]) == ("label-missing", 0, 1)
    [up] = [m for m in report["metrics"] if m["metric"] == "app_up"]
    assert not [u for u in up["uses"] if u["via"]]
    [entry] = [m for m in report["metrics"] if m["metric"] == "vobs_inventory_info"]
    text = (folder / "fills.json").read_text()
    lines = text.splitlines()
    via = [(u["panel"], u["target"], u["via"]) for u in entry["uses"] if u["via"]]
    assert via == [("Requests", "A", "ns"), ("Per handler", "A", "ns"), ("Per pod", "A", "ns")]
    for use in entry["uses"]:  # each panel at its query's line, the variable at its own
        assert '"expr"' in lines[use["line"] - 1] or '"query"' in lines[use["line"] - 1], use


def test_the_human_reports_say_which_variable_reaches_each_panel(server, folder):
    text = run("audit", str(folder), "--prometheus-url", server.url)
    assert "fills (Fills): 'Per handler' (A, via $ns), 'Per pod' (A, via $ns), 'Requests' (A, via $ns), variable ns" \
        in text
    assert "1. vobs_inventory_info missing — 3 panels and 1 variable or annotation in 1 dashboard" in text
    html = run("audit", str(folder), "--prometheus-url", server.url, "--format", "html")
    assert "A, via $ns" in html


def _q(kind: str, expr: str, target: str, panel: str | None = None, panel_id: int | None = None) -> Query:
    return Query(expr=expr, location=Location(file="d.json", line=1, panel=panel, panel_id=panel_id, target=target),
                 kind=kind)


@pytest.mark.parametrize(("expr", "name", "used"), [
    ('x{a="$ns"}', "ns", True),
    ('x{a="${ns}"}', "ns", True),
    ('x{a=~"${ns:regex}"}', "ns", True),
    ('x{a=~"[[ns]]"}', "ns", True),
    ('x{a="$nsx"}', "ns", False),  # another variable's name beginning with it
    ('x{a="${nsx}"}', "ns", False),
    ('x{a="$ns_1"}', "ns", False),
    ('x{a="$ns-1"}', "ns", True),  # `-` ends a variable's name
    ("x", "ns", False),
])
def test_a_variable_is_used_by_its_exact_name(expr, name, used):
    assert uses_variable(expr, name) is used


def test_chained_variables_fill_what_they_fill_and_cycles_end():
    found = [_q("variable", "label_values(a, x)", "variable a"),
             _q("variable", 'label_values(b{x="$a"}, y)', "variable b"),
             _q("variable", 'label_values(c{y="$b",z="$c2"}, z)', "variable c"),  # $c2: no such variable
             _q("variable", 'label_values(d{w="$e"}, v)', "variable d"),  # d and e fill each other
             _q("variable", 'label_values(e{v="$d"}, w)', "variable e"),
             _q("panel", 'p{y="$b"}', "A", "By b", 1),
             _q("panel", 'p{z="$c"}', "A", "By c", 2),
             _q("panel", 'p{z="$c"}', "B", "By c", 2),  # one panel, counted once, at its first query
             _q("panel", 'p{v="$d"}', "A", "By d", 3)]
    fills = filled_panels("d.json", found)
    assert [p[:3] for p in fills["d.json", "a"]] == [("By b", 1, "A"), ("By c", 2, "A")]
    assert [p[:3] for p in fills["d.json", "c"]] == [("By c", 2, "A")]
    assert [p[:3] for p in fills["d.json", "e"]] == [("By d", 3, "A")]
    assert filled_panels("d.json", [q for q in found if q.kind == "panel"]) == {}


def test_a_cycle_of_a_thousand_variables_is_followed_once_per_variable():
    """Hostile input: 1,000 variables each filled from the one before, in a cycle, and a panel on
    each: every variable fills every panel. Each expression is scanned once and each variable's
    chain walked once (as first written, each step rescanned every variable: 10^9 steps here)."""
    n = 1000
    found = [_q("variable", f'label_values(m{{x="$v{(i - 1) % n}"}}, x)', f"variable v{i}") for i in range(n)]
    found += [_q("panel", f'p{{x="$v{i}"}}', "A", f"P{i}", i) for i in range(n)]
    fills = filled_panels("d.json", found)
    assert len(fills["d.json", "v0"]) == n  # the cycle reaches every variable, so every panel
    assert fills["d.json", "v0"][0][:2] == ("P0", 0)


@given(name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
       form=st.sampled_from(["${}", "${{{}}}", "${{{}:regex}}", "${{{}:csv}}", "${{{}.text}}", "[[{}]]", "[[{}:pipe]]"]),
       before=st.text(max_size=20), after=st.sampled_from(["", '"', "}", ",", "-x", " ", ")"]))
def test_every_form_of_a_reference_names_its_variable_exactly(name, form, before, after):
    expr = before.replace("$", "").replace("[[", "") + form.format(name) + after
    assert names_used(expr) == {name}
    assert not uses_variable(expr, name + "x")


@given(st.text())
def test_names_used_takes_any_text(expr):
    assert all(isinstance(n, str) and n for n in names_used(expr))


def test_offline_the_catalog_drives_the_same_fills(folder, tmp_path):
    catalog = tmp_path / "metrics.yaml"
    catalog.write_text("""metrics:
  - {name: app_requests_total, type: counter, unit: requests, help: r, owner: t, labels: [namespace, pod, handler]}
  - {name: app_up, type: gauge, unit: bool, help: u, owner: t, labels: [namespace]}
""")
    findings = json.loads(run("validate", str(folder), "--offline", "--catalog", str(catalog), "--format", "json"))[
        "findings"]
    [ns] = [f for f in findings if f["check"] == "metric/missing" and f["location"].get("target") == "variable ns"]
    assert [p["panel"] for p in ns["details"]["fills"]] == ["Requests", "Per handler", "Per pod"]
    report = json.loads(run("audit", str(folder), "--offline", "--catalog", str(catalog), "--format", "json"))
    assert (report["actions"][0]["subject"], report["actions"][0]["panels"]) == ("vobs_inventory_info", 3)


ALL_DRAWN = {
    "uid": "all-drawn", "title": "All drawn", "schemaVersion": 39,
    "templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus"},
        # empty, but include-All with an allValue: Grafana keeps All, and `.*` draws the panel (trial 15, Ray)
        {**_query_variable("sess", "label_values(vobs_session_info, namespace)", "$__all"), "refresh": 2,
         "includeAll": True, "multi": True, "allValue": ".*", "current": {"text": ["All"], "value": ["$__all"]}},
        # Include All unticked, allValue left behind, re-run on load: the saved value is not known to be
        # shown and allValue is never sent (trial 15, mysql mixin): nothing to judge, said as info
        {**_query_variable("nsq", "label_values(app_up, namespace)", "shop"), "refresh": 1, "includeAll": False,
         "multi": True, "allValue": "nothing-.+", "current": {"text": ["shop"], "value": ["shop"]}},
        # All chosen, never re-run: its allValue is what Grafana sends
        {**_query_variable("every", "label_values(app_up, namespace)", "$__all"), "includeAll": True,
         "allValue": "nothing-.+", "current": {"text": "All", "value": "$__all"}},
    ]},
    "panels": [
        _panel(1, "Sessions", 'sum(app_up{namespace=~"$sess"})'),
        _panel(2, "Saved", 'app_up{namespace=~"$nsq"}'),
        _panel(3, "Every", 'app_up{namespace=~"$every"}'),
    ],
}


def test_all_value_is_alls_alone_and_an_include_all_dropdown_still_draws(server, tmp_path):
    (tmp_path / "all.json").write_text(json.dumps(ALL_DRAWN, indent=2))
    findings = json.loads(run("validate", str(tmp_path), "--prometheus-url", server.url, "--format", "json"))[
        "findings"]
    [sess] = [f for f in findings if f["check"] == "metric/missing" and f["location"].get("target") == "variable sess"]
    assert "fills" not in sess.get("details", {}) and "lists nothing" not in sess["message"]
    empty = {f["location"].get("panel"): f["message"] for f in findings if f["check"] == "metric/no-matching-series"}
    assert "Saved" not in empty  # not judged with 'nothing-.+'
    assert [f["details"]["variable"] for f in findings if f["check"] == "variable/value-unknown"] == ["nsq"]
    assert 'namespace=~"nothing-.+"' in empty["Every"]
