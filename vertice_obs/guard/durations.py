"""The one duration grammar: PromQL's, for every duration vobs reads — flags (`--lookback 1h30m`),
Chaos Day files (`hold: 1d`) and the values of dashboard variables put into a query's `[...]`.

Three grammars used to disagree (the CLI took `7d` but not `1h30m`, chaos files `500ms` but not
`1d`). A person writes durations for Prometheus all day, so vobs reads them as Prometheus does:
`promql_parser.parse_duration` — whole numbers with units `ms s m h d w y`, combined largest
first, each at most once (`1h30m`, `1d12h`, `500ms`). As Prometheus' own `model.ParseDuration`,
and unlike the parser's newer leniency, a bare number other than `0` is refused: `--lookback 5`
could mean seconds or days.
A zero (`0`, `0s`, `0m`…) is accepted only where the caller says zero means something (a settle
time of none); elsewhere it is an error, as in PromQL.

Imports promql_parser when first asked, not at import: `vobs --help` stays light.
"""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = "ms s m h d w y"
EXAMPLES = "7d, 1h30m, 30m or 90s"
_ZERO = re.compile(r"0+|(0+(ms|s|m|h|d|w|y))+")
# Only this shape reaches the parser: it reads a bare or signed number as float seconds and panics
# (a Rust panic, not a ValueError) on `-1`, `inf` or `1e400`. Order and repetition are its to judge.
_SHAPE = re.compile(r"([0-9]+(ms|s|m|h|d|w|y))+")
_MAX_CHARS = 64  # longer than any real duration; also keeps an error message on one short line
_LARGEST = timedelta(days=365 * 1000)  # beyond this a "duration" is a typo, and datetime arithmetic overflows


def parse_duration(text: object, *, zero: bool = False) -> timedelta:
    """`text` as a non-negative `timedelta` by PromQL's grammar, else `ValueError` with a one-line
    reason. `zero`: a zero duration is meaningful here (and accepted)."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration like {EXAMPLES}")
    if len(text) > _MAX_CHARS:
        raise ValueError(f"{text[:_MAX_CHARS]!r}… is not a duration: longer than {_MAX_CHARS} characters")
    if _ZERO.fullmatch(text):
        if zero:
            return timedelta(0)
        raise ValueError(f"{text!r} is zero: a duration here must be longer than that")
    if not _SHAPE.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like {EXAMPLES} (whole numbers, each with a unit of {UNITS})")
    from promql_parser import parse_duration as promql_duration

    try:
        value = promql_duration(text)
    except (ValueError, OverflowError):  # order, repetition, a number too large for its unit
        raise ValueError(f"{text!r} is not a duration like {EXAMPLES} (units largest first, each once, "
                         f"none too large: {UNITS})") from None
    if value > _LARGEST:
        raise ValueError(f"{text!r} is longer than {_LARGEST.days // 365} years")
    return value


def is_duration(text: object) -> bool:
    """Whether `text` is a (non-zero) PromQL duration: what may stand in a range `[...]` or after
    `offset`."""
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True
