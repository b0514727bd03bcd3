"""How the diff pairs a live panel with its desired one, and what it ignores in a panel, pinned word
for word on small hand-made dashboards (pure, in-process).

Written from mutmut's survivors of `grafana/diff.py` after `vobs import`'s diff-against-original
landed (issue 16): title-first pairing in reading order, ids where a title's count differs,
leftovers by id, legacy `rows[]`, empty `fieldConfig` parts, and DeepDiff's options (each changed
key, `__inputs` too). Each test fixes the exact text a reader of `vobs diff` sees.
"""

from __future__ import annotations

from vertice_obs.grafana.diff import _shown, diff_dashboard
from vertice_obs.grafana.pairing import reading as _reading


def changes(live, desired):
    result = diff_dashboard("u", desired, live)
    assert result.status == "changed", result
    return result.changes


def panels(*ps, **rest):
    return {"title": "T", "panels": list(ps), **rest}


def at(y, x=0):
    return {"x": x, "y": y, "w": 12, "h": 8}


DEFAULTS_ONLY = ["changed (key order or defaults only)"]


# --- pairing -------------------------------------------------------------------------------------

def test_same_titles_pair_in_reading_order_not_document_order():
    """The n-th "A" of the code pairs with the n-th "A" on screen (top to bottom, then left to
    right), whatever order the live JSON lists them in and whatever their ids."""
    live = panels({"id": 1, "title": "A", "gridPos": at(8), "description": "low"},
                  {"id": 2, "title": "A", "gridPos": at(0, 12), "description": "right"},
                  {"id": 3, "title": "A", "gridPos": at(0), "description": "left"})
    desired = panels({"id": 7, "title": "A", "gridPos": at(0), "description": "left"},
                     {"id": 8, "title": "A", "gridPos": at(0, 12), "description": "right"},
                     {"id": 9, "title": "A", "gridPos": at(8), "description": "low"})
    assert changes(live, desired) == DEFAULTS_ONLY  # only the ids moved; a diff says nothing of them
    desired["panels"][2]["description"] = "lower"
    assert changes(live, desired) == ["panel 'A': ['description'] `low` → `lower`"]


def test_a_story_panel_added_above_shifts_no_pairing():
    """An import adds a story panel on top: every id after it shifts by one, titles still pair."""
    live = panels({"id": 1, "title": "Rate", "gridPos": at(0)}, {"id": 2, "title": "Errors", "gridPos": at(8)})
    desired = panels({"id": 1, "title": "Story", "type": "text", "gridPos": at(0)},
                     {"id": 2, "title": "Rate", "gridPos": at(0)}, {"id": 3, "title": "Errors", "gridPos": at(8)})
    assert changes(live, desired) == ["panel 'Story' added"]


def test_where_a_titles_count_differs_the_panel_keeping_its_id_pairs_first():
    live = panels({"id": 1, "title": "A", "gridPos": at(0), "description": "one"},
                  {"id": 2, "title": "A", "gridPos": at(8), "description": "two"})
    # reading order would pair the code's only "A" with id 1; its id says it is id 2
    assert changes(live, panels({"id": 2, "title": "A", "gridPos": at(8), "description": "two"})) == [
        "panel 'A' removed"]
    assert changes(live, panels({"id": 2, "title": "A", "gridPos": at(8), "description": "2"})) == [
        "panel 'A': ['description'] `two` → `2`", "panel 'A' removed"]
    # one more "A" in the code: id 1 and id 2 keep theirs, the new one (id 9) is added
    desired = panels({"id": 9, "title": "A", "gridPos": at(0), "description": "new"},
                     {"id": 1, "title": "A", "gridPos": at(8), "description": "one"},
                     {"id": 2, "title": "A", "gridPos": at(16), "description": "two"})
    assert changes(live, desired) == ["panel 'A' added", "panel 'A' moved: (0,0 12×8) → (0,8 12×8)",
                                      "panel 'A' moved: (0,8 12×8) → (0,16 12×8)"]
    # no id matches: the n-th in reading order still pairs, the rest is removed
    assert changes(live, panels({"id": 5, "title": "A", "gridPos": at(8), "description": "one"})) == [
        "panel 'A' moved: (0,0 12×8) → (0,8 12×8)", "panel 'A' removed"]


def test_equal_counts_pair_by_reading_order_even_against_the_ids():
    live = panels({"id": 1, "title": "A", "gridPos": at(0), "description": "one"},
                  {"id": 2, "title": "A", "gridPos": at(8), "description": "two"})
    desired = panels({"id": 2, "title": "A", "gridPos": at(0), "description": "one"},
                     {"id": 3, "title": "A", "gridPos": at(8), "description": "two"})
    assert changes(live, desired) == DEFAULTS_ONLY


def test_a_rename_pairs_by_id_and_a_missing_title_is_said_empty():
    assert changes(panels({"id": 1}), panels({"id": 1, "title": "A"})) == ["panel #1 renamed to 'A'"]
    assert changes(panels({"id": 1, "title": "A"}), panels({"id": 1})) == ["panel 'A' renamed to no title"]
    assert changes(panels({"id": 1, "title": "A"}), panels({"id": 1, "title": "B"})) == [
        "panel 'A' renamed to 'B'"]
    # without an id on the live side nothing pairs
    assert changes(panels({"title": "A"}), panels({"title": "B"})) == ["panel 'B' added", "panel 'A' removed"]


def test_reading_order_of_any_gridpos():
    """Top to bottom, then left to right; a position that is not a number (a bool is not one) reads
    as 0, so a hand-edited or broken gridPos never stops the diff."""
    assert _reading({"gridPos": {"x": 3, "y": 5}}) == (5, 3)
    assert _reading({"gridPos": {"x": 1.5, "y": 2.5}}) == (2.5, 1.5)
    assert _reading({"gridPos": {"x": True, "y": True}}) == (0, 0)
    assert _reading({"gridPos": {"x": "7", "y": "8"}}) == (0, 0)
    assert _reading({"gridPos": {"x": None, "y": [1]}}) == (0, 0)
    assert _reading({"gridPos": "junk"}) == (0, 0)
    assert _reading({}) == (0, 0)


def test_broken_positions_pair_as_if_at_the_top_left():
    live = panels({"id": 1, "title": "A", "gridPos": {"y": 0.5, "x": 0}, "description": "second"},
                  {"id": 2, "title": "A", "gridPos": {"y": "top", "x": True}, "description": "first"},
                  {"id": 3, "title": "A", "description": "third"})
    desired = panels({"title": "A", "description": "first"}, {"title": "A", "description": "third"},
                     {"title": "A", "description": "second"})
    # reading order: id 2 (0,0), id 3 (0,0; after id 2 in the document), id 1 (0.5)
    assert changes(live, desired) == [
        'panel \'A\' position removed (was (true,"top" ?×?))',
        "panel 'A' position removed (was (0,0.5 ?×?))",
    ]


# --- legacy rows ---------------------------------------------------------------------------------

def test_legacy_row_panels_are_compared_with_their_migrations():
    live = {"title": "T", "schemaVersion": 14, "rows": [
        {"title": "R1", "panels": [{"id": 1, "title": "Rate", "type": "graph", "pluginVersion": "5.0"}]},
        {"title": "R2", "panels": "junk"},
        {"title": "R3", "panels": [{"id": 2, "title": "Errors", "type": "graph", "transparent": False}]},
        "junk",
    ]}
    desired = {"title": "T", "schemaVersion": 39, "panels": [
        {"id": 1, "title": "Rate", "type": "timeseries"}, {"id": 2, "title": "Errors", "type": "graph"}]}
    assert changes(live, desired) == [
        "panel 'Rate': ['type'] `graph` → `timeseries`",
        "dashboard: ['rows'] removed",
        "dashboard: ['schemaVersion'] 14 → 39",
    ]
    # a model with both: the panels first, then the rows' panels
    live = {"title": "T", "panels": [{"id": 1, "title": "Top"}], "rows": [{"panels": [{"id": 2, "title": "Old"}]}]}
    assert changes(live, {"title": "T", "panels": [{"id": 1, "title": "Top"}]}) == [
        "panel 'Old' removed", "dashboard: ['rows'] removed"]


# --- empty fieldConfig parts ---------------------------------------------------------------------

def test_empty_field_config_parts_are_not_named():
    assert _shown({"id": 1}) == {"id": 1}
    assert _shown({"id": 1, "fieldConfig": "junk"}) == {"id": 1, "fieldConfig": "junk"}
    assert _shown({"id": 1, "fieldConfig": {"defaults": {}, "overrides": []}}) == {"id": 1}
    assert _shown({"id": 1, "fieldConfig": {"defaults": {"custom": {}}, "overrides": []}}) == {"id": 1}
    assert _shown({"id": 1, "fieldConfig": {"overrides": []}}) == {"id": 1}
    assert _shown({"id": 1, "fieldConfig": {"defaults": "junk"}}) == {"id": 1, "fieldConfig": {"defaults": "junk"}}
    assert _shown({"fieldConfig": {"defaults": {"custom": {}, "unit": "s"}, "overrides": [{"m": 1}]}}) == \
        {"fieldConfig": {"defaults": {"unit": "s"}, "overrides": [{"m": 1}]}}
    assert _shown({"fieldConfig": {"defaults": {"custom": {"w": 1}}, "overrides": {}}}) == \
        {"fieldConfig": {"defaults": {"custom": {"w": 1}}}}
    # only `defaults` and `overrides` are Grafana's empty parts: another empty key is kept
    assert _shown({"fieldConfig": {"defaults": [], "other": {}, "more": []}}) == \
        {"fieldConfig": {"other": {}, "more": []}}


def test_a_ui_saved_empty_field_config_is_no_panel_change():
    plain = panels({"id": 1, "title": "P", "fieldConfig": {"defaults": {"unit": "s"}}})
    saved = panels({"id": 1, "title": "P", "fieldConfig": {"defaults": {"unit": "s", "custom": {}}, "overrides": []}})
    assert changes(saved, plain) == DEFAULTS_ONLY
    assert changes(panels({"id": 1, "title": "P", "fieldConfig": {"defaults": {}, "overrides": []}}),
                   panels({"id": 1, "title": "P"})) == DEFAULTS_ONLY
    edited = panels({"id": 1, "title": "P", "fieldConfig": {"defaults": {"unit": "ms", "custom": {}}}})
    assert changes(saved, edited) == ["panel 'P': ['fieldConfig']['defaults']['unit'] `s` → `ms`"]
    assert changes(panels({"id": 1, "title": "P"}), edited) == ["panel 'P': ['fieldConfig'] added"]
    assert changes(edited, panels({"id": 1, "title": "P", "fieldConfig": {"overrides": []}})) == [
        "panel 'P': ['fieldConfig'] removed"]


# --- DeepDiff's options --------------------------------------------------------------------------

def test_each_changed_key_is_named_never_the_whole_object():
    live = panels({"id": 1, "title": "P", "options": {"a": 1, "k": 0}})
    desired = panels({"id": 1, "title": "P", "options": {"b": 2, "c": 3, "k": 0}})
    assert changes(live, desired) == ["panel 'P': ['options']['b'] added", "panel 'P': ['options']['c'] added",
                                      "panel 'P': ['options']['a'] removed"]
    assert changes({"title": "T", "links": [{"a": 1}]}, {"title": "T", "links": [{"b": 2}]}) == [
        "dashboard: ['links'][0]['b'] added", "dashboard: ['links'][0]['a'] removed"]


def test_double_underscore_keys_are_compared_too():
    live = {"title": "T", "__inputs": [{"name": "DS", "pluginId": "prometheus"}]}
    desired = {"title": "T", "__inputs": [{"name": "DS_PROM", "pluginId": "prometheus"}]}
    assert changes(live, desired) == ["dashboard: ['__inputs'][0]['name'] `DS` → `DS_PROM`"]
    assert changes({"title": "T", "__requires": [{"id": "a"}]}, {"title": "T", "__requires": [{"id": "b"}]}) == [
        "dashboard: ['__requires'][0]['id'] `a` → `b`"]
