"""A dropdown that lists nothing, judged by what its panels get — on the real backends (trial 19).

Grafana 11 (scenes' MultiValueVariable) gives a query variable whose query lists nothing `''`, `[]`
or All; its Prometheus datasource writes them `""`, `()` or the allValue. `x=""`, `x=~""` and
`x=~"()"` select the series *without* the label, so the mixins' hidden `cluster` variable on a
Prometheus without a `cluster` label leaves every panel drawn — vobs said `variable/label-missing`
(a warning, "1 panel uses $cluster") and the audit counted the panels as emptied. Each case below is
one dashboard: its variables, its panels, and what Prometheus and VictoriaMetrics answer for them —
which panels the empty dropdown empties (named in `details.fills`), which still draw, and the
severity (a warning when a panel loses its data, or a reader sees an empty dropdown with nothing to
pick; information when hidden, or Include All, and no panel is emptied).

A metric the dropdown lists from that was seen within the dashboard's time range still fills it:
Grafana asks for label values over that range (`metric_find_query.ts`, `labelValuesQuery`: the
range's start and end), so "lists nothing" is not said then.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_harness import PrometheusServer, StaticExporter
from victoria_harness import VictoriaMetricsServer

from vertice_obs.finding import Severity
from vertice_obs.metrics.empty_dropdowns import Dropdown, since
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate

BODY = b"""# TYPE shop_up gauge
shop_up{svc="web"} 1
shop_up{svc="db"} 1
# TYPE shop_requests_total counter
shop_requests_total{svc="web",ns="shop"} 5
shop_requests_total{svc="db",ns="shop"} 3
"""
GONE_HOURS_AGO = 2  # `shop_legacy_info{cluster="eu"}`: history from 3 h to 2 h ago, none now


def _history(now: float) -> str:
    samples = "".join(f'shop_legacy_info{{cluster="eu"}} 1 {t}\n'
                      for t in range(int(now) - (GONE_HOURS_AGO + 1) * 3600, int(now) - GONE_HOURS_AGO * 3600, 60))
    return f"# TYPE shop_legacy_info gauge\n{samples}# EOF\n"


def var(name: str, query: str, **extra) -> dict:
    return {"name": name, "type": "query", "refresh": 2, "datasource": {"type": "prometheus", "uid": "p"},
            "query": {"query": query, "refId": "V"}, "current": {}, **extra}


def panel(pid: int, title: str, expr: str, *more: str) -> dict:
    return {"id": pid, "type": "timeseries", "title": title, "datasource": {"type": "prometheus", "uid": "p"},
            "targets": [{"refId": chr(ord("A") + i), "expr": e} for i, e in enumerate([expr, *more])]}


HIDDEN = {"hide": 2}
ALL = {"includeAll": True}
NO_CLUSTER = "label_values(shop_up, cluster)"  # shop_up carries no cluster: the dropdown lists nothing

# (case, variables, panels, time range from, the variable judged, its check, severity,
#  panels it empties (named in details.fills), panels still drawn, what Grafana writes)
CASES = [
    ("hidden single value (the repro)", [var("cluster", NO_CLUSTER, **HIDDEN)],
     [panel(1, "Up", 'sum by (svc) (shop_up{cluster="$cluster", svc="web"})')],
     None, "cluster", "variable/label-missing", Severity.INFO, [], 1, ""),
    ("visible single value: the reader sees it empty", [var("cluster", NO_CLUSTER)],
     [panel(1, "Up", 'shop_up{cluster=~"$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.WARNING, [], 1, ""),
    ("hidden Include All with allValue .* (node mixin)", [var("cluster", NO_CLUSTER, allValue=".*", **HIDDEN, **ALL)],
     [panel(1, "Up", 'shop_up{cluster=~"$cluster"}'), panel(2, "Requests", 'shop_requests_total{cluster=~"$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.INFO, [], 2, ".*"),
    ("Include All without allValue writes ()", [var("cluster", NO_CLUSTER, **ALL)],
     [panel(1, "Up", 'shop_up{cluster=~"$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.INFO, [], 1, "()"),
    ("Include All with allValue .+ empties", [var("cluster", NO_CLUSTER, allValue=".+", **HIDDEN, **ALL)],
     [panel(1, "Up", 'shop_up{cluster=~"$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.WARNING, ["Up"], 0, ".+"),
    ("() in an equality matcher empties", [var("cluster", NO_CLUSTER, multi=True, **HIDDEN)],
     [panel(1, "Up", 'shop_up{cluster="$cluster"}'), panel(2, "Up regex", 'shop_up{cluster=~"$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.WARNING, ["Up"], 1, "()"),
    ("a label the panel's metric carries: empty value empties", [var("ns", "label_values(shop_up, ns)", **HIDDEN)],
     [panel(1, "Requests", 'sum(rate(shop_requests_total{ns="$ns"}[5m]))'), panel(2, "Up", 'shop_up{ns=~"$ns"}')],
     None, "ns", "variable/label-missing", Severity.WARNING, ["Requests"], 1, ""),
    ("a panel empty of its own is no one's to fill", [var("cluster", NO_CLUSTER, **HIDDEN)],
     [panel(1, "Gone", 'shop_nothing_total{cluster="$cluster"}'), panel(2, "Up", 'shop_up{cluster="$cluster"}')],
     None, "cluster", "variable/label-missing", Severity.INFO, [], 1, ""),
    ("an or: empty only when every side is", [var("ns", "label_values(shop_up, ns)", **HIDDEN)],
     [panel(1, "Either", 'shop_requests_total{ns="$ns"} or shop_up{ns="$ns"}'),
      panel(2, "Neither", 'shop_requests_total{ns="$ns"} or shop_requests_total{ns=~"$ns", svc="web"}')],
     None, "ns", "variable/label-missing", Severity.WARNING, ["Neither"], 1, ""),
    ("a chained variable that still lists values", [
        var("cluster", NO_CLUSTER, **HIDDEN), var("svc", 'label_values(shop_up{cluster="$cluster"}, svc)')],
     [panel(1, "By svc", 'shop_up{svc=~"$svc"}')],
     None, "cluster", "variable/label-missing", Severity.INFO, [], 1, ""),
    ("a chained variable the empty value empties", [
        var("ns", "label_values(shop_up, ns)", **HIDDEN), var("svc", 'label_values(shop_requests_total{ns="$ns"}, svc)')],
     [panel(1, "By svc", 'shop_requests_total{svc="$svc"}')],
     None, "ns", "variable/label-missing", Severity.WARNING, ["By svc"], 0, ""),
    ("a missing metric in the dropdown's query: its panels still draw", [
        var("cluster", "label_values(shop_nope_info, cluster)", **HIDDEN)],
     [panel(1, "Up", 'shop_up{cluster="$cluster"}')],
     # trial 23 L2: information whatever check says the dropdown is empty (hidden, no panel emptied)
     None, "cluster", "metric/missing", Severity.WARNING, [], 1, ""),  # a name absent keeps its warning
    ("a metric gone an hour before the time range: the value is written", [
        var("cluster", "label_values(shop_legacy_info, cluster)", **HIDDEN)],
     [panel(1, "Up", 'shop_up{cluster="$cluster"}'), panel(2, "Requests", 'shop_requests_total{cluster!~"$cluster"}')],
     "now-1h", "cluster", "metric/disappeared", Severity.WARNING, ["Requests"], 1, ""),
    # trial 23 M1: a panel shows No data only when every query does — one drawing is enough, whether it
    # uses the dropdown or not; the panel is then said to get data, never to be empty of its own
    ("a panel with one query drawing: not empty of its own", [var("ns", "label_values(shop_up, ns)", **HIDDEN)],
     [panel(1, "Mixed", 'shop_up', 'shop_nothing_total{ns="$ns"}'),
      panel(2, "Mixed emptied", 'shop_requests_total{ns="$ns"}', 'shop_up{svc="web"}'),
      panel(3, "Emptied", 'shop_requests_total{ns="$ns"}', 'shop_nothing_total')],
     None, "ns", "variable/label-missing", Severity.WARNING, ["Emptied"], 2, ""),
    ("each format writes its own text: csv \"\", lucene __empty__", [var("cluster", NO_CLUSTER, multi=True)],
     [panel(1, "CSV", 'shop_up{cluster="${cluster:csv}"}'), panel(2, "Lucene", 'shop_up{cluster=~"${cluster:lucene}"}')],
     None, "cluster", "variable/label-missing", Severity.WARNING, ["Lucene"], 1, "()"),
]
IDS = [c[0] for c in CASES]
# a metric gone within the time range still fills the dropdown: "lists nothing" is not said (trial 19)
WITHIN = ("a metric gone within the time range still lists", [
    var("cluster", "label_values(shop_legacy_info, cluster)", **HIDDEN)],
    [panel(1, "Requests", 'shop_requests_total{cluster!~"$cluster"}')], "now-2d")


def _write(folder, cases) -> None:
    for i, (_, variables, panels, start, *_) in enumerate(cases):
        model = {"uid": f"case-{i}", "title": f"Case {i}", "templating": {"list": variables}, "panels": panels}
        if start:
            model["time"] = {"from": start, "to": "now"}
        (folder / f"case-{i:02d}.json").write_text(json.dumps(model, indent=2))


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def backend(request):
    exporter = StaticExporter(BODY)
    now = time.time()
    if request.param == "prometheus":
        server = PrometheusServer([exporter.target], job="shop")
        server.backfill(_history(now))
        server.start()
    else:
        server = VictoriaMetricsServer([exporter.target]).start()
        server.import_openmetrics(_history(now))
        server.wait_for("shop_legacy_info[4h]")
    try:
        server.wait_for('shop_requests_total{svc="db"}')
        server.wait_for('shop_up{svc="db"}')
        yield server
    finally:
        server.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def judged(backend, tmp_path_factory):
    folder = tmp_path_factory.mktemp("empty-dropdowns")
    _write(folder, [*CASES, WITHIN])
    findings = validate(collect(load_dashboard_files([folder])), PrometheusSource(backend.url), None,
                        timedelta(days=7)).findings
    return {i: [f for f in findings if (f.location.file or "").endswith(f"case-{i:02d}.json")] for i in range(len(CASES) + 1)}


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_an_empty_dropdown_names_only_the_panels_it_empties(judged, i):
    _, _, panels, _, name, check, severity, emptied, drawn, written = CASES[i]
    [f] = [f for f in judged[i] if f.check == check and f.location.target == f"variable {name}"]
    details = dict(f.details)
    assert [p["panel"] for p in details.get("fills", ())] == emptied, f.message
    assert details["panels_drawn"] == drawn and details["empty_value"] == written, f.message
    assert f.severity == severity, f.message
    if drawn:
        assert f"still {'gets' if drawn == 1 else 'get'} data: with nothing listed, Grafana writes it as" in f.message
    if not emptied:
        assert "lists nothing" not in f.message and " use it" not in f.message, f.message
    # its value is known now: no "not checked" note for it, once a panel was judged with it
    assert not [u for u in judged[i] if u.check == "variable/value-unknown" and dict(u.details)["variable"] == name]


def test_a_metric_seen_within_the_time_range_still_fills_the_dropdown(judged):
    [f] = [f for f in judged[len(CASES)] if f.check == "metric/disappeared"]
    assert f.message.endswith("; $cluster still lists the values its series had: the dashboard's time range "
                              "(now-2d) reaches back to then"), f.message
    assert "fills" not in dict(f.details) and "lists nothing" not in f.message


def test_hidden_and_include_all_dropdowns_that_empty_nothing_fail_no_warning_run(judged):
    """`--fail-on warning` failed on the node mixin's and the USE dashboards' hidden `cluster` (trial 19)."""
    for i in (0, 2, 3, 7, 9):
        assert not [f for f in judged[i] if f.severity >= Severity.WARNING and f.location.target == "variable cluster"]


def test_the_audit_takes_a_dropdown_that_empties_nothing_for_information(judged):
    """No audit action for the hidden `cluster` whose panels draw; the visible empty one stays one."""
    from vertice_obs.metrics.audit.model import group_metrics

    assert group_metrics(judged[0], {})["shop_up"].status == "present"  # hidden, every panel drawn
    assert group_metrics(judged[1], {})["shop_up"].status == "label-missing"  # a reader sees it empty
    assert group_metrics(judged[4], {})["shop_up"].panels == 1  # `.+` empties its panel


def test_a_thousand_chained_empty_dropdowns_are_judged_within_a_bound(backend, tmp_path):
    """Hostile input: 1,000 variables in a cycle, each listing a label no series carries, and a panel on
    each. Judged alike, each would reach every query (10^6 of them): past `MAX_QUERIES` a dropdown only
    names the panels using it, as before it was judged."""
    n = 1000
    model = {"uid": "cycle", "title": "Cycle", "templating": {"list": [
        var(f"v{i}", f'label_values(shop_up{{svc="$v{(i - 1) % n}"}}, nolabel)') for i in range(n)]},
        "panels": [panel(i, f"P{i}", f'shop_up{{svc="$v{i}"}}') for i in range(n)]}
    (tmp_path / "cycle.json").write_text(json.dumps(model))
    started = time.monotonic()
    findings = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(backend.url), None,
                        timedelta(days=7)).findings
    empty = [f for f in findings if f.check == "variable/label-missing"]
    assert len(empty) == n
    judged = [f for f in empty if "panels_drawn" in dict(f.details)]
    assert 1 <= len(judged) <= 5  # the first few reach every query; the rest name the panels using them
    assert all(len(dict(f.details)["fills"]) == n for f in empty if f not in judged)
    assert time.monotonic() - started < 120


@pytest.mark.parametrize(("value", "back"), [
    ("now-6h", 6 * 3600), ("now-2d", 2 * 86400), ("now-30m", 1800), ("now-1w", 7 * 86400), ("now", 0),
    ("now-1d/d", 2 * 86400), ("now/d", 86400), ("now-1M", 31 * 86400),
])
def test_a_relative_time_range_reaches_back_at_most_so_far(value, back):
    from datetime import datetime, timezone

    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    assert (now - since(value, now)).total_seconds() == back


def test_an_absolute_or_unreadable_time_range():
    from datetime import datetime, timezone

    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    assert since("2026-11-28T12:00:00.000Z", now) == datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    assert since("1764331200000", now) == datetime(2025, 11, 28, 12, tzinfo=timezone.utc)
    assert since("yesterday", now) is None and since("now-99999999999y", now) is None


@pytest.mark.parametrize(("definition", "value"), [
    ({}, ""), ({"multi": True}, "()"), ({"include_all": True}, "()"), ({"include_all": True, "all_value": ".*"}, ".*"),
    ({"multi": True, "all_value": ".*"}, "()"),  # allValue without Include All is never sent
])
def test_what_grafana_writes_for_a_dropdown_that_lists_nothing(definition, value):
    dropdown = Dropdown(**{"name": "x", "hidden": False, "multi": False, "include_all": False, "all_value": None,
                           "label": "x", **definition})
    assert dropdown.value == value


@settings(max_examples=200, deadline=1000, database=None)
@given(st.text(max_size=30) | st.from_regex(r"\s*now(-\d{1,12}[smhdwMy])?(/[smhdwMy])?\s*", fullmatch=True)
       | st.from_regex(r"\d{1,40}", fullmatch=True) | st.from_regex(r"[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?Z?",
                                                                      fullmatch=True))
def test_any_time_range_from_is_a_time_or_none(value):
    """A dashboard's `time.from` as any JSON file may hold it: the earliest time it reaches, or None."""
    from datetime import datetime, timezone

    at = since(value, datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    assert at is None or at.tzinfo is not None
