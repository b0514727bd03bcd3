"""The shapes a dashboard file comes in (trial 6): Grafana 12 dashboard resources are read as the
dashboard in their `spec`, schema v2 as the classic model; a Grafana dashboard vobs cannot read (a list of dashboards) is
said — in a folder too — never dropped without a word. Data: `tests/data/trial6/` (SOURCES.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from json_walk import line_column, value_offsets

from vertice_obs.cli import cli
from vertice_obs.grafana.normalize import normalize
from vertice_obs.jsonpos import Positions, dashboard_in, unreadable
from vertice_obs.metrics.validation import load_dashboard_files

DATA = Path(__file__).parent / "data" / "trial6"
CLASSIC = {"uid": "classic", "title": "Classic", "schemaVersion": 39, "panels": [
    {"id": 1, "type": "timeseries", "title": "Up", "targets": [{"refId": "A", "expr": "up"}]}]}


def where_written(text: str, path: tuple) -> tuple[int, int]:
    return line_column(text, value_offsets(text)[path])


def validate(folder: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(folder), "validate", "--offline", *args])


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch) -> Path:
    """The user's folder: a v1beta1 resource beside a classic dashboard (paths given relative to it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    shutil.copy(DATA / "v1k8s.json", tmp_path / "d" / "v1k8s.json")
    (tmp_path / "d" / "classic.json").write_text(json.dumps(CLASSIC, indent=2))
    return tmp_path


def test_a_v1beta1_resource_in_a_folder_is_checked_at_its_lines(folder: Path):
    done = validate(folder, "d", "--format", "json")
    out = json.loads(done.stdout)
    assert out["dashboards"] == 2 and out["queries"] == 2, done.stdout
    [broken] = [f for f in out["findings"] if f["check"] == "promql/parse"]
    text = (folder / "d" / "v1k8s.json").read_text()
    line, column = where_written(text, ("spec", "panels", 0, "targets", 0, "expr"))
    assert broken["location"]["file"] == "d/v1k8s.json"
    assert (broken["location"]["line"], broken["location"]["column"]) == (line, column) == (19, 21)
    assert broken["location"]["dashboard"] == "v1k8s" and done.exit_code == 1


def test_a_resource_named_alone_is_checked_not_skipped(folder: Path):
    done = validate(folder, "d/v1k8s.json")
    assert done.exit_code == 1, done.output
    assert "d/v1k8s.json:19:21 → dashboard v1k8s → panel 'P1' (#1) → target A: error: query does not parse" \
        in done.output
    assert "checked 1 query (0 metric uses) in 1 dashboard: 1 parse" in done.output


def test_a_resource_without_a_uid_in_spec_takes_metadata_name():
    document = json.loads((DATA / "v1k8s.json").read_text())
    del document["spec"]["uid"]
    document["apiVersion"] = "dashboard.grafana.app/v0alpha1"
    model, root = dashboard_in(document)
    assert root == "/spec" and model["uid"] == "v1k8s" and "uid" not in document["spec"]  # the file's value untouched
    assert model["panels"] == document["spec"]["panels"]
    # diff, pull and provisioning compare through `normalize`, which reads the same shapes
    assert normalize(document) == normalize({**document["spec"], "uid": "v1k8s"})


def test_schema_v2_in_a_folder_is_read_and_counted(folder: Path):
    """Trial 6 skipped schema v2 with a warning; it is read now (`tests/test_schema_v2.py` holds how):
    its query that does not parse is found at its own line, and the dashboard is counted as checked."""
    shutil.copy(DATA / "v2.json", folder / "d" / "v2.json")
    (folder / "d" / "package.json").write_text('{"name": "x", "version": "1.0.0"}')  # no dashboard: quiet
    done = validate(folder, "d")
    text = (DATA / "v2.json").read_text()
    path = ("spec", "elements", "panel-1", "spec", "data", "spec", "queries", 0, "spec", "query", "spec", "expr")
    line, column = where_written(text, path)
    assert f"d/v2.json:{line}:{column} → dashboard v2dash → panel 'Rate' (#1) → target A: error: query does not " \
        "parse" in done.output, done.output
    assert "package.json" not in done.output and "input/skipped" not in done.output
    assert "in 3 dashboards" in done.output, done.output


def test_a_list_of_dashboards_is_said(folder: Path):
    shutil.copy(DATA / "array.json", folder / "d" / "array.json")
    done = validate(folder, "d")
    assert ("d/array.json:1:1: warning: a list of 2 dashboards: vobs reads one dashboard per file — save each as a "
            "file of its own: skipped [input/skipped]") in done.output, done.output


def test_import_reads_a_resource_and_names_schema_v2(tmp_path: Path):
    for name in ("dashboards", "narratives"):
        (tmp_path / name).mkdir()
    shutil.copy(DATA / "v1k8s.json", tmp_path / "v1k8s.json")
    shutil.copy(DATA / "v2.json", tmp_path / "v2.json")
    done = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(tmp_path / "v1k8s.json")])
    assert done.exit_code == 0, done.output
    assert "h.prom('sum(rate(k8s_wrapped_total[5m]'" in (tmp_path / "dashboards" / "v1k8s.py").read_text()
    refused = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(tmp_path / "v2.json")])
    assert refused.exit_code == 2 and "v2.json:2:17: is a Grafana schema v2 dashboard" in refused.stderr
    assert "validate and audit read it, but import does not yet" in refused.stderr


def test_load_dashboard_files_places_the_resource_model(folder: Path):
    [classic, resource] = load_dashboard_files([folder / "d"])
    text = (folder / "d" / "v1k8s.json").read_text()
    assert resource.root == "/spec" and resource.uid == "v1k8s" and classic.uid == "classic"
    assert resource.positions().value("/panels/0/targets/0/expr") == where_written(
        text, ("spec", "panels", 0, "targets", 0, "expr"))


# --- any JSON -----------------------------------------------------------------------------------------

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["Dashboard", "DashboardList", "dashboard.grafana.app/v1beta1", "dashboard.grafana.app/v2beta1",
                       "dashboard.grafana.app/v0alpha1", "dashboard.grafana.app/v9", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["apiVersion", "kind", "metadata", "spec", "name", "uid", "panels", "rows", "templating",
                         "elements", "layout", "items", "dashboard", "meta", "title"]), inner, max_size=5),
    max_leaves=25)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
@example({"dashboard": {"apiVersion": None, "kind": None, "panels": None}})  # API shape, not a mixin's map (CI)
@example({"etcd.json": {"panels": []}, "other.json": {"rows": []}})
def test_any_json_is_read_or_said_never_raises(document):
    """Whatever the document: `dashboard_in` gives a model at a pointer that exists in it (the same
    model, but for a uid given from `metadata.name`), and `unreadable` a reason at a pointer that
    exists, or nothing — for a document `dashboard_in` read it says nothing."""
    text = json.dumps(document)
    positions = Positions(text)
    model, root = dashboard_in(document)
    assert positions.value(root) is not None
    here = document
    for part in root.split("/")[1:]:
        here = here[part]
    assert model == here or (isinstance(model, dict) and {k: v for k, v in model.items() if k != "uid"} == here)
    why = unreadable(document)
    if why is not None:
        assert root == "" and why[0] and positions.near(why[1]) >= (1, 1)


MIXIN_MAP = {"etcd.json": {"title": "etcd", "uid": "etcd", "schemaVersion": 16, "panels": [
    {"id": 1, "type": "graph", "title": "Leader", "targets": [{"refId": "A", "expr": "sum(etcd_server_has_leader)"}]}]}}


def test_a_mixins_map_of_dashboards_is_said_not_passed_over(folder: Path, tmp_path: Path):
    """Trial 15: etcd shipped its dashboard as a mixin's `grafanaDashboards` map ({"etcd.json": {…}}).
    In a folder it was passed over quietly as "other JSON", so its queries went unchecked, exit 0."""
    (folder / "d" / "grafana.json").write_text(json.dumps(MIXIN_MAP))
    done = validate(folder, "d")
    assert ("d/grafana.json:1:15: warning: a map of 1 dashboard by file name (a mixin's grafanaDashboards): vobs "
            "reads one dashboard per file — write each to a file of its own (`jsonnet -m DIR` does): skipped "
            "[input/skipped]") in done.output, done.output
    for name in ("dashboards", "narratives"):
        (tmp_path / name).mkdir()
    refused = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(folder / "d" / "grafana.json")])
    assert refused.exit_code == 2 and "grafana.json:1:15: is a map of 1 dashboard by file name" in refused.stderr
