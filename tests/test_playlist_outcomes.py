"""What became of a narrative playlist's write that was sent and never answered, against the spec-checked
stand-in on the oldest and newest Grafana vobs supports: `unknown`, as a dashboard's save is (text, step
summary, JSON, the error line; exit 3, never 2), and the next publish converges — it reads the live
playlist, so a create that was applied after all is found by its name, never made twice. A create is
not idempotent (Grafana assigns the uid): before it is sent again a playlist of its name is looked
for, so answers lost on every attempt still leave one playlist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from sample_project import make_project
from standin_cli import vobs

from vertice_obs.grafana.playlists import RECORD_TAG, parse_record

UNKNOWN = "outcome unknown: Grafana may have saved it; run vobs diff"
NAME = "The sample story"  # the sample narrative's title: its playlist's name
SAID = ("vobs: error: 1 playlist of unknown outcome (sent, never answered: Grafana may have saved it): sample; vobs "
        "diff shows whether those of unknown outcome were saved; run vobs publish again to finish\n")


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


def test_a_playlist_create_never_answered_is_unknown_in_every_format(root, grafana):
    """Every create times out (a proxy's 504): the playlist was `failed`, "run vobs publish again", and
    a run whose dashboards were unchanged exited 2, "nothing written", though Grafana may have made it.
    It is `unknown` — JSON (a value added within schema_version 1), the text table and tally, the step
    summary, the error line with the advice — exit 3; the next publish makes the playlist, once."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/playlists",), kinds=("timeout",), rate=1.0,
                       timeout_seconds=0.05)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    [row] = out["playlists"]
    assert (row["narrative"], row["status"], row["uid"]) == ("sample", "unknown", ""), row
    assert row["detail"] == f"playlist {NAME!r}: Grafana at {grafana.url} answered 504: timeout — {UNKNOWN}", row
    assert done.stderr == SAID

    text = vobs(root, grafana, "publish")  # the dashboards are unchanged now: only the playlist's write was tried
    assert text.exit_code == 3, text.output
    [line] = [line for line in text.stdout.splitlines() if line.startswith("playlist:")]
    assert line.split()[:2] == ["playlist:sample", "unknown"] and line.endswith(UNKNOWN), line
    assert text.stdout.splitlines()[-1] == f"2 unchanged; playlists: 1 unknown — Grafana at {grafana.url}"
    assert text.stderr == SAID

    summary = vobs(root, grafana, "publish", "--format", "markdown")
    assert summary.exit_code == 3, summary.output
    lines = summary.stdout.splitlines()
    assert "**Playlists:** 1 unknown" in lines
    assert ("**1 playlist of unknown outcome.** The write was sent and never answered: Grafana may have saved it; run "
            "`vobs diff` to see, then `vobs publish` again to finish (it reads the playlist there and makes no second "
            "one).") in lines
    assert sum(line.startswith(f"| {NAME} | <code>sample</code> | unknown | ") for line in lines) == 1, lines

    assert not grafana.playlists  # none was made: the next run makes it, once
    grafana.set_faults()
    again, out = publish_json(root, grafana)
    assert again.exit_code == 0, again.output
    assert [p["status"] for p in out["playlists"]] == ["created"] and len(named(grafana)) == 1


def test_a_playlist_create_applied_but_never_answered_is_unknown_and_the_next_publish_makes_no_second(root, grafana):
    """The last attempt's create is applied and its connection cut: the playlist is in Grafana, nothing said
    so — `unknown`, exit 3. The next publish reads it (found by its name, the narrative's content): unchanged,
    recorded as the narrative's; no second playlist."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/playlists",), script=["reset"] * 3 + ["drop-reply"])
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    assert [(p["status"], p["detail"].endswith(UNKNOWN)) for p in out["playlists"]] == [("unknown", True)], out
    assert done.stderr == SAID
    [uid] = named(grafana)  # made, though never answered
    assert posts(grafana) == 4 and recorded(grafana) == []

    grafana.set_faults()
    mark = len(grafana.requests)
    again, out = publish_json(root, grafana)
    assert again.exit_code == 0, again.output
    assert [(p["status"], p["uid"]) for p in out["playlists"]] == [("unchanged", uid)], out["playlists"]
    assert named(grafana) == [uid] and posts(grafana, mark) == 0 and recorded(grafana) == [uid]
    diff = vobs(root, grafana, "diff")
    assert diff.exit_code == 0, diff.output


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


def test_a_playlist_update_never_answered_is_unknown_and_the_next_publish_converges(root, grafana):
    """Every update of the playlist is applied and its answer lost, the dashboards unchanged: it was `failed` and
    exit 2, "nothing written", with the playlist updated. It is `unknown`, exit 3; its record, written before the
    update, holds the new content, so the next publish finds it unchanged — no drift, no write."""
    assert vobs(root, grafana, "publish").exit_code == 0
    narrative = root / "narratives" / "sample.yaml"
    narrative.write_text(narrative.read_text().replace("chapters:", "playlist:\n  interval: 2m\nchapters:", 1))
    grafana.set_faults(methods=frozenset({"PUT"}), paths=("/api/playlists/",), kinds=("drop-reply",), rate=1.0)
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    [uid] = named(grafana)
    assert [(p["status"], p["uid"], p["detail"].endswith(UNKNOWN)) for p in out["playlists"]] == [
        ("unknown", uid, True)], out["playlists"]
    assert done.stderr == SAID
    assert grafana.playlists[uid]["interval"] == "2m"  # applied, though never answered

    grafana.set_faults()
    mark = len(grafana.writes())
    again, out = publish_json(root, grafana)
    assert again.exit_code == 0, again.output
    assert [(p["status"], p["uid"]) for p in out["playlists"]] == [("unchanged", uid)], out["playlists"]
    assert grafana.writes()[mark:] == [] and named(grafana) == [uid]


NOT_RECORDED = ("1 playlist in Grafana but not recorded as this project's (its record, an annotation, failed): sample; "
                "the next vobs publish finds it by name and records it")


def without_playlists(root: Path, grafana: GrafanaStandIn) -> None:
    """The dashboards and their folders published (and the folders recorded), the playlist not: `--uid`
    selects dashboards only — so the next publish writes the playlist and its record alone."""
    done = vobs(root, grafana, "publish", "--uid", "sample-a", "--uid", "sample-b")
    assert done.exit_code == 0 and not grafana.playlists, done.output


def test_a_playlist_created_whose_record_fails_is_created_not_recorded_and_the_next_publish_records_it(root, grafana):
    """The create succeeds, the record (an annotation) is refused: the playlist WAS made, yet it was said
    `failed`, "not published" — and, the dashboards unchanged, exit 2, "nothing written". It is `created`,
    with `recorded: false` in JSON (optional, within schema_version 1), a detail and an error line saying
    it is in Grafana but not recorded and what the next run does; exit 3. The next publish finds it by its
    name (the narrative's content), `unchanged`, records it, and makes no second one."""
    without_playlists(root, grafana)
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/annotations",), script=["400"])
    done, out = publish_json(root, grafana)
    assert done.exit_code == 3, done.output
    [uid] = named(grafana)  # made
    [row] = out["playlists"]
    assert (row["status"], row["uid"], row["recorded"]) == ("created", uid, False), row
    assert row["detail"].startswith("not recorded as this project's (annotation on the organisation: ") and \
        row["detail"].endswith("400: injected server error): the next vobs publish finds it by its name and records it"), row
    assert done.stderr == f"vobs: error: {NOT_RECORDED}\n"
    assert recorded(grafana) == []

    grafana.set_faults()
    mark = len(grafana.requests)
    again, out = publish_json(root, grafana)
    assert again.exit_code == 0, again.output
    [row] = out["playlists"]
    assert (row["status"], row["uid"], "recorded" in row) == ("unchanged", uid, False), row
    assert named(grafana) == [uid] and posts(grafana, mark) == 0 and recorded(grafana) == [uid]
    assert vobs(root, grafana, "diff").exit_code == 0


def test_a_refused_record_of_a_created_playlist_stops_the_publish_and_says_the_playlist_is_there(root, grafana):
    """The token may make playlists but not annotations (a 403 on the record): the publish stops there, as
    every refused write stops it — but the playlist it made is in Grafana: the text table says `created`,
    not `not published (stopped)`, the stop's line counts its write and names it not recorded, and the exit
    is 3 (something was written), not 2."""
    without_playlists(root, grafana)
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/annotations",), script=["403"])
    done = vobs(root, grafana, "publish")
    assert done.exit_code == 3, done.output
    [uid] = named(grafana)
    [line] = [line for line in done.stdout.splitlines() if line.startswith("playlist:")]
    assert line.split()[:2] == ["playlist:sample", "created"] and "not recorded as this project's" in line, line
    assert done.stderr.startswith(f"vobs: error: Grafana at {grafana.url}: the token may not add annotations "), done.stderr
    assert done.stderr.endswith(f"publish stopped there, nothing more sent: 1 write(s) done before it, nothing else "
                                f"left to write; {NOT_RECORDED}\n"), done.stderr
    grafana.set_faults()
    again = vobs(root, grafana, "publish")
    assert again.exit_code == 0, again.output
    assert named(grafana) == [uid] and recorded(grafana) == [uid]
