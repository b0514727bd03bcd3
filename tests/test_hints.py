"""Hints on missing metrics (issue 10): the usual slips, from the names that exist. Pure."""

from __future__ import annotations

import pytest

from vertice_obs.finding import Location
from vertice_obs.metrics.classify import Evidence, MetricUse, classify

NAMES = frozenset({"maximus_dopamine_spike_events_total", "maximus_esgt_duration_seconds_bucket",
                   "maximus_esgt_duration_seconds_sum", "maximus_arousal_level", "maximus_tig_nodes_active",
                   "process_cpu_seconds"})


@pytest.mark.parametrize("queried, hint", [
    ("maximus_dopamine_spike_events", "did you mean maximus_dopamine_spike_events_total? (counters are exposed "
                                      "with _total)"),
    ("process_cpu_seconds_total", "did you mean process_cpu_seconds? (it is exposed without _total)"),
    ("maximus_esgt_duration_seconds", "maximus_esgt_duration_seconds is a histogram: did you mean "
                                      "maximus_esgt_duration_seconds_bucket"),
    ("maximus_arousal_levle", "did you mean maximus_arousal_level?"),
    ("maximus_tig_node_active", "did you mean maximus_tig_nodes_active?"),
])
def test_a_missing_name_gets_a_hint(queried, hint):
    (found,) = classify([MetricUse(queried, Location(file="d.json"), queried)], Evidence("p", names=NAMES))
    assert found.check == "metric/missing" and hint in found.message


@pytest.mark.parametrize("queried", ["maximus_skill_reward", "node_load1", "maximus_dopamine"])
def test_no_hint_when_nothing_is_close(queried):
    (found,) = classify([MetricUse(queried, Location(file="d.json"), queried)], Evidence("p", names=NAMES))
    assert "did you mean" not in found.message
