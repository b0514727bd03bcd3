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
