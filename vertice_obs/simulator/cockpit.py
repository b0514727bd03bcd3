"""The cockpit stream and the safety path: streaming latency, clients, websocket messages, kill-switch latency."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vertice_obs.simulator.processes import poisson

if TYPE_CHECKING:
    from vertice_obs.simulator.model import Simulator

MODELLED = frozenset({
    "maximus_streaming_latency_seconds",
    "maximus_cockpit_connected_clients",
    "maximus_websocket_messages_total",
    "maximus_kill_switch_latency_milliseconds",
    "maximus_kill_switch_activations_total",
})


def safety_step(sim: Simulator, dt: float) -> None:
    # The kill switch's check shares the event loop with the stream: injected latency leaks in.
    sim._set("maximus_kill_switch_latency_milliseconds", sim.rng.uniform(50, 150) + 0.05 * sim.latency_ms)
    sim._inc("maximus_kill_switch_activations_total", 0)  # fires only through /fault/kill-switch


def step(sim: Simulator, dt: float) -> None:
    """The cockpit stream: latency (plus any injected), clients that leave when it lags, messages."""
    rng, lag = sim.rng, sim.latency_ms / 1000
    for _ in range(max(1, poisson(rng, 5 * dt))):
        sim._observe("maximus_streaming_latency_seconds", rng.lognormvariate(math.log(0.08), 0.4) + lag)
    clients = 20 + 2 * math.sin(sim.t / 120) - min(12.0, 4 * lag)
    sim._set("maximus_cockpit_connected_clients", round(max(0.0, clients + rng.uniform(-1, 1))))
    rate = max(0.0, clients) * 2 / (1 + lag)
    sim._inc("maximus_websocket_messages_total", poisson(rng, rate * dt), direction="sent")
    sim._inc("maximus_websocket_messages_total", poisson(rng, rate * dt / 4), direction="received")
