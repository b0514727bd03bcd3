"""A folder's write and vobs' record of it, against the spec-checked stand-in: a folder made whose record
then fails is said (`recorded: false`, the error line, exit 3), never lost; and Ctrl-C/SIGTERM never lands
between a folder's (or a playlist's) write and its record, so the interrupted line counts every write
Grafana got (trial 22 L1)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from importlib import resources

import pytest
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from sample_project import make_project
from standin_cli import vobs
from waiting import until

from vertice_obs.grafana.folder_owners import RECORD_TAG

UNFILED = "1 folder in Grafana but not recorded as this project's (its record, an annotation, failed): {}; the next " \
          "vobs publish adopts it"


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()


def folder_records(grafana: GrafanaStandIn) -> list[dict]:
    return [a for a in grafana.annotations if RECORD_TAG in a.get("tags", [])]


def test_a_folder_made_whose_record_fails_is_said_and_the_next_publish_adopts_it(tmp_path, grafana):
    """The folder was made, its record (an annotation) refused: it was said nowhere and publish exited 0.
    It is in `folders` with `recorded: false` (optional, within schema_version 1), named in the error line;
    exit 3. The next publish adopts it, saying why without claiming an older vobs made it."""
    root = make_project(tmp_path / "p")
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/annotations",), script=["400"])
    done = vobs(root, grafana, "publish", "--format", "json")
    assert done.exit_code == 3, done.output
    out = json.loads(done.stdout)
    schema = resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text()
    Draft202012Validator(json.loads(schema)).validate(out)
    folder, story = out["folders"]  # Samples, then Samples/Story: the first record refused
    assert folder["recorded"] is False and "recorded" not in story and len(folder_records(grafana)) == 1, out
    assert done.stderr == f"vobs: error: {UNFILED.format(folder['uid'])}\n", done.stderr
    assert [d["status"] for d in out["dashboards"]] == ["created", "created"]
    grafana.set_faults()
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0, again.output
    assert (f"adopted folder 'Samples' (uid {folder['uid']}): no record of vobs' says whose it is (made by a vobs "
            "before folder records, or its record failed): recorded as this project's") in again.stdout, again.stdout
    assert len(folder_records(grafana)) == 2 and len(grafana.folders) == 2


def test_a_refused_folder_record_stops_the_publish_and_says_the_folder_is_there(tmp_path, grafana):
    root = make_project(tmp_path / "p")
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/annotations",), script=["403"])
    done = vobs(root, grafana, "publish")
    assert done.exit_code == 3, done.output
    [uid] = grafana.folders  # Samples made; its record refused, the publish stopped: Samples/Story not sent
    assert done.stdout.splitlines()[:2] == [f"created folder 'Samples' (uid {uid})", (
        f"folder 'Samples' (uid {uid}): in Grafana, not recorded as this project's: Grafana at {grafana.url}: the "
        "token may not add annotations" + done.stdout.splitlines()[1].split("may not add annotations", 1)[1])]
    assert done.stderr.endswith(f"publish stopped there, nothing more sent: 1 write(s) done before it, 2 dashboards and 1 "
                                f"playlist not published; {UNFILED.format(uid)}\n"), done.stderr


def publish_json(root, grafana, *args: str):
    done = vobs(root, grafana, "publish", "--format", "json", *args)
    out = json.loads(done.stdout)
    schema = resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text()
    Draft202012Validator(json.loads(schema)).validate(out)
    return done, out


LOST_RECORD = dict(methods=frozenset({"POST"}), paths=("/api/annotations",), kinds=("drop-reply",), rate=1.0)


def test_a_folder_made_whose_record_goes_unanswered_is_not_known_recorded_not_failed(tmp_path, grafana):
    """A record sent and never answered (applied, then the connection cut, every attempt) was said as one that
    failed — `recorded: false`, "its record, an annotation, failed" — though Grafana may hold it, as it may a
    dashboard whose save went unanswered (`unknown`). It is said as not known: `record_unknown: true` beside
    `recorded: false` (optional, within schema_version 1), "not known to be recorded" in text and the error line."""
    root = make_project(tmp_path / "p")
    grafana.set_faults(**LOST_RECORD)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    assert [(f["title"], f["recorded"], f["record_unknown"]) for f in out["folders"]] == [
        ("Samples", False, True), ("Story", False, True)], out["folders"]
    uids = ", ".join(f["uid"] for f in out["folders"])
    assert done.stderr.startswith(
        "vobs: error: 2 folders in Grafana but not known to be recorded as this project's (its record, an annotation, "
        f"was sent and never answered: Grafana may have saved it): {uids}; the next vobs publish adopts them if "
        "Grafana did not record them; "), done.stderr
    assert "failed" not in done.stderr.split("; 1 playlist")[0], done.stderr
    for held in (grafana.folders, grafana.dashboards, grafana.playlists, grafana.annotations):  # a fresh Grafana
        held.clear()
    text = vobs(root, grafana, "publish")
    assert text.exit_code == 3, text.output
    assert text.stdout.splitlines()[2].startswith("folder 'Samples' (uid vobs-samples): in Grafana, not known to be "
                                                  f"recorded as this project's: Grafana at {grafana.url} is "
                                                  "unreachable"), text.stdout
    grafana.set_faults()
    again = vobs(root, grafana, "publish")  # the records landed: nothing to adopt
    assert again.exit_code == 0 and "adopted" not in again.stdout, again.output


def test_an_update_whose_record_goes_unanswered_is_failed_with_its_record_unknown_and_exits_3(tmp_path, grafana):
    """An update's record is written first; unanswered, the rename is not sent (the folder is as it was: `failed`,
    never of unknown outcome) — but that record may be in Grafana, so "nothing written" (exit 2) was not known. The
    row of `failed_folders` says `record_unknown: true` (optional, within schema_version 1), the error line says it,
    and the exit is 3, as for a dashboard whose save went unanswered."""
    root = make_project(tmp_path / "p")
    assert vobs(root, grafana, "publish").exit_code == 0
    grafana.edit_folder_in_ui("vobs-samples", title="Renamed")
    grafana.set_faults(**LOST_RECORD)
    done, out = publish_json(root, grafana, "--force")
    assert done.exit_code == 3, done.output
    [row] = out["failed_folders"]
    assert (row["uid"], row["was"]["title"], row["record_unknown"]) == ("vobs-samples", "Renamed", True), row
    assert done.stderr.startswith("vobs: error: 1 folder not written: vobs-samples (its record, sent first, was never "
                                  "answered: Grafana may have saved it); "), done.stderr
    assert grafana.folders["vobs-samples"]["title"] == "Renamed"
    grafana.set_faults()
    again = vobs(root, grafana, "publish", "--force")
    assert again.exit_code == 0 and grafana.folders["vobs-samples"]["title"] == "Samples", again.output


def test_a_playlist_whose_record_goes_unanswered_is_not_known_recorded_not_failed(tmp_path, grafana):
    """A playlist's record (an annotation, written once the playlist is made) sent and never answered was said as
    one that failed — "its record, an annotation, failed", `recorded: false` only — though Grafana may hold it, as
    it may a folder's (above). It is said as not known: `record_unknown: true` beside `recorded: false` (optional,
    within schema_version 1), "not known to be recorded" in its detail and in the error line; the next publish,
    the record there, writes nothing."""
    root = make_project(tmp_path / "p")
    assert vobs(root, grafana, "publish").exit_code == 0  # folders and their records first, answered
    grafana.playlists.clear()
    grafana.set_faults(**LOST_RECORD)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    [row] = out["playlists"]
    assert (row["status"], row["recorded"], row["record_unknown"]) == ("created", False, True), row
    assert row["detail"].startswith("not known to be recorded as this project's ("), row["detail"]
    assert row["detail"].endswith("the next vobs publish finds it by its name and records it if Grafana did not")
    assert done.stderr.startswith(
        "vobs: error: 1 playlist in Grafana but not known to be recorded as this project's (its record, an "
        f"annotation, was sent and never answered: Grafana may have saved it): {row['narrative']}; the next vobs "
        "publish finds it by name and records it if Grafana did not record it"), done.stderr
    assert "failed" not in done.stderr, done.stderr
    grafana.set_faults()
    again = vobs(root, grafana, "publish")  # the record landed: nothing to write
    assert again.exit_code == 0 and len(grafana.playlists) == 1, again.output


def test_an_adopted_folder_whose_record_goes_unanswered_is_never_nothing_written(tmp_path, grafana):
    """A folder there to adopt (no record says whose it is) gets only its record: sent and never answered, that
    record may be in Grafana. With every dashboard's save refused, nothing else was written — but exit 2 says
    "nothing written", which was not known: exit 3, as for any write of unknown outcome (review of stop 50)."""
    root = make_project(tmp_path / "p")
    assert vobs(root, grafana, "publish").exit_code == 0
    grafana.annotations.clear()  # no record says whose the folders are: publish adopts them
    grafana.dashboards.clear()
    grafana.read_only_folders.update(grafana.folders)  # each dashboard's save refused (403 in its folder)
    grafana.set_faults(**LOST_RECORD)
    done, out = publish_json(root, grafana)
    assert {d["status"] for d in out["dashboards"]} == {"failed"}, out["dashboards"]
    assert [(f["recorded"], f["record_unknown"]) for f in out["adopted_folders"]] == [(False, True)] * 2, out
    assert done.exit_code == 3, done.output


def test_the_schema_holds_record_unknown_only_beside_recorded_false():
    """`record_unknown` says a record that failed went unanswered: on a row of `folders`, `adopted_folders` or
    `playlists` it comes with `recorded: false` (`dependentRequired`), as the code writes it (review of stop 50)."""
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text())
    validator = Draft202012Validator(schema)
    folder = {"uid": "f", "title": "F", "parent_uid": None}
    playlist = {"narrative": "n", "title": "N", "uid": "p", "status": "created", "detail": "", "changes": []}
    for key, row in (("folders", folder), ("adopted_folders", {**folder, "detail": "adopted"}), ("playlists", playlist)):
        document = {"command": "publish", "schema_version": 1, "dry_run": False, "folders": [], "dashboards": [],
                    "playlists": []}
        assert not list(validator.iter_errors({**document, key: [{**row, "recorded": False, "record_unknown": True}]}))
        errors = [e.message for e in validator.iter_errors({**document, key: [{**row, "record_unknown": True}]})]
        assert errors == ["'recorded' is a dependency of 'record_unknown'"], (key, errors)


def interrupt_when(root, grafana, written, *args: str) -> str:
    """`vobs publish` with every request slow, SIGTERM as soon as `written()` is true: its stderr."""
    env = {**os.environ, "GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "glsa_standin_token"}
    child = subprocess.Popen([sys.executable, "-m", "vertice_obs", "-C", str(root), "publish", *args],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: written() or child.poll() is not None, "the write made")
        child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, (child.returncode, err)
    return err


def test_sigterm_just_after_a_folder_is_made_counts_it_and_its_record_is_written(tmp_path, grafana):
    """The signal landed while the folder's record was being written: "interrupted after publishing 0 of 2
    dashboards" with the folder in Grafana, unrecorded — the next run then "adopted" it as an older vobs'.
    A folder's write and its record are one step: the line counts it, and the record is there."""
    narratives = {f"n{i}.yaml": f"id: n{i}\ntitle: Story {i}\nowner: t\nsummary: s\nfolder: F{i}\nchapters:\n"
                                f"  - dashboard: sample-{'a' if i == 1 else 'b'}\n    title: Chapter\n    story: s\n" for i in (1, 2)}
    root = make_project(tmp_path / "p", narratives=narratives)
    grafana.set_faults(latency_ms=300)  # the signal lands during the record's request
    err = interrupt_when(root, grafana, lambda: grafana.folders)
    said = re.fullmatch(r"(?:vobs: finishing folder 'F\d' and its record — stopping once it is done \(Ctrl-C again to "
                        r"stop now\)\n)?"  # said when it landed inside the step
                        r"vobs: interrupted after publishing (\d) folders?(?: and \d of 2 dashboards)?; nothing is "
                        r"half-written — run it again to finish\n", err)
    assert said, err
    assert int(said[1]) == len(grafana.folders) == len(folder_records(grafana)), (err, grafana.folders)


def test_sigterm_just_after_a_playlist_is_made_counts_it(tmp_path, grafana):
    """The same for a playlist: made (and recorded) but not yet counted when the signal landed."""
    root = make_project(tmp_path / "p")
    grafana.set_faults(latency_ms=300)
    err = interrupt_when(root, grafana, lambda: grafana.playlists)
    said = re.fullmatch(r"(?:vobs: finishing playlist 'The sample story' and its record — stopping once it is done "
                        r"\(Ctrl-C again to stop now\)\n)?"
                        r"vobs: interrupted after publishing 2 folders, 2 of 2 dashboards and (\d) of 1 playlist; "
                        r"nothing is half-written — run it again to finish\n", err)
    assert said, err
    assert int(said[1]) == len(grafana.playlists) == 1, err
