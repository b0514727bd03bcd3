"""Before any fault: does each probe hold steadily? A probe that already breaches its threshold now
and then, with nothing injected, makes any breach the run records chance — the fault cannot be told
from the noise. (Chaos Toolkit checks its steady-state hypothesis before the experiment's method
runs, for the same reason.)

A new-user trial (20, MED 2) met it in the README's own rehearsal: at `--time-scale 0.05` the
dopamine-spike probe's window is 2.25 s, and a counter that ticks about once a second has no tick in
such a window almost half the time — the report's headline P1, "breached in the recover phase", was
a coin toss, while at full scale (a 45 s window) the probe never breaches.

One range query per probe over the last `LOOKBACK`, at the probe's scrape interval, with the
window the run will send; the worst value at each instant, as the run reads it (`worst_points`;
a NaN or ±Inf is no data there, as in the report, not a breach).
Said only with at least `MIN_SAMPLES` samples (a Prometheus started a moment ago holds too little
to tell), and only when the breaches are not rare (`NOISE`). Pure but for the source's queries.
"""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from vertice_obs.chaos.preflight import blocking
from vertice_obs.chaos.scenario import Run
from vertice_obs.chaos.scrape import (
    Scrape,
    ScrapeSource,
    longest,
    probe_query,
    window_seconds,
    window_text,
    worst_points,
)
from vertice_obs.checks import finding
from vertice_obs.finding import Finding
from vertice_obs.metrics.evidence import SourceUnavailable

LOOKBACK = timedelta(minutes=10)
MIN_SAMPLES = 10
NOISE = 0.05  # breaches in at least this share of the samples (and at least 2): not a rare outlier


def steady_findings(run: Run, source: ScrapeSource, time_scale: float, intervals: dict[str, Scrape],
                    now: datetime | None = None, after: datetime | None = None,
                    found: Sequence[Finding] = ()) -> list[Finding]:
    """A `chaos/probe-unsteady` warning per probe that breaches its threshold in the last
    `LOOKBACK`, before any fault, at the window the run will send — from `after` (a run's journal
    written then, `last_journal`: its faults are no noise) once the window has left it. A probe whose
    scrape interval is unknown, or whose query fails, is not judged here (other findings say why);
    nor is one `found` stopped already — a window refused as too short, a metric missing: it would
    answer nothing, and asking would be one request for no verdict."""
    stopped = {f.location.target for f in blocking(list(found))}
    end = now or datetime.now(timezone.utc)
    window = window_seconds(run, time_scale, longest(intervals))
    start = end - LOOKBACK if after is None else max(end - LOOKBACK, after + timedelta(seconds=window))
    if start >= end:
        return []
    out = []
    for scenario in run.scenarios:
        for probe in scenario.probes:
            scrape = intervals.get(f"{scenario.id}/{probe.id}")
            if scrape is None or not scrape.seconds or run.where(scenario, probe).target in stopped:
                continue
            try:
                rows = source.query_range(probe_query(probe, window), start, end, window_text(scrape.seconds))
                values = [v for _, v in worst_points(rows, probe.threshold.op) if math.isfinite(v)]  # NaN, ±Inf: no data
            except (SourceUnavailable, ValueError):
                continue
            breaches = sum(not probe.threshold.holds(v) for v in values)
            if len(values) < MIN_SAMPLES or breaches < 2 or breaches < NOISE * len(values):
                continue
            out.append(finding(
                "chaos/probe-unsteady",
                f"breaches its threshold ({probe.threshold}) in {breaches} of {len(values)} samples of the last "
                f"{_minutes(end - start)}, before any fault, at the window the run sends ({window_text(window)}): a breach "
                "in this run could be chance — lengthen the window (a larger --time-scale, or `settle`) or check "
                "the threshold", run.where(scenario, probe), breaches=breaches, samples=len(values)))
    return out


def _minutes(span: timedelta) -> str:
    seconds = round(span.total_seconds())
    return f"{seconds // 60:g} minutes" if seconds % 60 == 0 else f"{seconds:g} seconds"


def last_journal(folder: Path) -> datetime | None:
    """When a journal in `folder` (the project's `chaos/journals/`) was last written: the end of the
    latest run this project recorded, whose faults are no noise of a steady state. Regular files
    only (no link followed); None when there is none, or the folder cannot be read."""
    try:
        with os.scandir(folder) as entries:
            times = [e.stat(follow_symlinks=False).st_mtime for e in entries
                     if e.name.endswith(".json") and e.is_file(follow_symlinks=False)]
    except OSError:
        return None
    return datetime.fromtimestamp(max(times), tz=timezone.utc) if times else None
