"""Every folder record is read, not only the newest 5,000. Diff and publish read vobs' folder records
(see test_folder_owners.py) in one request with `limit=5000`: on a Grafana holding more — every
folder write of every project records one — a folder whose records were all older read as one with
no record (adopted: its drift unseen, another project's taken), and an orphaned folder went unsaid.
Now they are read page by page (`/api/annotations` with `to`, ms, and `from`, which Grafana needs
beside it), a record on a page boundary kept once (by id), at most `MOST_RECORDS` (then one error).
Against the stand-in seeded with more than 5,000 records, on 9.5 (flat folders) and 12.0 (nested)."""

from __future__ import annotations

import json

import pytest
from grafana_standin import GrafanaStandIn
from standin_cli import vobs
from test_folder_orphans import orphaned, refolder

from vertice_obs.grafana import folder_owners
from vertice_obs.grafana.answers import DestinationError
from vertice_obs.grafana.destinations import GrafanaDestination
from vertice_obs.grafana.folder_owners import RECORD_TAG, FolderRecords, record_text

TOKEN = "glsa_standin_token"


@pytest.fixture(params=["9.5.21", "12.0.2"])
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


def seed(grafana: GrafanaStandIn, count: int, tie: int = 7) -> None:
    """`count` records of another project's folders, newer than any there, `tie` to a millisecond:
    the 5,000th newest shares its millisecond with the records after it (a page boundary inside)."""
    start = max(a["time"] for a in grafana.annotations) + 1_000
    for i in range(count):
        when = start + (count - i) // tie
        uid = f"vobs-other-{i}"
        grafana.annotations.append({"id": grafana._id(), "dashboardUID": "", "panelId": 0, "time": when,
                                    "timeEnd": when, "text": record_text("abc123", uid, "0" * 64),
                                    "tags": [RECORD_TAG, f"{RECORD_TAG}-{uid}", "vertice-obs:other"], "created": when})


def folder_reads(grafana: GrafanaStandIn, since: int) -> list[dict]:
    return [r.query for r in grafana.requests[since:] if r.path == "/api/annotations" and r.method == "GET"
            and r.query.get("tags") == [RECORD_TAG]]


def test_records_older_than_the_newest_5000_still_say_whose_a_folder_is(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    refolder(project)  # its old folder: an orphan only its (old) record tells
    drifted = "vobs-maximus-esgt"
    grafana.edit_folder_in_ui(drifted, title="ESGT by hand")  # drift: only its (old) record tells
    seed(grafana, 5_100)
    mark = len(grafana.requests)

    diff = vobs(project, grafana, "diff", "--format", "json")
    assert diff.exit_code == 1, diff.output
    out = json.loads(diff.stdout)
    row = next(f for f in out["folders"] if f["uid"] == drifted)
    assert (row["status"], row["drifted"]) == ("changed", True)  # not adopted as a folder of no record
    assert [f["uid"] for f in orphaned(out)] == ["vobs-maximus-dopamine"]
    pages = folder_reads(grafana, mark)
    assert len(pages) == 2 and "to" not in pages[0] and pages[1]["from"] == ["1"]
    assert int(pages[1]["to"][0]) == sorted(a["time"] for a in grafana.annotations)[-5_000]  # the first page's oldest

    refused = vobs(project, grafana, "publish")
    assert refused.exit_code == 2 and "was renamed or moved in Grafana since vobs last wrote it" in refused.stderr


def test_a_record_on_a_page_boundary_is_kept_once_and_every_record_is_read():
    with GrafanaStandIn(version="12.0.2") as grafana:
        grafana.annotations.append({"id": grafana._id(), "dashboardUID": "", "panelId": 0, "time": 1_000,
                                    "timeEnd": 1_000, "text": record_text("c", "vobs-first", "1" * 64),
                                    "tags": [RECORD_TAG], "created": 1_000})
        seed(grafana, 5_003)  # page 2 asks `to` = a millisecond page 1 ends inside: its records come twice
        destination = GrafanaDestination(grafana.url, TOKEN)
        read = FolderRecords(destination).read()
        assert sum(len(v) for v in read.values()) == 5_004 and "vobs-first" in read
        assert len(folder_reads(grafana, 0)) == 2
        # the stand-in filters by time as Grafana does: `to` alone is ignored
        alone = destination.request("x", "GET", "/annotations", list, params={"tags": RECORD_TAG, "to": 1})
        assert len(alone) == 100
        grafana.assert_no_violations()


def test_more_records_than_vobs_reads_is_one_error(project, monkeypatch):
    with GrafanaStandIn(version="12.0.2") as grafana:
        assert vobs(project, grafana, "publish").exit_code == 0
        seed(grafana, 40, tie=1)
        monkeypatch.setattr(folder_owners, "RECORD_PAGE", 10)
        monkeypatch.setattr(folder_owners, "MOST_RECORDS", 25)
        writes = len(grafana.writes())
        for command in ("diff", "publish"):
            failed = vobs(project, grafana, command)
            assert failed.exit_code == 2, failed.output
            assert failed.stderr.count("\n") == 1 and failed.stderr.startswith(
                f"vobs: error: Grafana at {grafana.url} holds more than 25 folder records (organisation annotations "
                "tagged vobs-folder): vobs reads at most that many")
        assert len(grafana.writes()) == writes
        monkeypatch.setattr(folder_owners, "MOST_RECORDS", 100)  # a few pages, every record read
        assert vobs(project, grafana, "diff").exit_code == 0
        grafana.assert_no_violations()


def test_a_server_that_ignores_to_is_one_error_not_an_endless_walk(monkeypatch):
    class Ignores:
        description = "Grafana at https://g.example"

        def request(self, what, method, path, shape, params):
            return [{"id": i, "time": 100 + i, "text": "x", "tags": [RECORD_TAG]} for i in range(3)]

    monkeypatch.setattr(folder_owners, "RECORD_PAGE", 3)
    with pytest.raises(DestinationError, match="answered folder records newer than the `to` asked for"):
        FolderRecords(Ignores()).read()
