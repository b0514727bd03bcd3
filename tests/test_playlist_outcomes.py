"""What became of a narrative playlist's write that was sent and never answered, against the spec-checked
stand-in on the oldest and newest Grafana vobs supports. A create is not idempotent (Grafana assigns the
uid): before it is sent again a playlist of its name is looked for, so answers lost on every attempt
still leave one playlist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from sample_project import make_project
from standin_cli import vobs

from vertice_obs.grafana.playlists import RECORD_TAG, parse_record

NAME = "The sample story"  # the sample narrative's title: its playlist's name


@pytest.fixture(params=["9.5.21", "12.0.2"])
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


def publish_json(root: Path, grafana: GrafanaStandIn, *args: str):
    from importlib import resources

    done = vobs(root, grafana, "publish", "--format", "json", *args)
    out = json.loads(done.stdout)
    schema = resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text()
    Draft202012Validator(json.loads(schema)).validate(out)
    return done, out


def named(grafana: GrafanaStandIn) -> list[str]:
    return [p["uid"] for p in grafana.playlists.values() if p["name"] == NAME]


def posts(grafana: GrafanaStandIn, mark: int = 0) -> int:
    return sum(r.method == "POST" and r.path == "/api/playlists" for r in grafana.requests[mark:])


def recorded(grafana: GrafanaStandIn) -> list[str]:
    """The playlist uids vobs' records name, newest first."""
    return [parse_record(a["text"])[0] for a in reversed(grafana.annotations) if RECORD_TAG in a.get("tags", [])]


def test_a_create_sent_again_after_lost_answers_makes_one_playlist(root, grafana):
    """The first create is cut before Grafana applies it, the next ones are applied and their answers lost. It
    was sent again blindly once the first look found nothing: four playlists of one name (the next run called the
    first unchanged and never showed the others). A playlist of its name is looked for before each attempt: the
    second attempt's is found — `created`, one playlist, recorded."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/playlists",), script=["reset"] + ["drop-reply"] * 3)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 0, done.output
    [uid] = named(grafana)
    assert [(p["status"], p["uid"]) for p in out["playlists"]] == [("created", uid)]
    assert posts(grafana) == 2 and recorded(grafana) == [uid]
    grafana.set_faults()
    assert vobs(root, grafana, "diff").exit_code == 0

