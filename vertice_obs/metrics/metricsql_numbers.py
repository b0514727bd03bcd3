"""Numbers MetricsQL reads that PromQL does not, each rewritten as the PromQL number the parser reads
the same way, for `metrics.metricsql`'s judgement. Pure.

- a unit suffix, `1Ki` (1024), `2M`, `1.5GB` (lowercase `m` alone is minutes: no suffix of its own);
- a fractional duration, `[1.5h]`, `offset 0.5d` (as whole milliseconds);
- a string where PromQL wants a number — an argument of a function that takes a number there,
  `clamp_max(x, "1")`, `vector("1")`, or an aggregation's parameter, `topk("5", x)` —, which
  VictoriaMetrics answers, reading every string there as NaN, whatever it holds (held against Debian's
  VictoriaMetrics 1.79.5: `clamp_max(x, "1")` leaves x as it is, `topk("1", x)` selects nothing). PromQL's
  parser names the function (or says "aggregation expression"); each string that is a whole argument
  of that function's calls (of the aggregations', the first) is NaN. A string where PromQL wants a
  series (`abs("a")`), or a number where it wants a string (`label_replace(x, 1, …)`, which
  VictoriaMetrics refuses too), is not read here.

Owns: those readings. May import: `metrics.metricsql_with` (its string and bracket reading).
"""

from __future__ import annotations

import re

from vertice_obs.metrics.metricsql_with import (
    CALL,
    STRINGS,
    arguments,
    closing,
    masked,
    outside_strings,
)

# `\d+(?:\.\d*)?`, not `\d+\.?\d*`: that split a long run of digits every way before failing (32,000: 10 s)
_SUFFIXED = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)(?:([kKgGtT]|M)([iI]?)[bB]?)(?![\w.])")
_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4}
_FRACTIONAL = re.compile(r"(?<![\w.])((?:\d+(?:\.\d*)?(?:ms|[smhdwy]))+)(?![\w.])")
_PART = re.compile(r"(\d+(?:\.\d*)?)(ms|[smhdwy])")
_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
# the parser's message for a string where a number is wanted; a function's name as PromQL writes them
STRING_FOR_NUMBER = re.compile(r"expected type scalar in (?:call to function '([A-Za-z_][\w:]*)'|aggregation "
                               r"expression), got string")
_PARAMETER_FIRST = frozenset({"topk", "bottomk", "quantile", "limitk", "limit_ratio"})  # PromQL's, a number first
NAN = "NaN"


def suffixes_applied(text: str) -> str:
    """`text` with each number with a unit suffix outside its strings as the number MetricsQL reads."""
    return outside_strings(text, lambda part: _SUFFIXED.sub(_suffix_applied, part))


def fractions_applied(text: str) -> str:
    """`text` with each duration with a fractional number outside its strings (`1.5h`) in whole milliseconds."""
    return outside_strings(text, lambda part: _FRACTIONAL.sub(_in_milliseconds, part))


def strings_as_numbers(text: str, error: str) -> str | None:
    """`text` with each string where PromQL wants a number as NaN, as VictoriaMetrics reads it — the
    whole arguments of the function `error` names, or the first of each aggregation that takes a
    number there; None when `error` says no such thing, or no string was there."""
    found = STRING_FOR_NUMBER.search(error)
    if found is None:
        return None
    named, shown, strings = found.group(1), masked(text), []
    for call in CALL.finditer(shown):
        name = call.group(1)
        if (name != named) if named else (name.lower() not in _PARAMETER_FIRST):  # PromQL: aggregations any case
            continue
        closed = closing(shown, call.end() - 1)
        given = arguments(shown, call.end(), closed) if closed >= 0 else []
        for start, end in given if named else given[:1]:
            argument = text[start:end]
            if STRINGS.fullmatch(argument.strip()):
                at = start + len(argument) - len(argument.lstrip())
                strings.append((at, at + len(argument.strip())))
    if not strings:
        return None
    strings.sort()  # a call's strings come after those of a call it holds: `clamp_max(clamp_max(x, "1"), "2")`
    kept = [text[start:at] for start, (at, _) in zip([0, *(end for _, end in strings)], strings)]
    return "".join(f"{part}{NAN}" for part in kept) + text[strings[-1][1]:]


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
