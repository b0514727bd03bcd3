"""Grafana variable interpolation by position, so a templated query can be parsed as PromQL. Pure.

A variable's replacement depends on where it stands: a duration inside `[...]` or after `offset`,
a number where PromQL wants a scalar (`topk($k, …)`, `> $threshold`), a label name in `by (…)`
and inside `{…}` keys, any text inside a string (label values stay valid), and — when glued to
identifier characters, like `foo_${x}_total` — part of a metric name, which becomes a regex
(`foo_.+_total`) to match against the live names. Unknown `$names` are left alone, as Grafana
does: that is why `$1` in `label_replace` is not a variable.

Only the Grafana variable syntax is tokenised here (`$v`, `${v}`, `${v:fmt}`, `[[v]]`,
`[[v:fmt]]`) with a scanner that knows strings and brackets; PromQL itself is parsed by
promql-parser in `promql_text.py` and `extract.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from vertice_obs.checks.custom_values import current_value, option_values
from vertice_obs.guard.durations import is_duration
from vertice_obs.metrics.formats import formatted, written_all_value, written_empty

# Grafana's global variables: value kind and a representative value.
GLOBALS: dict[str, str] = {
    "__interval": "1m", "__rate_interval": "1m", "__range": "1h", "__interval_ms": "60000",
    "__rate_interval_ms": "60000", "__range_ms": "3600000", "__range_s": "3600", "__from": "1700000000000",
    "__to": "1700003600000", "__dashboard": "dashboard", "__org": "1", "__user": "user", "__name": "name",
    "interval": "1m",
}
PLACEHOLDER = "vobs_placeholder"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_LABEL_LIST = re.compile(r"^\s*[a-zA-Z_]\w*(\s*,\s*[a-zA-Z_]\w*)*\s*$")
_IDENT = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")
# Where the scanner must look: variables, strings, comments (brackets: when a variable needs them).
_TOKENS = re.compile(r"\$|\[\[|[\"'`#]")
_BRACKETS = re.compile(r"[\[\](){}]")
_STRING_STOPS = {q: re.compile("[\\\\$\\[" + re.escape(q) + "]") for q in "\"'`"}
_VAR_NAME = re.compile(r"\w+")
_TRAILING_WORD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")
_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# What Grafana escapes with a backslash (the regex's, before the string's own escaping): its
# Prometheus datasource's `prometheusSpecialRegexEscape` for multi-value and include-All variables,
# and the `${v:regex}` format's `regexEscape` (Python's `re.escape` escapes more: the same match,
# another text in messages).
PROMETHEUS_SPECIAL = re.compile(r"[\\$^*{}\[\]'+?.()|]")
_REGEX_FORMAT_SPECIAL = re.compile(r"[\\^$*+?.()|\[\]{}/]")
_NUMERIC_FIRST_ARG = {"topk", "bottomk", "quantile", "quantile_over_time", "limitk", "limit_ratio",
                      "histogram_quantile", "round", "clamp", "clamp_min", "clamp_max", "predict_linear",
                      "holt_winters", "double_exponential_smoothing"}


@dataclass(frozen=True)
class Variable:
    """A dashboard variable's usable values (several when multi-valued or "All")."""

    name: str
    values: tuple[str, ...] = ()
    all_value: str | None = None
    chosen_all: bool = False  # "All" is its current value (what it stands for: `values` or `all_value`)
    refreshed: str = ""  # "on load" / "on time range change": a query variable Grafana re-runs (see `refreshed`)
    escaped: bool = False  # multi-value or include-All: Grafana's Prometheus datasource regex-escapes its values
    lists_nothing: bool = False  # its dropdown lists nothing: `''`, `[]` or All over none (`formats` writes each)

    def picked(self, value: str) -> Variable:
        """This variable with one option picked (as a reader picks it: escaped as before)."""
        return Variable(self.name, (value,), escaped=self.escaped)


def refreshed(v: Mapping[str, Any]) -> str:
    """When Grafana re-runs a query variable's query ("" for other types): "on time range change" (`refresh: 2`),
    else on load — from 11.3 (scenes' `SceneVariableSet`) "never" (0) too; before, 0 kept the saved options.
    The saved value and options are a snapshot of another server and day: Grafana keeps the saved value
    only if the new options hold it, else shows the first (or All), and offers the new options."""
    if v.get("type") != "query":
        return ""
    return _REFRESHED.get(_refresh_code(v.get("refresh")), _NEVER)


_REFRESHED = {"1": "on load", "2": "on time range change"}
_NEVER = 'on load (from Grafana 11.3, whatever its refresh says — "never" too)'


def _refresh_code(value: Any) -> str:
    """`refresh` as Grafana's `===` reads it — 1 and 1.0 alike (JSON numbers), "1" from
    hand-written JSON too — as "1", "2" or "" (anything else: a bool, `²`, 5,000 digits)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return "1" if value == 1 else "2" if value == 2 else ""
    return value.strip() if isinstance(value, str) and value.strip() in _REFRESHED else ""


@dataclass
class Interpolated:
    text: str
    # Placeholder metric name → regex over real names, for variables inside metric names.
    name_patterns: dict[str, str] = field(default_factory=dict)
    variables: tuple[str, ...] = ()  # names that were replaced


def variables_from_dashboard(dashboard: Mapping[str, Any]) -> dict[str, Variable]:
    """Each templating variable's value: its current value, else its first option, else none."""
    out: dict[str, Variable] = {}
    for v in (dashboard.get("templating") or {}).get("list") or []:
        if not isinstance(v, dict) or not v.get("name") or v.get("type") == "datasource":
            continue
        current = current_value(v)  # a custom variable's as Grafana checks it against its query
        values = current if isinstance(current, list) else [current] if current not in (None, "") else []
        if not values:
            values = [o.get("value") for o in v.get("options") or [] if isinstance(o, dict) and o.get("value")][:1]
        if not values and v.get("type") in ("constant", "textbox") and isinstance(v.get("query"), str):
            values = [v["query"]]
        chosen_all = "$__all" in values
        all_value = v.get("allValue") if chosen_all else None  # All's alone: left after Include All is unticked
        when = refreshed(v)
        if chosen_all:
            options = [x for x in option_values(v) if x not in (None, "$__all")]
            values = options if not all_value and not when else []  # re-run: other options
            all_value = all_value or None
        elif when:
            values = []  # the saved value need not be among the options the query gives now
        out[v["name"]] = Variable(v["name"], tuple(str(x) for x in values), all_value, chosen_all, when,
                                  bool(v.get("multi") or v.get("includeAll")))
    return out


def variable_options(dashboard: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The options a reader can pick for each custom variable (`option_values`: parsed from its
    query; not "All"): each is checked on its own, since any of them can be the one on screen. A query
    variable has none: Grafana re-runs its query (`refreshed`), so its saved options are not what it offers."""
    out: dict[str, tuple[str, ...]] = {}
    for v in (dashboard.get("templating") or {}).get("list") or []:
        if not isinstance(v, dict) or v.get("type") != "custom" or not isinstance(v.get("name"), str):
            continue
        values = [str(x) for x in option_values(v) if isinstance(x, (str, int, float)) and x not in ("$__all", "")]
        if values:
            out[v["name"]] = tuple(dict.fromkeys(values))
    return out


def _backslashed(match: re.Match[str]) -> str:  # `sub(r"\\\g<0>")`, without re reading the template per call
    return "\\" + match.group()


# For `_Interpolator._remembered`: a string literal's (body, quote) → the variables its scan looked
# up; and (body, quote), their values → its text and the names it replaced. Bounded; dropped with
# the run's other caches.
_LOOKED_UP: dict[tuple[str, str], tuple[str, ...]] = {}
_STRINGS: dict[tuple[tuple[str, str], tuple[object, ...]], tuple[str, tuple[str, ...]]] = {}
_CACHE_LIMIT = 100_000
_ABSENT = object()


def clear_cache() -> None:
    _LOOKED_UP.clear()
    _STRINGS.clear()


def _closed(literal: str) -> bool:
    """Does every `${` and `[[` in the literal close inside it? Grafana's syntax reads on to the next
    `}` or `]]` wherever it is, so one that does not is interpolated across the literal's end."""
    last = literal.rfind("${")  # the last one closing: all of them (no generator: ~100,000 calls a run)
    return (last < 0 or literal.find("}", last) >= 0) and ((last := literal.rfind("[[")) < 0 or literal.find("]]", last) >= 0)


def interpolate(expr: str, variables: Mapping[str, Variable] | None = None) -> Interpolated:
    return _Interpolator(expr, variables or {}).run()


class _Interpolator:
    def __init__(self, expr: str, variables: Mapping[str, Variable]):
        self.src = expr
        self.vars = variables
        self.out: list[str] = []
        self.patterns: dict[str, str] = {}
        self.used: list[str] = []
        self.deps: list[tuple[str, object]] | None = None  # the lookups of a literal's scan (`_remembered`)

    def run(self) -> Interpolated:
        src, n, out = self.src, len(self.src), self.out
        if "$" not in src and "[[" not in src:
            return Interpolated(src)
        # Text is copied in runs, and brackets are counted only when a variable outside a string needs
        # the innermost one (`[$__range]`, `by ($label)`): `gaps` holds the text outside strings,
        # comments and variables not counted yet. A query has a bracket every few characters.
        stack: list[tuple[str, int]] = []  # (bracket, its index): the word before it is looked up lazily
        gaps: list[tuple[int, int]] = []
        at = copied = gap = 0  # search from; copied up to; brackets not counted from
        while (match := _TOKENS.search(src, at)) is not None:
            j = match.start()
            ch = src[j]
            if ch == "$" or ch == "[":  # `[[v]]` is a variable; a `[` that is not stays a bracket
                var = self._variable_at(j)
                if not var:
                    at = j + 1
                    continue
                gaps.append((gap, j))
                self._count_brackets(gaps, stack)
                if j > copied:
                    out.append(src[copied:j])
                at = copied = gap = self._replace(var[0], j, var[2], stack)  # the format matters only in strings
            elif ch == "#":  # a PromQL comment runs to the end of the line
                gaps.append((gap, j))
                end = src.find("\n", j)
                at = gap = n if end < 0 else end
            else:
                gaps.append((gap, j))
                if j > copied:
                    out.append(src[copied:j])
                at = copied = gap = self._string(j, ch)
        if copied < n:
            out.append(src[copied:])
        return Interpolated("".join(out), self.patterns, tuple(dict.fromkeys(self.used)))

    def _count_brackets(self, gaps: list[tuple[int, int]], stack: list[tuple[str, int]]) -> None:
        """Each bracket of `gaps` onto (or off) `stack`, in order; `gaps` emptied."""
        for start, end in gaps:
            for match in _BRACKETS.finditer(self.src, start, end):
                if match.group() in "([{":
                    stack.append((match.group(), match.start()))
                elif stack:
                    stack.pop()
        gaps.clear()

    def _string(self, start: int, quote: str) -> int:
        """Copy a string literal, replacing variables inside it; return the index after it."""
        src, i = self.src, start + 1
        end = src.find(quote, i)
        if end > 0 and src[end - 1] != "\\":
            body = src[i:end]
            if "$" not in body and "[[" not in body and "\\" not in body:  # the common case: copy it
                self.out.append(src[start:end + 1])
                return end + 1
            if "\\" not in body and _closed(body):  # its text depends on nothing past its quotes
                return self._remembered(body, quote, start, end)
        return self._string_scan(start, quote)

    def _remembered(self, body: str, quote: str, start: int, end: int) -> int:
        """`_string_scan`'s text for a literal that reads nothing outside it, remembered by its body and
        the values of the variables it looked up (the same answers give the same scan): every query of
        a dashboard repeats `"$env"`, every dashboard its variables. Returns the index after it."""
        get, key = self.vars.get, (body, quote)
        names = _LOOKED_UP.get(key)
        try:
            found = None if names is None else _STRINGS.get((key, tuple(get(n, _ABSENT) for n in names)))
        except TypeError:  # a value that cannot be hashed: not remembered
            return self._string_scan(start, quote)
        if found is not None:
            self.out.append(found[0])
            self.used.extend(found[1])
            return end + 1
        mark, out, self.deps = len(self.used), len(self.out), []
        resume = self._string_scan(start, quote)
        deps, self.deps = self.deps, None
        asked = tuple(name for name, _ in deps)
        if resume == end + 1 and (names is None or names == asked) and len(_STRINGS) < _CACHE_LIMIT:
            _LOOKED_UP[key] = asked
            try:
                _STRINGS[key, tuple(value for _, value in deps)] = "".join(self.out[out:]), tuple(self.used[mark:])
            except TypeError:
                pass
        return resume

    def _string_scan(self, start: int, quote: str) -> int:
        """`_string`, character by character where it must."""
        src, i = self.src, start + 1
        self.out.append(quote)
        stop = _STRING_STOPS[quote]
        while i < len(src):
            match = stop.search(src, i)
            if match is None:
                self.out.append(src[i:])
                return len(src)
            j = match.start()
            if j > i:
                self.out.append(src[i:j])
            ch = src[j]
            if ch == "\\" and quote != "`":
                self.out.append(src[j:j + 2])
                i = j + 2
            elif ch == quote:
                self.out.append(ch)
                return j + 1
            else:
                var = self._variable_at(j)
                if var:
                    name, fmt, end = var
                    self.out.append(self._string_value(name, fmt, quote))
                    i = end
                else:
                    self.out.append(ch)
                    i = j + 1
        return i

    # --- scanning ---------------------------------------------------------------------------------
    def _variable_at(self, i: int) -> tuple[str, str | None, int] | None:
        """A known variable starting at i: (name, format, end index), else None."""
        src = self.src
        if src.startswith("${", i):
            end = src.find("}", i)
            if end > 0:
                body = src[i + 2:end]
                name, _, fmt = body.partition(":")
                if self._known(name):
                    return name, fmt or None, end + 1
            return None
        if src.startswith("[[", i):
            end = src.find("]]", i)
            if end > 0:
                name, _, fmt = src[i + 2:end].partition(":")
                if self._known(name):
                    return name, fmt or None, end + 2
            return None
        if src[i] == "$":
            match = _VAR_NAME.match(src, i + 1)
            if match and self._known(match.group()):
                return match.group(), None, match.end()
        return None

    def _known(self, name: str) -> bool:
        if self.deps is not None:  # scanning a literal to remember: what its text depends on
            self.deps.append((name, self.vars.get(name, _ABSENT)))
        return name in self.vars or name in GLOBALS

    def _word_before(self, upto: int) -> str:
        """The identifier just before source index `upto` (e.g. `by` before its parenthesis)."""
        m = _TRAILING_WORD.search(self.src, max(0, upto - 40), upto)
        return m.group(1) if m else ""

    # --- replacing --------------------------------------------------------------------------------
    def _values(self, name: str) -> tuple[str, ...]:
        if name in self.vars:
            v = self.vars[name]
            if v.values:
                return v.values
            if v.all_value or v.lists_nothing:  # with no format, as the datasource writes it
                return (v.all_value or written_empty(None, name, v.escaped, v.chosen_all),)
            return ()
        return (GLOBALS[name],)

    def _string_value(self, name: str, fmt: str | None, quote: str) -> str:
        self.used.append(name)
        values = self._values(name) or (PLACEHOLDER,)
        v = self.vars.get(name)
        # what regex-escapes each value: the `${v:regex}` format; with no format, Grafana's Prometheus
        # datasource (`interpolateQueryExpr`) for a multi-value or include-All variable's own values
        special = _REGEX_FORMAT_SPECIAL if fmt == "regex" else (
            PROMETHEUS_SPECIAL if fmt is None and v is not None and v.escaped and v.values else None)
        if v is not None and not v.values and (v.all_value or v.lists_nothing):  # as `formats` says, and as it
            # is whatever the string around it: Grafana inserts an allValue unescaped (`CustomAllValue`, h143)
            return written_all_value(fmt, name, v.all_value) if v.all_value else \
                written_empty(fmt, name, v.escaped, v.chosen_all)
        if special is not None or (len(values) > 1 and fmt is None):  # several as a group
            values = tuple(special.sub(_backslashed, x) for x in values) if special is not None else values
            text = "(" + "|".join(values) + ")" if len(values) > 1 else values[0]
        else:
            text = formatted(fmt, values)
        if fmt is None:  # an explicit format's text goes in as it is, as Grafana puts it
            # the datasource doubles each backslash (`prometheusRegularEscape`, `…SpecialRegexEscape`) whatever
            # quotes the string, backquotes too, where PromQL reads none away (h143: `a\\.b`, no match for a.b)
            text = text.replace("\\", "\\\\")
            if quote != "`":
                text = text.replace(quote, "\\" + quote)
        return text

    def _replace(self, name: str, start: int, end: int, stack: list[tuple[str, int]]) -> int:
        """Emit the replacement for the variable at [start, end); return where scanning resumes."""
        self.used.append(name)
        values = self._values(name)
        first = values[0] if values else None
        before = self.src[start - 1] if start > 0 else ""
        after = self.src[end] if end < len(self.src) else ""
        glued = before in _NAME_CHARS or after in _NAME_CHARS
        top, opened = stack[-1] if stack else ("", 0)
        word = self._word_before(opened) if top == "(" else ""
        prev_word = self._word_before(start)

        if (top == "[" or prev_word == "offset") and after.isalpha():  # `[${__range_ms}ms]`: a number, then a unit
            self.out.append(first if first and first.isdigit() else "1")
        elif top == "[" or prev_word == "offset":
            self.out.append(first if first and is_duration(first) else "1m")
        elif top == "{" or (top == "(" and word in _GROUPING):
            # A label name (matcher key or grouping); any valid name keeps the query checkable.
            if top == "(" and first and _LABEL_LIST.match(",".join(values)) and not glued:
                self.out.append(",".join(values))
            else:
                self.out.append(PLACEHOLDER if not glued else "vobs")
        elif glued:
            return self._name_part(end)
        else:
            self.out.append(self._standalone(first, top, word))
        return end

    def _standalone(self, value: str | None, top: str, word: str) -> str:
        if value is not None and (_NUMBER.match(value) or _IDENT.match(value) or is_duration(value)):
            return value
        tail = "".join(self.out).rstrip()
        if tail.endswith(tuple("<>=*/+-^%,")) or (top == "(" and word in _NUMERIC_FIRST_ARG and tail.endswith("(")):
            return "1"
        if value:
            return value
        # A standalone variable in expression position with no value: a metric we cannot name.
        placeholder = f"vobs_var_{len(self.patterns)}"
        self.patterns[placeholder] = ".+"
        return placeholder

    def _name_part(self, end: int) -> int:
        """A variable glued to identifier characters: the whole identifier becomes a name pattern."""
        # Walk back over identifier characters already emitted to find the identifier's start.
        emitted = "".join(self.out)
        k = len(emitted)
        while k > 0 and emitted[k - 1] in _NAME_CHARS:
            k -= 1
        prefix = emitted[k:]
        # Walk forward over the rest of the identifier, which may contain more variables.
        regex = [re.escape(prefix), ".+"]
        i = end
        while i < len(self.src):
            var = self._variable_at(i)
            if var:
                self.used.append(var[0])
                regex.append(".+")
                i = var[2]
            elif self.src[i] in _NAME_CHARS:
                regex.append(re.escape(self.src[i]))
                i += 1
            else:
                break
        placeholder = f"vobs_var_{len(self.patterns)}"
        self.patterns[placeholder] = "".join(regex)
        self.out[:] = [emitted[:k], placeholder]
        return i


def mentions(expr: str, name: str) -> bool:
    """Does `expr` use the variable `name` (`$name`, `${name…}`, `[[name…]]`)? A prefix match over-counts
    (`$env` in `$environment`), which only ever means one more judgement, never a missed one."""
    return f"${name}" in expr or f"${{{name}" in expr or f"[[{name}" in expr
