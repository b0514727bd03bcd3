"""Series-level judgement: would this selector select anything, and if not, why? Pure.

A name can exist while a panel still shows "No data": a label no series carries, a value no
series has, or a combination no single series has. For each vector selector (after
interpolation) this module judges the matchers against a `LabelTable` — for one metric and the
labels a selector names, the distinct value tuples its series carry now ("" for a series without
the label, as PromQL reads it). Semantics follow PromQL: `=`, `!=`, `=~`, `!~` (regexes RE2,
fully anchored), and a matcher that matches the empty string also matches series without the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from vertice_obs.finding import Location, pickled_by_fields
from vertice_obs.metrics.regex import RegexError, matcher

OPS = ("=", "!=", "=~", "!~")
_SHOWN_VALUES = 8


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LabelMatcher:
    label: str
    op: str  # one of OPS
    value: str
    via: str = field(default="", compare=False)  # the ad hoc filter variable that added it (`adhoc`), else ""

    def __str__(self) -> str:
        return f'{self.label}{self.op}"{self.value}"'

    def accepts(self, value: str) -> bool:
        """Does a series whose `label` is `value` ("" when it has none) pass this matcher?"""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = matcher(self.value)(value)
        return hit if self.op == "=~" else not hit

    @property
    def matches_empty(self) -> bool:
        return self.accepts("")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Selector:
    """One vector selector of a query: a metric name and its label matchers (not `__name__`)."""

    metric: str
    matchers: tuple[LabelMatcher, ...]
    # seconds before now its samples may come from (`extract.MetricRef.reach`); not part of what it selects
    reach: float = field(default=0.0, compare=False)

    @property
    def labels(self) -> tuple[str, ...]:
        matchers = self.matchers  # one or two matchers most often: no set, no sort (~100,000 calls a run)
        if len(matchers) == 1:
            return (matchers[0].label,)
        if len(matchers) == 2:
            a, b = matchers[0].label, matchers[1].label
            return (a, b) if a < b else (b, a) if b < a else (a,)
        return tuple(sorted({m.label for m in matchers}))

    def __str__(self) -> str:
        return f"{self.metric}{{{', '.join(map(str, self.matchers))}}}" if self.matchers else self.metric


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SelectorUse:
    """One judged selector at one location (a panel's target, a variable, an annotation)."""

    selector: Selector
    location: Location
    query: str
    option: tuple[str, str] | None = None  # (variable, value) when judged for one option of a variable


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Grouping:
    """`agg by (label) (…)` over the series of `metrics`: only they can carry the label there. With
    `variable`: that variable's `label_values(…, label)`, whose dropdown lists the label's values."""

    label: str
    metrics: tuple[str, ...]
    variable: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class GroupingUse:
    grouping: Grouping
    location: Location
    query: str


@dataclass(frozen=True)
class LabelTable:
    """For one metric: the distinct values its series carry for `labels` ("" where a series has none)."""

    metric: str
    labels: tuple[str, ...]
    rows: frozenset[tuple[str, ...]]
    unknown: frozenset[str] = frozenset()  # labels carried with values nobody listed (offline catalog)

    def accepted(self, m: LabelMatcher) -> frozenset[str]:
        """The values of `m.label`'s column that `m` accepts — by set operations for `=`, `!=` and a
        regex that is only an alternation of literals (`dev|prod`, what a multi-value variable
        becomes), else one RE2 match per distinct value; remembered per matcher."""
        cache = self.__dict__.setdefault("_accepted", {})
        found = cache.get(m)  # one lookup: a matcher's hash is Python code (~50,000 calls a run)
        if found is None:
            values = self.values(m.label)
            literals = _literal_alternation(m.value) if m.op in ("=~", "!~") else None
            if m.op == "=" or (m.op == "=~" and literals is not None):
                found = values & (literals if literals is not None else {m.value})
            elif m.op == "!=" or literals is not None:
                found = values - (literals if literals is not None else {m.value})
            else:
                hits = _affix_hits(m.value, values)
                if hits is None:
                    hits = frozenset(filter(matcher(m.value), values))  # one lookup, not one per value
                found = hits if m.op == "=~" else values - hits
            cache[m] = found
        return found

    def any_row(self, accepted: Sequence[tuple[int, LabelMatcher, frozenset[str]]]) -> bool:
        """Does some row pass every matcher (column, matcher, the values it accepts)? Only the rows
        the narrowest matcher accepts are tested (found through a value → rows index), not every
        row: at 100,000 series, scanning a table per selector cost seconds."""
        if len(accepted) == 1:
            return True  # every value a matcher accepts is one a row carries (the caller saw it accept some)
        i, m, ok = min(accepted, key=lambda a: self._carrying(a[1], a[2]))
        rows = self._index(m.label)
        return any(all(row[j] in others for j, _, others in accepted) for value in ok for row in rows.get(value, ()))

    def _carrying(self, m: LabelMatcher, ok: frozenset[str]) -> int:
        """How many rows carry a value `m` accepts (remembered per matcher)."""
        cache = self.__dict__.setdefault("_counts", {})
        count = cache.get(m)
        if count is None:
            rows = self._index(m.label)
            count = cache[m] = sum(len(rows.get(v, ())) for v in ok)
        return count

    def _index(self, label: str) -> dict[str, list[tuple[str, ...]]]:
        """For one column: each value → the rows that carry it (built once per table and label)."""
        cache = self.__dict__.setdefault("_indexes", {})
        if label not in cache:
            i = self.labels.index(label)
            index: dict[str, list[tuple[str, ...]]] = {}
            for row in self.rows:
                index.setdefault(row[i], []).append(row)
            cache[label] = index
        return cache[label]

    def values(self, label: str) -> frozenset[str]:
        """The distinct values of one column (the keys of its index, made once per table and label)."""
        cache = self.__dict__.setdefault("_columns", {})
        if label not in cache:
            cache[label] = frozenset(self._index(label))
        return cache[label]


@dataclass(frozen=True)
class Verdict:
    check: str  # "metric/label-missing" | "metric/no-matching-series" | "metric/selector-empty"
    message: str
    label: str | None = None
    failures: bool = False  # the matcher that matches nothing selects failures only (`failures_only`)
    matcher: str = ""  # the one matcher that selects nothing, as written (`job="node"`); "" when together they do


# An HTTP 4xx/5xx status (`5..`, `5xx`, `5\d\d`, `503`, `4.*`), an error-ish outcome word, or a gRPC
# status other than OK (`Unavailable`, `DeadlineExceeded`, …: grpc_code, trial 15's etcd panels).
_FAILURE = re.compile(r"(?i)[45](?:\.\.|\.\*|xx|\d\d|\\d\\d|\[0-9\]\[0-9\])|errors?|fail(?:ed|ures?|ing)?|"
                      r"timeouts?|timed[_-]?out|rejected|refused|aborted|denied|exceptions?|panic|fatal|"
                      r"cancell?ed|unknown|invalid_?argument|deadline_?exceeded|not_?found|already_?exists|"
                      r"permission_?denied|resource_?exhausted|failed_?precondition|out_?of_?range|unimplemented|"
                      r"internal|unavailable|data_?loss|unauthenticated")
# A success outcome: what `!=`/`!~` leaves out to select the failures (`grpc_code!="OK"`, `code!~"2.."`)
_SUCCESS = re.compile(r"(?i)ok|success(?:ful)?|succeeded|2(?:\.\.|\.\*|xx|\d\d|\\d\\d|\[0-9\]\[0-9\])")
# Log levels below a warning: `level!="info"` (or `!~"info|debug"`) selects warnings and errors (trial 17,
# VictoriaMetrics' "Logging rate"); leaving out only debug or trace still keeps info, so info must be left out.
_QUIET = re.compile(r"(?i)info(?:rmational)?|notice|debug|trace")


def failures_only(m: LabelMatcher) -> bool:
    """Does `m` select failure outcomes only — `code=~"5.."`, `status="error"`, `result=~"failed|timeout"`,
    `grpc_code=~"Unavailable|Internal"`, or all but success, `grpc_code!="OK"`, `code!~"2.."`, or all
    log levels but the quiet ones, `level!="info"`, `level!~"info|debug"`? A
    counter gains such a series at its first failure: on a healthy service none matches yet, and an
    error-rate panel is right to be empty (the audit ranks it after real problems)."""
    if not m.value:
        return False
    values = m.value.split("|")
    if m.op in ("=", "=~"):
        return all(_FAILURE.fullmatch(v) for v in values)
    if m.op in ("!=", "!~"):  # all but success, or all but the quiet log levels, info among them
        return (all(_SUCCESS.fullmatch(v) for v in values)
                or all(_QUIET.fullmatch(v) for v in values) and any(v.lower().startswith("info") for v in values))
    return False


def judge(selector: Selector, table: LabelTable) -> list[Verdict]:
    """Why `selector` selects no series of `table` (empty: it selects some, or there is nothing to judge).

    Matchers on `table.unknown` labels are not judged (offline, a carried label whose values the
    catalog does not list): only what is known can be said. Each matcher is evaluated once per
    distinct value of its column (not once per row), then rows are tested by set membership."""
    if table.unknown:
        selector = Selector(selector.metric, tuple(m for m in selector.matchers if m.label not in table.unknown))
    if not selector.matchers or not table.rows:
        return []
    try:
        accepted = [(table.labels.index(m.label), m, table.accepted(m)) for m in selector.matchers]
    except RegexError:
        return []  # an invalid regex is the parser's finding, not a data problem
    if all(ok for _, _, ok in accepted) and table.any_row(accepted):
        return []
    verdicts = []
    for _, m, ok in accepted:
        carried = sorted(v for v in table.values(m.label) if v)
        if not carried and not m.matches_empty:
            verdicts.append(Verdict("metric/label-missing",
                                    f"no series of {selector.metric} carries the label {m.label!r}, so {_shown(m)} "
                                    "selects nothing", m.label, matcher=str(m)))
        elif not ok:
            verdicts.append(Verdict("metric/no-matching-series",
                                    f"{_shown(m)} matches no series of {selector.metric}: {m.label} has "
                                    f"{_list(carried)}", m.label, failures_only(m), str(m)))
    if not verdicts:  # each matcher alone matches something; together they do not
        verdicts.append(Verdict("metric/no-matching-series",
                                f"{selector} matches no series: each matcher matches some series of "
                                f"{selector.metric}, but no series matches all of them"))
    return verdicts


def _shown(m: LabelMatcher) -> str:
    """A matcher as a message names it: one an ad hoc filter added says so (it is not in the query)."""
    return f"{m} (the ad hoc filter ${m.via})" if m.via else str(m)


def judge_grouping(grouping: Grouping, tables: Mapping[str, LabelTable]) -> Verdict | None:
    """A `by` label that no series of any metric under the aggregation carries: every result series
    has it empty, so grouping by it does nothing — a typo, or a label the exporter does not set.
    Judged only when every metric has a table (present, known); offline, a carried label whose
    values the catalog does not list counts as carried."""
    label = grouping.label
    if not grouping.metrics or any(m not in tables for m in grouping.metrics):
        return None
    for metric in grouping.metrics:
        table = tables[metric]
        if label in table.unknown or label not in table.labels or any(table.values(label) - {""}):
            return None
    names = " or ".join(grouping.metrics)
    if grouping.variable is not None:
        return Verdict("variable/label-missing",  # the rest (how empty, since when) is `nodata`'s to say
                       f"${grouping.variable} lists the values of {label!r} (label_values), but no series of "
                       f"{names} carries that label", label)
    return Verdict("metric/group-label-missing",
                   f"by ({label}): no series of {names} carries the label {label!r}, so grouping by it "
                   "does nothing", label)


_LITERALS = re.compile(r"[A-Za-z0-9_:/ ,@=-]*(?:\|[A-Za-z0-9_:/ ,@=-]*)*")


def _literal_alternation(pattern: str) -> frozenset[str] | None:
    """`a|b|c` with no regex syntax in it (so, fully anchored, it accepts exactly those strings), else None."""
    return frozenset(pattern.split("|")) if _LITERALS.fullmatch(pattern) else None


_AFFIX = re.compile(r"(\.[*+])?([A-Za-z0-9_:/ ,@=-]*)(\.[*+])?")


def _affix_hits(pattern: str, values: frozenset[str]) -> frozenset[str] | None:
    """The `values` that `lit.*`, `lit.+`, `.*lit`, `.+lit`, `.*lit.*` (what `$service-.*` becomes)
    match, by string tests in a comprehension (no call per value), else None. Exact under PromQL's
    semantics: fully anchored, and `.` matches any character (newlines too, as RE2 is run here): `.*` is any string, `.+` any non-empty one. Dashboards match pod
    and instance names this way against columns of thousands of values, where one RE2 call per
    value cost seconds."""
    form = _AFFIX.fullmatch(pattern)
    if form is None or not (form.group(1) or form.group(3)):
        return None
    before, literal, after = form.group(1) or "", form.group(2), form.group(3) or ""
    least = len(literal) + (before == ".+") + (after == ".+")
    if before and after:
        lo, cut = 1 if before == ".+" else 0, after == ".+"
        return frozenset({v for v in values if literal in v[lo:len(v) - cut] and len(v) >= least})
    if after:
        return frozenset({v for v in values if v.startswith(literal) and len(v) >= least})
    return frozenset({v for v in values if v.endswith(literal) and len(v) >= least})


def _list(values: Iterable[str]) -> str:
    values = list(values)
    shown = ", ".join(values[:_SHOWN_VALUES])
    return shown + (f" and {len(values) - _SHOWN_VALUES} more" if len(values) > _SHOWN_VALUES else "")


def table_from_series(metric: str, labels: Sequence[str], series: Iterable[Mapping[str, str]]) -> LabelTable:
    """A `LabelTable` from series label sets (e.g. `/api/v1/series`, or a `count by (…)` result)."""
    labels = tuple(sorted(labels))
    return LabelTable(metric, labels, frozenset(tuple(s.get(label, "") for label in labels) for s in series))


def catalog_table(metric: str, labels: Sequence[str], carried: Iterable[str],
                  values: Mapping[str, Sequence[str]]) -> LabelTable:
    """Offline: the rows a catalog promises — every combination of the listed values of carried labels
    ("" for labels the metric does not carry); carried labels without listed values are `unknown`."""
    import itertools

    labels = tuple(sorted(labels))
    carried = set(carried)
    unknown = frozenset(label for label in labels if label in carried and not values.get(label))
    columns = [("",) if label not in carried else tuple(values.get(label) or ("",)) for label in labels]
    return LabelTable(metric, labels, frozenset(itertools.product(*columns)), unknown)
