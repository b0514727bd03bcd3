"""The stand-in Grafana behaves as Grafana does, seen through grafana-client as the product sees it —
in each version mode of the matrix vobs supports (9.5, 10.4, 11.4, 12)."""

from __future__ import annotations

import pytest
from grafana_client import GrafanaApi
from grafana_client.client import (
    GrafanaClientError,
    GrafanaServerError,
    GrafanaUnauthorizedError,
)
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS


@pytest.fixture(params=VERSIONS)
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin


def api(standin, credential="glsa_standin_token"):
    return GrafanaApi.from_url(standin.url, credential=credential, timeout=5)


def save(client, model, **extra):
    return client.dashboard.update_dashboard({"dashboard": model, **extra})


def test_save_assigns_id_and_versions(grafana):
    client = api(grafana)
    folder = client.folder.create_folder("MAXIMUS", uid="maximus")
    reply = save(client, {"uid": "d1", "title": "One"}, folderUid=folder["uid"])
    assert reply["status"] == "success" and reply["version"] == 1 and reply["slug"] == "one"
    assert set(reply) >= {"id", "uid", "url", "status", "version", "slug"}
    again = save(client, {"uid": "d1", "title": "One", "version": 1}, folderUid="maximus")
    assert again["version"] == 2 and again["id"] == reply["id"]  # +1 even when identical
    got = client.dashboard.get_dashboard("d1")
    assert got["dashboard"]["version"] == 2 and got["dashboard"]["id"] == reply["id"]
    assert got["meta"]["folderUid"] == "maximus" and got["meta"]["folderTitle"] == "MAXIMUS"
    grafana.assert_no_violations()


def test_stale_or_missing_version_is_412_unless_overwrite(grafana):
    client = api(grafana)
    save(client, {"uid": "d1", "title": "One"})
    with pytest.raises(GrafanaClientError) as info:
        save(client, {"uid": "d1", "title": "One"})
    assert info.value.status_code == 412
    assert info.value.response == {"status": "version-mismatch",
                                   "message": "The dashboard has been changed by someone else"}
    assert save(client, {"uid": "d1", "title": "One"}, overwrite=True)["version"] == 2


def test_one_title_per_folder_before_11_3(grafana):
    """Grafana before 11.3 refuses a second dashboard of a title (trimmed, exact: `title=?` since 9.5.7
    and 10.0.2) in one folder: 412 name-exists (ErrDashboardWithSameNameInFolderExists); another
    folder, another case (SQLite), or 11.3 on, takes it."""
    client = api(grafana)
    client.folder.create_folder("F", uid="f")
    save(client, {"uid": "d1", "title": "Sample A"}, folderUid="f")
    save(client, {"uid": "d2", "title": "Sample A"})  # the General folder: another folder
    save(client, {"uid": "d1", "title": "Sample A", "version": 1}, folderUid="f")  # itself: no clash
    assert save(client, {"uid": "d4", "title": "sample a"}, folderUid="f")["status"] == "success"  # not a slug
    if grafana.major_minor >= (11, 3):
        assert save(client, {"uid": "d3", "title": " Sample A "}, folderUid="f")["status"] == "success"
        return
    with pytest.raises(GrafanaClientError) as info:
        save(client, {"uid": "d3", "title": " Sample A "}, folderUid="f")
    assert info.value.status_code == 412
    assert info.value.response == {"status": "name-exists",
                                   "message": "A dashboard with the same name in the folder already exists"}
    assert "d3" not in grafana.dashboards
    grafana.assert_no_violations()


def test_a_title_is_free_again_once_retitled_deleted_or_moved(grafana):
    """The title rule looks dashboards up by title (an index kept as they are saved, not a walk over all
    of them): a dashboard saved under another title, deleted, or moved by a test's hand no longer holds
    its old title in its old folder."""
    if grafana.major_minor >= (11, 3):
        pytest.skip("11.3 on has no title rule")
    client = api(grafana)
    client.folder.create_folder("F", uid="f")
    save(client, {"uid": "d1", "title": "Sample A"}, folderUid="f")
    save(client, {"uid": "d1", "title": "Renamed", "version": 1}, folderUid="f")  # retitled
    save(client, {"uid": "d2", "title": "Sample A"}, folderUid="f")
    client.dashboard.delete_dashboard("d2")
    save(client, {"uid": "d3", "title": "Sample A"}, folderUid="f")
    grafana.dashboards["d3"]["folderUid"] = ""  # moved to the General folder without a save
    save(client, {"uid": "d4", "title": "Sample A"}, folderUid="f")
    with pytest.raises(GrafanaClientError) as info:  # ...and the index still finds the one that holds it
        save(client, {"uid": "d5", "title": "Sample A"})
    assert info.value.response["status"] == "name-exists"
    grafana.assert_no_violations()


def test_no_dashboard_titled_like_a_folder_before_11_3(grafana):
    """Grafana before 11.3 refuses a dashboard titled like a folder, with overwrite too: 400 name-match
    (ErrDashboardWithSameNameAsFolder) — like ANY folder of the organisation before 10.4, from 10.4
    (grafana/grafana#77076) only like one beside it (both at the root, flat here)."""
    client = api(grafana)
    client.folder.create_folder("Team A", uid="f")
    client.folder.create_folder("Other", uid="g")
    assert save(client, {"uid": "d0", "title": "team a"}, folderUid="g")["status"] == "success"  # another title
    for body in ({"uid": "d1", "title": "Team A"}, {"uid": "d1", "title": "Team A", "overwrite": True}):
        body = dict(body)
        overwrite = body.pop("overwrite", False)
        if grafana.major_minor >= (10, 4):  # in folder g, not beside 'Team A'
            assert save(client, body, folderUid="g", overwrite=overwrite)["status"] == "success"
            if grafana.major_minor < (11, 3):  # ...but in the General folder, beside it: refused
                with pytest.raises(GrafanaClientError) as info:
                    save(client, {"uid": "d9", "title": "Team A"}, overwrite=overwrite)
                assert info.value.response["status"] == "name-match"
            continue
        with pytest.raises(GrafanaClientError) as info:
            save(client, body, folderUid="g", overwrite=overwrite)
        assert info.value.status_code == 400
        assert info.value.response == {"status": "name-match", "message": "Dashboard name cannot be the same as folder"}
        assert "d1" not in grafana.dashboards
    assert save(client, {"uid": "d2", "title": "Team B"}, folderUid="f")["status"] == "success"
    grafana.assert_no_violations()


def test_no_folder_of_a_taken_title_before_11_3(grafana):
    """Before 11.3 a folder goes through the dashboards' lookup too: a second folder of one title in
    one place answers ErrFolderSameNameExists (409 from 10, 400 in 9.x); a root folder of a root
    dashboard's title 400 (ErrDashboardFolderWithSameNameAsDashboard). 11.3 on makes both."""
    client = api(grafana)
    client.folder.create_folder("Team A", uid="f")
    client.folder.create_folder("team a", uid="f1")  # another title (SQLite compares case)
    save(client, {"uid": "d1", "title": "Ops"})  # in the General folder
    for title, uid, status, message in (
            ("Team A ", "f2", 409 if grafana.major_minor >= (10, 0) else 400,
             "a folder or dashboard in the general folder with the same name already exists"),
            ("Ops", "f3", 400, "Folder name cannot be the same as one of its dashboards")):
        if grafana.major_minor >= (11, 3):
            client.folder.create_folder(title, uid=uid)
            assert uid in grafana.folders
            continue
        with pytest.raises(GrafanaClientError) as info:
            client.folder.create_folder(title, uid=uid)
        assert (info.value.status_code, info.value.response["message"]) == (status, message)
        assert uid not in grafana.folders
    grafana.assert_no_violations()


def test_no_folder_is_titled_general_on_any_version(grafana):
    """Every version refuses a folder titled General, in any case and trimmed (`strings.EqualFold(
    title, dashboards.RootFolderName)` in the folder service and the dashboards' save command: 400
    ErrDashboardFolderNameExists), at create and at a rename (trial 16)."""
    client = api(grafana)
    for title in ("General", " general ", "GENERAL"):
        with pytest.raises(GrafanaClientError) as info:
            client.folder.create_folder(title, uid="g")
        assert (info.value.status_code, info.value.response["message"]) == (400, "A folder with that name already exists")
    client.folder.create_folder("Ops", uid="f")
    with pytest.raises(GrafanaClientError) as info:
        client.folder.update_folder("f", "general", overwrite=True)
    assert info.value.status_code == 400 and grafana.folders["f"]["title"] == "Ops"
    grafana.assert_no_violations()


def test_update_without_folder_uid_moves_to_general(grafana):
    client = api(grafana)
    client.folder.create_folder("F", uid="f")
    save(client, {"uid": "d1", "title": "One"}, folderUid="f")
    save(client, {"uid": "d1", "title": "One", "version": 1})
    assert client.dashboard.get_dashboard("d1")["meta"]["folderUid"] == ""


@pytest.mark.parametrize("model,extra,status,message", [
    ({"uid": "x", "title": " "}, {}, 400, "Dashboard title cannot be empty"),
    ({"uid": "bad uid!", "title": "T"}, {}, 400, "uid contains illegal characters"),
    ({"uid": "u" * 41, "title": "T"}, {}, 400, "uid too long, max 40 characters"),
])
def test_bad_saves(grafana, model, extra, status, message):
    with pytest.raises(GrafanaClientError) as info:
        save(api(grafana), model, **extra)
    assert info.value.status_code == status and info.value.response["message"] == message


def test_unknown_folder_is_400_from_12_and_silently_saved_before(grafana):
    if grafana.major_minor >= (12, 0):
        with pytest.raises(GrafanaClientError) as info:
            save(api(grafana), {"uid": "x", "title": "T"}, folderUid="nope")
        assert info.value.status_code == 400 and info.value.response["message"] == "folder not found"
    else:
        assert save(api(grafana), {"uid": "x", "title": "T"}, folderUid="nope")["status"] == "success"


def test_version_and_nested_folders_are_reported(grafana):
    client = api(grafana)
    assert client.client.GET("/health")["version"] == grafana.version
    settings = client.client.GET("/frontend/settings")
    assert settings["buildInfo"]["version"] == grafana.version
    toggle = settings["featureToggles"].get("nestedFolders")
    assert toggle is (None if grafana.major_minor >= (12, 0) else grafana.nested)
    assert grafana.nested is (grafana.major_minor >= (11, 0))


def test_unknown_uid_is_404(grafana):
    with pytest.raises(GrafanaClientError) as info:
        api(grafana).dashboard.get_dashboard("nope")
    assert info.value.status_code == 404 and info.value.response["status"] == "not-found"


def test_nested_folders_and_errors(grafana):
    client = api(grafana)
    client.folder.create_folder("MAXIMUS", uid="maximus")
    child = client.folder.create_folder("Dopamine", uid="dopamine", parent_uid="maximus")
    with pytest.raises(GrafanaClientError) as exists:
        client.folder.create_folder("Again", uid="maximus")
    assert exists.value.status_code == (409 if grafana.major_minor >= (11, 0) else 412)
    with pytest.raises(GrafanaClientError) as missing:
        client.folder.get_folder("nope")
    assert missing.value.status_code == 404 and missing.value.response["message"] == "folder not found"
    if grafana.nested:
        assert child["parentUid"] == "maximus" and child["parents"] == [{"uid": "maximus", "title": "MAXIMUS"}]
        assert [f["uid"] for f in client.folder.get_all_folders()] == ["maximus"]
        assert [f["uid"] for f in client.folder.get_all_folders(parent_uid="maximus")] == ["dopamine"]
    else:  # 9.5 / 10.x without nestedFolders: parentUid is ignored, folders have no parent
        assert "parentUid" not in child and "parents" not in child
        assert [f["uid"] for f in client.folder.get_all_folders()] == ["dopamine", "maximus"]
        assert [f["uid"] for f in client.folder.get_all_folders(parent_uid="maximus")] == ["dopamine", "maximus"]


def test_a_folder_the_token_may_not_read_is_403_by_uid_and_left_out_of_lists(grafana):
    """Grafana's folder API: `GET /api/folders/{uid}` needs `folders:read` on it (403 "Access Denied",
    told apart from 404 "Folder not found"); lists hold only the folders the token may view."""
    client = api(grafana)
    client.folder.create_folder("Open", uid="open")
    client.folder.create_folder("Closed", uid="closed")
    grafana.unreadable_folders.add("closed")
    with pytest.raises(GrafanaClientError) as refused:
        client.folder.get_folder("closed")
    assert refused.value.status_code == 403
    assert refused.value.response["message"].endswith("Permissions needed: folders:read")
    assert [f["uid"] for f in client.folder.get_all_folders()] == ["open"]
    assert [h["uid"] for h in client.search.search_dashboards(type_="dash-folder")] == ["open"]
    with pytest.raises(GrafanaClientError) as save_refused:
        save(client, {"uid": "d1", "title": "One"}, folderUid="closed")
    assert save_refused.value.status_code == 403 and "d1" not in grafana.dashboards
    grafana.assert_no_violations()


def test_search_filters_and_shapes(grafana):
    client = api(grafana)
    client.folder.create_folder("F", uid="f")
    save(client, {"uid": "a", "title": "Alpha", "tags": ["x", "y"]}, folderUid="f")
    save(client, {"uid": "b", "title": "Beta", "tags": ["x"]})
    hits = client.search.search_dashboards(type_="dash-db", tag=["x", "y"])
    assert [h["uid"] for h in hits] == ["a"]  # several tags are ANDed
    assert hits[0]["folderUid"] == "f" and "version" not in hits[0]
    root = client.search.search_dashboards(type_="dash-db", query="bet")
    assert [h["uid"] for h in root] == ["b"] and "folderUid" not in root[0]
    assert [h["uid"] for h in client.search.search_dashboards(folder_uids=["f"], type_="dash-db")] == ["a"]
    with pytest.raises(GrafanaClientError) as info:
        client.search.search_dashboards(limit=5001)
    assert info.value.status_code == 422
    grafana.assert_no_violations()


def test_auth(grafana):
    with pytest.raises(GrafanaUnauthorizedError) as bad:
        api(grafana, "glsa_wrong").search.search_dashboards()
    assert bad.value.response["messageId"] == "api-key.invalid"
    with pytest.raises(GrafanaClientError) as readonly:
        save(api(grafana, "glsa_viewer_token"), {"uid": "x", "title": "T"})
    assert readonly.value.status_code == 403
    assert api(grafana, ("admin", "admin")).search.search_dashboards() == []
    assert api(grafana, "glsa_wrong").client.GET("/health")["database"] == "ok"  # served before auth
    assert all(r.headers.get("Authorization") in (None, "<redacted>") for r in grafana.requests)


def test_versions_and_ui_edits(grafana):
    client = api(grafana)
    save(client, {"uid": "d", "title": "D"}, message="first")
    grafana.edit_in_ui("d", lambda m: m.update(title="D (edited)"))
    versions = client.dashboard_versions.get_dashboard_versions_by_uid("d")
    if grafana.major_minor >= (11, 5):  # {continueToken, versions} from 11.5
        assert versions["continueToken"] == ""
        versions = versions["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["message"] == "first" and "edited by alice" in versions[0]["message"]


def test_newest_version_only_and_search_pages(grafana):
    """What vobs reads to decide "unchanged" (`versions?limit=1`: newest first) and how it lists
    everything (search `limit`, default 1000 and at most 5000, and `page` from 1), as Grafana's
    spec and docs say (openapi-subset.json: getDashboardVersionsByUID, search)."""
    client = api(grafana)
    for n in range(5):
        save(client, {"uid": f"d{n}", "title": f"D{n}"}, message="first")
    grafana.edit_in_ui("d0", lambda m: m.update(title="D0 (edited)"))
    newest = client.client.GET("/dashboards/uid/d0/versions", params={"limit": 1})
    newest = newest["versions"] if grafana.major_minor >= (11, 5) else newest
    assert [(v["version"], v["message"][:9]) for v in newest] == [(2, "edited by")]
    pages = [client.search.search_dashboards(type_="dash-db", limit=2, page=p) for p in (1, 2, 3, 4)]
    assert [[h["uid"] for h in page] for page in pages] == [["d0", "d1"], ["d2", "d3"], ["d4"], []]
    assert len(client.search.search_dashboards(type_="dash-db")) == 5  # default limit 1000
    grafana.assert_no_violations()


def test_validation_can_be_switched_off_for_benchmarks():
    with GrafanaStandIn(validate=False) as standin:
        with pytest.raises(GrafanaClientError):
            api(standin).client.GET("/no/such/endpoint")
        assert standin.violations == []  # not checked: the benchmark measures vobs, not the validator


def test_annotations(grafana):
    client = api(grafana)
    reply = client.annotations.add_annotation(time_from=1000, time_to=2000, tags=["chaos"], text="fault on",
                                              dashboard_uid="d")
    assert reply["message"] == "Annotation added"
    found = client.annotations.find_annotations(tags=["chaos"], dashboard_uid="d")
    assert [a["text"] for a in found] == ["fault on"]


def test_requests_outside_the_spec_are_violations(grafana):
    client = api(grafana)
    with pytest.raises(GrafanaClientError):
        client.client.POST("/dashboards/db", json={"dashboard": "not an object"})
    with pytest.raises(GrafanaClientError):
        client.client.GET("/search", params={"limit": "many"})
    with pytest.raises(GrafanaClientError):
        client.client.GET("/no/such/endpoint")
    assert len(grafana.violations) == 3
    assert "postDashboard: body['dashboard']: 'not an object' is not of type 'object'" in grafana.violations
    with pytest.raises(AssertionError):
        grafana.assert_no_violations()


def test_fault_injection(grafana):
    client = api(grafana)
    grafana.set_faults(script=["503", "429", "reset"], retry_after=2)
    with pytest.raises(GrafanaServerError):
        client.search.search_dashboards()
    with pytest.raises(GrafanaClientError) as limited:
        client.search.search_dashboards()
    assert limited.value.status_code == 429
    assert grafana.requests[-1].status == 429
    with pytest.raises(Exception):
        client.search.search_dashboards()
    assert grafana.requests[-1].status == -1  # the connection was reset
    assert client.search.search_dashboards() == []
    grafana.set_faults(methods=frozenset({"POST"}), rate=1.0, kinds=("500",))
    assert client.search.search_dashboards() == []  # GETs untouched
    with pytest.raises(GrafanaServerError):
        save(client, {"uid": "x", "title": "T"})


def test_a_lost_reply_is_applied_then_the_connection_drops(grafana):
    client = api(grafana)
    grafana.set_faults(script=["drop-reply"], methods=frozenset({"POST"}))
    with pytest.raises(Exception):
        save(client, {"uid": "d", "title": "D"})
    assert grafana.dashboards["d"]["model"]["version"] == 1  # saved, though the client never heard


def test_the_spec_is_read_from_the_repository():
    from grafana_standin.spec import SUBSET

    tests = SUBSET.parents[1]
    assert SUBSET.is_file() and SUBSET.parent == tests / "grafana_standin"
    assert "11.4.0" in (SUBSET.parent / "SOURCE.md").read_text()
