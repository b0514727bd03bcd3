"""A MAXIMUS simulator: a Prometheus exporter serving the catalog's metrics with plausible dynamics.

Dopamine that drifts and jumps with spikes (which fade as skills are learned), an arousal state
machine, ESGT ignitions with coherence and failures, skill learning curves (success and reward up,
latency down), kill-switch latency, the TIG fabric. Every catalog metric is served — a generic
model driven by `type` and `range` covers metrics without a specific one — except those left out:
by default `maximus_dopamine_spike_events_total`, absent as in the kick-off.
Deterministic for a seed; its own registry, never prometheus_client's global one.

`openmetrics_history` renders the same simulation as timestamped OpenMetrics text, for
`promtool tsdb create-blocks-from openmetrics` backfills.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import threading
import time
from collections import deque
from datetime import datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any, Callable, Iterable, Mapping
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.metrics_core import Metric, SummaryMetricFamily
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_text
from prometheus_client.samples import Sample

from .catalog import MetricCatalog, MetricSpec

DEFAULT_LEAVE_OUT = frozenset({"maximus_dopamine_spike_events_total"})
DEFAULT_TICK_SECONDS = 1.0
COMMON_LABELS = ("environment", "service_name")
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
_MAX_PRECREATED = 200  # label combinations created at 0 per counter/histogram
_PHASIC_KICK, _PHASIC_DECAY_SECONDS = 0.04, 3.0  # a spike lifts dopamine by 0.04, gone in ~10 s


class Simulator:
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
        self.metrics = {spec.name: _make(spec, list(self.base_labels), self._collectors)
                        for spec in self.specs.values()}
        self.registry = CollectorRegistry(auto_describe=False)  # what is served: no `_created` series
        self.registry.register(_WithoutCreated(self._collectors))
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
        self._server: WSGIServer | None = None
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
            for values in itertools.islice(combos, _MAX_PRECREATED):
                self.metrics[spec.name].labels(**self.base_labels, **dict(zip(spec.labels, values)))

    # --- dynamics ---------------------------------------------------------------------------------
    def tick(self, dt: float) -> None:
        """Advance the simulation by `dt` seconds."""
        with self._lock:
            self.t += dt
            self._neuromodulation(dt)
            self._esgt(dt)
            self._safety(dt)
            self._skills(dt)
            self._cockpit(dt)
            self._generic(dt)

    def learning(self) -> float:
        """0 → 1 over the first ~10 minutes of simulated time: the learning curve."""
        return 1 - math.exp(-self.t / 300)

    def _neuromodulation(self, dt: float) -> None:
        t, rng = self.t, self.rng
        # Phasic spikes: reward-prediction errors, rarer as skills are learned (less surprise).
        # The kill switch pauses learning: no prediction errors while it is engaged.
        spikes = 0 if self.kill_switch else _poisson(rng, 1.2 * (1 - 0.7 * self.learning()) * dt)
        self._inc("maximus_dopamine_spike_events_total", spikes)
        # Tonic level: a mean-reverting drift; each spike kicks it up, and the kick decays in seconds.
        target = 0.5 + 0.1 * math.sin(t / 300)
        self.dopamine_tonic += (target - self.dopamine_tonic) * (1 - math.exp(-dt / 60))
        self.dopamine_tonic = _clamp(self.dopamine_tonic + rng.gauss(0, 0.01 * math.sqrt(dt)), 0.05, 0.95)
        # Spikes land uniformly within the tick: what remains of their kicks at its end (→ 1 for short ticks).
        decay = math.exp(-dt / _PHASIC_DECAY_SECONDS)
        remaining = _PHASIC_DECAY_SECONDS / dt * (1 - decay) if dt > 0 else 1.0
        self.dopamine_phasic = self.dopamine_phasic * decay + _PHASIC_KICK * spikes * remaining
        self._set("maximus_dopamine_level", _clamp(self.dopamine_tonic + self.dopamine_phasic))

        level = _clamp(0.5 + 0.25 * math.sin(t / 90) + rng.uniform(-0.05, 0.05))
        self._set("maximus_arousal_level", level)
        self._set("maximus_arousal_baseline", 0.45)
        need = _clamp(0.5 + 0.2 * math.sin(t / 45))
        self._set("maximus_arousal_component_need_ratio", need)
        self._set("maximus_arousal_component_stress_ratio", 1 - need)
        state = AROUSAL_STATES[min(4, int(level * 5))]
        if state != self.arousal_state:
            self._inc("maximus_arousal_state_transition_total", 1, transition=f"{self.arousal_state}->{state}")
            self.arousal_state = state
        self._inc("maximus_arousal_state_seconds_total", dt, state=state)

    def _esgt(self, dt: float) -> None:
        rng = self.rng
        coherence = _clamp(0.8 + 0.06 * math.sin(self.t / 40) + rng.uniform(-0.03, 0.03)
                           - min(0.3, self.latency_ms / 15000)  # a lagging fabric loses phase
                           - (0.4 if self.kill_switch else 0.0))  # a frozen workspace does not cohere
        self.avg_coherence += (coherence - self.avg_coherence) * (1 - math.exp(-dt / 10))
        self._set("maximus_esgt_coherence", coherence)
        self._set("maximus_esgt_avg_coherence", self.avg_coherence)
        self._set("maximus_coherence", _clamp(coherence + 0.05))
        success = _clamp(0.3 + 0.6 * coherence)  # ~0.78 at the usual coherence
        self._set("maximus_esgt_success_ratio", _clamp(success + rng.uniform(-0.03, 0.03)))
        for _ in range(_poisson(rng, 0 if self.kill_switch else 0.4 * dt)):
            roll = rng.random()
            kind = "full_ignition" if roll < success else "partial_ignition" if roll < 0.95 else "failed_ignition"
            self._inc("maximus_esgt_ignition_events_total", 1, type=kind)
            if kind == "failed_ignition":
                self._inc("maximus_esgt_failure_total", 1, failure_reason=rng.choice(LABEL_VALUES["failure_reason"]))
            self._observe("maximus_esgt_duration_seconds",
                          rng.lognormvariate(math.log(0.2 if kind == "full_ignition" else 0.5), 0.4))
            self._observe("maximus_esgt_salience_component", rng.uniform(0.3, 1.0),
                          component=rng.choice(LABEL_VALUES["component"]))
        self._set("maximus_phi_proxy", _clamp(0.55 + 0.1 * coherence + rng.uniform(-0.02, 0.02)))
        self._set("maximus_sync_jitter_nanoseconds", rng.uniform(150, 450))
        self._set("maximus_tig_nodes_active", 32 - (1 if rng.random() < 0.1 else 0))
        self._set("maximus_tig_connectivity_ratio", _clamp(0.85 + rng.uniform(-0.03, 0.03)))

    def _safety(self, dt: float) -> None:
        # The kill switch's check shares the event loop with the stream: injected latency leaks in.
        self._set("maximus_kill_switch_latency_milliseconds", self.rng.uniform(50, 150) + 0.05 * self.latency_ms)
        self._inc("maximus_kill_switch_activations_total", 0)  # fires only through /fault/kill-switch

    def _cockpit(self, dt: float) -> None:
        """The cockpit stream: latency (plus any injected), clients that leave when it lags, messages."""
        rng, lag = self.rng, self.latency_ms / 1000
        for _ in range(max(1, _poisson(rng, 5 * dt))):
            self._observe("maximus_streaming_latency_seconds", rng.lognormvariate(math.log(0.08), 0.4) + lag)
        clients = 20 + 2 * math.sin(self.t / 120) - min(12.0, 4 * lag)
        self._set("maximus_cockpit_connected_clients", round(max(0.0, clients + rng.uniform(-1, 1))))
        rate = max(0.0, clients) * 2 / (1 + lag)
        self._inc("maximus_websocket_messages_total", _poisson(rng, rate * dt), direction="sent")
        self._inc("maximus_websocket_messages_total", _poisson(rng, rate * dt / 4), direction="received")

    # --- faults -----------------------------------------------------------------------------------
    def set_latency(self, ms: float) -> None:
        with self._lock:
            self.latency_ms = max(0.0, float(ms))

    def set_kill_switch(self, active: bool) -> None:
        with self._lock:
            if active and not self.kill_switch:
                self._inc("maximus_kill_switch_activations_total", 1)
            self.kill_switch = active

    def fault_app(self) -> Callable:
        """`/fault/latency` (POST {"ms": N}, DELETE) and `/fault/kill-switch` (POST, DELETE); GET shows state."""

        def app(environ, start_response):
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
                if path == "/fault/latency" and method == "POST":
                    self.set_latency(float(body["ms"]))
                elif path == "/fault/latency" and method == "DELETE":
                    self.set_latency(0)
                elif path == "/fault/kill-switch" and method in ("POST", "DELETE"):
                    self.set_kill_switch(method == "POST")
                elif method != "GET":
                    raise ValueError(f"{method} {path} is not a fault operation")
            except (ValueError, KeyError, TypeError) as exc:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()]
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"latency_ms": self.latency_ms, "kill_switch": self.kill_switch}).encode()]

        return app

    def _skills(self, dt: float) -> None:
        rng, learned = self.rng, self.learning()
        for index, skill in enumerate(SKILLS):
            rate = _clamp(0.35 + 0.6 * learned * (1 - 0.1 * index))
            self._set("maximus_skill_success_rate", rate, skill_name=skill)
            for _ in range(_poisson(rng, 0.5 * dt)):
                ok = rng.random() < rate
                mode = "model_free" if rng.random() < learned else rng.choice(("model_based", "hybrid"))
                self._inc("maximus_skill_executions_total", 1, skill_name=skill, mode=mode,
                          status="success" if ok else "failure")
                reward = _clamp((0.8 if ok else -0.6) + rng.uniform(-0.2, 0.2), -1.0, 1.0)
                self._observe("maximus_skill_reward", reward, skill_name=skill)
                latency = rng.lognormvariate(math.log(0.4 - 0.3 * learned + 0.02 * index), 0.3)
                self._observe("maximus_skill_execution_latency_seconds", latency, skill_name=skill)

    def _generic(self, dt: float) -> None:
        """Catalog metrics without a specific model: gauges and observations within their declared range
        (a histogram's buckets when it has none), counters at about one event a second."""
        for name, spec in self.specs.items():
            if name in _MODELLED:
                continue
            lo, hi = spec.value_range or ((min(spec.buckets), max(spec.buckets)) if spec.buckets else (0.0, 1.0))
            if spec.type == "gauge":
                self._set(name, self.rng.uniform(lo, hi))
            elif spec.type == "counter":
                self._inc(name, _poisson(self.rng, dt))
            else:
                for _ in range(max(1, _poisson(self.rng, dt))):
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

    # --- serving ----------------------------------------------------------------------------------
    def mount(self, path: str, app: Callable) -> None:
        """Serve a WSGI `app` at `path` next to /metrics (room for fault-injection endpoints)."""
        self._routes[path] = app

    def wsgi_app(self) -> Callable:
        """`/metrics` (and `/`) in Prometheus' text format, mounted apps, else 404."""
        metrics_app = make_wsgi_app(self.registry)

        def metrics(environ, start_response):
            with self._lock:  # a scrape never sees a half-applied tick
                return metrics_app(environ, start_response)

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "/")
            handler = self._routes.get(path) or (metrics if path in ("/metrics", "/") else None)
            if handler is not None:
                return handler(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: the simulator serves /metrics\n"]

        return app

    def serve(self, port: int = 0, host: str = "127.0.0.1", tick_seconds: float | None = None) -> int:
        """Serve in background threads and keep ticking every `tick_seconds`; returns the bound port."""
        if self._server is not None:
            raise RuntimeError(f"already serving at {self.url}")
        if tick_seconds is not None:
            self.tick_seconds = tick_seconds
        self._server = make_server(host, port, self.wsgi_app(), server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._stop.clear()
        self._threads = [threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True),
                         threading.Thread(target=self._tick_loop, name="simulator-tick", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.port

    @property
    def port(self) -> int | None:
        return self._server.server_port if self._server else None

    @property
    def url(self) -> str | None:
        """Base URL while serving (`http://host:port`); /metrics is below it."""
        if self._server is None:
            return None
        host = self._server.server_address[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def _tick_loop(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick_seconds):
            now = time.monotonic()
            self.tick(now - last)
            last = now

    def stop(self) -> None:
        """Stop serving and ticking (idempotent)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def family_names(self) -> dict[str, str]:
        """Exposed family name → catalog name (counters are exposed as families without `_total`)."""
        return {_family_name(spec): name for name, spec in self.specs.items()}


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
    return openmetrics_text(_Families(out)).decode()


# Metrics with a specific model above; every other catalog metric gets the generic one.
_MODELLED = {
    "maximus_streaming_latency_seconds", "maximus_cockpit_connected_clients", "maximus_websocket_messages_total",
    "maximus_dopamine_level", "maximus_dopamine_spike_events_total", "maximus_arousal_level",
    "maximus_arousal_baseline", "maximus_arousal_state_seconds_total", "maximus_arousal_state_transition_total",
    "maximus_arousal_component_need_ratio", "maximus_arousal_component_stress_ratio",
    "maximus_esgt_ignition_events_total", "maximus_esgt_success_ratio", "maximus_esgt_failure_total",
    "maximus_esgt_coherence", "maximus_esgt_avg_coherence", "maximus_esgt_duration_seconds",
    "maximus_esgt_salience_component", "maximus_phi_proxy", "maximus_coherence", "maximus_sync_jitter_nanoseconds",
    "maximus_tig_nodes_active", "maximus_tig_connectivity_ratio", "maximus_kill_switch_latency_milliseconds",
    "maximus_kill_switch_activations_total", "maximus_skill_executions_total", "maximus_skill_reward",
    "maximus_skill_execution_latency_seconds", "maximus_skill_success_rate",
}


def _family_name(spec: MetricSpec) -> str:
    # prometheus_client appends _total to counters itself; the catalog names the exposed series.
    return spec.name.removesuffix("_total") if spec.type == "counter" else spec.name


def _make(spec: MetricSpec, common: list[str], registry: CollectorRegistry):
    labels = [*common, *spec.labels]
    name = _family_name(spec)
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


class _WithoutCreated:
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


class _Families:
    """Just enough of a registry for prometheus_client's exposition functions."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means; a normal approximation for large ones (long ticks)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _clamp(value: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return min(hi, max(lo, value))


def _seconds(value: datetime | timedelta | float) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every second would flood stderr
        pass
