"""The build as a stream (issue 12): each dashboard is loaded, rendered, written, hashed and
dropped; the conversion to plain JSON finds a NaN on its one walk."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sample_project import make_project

from vertice_obs.build.modules import to_plain
from vertice_obs.cli import cli

NAN_DICT = '''
class Odd(float):
    pass


dashboard = {
    "uid": "sample-a", "title": "A",
    "panels": [{"type": "stat", "title": "S", "fieldConfig": {"defaults": {"max": 1.5, "min": %s}}}],
}
'''


@pytest.mark.parametrize("value,shown", [("float('nan')", "nan"), ("float('-inf')", "-inf"), ("Odd('inf')", "inf")])
def test_a_non_finite_number_in_a_module_is_a_located_load_failure(tmp_path, value, shown):
    make_project(tmp_path, dashboards={"a.py": NAN_DICT % value}, narratives={"sample.yaml": (
        "id: sample\ntitle: S\nowner: o\nsummary: s\nchapters:\n  - dashboard: sample-a\n    title: A\n    story: s\n")})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    assert (f"vobs: error: dashboards/a.py:5: dashboard.panels[0].fieldConfig.defaults.min is {shown}: NaN and "
            "infinity are not JSON numbers") in result.stderr
    assert not (tmp_path / "exports" / "sample").exists()


def test_to_plain_keeps_shapes_and_drops_none():
    class Obj:
        def to_json_data(self):
            return {"a": None, "b": (1, "x", [2.5, None]), 3: True}

    found: list[float] = []
    assert to_plain({"k": Obj(), "n": None, "l": [Obj()]}, found) == {
        "k": {"b": [1, "x", [2.5, None]], "3": True}, "l": [{"b": [1, "x", [2.5, None]], "3": True}]}
    assert found == []


def _dashboard(uid: str, before: str = "") -> str:
    return before + f'\ndashboard = {{"uid": "{uid}", "title": "{uid}", "panels": []}}\n'


def _narrative(*uids: str) -> dict[str, str]:
    chapters = "".join(f"  - dashboard: {u}\n    title: {u}\n    story: s\n" for u in uids)
    return {"n.yaml": f"id: n\ntitle: N\nowner: o\nsummary: s\nchapters:\n{chapters}"}


def test_each_module_s_stdout_is_told_apart_on_one_pipe(tmp_path):
    """One capture serves the build; each module's output is its own, whatever wrote it, and a
    module that closes or replaces fd 1 costs the next one nothing."""
    import json

    modules = {
        "a.py": _dashboard("a", "print('from a')"),
        "b.py": _dashboard("b"),
        "c.py": _dashboard("c", "import os, subprocess\nos.write(1, b'from c')\nsubprocess.run(['echo', 'child of c'])"),
        "d.py": _dashboard("d", "import os\nos.close(1)"),
        "e.py": _dashboard("e", "import sys\nsys.stdout.buffer.write(b'from e' * 30000)"),
        "f.py": _dashboard("f", "import os\nos.dup2(os.open(os.devnull, os.O_WRONLY), 1)\nprint('lost')"),
        "g.py": _dashboard("g", "print('from g')"),
    }
    make_project(tmp_path, dashboards=modules, narratives=_narrative(*"abcdefg"))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build", "--format", "json"])
    payload = json.loads(result.stdout)  # stdout is the one JSON document
    printed = {f["location"]["file"]: f["message"] for f in payload["findings"] if f["check"] == "module/stdout"}
    assert sorted(printed) == ["dashboards/a.py", "dashboards/c.py", "dashboards/e.py", "dashboards/g.py"], printed
    assert "'from a'" in printed["dashboards/a.py"] and "'from g'" in printed["dashboards/g.py"]
    assert "from c" in printed["dashboards/c.py"]
    assert result.exit_code == 0 and payload["dashboards"] == 7


def test_a_build_holds_one_dashboard_at_a_time(tmp_path, monkeypatch):
    """Render, write, hash and drop: when a dashboard is rendered, at most the previous one is alive."""
    import gc
    import weakref

    import vertice_obs.build.plan as plan_module

    uids = [f"d{i}" for i in range(6)]
    make_project(tmp_path, dashboards={f"{u}.py": _dashboard(u) for u in uids}, narratives=_narrative(*uids))
    alive: list[weakref.ref] = []
    most = []
    real = plan_module.render_dashboard

    def render(*args):
        gc.collect()
        most.append(sum(ref() is not None for ref in alive))
        result = real(*args)
        alive.append(weakref.ref(result))
        return result

    monkeypatch.setattr(plan_module, "render_dashboard", render)
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 0, result.output
    assert len(most) == 6 and max(most) <= 1, most  # at most the one just written, until the loop moves on
    assert sorted(p.name for p in (tmp_path / "exports" / "n").iterdir()) == [f"{u}.json" for u in uids]


def test_a_chapter_naming_no_dashboard_writes_nothing_though_dashboards_streamed_first(tmp_path):
    """The unknown chapter is found after every module has been rendered and staged: nothing is
    put in place, no staging folder is left, and exports/ is not even created."""
    make_project(tmp_path, dashboards={"a.py": _dashboard("a"), "b.py": _dashboard("b")},
                 narratives=_narrative("a", "b", "ghost"))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2 and "no dashboard with uid 'ghost'" in result.stderr
    assert not (tmp_path / "exports").exists()
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2
    assert [p.name for p in (tmp_path / "exports").iterdir()] == ["keep.txt"]
