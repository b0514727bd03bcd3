"""ESGT ignition: coherence (which injected latency and the kill switch degrade), ignitions, failures, the TIG fabric."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vertice_obs.simulator.families import LABEL_VALUES
from vertice_obs.simulator.processes import clamp, poisson

if TYPE_CHECKING:
    from vertice_obs.simulator.model import Simulator

MODELLED = frozenset({
    "maximus_esgt_ignition_events_total",
    "maximus_esgt_success_ratio",
    "maximus_esgt_failure_total",
    "maximus_esgt_coherence",
    "maximus_esgt_avg_coherence",
    "maximus_esgt_duration_seconds",
    "maximus_esgt_salience_component",
    "maximus_phi_proxy",
    "maximus_coherence",
    "maximus_sync_jitter_nanoseconds",
    "maximus_tig_nodes_active",
    "maximus_tig_connectivity_ratio",
})


def step(sim: Simulator, dt: float) -> None:
    rng = sim.rng
    coherence = clamp(0.8 + 0.06 * math.sin(sim.t / 40) + rng.uniform(-0.03, 0.03)
                       - min(0.3, sim.latency_ms / 15000)  # a lagging fabric loses phase
                       - (0.4 if sim.kill_switch else 0.0))  # a frozen workspace does not cohere
    sim.avg_coherence += (coherence - sim.avg_coherence) * (1 - math.exp(-dt / 10))
    sim._set("maximus_esgt_coherence", coherence)
    sim._set("maximus_esgt_avg_coherence", sim.avg_coherence)
    sim._set("maximus_coherence", clamp(coherence + 0.05))
    success = clamp(0.3 + 0.6 * coherence)  # ~0.78 at the usual coherence
    sim._set("maximus_esgt_success_ratio", clamp(success + rng.uniform(-0.03, 0.03)))
    for _ in range(poisson(rng, 0 if sim.kill_switch else 0.4 * dt)):
        roll = rng.random()
        kind = "full_ignition" if roll < success else "partial_ignition" if roll < 0.95 else "failed_ignition"
        sim._inc("maximus_esgt_ignition_events_total", 1, type=kind)
        if kind == "failed_ignition":
            sim._inc("maximus_esgt_failure_total", 1, failure_reason=rng.choice(LABEL_VALUES["failure_reason"]))
        sim._observe("maximus_esgt_duration_seconds",
                      rng.lognormvariate(math.log(0.2 if kind == "full_ignition" else 0.5), 0.4))
        sim._observe("maximus_esgt_salience_component", rng.uniform(0.3, 1.0),
                      component=rng.choice(LABEL_VALUES["component"]))
    sim._set("maximus_phi_proxy", clamp(0.55 + 0.1 * coherence + rng.uniform(-0.02, 0.02)))
    sim._set("maximus_sync_jitter_nanoseconds", rng.uniform(150, 450))
    sim._set("maximus_tig_nodes_active", 32 - (1 if rng.random() < 0.1 else 0))
    sim._set("maximus_tig_connectivity_ratio", clamp(0.85 + rng.uniform(-0.03, 0.03)))
