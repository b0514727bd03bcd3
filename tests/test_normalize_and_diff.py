"""Normalisation and the per-panel diff: pure, table-driven."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn

from vertice_obs.build.render import RenderedDashboard
from vertice_obs.grafana.destinations import GrafanaDestination
from vertice_obs.grafana.diff import diff_dashboard, unified
from vertice_obs.grafana.normalize import content_hash, normalize
from vertice_obs.grafana.publish import execute, folder_chain, folder_uid, plan_publish

REPO = Path(__file__).resolve().parent.parent
MODEL = json.loads((REPO / "exports" / "esgt" / "maximus-esgt-ignition.json").read_text())


def ui_saved(model):
    """What Grafana's UI adds on save: server fields, defaults, a pluginVersion per panel."""
    saved = copy.deepcopy(model)
    saved.update(id=42, version=7, iteration=1700000000, fiscalYearStartMonth=0, liveNow=False, weekStart="",
                 gnetId=None)
    for panel in saved["panels"]:
        panel.update(pluginVersion="11.4.0", transparent=panel.get("transparent", False))
        for target in panel.get("targets", []):
            target.setdefault("hide", False)
    return {"dashboard": saved, "meta": {"version": 7}}


def test_server_fields_and_defaults_do_not_count():
    assert normalize(ui_saved(MODEL)) == normalize(MODEL)
    assert content_hash(ui_saved(MODEL)) == content_hash(MODEL)
    assert diff_dashboard("x", MODEL, ui_saved(MODEL)["dashboard"]).status == "unchanged"


def test_unknown_keys_are_kept():
    extended = dict(MODEL, someFutureGrafanaKey={"a": 1})
    assert normalize(extended)["someFutureGrafanaKey"] == {"a": 1}
    assert diff_dashboard("x", MODEL, extended).changes == ["dashboard: ['someFutureGrafanaKey'] removed"]


@pytest.mark.parametrize("mutate,expected", [
    (lambda m: m.update(title="Old title"), ["title changed: 'Old title' → 'MAXIMUS · ESGT — ignition'"]),
    (lambda m: m["panels"].pop(2), ["panel 'Success ratio' added"]),
    (lambda m: m["panels"][5]["gridPos"].update(x=12), ["panel 'Ignitions by type' moved: (12,16 12×8) → (0,16 12×8)"]),
    (lambda m: m["templating"]["list"][1].update(query={"query": "label_values(up, environment)",
                                                        "refId": "environment"}),
     ["variable $environment changed: query {\"query\": \"label_values(up, environment)\", \"refId\": "
      "\"environment\"} → {\"query\": \"label_values(maximus_esgt_success_ratio, environment)\", "
      "\"refId\": \"environment\"}"]),
    (lambda m: m["panels"].append({"type": "stat", "title": "Hand-made", "id": 99}), ["panel 'Hand-made' removed"]),
    # a changed query is said once, though grafanalib writes it twice (`expr` and `query`)
    (lambda m: m["panels"][1]["targets"][0].update(expr="up", query="up"),
     [f"panel {MODEL['panels'][1]['title']!r}: target A expr `up` → `{MODEL['panels'][1]['targets'][0]['expr']}`"]),
    # a `query` that is not the expr is a change of its own
    (lambda m: m["panels"][1]["targets"][0].update(query="other"),
     [f"panel {MODEL['panels'][1]['title']!r}: target A: ['query'] `other` → "
      f"`{MODEL['panels'][1]['targets'][0]['expr']}`"]),
])
def test_each_change_is_said_in_words(mutate, expected):
    live = copy.deepcopy(MODEL)
    mutate(live)
    result = diff_dashboard("maximus-esgt-ignition", MODEL, live)
    assert result.status == "changed" and result.changes == expected


def test_unified_diff_shows_the_json_lines():
    live = copy.deepcopy(MODEL)
    live["title"] = "Old"
    text = unified("u", MODEL, live)
    assert '-  "title": "Old",' in text and '+  "title": "MAXIMUS · ESGT — ignition",' in text
    assert "\x1b[" in unified("u", MODEL, live, color=True)


def test_folder_uids_are_stable_valid_and_nested():
    chain = folder_chain("MAXIMUS/Skill learning")
    assert [(f.uid, f.title, f.parent_uid) for f in chain] == [
        ("vobs-maximus", "MAXIMUS", ""), ("vobs-maximus-skill-learning", "Skill learning", "vobs-maximus")]
    long = folder_uid("A very long folder name/that goes on/and on and on")
    assert len(long) <= 40 and long == folder_uid("A very long folder name/that goes on/and on and on")


def test_edit_between_plan_and_write_is_a_412_named_failure_and_nothing_is_lost(tmp_path):
    rendered = [RenderedDashboard("maximus-esgt-ignition", "esgt", "MAXIMUS/ESGT", MODEL, "esgt_ignition.py")]
    with GrafanaStandIn() as grafana:
        target = GrafanaDestination(grafana.url, "glsa_standin_token")
        execute(plan_publish(rendered, target), target, "c1", tmp_path)
        changed = [RenderedDashboard(r.uid, r.narrative, r.folder, dict(r.model, description="new"), r.source)
                   for r in rendered]
        plan = plan_publish(changed, target)
        grafana.edit_in_ui("maximus-esgt-ignition", lambda m: m.update(description="someone was faster"))
        [result] = execute(plan, target, "c2", tmp_path)
        assert result.status == "failed"
        assert "changed in Grafana meanwhile (412 version-mismatch)" in result.detail
        assert grafana.dashboards["maximus-esgt-ignition"]["model"]["description"] == "someone was faster"
        grafana.assert_no_violations()


def test_folder_deleted_between_plan_and_write_fails_its_dashboards_by_name(tmp_path):
    rendered = [RenderedDashboard("maximus-esgt-ignition", "esgt", "MAXIMUS/ESGT", MODEL, "esgt_ignition.py")]
    with GrafanaStandIn() as grafana:
        target = GrafanaDestination(grafana.url, "glsa_standin_token")
        target.create_folder(folder_chain("MAXIMUS")[0])
        plan = plan_publish(rendered, target)
        assert [f.uid for f in plan.folders] == ["vobs-maximus-esgt"]  # the parent exists at plan time
        del grafana.folders["vobs-maximus"]  # someone deletes it before the write
        [result] = execute(plan, target, "c1", tmp_path)
        assert result.status == "failed"
        assert result.detail == ("its folder could not be created: folder 'ESGT': not found (404): "
                                 "folder not found")
        assert grafana.dashboards == {}
