"""`vobs pull` against the stand-in Grafana: what a pull that pulls nothing leaves (nothing), and what
`inventory.json` lists when pulls share a folder (what the folder holds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"
OVERVIEW, AROUSAL = "maximus-dopamine-overview", "maximus-dopamine-arousal"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One stand-in holding the repository's dashboards, for every test here (they only read it)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("dashboards", "narratives"):  # a copy of the repository's project, as `project` makes
        shutil.copytree(REPO / name, root / name)
    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        done = CliRunner().invoke(cli, ["-C", str(root), "publish"],
                                  env={"GRAFANA_URL": standin.url, "GRAFANA_TOKEN": TOKEN})
        assert done.exit_code == 0, done.output
        yield standin
        standin.assert_no_violations()


def pull(grafana, *args):
    return CliRunner().invoke(cli, ["pull", *args], env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})


def listed(folder) -> list[str]:
    return [d["uid"] for d in json.loads((folder / "inventory.json").read_text())["dashboards"]]


def test_a_pull_that_finds_nothing_asked_for_writes_nothing_and_claims_nothing(published, tmp_path):
    """A new-user trial: `vobs pull --uid nosuch -o r3` printed "pulled 0 dashboards … → r3/", then the
    not-found error (exit 2), and left r3/inventory.json, empty. Nothing is written and nothing said
    but the error; a folder of an earlier pull keeps its inventory as it was."""
    out = tmp_path / "r3"
    result = pull(published, "--uid", "nosuch", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"vobs: error: not found in Grafana at {published.url}: nosuch; nothing pulled"]
    assert not out.exists()

    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert pull(published, "--uid", "nosuch", "-o", str(out)).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_selection_that_matches_nothing_writes_nothing_and_says_so(published, tmp_path):
    out = tmp_path / "none"
    result = pull(published, "--tag", "no-such-tag", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == (f"vobs: warning: nothing pulled from Grafana at {published.url} (no dashboard "
                                     f"matched); nothing written to {out}/")
    assert not out.exists()


def test_the_inventory_lists_what_the_folder_holds_after_each_pull(published, tmp_path):
    """A new-user trial: `pull --uid A -o x; pull --uid B -o x` left both files in x/, but
    inventory.json listed B only. It lists every dashboard vobs pull wrote there that is still
    there: an earlier pull's stays, one pulled again takes its own place, one deleted drops out."""
    out = tmp_path / "x"
    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    second = pull(published, "--uid", AROUSAL, "-o", str(out))
    assert second.exit_code == 0, second.output
    assert "pulled 1 dashboard from" in second.stdout  # this run's count
    assert listed(out) == [OVERVIEW, AROUSAL]
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{OVERVIEW}.json", f"{AROUSAL}.json", "inventory.json"])

    entries = json.loads((out / "inventory.json").read_text())["dashboards"]
    assert [e["file"] for e in entries] == [f"{out}/{OVERVIEW}.json", f"{out}/{AROUSAL}.json"]
    assert all(e["panels"] for e in entries)  # the earlier pull's entry is kept whole, not a stub

    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0  # pulled again: in its place
    assert listed(out) == [OVERVIEW, AROUSAL]
    (out / f"{OVERVIEW}.json").unlink()
    assert pull(published, "--uid", AROUSAL, "-o", str(out)).exit_code == 0
    assert listed(out) == [AROUSAL]


@pytest.mark.parametrize("text,where,message", [
    ("[1, 2]", "inventory.json", 'is not the inventory vobs pull writes (no "dashboards" list)'),
    ('{"dashboards": {}}', "inventory.json", 'is not the inventory vobs pull writes (no "dashboards" list)'),
    ("my notes\n", "inventory.json:1:1", "invalid JSON"),
])
def test_an_inventory_json_that_is_not_ours_stops_the_pull_before_any_write(published, tmp_path, text, where,
                                                                            message):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "inventory.json").write_text(text)
    result = pull(published, "--uid", OVERVIEW, "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [error] = result.stderr.strip().splitlines()
    assert error.startswith(f"vobs: error: {out}/{where}: ") and message in error, error
    assert [p.name for p in out.iterdir()] == ["inventory.json"] and (out / "inventory.json").read_text() == text


def test_an_earlier_entry_naming_no_file_of_the_folder_is_dropped_and_nothing_outside_is_touched(published,
                                                                                                  tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    (out / "inventory.json").write_text(json.dumps({"dashboards": [
        {"uid": "a", "file": "../outside.json"}, {"uid": "b", "file": "x/b.json"}, "junk",
        {"uid": "c", "file": "x/inventory.json"}, {"uid": "d"}]}))
    (out / "b.json").write_text("{}")
    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    entries = json.loads((out / "inventory.json").read_text())["dashboards"]
    assert [(e["uid"], e["file"]) for e in entries] == [("b", f"{out}/b.json"), (OVERVIEW, f"{out}/{OVERVIEW}.json")]
    assert (tmp_path / "outside.json").read_text() == "{}"


EVERY = {"maximus-cockpit-streaming", "maximus-cockpit-safety", OVERVIEW, AROUSAL, "maximus-esgt-ignition",
         "maximus-esgt-coherence", "maximus-skill-learning-overview", "maximus-skill-latency"}


@pytest.fixture(scope="module", params=VERSIONS)
def each_version(request, tmp_path_factory):
    """The repository's dashboards published to a stand-in of each version: nested folders on 11 and
    12 (MAXIMUS, then Dopamine inside it), flat on 9.5 and 10.4 (one root folder `MAXIMUS / Dopamine`)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("dashboards", "narratives"):
        shutil.copytree(REPO / name, root / name)
    with GrafanaStandIn(version=request.param) as standin:
        done = CliRunner().invoke(cli, ["-C", str(root), "publish"],
                                  env={"GRAFANA_URL": standin.url, "GRAFANA_TOKEN": TOKEN})
        assert done.exit_code == 0, done.output
        yield standin
        standin.assert_no_violations()


@pytest.mark.parametrize("folder", ["MAXIMUS", "vobs-maximus"])
def test_a_folder_is_pulled_with_its_sub_folders_on_every_version(each_version, tmp_path, folder):
    """A new-user trial: `vobs pull --folder` pulled a folder's own dashboards only — none for
    MAXIMUS, whose dashboards are all in its sub-folders. A folder (by uid or path) is pulled with
    its tree. Without nested folders the flat `MAXIMUS / Dopamine` is inside MAXIMUS as publish made
    it, so the same pull means the same there (and the uid, which no flat folder has, is an error)."""
    out = tmp_path / "tree"
    result = pull(each_version, "--folder", folder, "-o", str(out))
    if folder == "vobs-maximus" and not each_version.nested:
        assert result.exit_code == 2 and "no folder 'vobs-maximus'" in result.stderr, result.output
        assert "did you mean 'vobs-maximus-esgt'?" in result.stderr
        return
    assert result.exit_code == 0, result.output
    assert set(listed(out)) == EVERY
    leaf = pull(each_version, "--folder", "MAXIMUS/Dopamine", "-o", str(tmp_path / "leaf"))
    assert leaf.exit_code == 0, leaf.output
    assert set(listed(tmp_path / "leaf")) == {OVERVIEW, AROUSAL}
    by_uid = pull(each_version, "--folder", "vobs-maximus-dopamine", "-o", str(tmp_path / "by-uid"))
    assert by_uid.exit_code == 0 and set(listed(tmp_path / "by-uid")) == {OVERVIEW, AROUSAL}


def test_a_folder_that_does_not_exist_is_one_error_naming_it_and_the_folders(published, tmp_path):
    """A new-user trial: `vobs pull --folder NAME` with no such folder exited 0 having pulled nothing."""
    out = tmp_path / "none"
    result = pull(published, "--folder", "Team A", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"vobs: error: no folder 'Team A' in Grafana at {published.url} (by uid, or by path: Parent/Child); "
        "its folders: 'MAXIMUS' (uid vobs-maximus), 'MAXIMUS/Cockpit' (uid vobs-maximus-cockpit), "
        "'MAXIMUS/Dopamine' (uid vobs-maximus-dopamine), 'MAXIMUS/ESGT' (uid vobs-maximus-esgt), "
        "'MAXIMUS/Skill learning' (uid vobs-maximus-skill-learning)"]
    assert not out.exists()
    slip = pull(published, "--folder", "MAXIMUS/Dopamin", "-o", str(out))
    assert slip.exit_code == 2 and "did you mean 'MAXIMUS/Dopamine'?" in slip.stderr, slip.output
    assert not out.exists()


def test_a_tree_of_many_folders_is_searched_in_parts_and_a_miss_among_many_lists_none(tmp_path):
    """Team A with 60 sub-folders (two levels), each with a dashboard: all 60 are pulled, the search
    asked in parts (a query string of 61 folder uids is long); a miss among so many folders names
    the close one only, not all of them."""
    from vertice_obs.grafana.pull import FOLDERS_PER_SEARCH

    with GrafanaStandIn(version="11.4.0") as grafana:
        def folder(uid, title, parent=""):
            grafana.folders[uid] = {"id": grafana._id(), "uid": uid, "title": title, "parentUid": parent,
                                    "version": 1, "created": "", "updated": ""}

        folder("team-a", "Team A")
        folder("team-b", "Team B")
        grafana._store({"uid": "b-only", "title": "B", "panels": []}, "team-b", "by hand")
        for i in range(60):
            folder(f"a-{i}", f"Sub {i}", "team-a" if i < 30 else f"a-{i - 30}")
            grafana._store({"uid": f"dash-{i}", "title": f"D{i}", "panels": []}, f"a-{i}", "by hand")
        before = len(grafana.requests)
        result = pull(grafana, "--folder", "Team A", "-o", str(tmp_path / "a"))
        assert result.exit_code == 0, result.output
        assert sorted(listed(tmp_path / "a")) == sorted(f"dash-{i}" for i in range(60))
        searches = [r for r in grafana.requests[before:] if r.path == "/api/search"]
        assert len(searches) == -(-61 // FOLDERS_PER_SEARCH) > 1
        miss = pull(grafana, "--folder", "Team C", "-o", str(tmp_path / "c"))
        assert miss.exit_code == 2
        assert miss.stderr.strip() == (f"vobs: error: no folder 'Team C' in Grafana at {grafana.url} (by uid, or by "
                                       "path: Parent/Child); did you mean 'Team B'?")  # equally close: the first
        grafana.assert_no_violations()


def test_a_folder_name_two_folders_share_is_refused_naming_both_not_merged(tmp_path):
    """An outside-user trial: `--folder Team` with two root folders titled `Team` (Grafana 11.3 on allows
    it), and `--folder Team/Backend` with a `Backend` under each, pulled both trees as one, without a
    word. One line names each folder (path and uid) and how to choose one; exit 2, nothing written.
    A uid chooses; a name that is one folder's uid and another's path is refused the same way."""
    with GrafanaStandIn(version="11.4.0") as grafana:
        def folder(uid, title, parent=""):
            grafana.folders[uid] = {"id": grafana._id(), "uid": uid, "title": title, "parentUid": parent,
                                    "version": 1, "created": "", "updated": ""}

        for n in (1, 2):
            folder(f"team-{n}", "Team")
            folder(f"backend-{n}", "Backend", f"team-{n}")
            grafana._store({"uid": f"dash-{n}", "title": f"D{n}", "panels": []}, f"backend-{n}", "by hand")
        folder("ops", "Operations")
        folder("ops-2", "ops")
        where = f"Grafana at {grafana.url}"
        for name, named in (("Team", "'Team' (uid team-1), 'Team' (uid team-2)"),
                            ("Team/Backend", "'Team/Backend' (uid backend-1), 'Team/Backend' (uid backend-2)"),
                            ("ops", "'Operations' (uid ops), 'ops' (uid ops-2)")):
            out = tmp_path / name.replace("/", "-")
            result = pull(grafana, "--folder", name, "-o", str(out))
            assert result.exit_code == 2, result.output
            assert result.stderr.splitlines() == [
                f"vobs: error: --folder {name!r} names 2 folders in {where}: {named} — vobs does not merge them: "
                "give the one you mean by its uid, or by a full path (Parent/Child) only it has"], result.stderr
            assert not out.exists()
        chosen = pull(grafana, "--folder", "backend-2", "-o", str(tmp_path / "two"))
        assert chosen.exit_code == 0, chosen.output
        assert listed(tmp_path / "two") == ["dash-2"]
        grafana.assert_no_violations()


@pytest.mark.parametrize("call, written", [(3, 2), (1, 0)])
def test_ctrl_c_during_a_pull_says_what_it_wrote_and_that_the_inventory_is_not(published, tmp_path, monkeypatch,
                                                                               call, written):
    """Trial 16: "vobs: interrupted" alone, beside dashboard files with no inventory.json, which
    `vobs import` then read without their Grafana folders."""
    from vertice_obs.grafana.destinations import GrafanaDestination

    real, calls = GrafanaDestination.get, []

    def get(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(GrafanaDestination, "get", get)
    out = tmp_path / "pulled"
    done = pull(published, "--all", "-o", str(out))
    assert done.exit_code == 130, done.output
    files = sorted(p.stem for p in out.glob("*.json")) if out.exists() else []
    assert len(files) == written and not (out / "inventory.json").exists()
    if written:
        assert done.stderr == (f"vobs: interrupted after writing 2 dashboards to {out}/ ({', '.join(files)}) and "
                               "before inventory.json was updated, so vobs import would not know their Grafana "
                               "folders: run vobs pull again\n"), done.stderr
    else:
        assert done.stderr == f"vobs: interrupted before any dashboard was written to {out}/: nothing pulled\n"


def test_every_dashboard_not_written_is_named_not_the_first_kind_alone(tmp_path):
    """Trial 22 (L3): a dashboard of uid `inventory` hid the non-uid and the lying JSON beside it, and
    only the first of the non-uids would have been said anyway. Each kind is said, each dashboard named."""
    with GrafanaStandIn(version=VERSIONS[-1]) as grafana:
        for uid in ("good", "inventory", "escape"):
            grafana._store({"uid": uid, "title": uid.title(), "panels": []}, "", "by hand")
        grafana.dashboards["escape"]["model"]["uid"] = "../../tmp/escape"  # as the search lists it
        out = tmp_path / "pulled"
        result = pull(grafana, "--all", "-o", str(out))
    assert result.exit_code == 3, result.output
    error = result.stderr.strip().splitlines()[-1]
    for said in ("1 dashboard uid that is not a Grafana uid, not written: '../../tmp/escape'",
                 "dashboard uid inventory is not written", "pulled 1 into"):
        assert said in error, error
    assert sorted(p.name for p in out.iterdir()) == ["good.json", "inventory.json"]


def test_with_nothing_pulled_every_kind_not_written_is_named(published, tmp_path, monkeypatch):
    """As above when nothing was written: only the first kind (`problems[0]`) was said."""
    from vertice_obs.grafana import pull as pulling

    def stub(*_args, **_kwargs):
        return pulling.PullResult(refused=["../a", "/b"], mislabelled=[("liar", "../liar")], clashing=["inventory"],
                                  not_over=[("x", "is a FIFO, not a regular file: not written over (name a regular file)")],
                                  missing=["nosuch"])

    monkeypatch.setattr(pulling, "pull", stub)
    out = tmp_path / "none"
    result = pull(published, "--uid", "nosuch", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"vobs: error: Grafana at {published.url} returned 2 dashboard uids that are not Grafana uids, not written: "
        f"'../a', '/b'; Grafana at {published.url} returned 1 dashboard whose JSON names another uid, not written: "
        f"liar (its JSON says uid '../liar'); 1 dashboard not written: {out}/x.json is a FIFO, not a regular file: "
        f"not written over (move it away, or pull into another folder); dashboard uid inventory is not written: its "
        f"file would be {out}/inventory.json, the inventory vobs pull writes beside the dashboards (export it from "
        f"Grafana, or give it another uid); not found in Grafana at {published.url}: nosuch; nothing pulled"]


def test_a_symlink_at_a_dashboard_s_file_is_said_as_one_not_as_a_bad_uid(published, tmp_path):
    """Trial 22 (L4): a symlink already at `-o/<uid>.json` was reported as a uid that "is not Grafana
    uids". Nothing is written through it (as before), and the reason is the true one."""
    out, victim = tmp_path / "pulledS", tmp_path / "victim"
    out.mkdir()
    (out / f"{OVERVIEW}.json").symlink_to(victim)
    result = pull(published, "--uid", OVERVIEW, "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"vobs: error: 1 dashboard not written: {out}/{OVERVIEW}.json is a symlink, not a regular file: not written "
        "over (move it away, or pull into another folder); nothing pulled"]
    assert not victim.exists() and (out / f"{OVERVIEW}.json").is_symlink()
