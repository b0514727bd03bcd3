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
