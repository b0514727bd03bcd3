"""Orphaned folders: a folder vobs recorded as this project's (see test_folder_owners.py) that no
narrative's folder path needs any more — a narrative's `folder:` changed, `MAXIMUS/Dopamine` →
`MAXIMUS/Neuro` — stayed in Grafana, said nowhere, while orphaned dashboards and playlists were named.
A whole-project `vobs diff` and `vobs publish` now name it in every format, with what it holds and
how to delete it (vobs deletes nothing), from what they read anyway: no request per folder. Against
the stand-in, flat folders (9.5) and nested ones (12.0)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from grafana_standin import GrafanaStandIn
from standin_cli import vobs
from test_folder_owners import team

from vertice_obs.grafana.folder_orphans import OrphanFolder, orphans
from vertice_obs.grafana.folder_owners import Record, mine
from vertice_obs.grafana.folders import Folder

OLD, NEW = "vobs-maximus-dopamine", "vobs-maximus-neuro"


def schema(command: str) -> dict:
    return json.loads(resources.files("vertice_obs.schemas").joinpath(f"output/{command}.schema.json").read_text())


def refolder(project: Path, old: str = "MAXIMUS/Dopamine", new: str = "MAXIMUS/Neuro") -> None:
    path = project / "narratives/dopamine.yaml"
    path.write_text(path.read_text().replace(f"folder: {old}\n", f"folder: {new}\n"))


@pytest.fixture(params=["9.5.21", "12.0.2"])
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


def orphaned(out: dict) -> list[dict]:
    return [f for f in out["folders"] if f["status"] == "orphaned"]


def test_a_folder_no_narrative_needs_any_more_is_named_by_diff_and_publish(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    refolder(project)
    title, path = ("Dopamine", "MAXIMUS/Dopamine") if grafana.nested else ("MAXIMUS / Dopamine", "MAXIMUS/Dopamine")
    mark = len(grafana.requests)

    diff = vobs(project, grafana, "diff", "--format", "json")
    assert diff.exit_code == 1, diff.output
    out = json.loads(diff.stdout)
    jsonschema.validate(out, schema("diff"))
    [row] = orphaned(out)  # MAXIMUS, the parent of the narratives' folders, is still needed: no orphan
    assert {k: row[k] for k in ("uid", "title", "path", "dashboards", "subfolders", "drifted")} == {
        "uid": OLD, "title": title, "path": path, "dashboards": 0, "subfolders": 0, "drifted": False}
    assert row["parent_uid"] == ("vobs-maximus" if grafana.nested else None)
    assert row["changes"] == [
        f"folder {path!r}: this project's, and no narrative's folder path needs it any more; it is empty once publish "
        "has moved this project's 2 dashboards in it to their narrative's folder",
        "vobs deletes nothing: delete it in Grafana if you no longer want it (the folder's Delete in Grafana's folder "
        f"view, or DELETE /api/folders/{OLD} with a token that may delete it; deleting a folder deletes what it holds: "
        "move out first any dashboard you keep)"]
    asked = [(r.method, r.path, r.query.get("tags")) for r in grafana.requests[mark:]]
    assert asked.count(("GET", "/api/annotations", ["vobs-folder"])) == 1  # the records: read once
    assert not [p for _m, p, _t in asked if p.startswith("/api/folders/")]  # no request per folder

    text = vobs(project, grafana, "diff")
    assert f"! folder:{OLD}" in text.stdout and "orphaned" in text.stdout and "; folders: 1 orphaned" in text.stdout
    md = vobs(project, grafana, "diff", "--format", "markdown").stdout
    assert "**Folders:** 1 orphaned" in md and f"<code>{OLD}</code> | orphaned |" in md
    for selection in (("--narrative", "esgt"), ("--uid", "maximus-esgt-ignition")):  # a part says nothing of the rest
        assert orphaned(json.loads(vobs(project, grafana, "diff", "--format", "json", *selection).stdout)) == []

    dry = vobs(project, grafana, "publish", "--dry-run", "--format", "json")
    planned = json.loads(dry.stdout)
    jsonschema.validate(planned, schema("publish"))
    assert [(o["uid"], o["path"], o["dashboards"]) for o in planned["orphaned_folders"]] == [(OLD, path, 0)]
    done = vobs(project, grafana, "publish")
    assert done.exit_code == 0, done.output  # an orphan is said, never a failure
    assert f"folder:{OLD}" in done.stdout and f"orphaned: 1 folder of this project's left in Grafana at {grafana.url} " \
        "(empty) and needed by no narrative's folder path: vobs deletes nothing — delete each" in done.stdout
    assert OLD in grafana.folders and NEW in grafana.folders  # vobs deletes nothing

    grafana._store({"uid": "by-hand", "title": "Kept by hand"}, OLD, "")  # someone's dashboard left in it
    after = json.loads(vobs(project, grafana, "publish", "--format", "json").stdout)
    jsonschema.validate(after, schema("publish"))
    [left] = after["orphaned_folders"]
    assert (left["dashboards"], left["detail"]) == (1, f"folder {path!r}: this project's, and no narrative's folder "
                                                       "path needs it any more; it holds 1 dashboard")
    summary = vobs(project, grafana, "publish", "--format", "markdown").stdout
    assert ("**Orphaned: 1 folder of this project left in Grafana and needed by no narrative's folder path** (vobs "
            f"deletes nothing; delete each you no longer want in Grafana — deleting a folder deletes what it holds): "
            f"{path} <code>{OLD}</code> (1 dashboard).") in summary

    refolder(project, "MAXIMUS/Neuro", "MAXIMUS/Dopamine")  # back again: needed, no orphan (the new one is, empty)
    rows = orphaned(json.loads(vobs(project, grafana, "diff", "--format", "json").stdout))
    assert [(r["uid"], r["dashboards"]) for r in rows] == [(NEW, 0)]


def test_a_folder_whose_moves_out_failed_is_not_said_empty(project, grafana):
    """Trial 22 (M4): the narrative's folder changed and creating the new one failed, so its dashboards
    stayed in the old folder — which publish still called empty, "once publish has moved" them, and
    deletable: deleting it would have deleted them. What a folder holds is now told by what was written."""
    assert vobs(project, grafana, "publish").exit_code == 0
    refolder(project)
    path = "MAXIMUS/Dopamine"
    grafana.set_faults(rate=1.0, kinds=("500",), methods=frozenset({"POST"}), paths=("/api/folders",))
    done = vobs(project, grafana, "publish", "--format", "json")
    assert done.exit_code == 2, done.output  # nothing written: the folder, then its dashboards, not sent
    out = json.loads(done.stdout)
    jsonschema.validate(out, schema("publish"))
    assert [f["uid"] for f in out["failed_folders"]] == [NEW]
    assert sorted(d["uid"] for d in out["dashboards"] if d["status"] == "failed") == [
        "maximus-dopamine-arousal", "maximus-dopamine-overview"]
    [left] = out["orphaned_folders"]
    assert (left["uid"], left["dashboards"], left["detail"]) == (
        OLD, 2, f"folder {path!r}: this project's, and no narrative's folder path needs it any more; it holds 2 "
                "dashboards")
    assert {e["folderUid"] for u, e in grafana.dashboards.items() if u.startswith("maximus-dopamine")} == {OLD}
    text = vobs(project, grafana, "publish")
    assert "(1 not empty)" in text.stdout and "(empty)" not in text.stdout and "once publish" not in text.stdout

    grafana.set_faults()  # the next publish moves them: the folder is empty then, and said so
    fixed = json.loads(vobs(project, grafana, "publish", "--format", "json").stdout)
    assert [(o["uid"], o["dashboards"]) for o in fixed["orphaned_folders"]] == [(OLD, 0)]


def test_another_project_s_folder_is_never_this_project_s_orphan(tmp_path, grafana):
    alpha = team(tmp_path / "alpha", "alpha", "alpha", "Alpha/Story")
    beta = team(tmp_path / "beta", "beta", "beta", "Beta/Story")
    assert vobs(alpha, grafana, "publish").exit_code == 0 and vobs(beta, grafana, "publish").exit_code == 0
    for project in (alpha, beta):
        out = json.loads(vobs(project, grafana, "diff", "--format", "json").stdout)
        assert orphaned(out) == [] and "orphaned_folders" not in json.loads(
            vobs(project, grafana, "publish", "--dry-run", "--format", "json").stdout)


def test_a_parent_that_holds_another_project_s_folder_says_whose_it_holds(tmp_path):
    """alpha made `Shared` (recorded as alpha's); beta's `Shared/Beta` lives in it. alpha leaves
    `Shared`: its folder there is alpha's orphan, and so is `Shared` — holding beta's folder and
    dashboards, which deleting it would delete: said."""
    with GrafanaStandIn(version="12.0.2") as grafana:
        alpha = team(tmp_path / "alpha", "alpha", "alpha", "Shared/Alpha")
        beta = team(tmp_path / "beta", "beta", "beta", "Shared/Beta")
        assert vobs(alpha, grafana, "publish").exit_code == 0 and vobs(beta, grafana, "publish").exit_code == 0
        path = alpha / "narratives/alpha.yaml"
        path.write_text(path.read_text().replace("folder: Shared/Alpha", "folder: Own/Alpha"))
        rows = orphaned(json.loads(vobs(alpha, grafana, "diff", "--format", "json").stdout))
        assert [(r["path"], r["dashboards"], r["subfolders"]) for r in rows] == [
            ("Shared", 2, 2), ("Shared/Alpha", 0, 0)]  # beta's two dashboards; Alpha's are moving out
        assert rows[0]["changes"][0].endswith("it holds 2 dashboards and 2 folders, among them project 'beta''s (that "
                                              "project may still use it) once publish has moved this project's 2 "
                                              "dashboards in it to their narrative's folder")
        assert orphaned(json.loads(vobs(beta, grafana, "diff", "--format", "json").stdout)) == []
        grafana.assert_no_violations()


# --- pure --------------------------------------------------------------------------------------------

def test_orphans_by_the_newest_record_and_what_is_needed():
    tree = {"p": Folder("p", "P"), "a": Folder("a", "A", "p"), "b": Folder("b", "B", "p"), "c": Folder("c", "C", "b"),
            "x": Folder("x", "X")}
    ours, theirs = mine("alpha"), mine("beta")
    records = {u: [Record(u, ("h",), ours)] for u in tree} | {"x": [Record("x", ("h",), theirs),
                                                                    Record("x", ("h",), ours)]}
    read = []

    def reader():
        read.append(1)
        return records

    hits = [{"uid": "d1", "folderUid": "c"}, {"uid": "d2", "folderUid": "b"}, {"uid": "mine", "folderUid": "b"}]
    found = orphans(tree, {"a"}, reader, "alpha", hits, True, "G", moving={"mine"})
    # p holds a (needed); x is beta's now (newest record); b holds c and two dashboards, one moving out
    assert found == [OrphanFolder("b", "B", "p", "P/B", 2, 1, "", 1), OrphanFolder("c", "C", "b", "P/B/C", 1, 0)]
    assert orphans(tree, set(tree), reader, "alpha", hits, True, "G") == [] and len(read) == 1  # nothing asked
    assert orphans(tree, {"a"}, reader, None, hits, True, "G") == []  # untagged records only: a project without id's
