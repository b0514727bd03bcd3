"""Evidence: what a metric source says, gathered once per run — and the offline source.

`MetricSource` is the small interface every source implements (`PrometheusSource` in
`prometheus.py`, `CatalogSource` here). `gather` asks a source for each capability once; a
capability a Prometheus-compatible backend lacks degrades only the checks that need it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Mapping, Protocol, Sequence

from vertice_obs.checks import finding
from vertice_obs.errors import VobsError
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import escape, folded
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import (
    LAST_SEEN,
    RULES,
    TYPES,
    UNTOLD,
    Evidence,
    History,
    MetricUse,
    presence,
)
from vertice_obs.metrics.series import LabelTable, Selector, catalog_table

# Label tables wanted: for each set of matched labels, the metric names whose values are needed.
Wanted = Mapping[tuple[str, ...], Iterable[str]]
Tables = dict[tuple[str, tuple[str, ...]], LabelTable]  # (metric, label set) → its table
Meanwhile = Callable[[], object] | None  # work to do while a source answers

DEFAULT_LOOKBACK = timedelta(days=7)
# `selector_history`: matched series within the lookback, when not looked up (beyond the request bound).
SEEN_UNTIMED = datetime.min.replace(tzinfo=timezone.utc)


class SourceUnavailable(VobsError):
    """The source could not answer: metrics are "unknown", never "missing"."""


class CapabilityMissing(SourceUnavailable):
    """The source answered that it does not serve this endpoint (404, 405, 501): a backend that
    implements part of Prometheus' API. Only the checks that need it are degraded."""


class NameSnapshot(frozenset):
    """The metric names a source holds now: a frozenset, plus when and over what window it was taken."""

    at: datetime | None
    window: timedelta | None

    def __new__(cls, names: Iterable[str] = (), at: datetime | None = None, window: timedelta | None = None):
        snapshot = super().__new__(cls, names)
        snapshot.at, snapshot.window = at, window
        return snapshot

    def __reduce__(self):
        return (NameSnapshot, (frozenset(self), self.at, self.window))


@dataclass(frozen=True)
class RuleInfo:
    """A recording rule, as `/api/v1/rules` describes it."""

    name: str  # the output metric name
    expr: str
    group: str
    file: str
    health: str  # "ok", "err" or "unknown" (not evaluated yet)
    last_evaluation: datetime | None = None
    last_error: str = ""


class MetricSource(Protocol):
    description: str
    warnings: list[str]  # what its answers warned of, in order (`incomplete` says them)

    def names(self) -> NameSnapshot: ...

    def rules(self) -> dict[str, RuleInfo]: ...

    def last_seen(self, names: Iterable[str], lookback: timedelta) -> dict[str, datetime | None]: ...

    def label_tables(self, wanted: Wanted, meanwhile: Meanwhile = None) -> Tables: ...

    def label_names(self, names: Sequence[str]) -> dict[str, list[str]]: ...

    def labels_within(self, lookback: timedelta) -> frozenset[str]: ...

    def metadata(self) -> dict[str, str]: ...

    def history(self, lookback: timedelta) -> History | None: ...

    def selector_history(self, selectors: Sequence[Selector], lookback: timedelta) -> dict[Selector, datetime | None]: ...


def gather(source: MetricSource, referenced: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK,
           now: datetime | None = None) -> Evidence:
    """Everything classification needs from `source`, each capability asked once.

    Metric names are required: without them every metric is unknown. Recording rules and the
    last-seen history are not: a Prometheus-compatible backend may lack them (Thanos or Mimir
    without a ruler, a proxy that forwards only queries) — it answers 404, 405 or 501 — and then only
    the checks that need them are degraded, with the reason said once. Any other failure (a 5xx,
    a timeout, an answer of the wrong shape) still makes every metric unknown: never a guess."""
    now = now or datetime.now(timezone.utc)
    try:
        names = source.names()
    except SourceUnavailable as exc:
        return Evidence(source=source.description, names=None, error=str(exc), lookback=lookback, now=now)
    degraded: list[tuple[str, str]] = []
    try:
        rules = source.rules()
    except CapabilityMissing as exc:
        rules = {}
        degraded.append((RULES, f"{source_reason(exc, source)}; metrics produced by recording rules are judged "
                                "like any other"))
    absent = sorted(set(referenced) - names)
    if not rules and not degraded and not isinstance(source, CatalogSource):
        degraded += _no_rules(source, [n for n in absent if ":" in n])
    seen: dict[str, datetime | None] = {}
    if absent:
        seen, lacking = _last_seen(source, absent, lookback)
        degraded += lacking
    metadata: dict[str, str] = {}
    if not isinstance(source, CatalogSource):
        try:
            metadata = source.metadata()
        except CapabilityMissing as exc:
            degraded.append((TYPES, f"{source_reason(exc, source)}; {_TYPES_FROM}"))
        else:
            if not metadata:
                degraded.append((TYPES, f"its metadata is empty; {_TYPES_FROM}"))
    return Evidence(source=source.description, names=frozenset(names), rules=rules, last_seen=seen,
                    lookback=lookback, now=now, degraded=tuple(degraded), metadata=metadata,
                    timeless=isinstance(source, CatalogSource))


def _no_rules(source: MetricSource, shaped: list[str]) -> list[tuple[str, str]]:
    """An empty rules list, while names shaped like a rule's output (`level:metric:operations`) are
    absent: VictoriaMetrics without vmalert answers so — as does a Prometheus with no rule files."""
    if not shaped:
        return []
    why = ("VictoriaMetrics lists them only through vmalert: -vmalert.proxyURL" if getattr(source, "kind", "")
           == "VictoriaMetrics" else "are its rule files loaded? VictoriaMetrics lists them only with -vmalert.proxyURL")
    some = f"{len(shaped)} absent names the dashboards query are" if len(shaped) > 1 else "an absent name the dashboards query is"
    return [(RULES, f"the backend reported no recording rules ({why}); {some} shaped like a rule's output "
                    f"({shaped[0]}{', …' if len(shaped) > 1 else ''}) and judged like any other metric")]


def gone_now(evidence: Evidence, source: MetricSource, gone: Iterable[str]) -> Evidence:
    """`evidence` with `gone` — names the source's index lists, but without a series now (see
    `nodata.judge_selectors`) — absent, as any absent name: asked when each was last seen, so that
    it is `metric/disappeared` (with when), not `metric/present`. Costs requests only when a name is gone.

    VictoriaMetrics (`source.kind`) answers a query at now for now minus its -search.latencyOffset (30 s
    by default; `horizon`, one more request): a gone name last seen after that, or not yet at all while
    the offset holds, is a series too fresh to be served — present (`Evidence.fresh`), never
    "disappeared … (0s ago)"; one that really went before it is disappeared, as on Prometheus."""
    gone = sorted(set(gone) & (evidence.names or frozenset()))
    if not gone:
        return evidence
    found, lacking = _last_seen(source, gone, evidence.lookback)
    fresh = _fresh(source, found, evidence.now) if not lacking and getattr(source, "kind", "") == "VictoriaMetrics" \
        else frozenset()
    found = {n: at for n, at in found.items() if n not in fresh}
    said = dict(evidence.degraded)
    return replace(evidence, names=evidence.names - (frozenset(gone) - fresh), last_seen={**evidence.last_seen, **found},
                   degraded=evidence.degraded + tuple(d for d in lacking if d[0] not in said),
                   fresh=evidence.fresh | fresh)


def _fresh(source: MetricSource, found: Mapping[str, datetime | None], now: datetime) -> frozenset[str]:
    """Of the gone names `found` (name → last seen), those newer than what the source serves at now."""
    try:
        horizon = source.horizon()  # type: ignore[attr-defined]  # a live source's, VictoriaMetrics
    except SourceUnavailable:
        return frozenset()
    offset = horizon < now - timedelta(seconds=1)
    return frozenset(n for n, at in found.items() if (offset if at is None else at > horizon))


def _last_seen(source: MetricSource, absent: list[str],
               lookback: timedelta) -> tuple[dict[str, datetime | None], list[tuple[str, str]]]:
    """When each absent name was last seen, and the degraded capability if the source lacks that."""
    try:
        return source.last_seen(absent, lookback), []
    except CapabilityMissing as exc:
        return {}, [(LAST_SEEN, f"{source_reason(exc, source)}; absent metrics cannot be told apart into "
                                "missing and disappeared")]


def needs_history(evidence: Evidence, uses: Sequence[MetricUse] = ()) -> bool:
    """Will a name-level finding say "never seen" — a name never seen, or a name pattern (`uses`)
    matching none? Then how much data the source holds matters."""
    if not evidence.available or LAST_SEEN in dict(evidence.degraded):
        return False
    patterns = [u for u in uses if u.is_pattern]
    return (any(at is None for at in evidence.last_seen.values())
            or bool(patterns) and not all(presence(patterns, evidence, {}).values()))


def held(source: MetricSource, lookback: timedelta) -> History | None:
    """How much of the lookback `source` holds; `UNTOLD` when it failed to say (never a guess), None
    when it keeps no history (a catalog). Sources remember the answer, a failure too: asked for
    names, selectors and dropdowns, it costs its requests (and a failing one its wait) once."""
    try:
        return source.history(lookback)
    except SourceUnavailable:
        return UNTOLD


def with_history(evidence: Evidence, source: MetricSource, lookback: timedelta,
                 uses: Sequence[MetricUse] = ()) -> Evidence:
    """`evidence`, with how much of the lookback the source holds when a finding about `uses` will
    say "never seen" — so that it says "in the last 7d" only when the source holds 7 days (every
    caller of `classify` over a live source goes through here: validate, audit, chaos check)."""
    return replace(evidence, history=held(source, lookback)) if needs_history(evidence, uses) else evidence


_TYPES_FROM = "types come from the catalog, then from naming conventions (_total: counter)"


def source_reason(exc: SourceUnavailable, source: MetricSource) -> str:
    """A capability's failure without the source's name (the finding names the source once)."""
    text = str(exc)
    prefix = getattr(source, "description", "")
    return text[len(prefix):].lstrip(" :") if prefix and text.startswith(prefix) else text


class CatalogSource:
    """The offline source: the catalog's promise of which series exist (histograms expanded)."""

    def __init__(self, catalog: MetricCatalog):
        self.catalog = catalog
        self.description = f"the metric catalog {catalog.file}"
        self.warnings: list[str] = []  # a catalog answers whole

    def names(self) -> NameSnapshot:
        return NameSnapshot(self.catalog.series_names())

    def rules(self) -> dict[str, RuleInfo]:
        return {}

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        return {n: None for n in names}

    def label_tables(self, wanted: Wanted, meanwhile: Meanwhile = None) -> Tables:
        """What the catalog promises: its labels (and common labels) and the values it lists.
        Nothing to wait for: `meanwhile` is left to the caller."""
        out = {}
        for labels, names in wanted.items():
            for name in names:
                spec = self.catalog.family_of(name)
                if spec is not None:
                    out[(name, labels)] = catalog_table(name, labels, self.catalog.carried_labels(spec, name),
                                                        self.catalog.label_values(spec))
        return out

    def history(self, lookback: timedelta) -> History | None:
        return None  # a catalog has no history: "never seen" is not said offline

    def selector_history(self, selectors: Sequence[Selector], lookback: timedelta) -> dict[Selector, datetime | None]:
        return {}

    def metadata(self) -> dict[str, str]:
        return {}  # the catalog's own types are used directly (classify.metric_type)

    def label_names(self, names: Sequence[str]) -> dict[str, list[str]]:
        specs = {name: self.catalog.family_of(name) for name in names}
        return {name: sorted(self.catalog.carried_labels(spec, name)) for name, spec in specs.items() if spec}

    def labels_within(self, lookback: timedelta) -> frozenset[str]:
        """Every label some series of the catalog carries."""
        return frozenset(label for name, labels in self.label_names(sorted(self.catalog.series_names())).items()
                         for label in labels)


_SAID_WARNINGS, _KEPT_WARNINGS, _WARNING_CHARS = 3, 20, 2000  # quoted; kept in details; each kept's length


# The checks that conclude something is absent from the source's answers: what a partial answer can make wrong.
ABSENCE = frozenset({"metric/missing", "metric/disappeared", "metric/recording-rule", "metric/fallback-only",
                     "metric/no-matching-series", "metric/label-missing", "metric/group-label-missing",
                     "variable/option-no-data", "variable/label-missing"})


def incomplete(source: MetricSource, evidence: Evidence, judged: Sequence[Finding] = ()) -> list[Finding]:
    """The one `source/incomplete` finding when the source's answers carried warnings: a Thanos or
    Cortex query layer that could not reach a store answers what it could (a partial response) and
    says so there — absence in such an answer is no proof. The first distinct ones, as the server
    wrote them (secrets redacted, one line each); the first 20 whole in `details.warnings`. A partial
    answer holds less, never more: when none of the `judged` findings says something is absent
    (`ABSENCE`), it changed none of them — then it is info, and fails no `--fail-on warning` run."""
    raw = list(dict.fromkeys(source.warnings))  # a server may send thousands, or one of megabytes:
    if not raw:  # only the kept ones are redacted, each cut first (redaction's cost grows with length)
        return []
    distinct = [redact_text(w[:_WARNING_CHARS]) for w in raw[:_KEPT_WARNINGS]]
    shown = "; ".join(f'"{escape(folded(w, 200), one_line=True)}"' for w in distinct[:_SAID_WARNINGS])
    more = f" (and {len(raw) - _SAID_WARNINGS} more)" if len(raw) > _SAID_WARNINGS else ""
    if any(f.check in ABSENCE for f in judged):
        return [finding("source/incomplete", f"{evidence.source} warned that its answers may be incomplete: {shown}"
                        f"{more} — a metric, label or series found missing or empty may exist where it could not "
                        "look: check again once it answers without warnings", Location(file=None), warnings=distinct)]
    return [finding("source/incomplete", f"{evidence.source} warned that its answers may be incomplete: {shown}{more} "
                    "— nothing was found missing or empty, so it changed no finding", Location(file=None),
                    severity=Severity.INFO, warnings=distinct)]


