"""A narrative's folder path renamed to one of the same uid (`MAXIMUS-Dopamine` → `MAXIMUS/Dopamine`,
`MAXIMUS` → `Maximus`): the existing folder is renamed and moved, diff says so, and the
dashboards stay where they are — never "unchanged" while Grafana keeps the old folder. Against
the stand-in (nested and flat Grafanas) and the provisioning folder."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn

from vertice_obs.cli import cli
from vertice_obs.grafana.folders import Folder, needed, to_update, update_words

TOKEN = "glsa_standin_token"


def _rename(project, old: str, new: str) -> None:
    path = project / "narratives/dopamine.yaml"
    path.write_text(path.read_text().replace(f"folder: {old}\n", f"folder: {new}\n"))


def _run(project, *args, env=None):
    return CliRunner().invoke(cli, ["-C", str(project), *args], env=env or {})


def test_only_a_title_or_parent_that_differs_is_an_update():
    existing = {"a": Folder("a", "web-shop"), "b": Folder("b", "B", "x")}
    wanted = [Folder("a", "Shop", "w"), Folder("b", "B", "x")]
    assert to_update(wanted, existing, nested=True) == {"a": existing["a"]}
    assert to_update([Folder("b", "B", "")], existing, nested=False) == {}  # flat: no parents to compare
    assert update_words(wanted[0], existing["a"], {"w": "Web"}) == "folder 'web-shop' → 'Shop', moved into 'Web'"
    assert update_words(Folder("a", "web-shop"), Folder("a", "web-shop", "w"), {}) == \
        "folder 'web-shop', moved to the top level"


def test_a_folder_is_made_only_for_a_dashboard_written_into_it_and_every_update_is_kept():
    """A folder to create with no dashboard written into it (all skipped, another project's) is left
    out, parents first; its parent stays when a dashboard goes into a sibling, and a folder an update
    moves into it makes it needed too. Every update (rename, move) is kept, written into or not."""
    web, shop, ops, moved = Folder("w", "Web"), Folder("s", "Shop", "w"), Folder("o", "Ops", "w"), Folder("m", "M", "n")
    new = Folder("n", "New")
    plan = [web, new, shop, ops, moved]
    assert needed(plan, {}, []) == []
    assert needed(plan, {}, ["s"]) == [web, shop]
    assert needed(plan, {"m": Folder("m", "M")}, []) == [new, moved]  # the update, and the parent it moves into
    assert needed([Folder("x", "A / B")], {}, ["y"]) == []  # flat: one root folder per path


@pytest.mark.parametrize("version,nested", [("12.0.2", True), ("10.4.19", False)])
def test_a_folder_path_renamed_to_the_same_uid_renames_and_moves_the_folder(project, version, nested):
    with GrafanaStandIn(version=version) as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}
        _rename(project, "MAXIMUS/Dopamine", "MAXIMUS-Dopamine")
        assert _run(project, "publish", env=env).exit_code == 0
        assert grafana.folders["vobs-maximus-dopamine"]["title"] == "MAXIMUS-Dopamine"
        in_folder = {u for u, d in grafana.dashboards.items() if d["folderUid"] == "vobs-maximus-dopamine"}
        assert in_folder

        _rename(project, "MAXIMUS-Dopamine", "MAXIMUS/Dopamine")
        diff = _run(project, "diff", "--format", "json", env=env)
        assert diff.exit_code == 1, diff.output
        changed = {d["uid"]: d["changes"] for d in json.loads(diff.output)["dashboards"] if d["status"] == "changed"}
        said = ("folder 'MAXIMUS-Dopamine' → 'Dopamine', moved into 'MAXIMUS'" if nested
                else "folder 'MAXIMUS-Dopamine' → 'MAXIMUS / Dopamine'")
        assert set(changed) == in_folder and all(said in c for c in changed.values())

        plan = json.loads(_run(project, "publish", "--dry-run", "--format", "json", env=env).output)
        updated = [f for f in plan["folders"] if "was" in f]
        assert updated == [{"uid": "vobs-maximus-dopamine", "title": "Dopamine" if nested else "MAXIMUS / Dopamine",
                            "parent_uid": "vobs-maximus" if nested else None,
                            "was": {"title": "MAXIMUS-Dopamine", "parent_uid": None}}]

        dry = _run(project, "publish", "--dry-run", env=env).output
        assert f"update {said} (uid vobs-maximus-dopamine)" in dry and "create folder 'Dopamine'" not in dry
        done = _run(project, "publish", env=env)
        assert done.exit_code == 0, done.output
        assert f"updated {said} (uid vobs-maximus-dopamine)" in done.output
        folder = grafana.folders["vobs-maximus-dopamine"]
        assert (folder["title"], folder["parentUid"]) == (("Dopamine", "vobs-maximus") if nested
                                                          else ("MAXIMUS / Dopamine", ""))
        assert {u for u, d in grafana.dashboards.items() if d["folderUid"] == "vobs-maximus-dopamine"} == in_folder
        writes = len(grafana.writes())
        assert _run(project, "diff", env=env).exit_code == 0
        assert _run(project, "publish", env=env).exit_code == 0 and len(grafana.writes()) == writes
        grafana.assert_no_violations()


def test_the_provisioning_folder_moves_the_files_of_a_renamed_folder(project):
    _rename(project, "MAXIMUS/Dopamine", "MAXIMUS-Dopamine")
    assert _run(project, "publish").exit_code == 0
    before = sorted(p.name for p in (project / "provisioning/MAXIMUS-Dopamine").glob("*.json"))
    assert before
    _rename(project, "MAXIMUS-Dopamine", "MAXIMUS/Dopamine")
    assert _run(project, "diff").exit_code == 1
    done = _run(project, "publish")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (project / "provisioning/MAXIMUS/Dopamine").glob("*.json")) == before
    assert not list((project / "provisioning/MAXIMUS-Dopamine").glob("*.json"))
    assert _run(project, "diff").exit_code == 0


@pytest.mark.parametrize("version", ["12.0.2", "10.4.19"])
def test_a_folder_rename_that_fails_is_said_even_with_no_dashboard_written_into_it(project, version):
    """The dashboards in a renamed folder are unchanged, so none is written: a rename Grafana refuses
    was said by no dashboard, and publish exited 0 as if the folder were renamed."""
    with GrafanaStandIn(version=version) as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}
        assert _run(project, "publish", env=env).exit_code == 0
        _rename(project, "MAXIMUS/Dopamine", "MAXIMUS/DOPAMINE")  # the same uid: a rename
        grafana.set_faults(rate=1.0, kinds=("500",), methods=frozenset({"PUT", "POST"}),
                           paths=("/api/folders/vobs-maximus-dopamine",), retry_after=0)
        done = _run(project, "publish", "--format", "json", env=env)
        assert done.exit_code == 2, done.output  # nothing else was written
        answer = json.loads(done.stdout)
        [failed] = answer["failed_folders"]
        assert failed["uid"] == "vobs-maximus-dopamine" and failed["title"].endswith("DOPAMINE")
        assert "500" in failed["error"] and failed["was"]["title"].endswith("Dopamine")
        assert "1 folder not written: vobs-maximus-dopamine" in done.stderr
        text = _run(project, "publish", env=env)
        assert text.exit_code == 2 and "(uid vobs-maximus-dopamine): not written: " in text.stdout
        summary = _run(project, "publish", "--format", "markdown", env=env).stdout
        assert "**1 folder not written:**" in summary and "<code>vobs-maximus-dopamine</code>" in summary
        assert grafana.folders["vobs-maximus-dopamine"]["title"].endswith("Dopamine")
        grafana.set_faults()
        assert _run(project, "publish", env=env).exit_code == 0  # the next publish renames it
        assert grafana.folders["vobs-maximus-dopamine"]["title"].endswith("DOPAMINE")
