"""Whose a Grafana folder is (trial 16 MED 2): vobs records each folder it writes (an organisation
annotation, as for playlists), so that publish never renames another project's folder — two
projects whose folder paths slug to one uid used to rename it back and forth — nor sets back a
folder a person renamed or moved in Grafana: diff says it, publish refuses before any write
without --force. Folders made before the records are adopted, and said so. Against the stand-in,
on every Grafana version it plays (flat folders before 11, nested from 11)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS
from sample_project import DASHBOARD_A, DASHBOARD_B, NARRATIVE, make_project
from standin_cli import vobs

from vertice_obs.grafana.folder_owners import (
    ADOPT,
    CREATE,
    DRIFT,
    OWNED,
    RECORD_TAG,
    UNCHANGED,
    UPDATE,
    Record,
    judge,
    mine,
    parse_record,
    record_text,
    state,
)
from vertice_obs.grafana.folders import Folder, folder_uid

ADOPTED = ("no record of vobs' says whose it is (made by a vobs before folder records, or its record failed): "
           "recorded as this project's")


def team(root: Path, name: str | None, prefix: str, folder: str) -> Path:
    """The sample project with its uids `<prefix>-a`, `<prefix>-b`, its narrative in `folder`;
    `project: <name>` unless None."""
    def renamed(text: str) -> str:
        for old, new in {"sample-a": f"{prefix}-a", "sample-b": f"{prefix}-b", "id: sample": f"id: {prefix}",
                         "Samples/Story": folder, "The sample story": f"The {prefix} story",
                         '"Sample A"': f'"{prefix} A"', '"Sample B"': f'"{prefix} B"'}.items():
            text = text.replace(old, new)
        return text

    make_project(root, {"a.py": renamed(DASHBOARD_A), "b.py": renamed(DASHBOARD_B)},
                 {f"{prefix}.yaml": renamed(NARRATIVE)})
    if name is not None:
        (root / "vobs.yaml").write_text(f"project: {name}\n", encoding="utf-8")
    return root


def schema(command: str) -> dict:
    return json.loads(resources.files("vertice_obs.schemas").joinpath(f"output/{command}.schema.json").read_text())


def records(grafana: GrafanaStandIn) -> list[dict]:
    return [a for a in grafana.annotations if RECORD_TAG in a["tags"]]


@pytest.fixture(params=VERSIONS)
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


HOME = folder_uid("Shared/Web-Shop")  # also `Shared/Web Shop`'s: one uid, two titles


def test_two_projects_whose_paths_share_a_folder_uid_never_rename_each_other_s_folder(tmp_path, grafana):
    alpha = team(tmp_path / "alpha", "alpha", "alpha", "Shared/Web-Shop")
    beta = team(tmp_path / "beta", "beta", "beta", "Shared/Web Shop")
    assert folder_uid("Shared/Web Shop") == HOME
    assert vobs(alpha, grafana, "publish").exit_code == 0
    title = "Web-Shop" if grafana.nested else "Shared / Web-Shop"
    assert grafana.folders[HOME]["title"] == title
    assert {a["text"].split()[4] for a in records(grafana)} == ({"vobs-shared", HOME} if grafana.nested else {HOME})
    assert all("vertice-obs:alpha" in a["tags"] for a in records(grafana))

    writes = len(grafana.writes())
    refused = vobs(beta, grafana, "publish")
    assert refused.exit_code == 2, refused.output
    line = refused.stderr.strip()
    assert "\n" not in line and line.startswith(f"vobs: error: folder {title!r} (uid {HOME}) belongs to project "
                                                "'alpha' (vobs recorded it as that project's), not to this project "
                                                "('beta'): publishing folder path 'Shared/Web Shop' would change it")
    assert line.endswith("give that narrative another folder path, or --force to take the folder over; nothing was "
                         "published")
    assert len(grafana.writes()) == writes and grafana.folders[HOME]["title"] == title  # nothing half-applied
    dry = vobs(beta, grafana, "publish", "--dry-run")
    assert dry.exit_code == 2 and dry.stderr == refused.stderr and len(grafana.writes()) == writes

    diff = vobs(beta, grafana, "diff", "--format", "json")
    assert diff.exit_code == 1
    out = json.loads(diff.stdout)
    jsonschema.validate(out, schema("diff"))
    row = next(f for f in out["folders"] if f["uid"] == HOME)
    assert (row["status"], row["drifted"]) == ("owned", False) and "belongs to project 'alpha'" in row["changes"][0]
    if grafana.nested:  # the parent both want as it is: shared, never refused
        assert next(f for f in out["folders"] if f["uid"] == "vobs-shared")["status"] == "unchanged"
    text = vobs(beta, grafana, "diff")
    assert f"x folder:{HOME}" in text.stdout and "folders: 1 owned" in text.stdout
    assert "publish would stop before any write: folder" in text.stderr

    taken = vobs(beta, grafana, "publish", "--force")
    assert taken.exit_code == 0, taken.output
    assert grafana.folders[HOME]["title"] == ("Web Shop" if grafana.nested else "Shared / Web Shop")
    assert "taking it over from project 'alpha' (--force)" in taken.stdout
    back = vobs(alpha, grafana, "publish")  # now beta's: alpha is refused in turn, not renaming it back
    assert back.exit_code == 2 and "belongs to project 'beta'" in back.stderr
    assert vobs(beta, grafana, "diff").exit_code == 0


def test_a_folder_renamed_or_moved_in_grafana_is_drift_that_publish_refuses_without_force(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    uid = "vobs-maximus-dopamine"
    was = (grafana.folders[uid]["title"], grafana.folders[uid]["parentUid"])
    grafana.edit_folder_in_ui(uid, title="Dopamine (old)")
    writes = len(grafana.writes())

    diff = vobs(project, grafana, "diff", "--format", "json")
    assert diff.exit_code == 1
    out = json.loads(diff.stdout)
    jsonschema.validate(out, schema("diff"))
    row = next(f for f in out["folders"] if f["uid"] == uid)
    assert (row["status"], row["drifted"]) == ("changed", True)
    assert row["changes"][0].startswith(f"folder 'Dopamine (old)' (uid {uid}) was renamed or moved in Grafana since "
                                        "vobs last wrote it: publishing folder path 'MAXIMUS/Dopamine' would change "
                                        "it back")
    assert f"add `folder_uid: {uid}` to the narrative to keep the folder as it is" in row["changes"][0]
    assert [f["status"] for f in out["folders"] if f["uid"] != uid] == ["unchanged"] * (len(out["folders"]) - 1)
    text = vobs(project, grafana, "diff")
    assert f"~ folder:{uid}" in text.stdout and "drifted" in text.stdout and "folders: 1 drifted" in text.stdout
    assert "⚠️ drifted" in vobs(project, grafana, "diff", "--format", "markdown").stdout

    for args in (("publish",), ("publish", "--dry-run")):
        refused = vobs(project, grafana, *args)
        assert refused.exit_code == 2, refused.output
        assert refused.stderr.count("\n") == 1 and "was renamed or moved in Grafana" in refused.stderr
        assert refused.stderr.strip().endswith("nothing was published")
    assert len(grafana.writes()) == writes and grafana.folders[uid]["title"] == "Dopamine (old)"

    forced = vobs(project, grafana, "publish", "--force")
    assert forced.exit_code == 0, forced.output
    assert "overwriting a change made in Grafana (--force)" in forced.stdout
    assert (grafana.folders[uid]["title"], grafana.folders[uid]["parentUid"]) == was
    assert vobs(project, grafana, "diff").exit_code == 0
    writes = len(grafana.writes())
    assert vobs(project, grafana, "publish").exit_code == 0 and len(grafana.writes()) == writes


def test_a_folder_moved_in_grafana_is_drift_too(project):
    with GrafanaStandIn(version="12.0.2") as grafana:
        assert vobs(project, grafana, "publish").exit_code == 0
        grafana.edit_folder_in_ui("vobs-maximus-esgt", parent_uid="")  # dragged to the top level
        refused = vobs(project, grafana, "publish")
        assert refused.exit_code == 2 and "(folder 'ESGT', moved into 'MAXIMUS')" in refused.stderr
        assert grafana.folders["vobs-maximus-esgt"]["parentUid"] == ""
        grafana.edit_folder_in_ui("vobs-maximus-esgt", parent_uid="vobs-maximus")  # put back: ours again
        assert vobs(project, grafana, "diff").exit_code == 0
        grafana.assert_no_violations()


def test_a_rename_and_move_cut_short_between_its_two_requests_is_no_drift(project):
    """Renamed and moved is two requests (PUT, then POST …/move): the record written before them also
    holds the state between the two, so a move that fails leaves a folder that is still vobs'."""
    path = project / "narratives/dopamine.yaml"
    path.write_text(path.read_text().replace("folder: MAXIMUS/Dopamine\n", "folder: MAXIMUS-Dopamine\n"))
    with GrafanaStandIn(version="12.0.2") as grafana:
        assert vobs(project, grafana, "publish").exit_code == 0
        path.write_text(path.read_text().replace("folder: MAXIMUS-Dopamine\n", "folder: MAXIMUS/Dopamine\n"))
        uid = "vobs-maximus-dopamine"
        grafana.set_faults(rate=1.0, kinds=("500",), methods=frozenset({"POST"}), paths=(f"/api/folders/{uid}/move",))
        vobs(project, grafana, "publish")  # renamed, and the move refused (500, each retry)
        assert (grafana.folders[uid]["title"], grafana.folders[uid]["parentUid"]) == ("Dopamine", "")  # halfway
        grafana.set_faults()
        done = vobs(project, grafana, "publish")
        assert done.exit_code == 0, done.output
        assert (grafana.folders[uid]["title"], grafana.folders[uid]["parentUid"]) == ("Dopamine", "vobs-maximus")
        assert vobs(project, grafana, "diff").exit_code == 0
        grafana.assert_no_violations()


def test_folders_made_before_the_records_are_adopted_and_said_so(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    grafana.annotations[:] = [a for a in grafana.annotations if RECORD_TAG not in a["tags"]]  # an older vobs's
    count = len(grafana.folders)

    diff = vobs(project, grafana, "diff", "--format", "json")
    assert diff.exit_code == 1  # publish would write the records
    rows = json.loads(diff.stdout)["folders"]
    assert {f["status"] for f in rows} == {"adopted"} and len(rows) == count
    assert rows[0]["changes"] == [ADOPTED]
    dry = vobs(project, grafana, "publish", "--dry-run", "--format", "json")
    assert dry.exit_code == 0
    planned = json.loads(dry.stdout)
    jsonschema.validate(planned, schema("publish"))
    assert planned["folders"] == [] and len(planned["adopted_folders"]) == count
    summary = vobs(project, grafana, "publish", "--dry-run", "--format", "markdown").stdout
    assert "Folders to adopt (recorded as this project's: no record said whose they were): " in summary

    done = vobs(project, grafana, "publish")
    assert done.exit_code == 0, done.output
    assert (f"adopted folder 'ESGT' (uid vobs-maximus-esgt): {ADOPTED}" if grafana.nested else "adopted folder 'MAXIMUS / ESGT'") in done.stdout
    assert len(records(grafana)) == count and len(grafana.folders) == count
    assert vobs(project, grafana, "diff").exit_code == 0
    grafana.edit_folder_in_ui("vobs-maximus-esgt", title="Renamed by hand")  # recorded now: drift from here on
    assert vobs(project, grafana, "publish").exit_code == 2


def test_an_unrecorded_folder_holding_another_project_s_dashboards_is_that_project_s(tmp_path, grafana):
    """Two projects of a vobs before the records, their paths one uid: the folder holds the dashboards
    of the project that titled it, so the other is refused, naming it — not adopted and renamed."""
    alpha = team(tmp_path / "alpha", "alpha", "alpha", "Shared/Web-Shop")
    beta = team(tmp_path / "beta", "beta", "beta", "Shared/Web Shop")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    grafana.annotations[:] = [a for a in grafana.annotations if RECORD_TAG not in a["tags"]]
    refused = vobs(beta, grafana, "publish")
    assert refused.exit_code == 2, refused.output
    assert ("belongs to project 'alpha' (it holds that project's dashboards, and no record says whose it is), not "
            "to this project ('beta')") in refused.stderr
    assert vobs(alpha, grafana, "publish").exit_code == 0  # alpha adopts its own
    assert vobs(alpha, grafana, "diff").exit_code == 0


def test_a_folder_path_renamed_in_code_still_renames_the_project_s_own_folder(project, grafana):
    """vobs' own change (a narrative folder path renamed to one of the same uid) is no drift."""
    path = project / "narratives/dopamine.yaml"
    path.write_text(path.read_text().replace("folder: MAXIMUS/Dopamine\n", "folder: MAXIMUS/dopamine\n"))
    assert vobs(project, grafana, "publish").exit_code == 0
    path.write_text(path.read_text().replace("folder: MAXIMUS/dopamine\n", "folder: MAXIMUS/Dopamine\n"))
    done = vobs(project, grafana, "publish")
    assert done.exit_code == 0, done.output
    assert grafana.folders["vobs-maximus-dopamine"]["title"] == ("Dopamine" if grafana.nested else "MAXIMUS / Dopamine")
    assert vobs(project, grafana, "diff").exit_code == 0


# --- pure: the judgement of one folder ---------------------------------------------------------------

WANT, LIVE = Folder("u", "Shop", "p"), Folder("u", "Shop", "p")
RENAMED = Folder("u", "Old", "p")
ALPHA, BETA = mine("alpha"), mine("beta")


def rec(folder: Folder, owners=ALPHA) -> Record:
    return Record(folder.uid, (state(folder, True),), owners)


@pytest.mark.parametrize("live,history,own,held,force,kind", [
    (None, [], ALPHA, frozenset(), False, CREATE),
    (LIVE, [rec(LIVE)], ALPHA, frozenset(), False, UNCHANGED),
    (RENAMED, [rec(RENAMED)], ALPHA, frozenset(), False, UPDATE),  # the code's path changed: ours
    (RENAMED, [rec(LIVE)], ALPHA, frozenset(), False, DRIFT),  # renamed in Grafana
    (RENAMED, [rec(LIVE)], ALPHA, frozenset(), True, UPDATE),
    (LIVE, [rec(RENAMED)], ALPHA, frozenset(), False, ADOPT),  # changed in Grafana to what the code says
    (RENAMED, [rec(RENAMED, BETA)], ALPHA, frozenset(), False, OWNED),
    (RENAMED, [rec(RENAMED, BETA)], ALPHA, frozenset(), True, UPDATE),
    (LIVE, [rec(LIVE, BETA)], ALPHA, frozenset(), False, UNCHANGED),  # shared as it is
    (RENAMED, [rec(LIVE), rec(RENAMED, BETA)], ALPHA, frozenset(), False, DRIFT),  # the newest record says whose
    (RENAMED, [], ALPHA, frozenset(), False, ADOPT),  # before records: adopted, renamed as before
    (RENAMED, [], ALPHA, BETA, False, OWNED),  # …unless it holds another project's dashboards
    (LIVE, [], ALPHA, BETA, False, UNCHANGED),
    (RENAMED, [rec(RENAMED, frozenset())], ALPHA, frozenset(), False, ADOPT),  # untagged: a vobs before ids
    (RENAMED, [rec(RENAMED, frozenset())], frozenset(), frozenset(), False, UPDATE),  # …a project without one's
    (RENAMED, [rec(RENAMED)], frozenset(), frozenset(), False, OWNED),  # a project with an id's
])
def test_whose_a_folder_is(live, history, own, held, force, kind):
    assert judge(WANT, live, True, history, own, held, force).kind == kind


def test_without_nested_folders_only_the_title_counts_and_records_read_back():
    assert judge(WANT, Folder("u", "Shop", ""), False, [rec(Folder("u", "Shop", ""))], ALPHA, frozenset(),
                 False).kind == UNCHANGED
    text = record_text("abc123", "vobs-x", state(WANT, True))
    assert parse_record(text) == ("vobs-x", (state(WANT, True),))
    assert parse_record(text + " ") is None and parse_record(None) is None
    halfway = record_text("abc123", "vobs-x", state(WANT, True), state(RENAMED, True))
    assert parse_record(halfway) == ("vobs-x", (state(WANT, True), state(RENAMED, True)))
    moved = Record("u", (state(WANT, True), state(Folder("u", "Shop", "old"), True)), ALPHA)  # renamed, not moved
    assert judge(WANT, Folder("u", "Shop", "old"), True, [moved], ALPHA, frozenset(), False).kind == UPDATE
    assert parse_record(text.replace("folder", "playlist")) is None  # a playlist's record is no folder's


def test_an_update_s_record_never_answered_is_no_folder_of_unknown_outcome():
    """The record is written before the update: when it goes unanswered the update was not sent, so the
    folder is not one Grafana "may have made" (a write of unknown outcome), but one not renamed."""
    from vertice_obs.grafana.answers import DestinationError
    from vertice_obs.grafana.folder_writes import _intent, is_unsure_record
    from vertice_obs.grafana.publish import PublishPlan

    class Ledger:
        def record(self, folder, commit, was=None):
            raise DestinationError("annotation on the organisation: no answer", unanswered=True, unknown=True)

    plan = PublishPlan([WANT], [], {"u": RENAMED}, records=[WANT], ledger=Ledger())
    with pytest.raises(DestinationError) as raised:
        _intent(plan, WANT, "abc")
    assert not raised.value.unknown and str(raised.value).endswith("so it was not renamed or moved (vobs records it "
                                                                   "first)")
    # the one test publish's text, JSON and exit code use: that error, not any other failure, unanswered or not
    assert is_unsure_record(raised.value)
    assert not is_unsure_record(DestinationError("no answer", unanswered=True, unknown=True))
    assert not is_unsure_record(DestinationError("refused", 403))
