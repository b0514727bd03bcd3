"""What became of a write that was sent and never answered, against the spec-checked stand-in: a
connection cut once the request went out (a reset, the write maybe applied) is `unknown` as a timeout
is, a connection never made (refused) is plainly `failed`; and a folder whose create went unanswered
is of unknown outcome too — the dashboards into it are not sent, and each says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from prometheus_harness import free_port
from sample_project import make_project
from standin_cli import TOKEN, vobs

UNKNOWN = "outcome unknown: Grafana may have saved it; run vobs diff"


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


def schema() -> dict:
    from importlib import resources

    return json.loads(resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text())


def publish_json(root: Path, grafana: GrafanaStandIn, *args: str):
    done = vobs(root, grafana, "publish", "--format", "json", *args)
    out = json.loads(done.stdout)
    Draft202012Validator(schema()).validate(out)
    return done, out


# --- a connection cut after the request went out ---------------------------------------------------------


def test_a_save_whose_connection_is_cut_after_it_was_applied_is_unknown_not_failed(root, grafana):
    """Grafana applies each save, then the connection is reset before its answer (every attempt). The
    saves were `failed` ("run vobs publish again") with both dashboards in Grafana. A connection cut once
    made may have carried the write: `unknown`, exit 3, and the next publish finds them saved (unchanged:
    they carry vobs' record)."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), kinds=("drop-reply",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    assert [(d["uid"], d["status"]) for d in out["dashboards"]] == [("sample-a", "unknown"), ("sample-b", "unknown")]
    assert all(d["detail"].endswith(UNKNOWN) and "the connection was cut before an answer" in d["detail"]
               for d in out["dashboards"]), out["dashboards"]
    assert done.stderr.startswith("vobs: error: 2 dashboard(s) of unknown outcome (sent, never answered: Grafana may "
                                  "have saved it): sample-a, sample-b; "), done.stderr
    assert set(grafana.dashboards) == {"sample-a", "sample-b"}  # applied, though never answered
    grafana.set_faults()
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0, again.output
    assert [line.split()[:2] for line in again.stdout.splitlines() if line.startswith("sample-")] == [
        ["sample-a", "unchanged"], ["sample-b", "unchanged"]]


def test_a_save_whose_answer_is_cut_mid_body_is_unknown_not_failed(root, grafana):
    """Trial 22 H1: Grafana applies each save and its answer's headers arrive, then the connection is
    cut halfway through the body (ChunkedEncodingError / IncompleteRead). The saves were `failed`,
    exit 2 ("nothing written"), with both dashboards in Grafana. The request went out and an answer
    began: `unknown`, exit 3, in words a person reads — not a bare exception name."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), kinds=("cut-body",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    assert [(d["uid"], d["status"]) for d in out["dashboards"]] == [("sample-a", "unknown"), ("sample-b", "unknown")]
    assert all(d["detail"].endswith(UNKNOWN) and "answer was cut off or garbled mid-way" in d["detail"]
               for d in out["dashboards"]), out["dashboards"]
    assert set(grafana.dashboards) == {"sample-a", "sample-b"}  # applied, though the answer never arrived whole
    grafana.set_faults()
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0, again.output


def test_a_redirect_is_not_followed_and_says_where_it_pointed(root, grafana):
    """Trial 22 M1: a 307 from the configured Grafana made vobs re-send the whole dashboard to the
    other host (307 keeps the method and body), its token dropped on the way, and the 401 there was
    said as this Grafana refusing GRAFANA_TOKEN. No redirect is followed; the one line names where it
    pointed, without the query string a token may ride in."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), kinds=("redirect",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output  # the folder and its record were written before: a partial publish
    assert [d["status"] for d in out["dashboards"]] == ["failed", "failed"]
    assert "; publish stopped there, nothing more sent" in done.stderr  # the same answer for every write
    assert "answered with a redirect to http://127.0.0.1:9/api/dashboards/db, which vobs does not follow" in done.stderr
    assert "if Grafana is at http://127.0.0.1:9, give that URL" in done.stderr
    assert "secret-in-location" not in done.output and "GRAFANA_TOKEN" not in done.stderr
    assert [r for r in grafana.requests if r.method == "POST"] and grafana.dashboards == {}
    assert "unknown" not in done.stderr  # a redirect is an answer: nothing was applied


def test_a_read_whose_connection_is_cut_is_said_as_before(root, grafana):
    """Only a write's outcome can be unknown: a read cut short changed nothing."""
    grafana.set_faults(methods=frozenset({"GET"}), paths=("/api/search",), kinds=("reset",), rate=1.0)
    result = vobs(root, grafana, "publish")
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"vobs: error: Grafana at {grafana.url} is unreachable: the connection was cut before an "
                             "answer (Remote end closed connection without response)\n")
    assert "outcome unknown" not in result.output and grafana.writes() == []


@pytest.mark.parametrize("write", ["save", "create_folder"])
def test_a_write_whose_connection_could_not_be_made_is_failed_not_unknown(write):
    """Refused before anything was sent (nothing listens on the port): nothing can have been applied."""
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.folders import Folder
    from vertice_obs.grafana.publish import DestinationError

    port = free_port()
    target = GrafanaDestination(f"http://127.0.0.1:{port}", TOKEN, timeout=5, max_attempts=2, backoff=0.01)
    with pytest.raises(DestinationError) as raised:
        if write == "save":
            target.save({"uid": "d", "title": "D"}, "", "message", None)
        else:
            target.create_folder(Folder("f", "F"))
    assert str(raised.value) == f"Grafana at http://127.0.0.1:{port} is unreachable: connection refused at 127.0.0.1:{port}"
    assert not raised.value.unknown and not raised.value.unanswered


# --- a folder whose create went unanswered --------------------------------------------------------------

NOT_SENT = "not sent: the write of folder 'Samples', which it goes in, was never answered: it may exist or not: "


def test_a_folder_create_never_answered_is_unknown_and_its_dashboards_are_not_sent(root, grafana):
    """A folder's create that went unanswered (here: applied, then the connection cut, every attempt) was a
    plain failure — its dashboards `failed` "its folder could not be created", exit 2 "nothing written" —
    with the folder in Grafana. It is of unknown outcome, as a dashboard's save is: named apart (JSON
    `unknown_folders`), its folder under it and its dashboards not sent, each saying why; exit 3."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/folders",), kinds=("drop-reply",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    assert [f["title"] for f in grafana.folders.values()] == ["Samples"]  # made, though never answered
    assert out["folders"] == [] and [(f["title"], f["parent_uid"]) for f in out["unknown_folders"]] == [
        ("Samples", None)]
    uid = out["unknown_folders"][0]["uid"]
    assert [(d["uid"], d["status"]) for d in out["dashboards"]] == [("sample-a", "failed"), ("sample-b", "failed")]
    assert all(d["detail"].startswith(f"{NOT_SENT}Grafana at {grafana.url} is unreachable: the "
                                      "connection was cut before an answer") and "may have saved" not in d["detail"]
               for d in out["dashboards"]), out["dashboards"]  # never sent: never "Grafana may have saved it" (L5)
    assert done.stderr.startswith(f"vobs: error: 1 folder of unknown outcome (sent, never answered: Grafana may have "
                                  f"made it): {uid}; 2 dashboard(s) not published: sample-a (failed), sample-b "
                                  "(failed); "), done.stderr
    assert "vobs diff shows whether those of unknown outcome were saved" in done.stderr
    assert not grafana.dashboards and not any(r.path == "/api/dashboards/db" for r in grafana.requests)
    grafana.set_faults()
    again = vobs(root, grafana, "publish")  # the folder there is fine: the next run finishes
    assert again.exit_code == 0, again.output


def test_a_folder_create_that_timed_out_is_unknown_in_text_and_markdown(root, grafana):
    """The same for a create that timed out (a proxy's 504), in the text table and the step summary."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/folders",), kinds=("timeout",), rate=1.0,
                       timeout_seconds=0.05)
    text = vobs(root, grafana, "publish")
    assert text.exit_code == 3, text.output
    uid = next(r.body["uid"] for r in grafana.requests if r.path == "/api/folders" and r.method == "POST")
    assert text.stdout.splitlines()[0] == (f"folder 'Samples' (uid {uid}): outcome unknown (sent, never answered: "
                                           "Grafana may have made it); its dashboards were not sent")
    rows = [line.split(None, 2) for line in text.stdout.splitlines() if line.startswith("sample-")]
    assert [(u, status) for u, status, _ in rows] == [("sample-a", "failed"), ("sample-b", "failed")]
    assert all(detail.startswith(NOT_SENT) and detail.endswith("answered 504: timeout") and UNKNOWN not in detail
               for *_, detail in rows), rows
    assert text.stderr.startswith(f"vobs: error: 1 folder of unknown outcome (sent, never answered: Grafana may have "
                                  f"made it): {uid}; "), text.stderr
    summary = vobs(root, grafana, "publish", "--format", "markdown")
    assert summary.exit_code == 3, summary.output
    assert (f"**1 folder of unknown outcome:** Samples <code>{uid}</code>. The write was sent and never answered: "
            "Grafana may have made it. The dashboards into it were not sent; run `vobs diff` to see, then `vobs "
            "publish` again to finish.") in summary.stdout.splitlines()
    assert sum("| failed | " in line and NOT_SENT.rstrip(": ") in line for line in summary.stdout.splitlines()) == 2


def test_a_folder_create_refused_stays_a_plain_failure(root, grafana):
    """An answer that refuses the create (a 400) is the last word: nothing was made, nothing is unknown."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/folders",), kinds=("400",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 2, done.output
    assert "unknown_folders" not in out
    assert all(d["status"] == "failed" and d["detail"].startswith("its folder could not be created: ")
               for d in out["dashboards"]), out["dashboards"]


def test_a_request_that_failed_before_going_out_is_failed_not_unknown():
    """Review 131 L1: only a failure after an answer began (it went out) may have been applied; an
    invalid URL or header fails before anything is sent — never "Grafana may have saved it", never retried."""
    import niquests

    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.failures import explain

    grafana = GrafanaDestination("http://127.0.0.1:9", token=TOKEN)
    before = explain("dashboard x", niquests.exceptions.InvalidHeader("bad header"), grafana)
    assert not before.unanswered and not before.retryable
    answered = niquests.Response()
    after = explain("dashboard x", niquests.exceptions.StreamConsumedError(response=answered), grafana)
    assert after.unanswered and after.retryable
    cut = explain("dashboard x", niquests.exceptions.ChunkedEncodingError("cut"), grafana)
    assert cut.unanswered and "answer was cut off or garbled mid-way" in str(cut)
