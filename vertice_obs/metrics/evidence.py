"""Evidence: what a metric source says, gathered once per run — and the offline source.

`MetricSource` is the small interface every source implements (`PrometheusSource` in
`prometheus.py`, `CatalogSource` here). `gather` asks a source for each capability once; a
capability a Prometheus-compatible backend lacks degrades only the checks that need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Protocol, Sequence

from vertice_obs.checks import finding
from vertice_obs.errors import VobsError
from vertice_obs.finding import Finding, Location
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import LAST_SEEN, RULES, TYPES, Evidence
from vertice_obs.metrics.series import LabelTable, SelectorUse, catalog_table, judge

DEFAULT_LOOKBACK = timedelta(days=7)


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

    def names(self) -> NameSnapshot: ...

    def rules(self) -> dict[str, RuleInfo]: ...

    def last_seen(self, names: Iterable[str], lookback: timedelta) -> dict[str, datetime | None]: ...

    def label_tables(self, labels: tuple[str, ...], names: Iterable[str]) -> dict[str, LabelTable]: ...

    def label_names(self, name: str) -> list[str]: ...

    def metadata(self) -> dict[str, str]: ...


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
        degraded.append((RULES, f"{_reason(exc, source)}; metrics produced by recording rules are judged "
                                "like any other"))
    absent = sorted(set(referenced) - names)
    seen: dict[str, datetime | None] = {}
    if absent:
        try:
            seen = source.last_seen(absent, lookback)
        except CapabilityMissing as exc:
            degraded.append((LAST_SEEN, f"{_reason(exc, source)}; absent metrics cannot be told apart into "
                                        "missing and disappeared"))
    metadata: dict[str, str] = {}
    if not isinstance(source, CatalogSource):
        try:
            metadata = source.metadata()
        except CapabilityMissing as exc:
            degraded.append((TYPES, f"{_reason(exc, source)}; {_TYPES_FROM}"))
        else:
            if not metadata:
                degraded.append((TYPES, f"its metadata is empty; {_TYPES_FROM}"))
    return Evidence(source=source.description, names=frozenset(names), rules=rules, last_seen=seen,
                    lookback=lookback, now=now, degraded=tuple(degraded), metadata=metadata)


_TYPES_FROM = "types come from the catalog, then from naming conventions (_total: counter)"


def _reason(exc: SourceUnavailable, source: MetricSource) -> str:
    """A capability's failure without the source's name (the finding names the source once)."""
    text = str(exc)
    prefix = getattr(source, "description", "")
    return text[len(prefix):].lstrip(" :") if prefix and text.startswith(prefix) else text


class CatalogSource:
    """The offline source: the catalog's promise of which series exist (histograms expanded)."""

    def __init__(self, catalog: MetricCatalog):
        self.catalog = catalog
        self.description = f"the metric catalog {catalog.file}"

    def names(self) -> NameSnapshot:
        return NameSnapshot(self.catalog.series_names())

    def rules(self) -> dict[str, RuleInfo]:
        return {}

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        return {n: None for n in names}

    def label_tables(self, labels: tuple[str, ...], names: Iterable[str]) -> dict[str, LabelTable]:
        """What the catalog promises: its labels (and common labels) and the values it lists."""
        out = {}
        for name in names:
            spec = self.catalog.family_of(name)
            if spec is not None:
                out[name] = catalog_table(name, labels, self.catalog.carried_labels(spec),
                                          self.catalog.label_values(spec))
        return out

    def metadata(self) -> dict[str, str]:
        return {}  # the catalog's own types are used directly (classify.metric_type)

    def label_names(self, name: str) -> list[str]:
        spec = self.catalog.family_of(name)
        return sorted(self.catalog.carried_labels(spec)) if spec else []




LABELS = "label values"


def judge_selectors(source: MetricSource, uses: Sequence[SelectorUse], evidence: Evidence) -> list[Finding]:
    """Series-level findings: selectors of present metrics that select no series, and why.

    One request per distinct set of matched labels (not per query): the label values every
    selector needs are fetched grouped. Names absent altogether are left to the name-level
    findings. A source that cannot answer degrades this check alone, said once."""
    if not evidence.available:
        return []
    names = evidence.names or frozenset()
    wanted: dict[tuple[str, ...], set[str]] = {}
    for use in uses:
        if use.selector.metric in names:
            wanted.setdefault(use.selector.labels, set()).add(use.selector.metric)
    tables: dict[tuple[str, tuple[str, ...]], LabelTable] = {}
    try:
        for labels, metrics in sorted(wanted.items()):
            for name, table in source.label_tables(labels, sorted(metrics)).items():
                tables[(name, labels)] = table
    except SourceUnavailable as exc:
        return [finding("source/degraded", f"{evidence.source}: {LABELS} could not be checked: "
                        f"{_reason(exc, source)}; selectors are judged by metric name only", _nowhere(),
                        capability=LABELS)]
    verdicts, options = [], {}
    for use in uses:
        table = tables.get((use.selector.metric, use.selector.labels))
        if table is None:
            continue
        found = judge(use.selector, table)
        if use.option is None:
            verdicts.extend((use, verdict) for verdict in found)
        elif found:  # aggregated: one finding per option, naming how many panels it empties
            options.setdefault((use.location.file, use.location.dashboard, use.option), []).append(use)
    carried = _carried_labels(source, sorted({u.selector.metric for u, v in verdicts if v.check == LABEL_MISSING}))
    out = []
    for use, verdict in verdicts:
        message = verdict.message
        if verdict.check == LABEL_MISSING and use.selector.metric in carried:
            message += f" (its labels: {', '.join(carried[use.selector.metric]) or 'none'})"
        out.append(finding(verdict.check, message, use.location, metric=use.selector.metric, query=use.query,
                           selector=str(use.selector)))
    for (file, dashboard, (variable, value)), emptied in sorted(options.items()):
        panels = list(dict.fromkeys(u.location.panel or u.location.target or "?" for u in emptied))
        shown = ", ".join(repr(p) for p in panels[:3]) + (f" and {len(panels) - 3} more" if len(panels) > 3 else "")
        out.append(finding("variable/option-no-data",
                           f"the {value!r} option of ${variable} shows No data on {len(panels)} "
                           f"panel{'s' if len(panels) != 1 else ''}: {shown} (e.g. {emptied[0].selector})",
                           Location(file=file, dashboard=dashboard, target=f"variable {variable}"),
                           variable=variable, option=value, panels=len(panels)))
    return out


LABEL_MISSING = "metric/label-missing"
_MAX_LABEL_LOOKUPS = 3  # one request each, only for metrics with a label-missing finding (a bound, not a budget per query)


def _carried_labels(source: MetricSource, metrics: list[str]) -> dict[str, list[str]]:
    """The labels each metric does carry, for the label-missing message (best effort, bounded)."""
    out = {}
    for name in metrics[:_MAX_LABEL_LOOKUPS]:
        try:
            out[name] = source.label_names(name)
        except SourceUnavailable:
            break
    return out


def _nowhere() -> Location:
    return Location(file=None)
