"""How many arguments each of MetricsQL's own functions takes, and what a call that gives another
count is told — a WITH template's count too (`metrics.metricsql_with` reads it). Pure.

VictoriaMetrics parses `range_quantile(x)` and refuses it only when it evaluates the call (a built-in
template, `alias(x)`, when it expands it): PromQL's parser, which checks its own functions' counts,
never sees these, so `metrics.metricsql` asks here for each MetricsQL call it judges.

Source: VictoriaMetrics' own checks of each function's arguments — github.com/VictoriaMetrics/
VictoriaMetrics at v1.150.0-25-gb7ef6cc3ed (commit b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa),
app/vmselect/promql/transform.go (`expectTransformArgsNum`, `getStringPairs`), rollup.go
(`expectRollupArgsNum`, `newRollupFuncOneOrTwoArgs`, `newRollupFilter`), aggr.go (`getAggrTimeseries`,
`newAggrFuncRangeTopK`), eval.go (`evalRollupFuncArgs`: a rollup's series argument must be there), and
the built-in templates of the metricsql it vendors, v0.87.3 (vendor/github.com/VictoriaMetrics/
metricsql/parser.go, `getDefaultWithArgExprs`) — compared with the same files at v1.79.5, Debian's,
which differ only in taking one argument to `rollup()` and its kin, not one or two (and in knowing
fewer functions); the parameters as its reference writes them (docs/victoriametrics/MetricsQL.md at
that commit, published as docs.victoriametrics.com/metricsql/).

Owns: the table of counts. May import: nothing of vobs (`metrics.metricsql` calls it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One row a line: the functions, how many arguments they take — `2` exactly, `1-2`, `1+` at least,
# `1+2n` one then pairs (an odd count), `2+2n` two then pairs —, and their parameters as VictoriaMetrics'
# reference writes them (a row's functions alike; `...`: as many more). The names are those of
# `metricsql._FUNCTIONS`, every one (a test holds it); the functions PromQL also has (`rate`,
# `label_replace`, …) are left to PromQL's parser, which counts their arguments itself.
_TABLE = """
aggr_over_time                                      2     ("rollup_func1", "rollup_func2", ...), series_selector[d]
alias                                               2     q, "name"
any distinct geomean histogram mad median mode      1+    q
share sum2 zscore                                   1+    q
ascent_over_time changes_prometheus decreases_over_time default_rollup delta_prometheus    1    series_selector[d]
deriv_fast descent_over_time distinct_over_time geomean_over_time histogram_over_time     1    series_selector[d]
ideriv increase_prometheus increase_pure increases_over_time integrate lag lifetime      1    series_selector[d]
median_over_time mode_over_time outlier_iqr_over_time range_over_time rate_over_sum     1    series_selector[d]
rate_prometheus scrape_interval stale_samples_over_time sum2_over_time tfirst_over_time  1    series_selector[d]
timestamp_with_name tlast_change_over_time tlast_over_time tmax_over_time tmin_over_time 1    series_selector[d]
zscore_over_time                                    1     series_selector[d]
bitmap_and bitmap_or bitmap_xor                     2     q, mask
bottomk_avg bottomk_last bottomk_max bottomk_median bottomk_min     2-3    k, q, "other_label=other_value"
topk_avg topk_last topk_max topk_median topk_min                    2-3    k, q, "other_label=other_value"
buckets_limit                                       2     limit, buckets
count_eq_over_time share_eq_over_time sum_eq_over_time    2     series_selector[d], eq
count_gt_over_time share_gt_over_time sum_gt_over_time    2     series_selector[d], gt
count_le_over_time share_le_over_time sum_le_over_time    2     series_selector[d], le
count_ne_over_time                                  2     series_selector[d], ne
count_values_over_time                              2     "label", series_selector[d]
drop_common_labels                                  1+    q1, ..., qN
union                                               0+    q1, ..., qN
range_normalize                                     0+    q1, ...
drop_empty_series interpolate keep_last_value keep_next_value outliers_iqr remove_resets    1    q
range_avg range_first range_last range_linear_regression range_mad range_max range_median  1    q
range_min range_stddev range_stdvar range_sum range_zscore                                 1    q
running_avg running_max running_min running_sum                                            1    q
duration_over_time                                  2     series_selector[d], max_interval
histogram_share                                     2-3   le, buckets, "boundsLabel"
histogram_quantiles                                 3+    "phiLabel", phi1, ..., phiN, buckets
hoeffding_bound_lower hoeffding_bound_upper         2     phi, series_selector[d]
label_copy label_move                               1+2n  q, "src_label1", "dst_label1", ...
label_set                                           1+2n  q, "label1", "value1", ...
label_map                                           2+2n  q, "label", "src_value1", "dst_value1", ...
label_del label_keep                                1+    q, "label1", ..., "labelN"
label_lowercase label_uppercase                     2+    q, "label1", ..., "labelN"
sort_by_label_numeric sort_by_label_numeric_desc    2+    q, "label1", ..., "labelN"
label_graphite_group                                2+    q, groupNum1, ..., groupNumN
labels_equal                                        3+    q, "label1", "label2", ...
label_match label_mismatch                          3     q, "label", "regexp"
label_transform                                     4     q, "label", "regexp", "replacement"
label_value                                         2     q, "label"
limit_offset                                        3     limit, offset, q
now                                                 0
outliers_mad                                        2     tolerance, q
outliersk                                           2     k, q
prometheus_buckets                                  1     buckets
quantiles                                           3+    "phiLabel", phi1, ..., phiN, q
quantiles_over_time                                 3+    "phiLabel", phi1, ..., phiN, series_selector[d]
rand rand_exponential rand_normal                   0-1   seed
range_quantile                                      2     phi, q
range_trim_outliers                                 2     k, q
range_trim_spikes                                   2     phi, q
range_trim_zscore                                   2     z, q
rollup rollup_delta rollup_deriv rollup_increase rollup_rate rollup_scrape_interval    1-2    series_selector[d], "max"
rollup_candlestick                                  1-2   series_selector[d], "close"
ru                                                  2     free, max
smooth_exponential                                  2     q, sf
timezone_offset                                     1     tz
ttf                                                 1     free
"""
_ROW = re.compile(r"^([a-z_\d ]+?)\s+(\d+)(?:\+(2)n|-(\d+)|(\+))?(?:\s+(.*))?$")


@dataclass(frozen=True, slots=True)
class Takes:
    """The counts a function takes: `least` to `most` (None: no limit), `paired`: the count above
    `least` even (a label and its value, a source and its destination)."""

    least: int
    most: int | None
    paired: bool
    parameters: str  # as VictoriaMetrics' reference writes them, `…` for as many more

    def allows(self, given: int) -> bool:
        return (self.least <= given and (self.most is None or given <= self.most)
                and not (self.paired and (given - self.least) % 2))

    def said(self) -> str:
        """`2 arguments`, `1 or 2 arguments`, `at least 3 arguments`, `an odd number of arguments (1, then pairs)`."""
        if self.paired:
            return f"an {'odd' if self.least % 2 else 'even'} number of arguments ({self.least}, then pairs)"
        if self.most is None:
            return f"at least {_arguments(self.least)}" if self.least else "any number of arguments"
        if self.most == self.least:
            return _arguments(self.least)
        return f"{self.least} {'or' if self.most == self.least + 1 else 'to'} {_arguments(self.most)}"


def _arguments(count: int) -> str:
    return "no argument" if count == 0 else f"{count} argument{'' if count == 1 else 's'}"


def _table() -> dict[str, Takes]:
    rows: dict[str, Takes] = {}
    for line in filter(str.strip, _TABLE.splitlines()):
        found = _ROW.match(line.strip())
        if found is None:
            raise RuntimeError(f"metricsql_arity: unreadable row {line!r}")  # a programming error: fails at import
        names, least, pairs, most, more, parameters = found.groups()
        takes = Takes(int(least), None if more or pairs else int(most or least), bool(pairs), parameters or "")
        rows.update((name, takes) for name in names.split())
    return rows


TAKES = _table()


@dataclass(frozen=True, slots=True)
class Miscounted:
    """A call of a MetricsQL function that gives it a count it does not take — or of a WITH template
    with a count other than its parameters' (`template`: what is called, `the WITH template f(a)`, `f (a
    parameter of the WITH template g(f))`): `at` is where the call starts in the query (from 1), `call`
    its text."""

    function: str  # as written
    given: int
    takes: Takes
    at: int
    call: str
    template: str = ""

    def said(self, shown: int = 80) -> str:
        """One line: where, the function, what it was given and what it takes (`range_quantile(x)` at
        character 1 gives MetricsQL's range_quantile() 1 argument; it takes 2 arguments: range_quantile(phi, q));
        for a template, what VictoriaMetrics says of it too (`invalid number of args for "f"; got 2; want 1`)."""
        call = self.call if len(self.call) <= shown else f"{self.call[:shown]}…"
        if self.template:
            return (f"{call} at character {self.at} calls {self.template} with {_arguments(self.given)}; it takes "
                    f"{self.takes.said()} (VictoriaMetrics: invalid number of args for \"{self.function}\"; "
                    f"got {self.given}; want {self.takes.least})")
        return (f"{call} at character {self.at} gives MetricsQL's {self.function}() {_arguments(self.given)}; "
                f"it takes {self.takes.said()}: {self.function}({self.takes.parameters.replace('...', '…')})")


def miscount(name: str, given: int) -> Takes | None:
    """What MetricsQL's function `name` takes when it does not take `given` arguments; None when it
    does, or is none of MetricsQL's own (PromQL's parser counts those)."""
    takes = TAKES.get(name.lower())
    return None if takes is None or takes.allows(given) else takes
