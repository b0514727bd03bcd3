"""A narrative's second playlist (two publishes at once) is said by `vobs publish` itself (trial 22
L6): a warning line in every format naming it and how to delete it, `duplicate_playlists` in JSON
(schema-checked), exit 3 — the dry run too. Made deterministically: after a publish, a second
playlist of the narrative is created and recorded as vobs' as the racing publish would have.
Against the spec-checked stand-in, on the oldest and newest Grafana vobs supports."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from standin_cli import TOKEN, vobs

from vertice_obs.grafana.destinations import GrafanaDestination
from vertice_obs.grafana.playlists import GrafanaPlaylists, content_of, digest


@pytest.fixture(params=["9.5.21", "12.0.2"])
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


def second_playlist(grafana: GrafanaStandIn, narrative_name: str, narrative: str) -> tuple[str, str]:
    """As the other of two publishes at once: a second playlist of the narrative, recorded as vobs'
    (newer than the first one's record). (the first uid, the second uid)."""
    first = next(uid for uid, p in grafana.playlists.items() if p["name"] == narrative_name)
    store = GrafanaPlaylists(GrafanaDestination(grafana.url, TOKEN))
    content = content_of(store.get(first))
    second = store.create(content)
    store.record(narrative, second, digest(content), "0123456789ab")
    return first, second


def schema_checked(stdout: str) -> dict:
    out = json.loads(stdout)
    schema = resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text()
    Draft202012Validator(json.loads(schema)).validate(out)
    return out


def test_publish_says_a_second_playlist_in_every_format_and_exits_3(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    names = {p["name"] for p in grafana.playlists.values()}
    name = sorted(names)[0]
    narrative = next(r["narrative"] for r in json.loads(vobs(project, grafana, "publish", "--format", "json").stdout)
                     ["playlists"] if r["title"] == name)
    first, second = second_playlist(grafana, name, narrative)
    mark = len(grafana.writes())

    text = vobs(project, grafana, "publish")
    assert text.exit_code == 3, text.output
    warning = [line for line in text.stderr.splitlines() if "second playlist" in line]
    assert len(warning) == 1 and warning[0].startswith("vobs: warning: 1 second playlist of a narrative"), text.stderr
    assert f"playlist:{narrative} {name!r} uid {first} (vobs keeps {second})" in warning[0]
    assert "delete each extra one in Grafana" in warning[0] and "DELETE /api/playlists/<uid>" in warning[0]

    as_json = vobs(project, grafana, "publish", "--format", "json")
    assert as_json.exit_code == 3 and "second playlist" in as_json.stderr
    out = schema_checked(as_json.stdout)
    assert out["duplicate_playlists"] == [{"narrative": narrative, "uid": first, "title": name, "kept": second}]

    md = vobs(project, grafana, "publish", "--format", "markdown")
    assert md.exit_code == 3 and "second playlist" in md.stderr
    assert "**1 second playlist of a narrative in Grafana" in md.stdout and "&lt;uid>" in md.stdout

    dry = vobs(project, grafana, "publish", "--dry-run")  # exits as the real run would
    assert dry.exit_code == 3 and "second playlist" in dry.stderr, dry.output
    assert grafana.writes()[mark:] == []  # all unchanged: nothing written, nothing deleted

    del grafana.playlists[first]  # deleted in Grafana as advised: nothing left to say
    done = vobs(project, grafana, "publish", "--format", "json")
    assert done.exit_code == 0 and "second playlist" not in done.stderr, done.output
    assert "duplicate_playlists" not in schema_checked(done.stdout)


def test_one_playlist_per_narrative_costs_one_more_read_and_says_nothing(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    mark = len(grafana.requests)
    again = vobs(project, grafana, "publish")
    assert again.exit_code == 0 and "second playlist" not in again.stderr, again.output
    gets = [r.path for r in grafana.requests[mark:] if r.path.startswith("/api/playlists/")]
    assert len(gets) == len(set(grafana.playlists)), gets  # no GET beyond the plan's, one per playlist
