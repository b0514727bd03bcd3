"""MetricsQL, VictoriaMetrics' superset of PromQL: name what a query that does not parse as PromQL
took from it. Pure.

Prometheus rejects these queries, so on a Prometheus-type datasource they stay `promql/parse`
findings (it may be a Prometheus). On a VictoriaMetrics datasource (its plugin named in the
dashboard) they are valid: `promql/metricsql` says the query is MetricsQL that vobs does not read. But the parser's own message for most of them is the bare
"invalid promql query", which names nothing; for a team whose datasource is VictoriaMetrics the
finding must say why, and what to do. Recognised, outside string literals: the `WITH` templates,
the `if`, `ifnot` and `default` operators, `keep_metric_names`, `limit N` after an aggregation,
`[Ni]` step-count ranges, and MetricsQL's functions (a curated list and its families); and, by
the parser's message, a rollup without its window (`rate(x)`), an aggregate over several
arguments (`sum(a, b)`) and a range vector in arithmetic (`x[1m] * 0`). Source:
the MetricsQL reference, docs.victoriametrics.com/metricsql/.
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', re.S)
_SYNTAX = (
    (re.compile(r"^\s*WITH\s*\(", re.I), "WITH templates"),
    (re.compile(r"[\w)\]}]\s+(ifnot|if|default)\s", re.I), "the `{}` operator"),
    (re.compile(r"\bkeep_metric_names\b"), "`keep_metric_names`"),
    (re.compile(r"\)\s*limit\s+\d", re.I), "`limit N` after an aggregation"),
    (re.compile(r"\[\s*\d+i\s*[]:]"), "step-count ranges (`[10i]`)"),
)
_FAMILIES = ("rollup", "range_", "running_", "label_", "topk_", "bottomk_", "hoeffding_bound_")
_FUNCTIONS = frozenset({
    "aggr_over_time", "alias", "any", "ascent_over_time", "bitmap_and", "bitmap_or", "bitmap_xor",
    "buckets_limit", "count_eq_over_time", "count_gt_over_time", "count_le_over_time", "count_ne_over_time",
    "count_values_over_time", "decreases_over_time", "descent_over_time", "distinct", "distinct_over_time",
    "drop_common_labels", "duration_over_time", "end", "geomean", "geomean_over_time",
    "increase_prometheus", "increase_pure", "increases_over_time", "integrate", "interpolate",
    "histogram_over_time", "histogram_share", "keep_last_value", "keep_next_value", "lag", "lifetime",
    "mad", "median",
    "median_over_time", "mode", "mode_over_time", "now", "outlier_iqr_over_time", "outliers_iqr",
    "outliers_mad", "outliersk", "prometheus_buckets", "quantiles", "quantiles_over_time", "rand",
    "rand_exponential", "rand_normal", "rate_over_sum", "remove_resets", "ru", "scrape_interval", "share",
    "share_eq_over_time", "share_gt_over_time", "share_le_over_time", "smooth_exponential",
    "sort_by_label_numeric", "sort_by_label_numeric_desc", "start", "step", "sum2", "sum2_over_time",
    "tfirst_over_time", "tlast_change_over_time", "tmax_over_time", "tmin_over_time", "ttf", "union",
    "zscore", "zscore_over_time",
})
_UNKNOWN_FUNCTION = re.compile(r"unknown function with name '([A-Za-z_:][\w:]*)'")
# MetricsQL's leniencies that PromQL's parser rejects with a message of its own (the reference's
# "MetricsQL features"): a rollup function without a window (`rate(x)`: the step, or the scrape
# interval, is the window), an aggregate over several series arguments (`sum(a, b)`), a range
# vector where an instant vector is expected in arithmetic (`x[1m] * 0`: its last point).
_LENIENCIES = (
    (re.compile(r"expected type matrix in call to function '([A-Za-z_:][\w:]*)', got vector"),
     "`{}()` without a window (the lookbehind window left implicit)"),
    (re.compile(r"wrong number of arguments for aggregate expression provided, expected [12], got \d+"),
     "an aggregate over several arguments (`sum(a, b)`)"),
    (re.compile(r"binary expression must contain only scalar and instant vector types"),
     "a range vector in arithmetic (`x[1m] * 2`)"),
    (re.compile(r"(offset|@) modifier must be preceded by an vector selector"),
     "`{}` after an expression (`sum(x) offset 1h`), not only after a selector"),
)


def metricsql_construct(text: str, error: str, lenient: bool = False) -> str:
    """The MetricsQL construct in `text` that PromQL rejects, named ("the `if` operator"), or ""
    when none is recognised. `error` is the parser's message for `text`. `lenient`: MetricsQL's
    leniencies count too — valid on VictoriaMetrics, but in PromQL more likely a slip (`rate(x)`
    forgot its window) than MetricsQL, so not named as MetricsQL on a Prometheus datasource."""
    unknown = _UNKNOWN_FUNCTION.search(error)
    if unknown:
        name = unknown.group(1)
        return f"`{name}()`" if name in _FUNCTIONS or name.startswith(_FAMILIES) else ""
    for pattern, what in _LENIENCIES if lenient else ():
        found = pattern.search(error)
        if found:
            return what.format(*found.groups())
    bare = _STRINGS.sub('""', text)
    for pattern, what in _SYNTAX:
        found = pattern.search(bare)
        if found:
            return what.format(*(g.lower() for g in found.groups()))
    return ""


def valid_metricsql(text: str, error: str) -> str:
    """`metricsql_construct` for a query on a VictoriaMetrics datasource, where that construct is
    valid — but "" when the query's brackets or quotes do not balance: broken in MetricsQL too,
    whatever else it uses (`sum(rate(x[5m]) default 0`)."""
    what = metricsql_construct(text, error, lenient=True)
    return what if what and _balanced(text) else ""


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


def metricsql_hint(text: str, error: str) -> str:
    """A clause naming the MetricsQL in `text` that PromQL rejects ("" when none is recognised), for
    a query on a Prometheus-type datasource (which may be a Prometheus, or VictoriaMetrics behind the
    Prometheus plugin)."""
    what = metricsql_construct(text, error)
    return (f"; {what}: MetricsQL (VictoriaMetrics) syntax, which Prometheus rejects — if this datasource "
            "is VictoriaMetrics, switch promql/parse off for these dashboards in .vobs-lint.yaml") if what else ""
