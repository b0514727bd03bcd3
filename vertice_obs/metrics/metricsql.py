"""MetricsQL, VictoriaMetrics' superset of PromQL: is a query that does not parse as PromQL valid
MetricsQL, and which of MetricsQL's constructs does it take? Pure.

vobs parses PromQL. A query the parser refuses is judged here, one construct at a time: the first
thing PromQL rejects is named — by the parser's message, or in the query's text — and replaced by
PromQL that the parser reads the same way (a MetricsQL function's call, each argument judged on its
own and their count held to what the function takes — `metricsql_arity` —, by a selector; `default`
by `or`; `offset` after an expression dropped; …), and the result is parsed again: until it parses
(valid MetricsQL, each construct named) or is refused for something that is no MetricsQL (invalid
there too: it stays a `promql/parse` error). Two constructs are named
but not replaced — WITH templates and a range vector in arithmetic —: the rest of such a query is
only checked for balanced brackets and quotes (and, past WITH, the counts of arguments of the calls
its templates run, and of the templates it calls: `metricsql_with`). A query that only a function's
(or a template's) count of arguments keeps from being valid MetricsQL (`range_quantile(x)`, `WITH (f(a)
= a) f(x, y)`) is invalid — VictoriaMetrics refuses it when it evaluates the call (expands the
template) —, and `miscounted_metricsql` names that call.

Recognised: MetricsQL's functions (VictoriaMetrics' own list, app/vmselect/promql, with its built-in
templates `alias`, `ru`, `ttf` and `range_median`; `holt_winters`, Prometheus 2's and MetricsQL's, is
PromQL to `parse_promql`, and Prometheus 3's `double_exponential_smoothing` no MetricsQL), the `if`,
`ifnot` and `default` operators,
`keep_metric_names`, `limit N` after an aggregation, `[Ni]` step-count ranges, WITH templates; and,
by the parser's message, MetricsQL's leniencies: a rollup without its window (`rate(x)`), an
aggregate over several arguments (`sum(a, b)`), a range vector in arithmetic (`x[1m] * 0`), `offset`
or `@` after any expression, `or`/`and`/`unless` with a number (`x or 0`), a trailing comma after
a call's arguments (`rate(x[5m],)`), `histogram_quantile`'s third argument (a bounds label), numbers with a
unit suffix (`1Ki`, `2M`), fractional durations (`[1.5h]`), a string where PromQL wants a number
(`clamp_max(x, "1")`, `topk("5", x)`: read as NaN — `metricsql_numbers`), `vector()` of a query
(`vector(up)`), and `(a, b)`, a union — of strings too (`("a", "b")`). `tests/test_metricsql.py`
holds the verdicts against the real VictoriaMetrics (Debian's 1.79: the functions added since are
named MetricsQL all the same; that VictoriaMetrics refuses them). Source: the MetricsQL reference,
docs.victoriametrics.com/metricsql/.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from vertice_obs.checks.datasources import Backend
from vertice_obs.metrics.metricsql_arity import Miscounted, miscount
from vertice_obs.metrics.metricsql_numbers import (
    fractions_applied,
    strings_as_numbers,
    suffixes_applied,
)
from vertice_obs.metrics.metricsql_with import CALL as _CALL
from vertice_obs.metrics.metricsql_with import STRINGS as _STRINGS
from vertice_obs.metrics.metricsql_with import arguments as _arguments
from vertice_obs.metrics.metricsql_with import closing as _closing
from vertice_obs.metrics.metricsql_with import masked as _masked
from vertice_obs.metrics.metricsql_with import outside_strings as _outside_strings
from vertice_obs.metrics.metricsql_with import with_miscounted
from vertice_obs.metrics.promql_text import SMOOTHING, check_query_shape, parse_promql

_FUNCTIONS = frozenset("""
aggr_over_time alias any ascent_over_time bitmap_and bitmap_or bitmap_xor bottomk_avg bottomk_last
bottomk_max bottomk_median bottomk_min buckets_limit changes_prometheus count_eq_over_time
count_gt_over_time count_le_over_time count_ne_over_time count_values_over_time decreases_over_time
default_rollup delta_prometheus deriv_fast descent_over_time distinct distinct_over_time
drop_common_labels drop_empty_series duration_over_time geomean geomean_over_time histogram
histogram_over_time histogram_quantiles histogram_share hoeffding_bound_lower hoeffding_bound_upper ideriv
increase_prometheus increase_pure increases_over_time integrate interpolate keep_last_value
keep_next_value label_copy label_del label_graphite_group label_keep label_lowercase label_map
label_match label_mismatch label_move label_set label_transform label_uppercase label_value
labels_equal lag lifetime limit_offset mad median median_over_time mode mode_over_time now
outlier_iqr_over_time outliers_iqr outliers_mad outliersk prometheus_buckets quantiles
quantiles_over_time rand rand_exponential rand_normal range_avg range_first range_last
range_linear_regression range_mad range_max range_median range_min range_normalize range_over_time
range_quantile range_stddev range_stdvar range_sum range_trim_outliers range_trim_spikes
range_trim_zscore range_zscore rate_over_sum rate_prometheus remove_resets rollup rollup_candlestick
rollup_delta rollup_deriv rollup_increase rollup_rate rollup_scrape_interval ru running_avg
running_max running_min running_sum scrape_interval share share_eq_over_time share_gt_over_time
share_le_over_time smooth_exponential sort_by_label_numeric sort_by_label_numeric_desc
stale_samples_over_time sum2 sum2_over_time sum_eq_over_time sum_gt_over_time sum_le_over_time
tfirst_over_time timestamp_with_name timezone_offset tlast_change_over_time tlast_over_time
tmax_over_time tmin_over_time topk_avg topk_last topk_max topk_median topk_min ttf union zscore
zscore_over_time
""".split())
# PromQL's aggregations; MetricsQL takes several arguments for those of one (`sum(a, b)`), not the rest
_SEVERAL_TAKEN = frozenset({"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"})
_AGGREGATIONS = _SEVERAL_TAKEN | {"topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"}
_UNKNOWN_FUNCTION = re.compile(r"unknown function with name '([A-Za-z_:][\w:]*)'")
_WINDOWLESS = re.compile(r"expected type matrix in call to function '([A-Za-z_:][\w:]*)', got vector")
_SEVERAL = re.compile(r"wrong number of arguments for aggregate expression provided, expected [12], got \d+")
_RANGE_FOR_INSTANT = re.compile(r"binary expression must contain only scalar and instant vector types|expected type "
                                r"vector in (?:aggregation expression|call to function '\w+'), got matrix")
_RANGE_AFTER_EXPRESSION = re.compile(r"ranges only allowed for vector selectors")
_MODIFIER = re.compile(r"(offset|@) modifier must be preceded by an? vector selector")
_SCALAR_SET = re.compile(r"set operator '(\w+)' not allowed in binary scalar expression")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.])"
_AFTER_EXPRESSION = re.compile(r"\)\s*(?:offset\s+-?\s*\d[\w.]*|@\s*(?:start\s*\(\s*\)|end\s*\(\s*\)|" + _NUMBER + "))",
                               re.I)
_OPERATOR = re.compile(r"(?<=[\w)\]}])(\s+)(ifnot|if|default)(\s+)(" + _NUMBER + ")?", re.I)
_AS_PROMQL = {"if": "and", "ifnot": "unless", "default": "or"}
_SET_WITH_NUMBER = re.compile(r"\b(or|and|unless)(\s+)(" + _NUMBER + ")|(?<![\\w.])(" + _NUMBER + r")(\s+)(or|and|unless)\b",
                              re.I)
# MetricsQL's `histogram_quantile(phi, buckets, "boundsLabel")`: PromQL's takes two
_BOUNDS_LABEL = re.compile(r"expected 2 argument\(s\) in call to 'histogram_quantile', got 3")
# `vector(up)`: MetricsQL's vector() of a query, not only of a number (PromQL's)
_VECTOR_OF = re.compile(r"expected type scalar in call to function 'vector', got (?:vector|matrix)")
_OPERATOR_WORDS = frozenset({"and", "or", "unless", "bool", "if", "ifnot", "default", "atan2", "offset"})
_KEEP_NAMES = re.compile(r"\)\s*keep_metric_names\b")
_TRAILING_COMMA_ERROR = "trailing commas not allowed in function call args"
_TRAILING_COMMA = re.compile(r"[^,(\s]\s*(,)\s*\)")  # after an argument: `f(x,)`, never `f(,)` or `f(x,,)`
_SYNTAX: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str], str], ...] = (
    (re.compile(r"\)\s*limit\s+\d+", re.I), lambda m: ")", "`limit N` after an aggregation"),
    (re.compile(r"([\[:]\s*\d+(?:\.\d*)?)i(\s*[]:])"), lambda m: f"{m.group(1)}m{m.group(2)}", "step-count ranges (`[10i]`)"),
)
_WITH = re.compile(r"^\s*WITH\s*\(", re.I)
_CLAUSE_AFTER = re.compile(r"\s*(?:by|without)\s*\([^()]*\)", re.I)
_CALL_RANGE = re.compile(r"\)\s*\[([^]\[:]*)\]")  # `f(x)[1h]`: MetricsQL's subquery without a step
_RANGE_AFTER = re.compile(r"\s*\[[^]\[:]*\]")  # the same after a call replaced: `increase(x)[1m]`
_RANGE = re.compile(r"(?<=[\w})])\s*\[[^]\[]*\]")  # `x{…}[5m]`, `f(x)[1h:]`
_STAND_IN = "vobs_metricsql"  # what a call judged on its own stands for in the rest of the query
_UNREAD = ""  # a construct named but not replaced: the rest of the query is not read further
_MAX_STEPS = 32


def valid_metricsql(text: str, error: str, counted: bool = True) -> str:
    """The MetricsQL constructs `text` takes, named and joined ("`topk_last()`, the `default`
    operator"), when it is valid MetricsQL as far as vobs can tell; "" when it is not — or takes no
    construct vobs knows. `error` is the parser's message for `text`. `counted`: a MetricsQL function
    given a count of arguments it does not take (`range_quantile(x)`) makes it invalid; not counted,
    what it would be with the counts right."""
    if not _balanced(text) or _beyond_shape(text):
        return ""
    named: list[str] = []
    for _ in range(_MAX_STEPS):
        step = _step(text, error, counted)
        if step is None:
            return ""
        what, rest = step
        if what not in named:
            named.append(what)
        if rest == _UNREAD:
            return ", ".join(named)
        if rest == text:
            return ""
        found = _error(rest)
        if found is None:
            return ", ".join(named)
        text, error = rest, found
    return ""


def miscounted_metricsql(text: str, error: str) -> Miscounted | None:
    """The first call in `text` of a MetricsQL function given a count of arguments it does not take,
    when that is all that keeps `text` from being valid MetricsQL (`error`: the parser's message for
    it); None otherwise — valid, or invalid for something else too."""
    if _beyond_shape(text):
        return None
    masked = _masked(text)
    if _WITH.search(text):
        if (found := with_miscounted(masked)) is None or valid_metricsql(text, error) or not valid_metricsql(
                text, error, counted=False):
            return None
        return replace(found, call=text[found.at - 1:found.at - 1 + len(found.call)])
    for found in _CALL.finditer(masked):  # the calls first: most queries have none miscounted, and this is cheap
        closed = _closing(masked, found.end() - 1)
        given = len(_arguments(masked, found.end(), closed)) if closed >= 0 else 0
        if closed >= 0 and (takes := miscount(found.group(1), given)):
            if valid_metricsql(text, error) or not valid_metricsql(text, error, counted=False):
                return None
            return Miscounted(found.group(1), given, takes, found.start() + 1, text[found.start():closed + 1])
    return None


def metricsql_hint(what: str, backend: Backend | None) -> str:
    """The clause of a `promql/parse` error for a query that is valid MetricsQL (`what`, as
    `valid_metricsql` names it) where nothing says the datasource is a VictoriaMetrics: no server
    checked (offline: it may be one), or a server that is not one (`backend`)."""
    if not what:
        return ""
    said = f"; valid MetricsQL ({what}), which VictoriaMetrics answers and Prometheus rejects"
    if backend is None:
        return said + (" — if this datasource is a VictoriaMetrics, check against it (--prometheus-url): valid "
                       "MetricsQL is then said as such (promql/metricsql), not an error")
    return said + f" — and {backend.shown} is no VictoriaMetrics"


def _beyond_shape(text: str) -> bool:
    """Does the shape guard refuse `text` (too long, nested too deeply, too many operators)? Then it is
    read as MetricsQL no more than as PromQL: each call's brackets would be scanned once per call
    around it — a query nested 13,000 deep took minutes — and its finding is the guard's."""
    try:
        check_query_shape(text)
    except ValueError:
        return True
    return False


def _error(text: str) -> str | None:
    """The parser's message for `text`, None when it parses."""
    try:
        check_query_shape(text)
        parse_promql(text)
    except (ValueError, RuntimeError) as exc:
        return str(exc)
    return None


def _step(text: str, error: str, counted: bool) -> tuple[str, str] | None:
    """The first construct PromQL rejects in `text`, named, and `text` with it replaced (`_UNREAD`:
    not replaced); None when that is no MetricsQL — or a call of it has an argument that is not, or
    (`counted`) a count of arguments the function does not take."""
    if found := _UNKNOWN_FUNCTION.search(error):
        name = found.group(1)
        if name.lower() not in _FUNCTIONS:
            return None
        return _named(f"`{name}()`", _calls_replaced(text, {name.lower()}, counted))
    if found := _WINDOWLESS.search(error):
        name = found.group(1)
        if name == SMOOTHING:
            return None  # Prometheus 3's name for holt_winters: VictoriaMetrics knows the old one only
        return _named(f"`{name}()` without a window (the lookbehind window left implicit)",
                      _calls_replaced(text, {name.lower()}, counted))
    if _SEVERAL.search(error):
        return _named("an aggregate over several arguments (`sum(a, b)`)",
                      _calls_replaced(text, set(_SEVERAL_TAKEN), counted, taken=lambda given: given > 1))
    if _RANGE_FOR_INSTANT.search(error):
        return _named("a range vector where an instant vector is expected (`x[1m] * 2`, `sum(x[5m])`)",
                      _range_dropped(text, error))
    if _RANGE_AFTER_EXPRESSION.search(error):
        return ("a range after an expression (`rate(x[5m])[1h]`: a subquery without its `:`)",
                _outside_strings(text, lambda part: _CALL_RANGE.sub(r")[\1:]", part)))
    if found := _MODIFIER.search(error):
        example = "sum(x) offset 1h" if found.group(1) == "offset" else "sum(x) @ end()"
        return (f"`{found.group(1)}` after an expression (`{example}`), not only after a selector",
                _outside_strings(text, lambda part: _AFTER_EXPRESSION.sub(")", part)))
    if _VECTOR_OF.search(error):
        return _named("`vector()` of a query (`vector(up)`), not only of a number",
                      _calls_replaced(text, {"vector"}, counted, taken=lambda given: given == 1))
    if (rest := strings_as_numbers(text, error)) is not None:
        return 'a string where a number is expected (`clamp_max(x, "1")`), which VictoriaMetrics reads as NaN', rest
    if _BOUNDS_LABEL.search(error):
        return _named('`histogram_quantile()` with a bounds label (`histogram_quantile(0.9, x, "bounds")`)',
                       _bounds_dropped(text))
    if "bad number or duration syntax" in error and (rest := suffixes_applied(text)) != text:
        return "numbers with a unit suffix (`1Ki`, `2M`, `1.5GB`)", rest
    if ("not a valid duration string" in error or "bad number or duration syntax" in error) and (
            rest := fractions_applied(text)) != text:
        return "fractional durations (`[1.5h]`)", rest
    if _TRAILING_COMMA_ERROR in error:
        return _named("a trailing comma after a call's arguments (`rate(x[5m],)`)", _commas_dropped(text))
    if found := _SCALAR_SET.search(error):
        return (f"`{found.group(1)}` with a number (`x or 0`)",
                _outside_strings(text, lambda part: _SET_WITH_NUMBER.sub(_vector, part)))
    if _WITH.search(text):  # read only for the counts of arguments of the calls its templates run
        return None if counted and with_miscounted(_masked(text)) else ("WITH templates", _UNREAD)
    if (rest := _names_kept(text)) != text:
        return "`keep_metric_names`", rest
    keywords: list[str] = []
    rest = _outside_strings(text, lambda part: _OPERATOR.sub(lambda m: _as_promql(m, keywords), part))
    if keywords:
        return f"the `{keywords[0]}` operator", rest
    for pattern, replacement, what in _SYNTAX:
        rest = _outside_strings(text, lambda part: pattern.sub(replacement, part))
        if rest != text:
            return what, rest
    if (rest := _unions_named(text)) != text:
        return "`(a, b)`: the union of several queries", rest
    for found in _CALL.finditer(_masked(text)):  # a call the parser's message did not name (`share(x) by (job)`)
        if (name := found.group(1)).lower() in _FUNCTIONS:
            return _named(f"`{name}()`", _calls_replaced(text, {name.lower()}, counted))
    return None


def _bounds_dropped(text: str) -> str | None:
    """`text` without the string third argument of each `histogram_quantile` call that has one; None
    when no call has (VictoriaMetrics too refuses a third argument that is no string)."""
    masked, dropped = _masked(text), None
    for found in reversed(list(_CALL.finditer(masked))):
        closed = _closing(masked, found.end() - 1) if found.group(1).lower() == "histogram_quantile" else -1
        arguments = _arguments(masked, found.end(), closed) if closed >= 0 else []
        if len(arguments) == 3 and _STRINGS.fullmatch(text[slice(*arguments[2])].strip()):
            dropped = text = text[:arguments[1][1]] + text[closed:]
            masked = masked[:arguments[1][1]] + masked[closed:]
    return dropped


def _unions_named(text: str) -> str:
    """`text` with each bare bracket of several queries (`(a, b)`, `("a", "b")`: not a call's) as the
    `union(a, b)` MetricsQL reads it as — but a list of strings that is an argument of a MetricsQL
    function, which takes it as such (`aggr_over_time(("min_over_time", "max_over_time"), x[5m])`)."""
    masked, named = _masked(text), []  # where `union` goes: no insertion changes another bracket's reading
    calls: list[bool] = []  # for each bracket around: is it a MetricsQL function's call?
    for opened, char in enumerate(masked):
        if char in ")]}" and calls:
            calls.pop()
        if char in "[{":
            calls.append(False)
        if char != "(":
            continue
        end = opened  # the word before it, read backwards to the bracket before: each character once in all
        while end and masked[end - 1].isspace():
            end -= 1
        start = end
        while start and (masked[start - 1].isalnum() or masked[start - 1] in "_:"):
            start -= 1
        listed = start == end and masked[end - 1:end] in ("(", ",") and bool(calls) and calls[-1]
        calls.append(start < end and masked[start:end].lower() in _FUNCTIONS)
        if masked[end - 1:end] in (")", "]", "}") or start < end and masked[start:end].lower() not in _OPERATOR_WORDS:
            continue
        closed = _closing(masked, opened)
        arguments = _arguments(masked, opened + 1, closed) if closed >= 0 else []
        if (len(arguments) > 1 and not (listed and _STRING_LIST.fullmatch(text[opened:closed + 1]))
                and not _CLAUSE_AFTER.match(masked, closed + 1)):  # `(a, b) by (job)`: VictoriaMetrics refuses it
            named.append(opened)
    return "".join(text[a:b] + ("union" if b < len(text) else "") for a, b in zip([0, *named], [*named, len(text)]))


def _commas_dropped(text: str) -> str | None:
    """`text` without each trailing comma after a call's last argument; None when it has none."""
    commas = [found.start(1) for found in _TRAILING_COMMA.finditer(_masked(text))]
    if not commas:
        return None
    kept = [text[start:comma] for start, comma in zip([0, *(c + 1 for c in commas)], commas)]
    return "".join(kept) + text[commas[-1] + 1:]


def _names_kept(text: str) -> str:
    """`text` without each `keep_metric_names` after a function's call (where MetricsQL takes it: not
    after an aggregation, a selector or brackets of its own)."""
    masked = _masked(text)
    for found in reversed(list(_KEEP_NAMES.finditer(masked))):
        depth, at = 0, found.start()
        while at >= 0:
            depth += masked[at] == ")"
            depth -= masked[at] == "("
            if depth == 0:
                break
            at -= 1
        called = re.search(r"([A-Za-z_][\w:]*)\s*$", masked[:max(at, 0)])
        if called and called.group(1).lower() not in _AGGREGATIONS and called.group(1).lower() not in ("by", "without"):
            text = text[:found.start() + 1] + text[found.end():]
            masked = masked[:found.start() + 1] + masked[found.end():]
    return text


def _named(what: str, rest: str | None) -> tuple[str, str] | None:
    return None if rest is None else (what, rest)


def _as_promql(match: re.Match[str], keywords: list[str]) -> str:
    """`if`/`ifnot`/`default` as the PromQL operator the parser reads the same way (`and`, `unless`,
    `or`), a number after it as a vector (`default 0`: `or vector(0)`, not `or 0`)."""
    keyword = match.group(2).lower()
    keywords.append(keyword)
    number = match.group(4)
    return f"{match.group(1)}{_AS_PROMQL[keyword]}{match.group(3)}" + (f"vector({number})" if number else "")


def _vector(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)}{match.group(2)}vector({match.group(3)})"
    return f"vector({match.group(4)}){match.group(5)}{match.group(6)}"


def _calls_replaced(text: str, names: set[str], counted: bool,
                    taken: Callable[[int], bool] = lambda given: True) -> str | None:
    """`text` with each call of a function in `names` — its `by`/`without` clause, before or after,
    included — replaced by a stand-in selector, once each of its arguments is judged valid on its
    own (a string, a list of strings, PromQL, or valid MetricsQL) and (`counted`) their count is one
    the function takes; None when one is not. `taken`: only the calls with a count it holds true
    (several for `sum(a, b)`, one for `vector(up)`: the others are PromQL's parser's to judge)."""
    masked = _masked(text)
    calls = [found for found in _CALL.finditer(masked) if found.group(1).lower() in names]
    for found in reversed(calls):
        opened = found.end() - 1
        closed = _closing(masked, opened)
        if closed < 0:
            return None
        arguments = _arguments(masked, opened + 1, closed)
        if not taken(len(arguments)):
            continue
        if counted and miscount(found.group(1), len(arguments)):
            return None
        if not all(_valid_argument(text[a:b].strip(), counted) for a, b in arguments):
            return None
        end = closed + 1
        if after := _CLAUSE_AFTER.match(masked, end):
            end = after.end()
        if after := _RANGE_AFTER.match(masked, end):  # `increase(x)[1m]`: a range of the call, gone with it
            end = after.end()
        text = text[:found.start()] + _STAND_IN + text[end:]
        masked = masked[:found.start()] + _STAND_IN + masked[end:]
    return text


def _range_dropped(text: str, error: str) -> str | None:
    """`text` without the first range (or subquery) whose dropping ends `error` (MetricsQL reads a range
    vector where an instant one is expected as its last value): preferably not a function's argument —
    dropping that one makes PromQL ask for a range instead (a rollup without its window, MetricsQL
    too: the next step). None: dropping none changes the error."""
    masked, second = _masked(text), None  # (the text, its error) to go on with when no drop ends the error
    for found in _RANGE.finditer(masked):
        rest = text[:found.start()] + text[found.end():]
        after = _error(rest)
        if after is None or (after != error and not _WINDOWLESS.search(after)):
            return rest
        if second is None or after != error and second[1] == error:  # MetricsQL takes `rate(x)` too
            second = (rest, after)
    return second[0] if second is not None else None


_STRING_LIST = re.compile(r"\(\s*(?:" + _STRINGS.pattern + r")(?:\s*,\s*(?:" + _STRINGS.pattern + r"))*\s*\)", re.S)


def _valid_argument(argument: str, counted: bool) -> bool:
    if _STRINGS.fullmatch(argument) or _STRING_LIST.fullmatch(argument):
        return True  # a label name, a replacement, `("min_over_time", "max_over_time")`
    error = _error(argument)
    return error is None or bool(valid_metricsql(argument, error, counted))


def _balanced(text: str) -> bool:
    bare = _STRINGS.sub('""', text)
    if any(quote in bare.replace('""', "") for quote in "\"'`"):
        return False  # a quote left open
    stack = []
    for char in bare:
        if char in "([{":
            stack.append(")]}"["([{".index(char)])
        elif char in ")]}" and (not stack or stack.pop() != char):
            return False
    return not stack
