"""One duration grammar, PromQL's (guard.durations), for the CLI, chaos files and the interpolator.

The examples are Prometheus' own (`model.ParseDuration`); the fuzz holds the parser to an oracle
written here from the grammar — units largest first, each once — and to "a value or a one-line
ValueError, never anything else" for any text at all.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.guard.durations import is_duration, parse_duration
from vertice_obs.metrics.interpolate import Variable, interpolate

UNITS = [("y", 365 * 86400_000), ("w", 7 * 86400_000), ("d", 86400_000), ("h", 3600_000), ("m", 60_000),
         ("s", 1000), ("ms", 1)]


@pytest.mark.parametrize("text,value", [
    ("1h30m", timedelta(hours=1, minutes=30)), ("1d", timedelta(days=1)), ("7d", timedelta(days=7)),
    ("90s", timedelta(seconds=90)), ("500ms", timedelta(milliseconds=500)), ("2w", timedelta(weeks=2)),
    ("1y", timedelta(days=365)), ("1d12h", timedelta(days=1, hours=12)), ("1m0s", timedelta(minutes=1)),
    ("1y1w1d1h1m1s1ms", timedelta(days=373, hours=1, minutes=1, seconds=1, milliseconds=1)),
])
def test_promqls_durations(text, value):
    assert parse_duration(text) == value and is_duration(text)


UNIT = "whole numbers, each with a unit of ms s m h d w y"


@pytest.mark.parametrize("text,reason", [
    ("30m1h", "largest first"), ("1h1h", "each once"), ("1ms1s", "largest first"), ("1.5h", UNIT),
    ("1H", UNIT), ("-1m", UNIT), (" 1h", UNIT), ("1h ", UNIT), ("1 minute", UNIT), ("5", UNIT), ("", UNIT),
    ("1e3s", UNIT), ("１h", UNIT), ("1h\n", UNIT), ("-1", UNIT), ("inf", UNIT), ("nan", UNIT), ("1e400", UNIT),
    ("0s", "is zero"), ("0", "is zero"), ("9" * 100 + "s", "longer than 64 characters"),
    ("4294967296ms", "none too large"), ("99999999y", "none too large"), ("2000y", "longer than 1000 years"),
    (None, "is not a duration"), (60, "is not a duration"),
])
def test_what_is_not_a_duration_says_why_on_one_line(text, reason):
    with pytest.raises(ValueError) as error:
        parse_duration(text)
    assert reason in str(error.value) and "\n" not in str(error.value)
    assert not is_duration(text)


@pytest.mark.parametrize("text", ["0", "0s", "0ms", "0h0m", "00s"])
def test_zero_only_where_the_caller_says_it_means_something(text):
    assert parse_duration(text, zero=True) == timedelta(0)
    with pytest.raises(ValueError, match="is zero"):
        parse_duration(text)


@given(st.text(max_size=40))
def test_any_text_is_a_duration_or_one_value_error(text):
    try:
        value = parse_duration(text, zero=True)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert value >= timedelta(0)


@given(st.lists(st.integers(0, 9999), min_size=len(UNITS), max_size=len(UNITS)),
       st.lists(st.booleans(), min_size=len(UNITS), max_size=len(UNITS)))
def test_a_well_formed_duration_is_the_sum_of_its_parts(numbers, present):
    parts = [(n, unit, ms) for n, (unit, ms), keep in zip(numbers, UNITS, present) if keep]
    text = "".join(f"{n}{unit}" for n, unit, _ in parts)
    total = sum(n * ms for n, _, ms in parts)
    if not parts or total == 0 or total > 1000 * 365 * 86400_000:
        return  # zero and beyond 1000 years are refused on purpose (tested above)
    assert parse_duration(text) == timedelta(milliseconds=total)


@given(st.sampled_from([u for u, _ in UNITS]), st.sampled_from([u for u, _ in UNITS]))
def test_units_out_of_order_or_repeated_are_refused(first, second):
    order = [u for u, _ in UNITS]
    if order.index(first) < order.index(second):
        return  # largest first: a well-formed pair
    with pytest.raises(ValueError):
        parse_duration(f"1{first}1{second}")


def test_the_cli_takes_promqls_durations():
    result = CliRunner().invoke(cli, ["validate", "--offline", "--lookback", "1h30m", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    result = CliRunner().invoke(cli, ["validate", "--offline", "--lookback", "30m1h"])
    assert result.exit_code == 2
    assert "'30m1h' is not a duration like 7d, 1h30m, 30m or 90s" in result.output


def test_chaos_files_take_promqls_durations(tmp_path):
    text = (Path(__file__).resolve().parent.parent / "chaos" / "chaos-day-1.yaml").read_text(encoding="utf-8")
    day = tmp_path / "day.yaml"
    day.write_text(text.replace("hold: 1m", "hold: 1d").replace("steps: [100ms, ", "steps: [0ms, 1h30m, 100ms, ")
                   .replace("settle: 45s", "settle: 0s"), encoding="utf-8")
    run = load_run(day, "day.yaml")
    latency, kill = run.scenarios
    assert kill.fault.hold == timedelta(days=1)
    assert latency.fault.steps[:2] == (timedelta(0), timedelta(hours=1, minutes=30))  # zero: a control step
    assert run.settle == timedelta(0)
    day.write_text(text.replace("hold: 1m", "hold: 0s"), encoding="utf-8")
    with pytest.raises(InputError, match="'0s' is zero"):  # holding a fault for no time tests nothing
        load_run(day, "day.yaml")


def test_the_interpolator_puts_a_variables_duration_in_a_range_only_if_promql_takes_it():
    """A variable whose value is a duration stands in `[...]` as itself; anything else (30m1h, a
    zero) becomes the 1m placeholder, so the query still parses."""
    def range_of(value: str) -> str:
        return interpolate("rate(x_total[$w])", {"w": Variable("w", (value,))}).text

    assert range_of("1h30m") == "rate(x_total[1h30m])"
    assert range_of("1d") == "rate(x_total[1d])"
    assert range_of("30m1h") == "rate(x_total[1m])"
    assert range_of("0s") == "rate(x_total[1m])"
