"""Library panels (trial 6): a dashboard exported "for sharing externally" carries each library panel's
model under `__elements.<uid>.model` — its queries are checked there, at their lines, and the panel
is named by its title; a stub whose model is not in the file keeps its info, named by its library
panel, and no lint guesses at the title or description it cannot see. Data: `tests/data/trial6/`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from json_walk import line_column, value_offsets

from vertice_obs.cli import cli

DATA = Path(__file__).parent / "data" / "trial6"


def findings(tmp_path: Path, model: dict | None = None, text: str | None = None) -> tuple[list[dict], str]:
    text = text if text is not None else json.dumps(model, indent=2)
    (tmp_path / "d.json").write_text(text)
    done = CliRunner().invoke(cli, ["-C", str(tmp_path), "validate", "--offline", "-v", "--format", "json",
                                    str(tmp_path / "d.json")])
    return json.loads(done.stdout)["findings"], text


def at(text: str, *path) -> tuple[int, int]:
    return line_column(text, value_offsets(text)[path])


def place(f: dict) -> tuple[int, int]:
    return f["location"]["line"], f["location"]["column"]


def test_the_users_export_checks_the_library_panel_where_its_model_is(tmp_path: Path):
    found, text = findings(tmp_path, text=(DATA / "export.json").read_text())
    checks = [f["check"] for f in found]
    assert "inventory/library-panel" not in checks and "panel/title" not in checks
    [lib] = [f for f in found if f["check"] == "promql/parse" and "lib_total" in f["message"]]
    assert place(lib) == at(text, "__elements", "lib1", "model", "targets", 0, "expr")
    assert lib["location"]["panel"] == "Lib" and lib["location"]["panel_id"] == 1 and lib["location"]["target"] == "A"
    # every finding about the panel names it the same way, at its model in `__elements`
    about = [f for f in found if f["location"].get("panel_id") == 1]
    assert {f["location"]["panel"] for f in about} == {"Lib"}
    assert {place(f) for f in about if f["location"].get("target") is None} == {at(text, "__elements", "lib1", "model")}


def _export(model: dict | None, stubs: int = 1, key: str = "lib1") -> dict:
    out = {"uid": "e", "title": "E", "schemaVersion": 39,
           "panels": [{"id": i + 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8 * i},
                       "libraryPanel": {"uid": "lib1", "name": "Shared latency"}} for i in range(stubs)]}
    if model is not None:
        out["__elements"] = {key: {"name": "Shared latency", "uid": "lib1", "kind": 1, "model": model}}
    return out


MODEL = {"type": "timeseries", "title": "Latency p99", "description": "p99 over all routes.",
         "fieldConfig": {"defaults": {"unit": "s"}},
         "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "targets": [{"refId": "A", "expr": "histogram_quantile(0.99, sum by (le) (rate(lat_bucket{job=~'$job'}"
                      "[$__rate_interval])))"}]}


def test_the_library_models_title_names_the_panel_and_its_query_uses_the_variables(tmp_path: Path):
    model = _export(MODEL) | {"templating": {"list": [
        {"name": "job", "type": "custom", "query": "a,b", "current": {"value": "a"}},
        {"name": "datasource", "type": "datasource", "query": "prometheus"}]}}
    found, text = findings(tmp_path, model)
    checks = {f["check"] for f in found}
    assert not checks & {"variable/unused", "panel/title", "panel/description", "panel/unit", "inventory/library-panel",
                         "datasource/not-variable"}, found
    [use] = [f for f in found if f["check"] == "promql/instance-matcher"]
    assert use["location"]["panel"] == "Latency p99" and place(use) == at(text, "__elements", "lib1", "model",
                                                                          "targets", 0, "expr")


@pytest.mark.parametrize("key", ["lib1", "keyed-otherwise"])
def test_each_stub_of_one_library_panel_is_checked(tmp_path: Path, key: str):
    broken = {**MODEL, "targets": [{"refId": "A", "expr": "rate(x_total[5m]"}]}
    found, text = findings(tmp_path, _export(broken, stubs=2, key=key))
    parse = [f for f in found if f["check"] == "promql/parse"]
    assert sorted(f["location"]["panel_id"] for f in parse) == [1, 2]
    assert {place(f) for f in parse} == {at(text, "__elements", key, "model", "targets", 0, "expr")}


def test_a_stub_without_its_model_is_named_by_its_library_panel_and_not_judged(tmp_path: Path):
    found, text = findings(tmp_path, _export(None))
    [info] = [f for f in found if f["location"].get("panel_id") == 1]
    assert info["check"] == "inventory/library-panel" and info["location"]["panel"] == "Shared latency"
    assert "library panel 'Shared latency': its queries live in the library" in info["message"]
    assert place(info) == at(text, "panels", 0)
