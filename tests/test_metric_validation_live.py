"""Metric existence against a real Prometheus scraping the MAXIMUS simulator (see conftest.py)."""

from __future__ import annotations

import json
import re
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner
from conftest import DISAPPEARED, DISAPPEARED_HOURS_AGO
from prometheus_harness import free_port

from vertice_obs.cli import cli
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate

REPO = Path(__file__).resolve().parent.parent
SPIKES = "maximus_dopamine_spike_events_total"


def run(*args: str):
    return CliRunner().invoke(cli, ["-C", str(REPO), *args])


def test_audit_reports_the_spike_metric_missing_with_every_panel_that_needs_it(prometheus):
    result = run("audit", "--prometheus-url", prometheus.url, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (spikes,) = report["metrics"]  # every other metric is present: counted, not detailed
    assert spikes["metric"] == SPIKES and spikes["status"] == "missing" and spikes["required"]
    panels = {(use["dashboard"], use["panel"]) for use in spikes["uses"]}
    assert panels == {
        ("maximus-dopamine-overview", "Spikes (last hour)"),
        ("maximus-dopamine-overview", "Spike rate"),
        ("maximus-dopamine-overview", "Dopamine spike rate"),
        ("maximus-dopamine-overview", "Spikes per execution"),
        ("maximus-dopamine-arousal", "Spike rate vs arousal"),
        ("maximus-skill-learning-overview", "Dopamine spikes / execution"),
        ("maximus-cockpit-safety", "Dopamine spikes during the kill switch"),
    }
    assert (spikes["panels"], spikes["dashboards"]) == (7, 4)
    assert {n for use in spikes["uses"] for n in use["narratives"]} == {"cockpit", "dopamine", "skill-learning"}
    assert report["present"]["count"] == 30 and SPIKES not in report["present"]["metrics"]
    assert {"metric": SPIKES, "status": "missing"} in report["required"]
    assert [a["subject"] for a in report["actions"]] == [SPIKES]


def test_audit_text_headline(prometheus):
    result = run("audit", "--prometheus-url", prometheus.url)
    lines = result.output.splitlines()
    assert lines[2] == "What to do, by impact (1)"
    # 'Spike rate vs arousal' still draws its arousal line: 6 panels emptied, 1 losing a query (trial 23 M2)
    assert re.fullmatch(rf"  1\. {SPIKES} missing — empties 6 panels; 1 more panel loses a query but still draws; in 4 "
                        rf"dashboards \(required\): \d+ other names with this "
                        r"prefix are present \(the exporter of the `maximus_` metrics is scraped\): renamed, or not "
                        r"exported by this version or configuration\?", lines[3]), lines[3]
    assert "Required metrics: 5 of 6 present" in result.output
    assert f"❌ {SPIKES} — missing" in result.output
    assert (f"{SPIKES} — MISSING (required) — empties 6 panels; 1 more panel loses a query but still draws; "
            "in 4 dashboards") in result.output
    assert ("    maximus-dopamine-overview (MAXIMUS · Dopamine — overview): 'Dopamine spike rate' (A), 'Spike rate' (A), "
            "'Spikes (last hour)' (A), 'Spikes per execution' (A)") in result.output
    assert "  narrative dopamine:\n" in result.output
    assert result.output.endswith("Present, nothing to fix: 30 of 31 metrics queried\n  listed in --format json and --format html\n")


def test_validate_gates_on_the_missing_required_metric(prometheus):
    result = run("validate", "--prometheus-url", prometheus.url)
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "panel 'Dopamine spike rate'" in l)
    assert line.startswith("exports/dopamine/maximus-dopamine-overview.json:")
    # the test Prometheus holds 54 h of history and does not scrape itself: "never seen" says so
    assert (f"error: {SPIKES} is missing: never seen in Prometheus at {prometheus.url} in the data it holds "
            "(less than the 7d lookback) — "
            f"required by the catalog (narratives/metrics.yaml:") in line
    assert line.endswith("[metric/missing]")



def test_a_name_pattern_never_seen_says_how_much_data_the_server_holds(prometheus, tmp_path):
    """A trial: a pattern matching no name (`{__name__=~"nothing_like_this_.*"}`) said "in the last
    7d" of a Prometheus holding less — the honest window was looked up only when a plain name was
    missing. Here no plain name is missing: the pattern alone asks for it."""
    (tmp_path / "p.json").write_text(json.dumps({"uid": "p", "title": "P", "panels": [
        {"id": 1, "type": "timeseries", "title": "Pattern", "targets": [
            {"refId": "A", "expr": '{__name__=~"nothing_like_this_.*"}'},
            {"refId": "B", "expr": "maximus_dopamine_level"}]}]}))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url],
                                env={"PROMETHEUS_URL": "", "PROMETHEUS_TOKEN": ""})
    assert (f"name pattern 'nothing_like_this_.*' is missing: never seen in Prometheus at {prometheus.url} "
            "in the data it holds (less than the 7d lookback)") in result.output, result.output


def test_validate_sarif_points_at_the_json_line(prometheus):
    result = run("validate", "--prometheus-url", prometheus.url, "--format", "sarif")
    log = json.loads(result.stdout)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "metric/missing"]
    assert results and all(r["level"] == "error" for r in results)
    first = results[0]["locations"][0]
    uri, line = first["physicalLocation"]["artifactLocation"]["uri"], first["physicalLocation"]["region"]["startLine"]
    text = (REPO / uri).read_text().splitlines()
    assert '"expr"' in text[line - 1] and SPIKES in text[line - 1]


def dashboard(panels=(), rows=None, templating=(), annotations=()):
    model = {"uid": "probe", "title": "Probe", "panels": list(panels), "templating": {"list": list(templating)},
             "annotations": {"list": list(annotations)}, "tags": ["narrative:probe"]}
    if rows is not None:
        model["rows"] = rows
    return model


def panel(title, *exprs, ds=None):
    out = {"type": "timeseries", "title": title, "id": zlib.crc32(title.encode()) % 100_000,
           "targets": [{"refId": chr(65 + i), "expr": e} for i, e in enumerate(exprs)]}
    if ds is not None:
        out["datasource"] = ds
    return out


# (panel title, query, expected status of each metric in it)
LIVE_CASES = [
    ("present", 'avg(maximus_dopamine_level{environment=~"$environment"})', {"maximus_dopamine_level": "present"}),
    ("missing", f"rate({SPIKES}[$__rate_interval])", {SPIKES: "missing"}),
    ("rename fallback", f"sum(rate({SPIKES}[5m])) or sum(rate(maximus_skill_executions_total[5m]))",
     {SPIKES: "fallback-only", "maximus_skill_executions_total": "present"}),
    ("both sides gone", f"rate({SPIKES}[5m]) or rate(maximus_never_existed_total[5m])",
     {SPIKES: "missing", "maximus_never_existed_total": "missing"}),
    ("or vector(0)", f"sum(rate({SPIKES}[5m])) or vector(0)", {SPIKES: "intentionally-absent"}),
    ("unless", f"maximus_dopamine_level unless {SPIKES}",
     {"maximus_dopamine_level": "present", SPIKES: "intentionally-absent"}),
    ("absent()", f"absent({SPIKES})", {SPIKES: "intentionally-absent"}),
    ("recording rule present", "maximus:dopamine_level:avg5m", {"maximus:dopamine_level:avg5m": "present"}),
    ("recording rule not evaluated", "maximus:dopamine_spikes:rate5m",
     {"maximus:dopamine_spikes:rate5m": "recording-rule"}),
    ("disappeared", f"rate({DISAPPEARED}[5m])", {DISAPPEARED: "disappeared"}),
    ("regex name present", '{__name__=~"maximus_esgt_.*"}', {"maximus_esgt_.*": "present"}),
    ("regex name missing", '{__name__=~"maximus_nothing_.*"}', {"maximus_nothing_.*": "missing"}),
    ("variable in name", "rate(maximus_skill_${kind}_total[5m])", {"maximus_skill_.+_total": "present"}),
    ("histogram series", "histogram_quantile(0.9, sum by (le) (rate(maximus_esgt_duration_seconds_bucket[5m])))",
     {"maximus_esgt_duration_seconds_bucket": "present"}),
]


class Live(NamedTuple):
    findings: list
    disappeared_at: float  # when the backfilled metric stopped: what its message's date must say, exactly


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def live_findings(request, tmp_path_factory, catalog):
    """The same table of reasons against both real backends: Prometheus, and VictoriaMetrics with vmalert."""
    backend = request.getfixturevalue(request.param)
    folder = tmp_path_factory.mktemp("probe")
    panels = [panel(title, expr) for title, expr, _ in LIVE_CASES]
    (folder / "probe.json").write_text(json.dumps(dashboard(panels, templating=[
        {"type": "custom", "name": "kind", "current": {}, "options": []}])))
    dashboards = load_dashboard_files([folder])
    result = validate(collect(dashboards), PrometheusSource(backend.url), catalog, timedelta(days=7))
    return Live(result.findings, backend.disappeared_at)


@pytest.mark.parametrize("title,query,expected", LIVE_CASES, ids=[c[0] for c in LIVE_CASES])
def test_each_reason_against_real_prometheus(live_findings, title, query, expected):
    got = {f.metric: f.check.split("/", 1)[1] for f in live_findings.findings
           if f.location.panel == title and f.check.startswith("metric/")}
    assert got == expected


def test_disappeared_says_when(live_findings):
    finding = next(f for f in live_findings.findings if f.metric == DISAPPEARED)
    assert f"({DISAPPEARED_HOURS_AGO // 24}d ago)" in finding.message or "(1d 23h ago)" in finding.message
    # the date itself, to the minute: a day off (a local-time or off-by-one slip) fails here
    when = datetime.fromtimestamp(live_findings.disappeared_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert f"{DISAPPEARED} disappeared: last seen {when} (" in finding.message, finding.message


def test_recording_rule_names_the_rule(live_findings):
    finding = next(f for f in live_findings.findings if f.metric == "maximus:dopamine_spikes:rate5m")
    assert "recording rule 'maximus:dopamine_spikes:rate5m' in group 'maximus-recording'" in finding.message


def test_whole_validation_takes_seven_requests(prometheus, catalog):
    """The repository's 79 queries: names, rules, one last-seen batch for the absent names, the
    metadata (metric types), one query for the label values of all 76 selectors and the `by`
    labels (grouped by every label any of them names), then how much data it holds: the lowest
    timestamps it holds (none here: it does not scrape itself) and one label-values look at
    the lookback's start (some absent name was never seen: does it hold the whole lookback?)."""
    source = PrometheusSource(prometheus.url)
    dashboards = load_dashboard_files([REPO / "exports"])
    result = validate(collect(dashboards), source, catalog, timedelta(days=7))
    assert source.request_count == 7
    assert not [f for f in result.findings if f.check in ("metric/no-matching-series", "metric/label-missing",
                                                          "metric/rate-on-gauge", "metric/counter-without-rate")]


def test_prometheus_down_is_unknown_exit_2_never_missing():
    url = f"http://127.0.0.1:{free_port()}"
    result = run("validate", "--prometheus-url", url)
    assert result.exit_code == 2
    assert "missing" not in result.stdout
    # Said once, on stderr, instead of an "unknown" line per metric use; the summary still counts them.
    assert "[metric/unknown]" not in result.stdout and ": 83 unknown" in result.stdout
    assert result.stderr.strip() == (f"vobs: error: Prometheus at {url} is unreachable: connection refused at "
                                     f"{url[7:]}: metric existence is unknown")


def test_credentials_never_appear_in_output():
    url = f"http://admin:s3cret@127.0.0.1:{free_port()}"
    result = run("validate", "--prometheus-url", url, "--format", "json")
    assert "s3cret" not in result.output
    assert result.exit_code == 2


def test_a_server_that_is_not_prometheus_is_unknown_too(simulator):
    # The simulator speaks HTTP but not Prometheus' API: 404 on /api/v1/… → unknown, exit 2.
    result = run("validate", "--prometheus-url", simulator.url)
    assert result.exit_code == 2
    assert "missing" not in result.stdout
    assert result.stderr.strip() == (f"vobs: error: Prometheus at {simulator.url} answered an error: "
                                     "HTTP 404 (not found: the simulator serves /metrics): "
                                     "metric existence is unknown")
