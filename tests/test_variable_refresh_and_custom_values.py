"""The value a reader sees, not the one saved: Grafana 11.3+ re-runs every query variable on load
(`refresh: 0`, "never", too) — so vobs does not judge the panels with its saved value.

Sources (public code; facts, not code): grafana/grafana PR #93818 turned scenes on by default in 11.3;
`createSceneVariableFromVariableModel` builds a `QueryVariable` from the saved `current` without the
saved `options`; grafana/scenes' `SceneVariableSet` updates every variable on activation (`refresh` is
read only on a time range change). Unit tables, then `vobs validate` against the real Prometheus of
conftest.py (`maximus_dopamine_level` has the environments dev and staging, never prod or qa).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vertice_obs.cli import cli
from vertice_obs.metrics.interpolate import variable_options, variables_from_dashboard

LEVEL = "maximus_dopamine_level"


@pytest.mark.parametrize("refresh", [0, "0", None, 1, 2, "never"])
def test_a_query_variable_is_re_run_whatever_its_refresh(refresh):
    """Its saved value and options are not judged: Grafana 11.3+ re-runs its query on load."""
    variable = {"name": "q", "type": "query", "query": "label_values(up, job)", "current": {"value": "api"},
                "options": [{"value": "api"}, {"value": "web"}]}
    if refresh is not None:
        variable["refresh"] = refresh
    model = {"templating": {"list": [variable]}}
    got = variables_from_dashboard(model)["q"]
    assert got.values == () and got.refreshed.startswith("on ")
    assert variable_options(model) == {}


# --- `vobs validate` against the real Prometheus ------------------------------------------------------

DS = {"type": "prometheus", "uid": "${ds}"}


def _dashboard(variable: dict) -> dict:
    return {"uid": "shown", "title": "Shown", "templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus"}, variable]}, "panels": [
        {"id": 1, "type": "timeseries", "title": "Level", "datasource": DS,
         "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}}'}]}]}


_QUERY = {"name": "environment", "type": "query", "datasource": DS,
          "query": f"label_values({LEVEL}, environment)", "current": {"text": "prod", "value": "prod"},
          "options": [{"text": "prod", "value": "prod"}], "refresh": 0}

# (case, the variable, the checks at warning and above, the exit code with --fail-on warning)
LIVE = [
    # refresh 0 ("never"): judged by its saved prod, the panel was said to show No data (exit 1);
    # Grafana re-runs the query and shows dev or staging — nothing is known, said as info
    ("query variable, refresh never", _QUERY, [], 0),
]


@pytest.mark.parametrize("variable,checks,code", [c[1:] for c in LIVE], ids=[c[0] for c in LIVE])
def test_validate_judges_the_value_the_reader_sees(tmp_path, prometheus, variable, checks, code):
    (tmp_path / "shown.json").write_text(json.dumps(_dashboard(variable), indent=2))
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url,
                                    "--fail-on", "warning", "--format", "json"])
    findings = json.loads(done.stdout)["findings"]
    serious = sorted({f["check"] for f in findings if f["severity"] != "info"})
    assert (serious, done.exit_code) == (checks, code), [f["message"] for f in findings]
    if variable["type"] == "query":
        [unknown] = [f for f in findings if f["check"] == "variable/value-unknown"]
        assert "re-runs on load (from Grafana 11.3, whatever its refresh says" in unknown["message"]
