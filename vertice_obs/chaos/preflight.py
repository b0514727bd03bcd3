"""Before anything is injected: every probe's metrics must exist. Reuses metric validation.

A probe on a missing metric would measure nothing and its verdict would be meaningless, so the
run stops with that finding (located at the probe's query in the scenario file). So does a probe
whose window is shorter than two scrape intervals of its targets at the chosen time scale (`scrape`).
"""

from __future__ import annotations

from datetime import timedelta

from vertice_obs.chaos.scenario import Run
from vertice_obs.chaos.scrape import (
    Scrape,
    ScrapeSource,
    probe_query,
    scrape_intervals,
    window_findings,
    window_seconds,
)
from vertice_obs.finding import Finding, Severity
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import classify
from vertice_obs.metrics.evidence import MetricSource, gather, with_history
from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.inventory import Query

# Outcomes that leave a probe without data.
BLOCKING = {"metric/missing", "metric/disappeared", "metric/recording-rule", "metric/unknown", "promql/parse",
            "chaos/window-too-short"}


def preflight(run: Run, source: MetricSource, catalog: MetricCatalog | None,
              lookback: timedelta = timedelta(days=7)) -> list[Finding]:
    """Findings for every probe metric; the blocking ones (see `BLOCKING`) stop the run."""
    uses, findings = [], []
    for scenario in run.scenarios:
        for probe in scenario.probes:
            where = run.where(scenario, probe)
            u, f = uses_of(Query(probe_query(probe, window_seconds(run)), where), {})
            uses.extend(u)
            findings.extend(f)
    evidence = with_history(gather(source, {u.metric for u in uses if not u.is_pattern}, lookback), source, lookback)
    return findings + classify(uses, evidence, catalog)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.check in BLOCKING and (f.severity >= Severity.WARNING)]


def scrape_check(run: Run, source: ScrapeSource, time_scale: float) -> tuple[dict[str, Scrape], list[Finding]]:
    """The scrape interval of each probe's targets, and a finding per probe whose windows are
    shorter than two of them at `time_scale` (blocking) or whose interval could not be read."""
    intervals = scrape_intervals(run, source, window_seconds(run, time_scale))
    return intervals, window_findings(run, intervals, time_scale)


def offline_scrape_check(run: Run, time_scale: float) -> list[Finding]:
    """Checked against the metric catalog, no window can be checked: a catalog knows no scrape
    interval. One warning per probe says so, rather than a bare "ready" that checked nothing."""
    why = "checked offline against the metric catalog, which has no scrape intervals"
    intervals = {f"{s.id}/{p.id}": Scrape(None, why=why) for s in run.scenarios for p in s.probes}
    return window_findings(run, intervals, time_scale)


def not_ready(stops: list[Finding]) -> str:
    """Why a run cannot start, counted by kind: metrics that are missing, windows that are too short."""
    short = sum(f.check == "chaos/window-too-short" for f in stops)
    parts = [f"{len(stops) - short} probe metric{'s' if len(stops) - short != 1 else ''}"] if len(stops) > short else []
    parts += [f"{short} probe window{'s' if short != 1 else ''}"] if short else []
    return f"{' and '.join(parts)} would measure nothing"
