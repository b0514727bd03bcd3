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
# Worth a look: a number of three digits or more before a unit (smaller ones neither wrap nor overflow)
_SUSPECT = re.compile(r"\d{3,}(?:ms|[smhdwy])")
# Strings and comments first (passed over), then a `[…]` or an `offset` and its duration
_PART = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`|#[^\n]*'
                   r"|\[[^\]\"'`#]*\]|(?i:\boffset\s*-?\s*)((?:\d+(?:ms|[smhdwy]))+)")
_DURATION = re.compile(r"(?<![\w.])((?:\d+(?:ms|[smhdwy]))+)(?![\w.])")
_COMPONENT = re.compile(r"(\d+)(ms|[smhdwy])")


class DurationOutOfRange(ValueError):
    """A duration Prometheus refuses: more than an int64 of nanoseconds (~292 years)."""


def held(text: str) -> str:
    """`text` with each range, subquery and offset duration as the parser can read it; raises
    `DurationOutOfRange` for one Prometheus refuses. Unchanged (the same object) when no duration
    has a number of three digits or more — nearly every query."""
    if not _SUSPECT.search(text):
        return text
    out, last = [], 0
    for part in _PART.finditer(text):
        head = part.group(0)[:1]
        if head == "[":
            body = _DURATION.sub(lambda m: _small(m.group(1)), part.group(0))
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
