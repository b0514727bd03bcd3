"""A finding about the run, not a file — the metric source's `source/degraded` — says what it is about
in every audit format, never `<unknown location>`: against a real Prometheus that loads no rules,
asked for a name shaped like a recording rule's output.

A new-user trial (trial 19) found the HTML audit's "Could not be checked" row of `source/degraded`
with `<unknown location>` in its "where" column.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.checks import finding
from vertice_obs.cli import cli
from vertice_obs.finding import Location
from vertice_obs.metrics.audit import audit_html, audit_text, build_audit

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = {"uid": "rules", "title": "Rules", "schemaVersion": 39, "panels": [
    {"id": 1, "type": "timeseries", "title": "CPU", "datasource": {"type": "prometheus", "uid": "p"},
     "targets": [{"refId": "A", "expr": "instance:node_cpu_utilisation:rate5m"}]}]}
HEAD = "recording rules could not be checked: the backend reported no recording rules"


@pytest.fixture(scope="module")
def server():
    exporter = StaticExporter(b"# TYPE vobs_up gauge\nvobs_up 1\n")
    prometheus = PrometheusServer([exporter.target])
    try:
        prometheus.start()
        prometheus.wait_for("vobs_up")
        yield prometheus
    finally:
        prometheus.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("rules")
    (out / "rules.json").write_text(json.dumps(DASHBOARD))
    return out


def _audit(server, folder: Path, fmt: str) -> str:
    done = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(folder), "--prometheus-url", server.url,
                                    "--format", fmt])
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.mark.parametrize("fmt, line", [
    ("text", "  the metric source (Prometheus at {url}): info: " + HEAD),
    ("markdown", "- the metric source (Prometheus at {url}): info: " + HEAD),
])
def test_text_and_markdown_say_the_source(server, folder, fmt, line):
    report = _audit(server, folder, fmt)
    expected = line.format(url=server.url)
    if fmt == "markdown":
        expected = expected.replace("://", ":\u2060//")  # the one Markdown escape breaks a bare link
    assert any(row.startswith(expected) for row in report.splitlines()), report
    assert report.count(f"Prometheus at {server.url}: recording rules") == 0  # the source named once, as the place


def test_the_html_where_column_names_the_source(server, folder):
    page = _audit(server, folder, "html")
    assert "unknown location" not in page
    assert (f"<td><code>source/degraded</code></td><td>the metric source (Prometheus at {server.url})</td>"
            f"<td>{HEAD}") in page


def test_json_says_what_a_placeless_finding_is_about(server, folder):
    report = json.loads(_audit(server, folder, "json"))
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "audit.schema.json").read_text())
    jsonschema.validate(report, schema)
    (degraded,) = [f for f in report["problems"] if f["check"] == "source/degraded"]
    assert degraded["about"] == "source" and degraded["location"] == {}
    assert degraded["message"].startswith(f"Prometheus at {server.url}: {HEAD}")  # the message as validate says it
    assert all("about" not in f for f in report["other_findings"] if f["location"])


def test_a_placeless_finding_not_about_the_source_is_about_the_run():
    found = [finding("input/json", "two dashboards share a uid", Location()),
             finding("source/incomplete", "Prometheus at http://p:9090 warned that its answers may be incomplete: x",
                     Location())]
    audit = build_audit(found, {}, None, "Prometheus at http://p:9090")
    text = audit_text(audit)
    assert "  the whole run: warning: two dashboards share a uid [input/json]" in text
    assert ("  the metric source (Prometheus at http://p:9090): warning: warned that its answers may be incomplete: x "
            "[source/incomplete]") in text
    assert "unknown location" not in audit_html(audit)
