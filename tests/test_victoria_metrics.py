"""vobs against the second real backend: Debian's VictoriaMetrics scraping the simulator (issue 18).

VictoriaMetrics speaks Prometheus' query API but not all of it: its `/api/v1/metadata` is empty,
its `/api/v1/rules` is vmalert's (proxied), and its `timestamp()` and subqueries are its own
implementation. The table-driven reasons run against it too (test_metric_validation_live.py). These tests hold that metric validation gives the same answers as against
Prometheus: present and missing names, and when a disappeared metric was last seen, to the second.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import DISAPPEARED, NEVER_RECORDED, RECORDED
from prometheus_harness import StaticExporter
from victoria_harness import VictoriaMetricsServer

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


# --- naming the backend, and a VictoriaMetrics without vmalert ---------------------------------------

def _probe(folder: Path, exprs: list[str]) -> Path:
    (folder / "probe.json").write_text(json.dumps({"uid": "probe", "title": "Probe", "panels": [
        {"id": i, "type": "timeseries", "title": f"p{i}", "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A", "expr": e}]} for i, e in enumerate(exprs, 1)]}))
    return folder


@pytest.mark.parametrize("backend, named", [("victoria", "VictoriaMetrics"), ("prometheus", "Prometheus")])
def test_the_backend_is_named_by_what_it_is(request, backend, named, tmp_path):
    """VictoriaMetrics says what it is in every answer (its `X-Server-Hostname` header): named so once
    it answered, at no extra request; Prometheus says nothing of itself — a neutral name, never a guess."""
    server = request.getfixturevalue(backend)
    source = PrometheusSource(server.url)
    assert source.description == f"Prometheus at {server.url}"  # not asked yet: unknown
    source.names()
    assert source.description == f"{named} at {server.url}" and source.request_count == 1
    result = CliRunner().invoke(cli, ["validate", str(_probe(tmp_path, [SPIKES])), "--prometheus-url", server.url])
    assert f"never seen in {named} at {server.url} " in result.stdout, result.output
    assert f"against {named} at {server.url}: 1 missing" in result.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def victoria_without_vmalert(simulator):
    """A VictoriaMetrics without `-vmalert.proxyURL`: its `/api/v1/rules` answers an empty list."""
    server = VictoriaMetricsServer([simulator.url.removeprefix("http://")]).start()
    try:
        server.wait_for("maximus_dopamine_level")
        yield server
    finally:
        server.stop()


def test_without_vmalert_rule_outputs_are_not_a_plain_missing(victoria_without_vmalert, tmp_path):
    """Names shaped like a rule's output (`level:metric:operations`) that are absent, while the backend
    lists no rules: each finding and the summary say the rules could not be checked, and why."""
    url = victoria_without_vmalert.url
    folder = _probe(tmp_path, [NEVER_RECORDED, RECORDED, f"rate({SPIKES}[5m])", "maximus_dopamine_level"])
    result = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", url, "--format", "json"])
    report = json.loads(result.stdout)
    findings = {f.get("metric"): f for f in report["findings"] if f["check"].startswith("metric/")}
    for name in (NEVER_RECORDED, RECORDED):
        assert findings[name]["check"] == "metric/missing"
        assert ("by its name a recording rule's output, and recording rules could not be checked: the backend "
                "reported no recording rules (VictoriaMetrics lists them only through vmalert: -vmalert.proxyURL)"
                ) in findings[name]["message"], findings[name]["message"]
    assert "recording rule" not in findings[SPIKES]["message"]  # an exporter's metric: a plain missing
    (rules,) = [f for f in report["findings"] if f["check"] == "source/degraded" and "recording rules" in f["message"]]
    assert rules["message"].startswith(f"VictoriaMetrics at {url}: recording rules could not be checked: the backend "
                                       "reported no recording rules")
    assert "2 absent names the dashboards query are shaped like a rule's output" in rules["message"]
    text = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", url]).stdout
    assert "recording rules not checked: the backend reported no recording rules" in text.splitlines()[-1]


def test_without_vmalert_the_audit_points_at_the_rules_not_an_exporter(victoria_without_vmalert, tmp_path):
    folder = _probe(tmp_path, [NEVER_RECORDED, RECORDED, "maximus_dopamine_level"])
    result = CliRunner().invoke(cli, ["audit", str(folder), "--prometheus-url", victoria_without_vmalert.url])
    (family,) = [line for line in result.stdout.splitlines() if line.strip().startswith("1. maximus:*")]
    assert "exporter" not in family and "scraped" not in family, family
    assert "are the rules that record them loaded and evaluating? (Prometheus: Status → Rules; VictoriaMetrics: vmalert)" in family


def test_with_vmalert_the_rules_are_known(victoria, tmp_path):
    """With vmalert proxied, the same names are the rule's (`metric/recording-rule`), nothing degraded."""
    folder = _probe(tmp_path, [NEVER_RECORDED, RECORDED])
    report = json.loads(CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", victoria.url,
                                                 "--format", "json"]).stdout)
    checks = {f.get("metric"): f["check"] for f in report["findings"] if f["check"].startswith("metric/")}
    assert checks == {NEVER_RECORDED: "metric/recording-rule", RECORDED: "metric/present"}
    assert not [f for f in report["findings"] if f["check"] == "source/degraded" and "recording rules" in f["message"]]


# --- fresh data: VictoriaMetrics' latency offset (trial 9, defect 07) ---------------------------------

def _served_now(url: str, promql: str, nocache: bool = False) -> list:
    params = {"query": promql, **({"nocache": "1"} if nocache else {})}
    return requests.get(f"{url}/api/v1/query", params=params, timeout=5).json()["data"]["result"]


def test_a_panel_of_fresh_data_is_not_said_empty_of_its_own_under_an_empty_dropdown(tmp_path):
    """Trial 21: an empty dropdown's finding said a panel "shows No data for a reason of its own, said
    there" where nothing was said — its metric's samples were newer than -search.latencyOffset, so it
    had no label table (taken for "no series") and only a `metric/present` info. It is said not
    judged yet, and the warning is not taken for one that empties nothing."""
    exporter = StaticExporter(b'app_info{version="1"} 1\n')
    server = VictoriaMetricsServer([exporter.target], latency_offset="20s").start()
    try:
        deadline = time.monotonic() + 90  # the dropdown's metric served: older than the offset
        while not _served_now(server.url, "app_info"):
            assert time.monotonic() < deadline, "VictoriaMetrics never served app_info"
            time.sleep(0.5)
        exporter.body += b'fresh_requests_total{path="/a"} 5\n'
        while not _served_now(server.url, "fresh_requests_total", nocache=True):  # stored, not served yet
            assert time.monotonic() < deadline, "VictoriaMetrics never stored fresh_requests_total"
            time.sleep(0.2)
        (tmp_path / "d.json").write_text(json.dumps({
            "uid": "d", "title": "D", "templating": {"list": [
                {"name": "release", "type": "query", "query": 'label_values(app_info{release=~".+"}, release)',
                 "datasource": {"type": "prometheus", "uid": "p"}, "current": {}}]},
            "panels": [{"id": 1, "type": "timeseries", "title": "Requests", "datasource": {"type": "prometheus", "uid": "p"},
                        "targets": [{"refId": "A", "expr": 'sum(rate(fresh_requests_total{release=~"$release"}[5m]))'}]}]}))
        result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", server.url, "--format", "json"])
        assert not _served_now(server.url, "fresh_requests_total"), "validate ran after the offset: proves nothing"
    finally:
        server.stop()
        exporter.stop()
    report = json.loads(result.stdout)
    said = [f for f in report["findings"] if f["location"].get("target") == "variable release"]
    found = [f for f in said if f["check"].endswith("label-missing")]  # its matcher's label, its listed one
    assert found, [(f["check"], f["message"]) for f in said]
    for dropdown in found:
        assert "reason of its own" not in dropdown["message"], dropdown["message"]
        assert ("1 panel ('Requests') uses $release and could not be judged yet: its metric's samples are newer "
                "than VictoriaMetrics' -search.latencyOffset (not served to queries yet)") in dropdown["message"]
        assert dropdown["severity"] == "warning"


def test_fresh_data_hidden_by_the_latency_offset_is_present_not_disappeared(simulator, tmp_path):
    """Every metric VictoriaMetrics had scraped for a few seconds was "disappeared: last seen … (0s ago)",
    or "missing", with a "did you mean" rename: it serves no sample newer than -search.latencyOffset to
    a query at now, while its name index lists them. They are present; nothing says disappeared."""
    level = "maximus_dopamine_level"
    server = VictoriaMetricsServer([simulator.url.removeprefix("http://")], latency_offset="120s").start()
    try:
        deadline = time.monotonic() + 60  # stored and searchable (`nocache` asks at the true now), yet hidden
        while not _served_now(server.url, f"timestamp({level})", nocache=True):
            assert time.monotonic() < deadline, "VictoriaMetrics never served the scraped samples"
            time.sleep(0.2)
        folder = _probe(tmp_path, [level, "maximus_esgt_coherence"])
        result = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", server.url, "--format", "json"])
        assert not _served_now(server.url, level), "validate ran after the offset: the test proves nothing"
    finally:
        server.stop()
    report = json.loads(result.stdout)
    checks = {f.get("metric"): f for f in report["findings"] if f["check"].startswith("metric/")}
    assert {checks[level]["check"], checks["maximus_esgt_coherence"]["check"]} == {"metric/present"}, checks
    assert "-search.latencyOffset" in checks[level]["message"]
    assert "disappeared" not in result.stdout and result.exit_code == 0, result.output
