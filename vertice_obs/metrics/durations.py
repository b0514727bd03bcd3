"""PromQL durations as Prometheus reads them, for the parse check. Pure.

Prometheus (`model.ParseDuration`) holds a duration in int64 nanoseconds: `[292y]` and `[106751d]`
parse, `[293y]` is "duration out of range". promql-parser (the Rust parser vobs uses) disagrees at
both ends (trial 15): a number of 2^32 or more in any unit wraps round to a false "duration must
be greater than 0" (`[4294967296000ms]`, which Prometheus parses), and `[300y]` passes. So before
the parser sees a query, `held` refuses what Prometheus refuses and writes a duration with a large
number as the same duration in small ones (`4294967296s` → `136y10w6h28m16s`): the parser reads the
same value. Durations are those of ranges and subqueries (`[…]`) and of `offset`.

May import `metrics.extract`'s `ParseError` only (it calls this module).
"""

from __future__ import annotations

import re

INT64 = (1 << 63) - 1
_NS = {"y": 365 * 86_400 * 10**9, "w": 7 * 86_400 * 10**9, "d": 86_400 * 10**9, "h": 3_600 * 10**9,
       "m": 60 * 10**9, "s": 10**9, "ms": 10**6}
_UNITS = ("y", "w", "d", "h", "m", "s", "ms")
_BIG = 1 << 32  # promql-parser wraps a number from here on
# Worth a look: a number of three digits or more before a unit (smaller ones neither wrap nor overflow),
# or a bare number of seconds that may be past what the parser holds (ten digits, an exponent, Inf, NaN)
_SUSPECT = re.compile(r"\d{3,}(?:ms|[smhdwy])|\d{10}|\d[eE]|(?i:offset\s*[-+]?\s*(?:inf|nan))")
# Strings and comments first (passed over), then a `[…]` or an `offset` and its duration
_PART = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`|#[^\n]*'
                   r"|\[[^\]\"'`#]*\]|(?i:\boffset\s*-?\s*)((?:\d+(?:ms|[smhdwy]))+)"
                   r"|(?i:\boffset\s*[-+]?\s*(0x[0-9a-f]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|nan))(?![\w.])")
# A duration written as a bare number of seconds (`[300]`, `offset 1e300`): promql-parser reads it as a
# float and panics — a Rust panic, no ValueError — past what a Rust `Duration` holds (`x[1e300]`)
_SECONDS = re.compile(r"(?<![\w.])(0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w.])")
_DURATION = re.compile(r"(?<![\w.])((?:\d+(?:ms|[smhdwy]))+)(?![\w.])")
_COMPONENT = re.compile(r"(\d+)(ms|[smhdwy])")


class DurationOutOfRange(ValueError):
    """A duration Prometheus refuses: more than an int64 of nanoseconds (~292 years)."""


def held(text: str) -> str:
    """`text` with each range, subquery and offset duration as the parser can read it; raises
    `DurationOutOfRange` for one Prometheus refuses. Unchanged (the same object) when no duration
    has a number of three digits or more, and no number has ten digits or an exponent — nearly every query."""
    if not _SUSPECT.search(text):
        return text
    out, last = [], 0
    for part in _PART.finditer(text):
        head = part.group(0)[:1]
        if head == "[":
            for seconds in _SECONDS.findall(part.group(0)):
                _held_seconds(seconds)
            body = _DURATION.sub(lambda m: _small(m.group(1)), part.group(0))
        elif part.group(2) is not None:
            _held_seconds(part.group(2))
            continue
        elif part.group(1) is not None:
            body = part.group(0)[: part.start(1) - part.start()] + _small(part.group(1))
        else:
            continue
        out.append(text[last:part.start()])
        out.append(body)
        last = part.end()
    out.append(text[last:])
    return "".join(out)


def nanoseconds(duration: str) -> int:
    """A duration's length as Prometheus adds it up (a year is 365 days); raises
    `DurationOutOfRange` where Prometheus says "duration out of range"."""
    total = 0
    for number, unit in _COMPONENT.findall(duration):
        n = int(number)
        total += n * _NS[unit]
        if n > INT64 // _NS[unit] or total > INT64:
            raise DurationOutOfRange(f"duration out of range: {duration} is more than Prometheus holds "
                                     "(an int64 of nanoseconds, about 292y)")
    return total


def _held_seconds(number: str) -> None:
    """Raises `DurationOutOfRange` for a duration written as a number of seconds (`300`, `1e300`, `Inf`)
    that is more than Prometheus holds — or not a number of seconds at all (NaN)."""
    value = float(int(number, 16)) if number[:2].lower() == "0x" else float(number)
    if not value * 10**9 <= INT64:  # NaN, ±Inf and past 292 years alike (a negative offset: its size)
        raise DurationOutOfRange(f"duration out of range: {number} seconds is no length Prometheus holds "
                                 "(at most an int64 of nanoseconds, about 292y)")


def _small(duration: str) -> str:
    """`duration` unchanged when each of its numbers is below 2^32, else the same length written in
    the largest units (each number then small)."""
    total = nanoseconds(duration)
    if all(int(n) < _BIG for n, _ in _COMPONENT.findall(duration)):
        return duration
    parts = []
    for unit in _UNITS:
        count, total = divmod(total, _NS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or duration  # below a millisecond: as written, for the parser to judge
