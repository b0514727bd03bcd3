"""`errors.closest`: the one "did you mean" rule every unknown-name message uses."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from vertice_obs.errors import closest

PACKAGE = Path(__file__).resolve().parent.parent / "vertice_obs"


def test_a_slip_is_suggested_and_a_stranger_is_not():
    assert closest("enviroment", ["environment", "exports_dir", "catalog"]) == ["environment"]
    assert closest("prometheus_ulr", {"prometheus_url", "grafana_url"}) == ["prometheus_url"]
    assert closest("zzz", ["environment", "catalog"]) == []


def test_the_answer_does_not_depend_on_the_order_known_comes_in():
    assert closest("abc", ["abd", "abe", "xyz"]) == closest("abc", ["xyz", "abe", "abd"]) != []
    assert closest("abc", {"abd", "abe"}, n=2) == closest("abc", ("abe", "abd"), n=2)


def test_n_bounds_the_suggestions_closest_first():
    assert closest("panel/unit", ["panel/title", "panel/units", "panel/units2"], n=2) == ["panel/units", "panel/units2"]


@given(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=8), st.integers(1, 4))
def test_suggestions_are_known_names_at_most_n(word, known, n):
    got = closest(word, known, n)
    assert len(got) <= n and all(g in known for g in got)


def test_no_module_suggests_by_a_rule_of_its_own():
    """One rule: `difflib.get_close_matches` is called only by `errors.closest` (and by `metrics.classify`,
    whose metric-name rule is stricter and documented there)."""
    callers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "get_close_matches":
                callers.add(path.relative_to(PACKAGE).as_posix())
    assert callers == {"errors.py", "metrics/classify.py"}
