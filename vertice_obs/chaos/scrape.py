"""How often each probe's series are scraped, and whether the probe's windows can see two scrapes.

A `rate` or `increase` over a window holding fewer than two samples returns nothing, so a probe
whose `${window}` (the scaled settle time) or literal `[4s]` is shorter than two scrape intervals
measures nothing at all — and a report on it would blame the phase length. The interval is read,
not assumed: the targets each probe's series come from (their `job` and `instance`, asked of
Prometheus) are looked up in `/api/v1/targets`, and the longest `scrapeInterval` among them is the
probe's. Without `settle`, `${window}` is derived from it (`WINDOW_SCRAPES` intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import promql_parser as pp

from vertice_obs.chaos.scenario import Probe, Run
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.metrics.evidence import SourceUnavailable
from vertice_obs.metrics.extract import children, uses_of
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.promql_text import ParseError, parse_promql

MIN_SCRAPES = 2  # a window must span this many scrape intervals for rate/increase to answer
WINDOW_SCRAPES = 4  # `${window}` without `settle`: Prometheus' rule of thumb for rate windows
_LABELS = ("instance", "job")  # sorted, as `label_tables` keys its columns
_LE = ("le",)  # a histogram's bucket bounds


class ScrapeSource(PrometheusSource):
    """A `PrometheusSource` that can also read the scrape targets (one request)."""

    def active_targets(self) -> list[dict[str, Any]]:
        """`/api/v1/targets?state=active`: each target's labels and `scrapeInterval`."""
        data = self._call(lambda: self._api("GET", "/api/v1/targets", params={"state": "active"}))
        if not isinstance(data, dict) or not isinstance(data.get("activeTargets"), list):
            raise self._not_prometheus("/api/v1/targets did not answer activeTargets")
        return [t for t in data["activeTargets"] if isinstance(t, dict)]


@dataclass(frozen=True)
class Scrape:
    """The scrape interval of one probe's series: the longest among its targets; None: unknown. For
    a probe that is a histogram quantile, also its histogram's finite bucket bounds (`le`), read in
    the same request: the report shows each value between them (`estimate`)."""

    seconds: float | None
    targets: tuple[str, ...] = ()  # "job instance", the targets it was read from
    why: str = ""  # why it is unknown
    buckets: tuple[float, ...] = ()  # ascending; empty: not a quantile, or not known


def prometheus_seconds(text: str) -> float | None:
    """A Prometheus duration (`5s`, `1m30s`) in seconds, read by Prometheus' own grammar (the PromQL
    parser's range syntax); None when it is not one."""
    try:
        node = parse_promql(f"x[{text}]")
        return node.range.total_seconds() if isinstance(node, pp.MatrixSelector) else None
    except (ValueError, RuntimeError, OverflowError):  # reading `range`: a length no timedelta holds
        return None


def window_seconds(run: Run, time_scale: float = 1.0, scrape_seconds: float | None = None) -> float:
    """`${window}` in probes: the settle time, scaled (each phase is judged once the window has left
    the previous one); without `settle`, `WINDOW_SCRAPES` scrape intervals (60 s scaled if unknown)."""
    if run.settle:
        return run.settle.total_seconds() * time_scale
    return WINDOW_SCRAPES * scrape_seconds if scrape_seconds else 60 * time_scale


def window_text(seconds: float) -> str:
    """A window as PromQL writes it, to the millisecond: 4.5 → `4500ms`, 2 → `2s`."""
    ms = max(1, round(seconds * 1000))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def probe_query(probe: Probe, window: float) -> str:
    """The probe's PromQL with `${window}` (its rate/increase window) filled in."""
    return probe.query.replace("${window}", window_text(window))


def ranges(query: str) -> list[float]:
    """The range of every `[…]` selector in `query`, in seconds (subquery ranges are not windows of
    raw samples and are left out)."""
    try:
        stack, found = [parse_promql(query)], []
    except (ValueError, RuntimeError):
        return []
    while stack:
        node = stack.pop()
        if isinstance(node, pp.MatrixSelector):
            found.append(node.range.total_seconds())
        stack.extend(children(node))
    return found


def scrape_intervals(run: Run, source: ScrapeSource, window: float) -> dict[str, Scrape]:
    """Per probe (`scenario/probe`), the scrape interval of the targets its series come from (and a
    quantile's bucket bounds, `quantile_of`)."""
    names: dict[str, set[str]] = {}
    histograms: dict[str, set[str]] = {}
    for scenario in run.scenarios:
        for probe in scenario.probes:
            key, query = f"{scenario.id}/{probe.id}", probe_query(probe, window)
            try:
                uses, _ = uses_of(Query(query, Location(file=run.file)), {})
            except ParseError:
                uses = []
            names[key] = {u.metric for u in uses if not u.is_pattern}
            histograms[key] = quantile_of(query) & names[key]
    try:
        tables = source.label_tables({_LABELS: sorted(set().union(*names.values())),
                                      _LE: sorted(set().union(*histograms.values()))})
        targets = source.active_targets()
    except SourceUnavailable as exc:
        return {key: Scrape(None, why=f"cannot read the scrape targets: {exc}") for key in names}
    found = {key: _interval(metrics, tables, targets) for key, metrics in names.items()}
    return {key: replace(scrape, buckets=_bounds(histograms[key], tables)) for key, scrape in found.items()}


def _interval(metrics: set[str], tables: dict, targets: list[dict]) -> Scrape:
    intervals = {(str(t.get("labels", {}).get("job", "")), str(t.get("labels", {}).get("instance", ""))):
                 prometheus_seconds(_interval_of(t)) for t in targets if isinstance(t.get("labels"), dict)}
    rows = {(job, instance) for m in metrics for instance, job in getattr(tables.get((m, _LABELS)), "rows", ())}
    known = {row: intervals[row] for row in rows if intervals.get(row)}
    if not known:
        return Scrape(None, why="its series come from no active scrape target" if rows else "it has no series now")
    return Scrape(max(known.values()), tuple(sorted(f"{j} {i}" for j, i in known)))


def _bounds(histograms: set[str], tables: dict) -> tuple[float, ...]:
    """The finite `le` bounds the histograms' series carry, ascending (the `+Inf` bucket left out)."""
    found = set()
    for name in histograms:
        for (le,) in getattr(tables.get((name, _LE)), "rows", ()):
            try:
                bound = float(le)
            except ValueError:
                continue
            if math.isfinite(bound):
                found.add(bound)
    return tuple(sorted(found))


def quantile_of(query: str) -> set[str]:
    """The `_bucket` metrics a query's value is interpolated from: its outermost expression (through
    parentheses, and `max`/`min` across series, which keep a series' value) is `histogram_quantile`.
    Empty otherwise — a quantile inside arithmetic (`* 1000`) is no longer between its buckets' bounds."""
    try:
        node = parse_promql(query)
    except (ValueError, RuntimeError):
        return set()
    while isinstance(node, pp.ParenExpr) or isinstance(node, pp.AggregateExpr) and str(node.op) in ("max", "min"):
        node = node.expr
    if not (isinstance(node, pp.Call) and node.func.name == "histogram_quantile"):
        return set()
    stack, found = [node], set()
    while stack:
        current = stack.pop()
        if isinstance(current, pp.VectorSelector) and current.name and current.name.endswith("_bucket"):
            found.add(current.name)
        stack.extend(children(current))
    return found


def _interval_of(target: dict) -> str:
    """A target's scrape interval as written: Prometheus says `scrapeInterval`; VictoriaMetrics
    leaves it out and keeps it in the target's discovered labels (`__scrape_interval__`)."""
    discovered = target.get("discoveredLabels")
    fallback = discovered.get("__scrape_interval__", "") if isinstance(discovered, dict) else ""
    return str(target.get("scrapeInterval") or fallback)


def longest(intervals: dict[str, Scrape]) -> float | None:
    known = [s.seconds for s in intervals.values() if s.seconds]
    return max(known) if known else None


def window_findings(run: Run, intervals: dict[str, Scrape], time_scale: float) -> list[Finding]:
    """One finding per probe: an error when a window is shorter than `MIN_SCRAPES` scrape intervals
    (the probe would measure nothing), a warning when the interval could not be read."""
    findings = []
    window = window_seconds(run, time_scale, longest(intervals))
    for scenario in run.scenarios:
        for probe in scenario.probes:
            scrape = intervals.get(f"{scenario.id}/{probe.id}", Scrape(None, why="not asked"))
            where = run.where(scenario, probe)
            if scrape.seconds is None:
                findings.append(Finding("chaos/scrape-unknown", Severity.WARNING,
                                        f"scrape interval unknown ({scrape.why}): its windows are not checked", where))
                continue
            need = MIN_SCRAPES * scrape.seconds
            short = [r for r in ranges(probe_query(probe, window)) if r < need]
            if not short:
                continue
            fix = (f"use --time-scale {need / run.settle.total_seconds():.3g} or more, or scrape more often"
                   if "${window}" in probe.query and run.settle else "lengthen the window, or scrape more often")
            findings.append(Finding(
                "chaos/window-too-short", Severity.ERROR,
                f"window {window_text(min(short))} is shorter than {MIN_SCRAPES} scrape intervals of "
                f"{window_text(scrape.seconds)} ({', '.join(scrape.targets)}) at --time-scale {time_scale:g}: "
                f"rate and increase would return nothing; {fix}", where))
    return findings


def unjudgeable(run: Run, time_scale: float, settle: float) -> str:
    """Without `settle`, its default (`${window}`) is known only once the scrape intervals are: the
    phases not longer than it (`scenario.load_run` refuses them against a `settle` written), said."""
    if run.settle:
        return ""
    phases = [("the baseline", run.baseline), ("the recover phase", run.recover)] + [
        (f"scenario {s.id}'s hold", s.fault.hold) for s in run.scenarios]
    short = [what for what, length in phases if length.total_seconds() * time_scale <= settle]
    if not short:
        return ""
    return (f"no `settle` in {run.file}: each phase is judged once the probes' ${{window}} ({settle:g}s) has left "
            f"the previous one, and {', '.join(short)} {'is' if len(short) == 1 else 'are'} not longer than that "
            "at this time scale: never judged — lengthen it, or set `settle`")


def settle_findings(run: Run, intervals: dict[str, Scrape], time_scale: float) -> list[Finding]:
    """`chaos check`'s word for what `chaos run` warns of at its start (`unjudgeable`): without
    `settle`, a phase not longer than the probes' `${window}` is never judged. Said only where the
    run's window is known, from the probes' scrape intervals (offline, or none read: nothing said)."""
    scrape = longest(intervals)
    if run.settle or scrape is None:
        return []
    short = unjudgeable(run, time_scale, window_seconds(run, time_scale, scrape))
    return [Finding("chaos/phase-unjudged", Severity.WARNING, short, Location(file=run.file, target="settle"))] if short else []


def worst_points(result: list, op: str) -> list[tuple[float, float]]:
    """A probe's matrix as the run reads it: [(epoch seconds, value)], where the query returns
    several series the worst value at each instant for its threshold (the highest for `<`, the
    lowest for `>`) among those that are numbers. ValueError: not a matrix of numbers."""
    pick = max if op.startswith("<") else min
    points: dict[float, list[float]] = {}
    try:
        for row in result:
            for ts, value in row.get("values", []):
                points.setdefault(float(ts), []).append(float(value))
    except (AttributeError, TypeError, ValueError):
        raise ValueError("a malformed matrix") from None
    # among the numbers: a NaN or ±Inf (no data, as the report reads it) would win or lose by the
    # series' order (`max([nan, 5])` is nan) and hide another series' breach; with no number, as
    # Prometheus said it (the journal writes it null with a note naming NaN or Inf)
    return [(ts, pick(finite) if (finite := [v for v in values if math.isfinite(v)]) else pick(values))
            for ts, values in sorted(points.items())]
