"""Normalisation pinned on small hand-made dashboards (pure, in-process).

Written from mutmut's survivors of `grafana/normalize.py` (issue 16). What a UI save adds is
listed here literally — each key with the exact value Grafana writes — so a default dropped with
the wrong value (a real change hidden) or a default kept (a false "changed") fails here.
"""

from __future__ import annotations

from vertice_obs.grafana.normalize import (
    canonical_text,
    content_hash,
    normalize,
    unwrap,
)

# What Grafana writes on a UI save with its default values: none of it is what the code says.
UI_DASHBOARD_DEFAULTS = {
    "gnetId": None, "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "", "links": [],
    "graphTooltip": 0, "editable": True, "timepicker": {}, "style": "dark", "hideControls": False,
    "sharedCrosshair": False, "__inputs": [], "__requires": [], "__elements": {}, "rows": [],
}
UI_PANEL_DEFAULTS = {
    "transparent": False, "links": [], "transformations": [], "hideTimeOverride": False, "options": {},
    "editable": True, "error": False, "targets": [], "interval": None, "maxDataPoints": None,
    "timeFrom": None, "timeShift": None, "description": "", "pluginVersion": "11.4.0",
}
UI_TARGET_DEFAULTS = {
    "hide": False, "interval": "", "editorMode": None, "range": None, "instant": False, "exemplar": None,
    "metric": "", "target": "", "query": None, "step": None, "intervalFactor": None, "legendFormat": "",
}
# The same keys with a value that is not the default: each one is a real difference, kept.
NOT_DASHBOARD_DEFAULTS = {
    "fiscalYearStartMonth": 3, "liveNow": True, "weekStart": "monday", "links": [{"title": "l"}],
    "graphTooltip": 1, "editable": False, "timepicker": {"hidden": True}, "style": "light",
    "hideControls": True, "sharedCrosshair": True, "__inputs": [{"name": "DS"}], "__requires": [{"id": "x"}],
    "__elements": {"e": {}}, "rows": [{"title": "r"}], "gnetId": 1860,
}
NOT_PANEL_DEFAULTS = {
    "transparent": True, "links": [{"url": "u"}], "transformations": [{"id": "merge"}],
    "hideTimeOverride": True, "options": {"legend": {}}, "editable": False, "error": True,
    "targets": [{"refId": "A"}], "interval": "1m", "maxDataPoints": 100, "timeFrom": "1h", "timeShift": "1d",
    "description": "d",
}
NOT_TARGET_DEFAULTS = {
    "hide": True, "interval": "30s", "editorMode": "code", "range": True, "instant": True, "exemplar": True,
    "metric": "m", "target": "t", "query": "q", "step": 15, "intervalFactor": 2, "legendFormat": "{{job}}",
}


def test_server_fields_and_ui_defaults_are_dropped_everywhere():
    saved = {"uid": "u", "title": "T", "id": 42, "version": 7, "iteration": 1700000000, **UI_DASHBOARD_DEFAULTS,
             "panels": [{"id": 1, "title": "P", **UI_PANEL_DEFAULTS,
                         "targets": [{"refId": "A", "expr": "up", **UI_TARGET_DEFAULTS}]},
                        {"type": "row", "id": 2, "title": "R",
                         "panels": [{"id": 3, "title": "In", **UI_PANEL_DEFAULTS}]}]}
    assert normalize({"dashboard": saved, "meta": {"version": 7}}) == {
        "uid": "u", "title": "T",
        "panels": [{"id": 1, "title": "P", "targets": [{"refId": "A", "expr": "up"}]},
                   {"type": "row", "id": 2, "title": "R", "panels": [{"id": 3, "title": "In"}]}]}


def test_values_that_are_not_the_default_are_kept():
    model = {"title": "T", **NOT_DASHBOARD_DEFAULTS,
             "panels": [{"id": 1, **NOT_PANEL_DEFAULTS, "targets": [{"refId": "A", **NOT_TARGET_DEFAULTS}]}]}
    assert normalize(model) == model


def test_a_key_is_a_default_only_where_it_is_one():
    # `style: dark` is a dashboard default, not a panel's; `hide: false` a target's, not a panel's
    model = {"title": "T", "panels": [{"style": "dark", "hide": False, "weekStart": "",
                                       "targets": [{"refId": "A", "transparent": False, "style": "dark"}]}],
             "hide": False, "transparent": False}
    assert normalize(model) == model


def test_nulls_are_dropped_in_objects_kept_in_lists_and_unknown_keys_kept():
    model = {"title": "T", "someFutureKey": {"a": None, "b": [None, {"c": None, "d": 1}]}, "gone": None,
             "panels": [{"id": 1, "fieldConfig": {"defaults": {"unit": None, "min": 0}}}]}
    assert normalize(model) == {"title": "T", "someFutureKey": {"b": [None, {"d": 1}]},
                                "panels": [{"id": 1, "fieldConfig": {"defaults": {"min": 0}}}]}


def test_any_shape_of_json_is_kept_not_crashed_on():
    assert normalize({"title": "T", "panels": "junk"}) == {"title": "T", "panels": "junk"}
    assert normalize({"panels": ["junk", {"id": 1, "targets": "junk", "panels": "junk"},
                                 {"targets": ["junk", {"hide": False}]}]}) == {
        "panels": ["junk", {"id": 1, "targets": "junk", "panels": "junk"}, {"targets": ["junk", {}]}]}


def test_unwrap_takes_the_model_from_a_server_answer_or_a_save_body_only():
    model = {"title": "T"}
    assert unwrap({"dashboard": model, "meta": {}}) is model
    assert unwrap({"dashboard": model, "folderId": 0, "overwrite": True}) is model  # a save body
    assert unwrap({"dashboard": model}) is model
    own = {"dashboard": model, "title": "Outer", "panels": []}  # a dashboard with a key of that name
    assert unwrap(own) is own
    assert unwrap({"dashboard": "x", "meta": {}}) == {"dashboard": "x", "meta": {}}
    assert unwrap("junk") == "junk"


def test_canonical_text_and_hash_are_fixed():
    doc = {"title": "é", "version": 3, "list": [3, 1]}
    text = '{\n  "list": [\n    3,\n    1\n  ],\n  "title": "é"\n}\n'
    assert canonical_text(doc) == text
    assert content_hash(doc) == "20832cce837f2a3b"
    # a number orjson writes otherwise than json: json's text, the same layout
    assert canonical_text({"title": "é", "n": 1e16, "list": [3, 1]}) == (
        '{\n  "list": [\n    3,\n    1\n  ],\n  "n": 1e+16,\n  "title": "é"\n}\n')


# --- the null check in front of `_clean` (a speed path): it must never change the answer ---------
from unittest import mock  # noqa: E402

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import vertice_obs.grafana.normalize as _normalize  # noqa: E402

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.text(max_size=5),
                  st.sampled_from(["null", "a null b", "\ud800"]), st.floats(allow_nan=True))
_JSON = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                     max_leaves=12)
_KEY = st.sampled_from(["title", "panels", "templating", "links", "id", "x"])


@given(model=st.dictionaries(_KEY, _JSON, max_size=4),
       panels=st.lists(st.dictionaries(st.sampled_from(["targets", "options", "panels", "type", "id"]), _JSON,
                                       max_size=3), max_size=3))
@example(model={"title": "t"}, panels=[{"options": {"a": {"b": None}}}])  # a null deep down
@example(model={"title": "null"}, panels=[{"options": {"a": 1}}])  # text that reads null: the walk
def test_skipping_the_null_walk_never_changes_normal_form_or_hash(model, panels):
    document = {**model, "panels": panels}
    fast = (_normalize.normalize(document), _normalize.canonical_text(document))
    with mock.patch.object(_normalize, "_may_hold_null", lambda _m: True):  # always walk: the reference
        slow = (_normalize.normalize(document), _normalize.canonical_text(document))
    assert repr(fast) == repr(slow)  # repr: NaN compares unequal to itself


def test_a_null_anywhere_is_seen():
    assert _normalize._may_hold_null({"a": [{"b": None}]})
    assert not _normalize._may_hold_null({"a": [{"b": "n"}], "c": 1.5})
    assert _normalize._may_hold_null({1: "non-string key orjson refuses"})
