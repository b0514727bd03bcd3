"""A build with a module that failed, from a new-user trial of `vobs build`: a chapter naming a
dashboard no module defines was not reported while another module failed (the failed module was
taken to be its author), and the other exports were rewritten as chapter i of a count that
included the missing one; a dashboard without a title was exported for Grafana to refuse; and
`vobs.panels.dashboard` tagged every dashboard `maximus`."""

from __future__ import annotations

import json
from pathlib import Path

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
