"""Property: the files vobs wrote and reads back — `exports/manifest.json`, a provisioning folder's
state file and dashboard files — read whatever a hand-edit, a merge or a bug left in them: as
vobs' (or as not vobs', passed over), or one `VobsError` line; never another exception."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.build.changes import Layout, layout_of_exports
from vertice_obs.build.exports import GENERATOR, ExportsDir
from vertice_obs.errors import VobsError
from vertice_obs.grafana.provisioning import STATE_FILE, ProvisioningFolder
from vertice_obs.project import load_project

FAST = settings(max_examples=200, deadline=2000, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
DIRS = {"dashboards_dir": "dashboards", "narratives_dir": "narratives", "exports_dir": "exports",
        "catalog": "narratives/metrics.yaml"}

_KEYS = st.sampled_from(["dashboards", "narratives", "files", "file", "source", "sha256", "chapters", "generator",
                         "folders", "pending", "folder", "hash", "title", "parent", "u", "f", "g"]) | st.text(max_size=3)
_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.sampled_from(
    ["", "u", "f", "g", "a.json", "..", "a/b", GENERATOR]) | st.text(max_size=4)
JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
                    max_leaves=12)
DEEP = st.sampled_from(["[" * 100_000, '{"a": ' * 100_000, "\ufeff" + "[" * 100_000])
TEXTS = JSON.map(json.dumps) | st.text(max_size=30) | DEEP


@FAST
@given(st.dictionaries(_KEYS, JSON, max_size=4))
@example({"narratives": 1})  # found: a manifest whose narratives is no list raised TypeError
@example({"narratives": [{"chapters": 1}]})
def test_any_manifest_is_a_layout(manifest):
    layout = Layout.from_manifest(manifest, **DIRS)
    assert all(isinstance(uid, str) for uid in layout.uids)


@FAST
@given(text=TEXTS | st.dictionaries(_KEYS, JSON, max_size=4).map(lambda m: json.dumps({"generator": GENERATOR, **m})))
@example(text="[" * 100_000)  # found: JSON nested too deeply raised RecursionError, not ValueError
def test_any_manifest_file_reads_as_vobs_or_as_none(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("p")
    (root / "dashboards").mkdir()
    (root / "narratives").mkdir()
    (root / "exports").mkdir()
    (root / "exports" / "manifest.json").write_text(text, encoding="utf-8")
    project = load_project(root)
    exports = ExportsDir(root / "exports")
    assert isinstance(project.unbuilt(), str)
    assert isinstance(exports.manifest(), dict) and isinstance(exports.owned(), dict)
    assert isinstance(layout_of_exports(project), Layout)


_FOLDER = st.fixed_dictionaries({"title": _SCALARS}, optional={"parent": _SCALARS}) | JSON
_ENTRY = st.fixed_dictionaries({}, optional={"folder": _SCALARS, "hash": _SCALARS}) | JSON
STATES = TEXTS | st.fixed_dictionaries({}, optional={
    "dashboards": st.dictionaries(_KEYS, _ENTRY, max_size=3) | JSON,
    "folders": st.dictionaries(_KEYS, _FOLDER, max_size=3) | JSON,
    "pending": st.dictionaries(_KEYS, _ENTRY, max_size=3) | JSON}).map(json.dumps)


@FAST
@given(state=STATES, dashboard=TEXTS | st.just(""))
@example(state=json.dumps({"pending": {"u": {"hash": "x"}}}), dashboard="")  # found: a pending save without a folder
@example(state=json.dumps({}), dashboard="[" * 100_000)  # found: a dashboard file nested too deeply
def test_any_provisioning_state_is_read_or_one_error(tmp_path_factory, state, dashboard):
    folder = tmp_path_factory.mktemp("prov")
    (folder / STATE_FILE).write_text(state, encoding="utf-8")
    if dashboard:
        (folder / "u.json").write_text(dashboard, encoding="utf-8")
    target = ProvisioningFolder(folder, "provisioning")
    for read in (target.folders, target.existing_uids, lambda: target.get("u")):
        try:
            read()
        except VobsError as exc:
            assert "\n" not in str(exc)


def test_a_state_file_of_a_huge_depth_is_said(tmp_path: Path):
    (tmp_path / STATE_FILE).write_text("[" * 100_000, encoding="utf-8")
    try:
        ProvisioningFolder(tmp_path, "provisioning").folders()
    except VobsError as exc:
        assert STATE_FILE in str(exc)
