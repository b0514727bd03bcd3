"""What Grafana makes of a custom variable: its options parsed from `query`, and the value it shows
when the saved `current` is not among them. Pure; part of the kernel — the
`variable/current-not-an-option` lint and `metrics.interpolate` read the same answer.

Grafana parses a custom variable's options from its `query` on every load, whatever its saved
`options` say, and checks the saved value against them (11.3 and later: grafana/scenes
`CustomVariable` and `MultiValueVariable.getStateUpdateGivenNewOptions`, the dashboard's
`includeAll` becoming `defaultToAll` in grafana/grafana `createSceneVariableFromVariableModel`;
Grafana 10's `validateVariableSelectionState` did the same where it counts here):

- options: `query` split at the commas not escaped (`\\,` is a comma), each `text : value` or a
  value that is its own text, trimmed;
- none (an empty query): the saved value is kept;
- All saved: kept with Include All, else the first option;
- multi-value: the saved values among the options; none → All with Include All, else the first;
- single value: the option with that value, else with that text; none → All with Include All,
  else the first option.

Not known here (None): a query that refers to variables (Grafana interpolates it first) or is
not comma-separated text (`valuesFormat: json`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Mapping

from vertice_obs.checks.walk import VARIABLE_REF, as_dict, as_list

ALL = "$__all"
_ITEM = re.compile(r"(?:\\,|[^,])+")  # scenes' own split
# JavaScript's `\s` and what its `trim()` strips: WhiteSpace and LineTerminator (ECMA-262 §12.2, §12.3)
# — not Python's, which adds U+001C–U+001F and U+0085 and leaves out U+FEFF
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000\ufeff"
_SEPARATOR = re.compile(f"(?=[{JS_SPACE}]:[{JS_SPACE}])")  # where a `text : value` pair may split (a lookahead)
_LINE_END = re.compile("[\n\r\u2028\u2029]")  # what JavaScript's `.` does not match


@dataclass(frozen=True)
class Shown:
    """A custom variable's saved value and the one Grafana shows instead (`value`: text, a list of
    texts, or `$__all`), with the options it checked it against ((text, value) pairs)."""

    saved: Any
    value: Any
    options: tuple[tuple[str, str], ...]
    by_text: bool = False  # the saved value is no option's value, its saved text is one's text

    @property
    def replaced(self) -> bool:
        """Is the value shown another than the one saved (a multi-value variable's values as a list)?"""
        return _texts(self.value) != _texts(self.saved)


def custom_options(v: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """(text, value) of each option Grafana parses from a custom variable's `query`, in order; None
    when it cannot be known here (not a custom variable, no query text, one that refers to variables,
    a JSON list)."""
    query = v.get("query")
    if v.get("type") != "custom" or not isinstance(query, str) or v.get("valuesFormat") not in (None, "csv") \
            or VARIABLE_REF.search(query):
        return None
    out = []
    for item in _ITEM.findall(query):
        item = item.replace("\\,", ",")
        pair = text_and_value(item)
        out.append((pair[0].strip(JS_SPACE), pair[1].strip(JS_SPACE)) if pair else
                   (item.strip(JS_SPACE), item.strip(JS_SPACE)))
    return tuple(out)


def text_and_value(item: str) -> tuple[str, str] | None:
    """scenes' `/^\\s*(.+)\\s:\\s(.+)$/`: its two groups, or None — in O(n log n). Its `.` is
    JavaScript's: any character but a line end (`\\n`, `\\r`, U+2028, U+2029), so `"Dev\\r : dev"` is one
    plain option there. The expression itself, in Python's `re`, backtracks quadratically (an option
    of 32,000 spaces took 5 s; a dashboard is input from anywhere). Its order: the most leading space
    `\\s*` can take, then the last separator after it; a separator stands at i (`item[i:i + 3]` is
    space, colon, space) with text before it (from the leading space's end, no line end) and after it
    (to the end, no line end)."""
    ends = [m.start() for m in _LINE_END.finditer(item)]
    last_end = ends[-1] if ends else -1
    splits = [m.start() for m in _SEPARATOR.finditer(item, max(last_end - 2, 0))
              if m.start() + 3 < len(item) and m.start() + 3 > last_end]
    if not splits:
        return None
    lead = len(item) - len(item.lstrip(JS_SPACE))
    after = bisect_right(ends, lead - 1)  # the first line end at or after `start`
    line_end = ends[after] if after < len(ends) else len(item)
    for start in range(lead, -1, -1):
        if start < len(item) and _LINE_END.match(item, start):
            line_end = start
        at = bisect_right(splits, line_end) - 1  # the last separator the text can reach
        if at >= 0 and splits[at] > start:
            return item[start:splits[at]], item[splits[at] + 3:]
    return None


def shown(v: Mapping[str, Any]) -> Shown | None:
    """What Grafana shows of a custom variable whose options are known and not empty, else None
    (its saved value is what Grafana keeps — or, not a custom variable, not judged here)."""
    options = custom_options(v)
    if not options:
        return None
    current = as_dict(v.get("current"))
    saved, text = current.get("value", ""), current.get("text", "")
    saved = "" if saved is None else saved
    values = [value for _, value in options]
    include_all, multi = _truthy(v.get("includeAll")), _truthy(v.get("multi"))
    first = [values[0]] if multi else values[0]
    if saved == ALL or isinstance(saved, list) and saved and saved[0] == ALL:
        return Shown(saved, saved if include_all else first, options)
    if multi:
        held = [x for x in (saved if isinstance(saved, list) else [saved]) if isinstance(x, str) and x in values]
        return Shown(saved, held or ([ALL] if include_all else first), options)
    if isinstance(saved, str) and saved in values:
        return Shown(saved, saved, options)
    named = [value for label, value in options if isinstance(text, str) and label == text]
    if named:  # scenes keeps looking for a value, so the last option of that text
        return Shown(saved, named[-1], options, by_text=True)
    return Shown(saved, ALL if include_all else first, options)


def current_value(v: Mapping[str, Any]) -> Any:
    """The value Grafana uses for a variable: a custom variable's as `shown`, else its saved `current.value`."""
    got = shown(v)
    return got.value if got is not None else as_dict(v.get("current")).get("value")


def option_values(v: Mapping[str, Any]) -> list[Any]:
    """The values of the options Grafana offers: a custom variable's parsed from its query, else (not
    known, or an empty query) those saved in `options`."""
    parsed = custom_options(v)
    if parsed:
        return [value for _, value in parsed]
    return [o.get("value") for o in as_list(v.get("options")) if isinstance(o, dict)]


def _texts(value: Any) -> list[str]:
    return [str(x) for x in (value if isinstance(value, list) else [value])]


def _truthy(value: Any) -> bool:
    """JavaScript's truthiness of a JSON value (an empty list or object is true there)."""
    return bool(value) or isinstance(value, (list, dict))
