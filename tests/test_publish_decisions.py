"""Publish decisions pinned in-process: what `decide` makes of what the survey saw, which folders a
plan creates, and what `execute` does with each action and each failure (issue 16, from mutmut's
survivors of `grafana/publish.py`).

`execute` and `plan_publish` talk to a `Destination`; here it is `Recorder`, a double of vobs' own
`Destination` interface that records calls — not a stand-in for Grafana's API (the stand-in
tests in test_grafana_publish.py hold that), so each decision costs microseconds to check.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import datetime, timezone

import pytest

from vertice_obs.build.render import RenderedDashboard, to_json_text
from vertice_obs.errors import InputError
from vertice_obs.grafana.answers import DestinationError
from vertice_obs.grafana.folders import Folder
from vertice_obs.grafana.live import LiveDashboard
from vertice_obs.grafana.normalize import content_hash
from vertice_obs.grafana.publish import (
    Action,
    PublishPlan,
    Result,
    decide,
    execute,
    git_commit,
    plan_publish,
    select,
)
from vertice_obs.grafana.survey import Seen

MODEL = {"uid": "u", "title": "T", "panels": [{"id": 1, "title": "P"}]}
EDITED = {"uid": "u", "title": "T", "panels": [{"id": 1, "title": "P, edited"}]}


def rendered(uid="u", folder="A/B", model=MODEL, narrative="n"):
    return RenderedDashboard(uid, narrative, folder, model, f"{uid}.py")


def live(model, ours=True, recorded="ours", version=5, folder="vobs-a-b"):
    """A live dashboard; `recorded="ours"`: our last publish recorded exactly this content."""
    return LiveDashboard("u", model, version, folder, content_hash(model) if recorded == "ours" else recorded, ours)


def seen(live_dashboard, unchanged=False):
    return Seen(rendered(), "d1g3st", "vobs-a-b", unchanged, live_dashboard)


# --- decide --------------------------------------------------------------------------------------

def test_unchanged_and_new():
    assert decide(seen(None, unchanged=True), False) == Action("u", "unchanged", MODEL, "vobs-a-b", None, "", "d1g3st")
    known = live(MODEL)
    assert decide(seen(known, unchanged=True), True) == Action("u", "unchanged", MODEL, "vobs-a-b", known, "",
                                                                 "d1g3st")
    assert decide(seen(None), False) == Action("u", "create", MODEL, "vobs-a-b", None, "new", "d1g3st")


def test_our_own_content_elsewhere_or_changed_is_updated_with_the_reason():
    moved = live(MODEL, folder="vobs-old")  # ours, untouched, but in another folder: a folder move
    assert decide(seen(moved), False) == Action("u", "update", MODEL, "vobs-a-b", moved,
                                                 "moved to its narrative's folder", "d1g3st")
    older = live(EDITED)  # ours, untouched: the code changed
    assert decide(seen(older), False) == Action("u", "update", MODEL, "vobs-a-b", older, "content changed",
                                                 "d1g3st")


def test_drift_is_skipped_without_force_and_said_why():
    edited = live(EDITED, recorded=content_hash(MODEL), ours=False)  # hand-edited after our publish
    assert decide(seen(edited), False) == Action(
        "u", "skipped-drift", MODEL, "vobs-a-b", edited,
        "edited in Grafana since vobs last published it (version 5): vobs pull --uid u to review, "
        "--force to overwrite", "d1g3st")
    foreign = live(EDITED, recorded=None, ours=False, version=2)  # never published by vobs
    assert decide(seen(foreign), False).reason == (
        "exists in Grafana but was not published by vobs (version 2): vobs pull --uid u to review, "
        "--force to overwrite")
    # drift is the content, not who saved last: our message with another content is drift too
    stale = live(EDITED, recorded=content_hash(MODEL), ours=True)
    assert decide(seen(stale), False).kind == "skipped-drift"


def test_force_overwrites_drift_and_says_so():
    edited = live(EDITED, recorded=content_hash(MODEL), ours=False)
    assert decide(seen(edited), True) == Action("u", "update", MODEL, "vobs-a-b", edited,
                                                 "content changed (overwriting a drifted edit)", "d1g3st")
    # hand-edited back to the code's content, in another folder: still an overwrite of a drifted edit
    same = live(MODEL, recorded=None, ours=False, folder="vobs-old")
    assert decide(seen(same), True).reason == "moved to its narrative's folder (overwriting a drifted edit)"
    assert decide(seen(same), False).kind == "skipped-drift"


def test_writes_count_folders_creates_and_updates_only():
    actions = [Action(str(i), kind, {}, "f", None) for i, kind in
               enumerate(["create", "update", "unchanged", "skipped-drift", "update"])]
    assert PublishPlan([Folder("a", "A"), Folder("b", "B", "a")], actions).writes == 5
    assert PublishPlan([], actions[2:4]).writes == 0


# --- plan_publish ---------------------------------------------------------------------------------

class Recorder:
    """vobs' `Destination` interface, recording every call; answers from its dictionaries."""

    description = "recorder"
    source = "recorder://host:3000/sub"
    folder_titles_reserved = False  # as Grafana 11.3 on (the stand-in tests hold the older rule)
    folder_titles_beside = False

    def __init__(self, nested=True, folders=(), live=(), fail_folders=(), fail_saves=()):
        self.nested_folders = nested
        self.existing = {f.uid: f for f in (f if isinstance(f, Folder) else Folder(f, f) for f in folders)}
        self.live = {d.uid: d for d in live}
        self.fail_folders, self.fail_saves = set(fail_folders), set(fail_saves)
        self.calls: list[tuple] = []

    def recover(self):
        self.calls.append(("recover",))

    def folders(self):
        self.calls.append(("folders",))
        return dict(self.existing)

    def search(self, tags=(), folder_uids=()):
        self.calls.append(("search",))
        return [{"uid": d.uid, "folderUid": d.folder_uid} for d in self.live.values()]

    def newest_version(self, uid):
        return None

    def listed(self):
        return None

    def get(self, uid, history=True):
        return self.live.get(uid)

    def with_history(self, live_dashboard):
        return live_dashboard

    def create_folder(self, folder):
        self.calls.append(("create_folder", folder.uid))
        if folder.uid in self.fail_folders:
            raise DestinationError(f"folder {folder.title!r}: refused (403)")

    def save(self, model, folder_uid, message, version):
        self.calls.append(("save", model["uid"], folder_uid, message, version))
        if model["uid"] in self.fail_saves:
            raise DestinationError(f"dashboard {model['uid']}: server error (500)")
        return (version or 0) + 1


def test_plan_creates_missing_folders_parents_first_once_each():
    many = [rendered("u1", "D"), rendered("u2", "A/C"), rendered("u3", "A/B"), rendered("u4", "A/B")]
    target = Recorder()
    plan = plan_publish(many, target)
    assert plan.folders == [Folder("vobs-a", "A", ""), Folder("vobs-a-b", "B", "vobs-a"),
                            Folder("vobs-a-c", "C", "vobs-a"), Folder("vobs-d", "D", "")]
    assert [(a.uid, a.kind, a.folder_uid) for a in plan.actions] == [
        ("u1", "create", "vobs-d"), ("u2", "create", "vobs-a-c"), ("u3", "create", "vobs-a-b"),
        ("u4", "create", "vobs-a-b")]
    assert plan_publish(many, Recorder(folders=[Folder("vobs-a", "A"), Folder("vobs-d", "D")])).folders == [
        Folder("vobs-a-b", "B", "vobs-a"), Folder("vobs-a-c", "C", "vobs-a")]
    renamed = plan_publish(many, Recorder(folders=[Folder("vobs-a", "a"), Folder("vobs-d", "D")]))
    assert renamed.folders[0] == Folder("vobs-a", "A") and renamed.updates == {"vobs-a": Folder("vobs-a", "a")}
    assert renamed.said == {"vobs-a": "folder 'a' → 'A'"}
    flat = plan_publish(many, Recorder(nested=False, folders=[Folder("vobs-d", "D")]), workers=1)
    assert flat.folders == [Folder("vobs-a-b", "A / B", ""), Folder("vobs-a-c", "A / C", "")]


def test_plan_refuses_two_paths_sharing_a_folder_uid_before_any_request():
    target = Recorder()
    with pytest.raises(InputError, match="would share the Grafana folder uid vobs-a-b"):
        plan_publish([rendered("u1", "A b"), rendered("u2", "A-b")], target)
    assert target.calls == []


def test_plan_decides_each_dashboard_with_force_and_reports_each_fetch():
    edited = LiveDashboard("u", EDITED, 5, "vobs-a-b", content_hash(MODEL), False)
    fetched = []
    plan = plan_publish([rendered()], Recorder(live=[edited]), on_fetched=fetched.append)
    assert [(a.kind, a.live) for a in plan.actions] == [("skipped-drift", edited)] and fetched == ["u"]
    forced = plan_publish([rendered()], Recorder(live=[edited]), force=True)
    assert [(a.kind, a.reason) for a in forced.actions] == [("update", "content changed (overwriting a drifted edit)")]


# --- execute --------------------------------------------------------------------------------------

def action(uid, kind, folder, live_dashboard=None, reason=""):
    return Action(uid, kind, dict(MODEL, uid=uid), folder, live_dashboard, reason, f"h-{uid}")


def test_execute_writes_what_changed_backs_up_first_and_names_each_failure(tmp_path):
    old = LiveDashboard("up", dict(EDITED, uid="up"), 4, "vobs-c", None)
    plan = PublishPlan(
        [Folder("vobs-a", "A"), Folder("vobs-a-b", "B", "vobs-a"), Folder("vobs-c", "C")],
        [action("same", "unchanged", "vobs-c"), action("drift", "skipped-drift", "vobs-c", reason="edited"),
         action("new", "create", "vobs-c", reason="new"), action("up", "update", "vobs-c", old, "content changed"),
         action("orphan", "create", "vobs-a-b", reason="new"), action("boom", "create", "vobs-c", reason="new")])
    target = Recorder(fail_folders=["vobs-a"], fail_saves=["boom"])
    done = []
    results = execute(plan, target, "c0ffee", tmp_path / "backups", workers=0, on_done=done.append)
    assert results == [
        Result("same", "unchanged", ""),
        Result("drift", "skipped-drift", "edited"),
        Result("new", "created", "new", 1),
        Result("up", "updated", "content changed", 5),
        Result("orphan", "failed", "its folder could not be created: folder 'A': refused (403)"),
        Result("boom", "failed", "dashboard boom: server error (500)"),
    ]
    assert sorted(r.uid for r in done) == sorted(r.uid for r in results)
    # recovery first; a child of a failed folder is not even tried
    assert target.calls[:3] == [("recover",), ("create_folder", "vobs-a"), ("create_folder", "vobs-c")]
    assert sorted(c for c in target.calls if c[0] == "save") == [
        ("save", "boom", "vobs-c", "vobs publish c0ffee sha256:h-boom", None),
        ("save", "new", "vobs-c", "vobs publish c0ffee sha256:h-new", None),
        ("save", "up", "vobs-c", "vobs publish c0ffee sha256:h-up", 4),
    ]
    [stamp] = list((tmp_path / "backups").iterdir())
    assert re.fullmatch(r"\d{8}T\d{6}Z-host-3000-sub", stamp.name)  # the run's second, then where from
    assert sorted(p.name for p in stamp.iterdir()) == ["backup.source.json", "up.json"]
    assert json.loads((stamp / "backup.source.json").read_text()) == {
        "commit": "c0ffee", "destination": "recorder", "source": "recorder://host:3000/sub",
        "time": f"{stamp.name[:4]}-{stamp.name[4:6]}-{stamp.name[6:8]}T{stamp.name[9:11]}:{stamp.name[11:13]}:"
                f"{stamp.name[13:15]}Z"}
    assert (stamp / "up.json").read_text() == to_json_text(dict(EDITED, uid="up"))


def test_an_update_whose_backup_cannot_be_written_is_not_saved(tmp_path):
    (tmp_path / "file").write_text("")
    old = LiveDashboard("up", MODEL, 4, "vobs-c", None)
    target = Recorder()
    [result] = execute(PublishPlan([], [action("up", "update", "vobs-c", old)]), target, "c", tmp_path / "file")
    assert result == Result("up", "failed", "could not write the backup: Not a directory")
    assert [c for c in target.calls if c[0] == "save"] == []


def test_a_provisioning_write_that_fails_is_that_dashboard_failing_not_its_backup(tmp_path, monkeypatch):
    """A full disk under the provisioning folder fails the dashboard with what happened, not as a
    backup that could not be written (there was none to write); the next one is still tried."""
    import errno

    import vertice_obs.grafana.provisioning as provisioning

    real = provisioning.write_atomic

    def full_disk(path, text):
        if path.name == "full.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path.parent / ".full.json.tmp"))
        real(path, text)

    monkeypatch.setattr(provisioning, "write_atomic", full_disk)
    target = provisioning.ProvisioningFolder(tmp_path / "provisioning")
    plan = PublishPlan([], [action("full", "create", ""), action("fine", "create", "")])
    results = execute(plan, target, "c", tmp_path / "backups")
    assert results == [Result("full", "failed", f"dashboard full: could not write it into the provisioning folder "
                                                f"{tmp_path / 'provisioning'}: No space left on device"),
                       Result("fine", "created", "", 1)]
    assert not (tmp_path / "backups").exists()


def test_the_backup_folder_vobs_makes_is_ignored_by_git_and_each_backup_is_told(tmp_path):
    """`git add -A` must not commit live dashboards' backups: a `.vobs/` that publish makes gets a
    `.gitignore` of `*` (as pytest's cache does); one that was there is never written into."""
    old = LiveDashboard("up", MODEL, 4, "vobs-c", None)
    plan = PublishPlan([], [action("up", "update", "vobs-c", old), action("new", "create", "vobs-c")])
    nothing = tmp_path / "nothing" / ".vobs" / "backups"
    execute(PublishPlan([], [action("new", "create", "vobs-c")]), Recorder(), "c", nothing)
    assert not nothing.parent.exists()  # nothing replaced, nothing backed up: no folder at all
    home = tmp_path / "project" / ".vobs"
    up, new = execute(plan, Recorder(), "c", home / "backups")
    assert up.backup is not None and up.backup.read_text() == to_json_text(MODEL) and new.backup is None
    assert up.backup.parent.parent == home / "backups"
    assert (home / ".gitignore").read_text().splitlines()[-1] == "*"
    subprocess.run(["git", "init", "-q", str(tmp_path / "project")], check=True)
    assert subprocess.run(["git", "check-ignore", "-q", str(up.backup)], cwd=tmp_path / "project").returncode == 0
    (home / ".gitignore").write_text("mine\n")  # the user's now: kept as it is
    execute(plan, Recorder(), "c", home / "backups")
    assert (home / ".gitignore").read_text() == "mine\n"
    made_by_user = tmp_path / "other" / ".vobs"
    made_by_user.mkdir(parents=True)
    execute(plan, Recorder(), "c", made_by_user / "backups")
    assert sorted(p.name for p in made_by_user.iterdir()) == ["backups"]


def test_backups_are_stamped_in_utc_whatever_the_local_zone(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Etc/GMT-14")  # UTC+14: a local stamp would be 14 hours off
    time.tzset()
    try:
        old = LiveDashboard("up", MODEL, 4, "vobs-c", None)
        before = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        execute(PublishPlan([], [action("up", "update", "vobs-c", old)]), Recorder(), "c", tmp_path)
        after = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    finally:
        monkeypatch.undo()
        time.tzset()
    [stamp] = [p.name.split("-")[0] for p in tmp_path.iterdir()]
    assert before <= stamp <= after


def test_the_message_records_the_content_hash_also_when_the_plan_did_not_compute_it(tmp_path):
    target = Recorder()
    execute(PublishPlan([], [Action("u", "create", MODEL, "vobs-c", None)]), target, "c1", tmp_path)
    assert target.calls[-1] == ("save", "u", "vobs-c", f"vobs publish c1 sha256:{content_hash(MODEL)}", None)


# --- select, git_commit ---------------------------------------------------------------------------

def test_select_filters_by_narrative_and_uid():
    everything = [rendered("a", narrative="x"), rendered("b", narrative="y"), rendered("c", narrative="x")]
    assert select(everything, [], []) == everything
    assert [r.uid for r in select(everything, ["x"], [])] == ["a", "c"]
    assert [r.uid for r in select(everything, [], ["b", "c"])] == ["b", "c"]
    assert [r.uid for r in select(everything, ["x"], ["b", "c"])] == ["c"]


def test_git_commit_is_the_short_head_or_unknown(tmp_path, monkeypatch):
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "m"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert git_commit(tmp_path) == head[:12]
    assert git_commit(tmp_path / "nowhere") == "unknown"
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no git at all
    assert git_commit(tmp_path) == "unknown"
