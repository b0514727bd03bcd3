"""diff, publish and pull against the stand-in Grafana, through grafana-client as against a real one —
over the whole version matrix vobs supports (9.5 and 10.4 with flat folders, 11 and 12 nested)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import requests
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS
from prometheus_harness import free_port

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"
OVERVIEW = "maximus-dopamine-overview"
ALL_UIDS = {"maximus-dopamine-overview", "maximus-dopamine-arousal", "maximus-esgt-ignition",
            "maximus-esgt-coherence", "maximus-skill-learning-overview", "maximus-skill-latency",
            "maximus-cockpit-streaming", "maximus-cockpit-safety"}


@pytest.fixture(params=VERSIONS)
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


def vobs(project, grafana, *args, token=TOKEN):
    env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": token}
    return CliRunner().invoke(cli, ["-C", str(project), *args], env=env)


def spike_panel(model):
    return next(p for p in model["panels"] if p.get("title") == "Dopamine spike rate")


def test_push_fetch_diff_is_unchanged_then_one_query_edit_is_exactly_that(project, grafana):
    first = vobs(project, grafana, "publish", "--format", "json")
    assert first.exit_code == 0, first.output
    assert {r["uid"]: r["status"] for r in json.loads(first.stdout)["dashboards"]} == \
        {u: "created" for u in ALL_UIDS}  # the narratives' playlists are under "playlists" (test_playlists.py)
    folders = {f["uid"]: f for f in grafana.folders.values()}
    if grafana.nested:
        assert folders["vobs-maximus-dopamine"]["parentUid"] == "vobs-maximus"  # nested, parent created first
    else:  # flat: one root folder per narrative path, same uid
        assert (folders["vobs-maximus-dopamine"]["title"], folders["vobs-maximus-dopamine"]["parentUid"]) == \
            ("MAXIMUS / Dopamine", "")
        assert "vobs-maximus" not in folders
    assert grafana.dashboards[OVERVIEW]["folderUid"] == "vobs-maximus-dopamine"
    message = grafana.dashboards[OVERVIEW]["versions"][-1]["message"]
    assert message.startswith("vobs publish ") and " sha256:" in message

    same = vobs(project, grafana, "diff", "--format", "json")
    assert same.exit_code == 0
    assert {d["status"] for d in json.loads(same.stdout)["dashboards"]} == {"unchanged"}

    module = project / "dashboards" / "dopamine_overview.py"
    module.write_text(module.read_text().replace('"{{instance}}")],\n                     unit="ops"',
                                                 '"per instance")],\n                     unit="ops"'))
    changed = vobs(project, grafana, "diff", "--format", "json")
    assert changed.exit_code == 1
    diffs = {d["uid"]: d for d in json.loads(changed.stdout)["dashboards"]}
    assert diffs[OVERVIEW]["status"] == "changed"
    assert diffs[OVERVIEW]["changes"] == [
        "panel 'Dopamine spike rate': target A: ['legendFormat'] `{{instance}}` → `per instance`"]
    assert {d["status"] for u, d in diffs.items() if u != OVERVIEW} == {"unchanged"}


def test_a_changed_query_reads_as_old_to_new(project, grafana):
    vobs(project, grafana, "publish")
    grafana.edit_in_ui(OVERVIEW, lambda m: spike_panel(m)["targets"][0].update(expr="sum(rate(old_metric[5m]))"))
    result = vobs(project, grafana, "diff", "--uid", OVERVIEW)
    assert result.exit_code == 1
    assert ("panel 'Dopamine spike rate': target A expr `sum(rate(old_metric[5m]))` → "
            "`sum by (instance) (rate(maximus_dopamine_spike_events_total{environment=~\"$environment\"}"
            "[$__rate_interval]))`") in result.output


def test_added_tags_read_by_name_in_every_format(project, grafana):
    """Tags are sorted, so one added before an existing tag shifted it: the diff said `['tags'][0]
    added` and `['tags'][1] added` — no name, and an index of a tag that was already there."""
    assert vobs(project, grafana, "publish").exit_code == 0
    module = project / "dashboards" / "dopamine_overview.py"
    module.write_text(module.read_text().replace('"dopamine"]', '"dopamine", "database", "postgres"]'))
    said = "dashboard: ['tags'] added 'database', 'postgres'"
    text = vobs(project, grafana, "diff", "--uid", OVERVIEW)
    assert text.exit_code == 1, text.output
    assert [line.strip() for line in text.stdout.splitlines()[1:-1]] == [said]
    rows = json.loads(vobs(project, grafana, "diff", "--uid", OVERVIEW, "--format", "json").stdout)["dashboards"]
    assert [r["changes"] for r in rows] == [[said]]
    from vertice_obs.guard.markdown import md

    assert f"- {md(said, 500)}\n" in vobs(project, grafana, "diff", "--uid", OVERVIEW, "--format", "markdown").stdout


def test_unchanged_publish_sends_zero_writes(project, grafana):
    vobs(project, grafana, "publish")
    writes_before = len(grafana.writes())
    again = vobs(project, grafana, "publish")
    assert again.exit_code == 0 and f"{len(ALL_UIDS)} unchanged" in again.output
    assert len(grafana.writes()) == writes_before


def test_dry_run_sends_no_write(project, grafana):
    result = vobs(project, grafana, "publish", "--dry-run")
    assert result.exit_code == 0
    folders = 5 if grafana.nested else 4  # MAXIMUS and its 4 children, or 4 flat folders
    playlists = 4 * 2  # each narrative's playlist and vobs' record of it (test_playlists.py)
    assert (f"dry run: {2 * folders + 8 + playlists} write(s) planned (a folder or a playlist is two: it, and "
            "vobs' record of it, an annotation), none sent") in result.output  # (test_folder_owners.py)
    assert grafana.requests and grafana.writes() == []


def test_ui_edit_is_not_overwritten_without_force_and_is_backed_up(project, grafana):
    first = vobs(project, grafana, "publish").stdout.splitlines()  # the folders it made, as the dry run says them
    if grafana.nested:
        assert {"created folder 'MAXIMUS' (uid vobs-maximus)",
                "created folder 'Dopamine' (uid vobs-maximus-dopamine, in vobs-maximus)"} <= set(first)
    else:
        assert "created folder 'MAXIMUS / Dopamine' (uid vobs-maximus-dopamine)" in first
    assert sum(line.startswith("created folder ") for line in first) == len(grafana.folders)
    grafana.edit_in_ui(OVERVIEW, lambda m: m.update(description="curated by hand"))
    module = project / "dashboards" / "dopamine_overview.py"
    module.write_text(module.read_text().replace("Tonic dopamine level and phasic spikes",
                                                 "Tonic level and phasic spikes"))
    refused = vobs(project, grafana, "publish")
    assert refused.exit_code == 3
    row = next(line for line in refused.stdout.splitlines() if line.startswith(OVERVIEW))
    assert row.split(None, 2)[1:] == ["skipped-drift", "edited in Grafana since vobs last published it (version 2): "
                                      f"vobs pull --uid {OVERVIEW} to review, --force to overwrite"]
    assert grafana.dashboards[OVERVIEW]["model"]["description"] == "curated by hand"

    pulled = vobs(project, grafana, "pull", "--uid", OVERVIEW, "-o", str(project / "review"))
    assert pulled.exit_code == 0, pulled.output
    review = json.loads((project / "review" / f"{OVERVIEW}.json").read_text())
    assert review["description"] == "curated by hand" and "version" not in review and "id" not in review

    forced = vobs(project, grafana, "publish", "--force")
    assert forced.exit_code == 0, forced.output
    assert grafana.dashboards[OVERVIEW]["model"]["description"].startswith("Tonic level")
    backups = list((project / ".vobs" / "backups").rglob(f"{OVERVIEW}.json"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text())["description"] == "curated by hand"
    # where the replaced live JSON went, said; and kept out of `git add -A`
    stamp = backups[0].parent.name
    assert forced.stdout.splitlines()[-2] == (
        f"backed up the live JSON of 1 dashboard it replaced to .vobs/backups/{stamp}/")
    assert (project / ".vobs" / ".gitignore").read_text().splitlines()[-1] == "*"
    grafana.edit_in_ui(OVERVIEW, lambda m: m.update(description="curated again"))
    summary = vobs(project, grafana, "publish", "--force", "--format", "markdown").stdout
    said = re.search(r"\nThe live JSON of the 1 dashboard it replaced is backed up in <code>\.vobs/backups/([^/<]+)/"
                     r"</code> on the machine that ran it\.\n", summary)
    assert said and said.group(1) != stamp  # a folder of its own, even in the same second as the publish before it
    assert "curated again" in {json.loads(p.read_text())["description"]
                               for p in (project / ".vobs" / "backups" / said.group(1)).glob(f"{OVERVIEW}*.json")}
    saved = (project / ".vobs" / "backups").rglob(f"{OVERVIEW}*.json")
    assert sorted(json.loads(p.read_text())["description"] for p in saved) == ["curated again", "curated by hand"]


@pytest.mark.parametrize("rate", [0.2, 0.8])
def test_faults_then_rerun_finishes_and_loses_nothing(project, grafana, rate):
    grafana.set_faults(methods=frozenset({"POST"}), rate=rate, kinds=("500", "503", "429", "reset"), seed=11,
                       retry_after=0)
    first = vobs(project, grafana, "publish", "--format", "json")
    answer = json.loads(first.stdout)
    statuses = {r["uid"]: r["status"] for r in answer["dashboards"]}
    not_published = {u for u, s in statuses.items() if s == "failed"}
    unsure = {u for u, s in statuses.items() if s == "unknown"}  # a save whose connection was reset: sent, unanswered
    written = bool(grafana.folders or grafana.dashboards or grafana.playlists)  # nothing written: every write failed
    # a folder whose create was sent and never answered (reset) may have been made: exit 3, as for a dashboard
    maybe = bool(unsure or answer.get("unknown_folders"))
    assert first.exit_code == (0 if not not_published | unsure else 3 if written or maybe else 2), first.output
    if rate > 0.5:
        assert not_published | unsure, "at 80 % injected faults some dashboards must fail, and be named"
        assert all(u in first.stderr for u in not_published | unsure)
    # exactly the ones reported failed are missing; those of unknown outcome may be there or not
    assert ALL_UIDS - not_published - unsure <= set(grafana.dashboards) <= ALL_UIDS - not_published
    grafana.set_faults()
    second = vobs(project, grafana, "publish", "--format", "json")
    assert second.exit_code == 0
    assert set(grafana.dashboards) == ALL_UIDS
    assert {r["status"] for r in json.loads(second.stdout)["dashboards"]} <= {"created", "unchanged"}
    assert vobs(project, grafana, "diff").exit_code == 0


def test_retries_429_and_5xx(project, grafana):
    grafana.set_faults(methods=frozenset({"POST"}), script=["429", "503", "reset"], retry_after=1)
    result = vobs(project, grafana, "publish", "--uid", OVERVIEW, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    statuses = [r.status for r in grafana.requests if r.method == "POST"]
    assert statuses[:3] == [429, 503, -1] and 200 in statuses[3:]


def test_orphaned_dashboard_is_reported(project, grafana):
    vobs(project, grafana, "publish")
    narrative = project / "narratives" / "skill-learning.yaml"
    narrative.write_text(narrative.read_text().split("  - dashboard: maximus-skill-latency")[0])
    (project / "dashboards" / "skill_learning_latency.py").unlink()
    result = vobs(project, grafana, "diff")
    assert result.exit_code == 1
    assert "! maximus-skill-latency" in result.output
    assert "in Grafana with the managed tag, but no longer in code" in result.output


@pytest.mark.parametrize("token,message", [
    ("glsa_wrong", "refused the credentials (401 Invalid API key): check GRAFANA_TOKEN"),
    ("", ") and none were given: set GRAFANA_TOKEN or --grafana-token"),  # empty: unset, as click reads it
])
def test_bad_token_is_one_line_and_never_printed(project, grafana, token, message):
    result = vobs(project, grafana, "publish", token=token)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert (not token or token not in result.output) and "Traceback" not in result.output


def test_a_refused_token_given_by_flag_is_said_by_that_flag(project, grafana):
    """Trial 16: a 401 for `--grafana-token` said "check GRAFANA_TOKEN", a variable the user never set."""
    result = vobs(project, grafana, "diff", "--grafana-token", "glsa_wrong_from_flag", token="")
    assert result.exit_code == 2
    assert result.stderr.endswith("refused the credentials (401 Invalid API key): check --grafana-token\n"), \
        result.stderr
    assert "glsa_wrong_from_flag" not in result.output


def publish_schema():
    from importlib import resources

    return json.loads(resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text())


def test_a_read_only_token_stops_at_its_first_write(project, grafana):
    """A Viewer token: the first write (a folder) answers 403, and nothing more is sent — one line,
    exit 2 (nothing was written), no advice to run again, and JSON that is still the schema's."""
    result = vobs(project, grafana, "publish", "--format", "json", token="glsa_viewer_token")
    assert result.exit_code == 2, result.output
    assert len(grafana.writes()) == 1 and grafana.writes()[0].path == "/api/folders"
    assert result.stderr.count("\n") == 1
    assert "the token may not create folders (403 You'll need additional permissions" in result.stderr
    assert "Editor" in result.stderr and "0 write(s) done before it, 8 dashboards and" in result.stderr
    assert "again" not in result.stderr and "glsa_viewer_token" not in result.output
    out = json.loads(result.stdout)
    jsonschema.validate(out, publish_schema())
    assert out["folders"] == []  # none was created
    assert {d["status"] for d in out["dashboards"]} == {"failed"}
    assert {d["status"] for d in out["playlists"]} == {"failed"}  # not sent either


def test_a_folder_the_token_cannot_write_stops_there_and_says_what_was_done(project, grafana):
    """Grafana's `Access denied to save dashboard` (a folder the token may only view): the writes
    before it stay and are reported, exit 3, no further save is sent."""
    done = vobs(project, grafana, "publish")
    assert done.exit_code == 0, done.output
    for module in (project / "dashboards").glob("*.py"):  # every dashboard changes: eight saves planned
        module.write_text(module.read_text().replace('unit="ops"', 'unit="short"'))
    grafana.read_only_folders.add("vobs-maximus-esgt")
    before = len(grafana.writes())
    result = vobs(project, grafana, "publish", "--concurrency", "1")
    saves = [r for r in grafana.writes()[before:] if r.path == "/api/dashboards/db"]
    assert saves[-1].status == 403 and all(r.status == 200 for r in saves[:-1])  # nothing after the 403
    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1 and "again" not in result.stderr
    assert ("the token may not write dashboards in folder vobs-maximus-esgt (403 Access denied to save dashboard)"
            in result.stderr)
    planned = len(saves) - 1 + int(result.stderr.split("done before it, ")[1].split(" ")[0])
    assert 1 < len(saves) < planned  # some were written before the 403, some were never sent
    assert f"{len(saves) - 1} write(s) done before it" in result.stderr
    rows = [line.split()[:2] for line in result.stdout.splitlines()[:-1]]
    assert sum(status == "updated" for _uid, status in rows) == len(saves) - 1  # what was written is listed
    assert f", {len(saves) - 1} updated" in result.stdout.splitlines()[-1]
    kept = int(result.stderr.split("before it, ")[1].split(" dashboards")[0])
    # and each one it kept back, named (exit 3: "some were not published, each named"; trial 16)
    assert sum("not published (stopped)" in line for line in result.stdout.splitlines()[:-1]) == kept >= 1


@pytest.mark.parametrize("kind", ["refused", "no such name", "cut"])
def test_unreachable_grafana_is_one_line_with_its_cause(project, kind):
    """An outside-user trial: "Grafana at … is unreachable" said no more — a port nothing listens on, a
    host name that does not resolve and a proxy that hangs up were one message. The cause is said in the
    same line (redacted: the token, the URL's query string never shown)."""
    port = free_port()
    with GrafanaStandIn(version="11.4.0") as standin:
        url = {"refused": f"http://127.0.0.1:{port}", "no such name": "http://grafana.no-such-host.invalid:3000",
               "cut": standin.url}[kind]
        standin.set_faults(script=["reset"] * 8)  # every attempt of the first request after /api/health
        query = "" if kind == "cut" else "/?auth_token=secret-in-query"  # the stand-in refuses a query it does not know
        result = CliRunner().invoke(cli, ["-C", str(project), "diff"], env={"GRAFANA_URL": url + query,
                                                                            "GRAFANA_TOKEN": TOKEN})
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    cause = {"refused": f"connection refused at 127.0.0.1:{port}",
             "no such name": "the host of grafana.no-such-host.invalid:3000 does not resolve (no such name?)",
             "cut": "the connection was cut before an answer (Remote end closed connection without response)"}[kind]
    assert result.stderr.strip().endswith(f"Grafana at {url} is unreachable: {cause}"), result.stderr
    assert TOKEN not in result.output and "secret-in-query" not in result.output


def test_pull_by_tag_with_inventory(project, grafana):
    vobs(project, grafana, "publish")
    result = vobs(project, grafana, "pull", "--tag", "narrative:esgt", "-o", str(project / "pulled"))
    assert result.exit_code == 0
    inventory = json.loads((project / "pulled" / "inventory.json").read_text())
    assert {d["uid"] for d in inventory["dashboards"]} == {"maximus-esgt-ignition", "maximus-esgt-coherence"}
    ignition = next(d for d in inventory["dashboards"] if d["uid"] == "maximus-esgt-ignition")
    panel = next(p for p in ignition["panels"] if p["panel"] == "Failures by reason")
    assert panel["queries"][0]["metrics"] == ["maximus_esgt_failure_total"]
    # The pulled folder is any folder of dashboard JSON: validate reads it.
    assert vobs(project, grafana, "validate", str(project / "pulled")).exit_code == 0


def test_a_hand_edited_provisioning_file_is_drift_refused_without_force(project):
    """The provisioning folder is a destination like a Grafana: a file someone edited by hand since
    vobs wrote it is kept (and said) unless --force, then overwritten."""
    runner = CliRunner()
    env = {"GRAFANA_URL": "", "GRAFANA_TOKEN": ""}
    assert runner.invoke(cli, ["-C", str(project), "publish"], env=env).exit_code == 0
    target = project / "provisioning" / "MAXIMUS" / "Dopamine" / f"{OVERVIEW}.json"
    edited = json.loads(target.read_text())
    edited["title"] = "Edited by hand on the server"
    target.write_text(json.dumps(edited))
    module = project / "dashboards" / "dopamine_overview.py"  # and the code changes too
    module.write_text(module.read_text().replace('"Dopamine spike rate"', '"Spike rate per instance"'))

    kept = runner.invoke(cli, ["-C", str(project), "publish", "--format", "json"], env=env)
    assert kept.exit_code == 3, kept.output  # a partial publish: not everything was applied
    status = {r["uid"]: r for r in json.loads(kept.stdout)["dashboards"]}[OVERVIEW]
    assert status["status"] == "skipped-drift" and "--force" in status["detail"], status
    assert json.loads(target.read_text())["title"] == "Edited by hand on the server"  # not overwritten

    forced = runner.invoke(cli, ["-C", str(project), "publish", "--force", "--format", "json"], env=env)
    assert forced.exit_code == 0, forced.output
    assert {r["uid"]: r["status"] for r in json.loads(forced.stdout)["dashboards"]}[OVERVIEW] == "updated"
    written = json.loads(target.read_text())
    assert written["title"] != "Edited by hand on the server"
    assert any(p.get("title") == "Spike rate per instance" for p in written["panels"])


def test_provisioning_folder_is_the_default_target(project):
    runner = CliRunner()
    first = runner.invoke(cli, ["-C", str(project), "publish"], env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert first.exit_code == 0, first.output
    assert (project / "provisioning" / "MAXIMUS" / "Dopamine" / f"{OVERVIEW}.json").is_file()
    again = runner.invoke(cli, ["-C", str(project), "diff"], env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert again.exit_code == 0
    narrative = project / "narratives" / "dopamine.yaml"  # a move reads as a path, not the folder's uid
    narrative.write_text(narrative.read_text().replace("folder: MAXIMUS/Dopamine", "folder: MAXIMUS/Reward"))
    moved = runner.invoke(cli, ["-C", str(project), "diff", "--uid", OVERVIEW], env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert "      moved from folder 'MAXIMUS/Dopamine' to its narrative's folder 'MAXIMUS/Reward'" in \
        moved.stdout.splitlines(), moved.output


def test_a_dashboard_no_grafana_stores_fails_alone_and_is_named(project, grafana, tmp_path):
    """A module that writes an integer no JSON encoder for Grafana takes (10**300: a panel's height is
    now refused at its module, by the build's shape check; `maxDataPoints` is not bounded there) —
    that dashboard fails, named, before its request — every other is published, and the exit is 3,
    not an internal error (found by a hostile-input probe)."""
    source = tmp_path / "big.json"
    source.write_text('{"uid": "big-h", "title": "Big", "panels": [{"id": 1, "type": "stat", "title": "s", '
                      '"gridPos": {"h": 7, "w": 6, "x": 0, "y": 0}, "targets": [{"expr": "up"}]}]}')
    assert vobs(project, grafana, "import", str(source), "--narrative", "dopamine").exit_code == 0
    module = project / "dashboards" / "big_h.py"
    assert "height=7" in module.read_text()
    written = module.read_text()
    module.write_text(written.replace("height=7", "height=10 ** 300"))
    refused = vobs(project, grafana, "build")
    assert refused.exit_code == 2 and "gridPos.h is 1000000000" in refused.stderr, refused.output
    module.write_text('dashboard = {"uid": "big-h", "title": "Big", "panels": [{"id": 1, "type": "stat", "title": "s", '
                      '"gridPos": {"h": 7, "w": 6, "x": 0, "y": 0}, "maxDataPoints": 10 ** 300, '
                      '"targets": [{"expr": "up", "refId": "A"}]}]}\n')
    assert vobs(project, grafana, "build").exit_code == 0
    result = vobs(project, grafana, "publish", "--format", "json")
    assert result.exit_code == 3, result.output
    rows = {r["uid"]: r for r in json.loads(result.stdout)["dashboards"]}
    assert rows["big-h"]["status"] == "failed"
    assert rows["big-h"]["detail"].startswith("dashboard big-h cannot be sent to Grafana: integer exceeds 64-bit "
                                              "range (a number no Grafana stores")
    assert {r["status"] for u, r in rows.items() if u != "big-h"} == {"created"}
    assert "big-h" not in grafana.dashboards and ALL_UIDS <= set(grafana.dashboards)


@pytest.mark.parametrize("command", ["diff", "publish"])
def test_a_query_that_does_not_parse_stops_diff_and_publish_at_its_call_in_the_module(tmp_path, command):
    """Nothing is sent while a query does not parse; the one error line points at the `p.stat` call that
    made the query (the module's line and column), not at the module alone, and says `error` once."""
    from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

    broken = DASHBOARD_A.replace("""'sample_level{environment=~"$environment"}'""", "'sum(rate(sample_level[5m])'")
    assert broken != DASHBOARD_A
    make_project(tmp_path, dashboards={"a.py": broken, "b.py": DASHBOARD_B})
    line = next(i for i, text in enumerate(broken.lstrip().splitlines(), 1) if "sum(rate(sample_level[5m])" in text)
    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        result = vobs(tmp_path, standin, command)
        assert standin.writes() == []
    assert result.exit_code == 2, result.output
    [error] = [x for x in result.stderr.splitlines() if x.startswith("vobs: error:")]
    assert error.startswith(f"vobs: error: dashboards/a.py:{line}:9 → dashboard sample-a → panel 'Level'"), error
    assert "query does not parse: unclosed left parenthesis" in error and error.count("error:") == 1
    assert error.endswith("— nothing is sent to Grafana while a query does not parse")


def test_every_query_that_does_not_parse_is_named_in_one_run(tmp_path):
    """Publish named only the first; each fix then found the next, one run at a time."""
    from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

    a = DASHBOARD_A.replace("""'sample_level{environment=~"$environment"}'""", "'sum(rate(sample_level[5m])'")
    b = DASHBOARD_B.replace("'sum by (le) (rate(sample_seconds_bucket[$__rate_interval]))'", "'sum by (le) (x'")
    assert a != DASHBOARD_A and b != DASHBOARD_B
    make_project(tmp_path, dashboards={"a.py": a, "b.py": b})
    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        result = vobs(tmp_path, standin, "publish")
        assert standin.writes() == []
    assert result.exit_code == 2, result.output
    assert "dashboards/a.py:" in result.stderr and "dashboards/b.py:" in result.stderr, result.stderr
    assert result.stderr.count("[promql/parse]") == 2


def test_pull_says_what_it_wrote_when_grafana_fails_part_way_and_names_dashboards_gone_meanwhile(project, monkeypatch):
    """A 500 on the second dashboard's read exited 2 — "nothing written" — with the first already written
    and no inventory; a dashboard the search listed but the read no longer found was dropped without a word
    (and `--uid` of it said nothing was wrong). A hostile-input probe found both."""
    from vertice_obs.grafana.destinations import GrafanaDestination

    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        assert vobs(project, standin, "publish").exit_code == 0
        out = project / "pulled"
        standin.set_faults(methods=frozenset({"GET"}), paths=("/api/dashboards/uid/",),
                           script=["", "500", "500", "500", "500", "500", "500"])
        partial = vobs(project, standin, "pull", "--all", "-o", str(out))
        assert partial.exit_code == 3, partial.output
        [first] = [p.name for p in out.glob("*.json") if p.name != "inventory.json"]
        assert [d["uid"] + ".json" for d in json.loads((out / "inventory.json").read_text())["dashboards"]] == [first]
        assert "pulled 1 into" in partial.stderr and "run vobs pull again for the rest" in partial.stderr

        standin.set_faults()
        search = GrafanaDestination.search
        monkeypatch.setattr(GrafanaDestination, "search", lambda self, **kw: [
            *search(self, **kw), {"uid": "gone-meanwhile", "title": "Gone", "type": "dash-db"}])
        listed = vobs(project, standin, "pull", "--all", "-o", str(project / "all"))
        assert listed.exit_code == 0, listed.output
        assert ("vobs: warning: 1 dashboard listed by the search but gone when read (deleted meanwhile, or not "
                "readable with this token): gone-meanwhile") in listed.stderr
        asked = vobs(project, standin, "pull", "--uid", "gone-meanwhile", "-o", str(project / "one"))
        assert asked.exit_code == 2 and "not found in" in asked.stderr and "gone-meanwhile" in asked.stderr


def test_a_dashboard_whose_uid_is_inventory_is_not_overwritten_by_the_inventory(project):
    """`inventory` is a valid uid: its file was written, then overwritten by inventory.json, and pull
    counted it as pulled and exited 0 (a hostile-input probe). It is named and not written, exit 3."""
    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        assert vobs(project, standin, "publish").exit_code == 0
        model = json.loads(json.dumps(standin.dashboards[OVERVIEW]["model"]))
        model.update(uid="inventory", title="A dashboard called inventory", id=None, version=None)
        model = {k: v for k, v in model.items() if v is not None}
        assert requests.post(f"{standin.url}/api/dashboards/db", json={"dashboard": model, "overwrite": True},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).ok
        out = project / "pulled"
        done = vobs(project, standin, "pull", "--all", "-o", str(out))
    assert done.exit_code == 3, done.output
    assert "dashboard uid inventory is not written: its file would be" in done.stderr
    inventory = json.loads((out / "inventory.json").read_text())
    assert "inventory" not in [d["uid"] for d in inventory["dashboards"]] and len(inventory["dashboards"]) == 8
