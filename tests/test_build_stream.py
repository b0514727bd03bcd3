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
    assert (f"dashboards/a.py:5: error: dashboard.panels[0].fieldConfig.defaults.min is {shown}: NaN and "
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
