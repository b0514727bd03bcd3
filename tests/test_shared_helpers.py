"""Dashboard (and rule) modules share code through a private helper beside them:
`from _common import ENV` finds `dashboards/_common.py` while the modules load. The folder is on
`sys.path` only then, after every other entry, and the helpers are forgotten after each module: no
project, run or neighbouring module sees another's copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sample_project import make_project

from vertice_obs.build.modules import import_attribute
from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent

USES_HELPER = '''
from vertice_obs import panels as p
from _common import ENV, title

dashboard = p.dashboard(
    "sample-{name}", "Sample {name}", description="Uses the helper.", environment_metric=ENV,
    panels=[p.stat(title("{name}"), "sample_level", description="Level.", unit="percentunit")],
)
'''

COMMON = '''
ENV = "{metric}"
CALLS = []


def title(name):
    CALLS.append(name)  # state a module could leave behind for its neighbours
    return f"{{name}} after {{len(CALLS)}} call(s)"
'''


def _project(root: Path, metric: str = "sample_level", extra: dict[str, str] | None = None) -> Path:
    dashboards = {"a.py": USES_HELPER.format(name="a"), "b.py": USES_HELPER.format(name="b"),
                  "_common.py": COMMON.format(metric=metric), **(extra or {})}
    return make_project(root, dashboards=dashboards)


def _exported(root: Path, uid: str) -> dict:
    return json.loads((root / "exports" / "sample" / f"{uid}.json").read_text(encoding="utf-8"))


def _build(root: Path):
    return CliRunner().invoke(cli, ["-C", str(root), "build"])


def test_vobs_build_renders_dashboards_that_import_a_helper_from_their_folder(tmp_path):
    root = _project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "vertice_obs", "-C", str(root), "build"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "rendered 2 dashboards" in result.stdout
    variable = next(v for v in _exported(root, "sample-a")["templating"]["list"] if v["name"] == "environment")
    assert "sample_level" in json.dumps(variable)


def test_each_module_imports_the_helper_afresh_so_a_partial_build_renders_the_same(tmp_path):
    """A helper's state is never carried from one module to the next: `--since` builds a subset."""
    root = _project(tmp_path)
    assert _build(root).exit_code == 0
    titles = [panel["title"] for uid in ("sample-a", "sample-b") for panel in _exported(root, uid)["panels"]
              if panel["type"] == "stat"]
    assert titles == ["a after 1 call(s)", "b after 1 call(s)"]


def test_nothing_leaks_between_projects_or_runs(tmp_path):
    path_before = list(sys.path)
    first, second = _project(tmp_path / "one", "first_metric"), _project(tmp_path / "two", "second_metric")
    for root, metric in ((first, "first_metric"), (second, "second_metric"), (first, "first_metric")):
        assert _build(root).exit_code == 0
        assert metric in json.dumps(_exported(root, "sample-a")["templating"])
        assert "_common" not in sys.modules and sys.path == path_before
    (first / "dashboards" / "_common.py").write_text(COMMON.format(metric="edited_between_runs"), encoding="utf-8")
    assert _build(first).exit_code == 0
    assert "edited_between_runs" in json.dumps(_exported(first, "sample-a")["templating"])


def test_a_module_s_own_changes_to_sys_path_are_undone(tmp_path):
    changer = 'import sys\nsys.path.insert(0, "/nowhere")\n' + USES_HELPER.format(name="c")
    root = _project(tmp_path, extra={"c.py": changer})
    before = list(sys.path)
    _build(root)
    assert sys.path == before


def test_a_dashboard_named_like_a_library_module_does_not_shadow_it(tmp_path, monkeypatch):
    """The folder comes after the standard library: `dashboards/colorsys.py` is a dashboard."""
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    user = 'import colorsys\nassert colorsys.rgb_to_hsv(1, 0, 0) == (0.0, 1.0, 1)\n' + USES_HELPER.format(name="c")
    root = _project(tmp_path, extra={"colorsys.py": USES_HELPER.format(name="colorsys"), "user.py": user})
    result = _build(root)
    assert result.exit_code == 0 and "module/load" not in result.stderr, result.stderr


def test_a_missing_module_keeps_its_error_and_a_broken_helper_is_named(tmp_path):
    missing = 'from vertice_obs import panels as p\nfrom _helpers import ENV\n'
    broken = 'from _broken import X\n'
    root = _project(tmp_path, extra={"missing.py": missing, "broken.py": broken, "_broken.py": "X = 1\nY = 1 / 0\n"})
    result = _build(root)
    assert result.exit_code == 2
    assert ("vobs: error: dashboards/missing.py:2: ModuleNotFoundError: No module named '_helpers'"
            in result.stderr)
    assert ("vobs: error: dashboards/broken.py:1: ZeroDivisionError: division by zero (in dashboards/_broken.py:2)"
            in result.stderr)
    assert "Traceback" not in result.output + result.stderr


def test_rule_modules_share_helpers_the_same_way(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "_common.py").write_text('TEAM = "team-rules"\n', encoding="utf-8")
    (rules / "r.py").write_text("from _common import TEAM\ngroups = [TEAM]\n", encoding="utf-8")
    assert import_attribute(rules / "r.py", "rules/r.py", "groups") == (["team-rules"], "")
    assert "_common" not in sys.modules



def test_a_helper_added_between_runs_is_found_even_if_the_folder_looks_unchanged(tmp_path):
    """The folder's finder (its cached listing) is dropped after each load, not kept for the next run."""
    root = _project(tmp_path, extra={"later.py": "from _later import X\n"})
    folder = root / "dashboards"
    assert "No module named '_later'" in _build(root).stderr
    stat = folder.stat()
    (folder / "_later.py").write_text("X = 1\n", encoding="utf-8")
    os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a listing within the same tick
    assert "_later" not in _build(root).stderr
