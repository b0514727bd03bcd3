"""A MAXIMUS simulator: a Prometheus exporter serving the catalog's metrics with plausible dynamics.

Dopamine spikes that fade as skills are learned, an arousal state machine, ESGT ignitions with
coherence and failures, skill learning curves (success up, latency down), kill-switch latency.
Every catalog metric is served (a generic model covers metrics without a specific one), except
those left out — by default `maximus_dopamine_spike_events_total`, absent as in the kick-off.
Deterministic for a seed; its own registry, never prometheus_client's global one.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from typing import Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, disable_created_metrics, make_wsgi_app

from .catalog import MetricCatalog, MetricSpec

DEFAULT_LEAVE_OUT = frozenset({"maximus_dopamine_spike_events_total"})
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
}


class Simulator:
    def __init__(self, catalog: MetricCatalog, leave_out: Iterable[str] = DEFAULT_LEAVE_OUT, seed: int = 0,
                 environment: str = "dev", service_name: str = "maximus-core"):
        self.catalog = catalog
        self.leave_out = frozenset(leave_out)
        unknown = self.leave_out - {m.name for m in catalog.metrics}
        if unknown:
            raise ValueError(f"not in the catalog, cannot leave out: {', '.join(sorted(unknown))}")
        self.rng = random.Random(seed)
        # `_created` series are not in the catalog and would read as unknown metrics.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self.base_labels = {"environment": environment, "service_name": service_name}
        self.t = 0.0
        self.arousal_state = "relaxed"
        self.avg_coherence = 0.75
        self.metrics: dict[str, Counter | Gauge | Histogram] = {}
        self.specs = {m.name: m for m in catalog.metrics if m.name not in self.leave_out}
        for spec in self.specs.values():
            self.metrics[spec.name] = _make(spec, self.registry)
            if spec.type != "gauge":
                # Counters and histograms exist from the first scrape, at 0, for every known label
                # value: a failure reason that has not happened yet is still a series.
                for values in itertools.islice(itertools.product(
                        *(LABEL_VALUES.get(label, ("default",)) for label in spec.labels)), 200):
                    self.metrics[spec.name].labels(**self.base_labels, **dict(zip(spec.labels, values)))
        self._lock = threading.Lock()
        self._server: WSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.tick(1.0)  # every metric has a sample from the first scrape

    # --- dynamics ---------------------------------------------------------------------------------
    def tick(self, dt: float) -> None:
        with self._lock:
            self.t += dt
            self._neuromodulation(dt)
            self._esgt(dt)
            self._safety(dt)
            self._skills(dt)
            self._generic(dt)

    def learning(self) -> float:
        """0 → 1 over the first ~10 minutes of simulated time: the learning curve."""
        return 1 - math.exp(-self.t / 300)

    def _neuromodulation(self, dt: float) -> None:
        t, rng = self.t, self.rng
        self._set("maximus_dopamine_level", 0.5 + 0.15 * math.sin(t / 60) + rng.uniform(-0.03, 0.03))
        surprise = 1.2 * (1 - 0.7 * self.learning())
        self._inc("maximus_dopamine_spike_events_total", _poisson(rng, surprise * dt))
        level = min(1.0, max(0.0, 0.5 + 0.25 * math.sin(t / 90) + rng.uniform(-0.05, 0.05)))
        self._set("maximus_arousal_level", level)
        self._set("maximus_arousal_baseline", 0.45)
        need = min(1.0, max(0.0, 0.5 + 0.2 * math.sin(t / 45)))
        self._set("maximus_arousal_component_need_ratio", need)
        self._set("maximus_arousal_component_stress_ratio", 1 - need)
        state = AROUSAL_STATES[min(4, int(level * 5))]
        if state != self.arousal_state:
            self._inc("maximus_arousal_state_transition_total", 1, transition=f"{self.arousal_state}->{state}")
            self.arousal_state = state
        self._inc("maximus_arousal_state_seconds_total", dt, state=state)

    def _esgt(self, dt: float) -> None:
        rng = self.rng
        coherence = min(1.0, max(0.0, 0.76 + 0.08 * math.sin(self.t / 40) + rng.uniform(-0.04, 0.04)))
        self.avg_coherence = 0.9 * self.avg_coherence + 0.1 * coherence
        self._set("maximus_esgt_coherence", coherence)
        self._set("maximus_esgt_avg_coherence", self.avg_coherence)
        self._set("maximus_coherence", min(1.0, coherence + 0.05))
        success = 0.8 if coherence > 0.6 else 0.4
        self._set("maximus_esgt_success_ratio", success + rng.uniform(-0.03, 0.03))
        for _ in range(_poisson(rng, 0.4 * dt)):
            roll = rng.random()
            kind = "full_ignition" if roll < success else "partial_ignition" if roll < 0.95 else "failed_ignition"
            self._inc("maximus_esgt_ignition_events_total", 1, type=kind)
            if kind == "failed_ignition":
                self._inc("maximus_esgt_failure_total", 1, failure_reason=rng.choice(LABEL_VALUES["failure_reason"]))
            self._observe("maximus_esgt_duration_seconds", rng.lognormvariate(math.log(0.2), 0.4))
            self._observe("maximus_esgt_salience_component", rng.uniform(0.3, 1.0),
                          component=rng.choice(LABEL_VALUES["component"]))
        self._set("maximus_phi_proxy", 0.55 + 0.1 * coherence + rng.uniform(-0.02, 0.02))
        self._set("maximus_sync_jitter_nanoseconds", rng.uniform(150, 450))
        self._set("maximus_tig_nodes_active", 32 - (1 if rng.random() < 0.1 else 0))
        self._set("maximus_tig_connectivity_ratio", 0.85 + rng.uniform(-0.03, 0.03))

    def _safety(self, dt: float) -> None:
        self._set("maximus_kill_switch_latency_milliseconds", self.rng.uniform(50, 150))
        self._inc("maximus_kill_switch_activations_total", 0)

    def _skills(self, dt: float) -> None:
        rng, learned = self.rng, self.learning()
        for index, skill in enumerate(SKILLS):
            rate = min(1.0, 0.35 + 0.6 * learned * (1 - 0.1 * index))
            self._set("maximus_skill_success_rate", rate, skill_name=skill)
            for _ in range(_poisson(rng, 0.5 * dt)):
                ok = rng.random() < rate
                mode = "model_free" if rng.random() < learned else rng.choice(("model_based", "hybrid"))
                self._inc("maximus_skill_executions_total", 1, skill_name=skill, mode=mode,
                          status="success" if ok else "failure")
                reward = max(-1.0, min(1.0, (0.8 if ok else -0.6) + rng.uniform(-0.2, 0.2)))
                self._observe("maximus_skill_reward", reward, skill_name=skill)
                latency = rng.lognormvariate(math.log(0.4 - 0.3 * learned + 0.02 * index), 0.3)
                self._observe("maximus_skill_execution_latency_seconds", latency, skill_name=skill)

    def _generic(self, dt: float) -> None:
        """Catalog metrics without a specific model: within their declared range."""
        for name, spec in self.specs.items():
            if name in _MODELLED:
                continue
            lo, hi = spec.value_range or (0.0, 1.0)
            labels = {label: LABEL_VALUES.get(label, ("default",))[0] for label in spec.labels}
            if spec.type == "gauge":
                self._set(name, self.rng.uniform(lo, hi), **labels)
            elif spec.type == "counter":
                self._inc(name, _poisson(self.rng, dt), **labels)
            else:
                self._observe(name, self.rng.uniform(lo, hi), **labels)

    def _child(self, name: str, labels: dict[str, str]):
        metric = self.metrics.get(name)
        if metric is None:
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
    def wsgi_app(self) -> Callable:
        """`/metrics` (Prometheus text format); other paths 404. Later issues add fault endpoints."""
        metrics_app = make_wsgi_app(self.registry)

        def app(environ, start_response):
            if environ.get("PATH_INFO", "/") in ("/metrics", "/"):
                with self._lock:
                    return metrics_app(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: the simulator serves /metrics\n"]

        return app

    def serve(self, port: int = 0, host: str = "127.0.0.1", tick_seconds: float = 1.0) -> int:
        """Serve in background threads and keep ticking; returns the bound port."""
        self._server = make_server(host, port, self.wsgi_app(), server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._stop.clear()
        self._threads = [threading.Thread(target=self._server.serve_forever, daemon=True),
                         threading.Thread(target=self._tick_loop, args=(tick_seconds,), daemon=True)]
        for thread in self._threads:
            thread.start()
        return self._server.server_port

    def _tick_loop(self, seconds: float) -> None:
        last = time.monotonic()
        while not self._stop.wait(seconds):
            now = time.monotonic()
            self.tick(now - last)
            last = now

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)


_MODELLED = {
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


def _make(spec: MetricSpec, registry: CollectorRegistry):
    labels = ["environment", "service_name", *spec.labels]
    name = spec.name
    if spec.type == "counter":
        # prometheus_client appends _total itself; the catalog names the exposed series.
        return Counter(name.removesuffix("_total"), spec.help, labels, registry=registry)
    if spec.type == "gauge":
        return Gauge(name, spec.help, labels, registry=registry)
    if spec.type == "summary":
        return Summary(name, spec.help, labels, registry=registry)
    buckets = spec.buckets or Histogram.DEFAULT_BUCKETS
    return Histogram(name, spec.help, labels, registry=registry, buckets=buckets)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only, which is all the simulator uses."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # scrapes every second would flood stderr
        pass
