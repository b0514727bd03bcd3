"""Copies Grafana made of repeated panels and rows and saved with the dashboard (`repeatPanelId`,
`repeatedByRow`, a legacy row's `repeatRowId`) are removed by Grafana when it loads a dashboard with
variables (`DashboardModel.cleanUpRepeats`) and made anew: vobs reads none of them. Counted, they
doubled every finding of their source — trial 14, nautobot-capacity-metrics' dashboard: one missing
metric said as "5 panels", ranked first in the audit."""

from __future__ import annotations

import copy

import pytest

from vertice_obs.checks.walk import walk_panels
from vertice_obs.metrics.inventory import inventory

TEMPLATING = {"list": [{"name": "instance", "type": "query", "query": "label_values(up, instance)"}]}


def target(expr: str) -> dict:
    return {"refId": "A", "expr": expr, "datasource": {"type": "prometheus", "uid": "p"}}


def model(**extra) -> dict:
    return {"uid": "rep", "title": "Rep", "templating": copy.deepcopy(TEMPLATING), "panels": [
        {"id": 21, "type": "row", "title": "$instance", "repeat": "instance", "collapsed": False, "panels": []},
        {"id": 19, "type": "gauge", "title": "Hits", "targets": [target("sum(rate(hits_total[5m]))")]},
        {"id": 24, "type": "row", "title": "$instance", "repeatPanelId": 21, "repeatIteration": 1, "panels": []},
        {"id": 25, "type": "gauge", "title": "Hits", "repeatPanelId": 19, "repeatedByRow": True,
         "repeatIteration": 1, "targets": [target("sum(rate(hits_total[5m]))")]},
        {"id": 30, "type": "stat", "title": "Misses", "repeat": "instance", "targets": [target("sum(misses_total)")]},
        {"id": 31, "type": "stat", "title": "Misses", "repeatPanelId": 30, "repeatIteration": 1,
         "targets": [target("sum(misses_total)")]},
        {"id": 40, "type": "row", "title": "copied, collapsed", "collapsed": True, "repeatPanelId": 21,
         "repeatIteration": 1, "panels": [{"id": 41, "type": "stat", "targets": [target("up")]}]},
    ], **extra}


def panel_ids(m: dict) -> list:
    return [p.get("id") for _, p in walk_panels(m)]


def query_panels(m: dict) -> list:
    return [q.location.panel_id for q in inventory(m, "d.json")[0] if q.kind != "variable"]


def test_saved_copies_of_repeats_are_not_read():
    m = model()
    assert panel_ids(m) == [21, 19, 30]
    assert query_panels(m) == [19, 30]


@pytest.mark.parametrize("extra", [{"templating": {"list": []}}, {"snapshot": {"timestamp": "2026-01-01"}}])
def test_grafana_keeps_them_without_variables_or_in_a_snapshot(extra):
    """cleanUpRepeats returns at once for a snapshot or a dashboard without variables: the copies stay."""
    m = model(**extra)
    assert panel_ids(m) == [21, 19, 24, 25, 30, 31, 40, 41]
    assert query_panels(m) == [19, 25, 30, 31, 41]


def test_a_legacy_rows_copy_is_not_read():
    m = {"uid": "old", "templating": copy.deepcopy(TEMPLATING), "rows": [
        {"title": "$instance", "repeat": "instance", "panels": [{"id": 1, "type": "graph",
                                                                 "targets": [target("up")]}]},
        {"title": "$instance", "repeatRowId": 1, "repeatIteration": 1,
         "panels": [{"id": 2, "type": "graph", "repeatPanelId": 1, "targets": [target("up")]}]}]}
    assert panel_ids(m) == [1]
    assert query_panels(m) == [1]
    m["templating"] = {"list": []}  # Grafana's migration skips it whatever the variables (`upgradeToGridLayout`)
    assert panel_ids(m) == [1]
    assert query_panels(m) == [1]


def test_import_drops_the_copies_and_says_so():
    """`vobs import` kept them as code: dead copies pointing at panel ids that import renumbers."""
    from vertice_obs.importer.migrate import migrate

    out, notes = migrate(model())

    def every(panels):
        for p in panels:
            yield p
            yield from every(p.get("panels") or [])

    assert not [p for p in every(out["panels"]) if "repeatPanelId" in p]
    assert [p.get("title") for p in out["panels"]] == ["$instance", "Hits", "Misses"]
    assert ("dropped 4 copies Grafana saved of repeated panels or rows (`repeatPanelId`): Grafana drops them on load "
            "and repeats the source anew") in notes
    kept, notes = migrate(model(templating={"list": []}))  # no variables: Grafana keeps them, and so does import
    assert len(list(every(kept["panels"]))) == 8 and not [n for n in notes if "copies" in n]


def test_import_drops_a_copy_inside_a_collapsed_row():
    from vertice_obs.importer.migrate import migrate

    m = {"uid": "c", "title": "C", "templating": copy.deepcopy(TEMPLATING), "panels": [
        {"id": 1, "type": "row", "title": "R", "collapsed": True, "panels": [
            {"id": 2, "type": "stat", "repeat": "instance", "targets": [target("up")]},
            {"id": 3, "type": "stat", "repeatPanelId": 2, "repeatIteration": 1, "targets": [target("up")]}]}]}
    out, notes = migrate(m)
    assert [len(p.get("panels") or []) for p in out["panels"]] == [1]
    assert "repeatPanelId" not in out["panels"][0]["panels"][0]
    assert any(n.startswith("dropped 1 copy Grafana saved") for n in notes), notes
    assert panel_ids(m) == [1, 2] and query_panels(m) == [2]  # the walk and the inventory agree
