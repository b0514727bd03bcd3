"""The simulation as timestamped OpenMetrics text, for `promtool tsdb create-blocks-from openmetrics`."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_text
from prometheus_client.samples import Sample

from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.simulator.families import Families
from vertice_obs.simulator.model import Simulator


def openmetrics_history(catalog: MetricCatalog, start: datetime | float, end: datetime | float,
                        step: timedelta | float = 60.0, leave_out: Iterable[str] | None = None,
                        disappear_at: Mapping[str, datetime | float] | None = None, seed: int = 0,
                        environment: str = "dev", extra_labels: Mapping[str, str] | None = None) -> str:
    """The simulation sampled every `step` from `start` to `end`, as timestamped OpenMetrics text.

    Feed it to `promtool tsdb create-blocks-from openmetrics FILE DATA_DIR`. `disappear_at` maps a
    catalog metric name to the time after which it has no samples (a metric that stopped being
    exported). Samples are grouped family → series → time, as OpenMetrics requires; ends in `# EOF`.
    """
    start_s, end_s, step_s = _seconds(start), _seconds(end), _seconds(step)
    if step_s <= 0 or end_s < start_s:
        raise ValueError("need step > 0 and end >= start")
    sim = Simulator(catalog, leave_out=leave_out, seed=seed, environment=environment, extra_labels=extra_labels)
    to_catalog = sim.family_names()
    cutoff = {name: _seconds(at) for name, at in (disappear_at or {}).items()}
    families: dict[str, Metric] = {}
    points: dict[str, dict[tuple, list[Sample]]] = {}  # family → series (labels sans le/quantile) → samples
    for index in range(int((end_s - start_s) // step_s) + 1):
        t = round(start_s + index * step_s, 3)
        if index:
            sim.tick(step_s)
        for family in sim.registry.collect():
            if t > cutoff.get(to_catalog.get(family.name, family.name), math.inf):
                continue
            families.setdefault(family.name, family)
            by_series = points.setdefault(family.name, {})
            for s in family.samples:
                key = tuple(sorted((k, v) for k, v in s.labels.items() if k not in ("le", "quantile")))
                by_series.setdefault(key, []).append(Sample(s.name, s.labels, s.value, t))
    out = []
    for name, family in families.items():
        timed = Metric(family.name, family.documentation, family.type, family.unit)
        timed.samples = [s for series in points[name].values() for s in series]
        out.append(timed)
    return openmetrics_text(Families(out)).decode()


def _seconds(value: datetime | timedelta | float) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
