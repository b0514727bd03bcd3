"""Numbers MetricsQL reads that PromQL does not, each rewritten as the PromQL number the parser reads
the same way, for `metrics.metricsql`'s judgement. Pure.

- a unit suffix, `1Ki` (1024), `2M`, `1.5GB` (lowercase `m` alone is minutes: no suffix of its own);
- a fractional duration, `[1.5h]`, `offset 0.5d` (as whole milliseconds).

Owns: those readings. May import: `metrics.metricsql_with` (its string and bracket reading).
"""

from __future__ import annotations

import re

from vertice_obs.metrics.metricsql_with import outside_strings

# `\d+(?:\.\d*)?`, not `\d+\.?\d*`: that split a long run of digits every way before failing (32,000: 10 s)
_SUFFIXED = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)(?:([kKgGtT]|M)([iI]?)[bB]?)(?![\w.])")
_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4}
_FRACTIONAL = re.compile(r"(?<![\w.])((?:\d+(?:\.\d*)?(?:ms|[smhdwy]))+)(?![\w.])")
_PART = re.compile(r"(\d+(?:\.\d*)?)(ms|[smhdwy])")
_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}


def suffixes_applied(text: str) -> str:
    """`text` with each number with a unit suffix outside its strings as the number MetricsQL reads."""
    return outside_strings(text, lambda part: _SUFFIXED.sub(_suffix_applied, part))


def fractions_applied(text: str) -> str:
    """`text` with each duration with a fractional number outside its strings (`1.5h`) in whole milliseconds."""
    return outside_strings(text, lambda part: _FRACTIONAL.sub(_in_milliseconds, part))


def _suffix_applied(match: re.Match[str]) -> str:
    """`1Ki` as 1024, `1.5K` as 1500: the number MetricsQL reads."""
    value = float(match.group(1)) * (1024 if match.group(3) else 1000) ** _POWERS[match.group(2).lower()]
    return str(int(value)) if value.is_integer() else repr(value)


def _in_milliseconds(match: re.Match[str]) -> str:
    """A duration with a fractional number (`1.5h`) as whole milliseconds (`5400000ms`); others as written."""
    duration = match.group(1)
    if "." not in duration:
        return duration
    return f"{max(1, round(sum(float(n) * _MS[unit] for n, unit in _PART.findall(duration))))}ms"
