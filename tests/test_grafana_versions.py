"""Which Grafana, which folders: version detection once per run, flat folders before nested ones,
folder uids that are unique and stable, walks that end, and a suite that needs nothing beside
the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS

from vertice_obs.build.render import RenderedDashboard
from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.grafana.answers import DestinationError, server_info
from vertice_obs.grafana.folders import (
    Folder,
    FolderCycle,
    check_tree,
    check_unique,
    folder_chain,
    folder_uid,
)
from vertice_obs.grafana.provisioning import ProvisioningFolder
from vertice_obs.grafana.publish import execute, plan_publish

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"


@pytest.mark.parametrize("path,uid", [
    ("MAXIMUS/Dopamine", "vobs-maximus-dopamine"),  # unchanged from before: published folders stay put
    ("MAXIMUS/ドーパミン", "vobs-maximus-116089b585"),  # slugs to its parent's: a hash tells them apart
    ("ドーパミン", "vobs-b5d074f53be5"),
    ("MAXIMUS/ドーパミン/Skill", "vobs-maximus-skill-"),
])
def test_folder_uids_are_stable_and_non_ascii_segments_are_hashed(path, uid):
    assert folder_uid(path).startswith(uid) and folder_uid(path) == folder_uid(path)
    assert re.fullmatch(r"[a-z0-9-]{1,40}", folder_uid(path))


def test_a_non_ascii_folder_keeps_its_title_and_is_never_its_own_parent():
    parent, child = folder_chain("MAXIMUS/ドーパミン")
    assert (parent.title, child.title) == ("MAXIMUS", "ドーパミン")
    assert child.parent_uid == parent.uid != child.uid
    assert folder_chain("MAXIMUS/ドーパミン", nested=False) == [Folder(child.uid, "MAXIMUS / ドーパミン")]


@pytest.mark.parametrize("path", ["..", "a/../b", "a//b", "./a", " ", "a/ "])
def test_empty_dot_and_dotdot_segments_are_refused(path):
    with pytest.raises(InputError, match="segments are not folder names"):
        folder_chain(path)


def test_two_paths_sharing_a_uid_are_refused_before_anything_is_sent():
    with pytest.raises(InputError, match="'A-B' and 'A/B' would share the Grafana folder uid vobs-a-b"):
        check_unique(["A/B", "A-B"])
    check_unique(["MAXIMUS/ドーパミン", "MAXIMUS/セロトニン", "MAXIMUS"])  # hashed: distinct


def test_every_folder_uid_clash_is_said_in_one_run():
    """Each clash is its own line (`also`), a parent's clash once, however many children share it."""
    with pytest.raises(InputError) as raised:
        check_unique(["A/B", "A-B", "Ops/Core", "ops-core", "A/B/C", "A/B/D"])
    assert [str(e) for e in (raised.value, *raised.value.also)] == [
        f"folder paths {a!r} and {b!r} would share the Grafana folder uid {uid}: rename one of them"
        for a, b, uid in (("A-B", "A/B", "vobs-a-b"), ("Ops/Core", "ops-core", "vobs-ops-core"))]


@pytest.mark.parametrize("tree,loop", [
    ({"a": Folder("a", "A", "a")}, "a → a"),
    ({"a": Folder("a", "A", "b"), "b": Folder("b", "B", "a")}, "a → b → a"),
    ({"a": Folder("a", "A", "b"), "b": Folder("b", "B", "c"), "c": Folder("c", "C", "b")}, "b → c → b"),
])
def test_a_cycle_in_folder_data_is_one_error(tree, loop):
    with pytest.raises(FolderCycle, match=re.escape(loop)):
        check_tree(tree, "somewhere")


@pytest.mark.parametrize("health,settings,version,nested", [
    ({"version": "9.5.21"}, {"buildInfo": {"version": "9.5.21"}, "featureToggles": {}}, (9, 5), False),
    ({"version": "10.4.19"}, {"buildInfo": {"version": "10.4.19"}, "featureToggles": {"nestedFolders": False}},
     (10, 4), False),
    ({"version": "10.4.19"}, {"buildInfo": {"version": "10.4.19"}, "featureToggles": {"nestedFolders": True}},
     (10, 4), True),
    ({"version": "11.4.0"}, {"buildInfo": {"version": "11.4.0"}}, (11, 4), True),
    ({"version": "12.0.2"}, {"buildInfo": {"version": "12.0.2+security-01"}, "featureToggles": {}}, (12, 0), True),
    ({"version": "11.6.0"}, {"featureToggles": "nonsense"}, (11, 6), True),  # health's version then
])
def test_version_and_nested_folders_are_read_from_health_and_settings(health, settings, version, nested):
    info = server_info(health, settings, "Grafana at x")
    assert (info.major_minor, info.nested_folders) == (version, nested)


@pytest.mark.parametrize("health,settings,message", [
    ({}, {}, "does not say which Grafana it is"),
    ({"version": "8.5.0"}, {}, "vobs supports 9.5, 10.4, 11.x and 12.x"),
    ("<html>", {}, "an HTML page"),
    ({"version": "11.0.0"}, [], "wrong shape"),
])
def test_a_server_that_is_not_a_supported_grafana_is_one_line(health, settings, message):
    with pytest.raises(DestinationError, match=re.escape(message)):
        server_info(health, settings, "Grafana at x")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_version_is_asked_once_per_run(project, version):
    with GrafanaStandIn(version=version) as grafana:
        for command in ("publish", "diff", "publish"):
            before = len(grafana.requests)
            done = CliRunner().invoke(cli, ["-C", str(project), command], env={"GRAFANA_URL": grafana.url,
                                                                              "GRAFANA_TOKEN": TOKEN})
            assert done.exit_code == 0, done.output
            paths = [r.path for r in grafana.requests[before:]]
            assert paths[:2] == ["/api/health", "/api/frontend/settings"]  # first, before any dashboard
            assert paths.count("/api/health") == paths.count("/api/frontend/settings") == 1
        grafana.assert_no_violations()


def test_flat_grafana_maps_a_path_to_one_folder_and_a_move_to_nested_keeps_the_dashboards(project):
    """9.5/10.x: 'MAXIMUS/Dopamine' is one root folder 'MAXIMUS / Dopamine'. The uid is the nested
    leaf's, so the same dashboards are unchanged when the server later turns nested folders on; the
    flat folders then become the nested tree a fresh publish makes (renamed, moved into MAXIMUS)."""
    env = {"GRAFANA_TOKEN": TOKEN}
    with GrafanaStandIn(version="10.4.19") as grafana:
        env["GRAFANA_URL"] = grafana.url
        assert CliRunner().invoke(cli, ["-C", str(project), "publish"], env=env).exit_code == 0
        titles = {f["uid"]: (f["title"], f["parentUid"]) for f in grafana.folders.values()}
        assert titles["vobs-maximus-dopamine"] == ("MAXIMUS / Dopamine", "")
        assert len(titles) == 4
        grafana.nested = True  # the toggle is switched on
        writes = len(grafana.writes())
        again = CliRunner().invoke(cli, ["-C", str(project), "publish"], env=env)
        assert again.exit_code == 0 and "8 unchanged" in again.output
        leaves = sorted(u for u in titles)
        assert [w.path for w in grafana.writes()[writes:]] == ["/api/folders", "/api/annotations"] + [  # the new
            f"/api/{path}" for uid in leaves  # parent MAXIMUS and its record, then each leaf recorded, renamed, moved
            for path in ("annotations", f"folders/{uid}", f"folders/{uid}/move")]  # (test_folder_owners.py)
        assert {u: (f["title"], f["parentUid"]) for u, f in grafana.folders.items() if u in leaves} == {
            u: (title.split(" / ")[1], "vobs-maximus") for u, (title, _) in titles.items()}
        grafana.assert_no_violations()


def test_a_folder_cycle_on_the_server_is_one_error_not_an_endless_walk():
    rendered = [RenderedDashboard("d1", "n", "A/B", {"uid": "d1", "title": "D"}, "d.py")]
    with GrafanaStandIn(version="11.4.0") as grafana:
        from vertice_obs.grafana.destinations import GrafanaDestination

        grafana.folders["a"] = {"id": 1, "uid": "a", "title": "A", "parentUid": "", "version": 1,
                                "created": "", "updated": ""}
        grafana.folders["b"] = {"id": 2, "uid": "b", "title": "B", "parentUid": "a", "version": 1,
                                "created": "", "updated": ""}
        grafana.folders["a"]["parentUid"] = "b"  # corrupt: a → b → a, reachable from nowhere …
        grafana.folders["c"] = {"id": 3, "uid": "c", "title": "C", "parentUid": "", "version": 1,
                                "created": "", "updated": ""}
        grafana.nested = False  # … and a server that ignores parentUid while …
        target = GrafanaDestination(grafana.url, TOKEN, timeout=5)
        target._info = server_info({"version": "11.4.0"}, {}, target.description)  # … claiming nested folders
        with pytest.raises(DestinationError, match="lists folder .* again"):
            plan_publish(rendered, target)


def test_provisioning_writes_only_inside_its_folder(tmp_path):
    target = ProvisioningFolder(tmp_path / "provisioning", "provisioning/")
    model = {"uid": "d1", "title": "D"}
    target.create_folder(Folder("up", "ok", ""))
    state = target._state_file.read_text().replace('"ok"', '".."')
    target._state_file.write_text(state)
    with pytest.raises(DestinationError, match=r"provisioning/.vobs-state.json: folder 'up' has the title '\.\.'"):
        plan_publish([RenderedDashboard("d1", "n", "X", model, "d.py")], target)
    assert not (tmp_path / "d1.json").exists()
    with pytest.raises(InputError):
        execute(plan_publish([RenderedDashboard("d1", "n", "..", model, "d.py")],
                             ProvisioningFolder(tmp_path / "p2")), ProvisioningFolder(tmp_path / "p2"), "c", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["provisioning"]  # refused before any write


# Built from parts so that this file does not itself contain what it searches for.
BESIDE = ("/".join(["..", "shared"]), "/".join(["shared", "grafana-api"]), "parents" + "[3]")


def test_nothing_reads_beside_the_repository():
    """A fresh clone has nothing beside it (issue 9, item 14): no test, script or module reads the
    reference folder that sits next to the repository on developers' machines."""
    offenders = []
    for folder in ("tests", "scripts", "vertice_obs", ".ci"):
        for path in sorted((REPO / folder).rglob("*")):
            if not path.is_file() or path.suffix in (".json", ".pyc") or path == Path(__file__):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(needle in text for needle in BESIDE):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


@pytest.mark.parametrize("command", [("diff",), ("publish", "--dry-run")])
def test_diff_refuses_a_folder_uid_clash_as_publish_does(project, command):
    """Trial 16: `vobs diff` planned two paths that share a folder uid ('Team  A/x', 'Team A/X') as
    if publish would take them (exit 1, "8 added"); publish refused them. Both refuse now, alike,
    before any request."""
    for name, folder in (("dopamine", "Team  A/x"), ("esgt", "Team A/X")):
        path = project / "narratives" / f"{name}.yaml"
        path.write_text(re.sub(r"(?m)^folder: .*$", f'folder: "{folder}"', path.read_text()))
    with GrafanaStandIn(version=VERSIONS[-1]) as grafana:
        result = CliRunner().invoke(cli, ["-C", str(project), *command],
                                    env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "glsa_standin_token"})
        assert grafana.requests == []  # a project error: nothing asked
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "vobs: error: folder paths 'Team  A' and 'Team A' would share the Grafana folder uid vobs-team-a: rename one "
        "of them",
        "vobs: error: folder paths 'Team  A/x' and 'Team A/X' would share the Grafana folder uid vobs-team-a-x: "
        "rename one of them"]
