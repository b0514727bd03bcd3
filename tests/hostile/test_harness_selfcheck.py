"""The harness itself fails when a rule is broken (the mutation habit applied to the rules)."""

from __future__ import annotations

import pytest

from hostile.harness import Case, check


def _missing_exports(box):
    (box.project / "nothing-here").mkdir()
    return ["validate", str(box.project / "nothing-here")]


def test_harness_accepts_a_clean_rejection(tmp_path):
    out = check(Case("clean", _missing_exports, exit_code=2, message="nothing-here"), tmp_path)
    assert out.exit_code == 2


@pytest.mark.parametrize("broken", [
    Case("wrong-exit", _missing_exports, exit_code=0),
    Case("wrong-location", _missing_exports, exit_code=2, where="somewhere-else.json:1"),
    Case("secret-printed", _missing_exports, exit_code=2, secrets=["nothing-here"]),
])
def test_harness_rejects_a_broken_expectation(tmp_path, broken):
    with pytest.raises(AssertionError):
        check(broken, tmp_path)


def test_harness_sees_a_write_outside(tmp_path):
    def writes_outside(box):
        (box.project / "narratives").mkdir()
        return ["-C", str(box.project), "audit", "-o", str(box.outside / "report.md"), str(box.project / "x")]

    with pytest.raises(AssertionError):
        check(Case("outside", writes_outside, exit_code=0, error_line=False), tmp_path)
