"""User regexes follow Prometheus: RE2, linear time, fully anchored (issue 18)."""

from __future__ import annotations

import pytest

from vertice_obs.finding import Location
from vertice_obs.guard.http import within
from vertice_obs.metrics.classify import Evidence, MetricUse, classify
from vertice_obs.metrics.regex import RegexError, matcher


@pytest.mark.parametrize("pattern, value, expected", [
    ("maximus_.*", "maximus_dopamine_level", True),
    ("maximus", "maximus_dopamine_level", False),  # anchored at the end, as Prometheus
    ("dopamine", "maximus_dopamine_level", False),  # anchored at the start
    ("a|b", "ab", False),  # the alternation is anchored as a whole: ^(?:a|b)$
    ("a|b", "b", True),
    ("(?i)MAXIMUS_.+", "maximus_x", True),
    ("a.c", "a\nc", True),  # `.` matches a newline, as in Prometheus 3
])
def test_matcher_follows_prometheus(pattern, value, expected):
    assert matcher(pattern)(value) is expected


# `a)|(b` and `)\\` are valid only once wrapped in `^(?:…)$` (where `a)|(b` would match unanchored):
# Prometheus parses the pattern alone first and refuses them (found by test_series_differential.py)
@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!x)a", "(unclosed", "a)|(b", ")\\", "a)(?:b"])
def test_patterns_prometheus_rejects_are_rejected(pattern):
    with pytest.raises(RegexError):
        matcher(pattern)


def test_a_pathological_pattern_runs_in_linear_time():
    """`(a+)+b` against a long name backtracks for hours in Python's re; RE2 answers at once."""
    name = "a" * 200_000
    assert within(10.0, lambda: matcher("(a+)+b")(name), "regex") is False
    assert within(10.0, lambda: matcher("(a|aa)+$")(name), "regex") is True


def test_classify_matches_name_patterns_with_re2():
    where = Location(file="d.json", dashboard="d")
    uses = [MetricUse("maximus_.+_total", where, "q", is_pattern=True),
            MetricUse(r"(x)\1", where, "q", is_pattern=True),
            MetricUse("(a+)+b", where, "q", is_pattern=True)]
    evidence = Evidence(source="test", names=frozenset({"maximus_spikes_total", "a" * 50_000}))
    found = within(10.0, lambda: classify(uses, evidence), "classify")
    assert [f.check for f in found] == ["metric/present", "promql/parse", "metric/missing"]
    assert "name pattern '(x)\\\\1' is not a regex Prometheus accepts (RE2): invalid escape sequence" in found[1].message
