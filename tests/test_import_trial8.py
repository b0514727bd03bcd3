"""`vobs import` as a new user met it in trial 8: a Grafana-saved dashboard refused for a `y` Grafana
itself wrote, a folder import that wrote nothing without saying so, an unused `__inputs` datasource
made a second picker, a too-deep file not named, one shape problem per run, and a new folder left
in a state `vobs build` could not read. Each test here failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_import_cli import vobs


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for folder in ("dashboards", "narratives"):
        (tmp_path / folder).mkdir()
    return tmp_path


def _panel(title: str, x: int, y: int, **fields) -> dict:
    return {"type": "timeseries", "title": title, "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
            "targets": [{"expr": "up", "refId": "A"}], **fields}


def _collapsed_far_down(uid: str = "far") -> dict:
    """As Grafana saves a long dashboard: a collapsed row's panels keep the `y` they had expanded."""
    return {"uid": uid, "title": "Far", "panels": [
        _panel("top", 0, 0),
        {"type": "row", "title": "later", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 16202},
         "panels": [_panel("deep down", 0, 16203), _panel("beside it", 12, 16203)]}]}


def test_a_collapsed_row_far_down_is_imported_and_built(project: Path):
    """rfmoz haproxy.json: `gridPos.y is 16203, not a number of grid units from 0 to 10,000`. A
    position is only read for the panels' order; Grafana saves and takes any."""
    (project / "far.json").write_text(json.dumps(_collapsed_far_down()))
    done = vobs(project, "import", "far.json", "--narrative", "n")
    assert done.returncode == 0, done.stderr
    assert vobs(project, "build").returncode == 0
    [row] = [p for p in json.loads((project / "exports" / "n" / "far.json").read_text())["panels"]
             if p["type"] == "row"]
    assert [p["title"] for p in row["panels"]] == ["deep down", "beside it"]


def test_a_folder_with_one_refused_file_says_which_and_that_nothing_was_written(project: Path):
    (project / "pulled").mkdir()
    for uid in ("a", "b", "c"):
        (project / "pulled" / f"{uid}.json").write_text(json.dumps(_collapsed_far_down(uid)))
    (project / "pulled" / "b.json").write_text('{"uid": "b", "title": "B",\n "panels": [\n  {"gridPos": {"w": -1}}]}')
    done = vobs(project, "import", "pulled", "--narrative", "n")
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.splitlines() == [
        "vobs: error: pulled/b.json:3:21: panels[0].gridPos.w is -1, not a number of grid units from 0 to 10,000",
        "vobs: error: nothing was written: 1 of 3 dashboards refused (pulled/b.json); an import writes all of them "
        "or none — fix it, or import the others without it"]
    assert not list((project / "dashboards").iterdir()) and not list((project / "narratives").iterdir())


def test_every_shape_problem_of_every_file_is_said_in_one_run(project: Path):
    """One problem per run before: `h`, then (fixed) `w`, then `x`."""
    (project / "j.json").write_text(json.dumps({"uid": "j", "title": "J", "panels": [
        {"type": "timeseries", "title": "t", "targets": [{"refId": "A", "expr": "up"}],
         "gridPos": {"x": "a", "y": None, "w": -5, "h": 1e10}}, 3]}, indent=1))
    (project / "k.json").write_text('{"uid": "k", "title": "K", "tags": [1]}')
    done = vobs(project, "import", "j.json", "k.json", "--narrative", "n")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "vobs: error: j.json:15:10: panels[0].gridPos.x is a JSON string, not a number (a place on the grid)",
        "vobs: error: j.json:16:10: panels[0].gridPos.y is JSON null, not a number (a place on the grid)",
        "vobs: error: j.json:17:10: panels[0].gridPos.w is -5, not a number of grid units from 0 to 10,000",
        "vobs: error: j.json:18:10: panels[0].gridPos.h is 10000000000.0, not a number of grid units from 0 to 10,000",
        "vobs: error: j.json:21:3: panels[1] is a JSON number, not a panel (an object)",
        "vobs: error: k.json:1:37: tags[0] is a JSON number, not a string",
        "vobs: error: nothing was written: 2 of 2 dashboards refused (j.json, k.json); an import writes all of "
        "them or none"]


def test_a_file_of_hundreds_of_problems_says_the_first_fifty_and_how_many_more(project: Path):
    (project / "p.json").write_text('{"uid": "p", "title": "P", "panels": [\n' + ",\n".join(["null"] * 60) + "]}")
    lines = vobs(project, "import", "p.json", "--narrative", "n").stderr.splitlines()
    assert len(lines) == 51 and lines[49] == "vobs: error: p.json:51:1: panels[49] is JSON null, not a panel (an object)"
    assert lines[50] == "vobs: error: p.json: 10 more problems like these"


def test_rows_nested_too_deep_name_the_file_and_where(project: Path):
    """Said `vobs: error: input is nested too deeply to process`, naming no file."""
    panel: dict = {"type": "text", "title": "bottom"}
    for depth in range(300):
        panel = {"type": "row", "title": f"r{depth}", "panels": [panel]}
    (project / "deep.json").write_text(json.dumps({"uid": "deep", "title": "Deep", "panels": [panel]}))
    done = vobs(project, "import", "deep.json", "--narrative", "n")
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith("vobs: error: deep.json:1:") and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.rstrip().endswith(": the dashboard is nested more than 100 levels deep here")


def _exported_with_inputs(reference: str) -> dict:
    """A Grafana.com export whose panels use `reference` and whose `__inputs` declare DS_PROMETHEUS."""
    return {"__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource",
                          "pluginId": "prometheus", "pluginName": "Prometheus"}],
            "uid": "views", "title": "Views",
            "templating": {"list": [{"type": "datasource", "name": "datasource", "query": "prometheus"}]},
            "panels": [_panel("Up", 0, 0, datasource={"type": "prometheus", "uid": reference})]}


def test_an_input_nothing_refers_to_makes_no_variable(project: Path):
    """dotdc k8s-views-global: `__inputs` declares DS_PROMETHEUS, the panels use `${datasource}`;
    the import added an unused second picker, and `vobs validate` flagged vobs' own export."""
    (project / "views.json").write_text(json.dumps(_exported_with_inputs("${datasource}")))
    done = vobs(project, "import", "views.json", "--narrative", "n", "--explain")
    assert done.returncode == 0, done.stderr
    assert "  - __inputs DS_PROMETHEUS: no variable made, as nothing in the dashboard refers to ${DS_PROMETHEUS}" \
        in done.stdout
    assert vobs(project, "build").returncode == 0
    variables = json.loads((project / "exports" / "n" / "views.json").read_text())["templating"]["list"]
    assert [v["name"] for v in variables] == ["datasource"]
    checked = vobs(project, "validate", "exports", "--offline")
    assert "[variable/unused]" not in checked.stdout, checked.stdout


def test_an_input_referred_to_still_makes_its_variable(project: Path):
    (project / "views.json").write_text(json.dumps(_exported_with_inputs("${DS_PROMETHEUS}")))
    assert vobs(project, "import", "views.json", "--narrative", "n").returncode == 0
    assert vobs(project, "build").returncode == 0
    variables = json.loads((project / "exports" / "n" / "views.json").read_text())["templating"]["list"]
    assert [v["name"] for v in variables] == ["DS_PROMETHEUS", "datasource"]


def test_import_into_a_new_folder_without_a_narrative_is_refused_before_writing(tmp_path: Path):
    """Left dashboards/ and no narratives/: `vobs build` then failed, "narratives directory not found"."""
    (tmp_path / "far.json").write_text(json.dumps(_collapsed_far_down()))
    done = vobs(tmp_path, "-C", ".", "import", "far.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("vobs: error: no narratives/ here, and `vobs build` renders only the chapters of "
                           "narratives: pass --narrative ID (narratives/ID.yaml is created, the dashboards its "
                           "chapters); nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["far.json"]
    assert vobs(tmp_path, "-C", ".", "import", "far.json", "--narrative", "n").returncode == 0
    built = vobs(tmp_path, "build")
    assert built.returncode == 0, built.stderr


def test_simulate_outside_a_project_says_where_to_run_it(tmp_path: Path):
    done = vobs(tmp_path, "simulate")
    assert done.returncode == 2
    assert done.stderr == ("vobs: error: narratives/metrics.yaml: cannot read: no such file or directory — not a "
                           "vobs project (no narratives/ here): run vobs simulate from the project's root, or give "
                           "-C ROOT\n")


def test_the_nesting_check_finds_the_first_too_deep_part_in_document_order():
    """`build.shape._too_deep` looks at depths alone first (a path for every part cost ~10 % of a
    build of 1,000 dashboards), then names the first part too deep, in document order, as before."""
    from vertice_obs.build.shape import MAX_DEPTH, _too_deep

    def nested(levels: int) -> list:
        inner: list = []
        for _ in range(levels):
            inner = [inner]
        return inner

    assert _too_deep({"panels": nested(MAX_DEPTH - 1)}) is None
    assert _too_deep(7) is None and _too_deep("x") is None
    path, why = _too_deep({"a": nested(3), "b": nested(MAX_DEPTH)})  # b: one level too deep
    assert path == ("b",) + (0,) * MAX_DEPTH and f"more than {MAX_DEPTH} levels" in why
    assert _too_deep({"c": nested(MAX_DEPTH + 5), "b": nested(MAX_DEPTH)})[0] == ("c",) + (0,) * MAX_DEPTH
