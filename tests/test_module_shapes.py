"""A module's `dashboard` is held, at its module, to the shape a dashboard must have (trial 10):
before, a dict with `panels: "x"` or `links: 3` ended in "internal error", a number as title was
exported and sent to Grafana, `tags="payments"` became the tags p, a, y, m, e, n, t, s, and
grafanalib's legacy `rows=[Row(panels=…)]` lost every panel with exit 0, and a dashboard with no
title or a blank one was exported for Grafana to refuse ("Dashboard title cannot be empty"). Each
is now one error at the module's `dashboard` line, and the module's previous export is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from vertice_obs.build.modules import ModuleFailure, load_one

CASES = [
    ("panels-text", '{"uid": "w", "title": "W", "panels": "not a list"}',
     "`panels` must be a list of panels, not a JSON string"),
    ("panels-numbers", '{"uid": "w", "title": "W", "panels": [1, None]}',
     "panels[0] is a JSON number, not a panel (an object); panels[1] is JSON null, not a panel (an object)"),
    ("variables-text", '{"uid": "w", "title": "W", "templating": {"list": "x"}}',
     "templating.list must be a list of variables, not a JSON string"),
    ("links-number", '{"uid": "w", "title": "W", "links": 3}', "links must be a list of links, not a JSON number"),
    ("row-panels-text", '{"uid": "w", "title": "W", "panels": [{"type": "row", "panels": "x", "collapsed": True}]}',
     "panels[0].panels must be a list of panels, not a JSON string"),
    ("grid-text", '{"uid": "w", "title": "W", "panels": [{"type": "stat", "gridPos": {"w": "a", "h": 4}}]}',
     "panels[0].gridPos.w is a JSON string, not a number of grid units"),
    ("title-number", '{"uid": "w", "title": 5, "panels": []}',
     "title is a JSON number, not a title (text): Grafana refuses a dashboard without one"),
    ("title-missing", '{"uid": "w", "panels": []}', "the dashboard has no title: give it one (title=...)"),
    ("title-blank", '{"uid": "w", "title": "  ", "panels": []}',
     "the dashboard's title '  ' is blank: Grafana refuses it (\"Dashboard title cannot be empty\")"),
    ("title-empty-grafanalib", 'Dashboard(title="", uid="w")', "the dashboard's title '' is blank"),
    ("title-blank-house", 'p.dashboard("w", " ", description="d", environment_metric="up", panels=[])',
     "the dashboard's title ' ' is blank"),
    ("tags-text", '{"uid": "w", "title": "W", "tags": "abc"}', "tags must be a list of tags, not a JSON string"),
    ("legacy-rows", 'Dashboard(title="Old rows", uid="old-rows", rows=[Row(panels=[Graph(title="G", '
                    'targets=[Target(expr="up")])])])', "`rows` holds panels (grafanalib's legacy Row layout)"),
    ("house-tags-text", 'p.dashboard("w", "W", description="d", environment_metric="up", panels=[], tags="payments")',
     "TypeError: dashboard(): tags must be a list of texts (tags=['payments'] for one), not 'payments'"),
]


@pytest.mark.parametrize("case,value,message", CASES, ids=[c[0] for c in CASES])
def test_a_dashboard_of_the_wrong_shape_is_one_error_at_its_module(tmp_path: Path, case, value, message):
    path = tmp_path / "x.py"
    path.write_text("from grafanalib.core import Dashboard, Row, Graph, Target\nfrom vertice_obs import panels as p\n"
                    f"\ndashboard = {value}\n")
    loaded = load_one(path, "dashboards/x.py")
    assert isinstance(loaded, ModuleFailure), loaded
    assert loaded.line == 4 and message in loaded.message, (loaded.line, loaded.message)


def test_a_legacy_rows_list_without_panels_and_a_well_shaped_dict_still_load(tmp_path: Path):
    path = tmp_path / "x.py"
    path.write_text('dashboard = {"uid": "w", "title": "W", "rows": [], "tags": ["a"], "panels": '
                    '[{"type": "stat", "gridPos": {"w": 6, "h": 4, "x": 0, "y": 0}, "targets": [{"expr": "up"}]}]}\n')
    loaded = load_one(path, "dashboards/x.py")
    assert not isinstance(loaded, ModuleFailure), loaded.message
    assert loaded.uid == "w"
