"""`promql/histogram-quantile-without-le`: histogram_quantile() over an aggregation that drops `le`.

Trial 19 MED 5: `histogram_quantile(0.99, sum by (job) (rate(x_bucket[5m])))` is always empty on
Prometheus, and vobs said only "present", exit 0. The verdict is held against the real servers: a
classic histogram (`le`) and a VictoriaMetrics one (`vmrange`, as VictoriaMetrics' own components
export them) scraped by Debian's Prometheus and VictoriaMetrics; for each query vobs reports the
check exactly when that server answers nothing — `by (vmrange)` is fine on VictoriaMetrics, whose
histogram_quantile() reads vmrange, and empty on Prometheus (8 targets of VictoriaMetrics' dashboards
in the trial).
"""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner
from prometheus_harness import PrometheusServer, StaticExporter
from victoria_harness import VictoriaMetricsServer

from vertice_obs.cli import cli

CHECK = "promql/histogram-quantile-without-le"
C, V = "vobs_req_seconds_bucket", "vobs_vm_seconds_bucket"


def body(times: int) -> bytes:
    """The exporter's page, its counts `times` over: raised once, so that rate() has something to say."""
    return "".join(
        [f'{C}{{service="api",pod="{pod}",le="{le}"}} {n * times}\n' for pod in "ab"
         for le, n in (("0.1", 5), ("0.5", 8), ("+Inf", 10))]
        + [f'vobs_req_seconds_count{{service="api",pod="{pod}"}} {10 * times}\n' for pod in "ab"]
        + [f'{V}{{service="api",pod="{pod}",vmrange="{r}"}} {n * times}\n' for pod in "ab"
           for r, n in (("1.000e-02...1.136e-02", 5), ("1.136e-02...1.292e-02", 3))]).encode()
CASES = [  # (query, what it is)
    (f"histogram_quantile(0.9, sum by (service) ({C}))", "by without le: the trial's repro"),
    (f"histogram_quantile(0.9, sum({C}))", "no clause"),
    (f"histogram_quantile(0.9, sum without (le) ({C}))", "without le"),
    (f"histogram_quantile(0.9, max(sum by (le) (sum by (service) ({C}))))", "nested: dropped below a by (le)"),
    (f"histogram_quantile(0.9, sum by (le) ({C}))", "by le"),
    (f"histogram_quantile(0.9, sum by (le, service) ({C}))", "by le and more"),
    (f"histogram_quantile(0.9, sum without (pod) ({C}))", "without, le kept"),
    (f"histogram_quantile(0.9, {C})", "no aggregation"),
    (f'label_replace(histogram_quantile(0.9, sum by (le) ({C})), "x", "$1", "service", "(.*)")', "a wrapper"),
    (f'histogram_quantile(0.9, label_replace(sum by (le, service) ({C}), "x", "$1", "service", "(.*)"))', "inside"),
    (f"histogram_quantile(0.9, sum by (le) ({C}) / ignoring(le) group_left sum(vobs_req_seconds_count))", "ratio"),
    (f"histogram_quantile(0.9, sum by (service, vmrange) ({V}))", "VictoriaMetrics' histogram"),
    (f"histogram_quantile(0.9, sum by (vmrange) (rate({V}[5m])))", "VictoriaMetrics', as its dashboards have it"),
]


@pytest.fixture(scope="module")
def servers():
    exporter = StaticExporter(body(1))
    try:
        with PrometheusServer([exporter.target]) as prometheus, VictoriaMetricsServer([exporter.target]) as victoria:
            for server in (prometheus, victoria):
                server.wait_for(f"{C}{{pod=\"b\"}}")
                server.wait_for(f"{V}{{pod=\"b\"}}")
            exporter.body = body(2)
            for server in (prometheus, victoria):
                server.wait_for(f"rate({V}[5m]) > 0")
            yield {"Prometheus": prometheus, "VictoriaMetrics": victoria}
    finally:
        exporter.stop()


@pytest.mark.parametrize("backend", ["Prometheus", "VictoriaMetrics"])
def test_reported_exactly_where_the_server_answers_nothing(servers, backend, tmp_path):
    server = servers[backend]
    _dashboard(tmp_path, [q for q, _ in CASES])
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", server.url, "--format", "json"])
    found = {f["location"]["panel"]: f for f in json.loads(result.stdout)["findings"] if f["check"] == CHECK}
    for i, (query, what) in enumerate(CASES):
        empty = not _answer(server.url, query)
        assert (f"p{i}" in found) == empty, f"{backend}, {what}: {query} answers {'nothing' if empty else 'series'}"
        if empty:
            assert found[f"p{i}"]["severity"] == "error", found[f"p{i}"]
    vmrange = {"p11", "p12"} if backend == "Prometheus" else set()  # on Prometheus, VictoriaMetrics' histograms too
    assert set(found) == {"p0", "p1", "p2", "p3"} | vmrange  # both verdicts on each server
    assert result.exit_code == 1, result.output


# The quantile where the query lets it be empty — an `or` operand, `unless`'s right side, absent(): the
# panel draws the rest (h143's differential: an error said "the panel is always empty" of panels that drew)
LETS_IT_BE = [
    f"histogram_quantile(0.9, sum by (service) ({C})) or vector(0)",
    f"sum(histogram_quantile(0.9, sum by (service) ({C}))) or sum(vobs_req_seconds_count)",
    f"sum(vobs_req_seconds_count) unless sum(histogram_quantile(0.9, sum by (service) ({C})))",
    f"absent(histogram_quantile(0.9, sum({C})))",
]
NEEDED = [f"sum(histogram_quantile(0.9, sum by (service) ({C}))) and sum(vobs_req_seconds_count)",
          f"sum(histogram_quantile(0.9, sum by (service) ({C}))) + sum(vobs_req_seconds_count)"]


@pytest.mark.parametrize("backend", ["Prometheus", "VictoriaMetrics"])
def test_where_the_query_lets_the_quantile_be_empty_the_panel_is_not_said_empty(servers, backend, tmp_path):
    server = servers[backend]
    _dashboard(tmp_path, LETS_IT_BE + NEEDED)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", server.url, "--format", "json"])
    found = {f["location"]["panel"]: f for f in json.loads(result.stdout)["findings"] if f["check"] == CHECK}
    for i, query in enumerate(LETS_IT_BE + NEEDED):
        drawn = bool(_answer(server.url, query))
        assert drawn == (i < len(LETS_IT_BE)), f"{backend}: {query} answers {'something' if drawn else 'nothing'}"
        said = found[f"p{i}"]
        assert (said["severity"], "the panel is always empty" in said["message"]) == (
            ("warning", False) if drawn else ("error", True)), (query, said)
        if drawn:
            assert "the panel draws only the rest of the query — keep le: `sum by (service, le) (…)`" in said["message"] \
                or "keep le: `sum by (le) (…)`" in said["message"], said["message"]


def test_the_trials_repro_offline_is_an_error_naming_the_fix(tmp_path):
    _dashboard(tmp_path, ["histogram_quantile(0.99, sum by (job) (rate(prometheus_http_request_duration_seconds_bucket"
                          "[$__rate_interval])))"])
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--offline"])
    assert result.exit_code == 1, result.output
    assert ("error: histogram_quantile() over `sum by (job)` of prometheus_http_request_duration_seconds_bucket: the "
            "aggregation drops the `le` label, so histogram_quantile() finds no bucket and the panel is always empty — "
            "keep le: `sum by (job, le) (…)` [promql/histogram-quantile-without-le]") in result.stdout


def test_vmrange_offline_is_a_warning_and_clean_on_a_victoriametrics_datasource(tmp_path):
    """Offline, a Prometheus-type datasource may be either server: a warning that says which. On
    VictoriaMetrics' own plugin, keeping vmrange is right."""
    query = f"histogram_quantile(0.9, sum by (job, vmrange) (rate({V}[5m])))"
    _dashboard(tmp_path, [query, query], ["prometheus", "victoriametrics-metrics-datasource"])
    report = json.loads(CliRunner().invoke(cli, ["validate", str(tmp_path), "--offline", "--format", "json"]).stdout)
    [found] = [f for f in report["findings"] if f["check"] == CHECK]
    assert found["location"]["panel"] == "p0" and found["severity"] == "warning"
    assert "fine if this datasource is a VictoriaMetrics; for Prometheus keep le: `sum by (job, vmrange, le) (…)`" \
        in found["message"]


def test_native_histograms_and_unknown_labels_are_not_judged(tmp_path):
    queries = ["histogram_quantile(0.9, sum by (job) (rate(http_request_duration_seconds[5m])))",  # native: no le
               f"histogram_quantile(0.9, sum by ($group) (rate({C}[5m])))",  # $group may be le
               f'histogram_quantile(0.9, label_replace(sum by (job, bound) ({C}), "le", "$1", "bound", "(.*)"))']
    _dashboard(tmp_path, queries)
    report = json.loads(CliRunner().invoke(cli, ["validate", str(tmp_path), "--offline", "--format", "json"]).stdout)
    assert [f for f in report["findings"] if f["check"] == CHECK] == []


def _dashboard(folder, queries, kinds=None):
    kinds = kinds or ["prometheus"] * len(queries)
    (folder / "d.json").write_text(json.dumps({"uid": "h", "title": "h", "templating": {"list": [
        {"name": "group", "type": "custom", "query": ""}]}, "panels": [
        {"id": i + 1, "title": f"p{i}", "type": "timeseries", "datasource": {"type": kind, "uid": "ds"},
         "targets": [{"refId": "A", "expr": q}]} for i, (q, kind) in enumerate(zip(queries, kinds))]}))


def _answer(url: str, query: str) -> list:
    body = requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=10).json()
    assert body["status"] == "success", body
    return [r for r in body["data"]["result"] if r["value"][1] not in ("NaN",)]
