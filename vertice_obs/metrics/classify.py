"""Classification: why is (or isn't) each metric a dashboard uses in Prometheus? Pure functions.

One `Finding` per (metric, location), with pint-grade reasons: present; missing (never seen in the
lookback); disappeared (last seen at T, N ago); produced by a recording rule that has not produced
it yet; only an `or` fallback of a present alternative; intentionally absent (`or vector(0)`,
`unless`, `absent()`); and unknown when the source could not answer — never "missing" then.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Collection, Iterable, Mapping, Sequence

from vertice_obs.checks import finding
from vertice_obs.finding import Finding, Location, Severity, pickled_by_fields
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.regex import RegexError, matcher

# Capabilities of a metric source that can be missing without making every metric unknown.
RULES, LAST_SEEN, TYPES = "recording rules", "last-seen history", "metric types"

# Roles a metric reference plays in its query (set by extraction).
REQUIRED, FALLBACK, OPTIONAL = "required", "fallback", "optional"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class MetricUse:
    """One metric referenced at one location."""

    metric: str  # a name, or a regex over names when `is_pattern`
    location: Location
    query: str
    is_pattern: bool = False
    role: str = REQUIRED
    alternatives: tuple[str, ...] = ()  # for a fallback: the other names of its `or`
    reason: str = ""  # for an optional reference: why it may be absent
    under: str = ""  # the innermost function or aggregation around it ("rate", "sum", "")
    ranged: bool = False  # in a range selector (`x[5m]`) or a subquery (`x[5m:1m]`)
    kind: str = "panel"  # the query's: "panel", "variable" (draws nothing: no type hints) or "annotation"
    against: tuple[str, ...] = ()  # raw names on the other side of a `-` or `/` around it (`extract.MetricRef`)
    reach: float = 0.0  # seconds before now its samples may come from (`extract.MetricRef.reach`; inf with `@`)


@dataclass(frozen=True)
class History:
    """How much of the lookback a source holds: all of it, or less — since `since` when known;
    `told` False: the source was asked and could not say (`UNTOLD`)."""

    covers: bool
    since: datetime | None = None
    told: bool = True


UNTOLD = History(covers=False, told=False)


@dataclass(frozen=True)
class Evidence:
    """What a metric source said, gathered once for a whole run (see `prometheus.py`)."""

    source: str
    names: frozenset[str] | None  # None: the source could not answer
    rules: Mapping[str, Any] = field(default_factory=dict)  # recording-rule output → rule info
    last_seen: Mapping[str, datetime | None] = field(default_factory=dict)
    error: str = ""
    lookback: timedelta = timedelta(days=7)
    # Capabilities the source lacks (a Prometheus-compatible backend serving part of the API):
    # (capability, why). Only the checks that need one are degraded; each is said once.
    degraded: tuple[tuple[str, str], ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)  # metric family → type, from the source
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    history: History | None = None  # None: not asked (nothing was absent); UNTOLD: could not tell
    timeless: bool = False  # the source has no history (a catalog): an absent name is "not in" it, no window
    # listed, but with samples too new for VictoriaMetrics to serve yet (-search.latencyOffset): present
    fresh: frozenset[str] = frozenset()
    # (location, name): a name without series whose selectors there matched nothing within their reach
    undrawn: frozenset[tuple[Location, str]] = frozenset()

    @property
    def available(self) -> bool:
        return self.names is not None

    def never_seen_in(self, history: History | None = None) -> str:
        """The honest window of a "never seen": the lookback only when the source holds that much.
        "in the last 7d"; "in the 2h of data it holds (less than the 7d lookback)"; asked and untold:
        "within the 7d lookback (how much data it holds could not be checked)"."""
        history = history or self.history
        window = human_span(self.lookback)
        if history is not None and not history.told:  # never "in the last 7d" unless it holds 7 days
            return f"within the {window} lookback (how much data it holds could not be checked)"
        if history is None or history.covers:
            return f"in the last {window}"
        if history.since is not None and history.since < self.now:
            return f"in the {human_span(self.now - history.since)} of data it holds (less than the {window} lookback)"
        return f"in the data it holds (less than the {window} lookback)"


def degraded(evidence: Evidence, capability: str, why: str) -> Finding:
    """The one `source/degraded` finding: a capability the source lacks, said once for the run."""
    return finding("source/degraded", f"{evidence.source}: {capability} could not be checked: {why}",
                   Location(file=None), capability=capability)


def absent_names(uses: Iterable[MetricUse], evidence: Evidence) -> set[str]:
    """The exact names to ask `last_seen` about: referenced, and not present now."""
    if evidence.names is None:
        return set()
    return {u.metric for u in uses if not u.is_pattern and u.metric not in evidence.names}


def classify(uses: Iterable[MetricUse], evidence: Evidence, catalog: MetricCatalog | None = None) -> list[Finding]:
    uses = list(uses)
    invalid: dict[str, str] = {}
    present = presence(uses, evidence, invalid)
    said = [degraded(evidence, capability, why) for capability, why in evidence.degraded]
    return said + _type_findings(uses, evidence, present, catalog) + [finding("promql/parse", f"name pattern {u.metric!r} is not a regex Prometheus accepts (RE2): "
                                           f"{invalid[u.metric]}", u.location, query=u.query, metric=u.metric)
                   if u.metric in invalid else _classify_one(u, evidence, present, catalog) for u in uses]


def presence(uses: Sequence[MetricUse], evidence: Evidence,
              invalid: dict[str, str]) -> dict[str, bool]:
    """Name or pattern → present now. A pattern is present if any live name matches it fully;
    a pattern RE2 rejects (as Prometheus would) goes into `invalid` with the reason."""
    names = evidence.names or frozenset()
    out: dict[str, bool] = {}
    for use in uses:
        if use.metric in out:
            continue
        if use.is_pattern:
            try:
                matches = matcher(use.metric)
            except RegexError as exc:
                out[use.metric] = False
                invalid[use.metric] = str(exc)
                continue
            out[use.metric] = any(matches(n) for n in names)
        else:
            out[use.metric] = use.metric in names
    return out


def _classify_one(use: MetricUse, ev: Evidence, present: Mapping[str, bool],
                  catalog: MetricCatalog | None) -> Finding:
    name = use.metric
    shown = f"name pattern {name!r}" if use.is_pattern else name
    spec = catalog.family_of(name) if catalog and not use.is_pattern else None
    required = bool(spec and spec.required)
    extra: dict[str, Any] = {"metric": name, "query": use.query, "required": required}

    if not ev.available:
        return finding("metric/unknown", f"{shown}: cannot tell whether it exists: {ev.error}", use.location,
                       **extra)
    if present[name]:
        note = (" (its samples are newer than VictoriaMetrics' -search.latencyOffset, 30s by default: not served "
                "to queries yet, so its labels are checked once they are)") if name in ev.fresh else ""
        return finding("metric/present", f"{shown} is present in {ev.source}{note}", use.location, **extra)
    if use.role == OPTIONAL:
        return finding("metric/intentionally-absent",
                       f"{shown} is absent, which this query allows ({use.reason})", use.location, **extra)
    if name in WHILE_FIRING:
        return finding("metric/intentionally-absent",
                       f"{shown} is absent, as it is while no alert is pending or firing (Prometheus writes it only "
                       "for active alerts)", use.location, **extra)
    if use.role == FALLBACK:
        live = [a for a in use.alternatives if present.get(a, a in (ev.names or ()))]
        if live:
            return finding("metric/fallback-only",
                           f"{shown} is absent but only an `or` alternative of {', '.join(live)}, which is present",
                           use.location, alternatives=tuple(use.alternatives), **extra)
    rule = ev.rules.get(name)
    if rule is not None:
        rule_name = _rule_attr(rule, "name") or name
        group = _rule_attr(rule, "group")
        health = _rule_attr(rule, "health")
        where = f" in group {group!r}" if group else ""
        state = f", rule health {health}" if health and health != "ok" else ""
        return finding("metric/recording-rule",
                       f"{shown} is produced by recording rule {rule_name!r}{where} but has no series yet{state}: "
                       f"check that the rule's inputs exist", use.location, rule=rule_name, **extra)
    severity = Severity.ERROR if required else Severity.WARNING
    slip = _did_you_mean(name, ev.names or frozenset())
    hint = _hint(name, spec, catalog) + _rule_unchecked(name, ev) + slip
    if slip:  # the name it was likely meant to be, for the audit's advice (`did_you_mean`)
        extra = {**extra, "did_you_mean": slip.removeprefix("; ")}
    seen = ev.last_seen.get(name)
    if (seen is not None and drawn_since(seen, use.reach, ev.now)  # the panel still draws its last samples
            and (use.location, name) not in ev.undrawn):
        return finding("metric/disappeared", f"{shown} disappeared: last seen {seen_words(seen, ev.now)}{hint}; "
                       f"this query still draws it: {_reaching(use.reach)}", use.location, severity=Severity.INFO,
                       last_seen=seen.isoformat(), drawn=True, **extra)
    if seen is not None:
        return finding("metric/disappeared", f"{shown} disappeared: last seen {seen_words(seen, ev.now)}{hint}",
                       use.location, severity=severity, last_seen=seen.isoformat(), **extra)
    window = human_span(ev.lookback)
    if LAST_SEEN in dict(ev.degraded):
        return finding("metric/missing",
                       f"{shown} is missing: not in {ev.source} now (whether it was seen in the last {window} "
                       f"could not be checked){hint}", use.location, severity=severity, **extra)
    if ev.timeless:  # a catalog lists what exists; it has no "last 7d" to have seen a metric in
        return finding("metric/missing", f"{shown} is missing: not in {ev.source}{hint}",
                       use.location, severity=severity, **extra)
    return finding("metric/missing",
                   f"{shown} is missing: never seen in {ev.source} {ev.never_seen_in()}{hint}",
                   use.location, severity=severity, **extra)


# seconds: how far back Prometheus looks for an instant vector's latest sample (its default lookback delta)
LOOKBACK_DELTA = 300


def drawn_since(at: datetime, reach: float, now: datetime) -> bool:
    """Does a selector whose window reaches `reach` seconds back (its range, offset, an enclosing
    subquery's; infinite with `@`) still draw a sample last seen at `at`? A `Within` counts from the
    earliest its last sample can be: drawn only when that surely is."""
    if not reach:
        return False
    if isinstance(at, Within):
        at = at.earliest
    return (now - at).total_seconds() <= reach + LOOKBACK_DELTA


def _reaching(reach: float) -> str:
    """What makes a query draw samples from before now, in words."""
    if reach == float("inf"):
        return "its `@` modifier evaluates it at another time (the start of the dashboard's range, or a timestamp)"
    return (f"its window (a range, an offset or a subquery) reaches {human_span(timedelta(seconds=reach))} back, "
            "and the panel goes empty once that no longer reaches the last sample")


def _hint(name: str, spec, catalog: MetricCatalog | None) -> str:
    if catalog is None:
        return ""
    family = next((m for m in catalog.metrics if m.name == name and m.type == "histogram"), None)
    if family is not None:
        return f" (a histogram is stored as {name}_bucket, {name}_sum and {name}_count: query one of those)"
    if spec is not None and spec.required:
        return f" — required by the catalog ({catalog.file}:{spec.line}, owner {spec.owner})"
    return ""


def _rule_unchecked(name: str, ev: Evidence) -> str:
    """A name shaped like a recording rule's output (`level:metric:operations`) whose rules could not
    be checked: not a plain "missing" — its rule may be all that is lacking."""
    why = dict(ev.degraded).get(RULES)
    if ":" not in name or not why:
        return ""
    return f"; by its name a recording rule's output, and recording rules could not be checked: {why.split('; ')[0]}"


_RATE_FUNCTIONS = {"rate", "irate", "increase"}
# Series Prometheus writes only while an alert is pending or firing: absent, or without a given
# alert's labels, when all is well — neither missing nor a selector that matches nothing.
WHILE_FIRING = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
# Where a raw counter is fine: counting series, timestamps, resets, presence.
_RAW_COUNTER_OK = {"count", "group", "count_values", "timestamp", "changes", "resets", "absent", "absent_over_time",
                   "present_over_time", "count_over_time", "last_over_time"}
_SERIES_SUFFIXES = ("_total", "_bucket", "_count", "_sum")
_FAMILY_ONLY = {"_count": ("_bucket", "_sum"), "_sum": ("_bucket", "_count")}  # suffix → a sibling that shows it
_BY_NAME = "naming convention"  # the source of a type read from the name alone (a guess)


def metric_type(name: str, metadata: Mapping[str, str], catalog: MetricCatalog | None,
                names: Collection[str] = ()) -> tuple[str, str] | None:
    """(type, where it came from) for a series name: the source's metadata, else the catalog, else
    naming conventions. A histogram's or summary's `_bucket`/`_count`/`_sum` series are counters. By
    name alone, `x_count` and `x_sum` are a family's only beside a sibling among `names`
    (`x_bucket`, `x_sum` / `x_count`): gauges end in `_count` too (`elasticsearch_thread_pool_queue_count`,
    `pg_stat_activity_count`), and advising rate() on them is false (trial 14)."""
    base = next((name.removesuffix(s) for s in _SERIES_SUFFIXES if name.endswith(s)), None)
    known = metadata.get(name) or metadata.get(base)  # (a None base is never a key)
    if known:
        return ("counter" if known in ("histogram", "summary") and base else known), "Prometheus' metadata"
    spec = catalog.family_of(name) if catalog else None
    if spec is not None:
        series_of_family = spec.type in ("histogram", "summary") and name != spec.name
        return ("counter" if series_of_family else spec.type), f"the catalog ({catalog.file}:{spec.line})"
    suffix = next((s for s in _SERIES_SUFFIXES if name.endswith(s)), None)
    if suffix in _FAMILY_ONLY and not any(f"{base}{other}" in names for other in _FAMILY_ONLY[suffix]):
        return None  # a gauge may end so: a family's series only beside a sibling
    return ("counter", f"{_BY_NAME} ({suffix})") if suffix else None


def types_by_name(uses: Iterable[MetricUse]) -> list[Finding]:
    """Without any metric source (no Prometheus, no catalog): the type findings naming conventions
    allow (`sum(x_total)`: probably a counter without rate()), each information — a guess — as with a
    source that serves no metadata."""
    return _type_findings(list(uses), Evidence(source="no metric source", names=None), {}, None)


def _type_findings(uses: list[MetricUse], ev: Evidence, present: Mapping[str, bool],
                   catalog: MetricCatalog | None) -> list[Finding]:
    """rate()/irate()/increase() over a gauge, and a counter shown or aggregated without them. Not
    for a variable's query: it draws nothing, it lists label values (`label_values(x_total, env)`)
    or picks series (`query_result(topk(5, x_total))`), for which a raw counter is what is meant."""
    out, said = [], set()
    known = (ev.names or frozenset()) | {use.metric for use in uses}  # a family's siblings: served, or queried
    for use in uses:
        if (use.is_pattern or use.role == OPTIONAL or use.kind == "variable" or not present.get(use.metric, True)
                or (use.metric, use.location) in said):  # absent: its missing finding says more
            continue
        typed = metric_type(use.metric, ev.metadata, catalog, known)
        if typed is None:
            continue
        kind, source = typed
        if use.under in _RATE_FUNCTIONS and kind == "gauge":
            out.append(finding("metric/rate-on-gauge", f"{use.under}() over {use.metric}, a gauge (type from "
                               f"{source}): {use.under} is for counters; a gauge is shown as it is, or with deriv()"
                               " or delta() for its change", use.location, metric=use.metric, query=use.query))
        elif (kind == "counter" and not use.ranged and use.under not in _RAW_COUNTER_OK
              and "uptime" not in use.metric.split("_")  # time since start: shown as it is (its rate is 1)
              and not _counter_against(use, ev, catalog, known)):
            shown = f"{use.under}() of " if use.under else ""
            # a name is a guess (gauges named `…_count` or `…_total` exist; a source without metadata,
            # such as VictoriaMetrics, says nothing else): information, not a warning
            guessed = source.startswith(_BY_NAME)
            out.append(finding("metric/counter-without-rate", f"{shown}{use.metric}, "
                               f"{'probably ' if guessed else ''}a counter (type from {source}), "
                               f"without rate() or increase(): the panel draws an ever-growing total; did you mean "
                               f"rate({use.metric}[$__rate_interval])?", use.location, metric=use.metric,
                               query=use.query, **({"severity": Severity.INFO} if guessed else {})))
        else:
            continue
        said.add((use.metric, use.location))
    return out


def _counter_against(use: MetricUse, ev: Evidence, catalog: MetricCatalog | None, known: frozenset[str]) -> bool:
    """Is the counter subtracted from or divided by another raw counter? `sum(started_total) -
    sum(handled_total)` draws what is open now, `x_sum / x_count` an average since start: levels and
    ratios, not an ever-growing total (trial 15 M2). A number or a gauge on the other side is not."""
    for name in use.against:
        typed = metric_type(name, ev.metadata, catalog, known)
        if typed is not None and typed[0] == "counter":
            return True
    return False


@functools.lru_cache(maxsize=4096)  # per distinct name: a missing name used on 9,000 panels was compared 9,000 times
def _did_you_mean(name: str, names: frozenset[str]) -> str:
    """A hint from the names that do exist: the usual slips first, then a close name."""
    if not names:
        return ""
    if f"{name}_total" in names:
        return f"; did you mean {name}_total? (counters are exposed with _total)"
    if name.endswith("_total") and name.removesuffix("_total") in names:
        return f"; did you mean {name.removesuffix('_total')}? (it is exposed without _total)"
    if f"{name}_bucket" in names:
        return f"; {name} is a histogram: did you mean {name}_bucket (for histogram_quantile), _sum or _count?"
    with_unit = sorted(f"{name}_{w}" for w in _UNIT_WORDS - {"total", "bucket", "count", "sum"} if f"{name}_{w}" in names)
    if with_unit:  # `node_boot_time`: under difflib's cutoff (0.78) to `node_boot_time_seconds` (trial 17)
        return f"; did you mean {with_unit[0]}? (the unit is part of the name)"
    prefix = name.split("_", 1)[0] + "_"
    candidates = [n for n in names if n.startswith(prefix)] if "_" in name else list(names)
    close = [n for n in difflib.get_close_matches(name, candidates, n=5, cutoff=0.85) if _a_slip(name, n)]
    if not close and len(name) > 1:  # a short name's one slip is under the ratio (`upp`/`up`: 0.8)
        close = sorted(n for n in candidates if _one_edit(name, n) and ("_" not in name or _a_slip(name, n)))
    return f"; did you mean {close[0]}?" if close else ""


def _one_edit(a: str, b: str) -> bool:
    """One key added, dropped, changed, or two side by side swapped: `upp`, `ip`, `pu` for `up`."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) != len(b):
        return a[i + (len(a) > len(b)):] == b[i + (len(b) > len(a)):]
    return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])


def _a_slip(name: str, other: str) -> bool:
    """Could `other` be what `name` meant — a slip of the keys, not another word? An underscore
    missed or added, or words (split at `_`) that differ by one word added or dropped, or by words
    each close to the other (`request`/`requests`); `fsync`/`read` are other metrics, not a typo."""
    if name.replace("_", "") == other.replace("_", ""):
        return True  # an underscore missed or doubled: `process_cpu_secondstotal`
    a, b = name.split("_"), other.split("_")
    if len(a) != len(b):  # a unit or suffix word left out or added (`cpu_total`/`cpu_seconds_total`);
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)  # any other word is another metric
        return len(longer) - len(shorter) == 1 and any(longer[:i] + longer[i + 1:] == shorter
                                                       for i in range(len(longer)) if longer[i] in _UNIT_WORDS)
    # a word misspelt, not another word: `created`/`connected` (0.62) are two metrics (trial 15)
    return all(x == y or difflib.SequenceMatcher(None, x, y).ratio() >= 0.75 for x, y in zip(a, b))


# Words a name may lose or gain and still mean the metric (Prometheus' naming: units, suffixes);
# `error`, `slow`, `failed` change what is counted (trial 15: `…_http_error_requests_total`
# was offered `…_http_requests_total`, which turns an error rate into the total rate)
_UNIT_WORDS = frozenset({"total", "seconds", "milliseconds", "microseconds", "nanoseconds", "bytes", "bits",
                         "count", "sum", "bucket", "info", "ratio", "percent", "celsius", "meters", "volts",
                         "amperes", "joules", "grams", "hertz", "ms", "us", "ns", "kb", "mb", "gb"})


def _rule_attr(rule: Any, key: str) -> Any:
    return rule.get(key) if isinstance(rule, Mapping) else getattr(rule, key, None)


class Within(datetime):
    """A last-seen time known only to a step: the last sample lies within the `SPAN` before this time,
    never after it (Prometheus hides the sample a staleness marker follows). A `datetime` — the bound —
    so it compares, subtracts, pickles and serialises as the exact times beside it do."""

    SPAN = timedelta(minutes=5)

    @property
    def earliest(self) -> datetime:
        """The other end: the last sample is after this."""
        return datetime.fromtimestamp(self.timestamp() - self.SPAN.total_seconds(), tz=self.tzinfo)


def seen_words(at: datetime, now: datetime, exact: str = "") -> str:
    """A last-seen time in words: `<exact>2026-11-27 23:55 UTC (3m ago)`, or for a `Within`, `within the
    5 minutes before 2026-11-27 23:59 UTC` — never a time before the series existed."""
    if isinstance(at, Within):  # how long ago: at most since the earliest it can be
        return (f"within the {int(Within.SPAN.total_seconds() // 60)} minutes before {at.strftime('%Y-%m-%d %H:%M UTC')}"
                f" ({human_span(now - at.earliest)} ago at most)")
    return f"{exact}{at.strftime('%Y-%m-%d %H:%M UTC')} ({human_span(now - at)} ago)"


def human_span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            whole, rest = divmod(seconds, size)
            return f"{whole}{unit}" + (f" {rest // 3600}h" if unit == "d" and rest >= 3600 else "")
    return f"{seconds}s"
