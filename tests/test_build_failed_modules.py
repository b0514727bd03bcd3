"""A build with a module that failed, from a new-user trial of `vobs build`: a chapter naming a
dashboard no module defines was not reported while another module failed (the failed module was
taken to be its author), and the other exports were rewritten as chapter i of a count that
included the missing one; a dashboard without a title was exported for Grafana to refuse; and
`vobs.panels.dashboard` tagged every dashboard `maximus`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_project import DASHBOARD_A, DASHBOARD_B, NARRATIVE, make_project

from vertice_obs.cli import cli

GHOST = NARRATIVE + '''  - dashboard: ghost
    title: The ghost
    story: Nobody wrote this one.
'''


def build(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), "build", *args])


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "exports").rglob("*")) if p.is_file()}


def test_a_chapter_no_module_defines_is_reported_while_a_module_fails_and_nothing_is_rewritten(tmp_path):
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    before = files(tmp_path)
    (tmp_path / "narratives/sample.yaml").write_text(GHOST)
    (tmp_path / "dashboards/b.py").write_text("raise RuntimeError('boom')\n")
    result = build(tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "vobs: error: dashboards/b.py:1: RuntimeError: boom",
        "vobs: error: narratives/sample.yaml:17: chapter 'The ghost': no dashboard with uid 'ghost' (known: sample-a; "
        "not loaded: dashboards/b.py)"], result.stderr
    # an invalid narrative writes nothing, as when every module loads: sample-a is not "1/3"
    assert files(tmp_path) == before


def test_on_a_first_build_the_failed_module_that_names_a_chapter_s_uid_is_taken_as_its_author(tmp_path):
    make_project(tmp_path, narratives={"sample.yaml": GHOST},
                 dashboards={"a.py": DASHBOARD_A, "b.py": DASHBOARD_B.replace("description=", "description=nope, x=")})
    result = build(tmp_path)
    assert result.exit_code == 2 and not (tmp_path / "exports").exists(), result.output
    said = [line for line in result.stderr.splitlines() if "no dashboard with uid" in line]
    assert len(said) == 1 and "'ghost'" in said[0], result.stderr  # 'sample-b' is b.py's, in its text
    assert "vobs: error: dashboards/b.py:4: NameError: name 'nope' is not defined" in result.stderr


def test_more_missing_chapters_than_failed_modules_are_all_reported(tmp_path):
    """A module that failed before its uid says nothing of which chapter is its own: with one such
    module and two unknown uids, one at least is missing, and both are said."""
    make_project(tmp_path, narratives={"sample.yaml": GHOST}, dashboards={"a.py": DASHBOARD_A, "b.py": "1 / 0\n"})
    result = build(tmp_path)
    assert result.exit_code == 2
    said = [line for line in result.stderr.splitlines() if "no dashboard with uid" in line]
    assert ["'sample-b'" in said[0], "'ghost'" in said[1]] == [True, True] and len(said) == 2, result.stderr


def test_a_dashboard_without_a_title_is_refused_and_its_previous_export_kept(tmp_path):
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    before = files(tmp_path)
    (tmp_path / "dashboards/b.py").write_text('dashboard = {"uid": "sample-b", "title": " ", "panels": []}\n')
    result = build(tmp_path)
    assert result.exit_code == 2
    assert ("vobs: error: dashboards/b.py:1: the dashboard's title ' ' is blank: Grafana refuses it (\"Dashboard "
            "title cannot be empty\") (1 module failed to load; its previous export is kept)") in result.stderr
    assert files(tmp_path)["exports/sample/sample-b.json"] == before["exports/sample/sample-b.json"]


def test_a_house_dashboard_carries_the_tags_its_author_gave_and_the_build_s_own(tmp_path):
    make_project(tmp_path, dashboards={"a.py": DASHBOARD_A.replace('environment_metric="sample_level",',
                                                                  'environment_metric="sample_level", tags=["pay"],'),
                                       "b.py": DASHBOARD_B})
    assert build(tmp_path).exit_code == 0
    a = json.loads((tmp_path / "exports/sample/sample-a.json").read_text())
    b = json.loads((tmp_path / "exports/sample/sample-b.json").read_text())
    assert a["tags"] == ["narrative:sample", "pay", "sample", "vertice-obs"]
    assert b["tags"] == ["narrative:sample", "sample", "vertice-obs"]  # no `maximus` nobody asked for


# --- trial 20: a failed build said "rendered N dashboards" on stdout, and "its previous export is kept"
# --- of a module that never had one


def test_a_failed_build_is_said_failed_not_rendered_and_a_new_module_keeps_no_export(tmp_path):
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    (tmp_path / "dashboards/broken.py").write_text("x = 1/0\n")
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "Changed."))
    result = build(tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines() == [
        "build failed (1 module failed to load, below): rendered only the other 2 dashboards in 1 narrative → "
        "exports/ (1 written, 0 deleted, 1 unchanged)"], result.stdout
    assert result.stderr.splitlines() == ["vobs: error: dashboards/broken.py:1: ZeroDivisionError: division by zero "
                                          "(1 module failed to load; it has no previous export to keep)"]
    document = json.loads(build(tmp_path, "--format", "json").stdout)
    assert document["failed"] == [{"file": "dashboards/broken.py", "kept": []}]


def test_build_check_with_a_failed_module_says_to_fix_it_before_building(tmp_path):
    """`build --check` advised "run `vobs build` and commit exports/" where that build would fail too
    (helper-116's note on trial 20 LOW 5): the module comes first."""
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    (tmp_path / "dashboards/broken.py").write_text("x = 1/0\n")
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "Changed."))
    result = build(tmp_path, "--check")
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[-1] == ("fix the 1 module that failed to load (below), then run `vobs build` "
                                              "and commit exports/"), result.stdout


def test_a_new_module_refused_at_a_call_keeps_no_export_and_one_that_had_one_keeps_it(tmp_path):
    """`p.stat(42, …)` in a new module (its uid a chapter's, never exported) beside a module that
    had an export: each line says its own."""
    c = DASHBOARD_B.replace('"sample-b", "Sample B"', '"sample-c", "Sample C"').replace(
        'p.table("Table"', 'p.stat(42, "x", description="d", unit="none"), p.table("Table"')
    narrative = NARRATIVE + "  - dashboard: sample-c\n    title: The sequel\n    story: More.\n"
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    (tmp_path / "narratives/sample.yaml").write_text(narrative)
    (tmp_path / "dashboards/c.py").write_text(c)
    (tmp_path / "dashboards/b.py").write_text("raise RuntimeError('boom')\n")
    result = build(tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stdout.startswith("build failed (2 modules failed to load, below): rendered only the other "
                                    "1 dashboard in 1 narrative → exports/"), result.stdout
    errors = result.stderr.splitlines()
    assert errors[0] == ("vobs: error: dashboards/b.py:1: RuntimeError: boom (2 modules failed to load; its previous "
                         "export is kept)"), errors
    assert errors[1].startswith("vobs: error: dashboards/c.py:") and "stat(): title must be text" in errors[1]
    assert errors[1].endswith(" (it has no previous export to keep)"), errors
    document = json.loads(build(tmp_path, "--format", "json").stdout)
    assert document["failed"] == [{"file": "dashboards/b.py", "kept": ["exports/sample/sample-b.json"]},
                                  {"file": "dashboards/c.py", "kept": []}]


@pytest.mark.parametrize("copy,said", [
    (DASHBOARD_A, "dashboards/c.py:4: dashboard uid 'sample-a' is already defined in dashboards/a.py"),
    ('dashboard = {"uid": "sample-a", "title": " ", "panels": []}\n', "dashboards/c.py:1: the dashboard's title ' ' "
     "is blank: Grafana refuses it (\"Dashboard title cannot be empty\")")], ids=["duplicate", "refused"])
def test_a_new_module_with_another_s_uid_keeps_no_export_of_it(tmp_path, copy, said):
    """A copy (`uid 'sample-a' is already defined`) or a module refused with sample-a's uid: that export is
    a.py's, not the new module's."""
    make_project(tmp_path)
    assert build(tmp_path).exit_code == 0
    (tmp_path / "dashboards/c.py").write_text(copy)
    result = build(tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"vobs: error: {said} (1 module failed to load; it has no previous export "
                                          "to keep)"], result.stderr
