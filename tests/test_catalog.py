"""The metric catalog: strict loading, histogram series, and the real narratives/metrics.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from vertice_obs.errors import InputError
from vertice_obs.metrics.catalog import load_catalog

REPO = Path(__file__).resolve().parent.parent

GOOD = """
common_labels: [environment]
metrics:
  - name: app_latency_seconds
    type: histogram
    unit: seconds
    help: Request latency.
    owner: team
    buckets: [0.1, 1]
  - name: app_up
    type: gauge
    unit: boolean
    help: Whether it is up.
    owner: team
    required: true
"""


def catalog_from(tmp_path, text):
    path = tmp_path / "metrics.yaml"
    path.write_text(text)
    return load_catalog(path, "metrics.yaml")


def test_histogram_family_maps_to_its_series(tmp_path):
    catalog = catalog_from(tmp_path, GOOD)
    assert catalog.series_names() == {"app_latency_seconds_bucket", "app_latency_seconds_sum",
                                      "app_latency_seconds_count", "app_up"}
    assert catalog.family_of("app_latency_seconds_bucket").name == "app_latency_seconds"
    assert catalog.family_of("app_latency_seconds") is None
    assert [m.name for m in catalog.required] == ["app_up"]
    assert catalog.metrics[1].line == 10


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("type: gauge", "type: gaige"), "metrics.yaml:11: 'gaige' is not one of: counter, gauge"),
    # what the file says, not Python's reading of it (True, None): found by a new-user trial
    (GOOD.replace("type: gauge", "type: off"), "metrics.yaml:11: off (YAML reads it as false) is not one of: counter, "
                                                "gauge, histogram, summary in metrics[1].type"),
    (GOOD.replace("    owner: team\n    required", "    owner:\n    required"),
     "metrics.yaml:14: an empty value (YAML reads it as null) is not of type 'string' in metrics[1].owner"),
    (GOOD.replace("name: app_up", "name: app-up"), "metrics.yaml:10: 'app-up' in metrics[1].name: must be a valid"),
    (GOOD.replace("name: app_up", "name: app_latency_seconds_count"),
     "metrics.yaml:10: metric 'app_latency_seconds_count' is already defined at line 4"),
    (GOOD.replace("    owner: team\n    required", "    required"), "metrics.yaml:10: 'owner' is required in metrics[1]"),
    (GOOD.replace("help: Whether it is up.", "help: ok\n    colour: red"), "metrics.yaml:14: unknown key 'colour'"),
])
def test_bad_catalog_entries_are_located(tmp_path, text, message):
    with pytest.raises(InputError) as info:
        catalog_from(tmp_path, text)
    assert str(info.value).startswith(message), str(info.value)


def test_repository_catalog_has_the_audited_metrics():
    catalog = load_catalog(REPO / "narratives" / "metrics.yaml")
    names = {m.name for m in catalog.metrics}
    spike = next(m for m in catalog.metrics if m.name == "maximus_dopamine_spike_events_total")
    assert spike.type == "counter" and spike.required
    assert {"maximus_esgt_duration_seconds", "maximus_skill_reward", "maximus_kill_switch_latency_milliseconds",
            "maximus_arousal_state_transition_total", "maximus_tig_connectivity_ratio"} <= names
    assert next(m for m in catalog.metrics if m.name == "maximus_esgt_duration_seconds").type == "histogram"
    assert set(catalog.common_labels) == {"environment", "service_name", "instance", "job"}
