"""Adopting the Grafana folders dashboards already live in (a new-user trial's round trip:
`vobs pull --folder` → `vobs import --narrative` → build → diff → publish). Neither pull nor import
recorded a dashboard's folder, so publish made a folder of vobs' own (`vobs-platform`) beside the
user's of the same title and moved the dashboards out of theirs. Now pull's inventory records each
dashboard's folder, import writes it into the narrative (`folder_uid:`), and publish uses it as it
is; a narrative folder that would be made beside a same-titled one of the user's is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn

from vertice_obs.build.narrative import check_references, load_narrative
from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.importer.chapters import adopted_folder, new_narrative

TOKEN = "glsa_standin_token"
PANEL = {"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "targets": [{"refId": "A", "expr": "sum(up)"}]}


def seeded(version: str) -> GrafanaStandIn:
    """A Grafana holding a user's own folders and dashboards, none made by vobs: `Platform` (uid
    plat) and, inside it where folders nest (else a root folder `Platform K8s`), `K8s` (plat-k8s)."""
    grafana = GrafanaStandIn(version=version).start()

    def folder(uid, title, parent=""):
        grafana.folders[uid] = {"id": grafana._id(), "uid": uid, "title": title,
                                "parentUid": parent if grafana.nested else "", "version": 1, "created": "",
                                "updated": ""}

    folder("plat", "Platform")
    folder("plat-k8s", "K8s" if grafana.nested else "Platform K8s", "plat")
    for uid, home in (("k8s-a", "plat-k8s"), ("k8s-b", "plat-k8s"), ("plat-a", "plat")):
        grafana._store({"uid": uid, "title": uid.upper(), "schemaVersion": 39, "panels": [PANEL]}, home, "by hand")
    return grafana


def vobs(grafana, root, *args):
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})


def places(grafana) -> dict[str, str]:
    return {uid: entry["folderUid"] for uid, entry in grafana.dashboards.items()}


def publish_in_place(grafana, root, expected: dict[str, str]) -> None:
    """`publish --force` of a project whose narratives adopt Grafana's folders: it writes no folder,
    the folders are as they were, and every dashboard is where `expected` (uid → folder uid) says."""
    before = dict(grafana.folders)
    published = vobs(grafana, root, "publish", "--force")
    assert published.exit_code == 0, published.output
    assert not [w for w in grafana.writes() if w.path.startswith("/api/folders")]
    assert grafana.folders == before
    assert places(grafana) == expected


@pytest.mark.parametrize("version", ["9.5.21", "11.4.0"])  # flat folders, nested folders
def test_an_adopted_folder_round_trip_moves_nothing_and_makes_no_folder(tmp_path, version):
    grafana = seeded(version)
    try:
        path = "Platform/K8s" if grafana.nested else "Platform K8s"
        pulled = vobs(grafana, tmp_path, "pull", "--folder", "plat-k8s", "-o", str(tmp_path / "pulled"))
        assert pulled.exit_code == 0, pulled.output
        inventory = json.loads((tmp_path / "pulled" / "inventory.json").read_text())["dashboards"]
        assert {(d["uid"], d["folder"], d["folder_uid"]) for d in inventory} == {
            ("k8s-a", path, "plat-k8s"), ("k8s-b", path, "plat-k8s")}

        imported = vobs(grafana, tmp_path, "import", str(tmp_path / "pulled"), "--narrative", "k8s")
        assert imported.exit_code == 0, imported.output
        narrative = load_narrative(tmp_path / "narratives" / "k8s.yaml")
        assert (narrative.folder, narrative.folder_uid) == (path, "plat-k8s")
        assert vobs(grafana, tmp_path, "build").exit_code == 0

        diff = vobs(grafana, tmp_path, "diff")
        assert diff.exit_code == 1, diff.output  # story panels, links, tags: changed — but not moved
        assert "k8s-a" in diff.stdout and "moved from folder" not in diff.stdout and "warning" not in diff.stderr

        publish_in_place(grafana, tmp_path, {"k8s-a": "plat-k8s", "k8s-b": "plat-k8s", "plat-a": "plat"})

        again = vobs(grafana, tmp_path, "diff")
        assert again.exit_code == 0, again.output
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_a_folder_made_beside_a_same_titled_one_of_the_users_is_said_with_how_to_adopt_it(tmp_path):
    """The trial's hand-written `folder: "Platform"`: publish made `vobs-platform` beside `plat`, and diff
    said "moved from folder 'Platform' to its narrative's folder 'Platform'"."""
    grafana = seeded("12.0.2")
    try:
        assert vobs(grafana, tmp_path, "pull", "--uid", "plat-a", "-o", str(tmp_path / "p")).exit_code == 0
        assert vobs(grafana, tmp_path, "import", str(tmp_path / "p"), "--narrative", "platform").exit_code == 0
        file = tmp_path / "narratives" / "platform.yaml"
        file.write_text(file.read_text().replace('folder_uid: "plat"\n', ""))
        warning = ("vobs: warning: folder 'Platform' (uid vobs-platform) would be made beside the existing folder "
                   "'Platform' (uid plat), which vobs did not make: to publish into that one, add `folder_uid: plat` "
                   "to its narrative (vobs import writes it for pulled dashboards)")
        diff = vobs(grafana, tmp_path, "diff")
        # the dashboard is drifted (not vobs'), so publish without --force skips it and makes no folder for it
        assert warning not in diff.stderr.splitlines(), diff.output
        assert ("moved from folder 'Platform' (uid plat) to another folder of that path, its narrative's (uid "
                "vobs-platform): add `folder_uid: plat` to the narrative to keep it where it is") in diff.stdout
        dry = vobs(grafana, tmp_path, "publish", "--force", "--dry-run")
        assert warning in dry.stderr.splitlines(), dry.output
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_a_move_out_of_another_folder_into_the_adopted_one_names_both_and_the_line_to_change(tmp_path):
    """A review: a narrative that adopts folder X (`folder_uid: X`) while its dashboard lives in Y of
    the same path was advised to "add `folder_uid: Y`" — a line it already has, with another uid. Now
    diff names both folders by uid and says which line to change, for a folder of another path too."""
    grafana = seeded("11.4.0")
    try:
        grafana.folders["plat-two"] = {"id": grafana._id(), "uid": "plat-two", "title": "Platform", "parentUid": "",
                                       "version": 1, "created": "", "updated": ""}
        assert vobs(grafana, tmp_path, "import", "--uid", "plat-a", "--narrative", "platform").exit_code == 0
        file = tmp_path / "narratives" / "platform.yaml"
        written = file.read_text()
        assert 'folder_uid: "plat"\n' in written
        for adopted, path in (("plat-two", "Platform"), ("plat-k8s", "Platform/K8s")):
            file.write_text(written.replace('folder_uid: "plat"', f'folder_uid: "{adopted}"'))
            diff = vobs(grafana, tmp_path, "diff")
            assert diff.exit_code == 1, diff.output
            assert (f"moved from folder 'Platform' (uid plat) into folder {path!r} (uid {adopted}), the folder its "
                    f"narrative adopts: to keep it where it is, change the narrative's `folder_uid: {adopted}` to "
                    "`folder_uid: plat`") in diff.stdout, diff.stdout
            assert "add `folder_uid" not in diff.stdout
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_an_adopted_folder_that_is_gone_is_one_error_and_nothing_is_written(tmp_path):
    grafana = seeded("10.4.19")
    try:
        assert vobs(grafana, tmp_path, "pull", "--uid", "plat-a", "-o", str(tmp_path / "p")).exit_code == 0
        assert vobs(grafana, tmp_path, "import", str(tmp_path / "p"), "--narrative", "platform").exit_code == 0
        file = tmp_path / "narratives" / "platform.yaml"
        file.write_text(file.read_text().replace('folder_uid: "plat"', 'folder_uid: "deleted"'))
        result = vobs(grafana, tmp_path, "publish", "--force")
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [
            f"vobs: error: folder_uid 'deleted' (folder 'Platform'): Grafana at {grafana.url} has no folder of that "
            "uid — vobs adopts an existing folder and never makes one of another's uid: create it in Grafana (or pull "
            "and import again), or remove folder_uid so vobs makes its own folder"]
        assert grafana.writes() == []
    finally:
        grafana.stop()


@pytest.mark.parametrize("version", ["10.4.19", "12.0.2"])
def test_an_adopted_folder_the_token_may_not_read_is_said_as_permission_not_as_gone(tmp_path, version):
    """A review: a 403 on `GET /api/folders/{uid}` (the token has no permission on the adopted folder)
    read as "has no folder of that uid", sending the user to create a folder that exists. Now it says
    the token may not read it, naming the uid — distinct from the 404 above; nothing is written."""
    grafana = seeded(version)
    try:
        assert vobs(grafana, tmp_path, "import", "--uid", "plat-a", "--narrative", "platform").exit_code == 0
        grafana.unreadable_folders.add("plat")
        said = (f"vobs: error: folder_uid 'plat' (folder 'Platform'): the token may not read that folder in Grafana "
                f"at {grafana.url} (403, a permission: Grafana does not say whether it exists) — give the token's "
                "service account View on it (Edit to publish into it), or remove folder_uid so vobs makes its own "
                "folder")
        for args in (["diff"], ["publish", "--force"]):
            result = vobs(grafana, tmp_path, *args)
            assert (result.exit_code, result.stderr.strip().splitlines()) == (2, [said]), (args, result.output)
        assert grafana.writes() == [] and "/api/folders/plat" in [r.path for r in grafana.requests]
        pulled = vobs(grafana, tmp_path, "pull", "--uid", "plat-a", "-o", str(tmp_path / "p"))  # pull still does:
        assert pulled.exit_code == 0, pulled.output  # the dashboard is readable, its folder's path not known
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_import_by_uid_adopts_the_folder_and_dashboards_of_several_folders_are_refused(tmp_path):
    """`--uid` from Grafana records the folder too; a pull of a tree (Platform with K8s inside) holds
    dashboards of two folders, which one narrative cannot keep where they are: refused, nothing written."""
    grafana = seeded("11.4.0")
    try:
        by_uid = vobs(grafana, tmp_path, "import", "--uid", "k8s-a", "--narrative", "k8s")
        assert by_uid.exit_code == 0, by_uid.output
        narrative = load_narrative(tmp_path / "narratives" / "k8s.yaml")
        assert (narrative.folder, narrative.folder_uid) == ("Platform/K8s", "plat-k8s")

        assert vobs(grafana, tmp_path, "pull", "--folder", "plat", "-o", str(tmp_path / "tree")).exit_code == 0
        mixed = vobs(grafana, tmp_path, "import", str(tmp_path / "tree"), "--narrative", "platform", "--force")
        assert mixed.exit_code == 2, mixed.output
        assert mixed.stderr.strip() == (
            "vobs: error: the dashboards are in 2 Grafana folders ('Platform' (uid plat): 1, 'Platform/K8s' (uid "
            "plat-k8s): 2) and a narrative's dashboards share one folder: publishing would move some out of theirs — "
            "import each folder's into its own narrative (name its files: inventory.json gives each one's "
            "folder_uid); nothing was written")
        assert not (tmp_path / "narratives" / "platform.yaml").exists()
        assert not (tmp_path / "dashboards" / "plat_a.py").exists()
    finally:
        grafana.stop()


# --- the narrative key, in-process ------------------------------------------------------------------

NARRATIVE = ('id: n\ntitle: "N"\n{folder}owner: me\nsummary: s\nchapters:\n'
             '  - dashboard: d\n    title: T\n    story: S\n')


def write(tmp_path: Path, folder: str, name: str = "n") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(NARRATIVE.format(folder=folder).replace("id: n", f"id: {name}"))
    return path


def test_folder_uid_is_read_beside_folder(tmp_path):
    narrative = load_narrative(write(tmp_path, 'folder: "Platform"\nfolder_uid: plat\n'))
    assert (narrative.folder, narrative.folder_uid) == ("Platform", "plat")
    assert load_narrative(write(tmp_path, 'folder: "Platform"\n', "m")).folder_uid == ""


@pytest.mark.parametrize("value, message", [
    ("'../x'", "must be the uid of an existing Grafana folder to adopt"),
    ("''", "must be the uid of an existing Grafana folder to adopt"),
    ("General", "folder_uid 'general' is Grafana's root, no folder"),
])
def test_a_folder_uid_that_is_no_folder_uid_is_an_error_at_its_line(tmp_path, value, message):
    with pytest.raises(InputError) as caught:
        load_narrative(write(tmp_path, f'folder: "Platform"\nfolder_uid: {value}\n'))
    assert message in caught.value.message and caught.value.line == 4, caught.value


def test_a_dashboard_in_two_narratives_adopting_different_folders_is_an_error(tmp_path):
    (tmp_path / "a").mkdir()
    one = load_narrative(write(tmp_path / "a", 'folder: "Platform"\nfolder_uid: plat\n', "one"))
    two = load_narrative(write(tmp_path / "a", 'folder: "Platform"\n', "two"))
    with pytest.raises(InputError) as caught:
        check_references([one, two], ["d"])
    assert "with folder 'Platform' (adopted uid plat)" in caught.value.message
    check_references([one, one], ["d"])


def test_a_new_narrative_adopts_the_one_folder_its_dashboards_are_in():
    homes = {"a": ("Platform", "plat"), "b": ("Platform", "plat"), "root": ("", "")}
    assert adopted_folder(homes, ["a", "b", "not-pulled"]) == ("Platform", "plat")
    assert adopted_folder(homes, ["root"]) is None  # the General folder: none to adopt
    assert adopted_folder(homes, ["not-pulled"]) is None
    with pytest.raises(InputError, match=r"in 2 Grafana folders \('General': 1, 'Platform' \(uid plat\): 1\)"):
        adopted_folder(homes, ["a", "root"])
    text = new_narrative("n", [("a", "A")], ("Platform/K8s", "plat-k8s"))
    assert 'folder: "Platform/K8s"\nfolder_uid: "plat-k8s"\n' in text
    assert 'folder:' not in new_narrative("n", [("a", "A")], ("A\\B", "u")) and 'folder_uid: "u"' in new_narrative(
        "n", [("a", "A")], ("A\\B", "u"))  # a path a narrative cannot hold: the uid alone places them


def test_a_provisioning_folder_places_an_adopting_narrative_by_its_path(tmp_path):
    """`folder_uid:` names a Grafana's folder; the embedded default (a provisioning folder, no Grafana)
    holds only what vobs wrote, by path: publishing there is not refused as "no folder of that uid"."""
    grafana = seeded("11.4.0")
    try:
        assert vobs(grafana, tmp_path, "import", "--uid", "k8s-a", "--narrative", "k8s").exit_code == 0
    finally:
        grafana.stop()
    assert 'folder_uid: "plat-k8s"' in (tmp_path / "narratives" / "k8s.yaml").read_text()
    assert CliRunner().invoke(cli, ["-C", str(tmp_path), "build"], env={"GRAFANA_URL": ""}).exit_code == 0
    local = CliRunner().invoke(cli, ["-C", str(tmp_path), "publish"], env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert local.exit_code == 0, local.output
    assert (tmp_path / "provisioning" / "Platform" / "K8s" / "k8s-a.json").is_file()
    again = CliRunner().invoke(cli, ["-C", str(tmp_path), "diff"], env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert again.exit_code == 0, again.output


# --- review follow-ups -------------------------------------------------------------------------------

def test_named_files_of_a_pull_of_several_folders_adopt_their_folder_as_the_advice_says(tmp_path):
    """Import refuses a pull of two folders and advises naming each folder's files: those named
    files were not looked up in the pull's inventory.json, so publish moved them into a new folder."""
    grafana = seeded("11.4.0")
    try:
        pulled = tmp_path / "pulled"
        assert vobs(grafana, tmp_path, "pull", "--folder", "plat", "-o", str(pulled)).exit_code == 0
        for narrative, files in (("k8s", ["k8s-a.json", "k8s-b.json"]), ("platform", ["plat-a.json"])):
            result = vobs(grafana, tmp_path, "import", *(str(pulled / f) for f in files), "--narrative", narrative)
            assert result.exit_code == 0, result.output
        assert [(n.folder, n.folder_uid) for n in map(load_narrative, (
            tmp_path / "narratives" / "k8s.yaml", tmp_path / "narratives" / "platform.yaml"))] == [
            ("Platform/K8s", "plat-k8s"), ("Platform", "plat")]
        assert vobs(grafana, tmp_path, "build").exit_code == 0
        publish_in_place(grafana, tmp_path, {"k8s-a": "plat-k8s", "k8s-b": "plat-k8s", "plat-a": "plat"})
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_an_inventory_linking_out_of_its_folder_is_not_read_for_a_named_file(tmp_path):
    """The rule for every file a folder handed over holds: naming one file of it does not read, through
    a symlink, an inventory from outside it (which would decide the folder a narrative adopts)."""
    grafana = seeded("11.4.0")
    try:
        assert vobs(grafana, tmp_path, "pull", "--uid", "k8s-a", "-o", str(tmp_path / "p")).exit_code == 0
    finally:
        grafana.stop()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "p" / "inventory.json").rename(elsewhere / "inventory.json")
    (tmp_path / "p" / "inventory.json").symlink_to("../elsewhere/inventory.json")
    linked = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(tmp_path / "p" / "k8s-a.json"),
                                      "--narrative", "k8s"])
    assert linked.exit_code == 0, linked.output
    assert "inventory.json: a symlink leading out of the folder: not read: the dashboards' Grafana folders are " \
           "not known" in linked.stderr
    assert "folder_uid" not in (tmp_path / "narratives" / "k8s.yaml").read_text()


def test_a_folder_one_narrative_adopts_that_anothers_path_would_make_is_refused_before_any_request(tmp_path):
    """`folder_uid: vobs-platform` (a pull of dashboards vobs published, imported again) beside another
    narrative's `folder: "platform/K8s"`, whose parent is vobs' own `vobs-platform`: publish renamed the
    adopted folder to 'platform' — vobs never changes an adopted folder. A project error, naming both."""
    grafana = GrafanaStandIn(version="11.4.0").start()
    try:
        grafana.folders["vobs-platform"] = {"id": grafana._id(), "uid": "vobs-platform", "title": "Platform",
                                            "parentUid": "", "version": 1, "created": "", "updated": ""}
        for sub in ("narratives", "dashboards"):
            (tmp_path / sub).mkdir()
        for name, folder, uid in (("a", 'folder: "Platform"\nfolder_uid: vobs-platform\n', "a-one"),
                                  ("b", 'folder: "platform/K8s"\n', "b-one")):
            (tmp_path / "narratives" / f"{name}.yaml").write_text(
                NARRATIVE.format(folder=folder).replace("id: n", f"id: {name}").replace("dashboard: d", f"dashboard: {uid}"))
            (tmp_path / "dashboards" / f"{uid.replace('-', '_')}.py").write_text(
                f'from vertice_obs import panels as p\ndashboard = p.dashboard("{uid}", "{uid}", description="d.", '
                'environment_metric="up", panels=[p.stat("Level", "sum(up)", description="x.", unit="none")])\n')
        assert vobs(grafana, tmp_path, "build").exit_code == 0
        said = ("vobs: error: narrative a adopts the folder of uid vobs-platform (folder_uid:), which narrative b's "
                "folder 'platform/K8s' would make vobs' own folder 'platform': publishing b would rename or move the "
                "folder a adopted — give b another folder path, or remove a's folder_uid if vobs made that folder "
                "for its path")
        for args in (["diff"], ["publish"], ["publish", "--narrative", "b", "--force"]):
            result = vobs(grafana, tmp_path, *args)
            assert (result.exit_code, result.stderr.strip()) == (2, said), (args, result.output)
        assert grafana.requests == []
        assert grafana.folders["vobs-platform"]["title"] == "Platform" and grafana.dashboards == {}
    finally:
        grafana.stop()


def test_check_adoptions_says_every_clash_and_passes_what_does_not_clash():
    from vertice_obs.grafana.folders import check_adoptions

    check_adoptions([("a", "Platform", "plat"), ("b", "Platform/K8s", ""), ("c", "Ops", "vobs-other")])
    with pytest.raises(InputError) as caught:
        check_adoptions([("a", "X", "vobs-platform"), ("c", "Y", "vobs-platform-k8s"), ("b", "platform/K8s", "")])
    said = [caught.value.message, *(e.message for e in caught.value.also)]
    assert [s.split(" (")[0] for s in said] == ["narrative a adopts the folder of uid vobs-platform",
                                               "narrative c adopts the folder of uid vobs-platform-k8s"]


@pytest.mark.parametrize("version", ["9.5.21", "11.4.0", "12.0.2"])  # flat folders, nested folders
def test_pull_and_import_by_uid_look_up_only_the_dashboards_folders_not_the_whole_tree(tmp_path, version):
    """`vobs pull --uid X` read every folder of the Grafana (one GET /api/folders per folder, nested)
    to name one dashboard's folder: 300 folders, 305 requests. Now one GET /api/folders/{uid} per
    distinct folder pulled, its `parents` (nested) giving the path; `--folder` still walks the tree."""
    grafana = seeded(version)
    try:
        for i in range(60):
            grafana.folders[f"f{i}"] = {"id": grafana._id(), "uid": f"f{i}", "title": f"F{i}", "parentUid": "",
                                        "version": 1, "created": "", "updated": ""}
        path = "Platform/K8s" if grafana.nested else "Platform K8s"
        pulled = vobs(grafana, tmp_path, "pull", "--uid", "k8s-a", "--uid", "k8s-b", "-o", str(tmp_path / "p"))
        assert pulled.exit_code == 0, pulled.output
        inventory = json.loads((tmp_path / "p" / "inventory.json").read_text())["dashboards"]
        assert {(d["uid"], d["folder"], d["folder_uid"]) for d in inventory} == {
            ("k8s-a", path, "plat-k8s"), ("k8s-b", path, "plat-k8s")}
        folder_reads = [r.path for r in grafana.requests if r.path.startswith("/api/folders")]
        assert folder_reads == ["/api/folders/plat-k8s"]  # one, for the one folder of the two dashboards
        assert len(grafana.requests) <= 7, [r.path for r in grafana.requests]

        grafana.requests.clear()
        by_uid = vobs(grafana, tmp_path, "import", "--uid", "plat-a", "--narrative", "platform")
        assert by_uid.exit_code == 0, by_uid.output
        assert 'folder_uid: "plat"' in (tmp_path / "narratives" / "platform.yaml").read_text()
        assert [r.path for r in grafana.requests if r.path.startswith("/api/folders")] == ["/api/folders/plat"]
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_a_folder_whose_parent_the_token_cannot_read_is_named_and_adopted(tmp_path):
    """Grafana 11+ 'Shared with me': a sub-folder readable, its parent not, so the walk from the root
    never reaches it. Pull recorded `folder: ""` with its uid (both "" mean General) and publish then
    refused the adopted uid as "no folder of that uid". Now the folder is looked up alone."""
    grafana = GrafanaStandIn(version="11.4.0").start()
    try:
        grafana.folders["team-sub"] = {"id": grafana._id(), "uid": "team-sub", "title": "Sub",
                                       "parentUid": "hidden-parent", "version": 1, "created": "", "updated": ""}
        grafana._store({"uid": "sub-a", "title": "SUB-A", "schemaVersion": 39, "panels": [PANEL]}, "team-sub", "hand")
        assert vobs(grafana, tmp_path, "pull", "--uid", "sub-a", "-o", str(tmp_path / "p")).exit_code == 0
        entry = json.loads((tmp_path / "p" / "inventory.json").read_text())["dashboards"][0]
        assert (entry["folder"], entry["folder_uid"]) == ("Sub", "team-sub")
        assert vobs(grafana, tmp_path, "import", str(tmp_path / "p"), "--narrative", "sub").exit_code == 0
        assert vobs(grafana, tmp_path, "build").exit_code == 0
        diff = vobs(grafana, tmp_path, "diff")
        assert diff.exit_code == 1 and "moved from folder" not in diff.stdout, diff.output
        publish_in_place(grafana, tmp_path, {"sub-a": "team-sub"})
        grafana.assert_no_violations()
    finally:
        grafana.stop()


def test_a_folder_answer_is_read_as_server_data():
    from vertice_obs.grafana.folders import Folder, from_answer, path_of

    answer = {"uid": "c", "title": "C", "parentUid": "b",
              "parents": [{"uid": "a", "title": "A"}, {"uid": "b", "title": "B"}]}
    assert path_of("c", from_answer(answer, "c", nested=True), "g") == "A/B/C"
    assert from_answer(answer, "c", nested=False) == {"c": Folder("c", "C", "")}  # flat: the title is the path
    assert from_answer({**answer, "uid": "other"}, "c", nested=True) == {}
    for bad in ([{"uid": "a", "title": "A"}, {"uid": "a", "title": "A"}], [{"uid": "c", "title": "C"}], ["x"]):
        assert from_answer({**answer, "parents": bad}, "c", nested=True) == {"c": Folder("c", "C", "b")}


def test_a_folder_lookup_that_fails_after_the_dashboards_are_written_is_a_partial_pull(tmp_path):
    """The folders are now asked after the dashboards are written: a failure there says what was
    written and that inventory.json (which would name wrong folders) is not updated — exit 3."""
    grafana = seeded("11.4.0")
    try:
        grafana.set_faults(methods=frozenset({"GET"}), paths=("/api/folders/",), script=["500"] * 8)
        result = vobs(grafana, tmp_path, "pull", "--uid", "k8s-a", "-o", str(tmp_path / "p"))
        assert result.exit_code == 3, result.output
        assert result.stderr.strip().endswith(f"pulled 1 into {tmp_path / 'p'}/ but their Grafana folders are not "
                                              "known, so inventory.json is not updated: run vobs pull again")
        assert (tmp_path / "p" / "k8s-a.json").is_file() and not (tmp_path / "p" / "inventory.json").exists()
    finally:
        grafana.stop()


def test_a_folder_path_is_one_spelling_whatever_the_editor_wrote(tmp_path):
    """Trial 16: 'Équipe/Café' re-saved decomposed (NFD, as some macOS tools write) looked the same
    but got another folder uid, so publish made a second, identical-looking folder and moved the
    dashboards into it. Both spellings are one path (NFC), so one folder."""
    import unicodedata

    from vertice_obs.grafana.folders import folder_uid

    composed, decomposed = (unicodedata.normalize(form, "Équipe/Café") for form in ("NFC", "NFD"))
    assert composed != decomposed
    nfc = load_narrative(write(tmp_path, f'folder: "{composed}"\n', "a"))
    nfd = load_narrative(write(tmp_path, f'folder: "{decomposed}"\n', "b"))
    assert nfc.folder == nfd.folder == composed
    assert folder_uid(nfc.folder) == folder_uid(nfd.folder)
