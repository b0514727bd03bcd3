"""The simulator's state and clock: one tick advances every subsystem in a fixed order.

Each subsystem is its own module (neuromodulation, ESGT, skills, the cockpit and safety path) with a
`step(sim, dt)` and the set of metrics it `MODELLED`; every other catalog metric gets the generic
model here. Faults and HTTP serving are mixed in from `faults.py` and `server.py`.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
from typing import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry

from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.simulator import cockpit, esgt, neuromodulation, skills
from vertice_obs.simulator.families import (
    LABEL_VALUES,
    MAX_PRECREATED,
    WithoutCreated,
    family_name,
    make_family,
)
from vertice_obs.simulator.faults import Faults
from vertice_obs.simulator.processes import poisson
from vertice_obs.simulator.server import Serving

DEFAULT_LEAVE_OUT = frozenset({"maximus_dopamine_spike_events_total"})
DEFAULT_TICK_SECONDS = 1.0
COMMON_LABELS = ("environment", "service_name")
# Metrics with a specific model; every other catalog metric gets the generic one.
MODELLED = neuromodulation.MODELLED | esgt.MODELLED | cockpit.MODELLED | skills.MODELLED


class Simulator(Faults, Serving):
    """The catalog's metrics in an own `CollectorRegistry` (`.registry`), updated by `tick(dt)`.

    `serve()` exposes them over HTTP and keeps ticking in the background; `tick` can also be
    driven by hand (tests, `openmetrics_history`). Every series carries `environment` and
    `service_name`, plus any `extra_labels`.
    """

    def __init__(self, catalog: MetricCatalog, leave_out: Iterable[str] | None = None, seed: int = 0,
                 environment: str = "dev", service_name: str = "maximus-core",
                 extra_labels: Mapping[str, str] | None = None, tick_seconds: float = DEFAULT_TICK_SECONDS):
        self.catalog = catalog
        catalog_names = {m.name for m in catalog.metrics}
        if leave_out is None:  # the kick-off's default, as far as this catalog has it
            leave_out = DEFAULT_LEAVE_OUT & catalog_names
        self.leave_out = frozenset(leave_out)
        unknown = self.leave_out - catalog_names
        if unknown:
            raise ValueError(f"not in the catalog, cannot leave out: {', '.join(sorted(unknown))}")
        self.rng = random.Random(seed)
        self.tick_seconds = tick_seconds
        self.base_labels = {"environment": environment, "service_name": service_name, **(extra_labels or {})}
        self.specs = {m.name: m for m in catalog.metrics if m.name not in self.leave_out}
        clash = sorted({label for s in self.specs.values() for label in s.labels} & set(self.base_labels))
        if clash:
            raise ValueError(f"extra label(s) {', '.join(clash)} clash with catalog metric labels")
        self._collectors = CollectorRegistry(auto_describe=True)
        self.metrics = {spec.name: make_family(spec, list(self.base_labels), self._collectors)
                        for spec in self.specs.values()}
        self.registry = CollectorRegistry(auto_describe=False)  # what is served: no `_created` series
        self.registry.register(WithoutCreated(self._collectors))
        self._precreate()
        # Model state.
        self.t = 0.0
        self.dopamine_tonic, self.dopamine_phasic = 0.5, 0.0
        self.arousal_state = "relaxed"
        self.avg_coherence = 0.8
        # Faults injected through /fault/… (Chaos Day): extra stream latency, and the kill switch.
        self.latency_ms = 0.0
        self.kill_switch = False
        # Serving.
        self._lock = threading.Lock()
        self._routes: dict[str, Callable] = {}
        faults = self.fault_app()
        for path in ("/fault/latency", "/fault/kill-switch"):
            self._routes[path] = faults
        self._server = None  # a WSGIServer while serving (server.py)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.tick(1.0)  # every metric has a sample from the first scrape (fixed dt: same seed, same run)

    def _precreate(self) -> None:
        # Counters and histograms exist from the first scrape, at 0, for every known label value:
        # a failure reason that has not happened yet is still a series.
        for spec in self.specs.values():
            if spec.type == "gauge":
                continue
            combos = itertools.product(*(LABEL_VALUES.get(label, ("default",)) for label in spec.labels))
            for values in itertools.islice(combos, MAX_PRECREATED):
                self.metrics[spec.name].labels(**self.base_labels, **dict(zip(spec.labels, values)))

    # --- dynamics ---------------------------------------------------------------------------------
    def tick(self, dt: float) -> None:
        """Advance the simulation by `dt` seconds."""
        with self._lock:
            self.t += dt
            neuromodulation.step(self, dt)
            esgt.step(self, dt)
            cockpit.safety_step(self, dt)
            skills.step(self, dt)
            cockpit.step(self, dt)
            self._generic(dt)

    def learning(self) -> float:
        """0 → 1 over the first ~10 minutes of simulated time: the learning curve."""
        return 1 - math.exp(-self.t / 300)

    def _generic(self, dt: float) -> None:
        """Catalog metrics without a specific model: gauges and observations within their declared range
        (a histogram's buckets when it has none), counters at about one event a second."""
        for name, spec in self.specs.items():
            if name in MODELLED:
                continue
            lo, hi = spec.value_range or ((min(spec.buckets), max(spec.buckets)) if spec.buckets else (0.0, 1.0))
            if spec.type == "gauge":
                self._set(name, self.rng.uniform(lo, hi))
            elif spec.type == "counter":
                self._inc(name, poisson(self.rng, dt))
            else:
                for _ in range(max(1, poisson(self.rng, dt))):
                    self._observe(name, self.rng.uniform(lo, hi))

    def _child(self, name: str, labels: dict[str, str]):
        metric = self.metrics.get(name)
        if metric is None:  # left out
            return None
        spec = self.specs[name]
        values = {label: labels.get(label, LABEL_VALUES.get(label, ("default",))[0]) for label in spec.labels}
        return metric.labels(**self.base_labels, **values)

    def _set(self, name: str, value: float, **labels: str) -> None:
        child = self._child(name, labels)
        if child is not None:
            child.set(value)

    def _inc(self, name: str, amount: float, **labels: str) -> None:
        child = self._child(name, labels)
        if child is not None:
            child.inc(amount)

    def _observe(self, name: str, value: float, **labels: str) -> None:
        child = self._child(name, labels)
        if child is not None:
            child.observe(value)

    def family_names(self) -> dict[str, str]:
        """Exposed family name → catalog name (counters are exposed as families without `_total`)."""
        return {family_name(spec): name for name, spec in self.specs.items()}
