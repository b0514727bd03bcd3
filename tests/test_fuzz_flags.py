"""Property: what a user types on the command line or in `vobs.yaml` for a duration (`--lookback`,
a chaos `hold:`), a `--since` ref or a `--fail-on` severity is read or refused in one line: the
duration grammar's `ValueError` (which each caller turns into its located error), the `--since`
`InputError`; never another exception, never a hang."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.build.changes import check_ref
from vertice_obs.errors import InputError
from vertice_obs.finding import Severity
from vertice_obs.guard.durations import is_duration, parse_duration

FAST = settings(max_examples=200, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])
_DURATION_PIECES = st.sampled_from(["0", "1", "5", "90", "00", "9" * 20, "ms", "s", "m", "h", "d", "w", "y", "-", "+",
                                    ".", "e", "inf", "nan", " ", "1e400", "µs", "ns", "１"])
DURATIONS = st.text(max_size=70) | st.lists(_DURATION_PIECES, max_size=12).map("".join)


@FAST
@given(DURATIONS, st.booleans())
def test_any_text_is_a_duration_or_one_value_error(text, zero):
    try:
        value = parse_duration(text, zero=zero)
    except ValueError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
        assert not is_duration(text) or zero
    else:
        assert isinstance(value, timedelta) and value >= timedelta(0) and (value > timedelta(0) or zero)


@FAST
@given(st.none() | st.integers() | st.floats() | st.lists(st.text(max_size=3), max_size=2))
def test_what_is_no_text_is_no_duration(value):
    try:
        parse_duration(value)
    except ValueError as exc:
        assert "\n" not in str(exc)


@FAST
@given(st.text(max_size=1100) | st.sampled_from(["", "-", "--all", "main\n", "a" * 1025, "HEAD~1", "v1.0^{}"]))
def test_any_since_ref_is_passed_to_git_as_a_ref_or_refused_in_one_line(ref):
    try:
        check_ref(ref)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("--since")
    else:
        assert ref and not ref.startswith("-") and all(ord(c) >= 32 and ord(c) != 127 for c in ref)


@FAST
@given(st.text(max_size=12) | st.sampled_from(["error", " WARNING ", "Info", "errors", "ınfo"]))
def test_any_severity_is_one_or_one_value_error(text):
    try:
        assert isinstance(Severity.parse(text), Severity)
    except ValueError as exc:
        assert "\n" not in str(exc).replace(repr(text), "")
