"""Skill learning: success rates, executions by mode, rewards and latencies along the learning curve."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vertice_obs.simulator.families import SKILLS
from vertice_obs.simulator.processes import clamp, poisson

if TYPE_CHECKING:
    from vertice_obs.simulator.model import Simulator

MODELLED = frozenset({
    "maximus_skill_executions_total",
    "maximus_skill_reward",
    "maximus_skill_execution_latency_seconds",
    "maximus_skill_success_rate",
})


def step(sim: Simulator, dt: float) -> None:
    rng, learned = sim.rng, sim.learning()
    for index, skill in enumerate(SKILLS):
        rate = clamp(0.35 + 0.6 * learned * (1 - 0.1 * index))
        sim._set("maximus_skill_success_rate", rate, skill_name=skill)
        for _ in range(poisson(rng, 0.5 * dt)):
            ok = rng.random() < rate
            mode = "model_free" if rng.random() < learned else rng.choice(("model_based", "hybrid"))
            sim._inc("maximus_skill_executions_total", 1, skill_name=skill, mode=mode,
                      status="success" if ok else "failure")
            reward = clamp((0.8 if ok else -0.6) + rng.uniform(-0.2, 0.2), -1.0, 1.0)
            sim._observe("maximus_skill_reward", reward, skill_name=skill)
            latency = rng.lognormvariate(math.log(0.4 - 0.3 * learned + 0.02 * index), 0.3)
            sim._observe("maximus_skill_execution_latency_seconds", latency, skill_name=skill)
