"""Neuromodulation: dopamine (tonic drift, phasic spikes that fade as skills are learned) and arousal."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vertice_obs.simulator.families import AROUSAL_STATES
from vertice_obs.simulator.processes import clamp, poisson

if TYPE_CHECKING:
    from vertice_obs.simulator.model import Simulator

PHASIC_KICK, PHASIC_DECAY_SECONDS = 0.04, 3.0  # a spike lifts dopamine by 0.04, gone in ~10 s
MODELLED = frozenset({
    "maximus_dopamine_level",
    "maximus_dopamine_spike_events_total",
    "maximus_arousal_level",
    "maximus_arousal_baseline",
    "maximus_arousal_state_seconds_total",
    "maximus_arousal_state_transition_total",
    "maximus_arousal_component_need_ratio",
    "maximus_arousal_component_stress_ratio",
})


def step(sim: Simulator, dt: float) -> None:
    t, rng = sim.t, sim.rng
    # Phasic spikes: reward-prediction errors, rarer as skills are learned (less surprise).
    # The kill switch pauses learning: no prediction errors while it is engaged.
    spikes = 0 if sim.kill_switch else poisson(rng, 1.2 * (1 - 0.7 * sim.learning()) * dt)
    sim._inc("maximus_dopamine_spike_events_total", spikes)
    # Tonic level: a mean-reverting drift; each spike kicks it up, and the kick decays in seconds.
    target = 0.5 + 0.1 * math.sin(t / 300)
    sim.dopamine_tonic += (target - sim.dopamine_tonic) * (1 - math.exp(-dt / 60))
    sim.dopamine_tonic = clamp(sim.dopamine_tonic + rng.gauss(0, 0.01 * math.sqrt(dt)), 0.05, 0.95)
    # Spikes land uniformly within the tick: what remains of their kicks at its end (→ 1 for short ticks).
    decay = math.exp(-dt / PHASIC_DECAY_SECONDS)
    remaining = PHASIC_DECAY_SECONDS / dt * (1 - decay) if dt > 0 else 1.0
    sim.dopamine_phasic = sim.dopamine_phasic * decay + PHASIC_KICK * spikes * remaining
    sim._set("maximus_dopamine_level", clamp(sim.dopamine_tonic + sim.dopamine_phasic))

    level = clamp(0.5 + 0.25 * math.sin(t / 90) + rng.uniform(-0.05, 0.05))
    sim._set("maximus_arousal_level", level)
    sim._set("maximus_arousal_baseline", 0.45)
    need = clamp(0.5 + 0.2 * math.sin(t / 45))
    sim._set("maximus_arousal_component_need_ratio", need)
    sim._set("maximus_arousal_component_stress_ratio", 1 - need)
    state = AROUSAL_STATES[min(4, int(level * 5))]
    if state != sim.arousal_state:
        sim._inc("maximus_arousal_state_transition_total", 1, transition=f"{sim.arousal_state}->{state}")
        sim.arousal_state = state
    sim._inc("maximus_arousal_state_seconds_total", dt, state=state)
