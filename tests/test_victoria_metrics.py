"""vobs against the second real backend: Debian's VictoriaMetrics scraping the simulator (issue 18).

VictoriaMetrics speaks Prometheus' query API but not all of it: its `/api/v1/metadata` is empty,
its `/api/v1/rules` is vmalert's (proxied), and its `timestamp()` and subqueries are its own
implementation. The table-driven reasons run against it too (test_metric_validation_live.py). These tests hold that metric validation gives the same answers as against
Prometheus: present and missing names, and when a disappeared metric was last seen, to the second.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner
from conftest import DISAPPEARED

from vertice_obs.cli import cli
from vertice_obs.metrics.prometheus import PrometheusSource

REPO = Path(__file__).resolve().parent.parent
SPIKES = "maximus_dopamine_spike_events_total"


def test_validate_against_victoria_metrics_finds_the_missing_metric(victoria):
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", "--prometheus-url", victoria.url,
                                      "--format", "json"])
    assert result.exit_code == 1, result.output  # the required spike counter is missing: an error
    report = json.loads(result.stdout)
    assert report["available"] is True
    by_check: dict[str, set[str]] = {}
    for finding in report["findings"]:
        by_check.setdefault(finding["check"], set()).add(finding.get("metric"))
    assert by_check["metric/missing"] == {SPIKES}
    assert "maximus_dopamine_level" in by_check["metric/present"]
    assert "metric/unknown" not in by_check
    # VictoriaMetrics answers /api/v1/metadata with nothing: types come from the catalog, said once
    (types,) = [f for f in report["findings"] if f["check"] == "source/degraded"]
    assert "metric types could not be checked: its metadata is empty" in types["message"]


def test_last_seen_on_victoria_metrics_is_exact(victoria):
    source = PrometheusSource(victoria.url)
    seen = source.last_seen([DISAPPEARED, "maximus_never_existed_total"], timedelta(days=7))
    assert seen["maximus_never_existed_total"] is None
    assert seen[DISAPPEARED] == datetime.fromtimestamp(victoria.disappeared_at, tz=timezone.utc)


def test_disappeared_metric_is_reported_with_its_date(victoria, tmp_path):
    (tmp_path / "legacy.json").write_text(json.dumps({"uid": "legacy", "title": "Legacy", "panels": [
        {"id": 1, "type": "timeseries", "title": "Rewards", "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A", "expr": f"rate({DISAPPEARED}[5m])"}]}]}))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", victoria.url])
    when = datetime.fromtimestamp(victoria.disappeared_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert f"{DISAPPEARED} disappeared: last seen {when} (2d ago)" in result.stdout, result.output
    assert result.exit_code == 0
