"""`--since REF` (issue 13, "Changed only"): validate, diff and publish work on the dashboards a
change touched. The mapping (`select_changed`) is tested as the pure function it is; the git edge
and the commands in real git repositories (a copy of the sample project, committed, then changed),
run as a user runs vobs, against the Grafana stand-in — whose request log proves that the other
dashboards were not asked about, not merely left out of the output."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from hostile.harness import run_vobs
from sample_project import make_project

from vertice_obs.build.changes import (
    GitChanges,
    Layout,
    check_ref,
    layout_of_exports,
    layout_of_plan,
    select_changed,
)
from vertice_obs.build.plan import plan_build
from vertice_obs.errors import InputError
from vertice_obs.project import load_project

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"

LAYOUT = Layout.of(
    [("a", "dashboards/a.py", "story/a.json"), ("b", "dashboards/b.py", "story/b.json"),
     ("c", "dashboards/c.py", "other/c.json"), ("c2", "dashboards/c.py", "other/c2.json"),
     ("loose", "dashboards/loose.py", None)],
    [("narratives/story.yaml", ["a", "b"]), ("narratives/other.yaml", ["c", "c2"])],
    dashboards_dir="dashboards", narratives_dir="narratives", exports_dir="exports",
    catalog="narratives/metrics.yaml")


def pick(*paths: str, deleted: tuple[str, ...] = ()):
    return select_changed(paths, deleted, LAYOUT)


# ---- the pure mapping ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, uids", [
    ("dashboards/a.py", {"a"}),
    ("dashboards/c.py", {"c", "c2"}),  # a module building two dashboards selects both
    ("dashboards/loose.py", {"loose"}),  # in no narrative: still its dashboard
    ("exports/story/b.json", {"b"}),
    ("narratives/story.yaml", {"a", "b"}),  # the story and links live in the chapters' dashboards
    ("narratives/other.yaml", {"c", "c2"}),
])
def test_a_dashboards_own_file_selects_exactly_its_dashboards(path, uids):
    selection = pick(path)
    assert (selection.uids, selection.everything, selection.because) == (uids, False, (path,))


def test_several_changes_select_the_union_and_name_what_selected():
    selection = pick("dashboards/a.py", "exports/other/c2.json", "README.md")
    assert selection.uids == {"a", "c2"} and selection.because == ("dashboards/a.py", "exports/other/c2.json")
    assert selection.describe("origin/main", 5) == \
        "--since origin/main: 2 of 5 dashboards changed (dashboards/a.py, exports/other/c2.json)"


@pytest.mark.parametrize("path", [
    "dashboards/_common.py",  # a helper modules import
    "dashboards/lib/colors.py",
    "dashboards/thresholds.json",  # data a module reads
    "dashboards/new.py",  # a module the layout does not know yet
    "vertice_obs/panels.py",  # vobs itself, in its own repository
    "lib/helpers.py",  # a package of the project's
    "vobs.yaml", "pyproject.toml", "requirements.txt", "uv.lock",
    "narratives/metrics.yaml",  # the catalog judges every dashboard
    ".vobs-lint.yaml", "exports/.vobs-lint.yaml",
    "narratives/new.yaml",  # a narrative the layout does not know
])
def test_a_change_every_dashboard_depends_on_selects_everything_saying_why(path):
    selection = pick("dashboards/a.py", path)
    assert selection.everything and selection.uids == {"a", "b", "c", "c2", "loose"}
    assert selection.because == (path,)
    assert selection.describe("main", 5) == \
        f"--since main: all 5 dashboards, because {path} changed and every dashboard depends on it"


@pytest.mark.parametrize("path", [
    "README.md", "tests/test_x.py", "test/conftest.py", "scripts/test_thing.py", "chaos/day.yaml",
    "rules/alerts.yaml", "rules/latency.py", "exports/manifest.json", "exports/rules/alerts.yaml", ".github/workflows/vobs.yml",
])
def test_a_change_no_dashboard_depends_on_selects_nothing(path):
    selection = pick(path)
    assert not selection.uids and not selection.everything and not selection.removed
    assert selection.describe("main", 5) == \
        "--since main: no dashboard changed (1 file changed, none a dashboard's code, export or narrative)"


def test_a_deleted_dashboard_is_removed_by_its_export_and_its_module_selects_nothing():
    selection = pick("dashboards/gone.py", "exports/story/gone.json", "exports/manifest.json",
                     deleted=("dashboards/gone.py", "exports/story/gone.json"))
    assert (selection.uids, selection.removed, selection.everything) == (set(), {"gone"}, False)
    assert selection.describe("main", 5).endswith("; 1 removed (gone)")
    # a deleted helper or narrative: a helper is shared; a narrative's chapters leave by their exports
    assert pick("dashboards/_common.py", deleted=("dashboards/_common.py",)).everything
    assert not pick("narratives/old.yaml", deleted=("narratives/old.yaml",)).uids
    # an export deleted while its dashboard is still in the layout is that dashboard, not a removal
    assert pick("exports/story/a.json", deleted=("exports/story/a.json",)).uids == {"a"}


def test_paths_are_compared_as_posix_paths_relative_to_the_project():
    assert pick("./dashboards/a.py").uids == {"a"}
    assert not pick("other-project/exports/story/a.json").uids  # not this project's export


def test_many_paths_are_listed_with_a_count():
    selection = select_changed([f"exports/x/{i}.json" for i in range(5)], [],
                               Layout.of([(str(i), f"dashboards/{i}.py", f"x/{i}.json") for i in range(5)], [],
                                         "dashboards", "narratives", "exports", "narratives/metrics.yaml"))
    assert selection.describe("main", 5).endswith("(exports/x/0.json, exports/x/1.json, exports/x/2.json, … (2 more))")


def test_the_layout_of_a_build_is_the_layout_its_manifest_records(tmp_path):
    """validate maps changes through exports/manifest.json, diff and publish through the build:
    the two must agree, or the same change would select different dashboards."""
    project_dir = make_project(tmp_path)
    assert run_vobs(["build"], project_dir).returncode == 0
    project = load_project(project_dir)
    built, recorded = layout_of_plan(plan_build(project), project), layout_of_exports(project)
    assert built == recorded
    assert built.sources == {"dashboards/a.py": {"sample-a"}, "dashboards/b.py": {"sample-b"}}
    assert built.exports == {"exports/sample/sample-a.json": "sample-a", "exports/sample/sample-b.json": "sample-b"}
    assert built.narratives == {"narratives/sample.yaml": {"sample-a", "sample-b"}}


def test_this_repositorys_manifest_maps_its_modules_and_narratives():
    layout = layout_of_exports(load_project(REPO))
    assert layout.sources["dashboards/dopamine_overview.py"] == {"maximus-dopamine-overview"}
    assert layout.narratives["narratives/dopamine.yaml"] == {"maximus-dopamine-overview", "maximus-dopamine-arousal"}
    assert pick_in(layout, "vertice_obs/panels.py").everything


def pick_in(layout, *paths):
    return select_changed(paths, [], layout)


@pytest.mark.parametrize("ref", ["-rf", "--output=/tmp/x", "--end-of-options", "", "main\nHEAD", "a\x1b[2Jb",
                                 "x" * 2000])
def test_a_ref_that_could_be_an_option_or_carries_control_characters_is_refused_before_git(ref):
    with pytest.raises(InputError) as raised:
        check_ref(ref)
    assert "\n" not in str(raised.value) and "\x1b" not in str(raised.value)


# ---- the git edge and the commands, in real repositories ---------------------------------------

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false",
                           *args], cwd=root, check=True, capture_output=True, text=True).stdout


def vobs(root: Path, *args: str, grafana: GrafanaStandIn | None = None) -> subprocess.CompletedProcess:
    env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN} if grafana else {}
    return run_vobs(list(args), root, env)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture()
def repo(tmp_path) -> Path:
    """The sample project, built and committed on main, then a branch `feature` that changes a.py."""
    root = make_project(tmp_path / "project")
    assert vobs(root, "build").returncode == 0
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    git(root, "checkout", "-qb", "feature")
    edit(root / "dashboards" / "a.py", '"Event rate"', '"Events per second"')
    assert vobs(root, "build").returncode == 0
    git(root, "commit", "-qam", "rename a panel")
    return root


def test_git_lists_committed_staged_unstaged_and_untracked_changes_since_the_merge_base(repo):
    git(repo, "checkout", "-q", "main")  # main moves on after the branch: not the branch's change
    (repo / "README.md").write_text("main only\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "main moves on")
    git(repo, "checkout", "-q", "feature")
    edit(repo / "dashboards" / "b.py", '"Latency"', '"Latency now"')  # unstaged
    (repo / "dashboards" / "_common.py").write_text("X = 1\n")  # untracked
    (repo / "narratives" / "sample.yaml").unlink()  # deleted, uncommitted
    changes = GitChanges(repo).since("main")
    assert changes.paths == ("dashboards/_common.py", "dashboards/a.py", "dashboards/b.py",
                             "exports/manifest.json", "exports/sample/sample-a.json", "narratives/sample.yaml")
    assert changes.deleted == {"narratives/sample.yaml"}


def test_git_sees_only_the_project_folder_of_a_larger_repository(tmp_path):
    outer = tmp_path / "mono"
    root = make_project(outer / "obs")
    (outer / "service").mkdir()
    (outer / "service" / "app.py").write_text("x = 1\n")
    git(outer, "init", "-q", "-b", "main")
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "one")
    (outer / "service" / "app.py").write_text("x = 2\n")
    edit(root / "dashboards" / "b.py", '"Latency"', '"Latency now"')
    assert GitChanges(root).since("main").paths == ("dashboards/b.py",)  # relative to the project


def test_validate_since_reads_and_checks_only_the_changed_dashboard(repo):
    everything = vobs(repo, "validate", "--offline", "--format", "json")
    assert json.loads(everything.stdout)["dashboards"] == 2
    done = vobs(repo, "validate", "--since", "main", "--offline", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["schema"], result["dashboards"], result["queries"]) == ("vobs.validate/1", 1, 4)  # a.py's 4
    assert done.stderr == "--since main: 1 of 2 dashboards changed (dashboards/a.py, " \
                          "exports/sample/sample-a.json)\n"
    text = vobs(repo, "validate", "--since", "main", "--offline")
    assert "in 1 dashboard" in text.stdout and "sample-b" not in text.stdout


def test_validate_since_with_nothing_changed_asks_no_prometheus_and_succeeds(repo):
    """Nothing changed since HEAD: exit 0, said so — and a Prometheus that cannot answer is never
    asked (without --since the same run is exit 2, "unknown")."""
    unreachable = ("--prometheus-url", "http://127.0.0.1:9")
    assert vobs(repo, "validate", *unreachable).returncode == 2
    for fmt in ("text", "json", "sarif", "github", "junit"):
        done = vobs(repo, "validate", "--since", "HEAD", *unreachable, "--format", fmt)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith("--since HEAD: no dashboard changed (0 files changed"), done.stderr
        if fmt == "json":
            assert json.loads(done.stdout)["dashboards"] == 0
        if fmt == "sarif":
            assert json.loads(done.stdout)["runs"][0]["results"] == []
        if fmt == "junit":  # one skipped case: a result Jenkins' junit step accepts, not `tests="0"`
            assert '<testsuites name="vobs validate" tests="1" failures="0" errors="0">' in done.stdout
            assert '<skipped message="no dashboard was selected: nothing to check"' in done.stdout


def test_validate_since_includes_work_tree_changes_and_a_shared_change_selects_everything(repo):
    edit(repo / "dashboards" / "b.py", '"Latency"', '"Latency now"')  # not committed, not built
    done = vobs(repo, "validate", "--since", "main", "--offline", "--format", "json")
    assert json.loads(done.stdout)["dashboards"] == 2
    assert "2 of 2 dashboards changed (dashboards/a.py, dashboards/b.py," in done.stderr
    git(repo, "checkout", "-q", "--", "dashboards/b.py")
    (repo / "dashboards" / "_common.py").write_text("SHARED = 1\n")
    done = vobs(repo, "validate", "--since", "main", "--offline", "--format", "json")
    assert json.loads(done.stdout)["dashboards"] == 2
    assert "all 2 dashboards, because dashboards/_common.py changed" in done.stderr


def asked_about(grafana: GrafanaStandIn, uid: str) -> list[str]:
    """Requests about `uid`: reads name it in the path, a save as its dashboard's uid (a chapter's
    body names its neighbours in its links: not a request about them)."""
    def about(r) -> bool:
        saved = r.body.get("dashboard", {}).get("uid") if isinstance(r.body, dict) else None
        return uid in r.path or saved == uid
    return [f"{r.method} {r.path}" for r in grafana.requests if about(r)]


@pytest.fixture()
def grafana():
    with GrafanaStandIn() as standin:
        yield standin
        standin.assert_no_violations()


def published_from_main(repo: Path, grafana: GrafanaStandIn) -> None:
    git(repo, "checkout", "-q", "main")
    assert vobs(repo, "publish", grafana=grafana).returncode == 0
    git(repo, "checkout", "-q", "feature")
    grafana.requests.clear()


def dashboards_in(stdout: str) -> list[dict]:
    """The dashboards of diff's or publish's JSON (the playlists are under their own key)."""
    return json.loads(stdout)["dashboards"]


def test_diff_since_asks_grafana_about_the_changed_dashboard_only(repo, grafana):
    published_from_main(repo, grafana)
    done = vobs(repo, "diff", "--since", "main", "--format", "json", grafana=grafana)
    assert done.returncode == 1, done.stderr
    assert [(d["uid"], d["status"]) for d in dashboards_in(done.stdout)] == [("sample-a", "changed")]
    assert asked_about(grafana, "sample-a") and not asked_about(grafana, "sample-b")
    assert "1 of 2 dashboards changed (dashboards/a.py" in done.stderr
    # the playlist of the narrative holding it is checked too (and only that one)
    assert [d["narrative"] for d in json.loads(done.stdout)["playlists"]] == ["sample"]
    without = vobs(repo, "diff", "--format", "json", grafana=grafana)  # the same run without --since
    assert {d["uid"] for d in dashboards_in(without.stdout)} == {"sample-a", "sample-b"}


def test_publish_since_writes_and_reads_only_the_changed_dashboard(repo, grafana):
    published_from_main(repo, grafana)
    done = vobs(repo, "publish", "--since", "main", "--format", "json", grafana=grafana)
    assert done.returncode == 0, done.stderr
    assert [(r["uid"], r["status"]) for r in dashboards_in(done.stdout)] == [("sample-a", "updated")]
    assert [w.body["dashboard"]["uid"] for w in grafana.writes() if w.path == "/api/dashboards/db"] == ["sample-a"]
    assert not asked_about(grafana, "sample-b")
    dry = vobs(repo, "publish", "--since", "main", "--dry-run", "--format", "json", grafana=grafana)
    assert [d["uid"] for d in json.loads(dry.stdout)["dashboards"]] == ["sample-a"]


def test_diff_and_publish_since_with_nothing_changed_send_no_request(repo, grafana):
    published_from_main(repo, grafana)
    empty = {"dashboards": [], "playlists": [], "destination": {"kind": "grafana", "url": grafana.url}}
    for args, stdout in ((("diff", "--format", "json"), {"command": "diff", "schema_version": 1, "folders": [],
                                                         **empty}),
                         (("publish", "--format", "json"),
                          {"command": "publish", "schema_version": 1, "dry_run": False, "folders": [], "orphans": [],
                           **empty}),
                         (("publish", "--dry-run", "--format", "json"),
                          {"command": "publish", "schema_version": 1, "dry_run": True, "folders": [], "orphans": [],
                           **empty}),
                         (("diff",), "0 added, 0 changed, 0 unchanged, 0 orphaned")):
        done = vobs(repo, *args, "--since", "HEAD", grafana=grafana)
        assert done.returncode == 0, done.stderr
        if isinstance(stdout, str):
            assert done.stdout.startswith(stdout), done.stdout
        else:  # the same JSON shape, empty
            assert json.loads(done.stdout) == stdout
        assert "--since HEAD: no dashboard changed" in done.stderr
    assert grafana.requests == []


def test_diff_since_reports_the_dashboard_the_change_removed_and_no_other_orphan(repo, grafana):
    published_from_main(repo, grafana)
    grafana._store({"uid": "long-gone", "title": "Long gone", "tags": ["vertice-obs"], "panels": []}, "",
                   "vobs publish 0123abc sha256:00")  # an old vobs published it: an orphan, not an unrecorded copy
    edit(repo / "narratives" / "sample.yaml", "  - dashboard: sample-b\n    title: The end\n"
                                              "    story: Latency tells the rest.\n", "")
    (repo / "dashboards" / "b.py").unlink()
    assert vobs(repo, "build").returncode == 0
    git(repo, "commit", "-qam", "sample-b is retired")
    done = vobs(repo, "diff", "--since", "main", "--format", "json", grafana=grafana)
    assert done.returncode == 1, done.stderr
    assert {d["uid"]: d["status"] for d in dashboards_in(done.stdout)} == {"sample-a": "changed",
                                                                       "sample-b": "orphaned"}
    assert "1 removed (sample-b)" in done.stderr
    everything = vobs(repo, "diff", "--format", "json", grafana=grafana)  # without --since: every orphan
    assert {d["uid"] for d in dashboards_in(everything.stdout) if d["status"] == "orphaned"} == {"sample-b", "long-gone"}
    published = vobs(repo, "publish", "--since", "main", "--format", "json", grafana=grafana)
    assert [r["uid"] for r in dashboards_in(published.stdout)] == ["sample-a"]  # a removal is never published
    assert "sample-b" in grafana.dashboards  # nor deleted


def test_since_needs_git_history_a_shallow_clone_is_told_how_to_fetch(repo, tmp_path):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(shallow)],
                   check=True, capture_output=True)
    git(shallow, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    done = vobs(shallow, "validate", "--since", "origin/main", "--offline")
    assert done.returncode == 2
    assert done.stderr == "vobs: error: --since origin/main: no common history with HEAD (a shallow clone? " \
                          "fetch with fetch-depth: 0)\n"


def test_git_missing_is_one_line(repo, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    done = run_vobs(["diff", "--since", "main"], repo, {"PATH": str(empty)})
    assert (done.returncode, done.stderr) == (2, "vobs: error: --since needs git, and git is not on PATH\n")
    assert shutil.which("git")  # the other tests do run git


def test_validate_since_asks_nothing_when_only_the_manifest_and_a_removed_export_changed(repo):
    """A deleted export and the manifest that no longer lists it: no JSON left to read, so a
    Prometheus that cannot answer is not asked (exit 0), and the removal is said."""
    (repo / "exports" / "sample" / "sample-b.json").unlink()
    manifest = json.loads((repo / "exports" / "manifest.json").read_text())
    del manifest["dashboards"]["sample-b"]
    manifest["narratives"][0]["chapters"].remove("sample-b")
    (repo / "exports" / "manifest.json").write_text(json.dumps(manifest))
    done = vobs(repo, "validate", "--since", "HEAD", "--prometheus-url", "http://127.0.0.1:9", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dashboards"] == 0
    assert done.stderr == "--since HEAD: no dashboard changed (2 files changed, none a dashboard's code, export or " \
                          "narrative); 1 removed (sample-b)\n"


def test_validate_since_on_a_folder_of_json_outside_exports_checks_the_changed_files(tmp_path):
    root = make_project(tmp_path / "project")
    assert vobs(root, "build").returncode == 0
    shutil.copytree(root / "exports" / "sample", root / "grafana")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "one")
    edit(root / "grafana" / "sample-b.json", '"Latency"', '"Latency now"')
    done = vobs(root, "validate", "grafana", "--since", "main", "--offline", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dashboards"] == 1
    # what it says is what it checks (it said "no dashboard changed … none a dashboard's … export")
    assert done.stderr.strip() == "--since main: 1 dashboard file changed (grafana/sample-b.json)"


def test_everything_without_a_manifest_is_not_counted_as_all_0_dashboards():
    from vertice_obs.build.changes import Selection

    said = Selection(frozenset(), True, ("vobs.yaml",)).describe("main", 0)
    assert said == "--since main: every dashboard, because vobs.yaml changed and every dashboard depends on it"
    assert Selection(frozenset(), True, ("vobs.yaml",)).describe("main", 8).startswith("--since main: all 8 dashboards")
