"""What a legacy graph drew and a singlestat showed survives `vobs import`, as Grafana's own
migration keeps it (a new user's trial: bars, stepped lines, log axes, sparklines were lost).

Each case is a legacy panel in and the field config / options out that Grafana's
`graphPanelChangedHandler` (timeseries/migrations.ts) or `statPanelChangedHandler` and
`sharedSingleStatPanelChangedHandler` make of it, written out here from their source, not from
the importer's code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_cli import vobs

from vertice_obs.importer.migrate import migrate


def _one(panel: dict) -> tuple[dict, list[str]]:
    model, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39,
                            "panels": [dict(panel, gridPos={"h": 7, "w": 8, "x": 0, "y": 0})]})
    return model["panels"][0], notes


def _defaults(panel: dict) -> dict:
    return (panel.get("fieldConfig") or {}).get("defaults") or {}


GRAPH = [  # (legacy keys, expected fieldConfig.defaults.custom subset, other defaults)
    ({"bars": True, "lines": False, "fill": 1}, {"drawStyle": "bars", "fillOpacity": 100}, {}),
    ({"bars": False, "lines": False, "points": True}, {"drawStyle": "points", "showPoints": "always"}, {}),
    ({"points": True, "pointradius": 3}, {"showPoints": "always", "pointSize": 8}, {}),
    ({"points": False, "lines": True}, {"showPoints": "never"}, {}),
    ({"steppedLine": True}, {"lineInterpolation": "stepAfter"}, {}),
    ({"fill": 3, "linewidth": 2}, {"fillOpacity": 30, "lineWidth": 2}, {}),
    ({"fill": 1, "fillGradient": 5}, {"fillOpacity": 50, "gradientMode": "opacity"}, {}),
    ({"dashes": True, "dashLength": 4}, {"lineStyle": {"fill": "dash", "dash": [4, 10]}}, {}),
    ({"nullPointMode": "connected"}, {"spanNulls": True}, {}),
    ({"stack": True}, {"stacking": {"mode": "normal", "group": "A"}}, {}),
    ({"stack": True, "percentage": True}, {"stacking": {"mode": "percent", "group": "A"}}, {}),
    ({"yaxes": [{"format": "bytes", "logBase": 10, "show": True}, {}]},
     {"scaleDistribution": {"type": "log", "log": 10}}, {"unit": "bytes"}),
    ({"yaxes": [{"logBase": 2, "min": "1", "max": 1000, "decimals": 2, "label": "Latency"}]},
     {"scaleDistribution": {"type": "log", "log": 2}, "axisLabel": "Latency"}, {"min": 1, "max": 1000, "decimals": 2}),
    ({"yaxes": [{"format": "s", "show": False}]}, {"axisPlacement": "hidden"}, {"unit": "s"}),
]


@pytest.mark.parametrize(("legacy", "custom", "other"), GRAPH, ids=[", ".join(c[0]) for c in GRAPH])
def test_a_graph_keeps_how_it_drew(legacy: dict, custom: dict, other: dict):
    panel, notes = _one({"type": "graph", "title": "g", **legacy})
    defaults = _defaults(panel)
    assert panel["type"] == "timeseries"
    assert {k: defaults.get("custom", {}).get(k) for k in custom} == custom
    assert {k: defaults.get(k) for k in other} == other
    note = next(n for n in notes if n.startswith("graph → timeseries"))
    assert "carried into fieldConfig.defaults.custom: " + ", ".join(sorted(defaults["custom"])) in note


def test_a_series_on_the_right_axis_takes_that_axis_unit_and_scale():
    """Grafana's `fillY2DynamicValues`: what the right axis says differently from the left."""
    panel, _ = _one({"type": "graph", "title": "g", "seriesOverrides": [{"alias": "errors", "yaxis": 2}],
                     "yaxes": [{"format": "bytes", "show": True}, {"format": "percent", "logBase": 10, "show": True}]})
    [rule] = panel["fieldConfig"]["overrides"]
    assert rule["properties"] == [{"id": "custom.axisPlacement", "value": "right"}, {"id": "unit", "value": "percent"},
                                  {"id": "custom.scaleDistribution", "value": {"type": "log", "log": 10}}]


def test_a_bars_series_override_is_solid_as_in_grafana():
    panel, _ = _one({"type": "graph", "title": "g", "seriesOverrides": [{"alias": "a", "bars": True,
                                                                          "pointradius": 1}]})
    assert panel["fieldConfig"]["overrides"][0]["properties"] == [
        {"id": "custom.drawStyle", "value": "bars"}, {"id": "custom.fillOpacity", "value": 100},
        {"id": "custom.pointSize", "value": 4}]


@pytest.mark.parametrize(("legacy", "options"), [
    ({"legend": {"show": True, "alignAsTable": True, "rightSide": True, "values": True, "avg": True, "max": True,
                 "current": False}},
     {"legend": {"displayMode": "table", "showLegend": True, "placement": "right", "calcs": ["mean", "max"]}}),
    ({"legend": {"show": False}}, {"legend": {"displayMode": "list", "showLegend": False, "placement": "bottom",
                                              "calcs": []}}),
    ({"legend": {"show": True}, "tooltip": {"shared": True, "sort": 2}}, {"tooltip": {"mode": "multi", "sort": "desc"}}),
    ({"legend": {"show": True}, "tooltip": {"shared": False, "sort": 2}}, None),
], ids=["table-right-values", "hidden", "shared-sorted", "defaults"])
def test_a_graph_keeps_its_legend_and_tooltip(legacy: dict, options: dict | None):
    panel, notes = _one({"type": "graph", "title": "g", **legacy})
    assert panel.get("options") == options
    note = next(n for n in notes if n.startswith("graph → timeseries"))
    assert ("options set: " + ", ".join(sorted(options))) in note if options else "options set" not in note


@pytest.mark.parametrize(("legacy", "not_carried"), [
    ({"yaxes": [{"logBase": 32}]}, "yaxes[0] logBase 32 (Grafana's timeseries has log 2 and 10 only)"),
    ({"yaxes": [{"min": "auto"}]}, "yaxes[0] min (not a number)"),
    ({"nullPointMode": "null as zero"}, "nullPointMode 'null as zero'"),
    ({"xaxis": {"mode": "series", "show": True}}, "xaxis mode 'series' (a timeseries draws time only)"),
    ({"fill": "lots"}, "fill (not a number)"),
    ({"bars": "yes"}, "bars (not true or false)"),
    ({"yaxes": "left"}, "yaxes (not a list)"),
], ids=["log-32", "min-auto", "null-as-zero", "xaxis-series", "fill-text", "bars-text", "yaxes-text"])
def test_what_a_graph_cannot_carry_is_named(legacy: dict, not_carried: str):
    _, notes = _one({"type": "graph", "title": "g", **legacy})
    note = next(n for n in notes if n.startswith("graph → timeseries"))
    assert "not carried: " in note and not_carried in note.split("not carried: ", 1)[1]


SINGLESTAT = [  # (legacy keys, expected options subset, expected defaults subset)
    ({"sparkline": {"show": True}}, {"graphMode": "area", "colorMode": "none"}, {}),
    ({"sparkline": {"show": False}, "colorBackground": True}, {"graphMode": "none", "colorMode": "background"}, {}),
    ({"colorValue": True}, {"colorMode": "value"}, {}),
    ({"valueName": "name"}, {"textMode": "name"}, {}),
    ({"valueName": "max"}, {"reduceOptions": {"calcs": ["max"], "fields": "", "values": False}}, {}),
    ({"tableColumn": "instance"}, {"reduceOptions": {"calcs": ["mean"], "fields": "/^instance$/", "values": False}}, {}),
    ({"nullText": "none yet"}, {}, {"noValue": "none yet"}),
    ({"sparkline": {"show": True, "lineColor": "#abc"}}, {}, {"color": {"mode": "fixed", "fixedColor": "#abc"}}),
    ({"format": "percent", "decimals": 1}, {}, {"unit": "percent", "decimals": 1}),
    ({"thresholds": "50,80", "colors": ["green", "orange", "red"]}, {},
     {"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                   {"color": "orange", "value": 50}, {"color": "red", "value": 80}]}}),
]


@pytest.mark.parametrize(("legacy", "options", "defaults"), SINGLESTAT, ids=[", ".join(c[0]) for c in SINGLESTAT])
def test_a_singlestat_keeps_how_it_showed_its_value(legacy: dict, options: dict, defaults: dict):
    panel, _ = _one({"type": "singlestat", "title": "s", **legacy})
    assert panel["type"] == "stat"
    assert {k: panel["options"].get(k) for k in options} == options
    assert {k: _defaults(panel).get(k) for k in defaults} == defaults


def test_prefix_and_postfix_are_named_as_grafana_drops_them():
    """A stat has no prefix or postfix; Grafana's migration drops them, and the note says so."""
    panel, notes = _one({"type": "singlestat", "title": "s", "prefix": "$", "postfix": " req/s"})
    assert "$" not in json.dumps(panel) and "req/s" not in json.dumps(panel)
    note = next(n for n in notes if n.startswith("singlestat → stat"))
    assert note.endswith("dropped as Grafana's own migration drops them: postfix, prefix")


def test_explain_says_dropped_only_of_legacy_keys_nothing_is_carried_from():
    """A trial: `--explain` listed `stack` and `yaxes` among the "legacy keys dropped" of a graph
    while the module carries them (`custom.stacking`, the left axis' unit and min). A legacy key is
    carried over when the panel converted without it would differ; dropped when nothing of it is in
    the module — and not said dropped because another panel left it at its default."""
    stacked = {"type": "graph", "title": "g", "stack": True, "percentage": False, "lines": True,
               "yaxes": [{"format": "bytes", "min": 0, "logBase": 1, "show": True}, {"format": "short", "show": False}],
               "targets": [{"refId": "A", "expr": "x"}]}
    panel, notes = _one(stacked)
    assert _defaults(panel)["custom"]["stacking"] == {"mode": "normal", "group": "A"}
    assert (_defaults(panel)["unit"], _defaults(panel)["min"]) == ("bytes", 0)
    note = next(n for n in notes if n.startswith("graph → timeseries"))
    assert "legacy keys carried over: stack, yaxes; legacy keys dropped: lines, percentage;" in note, note
    _, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39, "panels": [
        dict(stacked, gridPos={"h": 7, "w": 8, "x": 0, "y": 0}),
        dict(stacked, title="flat", stack=False, gridPos={"h": 7, "w": 8, "x": 8, "y": 0})]})
    note = next(n for n in notes if n.startswith("graph → timeseries"))
    assert "legacy keys carried over: stack, yaxes; legacy keys dropped: lines, percentage;" in note, note


# --- hostile values: a note or nothing, never a traceback ------------------------------------------

_GARBAGE = st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                   max_size=3), max_leaves=8)
_GRAPH_KEYS = ["bars", "lines", "points", "pointradius", "fill", "fillGradient", "linewidth", "steppedLine", "dashes",
               "dashLength", "spaceLength", "stack", "percentage", "nullPointMode", "legend", "tooltip", "xaxis",
               "yaxes", "seriesOverrides", "decimals", "timeRegions", "hiddenSeries"]
_STAT_KEYS = ["prefix", "postfix", "valueName", "thresholds", "colors", "format", "decimals", "sparkline",
              "colorBackground", "colorValue", "nullText", "tableColumn", "gauge", "valueMaps", "rangeMaps",
              "mappingType"]
_AXIS = st.dictionaries(st.sampled_from(["format", "logBase", "min", "max", "decimals", "label", "show"]), _GARBAGE,
                        max_size=7)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["graph", "singlestat"]),
       keys=st.dictionaries(st.sampled_from(_GRAPH_KEYS + _STAT_KEYS), _GARBAGE, max_size=8),
       axes=st.lists(_AXIS | _GARBAGE, max_size=3))
def test_hostile_graph_and_singlestat_options_give_a_note_or_nothing(tmp_path_factory, kind, keys, axes):
    from test_import_roundtrip import build_imported

    from vertice_obs.errors import InputError
    from vertice_obs.importer.codegen import module_text

    panel = {"type": kind, "title": "p", **keys}
    if kind == "graph" and "yaxes" not in keys:
        panel["yaxes"] = axes
    try:
        model, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39,
                                "panels": [dict(panel, gridPos={"h": 7, "w": 8, "x": 0, "y": 0})]})
        text = module_text(model, "x.json", notes)
    except InputError as error:  # vobs' own one-line refusal (a NaN in the input, say)
        assert "\n" not in str(error)
        return
    assert all("\n" not in n and len(n) < 4000 for n in notes)
    built = build_imported(text, "u", tmp_path_factory.mktemp("b"))
    assert built["panels"][-1]["type"] == ("timeseries" if kind == "graph" else "stat")


# --- as a user runs it ------------------------------------------------------------------------------

def test_imported_and_built_a_graph_keeps_its_bars_and_log_axis(tmp_path: Path):
    for folder in ("dashboards", "narratives"):
        (tmp_path / folder).mkdir()
    legacy = {"uid": "bars", "title": "Bars", "schemaVersion": 16, "rows": [{"title": "r", "panels": [
        {"type": "graph", "title": "Requests", "span": 8, "bars": True, "lines": False, "steppedLine": False,
         "yaxes": [{"format": "reqps", "logBase": 10, "show": True, "label": "req/s"}, {"show": False}],
         "targets": [{"expr": "sum(rate(http_requests_total[5m]))", "refId": "A"}]},
        {"type": "singlestat", "title": "Up", "span": 4, "prefix": "~", "sparkline": {"show": True},
         "colorBackground": True, "targets": [{"expr": "up", "refId": "A"}]}]}]}
    (tmp_path / "bars.json").write_text(json.dumps(legacy))
    done = vobs(tmp_path, "import", "bars.json", "--narrative", "n", "--explain")
    assert done.returncode == 0, done.stderr
    assert "carried into fieldConfig.defaults.custom: axisLabel, drawStyle, fillOpacity, scaleDistribution" \
        in done.stdout
    assert "dropped as Grafana's own migration drops them: prefix" in done.stdout
    built = vobs(tmp_path, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    panels = {p.get("title"): p for p in json.loads((tmp_path / "exports" / "n" / "bars.json").read_text())["panels"]}
    graph, stat = panels["Requests"], panels["Up"]
    assert (graph["type"], graph["gridPos"]["w"]) == ("timeseries", 16)
    assert graph["fieldConfig"]["defaults"]["unit"] == "reqps"
    assert graph["fieldConfig"]["defaults"]["custom"] == {
        "drawStyle": "bars", "fillOpacity": 100, "axisLabel": "req/s", "scaleDistribution": {"type": "log", "log": 10}}
    assert (stat["options"]["graphMode"], stat["options"]["colorMode"]) == ("area", "background")
