"""A Grafana edit taken into code is adopted, not drift forever after (trial 9, defect 04).

Publish → a UI edit → diff says drifted → the user copies the edit into the code → diff and publish
said "unchanged" (nothing recorded vobs as its owner) → the next code change was `skipped-drift`, exit
3, and only `--force` (which also overwrites real UI edits) got it through. Now a dashboard whose
content and folder are the code's, but whose newest version was saved outside vobs, is `adopted`:
diff says so (exit 1: publish would write), publish saves it once with vobs' record, and the next
change is an ordinary update. On the spec-checked stand-in (9.5: reads per dashboard; 12.0: the
resource list) and in the provisioning folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from sample_project import make_project
from standin_cli import vobs

from vertice_obs.grafana import survey

UID = "sample-a"
ORIGINAL = 'description="First sample dashboard."'


@pytest.fixture(params=["9.5.21", "12.0.2"])
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


def in_code(root: Path, old: str, new: str) -> None:
    module = next(m for m in (root / "dashboards").glob("*.py") if old in m.read_text())
    module.write_text(module.read_text().replace(old, new))


def rows(result) -> dict[str, dict]:
    return {r["uid"]: r for r in json.loads(result.stdout)["dashboards"]}


def dashboard_writes(grafana: GrafanaStandIn, mark: int) -> list[str]:
    return [w.path for w in grafana.writes()[mark:] if w.path.startswith("/api/dashboards/")]


def test_a_grafana_edit_taken_into_code_is_adopted_once_then_code_changes_publish(root, grafana):
    assert vobs(root, grafana, "publish").exit_code == 0
    grafana.edit_in_ui(UID, lambda m: m.update(description="Curated by hand."))
    drifted = vobs(root, grafana, "diff", "--format", "json")
    assert (rows(drifted)[UID]["status"], rows(drifted)[UID]["drifted"]) == ("changed", True)

    in_code(root, ORIGINAL, 'description="Curated by hand."')  # the edit, taken into the code
    said = vobs(root, grafana, "diff")
    assert said.exit_code == 1, said.output  # publish would write: not "no differences"
    lines = said.stdout.splitlines()
    assert lines[0].split()[:3] == ["=", UID, "adopted"]
    assert lines[1].strip() == ("the same as in Grafana, last saved outside vobs (version 2): saved once with vobs' "
                                "record, so later changes in code publish without --force")
    assert lines[-1].startswith("0 added, 0 changed, 1 unchanged, 0 orphaned, 1 adopted")
    as_json = rows(vobs(root, grafana, "diff", "--format", "json"))[UID]
    assert (as_json["status"], as_json["drifted"]) == ("adopted", False)
    assert "| Sample A <code>sample-a</code> | Samples/Story | adopted | — |" in vobs(root, grafana, "diff", "--format",
                                                                              "markdown").stdout

    mark = len(grafana.writes())
    dry = vobs(root, grafana, "publish", "--dry-run", "--format", "json")
    assert dry.exit_code == 0 and rows(dry)[UID]["status"] == "adopt" and grafana.writes()[mark:] == []
    assert "dry run: 1 write(s) planned" in vobs(root, grafana, "publish", "--dry-run").stdout

    published = vobs(root, grafana, "publish", "--format", "json")
    assert published.exit_code == 0, published.output
    assert rows(published)[UID]["status"] == "adopted" and rows(published)["sample-b"]["status"] == "unchanged"
    assert dashboard_writes(grafana, mark) == ["/api/dashboards/db"]  # one save: the record, the same content
    newest = grafana.dashboards[UID]["versions"][-1]
    assert newest["message"].startswith("vobs publish ") and newest["data"]["description"] == "Curated by hand."

    mark = len(grafana.writes())
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0 and "2 unchanged" in again.stdout and grafana.writes()[mark:] == []

    in_code(root, 'description="Curated by hand."', 'description="Curated in code."')
    changed = rows(vobs(root, grafana, "diff", "--format", "json"))[UID]
    assert (changed["status"], changed["drifted"]) == ("changed", False)
    updated = vobs(root, grafana, "publish", "--format", "json")
    assert updated.exit_code == 0, updated.output  # no --force: vobs owns it
    assert rows(updated)[UID]["status"] == "updated"
    assert grafana.dashboards[UID]["model"]["description"] == "Curated in code."


def test_a_real_ui_edit_after_adoption_is_still_drift(root, grafana):
    """Adoption records what the code and Grafana agree on, nothing more: a later hand edit is kept."""
    assert vobs(root, grafana, "publish").exit_code == 0
    grafana.edit_in_ui(UID, lambda m: m.update(description="Curated by hand."))
    in_code(root, ORIGINAL, 'description="Curated by hand."')
    assert rows(vobs(root, grafana, "publish", "--format", "json"))[UID]["status"] == "adopted"
    grafana.edit_in_ui(UID, lambda m: m.update(description="Edited again by hand."))
    in_code(root, 'description="Curated by hand."', 'description="Curated in code."')
    kept = vobs(root, grafana, "publish", "--format", "json")
    assert kept.exit_code == 3 and rows(kept)[UID]["status"] == "skipped-drift"
    assert grafana.dashboards[UID]["model"]["description"] == "Edited again by hand."


def test_an_unchanged_republish_still_reads_one_small_version_each(root):
    """Where nothing needs adopting the budget is what it was: one `versions?limit=1` per dashboard."""
    with GrafanaStandIn(version="9.5.21") as grafana:
        assert vobs(root, grafana, "publish").exit_code == 0
        mark = len(grafana.requests)
        assert vobs(root, grafana, "publish").exit_code == 0
        reads = sorted(r.path for r in grafana.requests[mark:] if r.path.startswith("/api/dashboards/"))
        assert reads == ["/api/dashboards/uid/sample-a/versions", "/api/dashboards/uid/sample-b/versions"]
        grafana.assert_no_violations()


def test_grafana_12s_list_reads_alone_only_what_someone_else_saved(root, monkeypatch):
    """The list has no version message: a dashboard listed exactly as vobs sent it is unchanged from the
    list alone; one a UI save reformatted (the same content) is read alone and adopted, once."""
    monkeypatch.setattr(survey, "LIST_WORTH", 1)
    with GrafanaStandIn(version="12.0.2") as grafana:
        assert vobs(root, grafana, "publish").exit_code == 0
        grafana.edit_in_ui(UID, lambda m: m.update(liveNow=False))  # a UI save that writes a default only
        mark = len(grafana.requests)
        adopted = vobs(root, grafana, "publish", "--format", "json")
        assert adopted.exit_code == 0 and {u: r["status"] for u, r in rows(adopted).items()} == {
            UID: "adopted", "sample-b": "unchanged"}
        alone = [(r.method, r.path) for r in grafana.requests[mark:] if r.path.startswith("/api/dashboards/")]
        assert alone == [("GET", f"/api/dashboards/uid/{UID}/versions"), ("GET", f"/api/dashboards/uid/{UID}"),
                         ("POST", "/api/dashboards/db")]
        mark = len(grafana.requests)
        assert vobs(root, grafana, "publish").exit_code == 0
        assert [r for r in grafana.requests[mark:] if r.path.startswith("/api/dashboards/")] == []
        grafana.assert_no_violations()


def test_a_hand_edited_provisioning_file_taken_into_code_is_adopted(root):
    assert vobs(root, None, "publish").exit_code == 0
    target = next((root / "provisioning").rglob(f"{UID}.json"))
    edited = json.loads(target.read_text())
    edited["description"] = "Curated by hand."
    target.write_text(json.dumps(edited))
    in_code(root, ORIGINAL, 'description="Curated by hand."')
    assert rows(vobs(root, None, "diff", "--format", "json"))[UID]["status"] == "adopted"
    assert rows(vobs(root, None, "publish", "--format", "json"))[UID]["status"] == "adopted"
    assert rows(vobs(root, None, "publish", "--format", "json"))[UID]["status"] == "unchanged"
    in_code(root, 'description="Curated by hand."', 'description="Curated in code."')
    updated = vobs(root, None, "publish", "--format", "json")
    assert updated.exit_code == 0 and rows(updated)[UID]["status"] == "updated"
