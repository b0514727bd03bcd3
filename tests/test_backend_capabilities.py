"""Backends by capability (issue 18): a missing piece of the API degrades only the checks that need it.

The backends are real (Debian's Prometheus, and VictoriaMetrics with vmalert); `CapabilityProxy`
forwards to them and withholds the endpoints a Prometheus-compatible store may not serve.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capability_proxy import CapabilityProxy
from click.testing import CliRunner
from conftest import DISAPPEARED, NEVER_RECORDED, RECORDED

from vertice_obs.cli import cli

SPIKES = "maximus_dopamine_spike_events_total"


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    exprs = [f"rate({SPIKES}[5m])", f"rate({DISAPPEARED}[5m])", NEVER_RECORDED, "maximus_dopamine_level"]
    (tmp_path / "probe.json").write_text(json.dumps({"uid": "probe", "title": "Probe", "panels": [
        {"id": i, "type": "timeseries", "title": f"p{i}", "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A", "expr": e}]} for i, e in enumerate(exprs, 1)]}))
    return tmp_path


def _validate(url: str, folder: Path) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", url, "--format", "json"])
    text = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", url]).output
    return result.exit_code, json.loads(result.stdout), text


def _reasons(report: dict) -> dict[str, str]:
    return {f["metric"]: f["check"] for f in report["findings"] if f.get("metric")}


@pytest.mark.parametrize("backend", ["prometheus", "victoria"])
def test_without_rules_only_recording_rules_are_degraded(request, backend, probe):
    server = request.getfixturevalue(backend)
    with CapabilityProxy(server.url, withhold=["/api/v1/rules"]) as proxy:
        code, report, text = _validate(proxy.url, probe)
    assert code == 1, text  # the required spike counter is still found missing: not "unknown", not exit 2
    assert report["available"] is True
    reasons = _reasons(report)
    assert reasons[SPIKES] == "metric/missing" and reasons[DISAPPEARED] == "metric/disappeared"
    assert reasons["maximus_dopamine_level"] == "metric/present"
    assert reasons[NEVER_RECORDED] == "metric/missing"  # judged like any other metric, and said so:
    degraded = [f for f in report["findings"] if f["check"] == "source/degraded" and "recording rules" in f["message"]]
    assert len(degraded) == 1 and "recording rules could not be checked" in degraded[0]["message"]
    assert "404" in degraded[0]["message"]
    assert "recording rules not checked" in text.splitlines()[-1]


@pytest.mark.parametrize("backend", ["prometheus", "victoria"])
def test_without_series_history_absent_metrics_are_not_called_never_seen(request, backend, probe):
    server = request.getfixturevalue(backend)
    with CapabilityProxy(server.url, withhold=["/api/v1/series"]) as proxy:
        code, report, _ = _validate(proxy.url, probe)
    reasons = _reasons(report)
    assert reasons["maximus_dopamine_level"] == "metric/present"
    assert reasons[DISAPPEARED] == "metric/missing"
    message = next(f["message"] for f in report["findings"] if f.get("metric") == DISAPPEARED)
    assert "could not be checked" in message and "never seen" not in message
    assert [f["message"] for f in report["findings"] if f["check"] == "source/degraded"
            and "last-seen history" in f["message"]] != []


def test_without_names_everything_is_unknown_exit_2(prometheus, probe):
    with CapabilityProxy(prometheus.url, withhold=["/api/v1/label/__name__/values"]) as proxy:
        code, report, _ = _validate(proxy.url, probe)
    assert code == 2
    assert {f["check"] for f in report["findings"] if f.get("metric")} == {"metric/unknown"}


def test_a_whole_backend_answers_once_per_capability(prometheus, probe):
    with CapabilityProxy(prometheus.url) as proxy:
        _validate(proxy.url, probe)
        seen = list(proxy.seen)
    # two runs (json and text), each: names, rules, series, one last-seen query, metadata, the one
    # count-by query that confirms the listed names have a series now (the label tables' query; here
    # no selector has a matcher, so it is asked for that alone), and how much data it holds (names
    # over the lookback's start, then its own lowest timestamp) — nothing else twice
    assert seen.count("/api/v1/label/__name__/values") == 4 and seen.count("/api/v1/rules") == 2
    assert seen.count("/api/v1/metadata") == 2 and seen.count("/api/v1/series") == 2
    assert seen.count("/api/v1/query") == 6, seen
    assert len(seen) == 16, seen


@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_rules_endpoint_is_not_a_missing_capability(prometheus, probe, status):
    """Only 'not served here' (404, 405, 501) degrades; a server error still means unknown: never a guess."""
    with CapabilityProxy(prometheus.url, withhold=["/api/v1/rules"], status=status) as proxy:
        result = CliRunner().invoke(cli, ["validate", str(probe), "--prometheus-url", proxy.url])
    assert result.exit_code == 2, result.output
    assert f"answered an error: HTTP {status}" in result.stderr
    assert "missing" not in result.stdout


def test_a_failing_history_is_asked_once_per_run(prometheus, probe):
    """How much data the server holds is asked by classify (a name never seen), by the selector
    judging and by a `label_values(label)` dropdown; when that question fails, a run waits for it once,
    not once per asker (each wait can be the whole --timeout: three before), and says it could not
    tell. HTTP 500, which the client does not retry (a 503 is asked twice within one question)."""
    model = json.loads((probe / "probe.json").read_text())
    model["templating"] = {"list": [{"name": "shard", "type": "query", "query": "label_values(vobs_no_such_label)",
                                     "datasource": {"type": "prometheus", "uid": "p"}}]}
    model["panels"].append({"id": 9, "type": "timeseries", "title": "sel", "datasource": {"type": "prometheus", "uid": "p"},
                            "targets": [{"refId": "A", "expr": 'maximus_dopamine_level{environment="vobs-none"}'}]})
    (probe / "probe.json").write_text(json.dumps(model))
    with CapabilityProxy(prometheus.url, withhold_queries=["prometheus_tsdb_lowest_timestamp_seconds"],
                         status=500) as proxy:
        result = CliRunner().invoke(cli, ["validate", str(probe), "--prometheus-url", proxy.url, "--format", "json"])
        withheld = list(proxy.withheld)
    report = json.loads(result.stdout)
    assert len(withheld) == 1, withheld
    checks = {f["check"] for f in report["findings"]}
    assert {"metric/missing", "variable/label-missing"} <= checks, checks  # still judged, by what is known
    assert not [f for f in report["findings"] if "in the last" in f["message"]]  # never a window it cannot tell:
    untold = [f["check"] for f in report["findings"] if "(how much data it holds could not be checked)" in f["message"]]
    assert sorted(untold) == ["metric/missing", "metric/no-matching-series", "variable/label-missing"], report


THANOS = "partial response: store 10.0.0.7:10901 unreachable (context deadline exceeded)"


@pytest.mark.parametrize("backend", ["prometheus", "victoria"])
@pytest.mark.parametrize("marker", ["/api/v1/label/__name__/values", "count by"])
def test_warnings_in_answers_are_said_once(request, backend, probe, marker):
    """A Thanos query layer that cannot reach a store answers what it could, with `warnings`: vobs
    read only `data`, so names it never saw were "missing" with nothing to say the answer was partial.
    Now one `source/incomplete` warning quotes them — from a JSON answer read whole (the names) and
    from the label tables' answer read row by row (`count by`), where they come after the rows."""
    server = request.getfixturevalue(backend)
    hostile = "store \x1b[31mB\x1b[0m down\nsecond line"
    with CapabilityProxy(server.url, warn_on=[marker], warnings=[THANOS, THANOS, hostile]) as proxy:
        code, report, text = _validate(proxy.url, probe)
        audit = CliRunner().invoke(cli, ["audit", str(probe), "--prometheus-url", proxy.url, "--format", "markdown"])
    assert f'warned that its answers may be incomplete: "{THANOS}"' in audit.stdout, audit.output  # the audit says it too
    said = [f for f in report["findings"] if f["check"] == "source/incomplete"]
    assert len(said) == 1, report["findings"]
    assert said[0]["severity"] == "warning" and said[0]["details"]["warnings"] == [THANOS, hostile]
    message = said[0]["message"]
    assert message.startswith(f"{report['source']} warned that its answers may be incomplete: \"{THANOS}\"; "
                              '"store \\x1b[31mB\\x1b[0m down second line" — '), message  # escaped, on one line
    assert "\x1b" not in text and "\x1b" not in said[0]["message"]
    assert "may exist where it could not look" in said[0]["message"]
    assert code == 1  # the run's outcome stands: the spike counter is still reported missing


@pytest.mark.parametrize("marker", ["/api/v1/label/__name__/values", "count by"])
def test_a_victoriametrics_cluster_partial_answer_is_said(victoria, probe, marker):
    """A VictoriaMetrics cluster whose vmselect cannot reach a vmstorage node answers `success` with
    `"isPartial": true` (before `data`) and no `warnings`: read, it is one `source/incomplete`."""
    from vertice_obs.metrics.promql_wire import PARTIAL

    with CapabilityProxy(victoria.url, partial_on=[marker]) as proxy:
        code, report, _ = _validate(proxy.url, probe)
    said = [f for f in report["findings"] if f["check"] == "source/incomplete"]
    assert len(said) == 1 and said[0]["details"]["warnings"] == [PARTIAL], report["findings"]
    assert f'warned that its answers may be incomplete: "{PARTIAL}"' in said[0]["message"]
    assert code == 1  # the rest is judged as before: the spike counter is still missing


def test_a_partial_answer_that_changed_no_finding_is_info(prometheus, tmp_path):
    """A partial answer holds less, never more: when nothing was found missing or empty it changed no
    finding, and `--fail-on warning` CI runs failed on every Thanos hiccup. Then it is info (exit 0);
    with a missing metric in the same run it stays a warning (the other test)."""
    said, code = _partial_for(prometheus, tmp_path, "maximus_dopamine_level")
    assert code == 0 and said["severity"] == "info", said
    assert said["message"].endswith(f'"{THANOS}" — nothing was found missing or empty, so it changed no finding')


def test_a_partial_answer_with_only_an_unrecorded_rule_output_stays_a_warning(prometheus, tmp_path):
    """`metric/recording-rule` says a rule's output has no series: an absence a partial answer can
    make (the store holding its series unreachable), so source/incomplete is no info beside it."""
    said, _ = _partial_for(prometheus, tmp_path, NEVER_RECORDED, RECORDED)
    assert said["severity"] == "warning" and "may exist where it could not look" in said["message"], said


def _partial_for(prometheus, folder: Path, *exprs: str) -> tuple[dict, int]:
    """The one source/incomplete finding of a validate run whose answers all carried a warning, and its exit."""
    (folder / "d.json").write_text(json.dumps({"uid": "d", "title": "D", "panels": [
        {"id": i, "type": "timeseries", "title": f"p{i}", "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A", "expr": e}]} for i, e in enumerate(exprs, 1)]}))
    with CapabilityProxy(prometheus.url, warn_on=["count by"], warnings=[THANOS]) as proxy:
        result = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", proxy.url, "--format", "json",
                                          "--fail-on", "warning", "--disable", "datasource/not-variable"])
    findings = json.loads(result.stdout)["findings"]
    (said,) = [f for f in findings if f["check"] == "source/incomplete"]
    judged = {f["check"] for f in findings if f["check"].startswith(("metric/", "variable/"))}
    assert judged <= {"metric/present", "metric/recording-rule"}, findings  # nothing else found absent
    return said, result.exit_code


def test_answers_without_warnings_say_nothing_of_them(prometheus, probe):
    _, report, _ = _validate(prometheus.url, probe)
    assert "source/incomplete" not in {f["check"] for f in report["findings"]}


def test_many_warnings_are_counted_and_a_secret_in_one_is_not_shown():
    """The first three distinct warnings are quoted, the rest counted; a registered secret a proxy
    echoes in one (its own token, say) is redacted like any other server text."""
    from vertice_obs.guard.secrets import register
    from vertice_obs.metrics.classify import Evidence
    from vertice_obs.metrics.evidence import incomplete

    register("vobs-test-secret-4d1f")

    class Partial:  # a deliberately warning source: only what `incomplete` reads
        description = "Prometheus at http://thanos:9090"
        warnings = ["token vobs-test-secret-4d1f refused by store A", "w1", "w1", "w2", *(f"x{i}" for i in range(30))]

    (said,) = incomplete(Partial(), Evidence(source="Prometheus at http://thanos:9090", names=frozenset()))
    assert "vobs-test-secret-4d1f" not in said.message and "vobs-test-secret-4d1f" not in str(said.to_dict())
    assert '"w1"; "w2" (and 30 more) — ' in said.message, said.message
    assert said.to_dict()["details"]["warnings"][1:] == ["w1", "w2", *(f"x{i}" for i in range(17))]  # 20 kept

    class Flood:  # one warning of a megabyte (a server echoing vobs' own 1 MB regex), then 100,000 more:
        description = "Prometheus at http://thanos:9090"  # each kept one is cut before it is redacted,
        warnings = ["A" * 1_000_000 + "\x1b[2J", *(f"y{i}" for i in range(100_000))]  # none other is

    (flood,) = incomplete(Flood(), Evidence(source="Prometheus at http://thanos:9090", names=frozenset()))
    kept = flood.to_dict()["details"]["warnings"]
    assert len(kept) == 20 and len(kept[0]) == 2000 and "(and 99998 more)" in flood.message
