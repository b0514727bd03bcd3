"""One list instead of a read per dashboard: Grafana 12's resource API (`grafana/resources.py`, `survey`).

On the stand-in, whose `/apis/dashboard.grafana.app/v0alpha1/…/dashboards` requests are checked
against the list operation of Grafana's OpenAPI snapshot (tests/grafana_standin/SOURCE.md) and
whose answers are checked here against its `DashboardList` schema: an unchanged publish of
Grafana 12 reads no dashboard alone; the list is followed page by page; it only ever says
"unchanged" — a hand edit is still read whole and refused as drift, a folder moved in Grafana
still shows; a list that fails or answers an unexpected shape costs one request and changes
nothing (each dashboard is read alone, as before); Grafanas before 12 are never asked; a few
dashboards are not worth a list. The pure page reader is fuzzed: it never raises.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn, server
from grafana_standin.server import VERSIONS
from grafana_standin.spec import RESOURCES
from hypothesis import given, settings
from hypothesis import strategies as st

from vertice_obs.cli import cli
from vertice_obs.grafana import resources, survey
from vertice_obs.grafana.resources import listing, namespace, page

TOKEN = "glsa_standin_token"
OVERVIEW = "maximus-dopamine-overview"
DASHBOARDS = 8
LIST = "/apis/dashboard.grafana.app/v0alpha1/namespaces/default/dashboards"


@pytest.fixture
def grafana12():
    with GrafanaStandIn(version="12.0.2") as standin:
        yield standin
        standin.assert_no_violations()


@pytest.fixture
def listing_on(monkeypatch):
    monkeypatch.setattr(survey, "LIST_WORTH", 1)  # the sample project has 8 dashboards


def vobs(project, grafana, *args):
    return CliRunner().invoke(cli, ["-C", str(project), *args], env={"GRAFANA_URL": grafana.url,
                                                                     "GRAFANA_TOKEN": TOKEN})


def sent_after(grafana, mark):
    return [(r.method, r.path, {k: v[0] for k, v in r.query.items()}) for r in grafana.requests[mark:]]


def statuses(result):
    return {r["uid"]: r["status"] for r in json.loads(result.stdout)["dashboards"]}


def test_an_unchanged_publish_reads_no_dashboard_alone(project, grafana12, listing_on):
    assert vobs(project, grafana12, "publish").exit_code == 0
    mark = len(grafana12.requests)
    again = vobs(project, grafana12, "publish", "--format", "json")
    assert again.exit_code == 0, again.output
    assert set(statuses(again).values()) == {"unchanged"} and len(statuses(again)) == DASHBOARDS
    sent = sent_after(grafana12, mark)
    assert [r for r in sent if r[1].startswith("/api/dashboards/")] == []
    assert [r for r in sent if r[1].startswith("/apis/")] == [("GET", LIST, {"limit": str(resources.LIST_PAGE)})]
    assert all(r[0] == "GET" for r in sent)


def test_the_list_is_followed_page_by_page(project, grafana12, listing_on, monkeypatch):
    monkeypatch.setattr(resources, "LIST_PAGE", 3)  # 8 dashboards: pages of 3, 3 and 2
    assert vobs(project, grafana12, "publish").exit_code == 0
    mark = len(grafana12.requests)
    again = vobs(project, grafana12, "publish", "--format", "json")
    assert set(statuses(again).values()) == {"unchanged"}
    pages = [r[2] for r in sent_after(grafana12, mark) if r[1] == LIST]
    assert len(pages) == 3 and "continue" not in pages[0] and all(p.get("continue") for p in pages[1:])
    assert [r for r in sent_after(grafana12, mark) if r[1].startswith("/api/dashboards/")] == []


def test_what_a_ui_save_adds_is_unchanged_by_content_after_one_small_read(project, grafana12, listing_on):
    """Not the saved model byte for byte (a default written), the same content: the list has no
    version message, so its newest version is read (one small read) — vobs' record of this content:
    unchanged. (A real UI save adds a version of its own: adopted, test_publish_adoption.py.)"""
    assert vobs(project, grafana12, "publish").exit_code == 0
    grafana12.dashboards[OVERVIEW]["model"]["liveNow"] = False  # a default, as a UI save writes it
    mark = len(grafana12.requests)
    again = vobs(project, grafana12, "publish", "--format", "json")
    assert again.exit_code == 0 and set(statuses(again).values()) == {"unchanged"}
    assert [r for r in sent_after(grafana12, mark) if r[1].startswith("/api/dashboards/")] == [
        ("GET", f"/api/dashboards/uid/{OVERVIEW}/versions", {"limit": "1"})]


def test_a_dashboard_the_list_leaves_out_is_read_alone(project, grafana12, listing_on, monkeypatch):
    assert vobs(project, grafana12, "publish").exit_code == 0
    real = server.resource_list

    def without_overview(s, namespace, one):
        status, answer = real(s, namespace, one)
        answer["items"] = [i for i in answer["items"] if i["metadata"]["name"] != OVERVIEW]
        return status, answer

    monkeypatch.setattr(server, "resource_list", without_overview)
    mark = len(grafana12.requests)
    again = vobs(project, grafana12, "publish", "--format", "json")
    assert again.exit_code == 0 and set(statuses(again).values()) == {"unchanged"}
    reads = [r for r in sent_after(grafana12, mark) if r[1].startswith("/api/dashboards/")]
    assert reads == [("GET", f"/api/dashboards/uid/{OVERVIEW}/versions", {"limit": "1"})]


def test_another_organisation_is_listed_in_its_namespace(project, listing_on):
    with GrafanaStandIn(version="12.0.2", org_id=2) as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "GRAFANA_ORG_ID": "2"}
        assert CliRunner().invoke(cli, ["-C", str(project), "publish"], env=env).exit_code == 0
        mark = len(grafana.requests)
        again = CliRunner().invoke(cli, ["-C", str(project), "publish", "--format", "json"], env=env)
        assert set(statuses(again).values()) == {"unchanged"}
        assert {r[1] for r in sent_after(grafana, mark) if r[1].startswith("/apis/")} == {
            LIST.replace("/default/", "/org-2/")}
        assert [r for r in sent_after(grafana, mark) if r[1].startswith("/api/dashboards/")] == []
        grafana.assert_no_violations()


def test_a_hand_edit_is_still_read_whole_and_refused_as_drift(project, grafana12, listing_on):
    assert vobs(project, grafana12, "publish").exit_code == 0
    grafana12.edit_in_ui(OVERVIEW, lambda model: model.update(title="Edited by hand"))
    mark = len(grafana12.requests)
    result = vobs(project, grafana12, "publish", "--format", "json")
    assert result.exit_code == 3, result.output
    rows = statuses(result)
    assert rows.pop(OVERVIEW) == "skipped-drift" and set(rows.values()) == {"unchanged"}
    reads = [r for r in sent_after(grafana12, mark) if r[1].startswith("/api/dashboards/")]
    assert {r[1] for r in reads} == {f"/api/dashboards/uid/{OVERVIEW}", f"/api/dashboards/uid/{OVERVIEW}/versions"}
    assert grafana12.dashboards[OVERVIEW]["model"]["title"] == "Edited by hand"  # nothing overwritten


def test_a_folder_moved_in_grafana_still_shows(project, grafana12, listing_on):
    assert vobs(project, grafana12, "publish").exit_code == 0
    api = __import__("grafana_client").GrafanaApi.from_url(grafana12.url, credential=TOKEN)
    api.folder.create_folder("Elsewhere", uid="elsewhere")
    grafana12.dashboards[OVERVIEW]["folderUid"] = "elsewhere"  # a move that adds no version
    preview = vobs(project, grafana12, "diff", "--format", "json")
    assert preview.exit_code == 1, preview.output
    rows = {r["uid"]: r for r in json.loads(preview.stdout)["dashboards"]}
    assert rows[OVERVIEW]["status"] == "changed" and rows[OVERVIEW]["changes"][-1].startswith("moved from folder ")
    assert {r["status"] for uid, r in rows.items() if uid != OVERVIEW} == {"unchanged"}


@pytest.mark.parametrize("fault", ["500", "403", "malformed"])
def test_a_list_that_fails_costs_one_request_and_changes_nothing(project, grafana12, listing_on, monkeypatch,
                                                                  fault):
    assert vobs(project, grafana12, "publish").exit_code == 0
    if fault == "malformed":  # a 200 whose items are not dashboards
        monkeypatch.setattr(server, "resource_list", lambda s, ns, one: (200, {"items": [{"metadata": {}}]}))
    else:
        grafana12.set_faults(rate=1.0, kinds=(fault,), paths=("/apis/",))
    mark = len(grafana12.requests)
    again = vobs(project, grafana12, "publish", "--format", "json")
    assert again.exit_code == 0, again.output
    assert set(statuses(again).values()) == {"unchanged"}
    sent = sent_after(grafana12, mark)
    assert len([r for r in sent if r[1].startswith("/apis/")]) == 1  # not retried: it is only a shortcut
    reads = [r for r in sent if r[1].startswith("/api/dashboards/")]
    assert len(reads) == DASHBOARDS and all(r[2] == {"limit": "1"} for r in reads)  # each read alone


@pytest.mark.parametrize("version", [v for v in VERSIONS if tuple(map(int, v.split("."))) < (12, 0)])
def test_a_grafana_before_12_is_never_asked(project, listing_on, version):
    with GrafanaStandIn(version=version) as grafana:
        assert vobs(project, grafana, "publish").exit_code == 0
        again = vobs(project, grafana, "publish", "--format", "json")
        assert set(statuses(again).values()) == {"unchanged"}
        assert not [r for r in grafana.requests if r.path.startswith("/apis/")]
        grafana.assert_no_violations()


def test_a_few_dashboards_are_not_worth_a_list(project, grafana12):
    assert survey.LIST_WORTH > DASHBOARDS
    assert vobs(project, grafana12, "publish").exit_code == 0
    assert vobs(project, grafana12, "publish").exit_code == 0
    assert not [r for r in grafana12.requests if r.path.startswith("/apis/")]


def test_the_stand_ins_list_is_a_dashboard_list_of_the_spec(project, grafana12):
    """What the stand-in answers is what Grafana's snapshot says a list is (and what vobs reads)."""
    assert vobs(project, grafana12, "publish").exit_code == 0
    document = json.loads(RESOURCES.read_text())
    schema = {"$ref": "#/components/schemas/com.github.grafana.grafana.apps.dashboard.pkg.apis.dashboard."
                      "v0alpha1.DashboardList", "components": document["components"]}
    status, answer = server.resource_list(grafana12, "default", {"limit": "5"})
    assert status == 200
    jsonschema.Draft4Validator(schema).validate(answer)
    item = answer["items"][0]
    assert {"id", "uid", "version"}.isdisjoint(item["spec"]) and "grafana.app/message" not in item["metadata"][
        "annotations"]
    assert len(answer["items"]) == 5 and " " in answer["metadata"]["continue"]  # org:1/start:…/folder:/… B


# --- the pure reader --------------------------------------------------------------------------------

def item(uid, folder="f", **spec):
    return {"metadata": {"name": uid, "generation": 3, "annotations": {"grafana.app/folder": folder}},
            "spec": {"title": uid, **spec}}


def pages(*answers):
    it = iter(answers)
    return lambda params: next(it)


def test_a_page_gives_each_dashboard_its_uid_back_and_its_folder():
    listed, token = page({"metadata": {"continue": "next"}, "items": [item("a"), item("b", folder="")]})
    assert token == "next"
    assert [(d.uid, d.spec, d.folder_uid) for d in listed] == [("a", {"title": "a"}, "f"), ("b", {"title": "b"}, "")]
    assert listed[0].holds({"title": "a", "uid": "a", "id": 7, "version": 2})  # what the server owns aside
    assert not listed[0].holds({"title": "a", "uid": "a", "tags": []})


@pytest.mark.parametrize("answer", [
    [], {"items": {}}, {"items": [item("a"), "x"]}, {"items": [{"metadata": {"generation": 1}, "spec": {}}]},
    {"items": [{"metadata": {"name": "a"}, "spec": []}]}, {"metadata": {"continue": 7}, "items": []},
    {"items": [item("a", folder=None)]},
])
def test_an_answer_not_shaped_as_a_list_is_not_trusted(answer):
    assert page(answer) is None


def test_text_no_encoding_holds_is_compared_without_raising():
    listed, _ = page({"items": [item("a", title="\ud800")]})
    assert not listed[0].holds({"title": "b"}) and listed[0].holds({"title": "\ud800", "uid": "a"})


def test_a_server_that_loops_is_not_followed_forever():
    again = {"metadata": {"continue": "t"}, "items": [item("a")]}
    assert listing(pages(again, again, again), budget=60) is None  # the same page again
    empty = [{"metadata": {"continue": f"t{i}"}, "items": []} for i in range(3)]
    assert listing(pages(*empty), budget=60) is None  # fresh tokens, nothing new


def test_a_list_past_its_time_is_given_up(monkeypatch):
    clock = iter([0.0, 5.0, 11.0])  # the start, then after each page
    monkeypatch.setattr(resources.time, "monotonic", lambda: next(clock))
    answers = [{"metadata": {"continue": f"t{i}"}, "items": [item(f"d{i}")]} for i in range(3)]
    assert listing(pages(*answers), budget=10) is None


def test_pages_are_followed_to_the_last():
    answers = [{"metadata": {"continue": "t"}, "items": [item("a")]}, {"metadata": {}, "items": [item("b")]}]
    assert sorted(listing(pages(*answers), budget=60)) == ["a", "b"]


def test_the_namespace_is_the_servers_else_grafanas_rule():
    assert namespace(None, "") == namespace(1, "") == "default"
    assert namespace(4, "") == "org-4"
    assert namespace(4, "stacks-12") == "stacks-12"
    assert namespace(1, "..") == namespace(1, "a/b") == namespace(1, "Default") == "default"  # not a namespace


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["items", "metadata", "spec", "name", "continue", "annotations",
                                         "grafana.app/folder", "generation", "title"]), inner, max_size=4),
                    max_leaves=20))
def test_any_answer_is_read_or_refused_never_raised(answer):
    one = page(answer)
    assert one is None or all(isinstance(d.uid, str) and d.uid and d.holds(d.spec) in (True, False) for d in one[0])
