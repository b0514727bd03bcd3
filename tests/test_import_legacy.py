"""What the Ceph corpus revealed the import lost, one focused case each (issue 17).

Each panel here is cut down from the public dashboard named in its test (tests/data/public/), to
the keys that matter; the expected field config is what Grafana's own graph → timeseries and
singlestat → stat migrations make of them.
"""

from __future__ import annotations

from vertice_obs.importer.migrate import migrate


def _one(panel: dict, **dashboard) -> tuple[dict, list[str]]:
    model, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39,
                            "panels": [dict(panel, gridPos={"h": 7, "w": 8, "x": 0, "y": 0})], **dashboard})
    return model["panels"][0], notes


def _note(notes: list[str], prefix: str) -> str:
    [note] = [n for n in notes if n.startswith(prefix)]
    return note


def test_series_overrides_and_alias_colors_become_field_overrides():
    """ceph-cluster.json 'Cluster I/O' and host-details.json 'RAM Usage': reads drawn below the axis,
    fixed colours, a thicker total line — dropped with `seriesOverrides` before."""
    panel, notes = _one({"type": "graph", "title": "Cluster I/O", "seriesOverrides": [
        {"alias": "/.*Reads/", "transform": "negative-Y"},
        {"alias": "total", "color": "#bf1b00", "fill": 0, "linewidth": 2, "stack": False, "zindex": 3}],
        "aliasColors": {"total": "#000000", "used": "#0a50a1"}})
    assert panel["fieldConfig"]["overrides"] == [
        {"matcher": {"id": "byRegexp", "options": "/.*Reads/"},
         "properties": [{"id": "custom.transform", "value": "negative-Y"}]},
        {"matcher": {"id": "byName", "options": "total"},
         "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "#bf1b00"}},
                        {"id": "custom.fillOpacity", "value": 0}, {"id": "custom.lineWidth", "value": 2},
                        {"id": "custom.stacking", "value": {"mode": "none"}}]},
        {"matcher": {"id": "byName", "options": "used"},
         "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "#0a50a1"}}]}]
    note = _note(notes, "graph → timeseries")
    assert "carried into fieldConfig.overrides: 3 rules (seriesOverrides, aliasColors)" in note
    assert "not carried: seriesOverrides zindex" in note


def test_a_malformed_series_override_is_named_not_silently_lost():
    """radosgw-overview.json 'Total responses by HTTP code': grafonnet wrote the list inside a list."""
    panel, notes = _one({"type": "graph", "title": "x", "seriesOverrides": [[{"alias": "/.*Back.*/"}]]})
    assert "overrides" not in panel.get("fieldConfig", {})
    assert "not carried: seriesOverrides item 0 (not an alias object)" in _note(notes, "graph → timeseries")


def test_a_stacked_graph_stays_stacked():
    """radosgw-sync-overview.json: every graph `stack: true`."""
    panel, _ = _one({"type": "graph", "title": "Replication", "stack": True})
    assert panel["fieldConfig"]["defaults"]["custom"] == {"stacking": {"mode": "normal", "group": "A"}}
    panel, _ = _one({"type": "graph", "title": "Replication", "stack": True, "percentage": True})
    assert panel["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "percent"


def test_singlestat_value_maps_become_mappings():
    """ceph-cluster.json 'Health Status': 0/1/2 read as OK/WARN/ERR, and null as N/A."""
    panel, notes = _one({"type": "singlestat", "title": "Health Status", "mappingType": 1, "valueMaps": [
        {"op": "=", "text": "OK", "value": "0"}, {"op": "=", "text": "WARN", "value": "1"},
        {"op": "=", "text": "N/A", "value": "null"}], "rangeMaps": [{"from": "1", "to": "2", "text": "x"}]})
    assert panel["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"0": {"text": "OK", "index": 0}, "1": {"text": "WARN", "index": 1}}},
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A", "index": 2}}}]
    assert "carried into fieldConfig.defaults: mappings" in _note(notes, "singlestat → stat")
    panel, _ = _one({"type": "singlestat", "title": "r", "mappingType": 2, "rangeMaps": [
        {"from": "0", "to": "0.5", "text": "low"}, {"from": "null", "to": "null", "text": "N/A"}]})
    assert panel["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "range", "options": {"from": 0, "to": 0.5, "result": {"text": "low", "index": 0}}},
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A", "index": 1}}}]


def test_a_shown_gauge_keeps_its_scale():
    """ceph-cluster.json 'Capacity used': a gauge from 0 to 1; a hidden gauge's bounds mean nothing."""
    panel, _ = _one({"type": "singlestat", "title": "Capacity used", "format": "percentunit",
                     "gauge": {"show": True, "minValue": 0, "maxValue": 1}})
    assert {k: panel["fieldConfig"]["defaults"][k] for k in ("min", "max", "unit")} == \
           {"min": 0, "max": 1, "unit": "percentunit"}
    panel, _ = _one({"type": "singlestat", "title": "OSDs", "gauge": {"show": False, "minValue": 0, "maxValue": 100}})
    assert not {"min", "max"} & set(panel.get("fieldConfig", {}).get("defaults", {}))


def test_singlestat_thresholds_are_paired_with_colors_as_grafana_does():
    """swagger-stats dashboard v3.json 'Errors %': levels 10,40,50 and three colours lost every
    threshold before; Grafana keeps one step per colour (base, 10, 40) and so does the import."""
    panel, notes = _one({"type": "singlestat", "title": "Errors %", "thresholds": "10,40,50",
                         "colors": ["green", "orange", "red"]})
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None}, {"color": "orange", "value": 10}, {"color": "red", "value": 40}]
    assert "not carried: singlestat thresholds beyond its colors" in _note(notes, "singlestat → stat")
    # pool-detail.json 'Time till full': `"thresholds": "current"` is no level at all, and is said
    panel, notes = _one({"type": "singlestat", "title": "Time till full", "thresholds": "current",
                         "colors": ["green", "orange", "red"]})
    assert "thresholds" not in panel.get("fieldConfig", {}).get("defaults", {})
    assert "not carried: singlestat thresholds that are not numbers" in _note(notes, "singlestat → stat")


def test_a_row_drawn_as_grafana_draws_it_is_said():
    """radosgw-overview.json: a row panel whose gridPos says 9×12; Grafana draws rows 24×1."""
    model, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39, "panels": [
        {"type": "row", "title": "HAProxy", "collapsed": False, "gridPos": {"h": 12, "w": 9, "x": 0, "y": 0}},
        {"type": "row", "title": "fine", "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 1}}]})
    assert [p["gridPos"] for p in model["panels"]] == [{"h": 1, "w": 24, "x": 0, "y": 0},
                                                       {"h": 1, "w": 24, "x": 0, "y": 1}]
    assert "row panels drawn full-width and one cell high, as Grafana draws every row: 'HAProxy' was 9×12" in notes


def test_legacy_types_without_a_house_call_are_kept_whole_and_named():
    """osds-overview.json: angular tables and piecharts; ceph-cluster.json: legacy heatmaps."""
    panels = [{"type": "table", "title": "a", "styles": [{"pattern": "x"}]},
              {"type": "grafana-piechart-panel", "title": "b", "pieType": "pie"},
              {"type": "heatmap", "title": "c", "cards": {"cardRound": 1}},
              {"type": "table", "title": "current table", "options": {"showHeader": True}}]
    model, notes = migrate({"uid": "u", "title": "t", "schemaVersion": 39,
                            "panels": [dict(p, gridPos={"h": 4, "w": 6, "x": 6 * i, "y": 0}) for i, p in enumerate(panels)]})
    assert [{k: v for k, v in p.items() if k not in ("id", "gridPos")} for p in model["panels"]] == panels
    [kept] = [n for n in notes if n.startswith("kept as they are")]
    assert kept.endswith(": grafana-piechart-panel (1 panel), heatmap (legacy, with `cards`) (1 panel), "
                         "table (angular, with `styles`) (1 panel)")


def _rows(*rows: dict) -> list[dict]:
    """The migrated panels of a legacy dashboard of `rows`, each row's panels named by title."""
    legacy = [{"height": "250px", **row, "panels": [{"type": "text", "title": t, "span": 6} for t in row["panels"]]}
              for row in rows]
    model, _ = migrate({"uid": "u", "title": "t", "schemaVersion": 12, "rows": legacy})
    return model["panels"]


def _outline(panels: list[dict]) -> list:
    return [(p["type"], p.get("title"), p.get("repeat"), p.get("collapsed"), [c["title"] for c in p.get("panels", [])])
            if p["type"] == "row" else p["title"] for p in panels]


def test_a_repeated_row_keeps_its_repeat_as_a_row_panel():
    """legacy-repeat-row.json (a new user's trial): `"repeat": "instance"` with `showTitle: false`
    became plain panels, the repetition lost. Grafana's `upgradeToGridLayout` shows every row as a
    row panel when any is collapsed, shown or repeated, and the row panel keeps `repeat`."""
    panels = _rows({"title": "Instance $instance", "showTitle": False, "repeat": "instance", "panels": ["a", "b"]})
    assert _outline(panels) == [("row", "Instance $instance", "instance", False, []), "a", "b"]


def test_a_repeated_row_after_a_collapsed_one_is_not_swept_into_it():
    """node-full-legacy.json's "Per node" row after a collapsed row: its panels followed the
    collapsed row's header at the top level, so Grafana drew them as that row's, unrepeated."""
    panels = _rows({"title": "Basic", "collapse": True, "panels": ["cpu", "mem"]},
                   {"title": "Per node", "showTitle": False, "repeat": "node", "panels": ["net"]})
    assert _outline(panels) == [("row", "Basic", None, True, ["cpu", "mem"]),
                                ("row", "Per node", "node", False, []), "net"]


def test_every_row_is_a_row_panel_when_one_is_shown_and_none_when_none_is():
    shown = _rows({"title": "Hidden", "showTitle": False, "panels": ["a"]},
                  {"title": "Shown", "showTitle": True, "panels": ["b"]})
    assert _outline(shown) == [("row", "Hidden", None, False, []), "a", ("row", "Shown", None, False, []), "b"]
    hidden = _rows({"title": "One", "panels": ["a"]}, {"title": "Two", "panels": ["b"]})
    assert _outline(hidden) == ["a", "b"]
    copies = _rows({"title": "R", "repeat": "x", "panels": ["a"]},
                   {"title": "R", "repeat": "x", "repeatIteration": 1, "panels": ["a"]})
    assert _outline(copies) == [("row", "R", "x", False, []), "a"]  # Grafana's saved copy is skipped


def test_a_repeated_row_survives_the_module_and_the_build(tmp_path):
    from test_import_roundtrip import roundtrip

    original = {"uid": "u", "title": "t", "schemaVersion": 12, "rows": [
        {"title": "Per $instance", "repeat": "instance", "panels": [{"type": "text", "title": "a", "span": 12}]}]}
    built, migrated = roundtrip(original, tmp_path)
    assert built == migrated
    assert [(p["type"], p.get("repeat")) for p in built["panels"]] == [("row", "instance"), ("text", None)]


def test_a_legacy_span_is_floored_as_grafana_migrates_it():
    """Grafana's `upgradeToGridLayout`: `Math.floor(panel.span || 4) * 2` — span 6.9 was rounded
    to 14 columns here where Grafana draws 12, and a panel with no span took the whole width."""
    rows = [{"title": "r", "panels": [{"type": "text", "title": t, **({"span": s} if s is not None else {})}
                                      for t, s in (("a", 6.9), ("b", 2.5), ("c", None), ("d", 0), ("e", 0.5))]}]
    model, _ = migrate({"uid": "u", "title": "t", "schemaVersion": 12, "rows": rows})
    assert [p["gridPos"]["w"] for p in model["panels"]] == [12, 4, 8, 8, 1]
