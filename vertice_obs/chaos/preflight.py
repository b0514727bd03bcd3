"""Before anything is injected: every probe's metrics must exist. Reuses metric validation.

A probe on a missing metric would measure nothing and its verdict would be meaningless, so the
run stops with that finding (located at the probe's query in the scenario file). So does a probe
whose window is shorter than two scrape intervals of its targets at the chosen time scale (`scrape`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Sequence

from vertice_obs.chaos.scenario import Run
from vertice_obs.chaos.scrape import (
    Scrape,
    ScrapeSource,
    probe_query,
    scrape_intervals,
    window_findings,
    window_seconds,
)
from vertice_obs.checks import finding
from vertice_obs.errors import closest
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import classify
from vertice_obs.metrics.evidence import MetricSource, gather, incomplete, with_history
from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.inventory import Query

# Outcomes that leave a probe without data.
BLOCKING = {"chaos/narrative-unknown", "metric/missing", "metric/disappeared", "metric/recording-rule", "metric/unknown", "promql/parse",
            "chaos/window-too-short"}


def preflight(run: Run, source: MetricSource, catalog: MetricCatalog | None, time_scale: float = 1.0,
              lookback: timedelta = timedelta(days=7)) -> list[Finding]:
    """Findings for every probe metric; the blocking ones (see `BLOCKING`) stop the run. Each probe's
    query is checked as the run at `time_scale` sends it: `${window}` scaled, as the runner fills it in."""
    uses, findings = [], []
    window = window_seconds(run, time_scale)
    for scenario in run.scenarios:
        for probe in scenario.probes:
            where = run.where(scenario, probe)
            u, f = uses_of(Query(probe_query(probe, window), where), {})
            uses.extend(u)
            findings.extend(f)
    evidence = with_history(gather(source, {u.metric for u in uses if not u.is_pattern}, lookback), source, lookback,
                            uses)
    judged = classify(uses, evidence, catalog)
    return [_stopping(f) for f in findings + judged] + incomplete(source, evidence, judged)


def _stopping(f: Finding) -> Finding:
    """A warning that stops the run is an error here: a probe on a missing metric measures nothing, as
    one whose window is too short (`chaos/window-too-short`, an error) — said "warning" while the run
    refused to start (a trial: "1 warning … NOT ready"). A server that could not answer (`metric/unknown`)
    stays a warning: it says nothing of the probe, and stops the run as a server failure, exit 2."""
    if f.check in BLOCKING and f.check != "metric/unknown" and f.severity == Severity.WARNING:
        return replace(f, severity=Severity.ERROR)
    return f


def narrative_findings(run: Run, known: set[str] | None) -> list[Finding]:
    """An error per narrative of the run the project does not have (`known`: the project's narrative
    ids; None: no narratives folder, nothing to check against): its faults would be annotated on no
    dashboard, and nothing else would say so."""
    if known is None:
        return []
    out = []
    for name, line in zip(run.narratives, run.narrative_lines or (None,) * len(run.narratives)):
        if name not in known:
            close = closest(name, known)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append(finding("chaos/narrative-unknown",
                               f"narrative {name!r} is not one of the project's ({', '.join(sorted(known)) or 'none'}): "
                               f"{hint}its dashboards would get no annotation",
                               Location(file=run.file, line=line, target=f"narrative {name}"), narrative=name))
    return out


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.check in BLOCKING and (f.severity >= Severity.WARNING)]


def scrape_check(run: Run, source: ScrapeSource, time_scale: float,
                 found: Sequence[Finding] = ()) -> tuple[dict[str, Scrape], list[Finding]]:
    """The scrape interval of each probe's targets, and a finding per probe whose windows are
    shorter than two of them at `time_scale` (blocking) or whose interval could not be read —
    checked whatever else stops the run (every mistake in one run: a trial fixed a missing metric
    to learn of a window next), but a probe `found` stopped already (its metric missing) is not
    also said to have no scrape interval."""
    intervals = scrape_intervals(run, source, window_seconds(run, time_scale))
    return intervals, _unless_stopped(window_findings(run, intervals, time_scale), found)


def _unless_stopped(windows: list[Finding], found: Sequence[Finding]) -> list[Finding]:
    stopped = {f.location.target for f in blocking(list(found))}
    return [f for f in windows if not (f.check == "chaos/scrape-unknown" and f.location.target in stopped)]


def offline_scrape_check(run: Run, time_scale: float, found: Sequence[Finding] = ()) -> list[Finding]:
    """Checked against the metric catalog, no window can be checked: a catalog knows no scrape
    interval. One warning per probe (not stopped already) says so, rather than a bare "ready" that
    checked nothing."""
    why = "checked offline against the metric catalog, which has no scrape intervals"
    intervals = {f"{s.id}/{p.id}": Scrape(None, why=why) for s in run.scenarios for p in s.probes}
    return _unless_stopped(window_findings(run, intervals, time_scale), found)


def not_ready(stops: list[Finding]) -> str:
    """Why a run cannot start, counted by kind: metrics that are missing, windows that are too short,
    narratives the project does not have."""
    short = sum(f.check == "chaos/window-too-short" for f in stops)
    unknown = sum(f.check == "chaos/narrative-unknown" for f in stops)
    metrics = len(stops) - short - unknown
    parts = [f"{metrics} probe metric{'s' if metrics != 1 else ''}"] if metrics else []
    parts += [f"{short} probe window{'s' if short != 1 else ''}"] if short else []
    said = [f"{' and '.join(parts)} would measure nothing"] if parts else []
    said += [f"{unknown} narrative{'s' if unknown != 1 else ''} the project does not have"] if unknown else []
    return "; ".join(said)
