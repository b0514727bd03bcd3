"""The simulator's metric families: label values, prometheus_client collectors per catalog type,
a summary with quantiles, and exposition without `_created` samples."""

from __future__ import annotations

import itertools
import math
from collections import deque
from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric, SummaryMetricFamily
from prometheus_client.samples import Sample

from vertice_obs.metrics.catalog import MetricSpec

SKILLS = ("navigate", "grasp", "summarize", "plan")
MODES = ("model_free", "model_based", "hybrid")
AROUSAL_STATES = ("sleep", "drowsy", "relaxed", "alert", "hyperalert")
LABEL_VALUES = {
    "type": ("full_ignition", "partial_ignition", "failed_ignition"),
    "failure_reason": ("low_salience", "low_coherence", "refractory", "timeout"),
    "component": ("novelty", "relevance", "urgency"),
    "skill_name": SKILLS,
    "mode": MODES,
    "status": ("success", "failure"),
    "state": AROUSAL_STATES,
    "direction": ("sent", "received"),
    "transition": tuple(f"{a}->{b}" for a, b in itertools.chain(zip(AROUSAL_STATES, AROUSAL_STATES[1:]),
                                                               zip(AROUSAL_STATES[1:], AROUSAL_STATES))),
}
MAX_PRECREATED = 200  # label combinations created at 0 per counter/histogram


def family_name(spec: MetricSpec) -> str:
    # prometheus_client appends _total to counters itself; the catalog names the exposed series.
    return spec.name.removesuffix("_total") if spec.type == "counter" else spec.name


def make_family(spec: MetricSpec, common: list[str], registry: CollectorRegistry):
    labels = [*common, *spec.labels]
    name = family_name(spec)
    if spec.type == "counter":
        return Counter(name, spec.help, labels, registry=registry)
    if spec.type == "gauge":
        return Gauge(name, spec.help, labels, registry=registry)
    if spec.type == "summary":
        summary = _QuantileSummary(name, spec.help, labels)
        registry.register(summary)
        return summary
    return Histogram(name, spec.help, labels, registry=registry, buckets=spec.buckets or Histogram.DEFAULT_BUCKETS)


class _QuantileSummary:
    """A summary with quantiles (prometheus_client's has none): the catalog promises the bare series."""

    QUANTILES = (0.5, 0.9, 0.99)

    def __init__(self, name: str, documentation: str, labelnames: list[str], window: int = 500):
        self.name, self.documentation, self.labelnames, self.window = name, documentation, labelnames, window
        self._children: dict[tuple[str, ...], _QuantileSummary._Child] = {}

    class _Child:
        def __init__(self, window: int):
            self.count, self.sum, self.recent = 0, 0.0, deque(maxlen=window)

        def observe(self, value: float) -> None:
            self.count += 1
            self.sum += value
            self.recent.append(value)

    def labels(self, **labels: str) -> "_QuantileSummary._Child":
        key = tuple(str(labels[n]) for n in self.labelnames)
        return self._children.setdefault(key, self._Child(self.window))

    def describe(self) -> list[Metric]:
        return [SummaryMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> list[Metric]:
        family = SummaryMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for key, child in self._children.items():
            ordered = sorted(child.recent)
            for q in self.QUANTILES:
                value = ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else math.nan
                family.samples.append(Sample(self.name, {**dict(zip(self.labelnames, key)), "quantile": str(q)}, value))
            family.add_metric(list(key), child.count, child.sum)
        return [family]


class WithoutCreated:
    """A registry's families minus their `_created` samples: those are not catalog series and would
    read as unknown metrics. (Unlike `disable_created_metrics()`, this changes nothing process-wide.)"""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        for family in self.registry.collect():
            created = family.name + "_created"
            if family.type in ("counter", "histogram", "summary") and any(s.name == created for s in family.samples):
                copy = Metric(family.name, family.documentation, family.type, family.unit)
                copy.samples = [s for s in family.samples if s.name != created]
                family = copy
            yield family


class Families:
    """Just enough of a registry for prometheus_client's exposition functions."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families
