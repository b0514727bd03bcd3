"""Publish safety, against the spec-checked stand-in: a backup never replaces another, a dry run
exits as the real run would, a refused playlist or annotation write stops the run as a refused
dashboard write does, Ctrl-C says what was written, and the JSON says which destination it was."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from sample_project import make_project
from standin_cli import TOKEN, vobs

from vertice_obs.cli import cli


def of_playlists(write) -> bool:
    """A playlist write, or its record: not a folder's record (an annotation tagged `vobs-folder`)."""
    return write.path.startswith("/api/playlists") or write.path == "/api/annotations" and "vobs-folder" not in (
        write.body or {}).get("tags", [])


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


# --- 1. backups ---------------------------------------------------------------------------------------


def same_second(monkeypatch) -> str:
    """Every publish from now on runs in the same UTC second; its stamp."""
    import vertice_obs.grafana.publish as publish

    class OneSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    monkeypatch.setattr(publish, "datetime", OneSecond)
    return "20260102T030405Z"


def backups(root: Path) -> dict[str, dict]:
    """Each backup folder: its record, and the descriptions of the dashboards it holds."""
    return {folder.name: {"record": json.loads((folder / "backup.source.json").read_text()),
                          "held": sorted(json.loads(p.read_text())["description"] for p in folder.glob("sample-*.json"))}
            for folder in sorted((root / ".vobs" / "backups").iterdir())}


def test_two_backups_of_one_dashboard_in_the_same_second_both_survive(tmp_path):
    """Within one backup folder a name already taken (the same uid twice, or two uids one name on a
    case-insensitive disk) becomes `<uid>.1.json`, `<uid>.2.json`, …: no backup replaces another
    (README "Failure behaviour and security", Backups, names this test)."""
    from vertice_obs.files import write_new

    target = tmp_path / "backup" / "sample-a.json"
    written = [write_new(target, f"live JSON {n}\n") for n in range(3)]
    assert [path.name for path in written] == ["sample-a.json", "sample-a.1.json", "sample-a.2.json"]
    assert [path.read_text() for path in written] == [f"live JSON {n}\n" for n in range(3)]


def test_two_publishes_to_one_grafana_in_the_same_second_have_a_backup_folder_each(root, grafana, monkeypatch):
    """The backup was `<UTC second>/<uid>.json`: a second publish within the same second wrote into the
    first one's folder (first replacing its backup, later as `<uid>.1.json` beside it), and nothing
    said which Grafana they came from. Each run claims a folder of its own, named after the Grafana."""
    stamp = same_second(monkeypatch)
    assert vobs(root, grafana, "publish").exit_code == 0
    slug = grafana.url.removeprefix("http://").replace(":", "-")  # 127.0.0.1-PORT
    for text in ("first hand edit", "second hand edit"):
        grafana.edit_in_ui("sample-a", lambda m, text=text: m.update(description=text))
        forced = vobs(root, grafana, "publish", "--force")
        assert forced.exit_code == 0, forced.output
    assert f"backed up the live JSON of 1 dashboard it replaced to .vobs/backups/{stamp}-{slug}.1/" in forced.stdout
    record = {"source": grafana.url, "destination": f"Grafana at {grafana.url}", "commit": "unknown",
              "time": "2026-01-02T03:04:05Z"}
    assert backups(root) == {f"{stamp}-{slug}": {"record": record, "held": ["first hand edit"]},
                             f"{stamp}-{slug}.1": {"record": record, "held": ["second hand edit"]}}


def test_two_grafanas_in_the_same_second_back_up_apart_and_no_secret_is_recorded(root, grafana, monkeypatch):
    """Two Grafanas published to in the same second (staging, then prod) shared one backup folder, which
    did not say which Grafana each file came from. Each has its own, named and recorded by its URL as
    messages show it: no user:password (nor a ?token=, `redact_url`'s other half, held in test_urls)."""
    stamp = same_second(monkeypatch)
    with GrafanaStandIn(version="12.0.2") as other:
        urls = {grafana: grafana.url, other: other.url.replace("http://", "http://admin:admin@")}  # basic auth
        for standin, url in urls.items():
            env = {"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN} if standin is grafana else {"GRAFANA_URL": url}
            assert CliRunner().invoke(cli, ["-C", str(root), "publish"], env=env).exit_code == 0
            standin.edit_in_ui("sample-a", lambda m, url=url: m.update(description=f"edited on {standin.url}"))
        for standin, url in urls.items():
            env = {"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN} if standin is grafana else {"GRAFANA_URL": url}
            forced = CliRunner().invoke(cli, ["-C", str(root), "publish", "--force"], env=env)
            assert forced.exit_code == 0, forced.output
        other.assert_no_violations()
    found = backups(root)
    assert sorted(found) == sorted(f"{stamp}-{g.url.removeprefix('http://').replace(':', '-')}" for g in urls)
    for standin in urls:
        one = found[f"{stamp}-{standin.url.removeprefix('http://').replace(':', '-')}"]
        assert one["record"]["source"] == standin.url and one["held"] == [f"edited on {standin.url}"]
    written = "".join(p.read_text() for p in (root / ".vobs" / "backups").rglob("*.json"))
    assert "admin:admin" not in written and "admin@" not in written and TOKEN not in written


# --- 2. a dry run exits as the real run would ---------------------------------------------------------


def edit_code(root: Path) -> None:
    """Both dashboards change in code: each is an update for publish."""
    for module in (root / "dashboards").glob("*.py"):
        module.write_text(module.read_text().replace('description="Levels by instance."', 'description="By instance."')
                          .replace('description="Events per second."', 'description="Per second."'))


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_dry_run_exits_3_where_the_real_run_would_and_0_where_it_would_not(root, grafana, fmt):
    """`publish --dry-run` as a CI gate: it exited 0 when the real run would skip a drifted dashboard
    or playlist and exit 3."""
    def both() -> tuple[int, int]:
        mark = len(grafana.writes())
        dry = vobs(root, grafana, "publish", "--dry-run", "--format", fmt)
        assert grafana.writes()[mark:] == []  # still sends nothing
        return dry.exit_code, dry.stderr

    assert both() == (0, "")  # all to create: the real run publishes everything
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    assert both() == (0, "")  # updates, none drifted
    grafana.edit_in_ui("sample-a", lambda m: m.update(description="by hand"))
    playlist = next(iter(grafana.playlists))
    grafana.edit_playlist_in_ui(playlist, lambda p: p.update(interval="30s"))
    code, err = both()
    assert code == 3
    assert err == ("vobs: error: 1 dashboard(s) would not be published: sample-a (skipped-drift); 1 playlist would "
                   "not be published: sample (skipped-drift); publishing exits 3 as this dry run does; review the "
                   "drifted ones, then --force to overwrite them\n")
    real = vobs(root, grafana, "publish", "--format", fmt)
    assert real.exit_code == code, real.output
    assert "sample-a (skipped-drift)" in real.stderr and "sample (skipped-drift)" in real.stderr
    assert vobs(root, grafana, "publish", "--dry-run", "--force").exit_code == 0  # --force would publish them
    assert vobs(root, grafana, "publish", "--force").exit_code == 0


# --- 3. a refused playlist or annotation write stops the publish ----------------------------------------


def refuse(grafana: GrafanaStandIn, path: str) -> None:
    """Every POST and PUT under `path` answers 403, as to a token without that permission."""
    grafana.set_faults(methods=frozenset({"POST", "PUT"}), paths=(path,), kinds=("403",), rate=1.0)


def test_a_refused_playlist_write_stops_the_publish_as_a_refused_dashboard_write_does(project, grafana):
    """A 403 on a playlist was that playlist's failure: the next playlist was sent (and refused), the
    line said "run vobs publish again" — which cannot help."""
    refuse(grafana, "/api/playlists")
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 3, result.output  # the folders and dashboards were written
    out = json.loads(result.stdout)
    assert {d["status"] for d in out["dashboards"]} == {"created"} and len(grafana.dashboards) == 8
    first, *rest = out["playlists"]
    assert first["status"] == "failed" and "the token may not write playlists (403" in first["detail"]
    assert len(rest) == 3 and {(p["status"], p["detail"]) for p in rest} == {
        ("failed", "not sent: the publish stopped at an error no other write would escape")}
    playlist_writes = [w for w in grafana.writes() if of_playlists(w)]
    assert [(w.method, w.path, w.status) for w in playlist_writes] == [("POST", "/api/playlists", 403)]
    written = len(grafana.folders) + 8
    assert result.stderr.count("\n") == 1 and "again" not in result.stderr, result.stderr
    assert result.stderr == (f"vobs: error: Grafana at {grafana.url}: the token may not write playlists (403 "
                             "injected server error): use a token with Editor rights there; publish stopped there, "
                             f"nothing more sent: {written} write(s) done before it, 4 playlists not published\n")
    text = vobs(project, grafana, "publish")  # the text tally counts them as the dashboards' are
    assert text.exit_code == 2, text.output  # nothing written this time: the dashboards are unchanged
    assert text.stdout.splitlines()[-1].startswith("8 unchanged; playlists: 4 not published (stopped) — Grafana")
    kept = [line.split() for line in text.stdout.splitlines() if line.startswith("playlist:")]
    assert kept == [[f"playlist:{n}", "not", "published", "(stopped)"] for n in
                    ("cockpit", "dopamine", "esgt", "skill-learning")]  # each named: exit 3/2 names them (trial 16)
    grafana.set_faults()
    assert vobs(project, grafana, "publish").exit_code == 0 and len(grafana.playlists) == 4


def test_a_refused_annotation_write_stops_the_publish_before_the_playlist_it_records(project, grafana):
    """vobs records a playlist's update (an annotation) before it sends it: a 403 on the record
    stops there — that playlist not updated, no other record or playlist write sent."""
    assert vobs(project, grafana, "publish").exit_code == 0
    for narrative in ("dopamine", "esgt"):
        path = project / "narratives" / f"{narrative}.yaml"
        path.write_text(path.read_text().replace("chapters:", "playlist:\n  interval: 2m\nchapters:", 1))
    mark = len(grafana.writes())
    refuse(grafana, "/api/annotations")
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 2, result.output  # nothing was written: the dashboards are unchanged
    assert [(w.method, w.path, w.status) for w in grafana.writes()[mark:]] == [("POST", "/api/annotations", 403)]
    assert {p["interval"] for p in grafana.playlists.values()} == {"5m"}
    rows = {p["narrative"]: p for p in json.loads(result.stdout)["playlists"]}
    assert rows["dopamine"]["status"] == "failed" and "may not add annotations (403" in rows["dopamine"]["detail"]
    assert (rows["esgt"]["status"], rows["esgt"]["detail"]) == (
        "failed", "not sent: the publish stopped at an error no other write would escape")
    assert result.stderr.count("\n") == 1 and "again" not in result.stderr
    assert result.stderr.endswith("publish stopped there, nothing more sent: 0 write(s) done before it, "
                                  "2 playlists not published\n")
    grafana.set_faults()
    assert vobs(project, grafana, "publish").exit_code == 0
    assert sorted(p["interval"] for p in grafana.playlists.values()) == ["2m", "2m", "5m", "5m"]


# --- 4. Ctrl-C says what was written ------------------------------------------------------------------


def interrupt_on(monkeypatch, cls, method: str, call: int) -> None:
    """`cls.method` raises KeyboardInterrupt (Ctrl-C) at its `call`-th call, before it writes anything."""
    real, calls = getattr(cls, method), []

    def patched(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, patched)


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_ctrl_c_while_dashboards_are_written_says_how_many_and_the_next_run_finishes(project, grafana, monkeypatch,
                                                                                     concurrency):
    """It said only "vobs: interrupted". No save starts after it; one in flight finishes — the count
    said is what Grafana holds."""
    from vertice_obs.grafana.destinations import GrafanaDestination

    interrupt_on(monkeypatch, GrafanaDestination, "save", 3)
    result = vobs(project, grafana, "publish", "--concurrency", concurrency, "--format", "json")
    assert result.exit_code == 130, result.output
    assert result.stdout == ""  # no result: the one line says it
    folders, saved = len(grafana.folders), len(grafana.dashboards)
    assert result.stderr == (f"vobs: interrupted after publishing {folders} folders and {saved} of 8 dashboards; "
                             "nothing is half-written — run it again to finish\n")
    # the two before it, and those another worker had started: with one worker, at most the one it took next
    assert 2 <= saved <= (3 if concurrency == "1" else 7)
    assert not [w for w in grafana.writes() if of_playlists(w)]
    monkeypatch.undo()
    again = vobs(project, grafana, "publish", "--format", "json")
    assert again.exit_code == 0, again.output
    statuses = [d["status"] for d in json.loads(again.stdout)["dashboards"]]
    assert (statuses.count("unchanged"), statuses.count("created")) == (saved, 8 - saved)  # ours, not drift
    mark = len(grafana.writes())
    assert vobs(project, grafana, "publish").exit_code == 0 and grafana.writes()[mark:] == []


@pytest.mark.parametrize("method", ["search", "folders"])
def test_ctrl_c_while_publish_reads_grafana_says_nothing_was_written(project, grafana, monkeypatch, method):
    """It said only "vobs: interrupted", which leaves the reader wondering what was half-done."""
    from vertice_obs.grafana.destinations import GrafanaDestination

    interrupt_on(monkeypatch, GrafanaDestination, method, 1)
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 130, result.output
    assert result.stdout == ""
    assert result.stderr == ("vobs: interrupted while reading and planning, before any write: nothing was "
                             "published\n")
    assert grafana.writes() == []


def test_ctrl_c_while_playlists_are_written_counts_them_too(project, grafana, monkeypatch):
    from vertice_obs.grafana.playlists import GrafanaPlaylists

    interrupt_on(monkeypatch, GrafanaPlaylists, "create", 2)
    result = vobs(project, grafana, "publish")
    assert result.exit_code == 130, result.output
    assert result.stderr == (f"vobs: interrupted after publishing {len(grafana.folders)} folders, 8 of 8 dashboards "
                             "and 1 of 4 playlists; nothing is half-written — run it again to finish\n")
    assert len(grafana.playlists) == 1
    monkeypatch.undo()
    assert vobs(project, grafana, "publish").exit_code == 0 and len(grafana.playlists) == 4
    assert vobs(project, grafana, "diff").exit_code == 0


def test_ctrl_c_in_the_provisioning_folder_leaves_it_consistent(root, monkeypatch):
    from vertice_obs.grafana.provisioning import ProvisioningFolder

    interrupt_on(monkeypatch, ProvisioningFolder, "save", 2)
    result = vobs(root, None, "publish")
    assert result.exit_code == 130, result.output
    assert result.stderr.splitlines()[-1] == ("vobs: interrupted after publishing 2 folders and 1 of 2 dashboards; "
                                              "nothing is half-written — run it again to finish")
    monkeypatch.undo()
    again = vobs(root, None, "publish")
    assert again.exit_code == 0, again.output
    # the one saved before Ctrl-C is unchanged, the other made now: which one was second is the threads' order
    rows = dict(line.split()[:2] for line in again.stdout.splitlines()[:2])
    assert set(rows) == {"sample-a", "sample-b"} and sorted(rows.values()) == ["created", "unchanged"], again.stdout


# --- 5. which destination, in the JSON ------------------------------------------------------------------


def schema(command: str) -> dict:
    from importlib import resources

    return json.loads(resources.files("vertice_obs.schemas").joinpath("output", f"{command}.schema.json").read_text())


def test_diff_and_publish_json_say_which_destination_credentials_redacted(root, grafana):
    password = "pa55-w0rd-s3cret"
    url = grafana.url.replace("http://", f"http://admin:{password}@") + "/"
    grafana.basic = ("admin", password)
    runs = [CliRunner().invoke(cli, ["-C", str(root), *args, "--format", "json"], env={"GRAFANA_URL": url})
            for args in (("diff",), ("publish", "--dry-run"), ("publish",), ("diff",))]
    folder = [vobs(root, None, *args, "--format", "json") for args in (("diff",), ("publish", "--dry-run"),
                                                                        ("publish",))]
    for result, code in zip(runs + folder, (1, 0, 0, 0, 1, 0, 0)):
        assert result.exit_code == code, result.output
        out = json.loads(result.stdout)
        Draft202012Validator(schema(out["command"])).validate(out)
        assert password not in result.output
    assert {json.dumps(json.loads(r.stdout)["destination"]) for r in runs} == {
        json.dumps({"kind": "grafana", "url": grafana.url})}  # no user:pass@, no trailing slash
    assert {json.dumps(json.loads(r.stdout)["destination"]) for r in folder} == {
        json.dumps({"kind": "provisioning-folder", "path": "provisioning/"})}


def test_the_destination_url_goes_through_the_one_redaction(monkeypatch):
    """A secret registered anywhere (a token the proxy path carries, say) never reaches the JSON."""
    from vertice_obs.cli.grafana_report import destination_json
    from vertice_obs.guard.secrets import register

    register("s3cr3t-in-path")

    class Target:
        url = "https://grafana.example.com/t/s3cr3t-in-path"

    assert destination_json(Target()) == {"kind": "grafana", "url": "https://grafana.example.com/t/<redacted>"}


# --- 6. a write that timed out: its outcome is unknown -------------------------------------------------

UNKNOWN = "outcome unknown: Grafana may have saved it; run vobs diff"


def time_out(grafana: GrafanaStandIn, method: str, path: str, seconds: float) -> None:
    """Every `method` request under `path` is held `seconds`, then answered 504, as by a proxy that gave up."""
    grafana.set_faults(methods=frozenset({method}), paths=(path,), kinds=("timeout",), rate=1.0,
                       timeout_seconds=seconds)


def test_a_dashboard_write_that_timed_out_is_of_unknown_outcome_in_every_format(root, grafana):
    """An outside-user trial: a save that timed out — sent, never answered — was `failed`, "run it again",
    though Grafana may have applied it. It is `unknown` (a status added within schema_version 1), its
    detail, the Markdown summary and the error line say Grafana may have saved it and to run vobs diff;
    exit 3 (some may be written), never 2 ("nothing written"). A proxy's 504 and vobs' own --timeout alike."""
    time_out(grafana, "POST", "/api/dashboards/db", 0.05)
    done = vobs(root, grafana, "publish", "--format", "json")
    assert done.exit_code == 3, done.output
    out = json.loads(done.stdout)
    Draft202012Validator(schema("publish")).validate(out)
    assert [(d["uid"], d["status"]) for d in out["dashboards"]] == [("sample-a", "unknown"), ("sample-b", "unknown")]
    assert all(d["detail"].endswith(f"answered 504: timeout — {UNKNOWN}") for d in out["dashboards"]), out
    # the narrative's playlist waits: its chapters may not be in Grafana, and a playlist must not point at nothing
    assert [(p["status"], p["detail"]) for p in out["playlists"]] == [
        ("failed", "chapter dashboard sample-a is not known to be in Grafana (its save was never answered)")
    ], out["playlists"]
    assert done.stderr == ("vobs: error: 2 dashboard(s) of unknown outcome (sent, never answered: Grafana may have "
                           "saved it): sample-a, sample-b; 1 playlist not published: sample (failed); vobs diff shows "
                           "whether those of unknown outcome were "
                           "saved; run vobs publish again to finish\n")
    summary = vobs(root, grafana, "publish", "--format", "markdown")
    assert summary.exit_code == 3, summary.output
    assert summary.stdout.splitlines()[1] == "### vobs publish: 0 created, 0 updated, 0 unchanged, 0 failed, 2 unknown"
    assert ("**2 dashboards of unknown outcome.** The write was sent and never answered: Grafana may have saved it; "
            "run `vobs diff` to see, then `vobs publish` again to finish.") in summary.stdout.splitlines()
    assert "not published" not in summary.stdout
    assert sum("| unknown | " in line and UNKNOWN in line for line in summary.stdout.splitlines()) == 2
    time_out(grafana, "POST", "/api/dashboards/db", 1.3)  # longer than vobs waits
    text = vobs(root, grafana, "publish", "--timeout", "1s")
    assert text.exit_code == 3, text.output
    rows = [line.split(None, 2) for line in text.stdout.splitlines() if line.startswith("sample-")]
    assert [(uid, status) for uid, status, _ in rows] == [("sample-a", "unknown"), ("sample-b", "unknown")]
    assert all(detail.endswith(f"did not answer within 1s (--timeout) — {UNKNOWN}") for *_, detail in rows), rows
    assert text.stdout.splitlines()[-1].startswith("2 unknown; ")
    deadline = time.monotonic() + 10  # the stand-in answers the held requests (into closed sockets) first
    while any(r.status == 0 for r in list(grafana.requests)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(r.status != 0 for r in grafana.requests), "the stand-in still holds a request"
    grafana.set_faults()
    assert vobs(root, grafana, "publish").exit_code == 0


def test_a_read_that_timed_out_is_said_as_before(root, grafana):
    """Only a write's outcome can be unknown: a read that times out changes nothing in Grafana."""
    time_out(grafana, "GET", "/api/search", 0.05)
    result = vobs(root, grafana, "publish")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"vobs: error: search: Grafana at {grafana.url} answered 504: timeout\n"
    assert grafana.writes() == []


def test_a_write_refused_after_it_timed_out_is_failed_and_one_answered_on_retry_is_done(root, grafana):
    """The retry's answer is the last word: a refusal (4xx) is `failed` as before — the body would have been
    refused the first time too — and an answer that saves it is `created`; only no answer leaves it unknown."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), script=["timeout", "400", "timeout"],
                       timeout_seconds=0.05)
    out = json.loads(vobs(root, grafana, "publish", "--concurrency", "1", "--format", "json").stdout)
    assert [(d["uid"], d["status"]) for d in out["dashboards"]] == [("sample-a", "failed"), ("sample-b", "created")]
    assert "outcome unknown" not in out["dashboards"][0]["detail"]
