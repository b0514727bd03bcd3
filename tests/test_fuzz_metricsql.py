"""Property: MetricsQL's WITH templates (`metrics.metricsql_with`) are read from any query text —
unbalanced, nested, self-referring, templates named as functions — without an exception and in
time that grows with the text, not its square: the answer is a miscounted call inside the text,
or None. (`tests/test_metricsql_arity.py` holds what VictoriaMetrics answers for each form.)"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.metricsql import (
    _error,
    _unions_named,
    miscounted_metricsql,
    valid_metricsql,
)
from vertice_obs.metrics.metricsql_numbers import NAN, strings_as_numbers
from vertice_obs.metrics.metricsql_with import (
    STRINGS,
    arguments,
    closing,
    masked,
    with_miscounted,
)
from vertice_obs.metrics.promql_text import MAX_QUERY_CHARS

_PIECES = st.sampled_from(["WITH (", "with(", "WITH(x = ", "f(a, b) = ", "f(a) = ", "f() = ", "g(f) = ", "x = ",
                           "range_quantile(", "x", "a",
                           "f(", "f(x)", ")", "(", ",", ", ", " = ", " == ", "=~", "{", "}", "[5m]", '"', "'", "`",
                           '"a(b"', "\\", "sum(", " by (a) ", "label_set(", "rate(", "1", " + ", "\n", "#", "é"])
QUERIES = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=80)


@settings(max_examples=200, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
@example("WITH (f(a) = range_quantile(a)) f(x)")
@example("WITH (x = x) WITH (y = x) y(")
@example("WITH (f(a) = a) f(x, y)")  # a template's own count
@example("WITH (g(f) = f(1)) g(x)")  # a parameter called as a template: it takes none
def test_any_query_is_read_for_with_templates_or_passed_over(text):
    shown = masked(text)
    assert len(shown) == len(text)
    found = with_miscounted(shown)
    if found is not None:
        assert 0 < found.at <= len(text) and shown[found.at - 1:].startswith(found.call) and found.given >= 0
        assert not found.takes.allows(found.given) and found.call.endswith(")")
    for opened in (i for i, c in enumerate(shown) if c in "([{"):
        closed = closing(shown, opened)
        assert closed == -1 or opened < closed < len(shown)
        if closed > 0:
            assert all(start <= end for start, end in arguments(shown, opened + 1, closed))
    error = _error(text) or ""
    assert isinstance(valid_metricsql(text, error), str)
    wrong = miscounted_metricsql(text, error)
    assert wrong is None or text[wrong.at - 1:].startswith(wrong.call)


@pytest.mark.parametrize("text", [
    "WITH (f(a) = a) " + "abs(" * 13_000 + "x" + ")" * 13_000,  # found: minutes (each call's brackets rescanned)
    "abs(" * 13_000 + "x" + ")" * 13_000,
    "f(" + "(a,b)," * 10_000 + ")",  # found: 29 s (the word before each bracket searched from the start)
    "(" + "(a,b)," * 10_000 + "x)",
    "WITH (" + ", ".join(f"t{i} = f(t{i + 1}, t{i + 2})" for i in range(3_000)) + ") t0",
    "WITH (f(a) = a) " + ("abs(" * 120 + "x" + ")" * 120 + ",") * 120,
], ids=["with-deep", "deep", "unions-in-a-call", "unions", "templates", "with-wide"])
def test_a_hostile_query_is_judged_in_linear_time(text):
    """Each is as long as the shape guard lets a query be (64 KiB), or refused by it for its depth: a
    query the guard refuses is not read as MetricsQL either (`metricsql_with`'s helpers count each
    call's brackets: their work grows with the depth, which the guard bounds)."""
    text = text[:MAX_QUERY_CHARS]
    start = time.perf_counter()
    error = _error(text) or ""
    valid_metricsql(text, error)
    miscounted_metricsql(text, error)
    assert time.perf_counter() - start < 5.0


# Strings where a number is expected, vector() of a query, unions of strings (a second trial against
# VictoriaMetrics 1.79.5; `tests/test_metricsql.py` holds what it answers)
_NUMBER_PIECES = st.sampled_from(["clamp_max(", "clamp(", "vector(", "topk(", "TOPK(", "quantile by (a) (", "round(",
                                  "histogram_quantile(", "label_replace(", "sum(", "x", '"1"', "'a'", "`b`", '"', "'",
                                  ", ", ",", "(", ")", '("a", "b")', "(x, y)", " + ", "[5m]", "{a=\"1\"}", "NaN", "\\"])
_ERRORS = st.sampled_from(["expected type scalar in call to function 'clamp_max', got string",
                           "expected type scalar in call to function 'vector', got string",
                           "expected type scalar in aggregation expression, got string",
                           "expected type scalar in call to function 'vector', got vector", "invalid promql query", ""])
NUMBER_QUERIES = st.lists(_NUMBER_PIECES, max_size=40).map("".join) | st.text(max_size=80)


@settings(max_examples=300, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(NUMBER_QUERIES, _ERRORS)
@example('clamp_max(clamp_max(x, "1"), "2")', "expected type scalar in call to function 'clamp_max', got string")
@example('topk("1", x) + TOPK ( "2" , x)', "expected type scalar in aggregation expression, got string")
@example('(("a", "b"), x)', "invalid promql query")
def test_strings_read_as_numbers_and_unions_change_nothing_else(text, error):
    """Only whole strings become NaN (as many NaN more as strings fewer, the rest as it was), only
    `union` is inserted, and the judgement of the whole query never raises."""
    rest = strings_as_numbers(text, error)
    if rest is not None:
        replaced = len(STRINGS.findall(text)) - len(STRINGS.findall(rest))
        assert replaced > 0 and rest.count(NAN) - text.count(NAN) == replaced
        assert STRINGS.sub("", rest).replace(NAN, "") == STRINGS.sub("", text).replace(NAN, "")
    assert _unions_named(text).replace("union", "") == text.replace("union", "")
    parsed = _error(text) or ""
    assert isinstance(valid_metricsql(text, parsed), str)
    wrong = miscounted_metricsql(text, parsed)
    assert wrong is None or text[wrong.at - 1:].startswith(wrong.call)


@pytest.mark.parametrize("text", [
    "clamp_max(x, " + '"1", ' * 16_000 + "1)",  # 100,000 characters, each argument a string
    "clamp_max(x, " + '"' + "\\\"" * 33_000 + '")',  # one string of escaped quotes
    "clamp_max(x, '" + "a" * 100_000,  # a string never closed
    "topk(" + '"1", ' * 16_000 + "x)",
    "(" + '"a", ' * 16_000 + '"a")',  # a union of strings
    '("a", "b"), ' * 8_000,
    "WITH (f(a) = a) " + "f(x), " * 16_000 + "f(x, y)",  # a template's count, in a long flat query
    "WITH (" + ", ".join(f"t{i}(a) = t{i + 1}(a, a)" for i in range(5_000)) + ") t0(x)",
], ids=["strings", "escapes", "unclosed", "topk", "union", "unions", "template-calls", "templates"])
def test_the_new_readings_are_linear_on_100000_characters(text):
    """Past the shape guard (64 KiB), which keeps such a query from the reading through `valid_metricsql`:
    each reading on its own, flat (no nesting the guard would bound), within a deadline."""
    assert len(text) >= 60_000
    start = time.perf_counter()
    for error in ("expected type scalar in call to function 'clamp_max', got string",
                  "expected type scalar in aggregation expression, got string", "x" * 100_000):
        strings_as_numbers(text, error)
        strings_as_numbers(text, "expected type scalar in call to function '" + "a" * 100_000)
    _unions_named(text)
    with_miscounted(masked(text))
    assert time.perf_counter() - start < 5.0
