"""`metrics.durations.held`: every duration Prometheus holds reaches the parser as the same length,
and nothing else about the text changes (trial 15: promql-parser wrapped numbers from 2^32 on).
The agreement with Prometheus itself is `tests/test_parse_differential.py`'s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.durations import INT64, DurationOutOfRange, held, nanoseconds
from vertice_obs.metrics.promql_text import parse_promql

MS = st.integers(min_value=1, max_value=INT64 // 10**6)
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


@given(ms=MS, unit=st.sampled_from(sorted(UNIT_MS)))
def test_a_range_prometheus_holds_is_read_at_its_length(ms, unit):
    n = max(1, ms // UNIT_MS[unit])
    parsed = parse_promql(f"rate(up[{n}{unit}])")
    assert parsed.args[0].range == timedelta(milliseconds=n * UNIT_MS[unit])


@given(n=st.integers(min_value=INT64 // 10**6 + 1, max_value=10**30))
def test_past_an_int64_of_nanoseconds_is_out_of_range(n):
    with pytest.raises(DurationOutOfRange, match="duration out of range"):
        held(f"up[{n}ms]")


@given(st.text())
def test_any_text_is_left_as_it_is_or_refused_for_a_duration(text):
    try:
        out = held(text)
    except DurationOutOfRange:
        return
    assert out == text or "[" in text or "offset" in text.lower()


def test_strings_and_small_durations_are_untouched():
    q = 'sum(rate(x{a="[4294967296s]"}[5m])) offset 1h # [300y]'
    assert held(q) is q or held(q) == q
    assert held("up[4294967296s] offset 4294967296s") == "up[136y10w6h28m16s] offset 136y10w6h28m16s"
    assert nanoseconds("1y2w") == (365 + 14) * 86_400 * 10**9


_SECONDS = st.sampled_from(["1e300", "1E300", "1e19", "2e10", "9223372036", "9223372037", "99999999999999999999", "300",
                            "0.5", "1e-300", ".5", "0x10", "0xffffffffffffffffff", "inf", "nan", "Inf", "-1e300"])


@settings(max_examples=200, deadline=1000, database=None)
@given(seconds=_SECONDS, form=st.sampled_from(["x[{}]", "rate(x[{}])", "x[5m:{}]", "x[{}:1m]", "x offset {}",
                                                "x offset -{}", 'x{{a="[{}]"}}', "x # [{}]", "x @ {}"]))
@example(seconds="1e300", form="rate(x[{}])")  # found: promql-parser panicked (a Rust panic, no ValueError)
@example(seconds="1e19", form="x[{}]")  # found: OverflowError from the parser
@example(seconds="Inf", form="x offset {}")
def test_a_duration_written_as_seconds_parses_or_is_a_value_error(seconds, form):
    """A range, subquery or offset of a bare number of seconds: read, or refused as out of range — the
    parser never sees one past what a Rust `Duration` holds (it panics: pyo3's PanicException, no Exception)."""
    query = form.format(seconds)
    try:
        parse_promql(query)
    except ValueError:
        pass
