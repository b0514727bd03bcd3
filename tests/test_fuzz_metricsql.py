"""Property: MetricsQL's WITH templates (`metrics.metricsql_with`) are read from any query text —
unbalanced, nested, self-referring, templates named as functions — without an exception and in
time that grows with the text, not its square: the answer is a miscounted call inside the text,
or None. (`tests/test_metricsql_arity.py` holds what VictoriaMetrics answers for each form.)"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.metricsql import _error, miscounted_metricsql, valid_metricsql
from vertice_obs.metrics.metricsql_with import (
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

