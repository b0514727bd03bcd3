"""What publish says it did, against the spec-checked stand-in: its exit code when every write
failed, the backups it counts, the orphans it names, and a SIGTERM said as Ctrl-C is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from sample_project import make_project
from standin_cli import vobs


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


def edit_code(root: Path, words: str = "edited") -> None:
    """Both dashboards change in code: each is an update for publish (the playlist stays as it is)."""
    for module in (root / "dashboards").glob("*.py"):
        module.write_text(module.read_text().replace("sample dashboard", f"sample dashboard, {words}"))


def refuse_saves(grafana: GrafanaStandIn, script: list[str] | None = None) -> None:
    """Dashboard saves answer 400 (not retried, not a stop): every one, or as `script` says ("" = none)."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), kinds=("400",),
                       rate=0.0 if script else 1.0, script=list(script or []))


# --- 1. nothing written: exit 2 ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_every_write_failing_exits_2_nothing_written(root, grafana, fmt):
    """`publish` exited 3 ("some were not published") when every write it tried failed and nothing
    was written, where its --help and the README say 2 for nothing written."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    refuse_saves(grafana)
    mark = len(grafana.dashboards["sample-a"]["versions"]), len(grafana.dashboards["sample-b"]["versions"])
    result = vobs(root, grafana, "publish", "--format", fmt)
    assert result.exit_code == 2, result.output
    assert (len(grafana.dashboards["sample-a"]["versions"]), len(grafana.dashboards["sample-b"]["versions"])) == mark
    assert "sample-a (failed), sample-b (failed)" in result.stderr and result.stderr.count("\n") == 1
    refuse_saves(grafana, ["", "400"])  # one written, one not: some published, exit 3
    assert vobs(root, grafana, "publish", "--concurrency", "1").exit_code == 3
    grafana.set_faults()
    assert vobs(root, grafana, "publish").exit_code == 0


def test_skipped_drift_alone_still_exits_3_as_its_dry_run(root, grafana):
    """Nothing written because a drifted dashboard is skipped is no failed write: 3, as the dry run says."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    grafana.edit_in_ui("sample-a", lambda m: m.update(description="by hand"))
    assert vobs(root, grafana, "publish", "--uid", "sample-a", "--dry-run").exit_code == 3
    assert vobs(root, grafana, "publish", "--uid", "sample-a").exit_code == 3


# --- 5. the backup line counts what it replaced -----------------------------------------------------------


def test_the_backup_line_counts_only_the_dashboards_it_replaced(root, grafana):
    """The line said "backed up the live JSON of 2 dashboards it replaced" when one of the two updates
    failed: it replaced one. The failed one's backup stays in the folder (its save may have landed)."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    refuse_saves(grafana, ["", "400"])
    text = vobs(root, grafana, "publish", "--concurrency", "1")
    assert text.exit_code == 3, text.output
    assert "backed up the live JSON of 1 dashboard it replaced to .vobs/backups/" in text.stdout, text.stdout
    (folder,) = (root / ".vobs" / "backups").iterdir()
    assert sorted(p.name for p in folder.glob("sample-*.json")) == ["sample-a.json", "sample-b.json"]
    grafana.set_faults()
    edit_code(root, "again")  # two updates, the second refused
    refuse_saves(grafana, ["", "400"])
    markdown = vobs(root, grafana, "publish", "--concurrency", "1", "--format", "markdown")
    assert markdown.exit_code == 3, markdown.output
    assert "The live JSON of the 1 dashboard it replaced is backed up in" in markdown.stdout, markdown.stdout


# --- 7. SIGTERM is said as Ctrl-C is -----------------------------------------------------------------------


def test_sigterm_while_dashboards_are_written_says_how_far_it_got_and_exits_130(tmp_path, grafana):
    """A cancelled CI job's SIGTERM ended publish at once: exit 143, not a word of what was written.
    It stops as Ctrl-C does — no write started after it, those in flight finish — with the same one
    line and exit 130, and the next publish finishes the job."""
    import os
    import re
    import signal
    import subprocess
    import sys

    from waiting import until

    narratives = {f"n{i}.yaml": f"id: n{i}\ntitle: Story {i}\nowner: t\nsummary: s\nfolder: F{i}\nchapters:\n"
                                f"  - dashboard: sample-{'a' if i == 1 else 'b'}\n    title: Chapter\n    story: s\n" for i in (1, 2)}
    root = make_project(tmp_path / "p", narratives=narratives)
    grafana.set_faults(latency_ms=150)  # every request takes a while: the signal lands among the writes
    env = {**os.environ, "GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "glsa_standin_token"}
    child = subprocess.Popen([sys.executable, "-m", "vertice_obs", "-C", str(root), "publish", "--concurrency", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: grafana.dashboards or child.poll() is not None, "the first dashboard saved")
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, (child.returncode, err)
    assert out == ""  # as for Ctrl-C: the one line says it
    said = re.fullmatch(r"vobs: interrupted after publishing (\d) folders and (\d) of 2 dashboards; nothing is "
                        r"half-written — run it again to finish\n", err)
    assert said, err
    assert (int(said[1]), int(said[2])) == (len(grafana.folders), len(grafana.dashboards))
    grafana.set_faults()
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0, again.output


# --- 2. two dashboards of one title in one folder -----------------------------------------------------------


def test_two_dashboards_of_one_title_in_one_folder_are_refused_before_anything_is_sent(root):
    """Both passed `vobs build` and the stand-in; Grafana before 11.3 refused the second save (412
    name-exists) mid-publish. Build and publish refuse the pair first, naming both files and the folder."""
    b = root / "dashboards" / "b.py"
    b.write_text(b.read_text().replace('"Sample B"', '"Sample A"'))
    built = vobs(root, None, "build")
    assert built.exit_code == 2, built.output
    assert built.stderr == ("vobs: error: dashboards/b.py:3:13: dashboard 'sample-b' has the title 'Sample A' of "
                            "dashboard 'sample-a' (dashboards/a.py), both in folder 'Samples/Story': Grafana before "
                            "11.3 keeps one dashboard of a title per folder and refuses the second save (412 "
                            "name-exists) — give one another title, or its narrative another folder\n")
    assert not (root / "exports").exists()
    with GrafanaStandIn(version="10.4.19") as grafana:
        published = vobs(root, grafana, "publish")
        assert published.exit_code == 2 and "both in folder 'Samples/Story'" in published.stderr, published.output
        assert grafana.requests == []  # nothing asked, nothing sent
    b.write_text(b.read_text().replace('"Sample A"', '"sample  a!"'))  # one slug: still one title to Grafana 10
    assert vobs(root, None, "build").exit_code == 2


@pytest.mark.parametrize("one, other, alike", [
    ("Sample A", "sample  a!", True),  # runs of other characters are one `-`
    ("Latency — p99", "latency - p99", True),  # dashes are `-`
    ("Café", "Cafe", True),  # accents transliterated
    ("Ops @ EU", "ops at eu", True),  # `@` is "at"
    ("A & B", "A B", False),  # `&` is "and": refusing these stopped a project every Grafana takes
    ("Don't panic", "Don t panic", False),  # quotes are dropped, not `-`
    ("a_b", "a b", False),  # `_` is kept
    ("日本", "中国", False),  # beyond Latin: compared whole
])
def test_title_key_is_gosimple_slug(one, other, alike):
    """`build` refuses two dashboards of one slug in one folder (Grafana 9.x, gosimple/slug); its key
    was a plain regex that took `A & B` and `A B` for one title and refused a project Grafana takes."""
    from vertice_obs.build.plan import title_key

    assert (title_key(one) == title_key(other)) is alike


def test_a_title_taken_in_grafana_is_said_as_such(root):
    """A dashboard made by hand in the folder with a title of the code's: Grafana 10.4 answers 412
    name-exists, which publish called "changed in Grafana meanwhile"."""
    with GrafanaStandIn(version="10.4.19") as grafana:
        assert vobs(root, grafana, "publish", "--uid", "sample-a").exit_code == 0
        grafana._store({"uid": "by-hand", "title": "Sample B"}, "vobs-samples-story", "made by hand")
        result = vobs(root, grafana, "publish", "--format", "json")
        assert result.exit_code == 2, result.output  # nothing written: its one write failed
        (row,) = [d for d in json.loads(result.stdout)["dashboards"] if d["uid"] == "sample-b"]
        assert row["status"] == "failed"
        assert row["detail"] == ("dashboard sample-b: another dashboard in that folder has its title (412 name-exists: "
                                 "A dashboard with the same name in the folder already exists) — Grafana before 11.3 "
                                 "allows one dashboard of a title per folder: retitle one of them")
        grafana.assert_no_violations()


@pytest.mark.parametrize("version", ["9.5.21", "10.4.19", "11.4.0"])
def test_a_dashboard_titled_like_a_folder_is_refused_before_anything_is_written(root, version):
    """Grafana before 10.4 refuses a dashboard titled like ANY folder (400 name-match): such a dashboard
    met it mid-publish, after the others were written. Publish now refuses first, every such dashboard
    at its module with the folder, writing nothing; the folder it would make itself counts (flat
    folders: 'Samples/Story' is one folder, 'Samples / Story'). From 10.4 (grafana/grafana#77076) only a
    folder beside the dashboard counts, none here: vobs refused a publish 10.4 to 11.2 take; 11.3 on
    saves them all."""
    b = root / "dashboards" / "b.py"
    b.write_text(b.read_text().replace('"Sample B"', '"Samples / Story"'))  # vobs' own flat folder's title
    with GrafanaStandIn(version=version) as grafana:
        grafana.folders["by-hand"] = {"id": 99, "uid": "by-hand", "title": "Sample A", "parentUid": "", "version": 1,
                                      "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        result = vobs(root, grafana, "publish")
        if version != "9.5.21":
            assert result.exit_code == 0, result.output
            grafana.assert_no_violations()
            return
        assert result.exit_code == 2, result.output
        assert grafana.writes() == []  # nothing made, nothing saved
        where = f"Grafana at {grafana.url}"
        lines = result.stderr.splitlines()
        assert lines[0] == (f"vobs: error: dashboards/a.py: dashboard 'sample-a' is titled 'Sample A', like the folder "
                            f"'Sample A' (uid by-hand): {where} refuses a dashboard titled like any folder (400 "
                            "name-match; Grafana 11.3 allows it) — retitle the dashboard or the folder; nothing was "
                            "published"), result.stderr
        assert "dashboards/b.py: dashboard 'sample-b' is titled 'Samples / Story', like the folder 'Samples / Story' " \
               "(uid vobs-samples-story)" in lines[1], result.stderr
        grafana.assert_no_violations()


@pytest.mark.parametrize("version", ["9.5.21", "10.4.19", "11.4.0"])
def test_a_folder_whose_title_is_taken_where_it_would_be_made_is_refused_before_anything_is_written(root, version):
    """Grafana before 11.3 refuses a folder beside a folder of its title (the one the dashboards lived
    in before they were imported: vobs only warned, then met the 409 at its first write) and a root
    folder titled like a dashboard of the General folder (400): publish refuses both first, writing
    nothing; 11.3 on makes them (nested there: 'Samples' beside the user's 'Samples', a warning)."""
    title = "Samples / Story" if version != "11.4.0" else "Samples"  # the folder vobs makes at the root
    with GrafanaStandIn(version=version) as grafana:
        grafana.folders["by-hand"] = {"id": 99, "uid": "by-hand", "title": title, "parentUid": "", "version": 1,
                                      "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        grafana._store({"uid": "hand-made", "title": title, "panels": []}, "", "by hand")
        mark = len(grafana.writes())
        diff = vobs(root, grafana, "diff")  # the preview says it too, as warnings (diff writes nothing)
        stops = [line for line in diff.stderr.splitlines() if "publish would stop before any write" in line]
        # the twin-folder warning, said apart only where Grafana makes the twin: where it refuses it, the
        # refusal says it (diff said both, for the same folder)
        twins = [line for line in diff.stderr.splitlines() if "would be made beside" in line and line not in stops]
        result = vobs(root, grafana, "publish")
        if version == "11.4.0":
            assert result.exit_code == 0, result.output
            assert "would be made beside the existing folder 'Samples' (uid by-hand)" in result.stderr
            assert stops == [] and len(twins) == 1, diff.stderr
            return
        assert twins == [], diff.stderr
        assert diff.exit_code == 1 and len(stops) == 2, diff.output  # two dashboards to add: differences
        assert stops[0].startswith("vobs: warning: publish would stop before any write: folder 'Samples / Story' (uid "
                                   "vobs-samples-story) would be made beside the existing folder"), diff.stderr
        assert result.exit_code == 2, result.output
        assert len(grafana.writes()) == mark  # nothing made, nothing saved
        where = f"Grafana at {grafana.url}"
        assert result.stderr.splitlines() == [
            f"vobs: error: folder 'Samples / Story' (uid vobs-samples-story) would be made beside the existing folder "
            f"'Samples / Story' (uid by-hand): {where} refuses a second folder of one title in one place (Grafana 11.3 "
            "allows it) — add `folder_uid: by-hand` to its narrative to publish into that one, or rename the "
            "narrative's folder; nothing was published",
            f"vobs: error: folder 'Samples / Story' (uid vobs-samples-story) would be titled like the dashboard "
            f"'Samples / Story' (uid hand-made) in the General folder: {where} refuses a folder titled like a dashboard "
            "beside it (400; Grafana 11.3 allows it) — retitle that dashboard or rename the narrative's folder; "
            "nothing was published"], result.stderr
        grafana.assert_no_violations()


def test_a_dashboard_already_there_under_its_title_is_not_refused_for_a_folder_made_after_it(root):
    """Published as 'Sample A'; then someone made a folder 'Sample A'. Grafana 10.4's lookup takes one
    row of the slug — the dashboard's own, the older — and saves the update; vobs refused the whole
    publish up front (exit 2) for a save Grafana takes."""
    with GrafanaStandIn(version="10.4.19") as grafana:
        assert vobs(root, grafana, "publish").exit_code == 0
        grafana.folders["by-hand"] = {"id": 999, "uid": "by-hand", "title": "Sample A", "parentUid": "", "version": 1,
                                      "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        edit_code(root)
        result = vobs(root, grafana, "publish", "--format", "json")
        assert result.exit_code == 0, result.output
        rows = {d["uid"]: d["status"] for d in json.loads(result.stdout)["dashboards"]}
        assert rows == {"sample-a": "updated", "sample-b": "updated"}
        grafana.assert_no_violations()


def test_a_title_that_only_slugs_like_a_folder_is_left_to_the_save(root):
    """Grafana compares titles (`title=?`, exact on SQLite and Postgres) since 9.5.7 and 10.0.2, slugs
    before, and its slugify changed (9.4, 10.1): publish refuses up front only a title exactly a
    folder's and never stops a publish Grafana would take — `sample a` beside `Sample A` publishes."""
    with GrafanaStandIn(version="9.5.21") as grafana:
        grafana.folders["by-hand"] = {"id": 99, "uid": "by-hand", "title": "sample a", "parentUid": "", "version": 1,
                                      "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        result = vobs(root, grafana, "publish", "--format", "json")
        assert result.exit_code == 0, result.output
        rows = {d["uid"]: d["status"] for d in json.loads(result.stdout)["dashboards"]}
        assert rows == {"sample-a": "created", "sample-b": "created"}
        grafana.assert_no_violations()


def test_from_10_4_only_a_folder_beside_the_dashboard_keeps_its_title(root):
    """Grafana 10.4 to 11.2 (nested folders) refuse a dashboard titled like a folder in its own folder,
    not like one elsewhere: publish refuses the first up front and publishes past the second."""
    with GrafanaStandIn(version="11.2.0") as grafana:
        grafana.folders["elsewhere"] = {"id": 98, "uid": "elsewhere", "title": "Sample B", "parentUid": "",
                                        "version": 1, "created": "2026-01-01T00:00:00Z",
                                        "updated": "2026-01-01T00:00:00Z"}
        assert vobs(root, grafana, "publish", "--uid", "sample-b").exit_code == 0  # 'Sample B' at the root: not beside
        story = next(uid for uid, f in grafana.folders.items() if f["title"] == "Story")
        grafana.folders["beside"] = {"id": 99, "uid": "beside", "title": "Sample A", "parentUid": story,
                                     "version": 1, "created": "2026-01-01T00:00:00Z",
                                     "updated": "2026-01-01T00:00:00Z"}
        mark = len(grafana.writes())
        result = vobs(root, grafana, "publish")
        assert result.exit_code == 2, result.output
        assert len(grafana.writes()) == mark  # nothing saved
        assert "dashboard 'sample-a' is titled 'Sample A', like the folder 'Sample A' (uid beside)" in result.stderr
        assert "refuses a dashboard titled like a folder beside it" in result.stderr, result.stderr
        grafana.assert_no_violations()


def test_a_folder_made_meanwhile_is_said_as_a_title_clash():
    """A folder titled like the dashboard, made after publish looked (or one the token cannot see):
    Grafana 10.4's 400 name-match said as what it is, not as "answered 400"."""
    from vertice_obs.grafana.answers import DestinationError
    from vertice_obs.grafana.destinations import GrafanaDestination

    with GrafanaStandIn(version="10.4.19") as old:
        old.folders["by-hand"] = {"id": 99, "uid": "by-hand", "title": "Sample A", "parentUid": "", "version": 1,
                                  "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        target = GrafanaDestination(old.url, "glsa_standin_token")
        with pytest.raises(DestinationError) as info:
            target.save({"uid": "sample-a", "title": "Sample A", "panels": []}, "", "m", None)
    assert str(info.value) == ("dashboard sample-a: a folder has its title (400 name-match: Dashboard name cannot be the "
                               "same as folder) — Grafana before 11.3 refuses a dashboard titled like any folder: "
                               "retitle the dashboard or the folder")


def test_a_folder_refused_for_its_title_is_not_taken_for_one_that_exists():
    """409/412 on folder create meant "that uid exists" to vobs; before 11.3 it is also Grafana's
    answer for a TITLE taken (a folder made after publish looked): vobs went on and saved dashboards
    into a folder that was never made. Now the uid is looked up: there, fine; not, the error says why."""
    from vertice_obs.grafana.answers import DestinationError
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.folders import Folder

    with GrafanaStandIn(version="10.4.19") as old:
        old.folders["by-hand"] = {"id": 99, "uid": "by-hand", "title": "Team", "parentUid": "", "version": 1,
                                  "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}
        target = GrafanaDestination(old.url, "glsa_standin_token")
        target.create_folder(Folder("by-hand", "Team"))  # that uid exists: what publish wants
        with pytest.raises(DestinationError) as info:
            target.create_folder(Folder("vobs-team", "Team"))
        assert "vobs-team" not in old.folders
        old.assert_no_violations()
    assert info.value.status == 409
    assert str(info.value).endswith("— no folder of uid vobs-team is there: its title is taken (Grafana before 11.3 "
                                    "allows one folder of a title in a place): rename the narrative's folder, or "
                                    "publish into the existing one with `folder_uid:`"), str(info.value)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_folder_whose_title_was_taken_meanwhile_is_not_advised_to_publish_again(root, monkeypatch, fmt):
    """A folder of the title made after publish looked (Grafana before 11.3: 409 at its create): the
    dashboards for it failed, and the advice was "run vobs publish again to finish" — which meets the
    same title again. The advice says what does help: rename the folder, or adopt the existing one."""
    from grafana_standin import server

    made = server._folder_create

    def someone_made_it_first(s, body):  # a person makes 'Samples / Story' just before vobs does
        s.folders.setdefault("by-hand", {"id": 99, "uid": "by-hand", "title": body.get("title"), "parentUid": "",
                                         "version": 1, "created": "2026-01-01T00:00:00Z",
                                         "updated": "2026-01-01T00:00:00Z"})
        return made(s, body)

    monkeypatch.setattr(server, "_folder_create", someone_made_it_first)
    with GrafanaStandIn(version="10.4.19") as grafana:
        result = vobs(root, grafana, "publish", "--format", fmt)
        grafana.assert_no_violations()
    assert result.exit_code == 2, result.output  # nothing written: the dashboards' folder was never made
    line = result.stderr.splitlines()[-1]
    assert "sample-a (failed), sample-b (failed)" in line and "publish again" not in line, line
    assert line.endswith("rename the narrative's folder, or publish into the existing one with `folder_uid:`"), line
    if fmt == "markdown":  # the step summary's advice, the same
        assert "publish` again" not in result.stdout, result.stdout
        assert "**2 dashboards not published.** Rename the narrative's folder, or publish into" in result.stdout


@pytest.mark.parametrize("case", ["second-of-a-title", "root-folder-like-a-dashboard"])
def test_a_title_grafana_keeps_for_another_is_not_advised_to_publish_again(root, monkeypatch, case):
    """Met mid-publish (made by hand after publish looked), Grafana before 11.3 refuses a second dashboard
    of a title in a folder (412 name-exists) and a root folder titled like a dashboard of the General
    folder (400): running again meets the same title, yet the advice was "run vobs publish again"."""
    from grafana_standin import server

    with GrafanaStandIn(version="10.4.19") as grafana:
        if case == "second-of-a-title":
            assert vobs(root, grafana, "publish", "--uid", "sample-a").exit_code == 0
            grafana._store({"uid": "by-hand", "title": "Sample B"}, "vobs-samples-story", "made by hand")
            remedy = "retitle one of them"
        else:
            made = server._folder_create

            def someone_made_it_first(s, body):  # a dashboard of the folder's title, at the root, just before
                s._store({"uid": "by-hand", "title": body.get("title")}, "", "made by hand")
                return made(s, body)

            monkeypatch.setattr(server, "_folder_create", someone_made_it_first)
            remedy = "retitle that dashboard of the General folder, or rename the narrative's folder"
        result = vobs(root, grafana, "publish")
        grafana.assert_no_violations()
    assert result.exit_code == 2, result.output  # nothing written: its one write, or every one, failed
    line = result.stderr.splitlines()[-1]
    assert "publish again" not in line and line.endswith(remedy), result.stderr


# --- 4, 6. orphans: named by publish, by their folder's whole path -----------------------------------------


def schema(command: str) -> dict:
    from importlib import resources

    return json.loads(resources.files("vertice_obs.schemas").joinpath("output", f"{command}.schema.json").read_text())


def drop_sample_b(root: Path) -> None:
    (root / "dashboards" / "b.py").unlink()
    narrative = root / "narratives" / "sample.yaml"
    narrative.write_text(narrative.read_text().split("  - dashboard: sample-b")[0])


@pytest.mark.parametrize("dry_run", [False, True])
def test_publish_names_orphans_with_their_folder_path_and_how_to_delete_them(root, grafana, dry_run):
    """A dashboard the project published and no longer defines was not named by publish at all (only
    `vobs diff` said it). Publish names it — text and JSON — by its folder's whole path, with how to
    delete it; it deletes nothing, and the exit code does not change."""
    from jsonschema import Draft202012Validator

    assert vobs(root, grafana, "publish").exit_code == 0
    drop_sample_b(root)
    extra = ["--dry-run"] if dry_run else []
    text = vobs(root, grafana, "publish", *extra)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert "sample-b         orphaned       'Sample B' in folder 'Samples/Story': no longer in code" in lines, lines
    assert (f"orphaned: 1 dashboard of this project's left in Grafana at {grafana.url} and no longer in code: vobs "
            "deletes nothing — delete each you no longer want (in Grafana: the dashboard's settings → Delete, or "
            "DELETE /api/dashboards/uid/<uid> with a token that may delete it)") in lines
    out = json.loads(vobs(root, grafana, "publish", *extra, "--format", "json").stdout)
    Draft202012Validator(schema("publish")).validate(out)
    assert out["orphans"] == [{"uid": "sample-b", "title": "Sample B", "folder": "Samples/Story"}]
    assert "sample-b" in grafana.dashboards  # never deleted
    chosen = json.loads(vobs(root, grafana, "publish", "--uid", "sample-a", "--format", "json").stdout)
    assert chosen["orphans"] == []  # a selection says nothing of the rest, as diff
    summary = vobs(root, grafana, "publish", *extra, "--format", "markdown").stdout  # the step summary a reviewer reads
    assert ("**Orphaned: 1 dashboard of this project left in Grafana and no longer in code** (vobs deletes nothing; "
            "delete each you no longer want): Sample B <code>sample-b</code> in Samples/Story.") in summary, summary


def test_diff_markdown_shows_an_orphans_whole_folder_path(root, grafana):
    """The orphan's row showed its folder's leaf (`Story`), every other row the whole path (`Samples/Story`)."""
    assert vobs(root, grafana, "publish").exit_code == 0
    drop_sample_b(root)
    comment = vobs(root, grafana, "diff", "--format", "markdown")
    assert comment.exit_code == 1, comment.output
    assert "| Sample B <code>sample-b</code> | Samples/Story | orphan | — |" in comment.stdout, comment.stdout


def test_a_twin_folder_is_refused_only_for_its_exact_title():
    """Grafana 9.5.7 on compares folder titles with `title=?` (trimmed; case-sensitive on SQLite and
    Postgres): 'Web' beside 'web' is made, so publish must not refuse it up front (it still warns)."""
    from vertice_obs.grafana.folders import Folder, twins
    from vertice_obs.grafana.reserved import folder_refusals

    existing = {"w": Folder("w", "web")}
    assert folder_refusals([Folder("vobs-web", "Web")], existing, False, {}, "G") == []
    assert twins([Folder("vobs-web", "Web")], existing, False) == [(Folder("vobs-web", "Web"), existing["w"])]
    assert len(folder_refusals([Folder("vobs-web", "web ")], existing, False, {}, "G")) == 1
