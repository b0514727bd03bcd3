"""How few requests publish and diff make, and that reading less never hides a change (`grafana/survey.py`).

Counted on the stand-in's request log, over the version matrix: an unchanged dashboard costs one
small `versions?limit=1` read and never its whole model; a hand edit in Grafana (a new version) is
still read whole and refused as drift (and diff names it, reading that dashboard's history alone); a
folder move is still published (and diff shows it); diff builds once and reads no version history
of unchanged dashboards; the one search is followed page by page.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS

from vertice_obs.cli import cli
from vertice_obs.grafana import destinations

TOKEN = "glsa_standin_token"
OVERVIEW = "maximus-dopamine-overview"
DASHBOARDS = 8


@pytest.fixture(params=VERSIONS)
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


def vobs(project, grafana, *args):
    return CliRunner().invoke(cli, ["-C", str(project), *args], env={"GRAFANA_URL": grafana.url,
                                                                     "GRAFANA_TOKEN": TOKEN})


def requests_after(grafana, mark):
    """(method, path, query) of every request since `mark` (an index into the log)."""
    return [(r.method, r.path, {k: v[0] for k, v in r.query.items()}) for r in grafana.requests[mark:]]


def per_dashboard(requests, uid):
    return [r for r in requests if r[1].startswith(f"/api/dashboards/uid/{uid}")]


def test_an_unchanged_dashboard_costs_one_small_read_and_no_model(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    mark = len(grafana.requests)
    again = vobs(project, grafana, "publish", "--format", "json")
    assert again.exit_code == 0
    assert {r["status"] for r in json.loads(again.stdout)["dashboards"]} == {"unchanged"}
    sent = requests_after(grafana, mark)
    dashboard_reads = [r for r in sent if r[1].startswith("/api/dashboards/")]
    assert len(dashboard_reads) == DASHBOARDS  # one per dashboard …
    assert all(r[1].endswith("/versions") and r[2] == {"limit": "1"} for r in dashboard_reads)  # … the newest only
    assert [r for r in sent if r[1] == "/api/search"] == [("GET", "/api/search",
                                                          {"type": "dash-db", "limit": "5000", "page": "1"})]
    assert all(r[0] == "GET" for r in sent)


def test_a_fresh_publish_reads_no_dashboard(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    reads = [r for r in requests_after(grafana, 0) if r[0] == "GET" and r[1].startswith("/api/dashboards/")]
    assert reads == []  # the search said none exists: one POST each, nothing else


def test_a_hand_edit_with_a_new_version_is_still_drift(project, grafana):
    """The code did not change; Grafana did (version 2, saved by a person): not 'unchanged', not
    overwritten — the full model and the history are read and the edit is refused as drift."""
    assert vobs(project, grafana, "publish").exit_code == 0
    grafana.edit_in_ui(OVERVIEW, lambda m: m.update(description="curated by hand"))
    mark = len(grafana.requests)
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 3
    statuses = {r["uid"]: r["status"] for r in json.loads(result.stdout)["dashboards"]}
    assert statuses[OVERVIEW] == "skipped-drift"
    assert {s for u, s in statuses.items() if u != OVERVIEW} == {"unchanged"}
    assert grafana.dashboards[OVERVIEW]["model"]["description"] == "curated by hand"
    reads = per_dashboard(requests_after(grafana, mark), OVERVIEW)
    assert [(r[1].rsplit("/", 1)[-1], r[2]) for r in reads] == [("versions", {"limit": "1"}), (OVERVIEW, {}),
                                                                ("versions", {})]
    diff = vobs(project, grafana, "diff", "--uid", OVERVIEW)
    assert diff.exit_code == 1 and "dashboard: ['description'] `curated by hand` → " in diff.output


def test_diff_names_the_drifted_dashboard_in_text_and_json(project, grafana):
    """What publish would refuse, diff says in every format — reading the version history of the
    edited dashboard only (an unchanged one still costs its one small read)."""
    assert vobs(project, grafana, "publish").exit_code == 0
    original = grafana.dashboards[OVERVIEW]["model"].get("description")
    grafana.edit_in_ui(OVERVIEW, lambda m: m.update(description="curated by hand"))
    mark = len(grafana.requests)
    machine = vobs(project, grafana, "diff", "--format", "json")
    assert machine.exit_code == 1
    rows = {r["uid"]: r for r in json.loads(machine.stdout)["dashboards"]}
    assert (rows[OVERVIEW]["status"], rows[OVERVIEW]["drifted"]) == ("changed", True)
    assert {(r["status"], r["drifted"]) for u, r in rows.items() if u != OVERVIEW} == {("unchanged", False)}
    histories = [r for r in requests_after(grafana, mark) if r[1].endswith("/versions") and r[2] == {}]
    assert histories == [("GET", f"/api/dashboards/uid/{OVERVIEW}/versions", {})]
    text = vobs(project, grafana, "diff").output.splitlines()
    line = next(i for i, t in enumerate(text) if OVERVIEW in t)
    assert text[line].split()[:3] == ["~", OVERVIEW, "drifted"]
    assert text[line + 1].strip().startswith("edited in Grafana since vobs last published it: publish skips it without "
                                             f"--force (vobs pull --uid {OVERVIEW} to review)")
    assert text[-1].startswith(f"0 added, 1 changed (1 drifted), {DASHBOARDS - 1} unchanged, 0 orphaned")
    grafana.edit_in_ui(OVERVIEW, lambda m: m.update(description=original))  # back to the code's content, by hand
    back = vobs(project, grafana, "diff")  # the same content, saved by someone else: publish adopts it (one save)
    assert back.exit_code == 1 and next(t for t in back.stdout.splitlines() if OVERVIEW in t).split()[:3] == [
        "=", OVERVIEW, "adopted"]


def test_a_forged_message_with_another_hash_is_read_whole(project, grafana):
    """A save whose message looks like ours but records other content is not taken as vobs' record: the
    dashboard is read whole, and — the same content — adopted (saved once with a true record)."""
    assert vobs(project, grafana, "publish").exit_code == 0
    entry = grafana.dashboards[OVERVIEW]
    entry["versions"][-1]["message"] = "vobs publish deadbeef sha256:0000000000000000"
    mark = len(grafana.requests)
    result = vobs(project, grafana, "publish", "--format", "json")
    assert {r["uid"]: r["status"] for r in json.loads(result.stdout)["dashboards"]}[OVERVIEW] == "adopted"  # same content
    assert (("GET", f"/api/dashboards/uid/{OVERVIEW}", {}) in per_dashboard(requests_after(grafana, mark), OVERVIEW))


@pytest.mark.parametrize("how", ["moved in Grafana", "moved in code"])
def test_a_folder_move_is_still_published(project, grafana, how):
    assert vobs(project, grafana, "publish").exit_code == 0
    if how == "moved in Grafana":  # a move that adds no version (the folder is changed directly)
        api = __import__("grafana_client").GrafanaApi.from_url(grafana.url, credential=TOKEN)
        api.folder.create_folder("Elsewhere", uid="elsewhere")
        grafana.dashboards[OVERVIEW]["folderUid"] = "elsewhere"
        expected = "vobs-maximus-dopamine"
    else:
        narrative = project / "narratives" / "dopamine.yaml"
        narrative.write_text(narrative.read_text().replace("folder: MAXIMUS/Dopamine", "folder: MAXIMUS/Reward"))
        expected = "vobs-maximus-reward"
    preview = vobs(project, grafana, "diff", "--format", "json")  # diff says what publish will do
    assert preview.exit_code == 1, preview.output
    rows = {r["uid"]: r for r in json.loads(preview.stdout)["dashboards"]}
    assert rows[OVERVIEW]["status"] == "changed" and not rows[OVERVIEW]["drifted"]
    # the whole path it moves from (a nested folder's title alone was 'Dopamine'); a flat server's one folder
    was = "Elsewhere" if how == "moved in Grafana" else "MAXIMUS/Dopamine" if grafana.nested else "MAXIMUS / Dopamine"
    said = (f"moved from folder {was!r} to its narrative's folder 'MAXIMUS/"
            + ("Reward'" if how == "moved in code" else "Dopamine'"))
    assert rows[OVERVIEW]["changes"][-1] == said
    assert f"      {said}" in vobs(project, grafana, "diff").stdout.splitlines()
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["uid"]: r for r in json.loads(result.stdout)["dashboards"]}
    assert (rows[OVERVIEW]["status"], rows[OVERVIEW]["detail"]) == ("updated", "moved to its narrative's folder")
    assert grafana.dashboards[OVERVIEW]["folderUid"] == expected
    after = vobs(project, grafana, "diff", "--format", "json")
    out = json.loads(after.stdout)
    assert {r["status"] for r in out["dashboards"]} == {"unchanged"}
    # moved in code: the folder it left is said, orphaned, and left in Grafana (vobs deletes nothing)
    left = [(r["uid"], r["status"]) for r in out["folders"] if r["status"] != "unchanged"]
    assert left == ([("vobs-maximus-dopamine", "orphaned")] if how == "moved in code" else [])
    assert after.exit_code == (1 if left else 0)


def test_diff_builds_once_and_reads_no_history(project, grafana, monkeypatch):
    import vertice_obs.build.plan as plan_module

    assert vobs(project, grafana, "publish").exit_code == 0
    builds = []
    real = plan_module.plan_build
    monkeypatch.setattr(plan_module, "plan_build", lambda *a, **k: builds.append(1) or real(*a, **k))
    mark = len(grafana.requests)
    result = vobs(project, grafana, "diff")
    assert result.exit_code == 0, result.output
    assert len(builds) == 1  # orphans are told from the same build
    sent = requests_after(grafana, mark)
    assert len([r for r in sent if r[1] == "/api/search"]) == 1  # existing and orphaned from one search
    reads = [r for r in sent if r[1].startswith("/api/dashboards/")]
    assert len(reads) == DASHBOARDS and all(r[2] == {"limit": "1"} for r in reads)


def test_diff_of_a_new_dashboard_sends_no_read_for_it(project, grafana):
    mark = len(grafana.requests)
    result = vobs(project, grafana, "diff", "--format", "json")
    assert result.exit_code == 1
    assert {d["status"] for d in json.loads(result.stdout)["dashboards"]} == {"added"}
    assert [r for r in requests_after(grafana, mark) if r[1].startswith("/api/dashboards/")] == []


def test_the_search_is_followed_page_by_page(project, grafana, monkeypatch):
    monkeypatch.setattr(destinations, "SEARCH_PAGE", 3)  # 8 dashboards: pages of 3, 3 and 2
    assert vobs(project, grafana, "publish").exit_code == 0
    mark = len(grafana.requests)
    again = vobs(project, grafana, "publish", "--format", "json")
    assert {r["status"] for r in json.loads(again.stdout)["dashboards"]} == {"unchanged"}  # none taken for new
    pages = [r[2] for r in requests_after(grafana, mark) if r[1] == "/api/search"]
    assert [(p["limit"], p["page"]) for p in pages] == [("3", "1"), ("3", "2"), ("3", "3")]


def test_a_dashboard_listed_twice_on_one_page_is_read_once(project, grafana, monkeypatch):
    """A search page holding the same hit twice (a server bug, a dashboard moved mid-walk) gives
    one dashboard, not two: pull would fetch and count it twice, publish survey it twice."""
    from grafana_standin import server

    assert vobs(project, grafana, "publish").exit_code == 0
    real = server._search

    def doubled(s, query):
        status, hits = real(s, query)
        return status, hits + hits[:1] if query.get("page", ["1"])[0] == "1" else hits

    monkeypatch.setattr(server, "_search", doubled)
    uids = [h["uid"] for h in destinations.GrafanaDestination(grafana.url, TOKEN).search()]
    assert sorted(uids) == sorted(set(uids)) and len(uids) == DASHBOARDS
