"""The MAXIMUS simulator: a Prometheus exporter serving the catalog's metrics with plausible dynamics.

Owns: the simulated subsystems (neuromodulation, ESGT, skills, cockpit and safety), the faults
Chaos Day injects, serving /metrics, and `openmetrics_history` for promtool backfills.
May import: the kernel and `vertice_obs.metrics.catalog` (what to serve). Must not import the CLI,
`build`, `grafana` or `chaos`.

Dopamine that drifts and jumps with spikes (which fade as skills are learned), an arousal state
machine, ESGT ignitions with coherence and failures, skill learning curves (success and reward up,
latency down), kill-switch latency, the TIG fabric. Every catalog metric is served — a generic
model driven by `type` and `range` covers metrics without a specific one — except those left out:
by default `maximus_dopamine_spike_events_total`, absent as in the kick-off.
Deterministic for a seed; its own registry, never prometheus_client's global one.
"""

from vertice_obs.simulator.history import openmetrics_history
from vertice_obs.simulator.model import DEFAULT_LEAVE_OUT, Simulator

__all__ = ["DEFAULT_LEAVE_OUT", "Simulator", "openmetrics_history"]
