"""`vobs build`: deterministic exports, `--check`, failures that keep previous exports, golden files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

from vertice_obs.build.plan import plan_build
from vertice_obs.build.render import layout, to_json_text
from vertice_obs.cli import cli
from vertice_obs.project import load_project

GOLDEN = Path(__file__).parent / "golden" / "sample"


def build(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), "build", *args])


def exported(root: Path) -> dict[str, str]:
    base = root / "exports"
    return {p.relative_to(base).as_posix(): p.read_text() for p in sorted(base.rglob("*")) if p.is_file()}


def test_sample_project_matches_golden_files(tmp_path):
    """Pins the renderer's exact output: ids, positions, story panels, links, tags, manifest."""
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    files = exported(tmp_path)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text)
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_text() for p in sorted(GOLDEN.rglob("*")) if p.is_file()}
    assert files == golden, "renderer output changed: review, then refresh with UPDATE_GOLDEN=1"


def test_rendered_dashboard_tells_its_chapter(tmp_path):
    make_project(tmp_path)
    build(tmp_path)
    a = json.loads((tmp_path / "exports/sample/sample-a.json").read_text())
    b = json.loads((tmp_path / "exports/sample/sample-b.json").read_text())
    story = a["panels"][0]
    assert story["type"] == "text" and story["gridPos"] == {"h": 6, "w": 24, "x": 0, "y": 0}
    assert "Notice the **event rate**." in story["options"]["content"]
    assert story["title"] == "The sample story · 1/2: The beginning"
    assert [link["url"] for link in a["links"]] == ["/d/sample-b"]  # first chapter: only "next"
    assert [link["url"] for link in b["links"]] == ["/d/sample-a", "/d/sample-a"]  # previous + back to start
    assert b["links"][1]["title"] == "⏮ The sample story"
    assert a["tags"] == ["narrative:sample", "sample", "vertice-obs"]
    assert [p["id"] for p in a["panels"]] == [1, 2, 3, 4]
    assert a["panels"][3]["panels"][0]["id"] == 5  # inside the collapsed row
    assert "version" not in a and "id" not in a
    manifest = json.loads((tmp_path / "exports/manifest.json").read_text())
    assert manifest["dashboards"]["sample-a"]["folder"] == "Samples/Story"
    assert manifest["narratives"][0]["chapters"] == ["sample-a", "sample-b"]


def test_check_passes_after_build_and_fails_when_code_changes(tmp_path):
    make_project(tmp_path)
    assert build(tmp_path, "--check").exit_code == 1  # nothing built yet
    assert build(tmp_path).exit_code == 0
    result = build(tmp_path, "--check")
    assert result.exit_code == 0 and "up to date" in result.output
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("Events per second.", "Events/s."))
    before = exported(tmp_path)
    result = build(tmp_path, "--check")
    assert result.exit_code == 1
    assert "changed  exports/sample/sample-a.json" in result.output
    assert "changed  exports/manifest.json" in result.output
    assert "sample-b.json" not in result.output
    assert exported(tmp_path) == before, "--check must write nothing"


def test_check_json_lists_changes(tmp_path):
    make_project(tmp_path)
    build(tmp_path)
    (tmp_path / "exports/sample/sample-b.json").unlink()
    result = build(tmp_path, "--check", "--format", "json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 1
    assert payload["changes"] == [{"kind": "missing", "path": "exports/sample/sample-b.json"}]


def test_removed_chapter_deletes_its_export(tmp_path):
    make_project(tmp_path)
    build(tmp_path)
    narrative = (tmp_path / "narratives/sample.yaml").read_text()
    (tmp_path / "narratives/sample.yaml").write_text(narrative.split("  - dashboard: sample-b")[0])
    result = build(tmp_path, "--check")
    assert "extra    exports/sample/sample-b.json" in result.output
    result = build(tmp_path)
    assert result.exit_code == 0
    assert not (tmp_path / "exports/sample/sample-b.json").exists()
    assert "dashboard is in no narrative" in result.stderr  # b.py still exists, unplaced


def test_failed_module_keeps_its_previous_export(tmp_path):
    make_project(tmp_path)
    build(tmp_path)
    previous = (tmp_path / "exports/sample/sample-b.json").read_text()
    manifest = (tmp_path / "exports/manifest.json").read_text()
    (tmp_path / "dashboards/b.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "Changed."))
    result = build(tmp_path)
    assert result.exit_code == 2
    assert "vobs: error: dashboards/b.py:1: RuntimeError: boom (1 module failed" in result.stderr
    assert "Changed." in (tmp_path / "exports/sample/sample-a.json").read_text()
    assert (tmp_path / "exports/sample/sample-b.json").read_text() == previous
    # The manifest's story is kept; only its record of what vobs wrote learns the new sample-a.
    before, after = json.loads(manifest), json.loads((tmp_path / "exports/manifest.json").read_text())
    assert {k: v for k, v in after.items() if k != "files"} == {k: v for k, v in before.items() if k != "files"}
    assert after["files"]["sample/sample-a.json"] != before["files"]["sample/sample-a.json"]
    assert after["files"]["sample/sample-b.json"] == before["files"]["sample/sample-b.json"]
    # --check cannot know what the failed module would render: it fails without calling exports/ up to date
    checked = build(tmp_path, "--check")
    assert checked.exit_code == 2 and "up to date" not in checked.output, checked.output


def test_writes_leave_no_temporary_files(tmp_path):
    make_project(tmp_path)
    build(tmp_path)
    # the build wrote what it should (an empty exports/ would have no leftovers either) …
    written = sorted(str(p.relative_to(tmp_path / "exports")) for p in (tmp_path / "exports").rglob("*") if p.is_file())
    assert written == ["manifest.json", "sample/sample-a.json", "sample/sample-b.json"]
    # … and nothing else: no `.name.tmp…` beside them
    leftovers = [p.name for p in (tmp_path / "exports").rglob(".*")]
    assert leftovers == []


def test_render_reload_render_is_byte_identical(tmp_path):
    make_project(tmp_path)
    plan = plan_build(load_project(tmp_path))
    for rendered in plan.rendered:
        reloaded = json.loads(rendered.text)
        assert to_json_text(reloaded) == rendered.text
    again = plan_build(load_project(tmp_path))
    assert again.files == plan.files


def test_build_is_identical_across_processes_and_hash_seeds(tmp_path):
    outputs = []
    for seed in ("1", "12345"):
        root = make_project(tmp_path / seed)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "vertice_obs", "-C", str(root), "build"], check=True, env=env,
                       capture_output=True)
        outputs.append(exported(root))
    assert outputs[0] == outputs[1]


def test_print_in_a_module_never_reaches_stdout(tmp_path):
    make_project(tmp_path, dashboards={"a.py": "print('noise')\n" + DASHBOARD_A, "b.py": DASHBOARD_B})
    result = build(tmp_path, "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)  # stdout is pure JSON
    assert [f["check"] for f in payload["findings"] if f["check"] == "module/stdout"] == ["module/stdout"]


@pytest.mark.parametrize("sizes,expected", [
    ([(12, 8), (12, 8), (12, 8)], [(0, 0), (12, 0), (0, 8)]),
    ([(6, 4), (6, 4), (6, 4), (6, 4), (6, 4)], [(0, 0), (6, 0), (12, 0), (18, 0), (0, 4)]),
    ([(24, 3), (8, 5), (16, 2), (12, 1)], [(0, 0), (0, 3), (8, 3), (0, 8)]),
])
def test_layout_flows_in_declared_order(sizes, expected):
    panels = [{"type": "stat", "gridPos": {"w": w, "h": h}} for w, h in sizes]
    placed = layout(panels)
    assert [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in placed] == expected
    assert [p["id"] for p in placed] == list(range(1, len(sizes) + 1))


def test_layout_rows_start_new_lines_and_own_their_panels():
    panels = [{"type": "stat", "gridPos": {"w": 6, "h": 4}},
              {"type": "row", "collapsed": False, "panels": [{"type": "stat", "gridPos": {"w": 6, "h": 4}}]},
              {"type": "row", "collapsed": True, "panels": [{"type": "stat", "gridPos": {"w": 24, "h": 8}}]},
              {"type": "stat", "gridPos": {"w": 6, "h": 4}}]
    placed = layout(panels)
    assert [(p["type"], p["gridPos"]["y"]) for p in placed] == [("stat", 0), ("row", 4), ("stat", 5), ("row", 9),
                                                                ("stat", 10)]
    assert placed[3]["panels"][0]["gridPos"] == {"h": 8, "w": 24, "x": 0, "y": 10}
    assert [p["id"] for p in placed] == [1, 2, 3, 4, 6] and placed[3]["panels"][0]["id"] == 5


def test_render_does_not_mutate_its_input(tmp_path):
    make_project(tmp_path)
    project = load_project(tmp_path)
    plan = plan_build(project)
    models = [json.dumps(m.model, sort_keys=True) for m in plan.modules]
    from vertice_obs.build.render import memberships_by_uid, render_dashboard
    memberships = memberships_by_uid(plan.narratives)
    for module in plan.modules:
        render_dashboard(module.model, memberships[module.uid], module.file)
    assert [json.dumps(m.model, sort_keys=True) for m in plan.modules] == models


def test_the_files_of_a_plan_are_rendered_and_hashed_once(tmp_path, monkeypatch):
    """A build hashes each file once, for the manifest and the writer alike (issue 12 measured
    `vobs build` rehashing every file), and `plan.files` is computed once."""
    import vertice_obs.build.plan as plan_module

    make_project(tmp_path)
    hashed = []
    real = plan_module.content_hash
    monkeypatch.setattr(plan_module, "content_hash", lambda text: hashed.append(text) or real(text))
    plan = plan_build(load_project(tmp_path))
    first, second = plan.files, plan.files
    assert first is second and "manifest.json" in first
    assert sorted(hashed) == sorted(t for p, t in first.items() if p != "manifest.json")


def test_what_a_failing_module_printed_is_reported_with_its_failure(tmp_path):
    """README: anything a module prints is reported — also when the module then raises, where the
    print is often the clue (a debug line before the error)."""
    make_project(tmp_path, dashboards={"a.py": "print('hello')\nraise RuntimeError('boom')\n", "b.py": DASHBOARD_B})
    result = build(tmp_path, "--format", "json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)  # stdout is still pure JSON
    by_check = {f["check"]: f for f in payload["findings"] if f["location"]["file"] == "dashboards/a.py"}
    assert sorted(by_check) == ["module/load", "module/stdout"], by_check
    assert "'hello'" in by_check["module/stdout"]["message"] and by_check["module/stdout"]["location"]["line"] == 2
    assert "RuntimeError: boom" in by_check["module/load"]["message"]
    text = build(tmp_path)
    assert "module printed to stdout while loading: 'hello'" in text.stderr and "hello" not in text.stdout


def test_a_narrative_export_folder_symlinked_out_is_never_written_through(tmp_path):
    """exports/sample → a folder outside: the build writes nothing there and says so (the folder's
    safe join is made once per run and folder, so every file of it must still be refused)."""
    make_project(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "exports").mkdir(exist_ok=True)
    os.symlink(outside, tmp_path / "exports" / "sample")
    result = build(tmp_path)
    assert list(outside.iterdir()) == []
    assert result.exit_code == 2, result.output
    for name in ("sample-a", "sample-b"):  # each file said, not only the first of the folder
        assert f"exports/sample/{name}.json: warning: a symlink on its path leads out of the exports folder" \
            in result.output, result.output


def test_a_folder_turned_into_a_symlink_between_two_passes_is_refused(tmp_path):
    """The safe join of a narrative folder is remembered for one pass only: a folder swapped for a
    symlink out of exports/ after a survey is refused when the files are written."""
    from vertice_obs.build.exports import ExportsDir

    exports, outside = tmp_path / "exports", tmp_path / "outside"
    (exports / "sample").mkdir(parents=True)
    outside.mkdir()
    folder = ExportsDir(exports)
    assert [c.path for c in folder.survey({"sample/a.json": "{}\n"}).changes] == ["sample/a.json"]
    (exports / "sample").rmdir()
    os.symlink(outside, exports / "sample")
    survey = folder.apply({"sample/a.json": "{}\n"})
    assert list(outside.iterdir()) == []
    assert "sample/a.json" in [item.path for item in survey.left]


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path):
    """A build killed with SIGKILL leaves its staging folder in exports/ (found by a hostile-input
    probe): the next build neither lists its files as left alone nor keeps it; a live build's
    staging folder is never touched, and `--check` writes (and removes) nothing."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    exports = root / "exports"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = {exports / f".vobs-build-{gone.pid}-k1ll3d": "1", exports / ".vobs-build-y5ffdwuu": "7"}  # old: no pid
    live = exports / f".vobs-build-{os.getpid()}-running"
    for folder in [*stale, live]:
        folder.mkdir()
        (folder / "1").write_text('{"uid": "staged"}')
    check = CliRunner().invoke(cli, ["-C", str(root), "build", "--check"])
    assert check.exit_code == 0 and ".vobs-build" not in check.output, check.output
    assert all(folder.is_dir() for folder in [*stale, live])
    again = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert again.exit_code == 0 and ".vobs-build" not in again.output, again.output
    assert not any(folder.exists() for folder in stale) and (live / "1").is_file()
