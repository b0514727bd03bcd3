"""An audit action names what selects nothing — the selector, or the dropdown — and keeps apart the
causes of one metric's problems, each with its own count: against a real VictoriaMetrics.

A new-user trial (trial 19, VictoriaMetrics' own dashboards on Debian's VictoriaMetrics, whose
`vm_app_version` has no `version` label) found the headline `vm_app_version label-missing — 150
panels and 4 variables` merging two causes without naming either: `$job`'s query
`label_values(vm_app_version{version=~"victoria-metrics-.*"}, job)` lists nothing, so every panel
using `$job` is empty, and an unused `$version` dropdown lists the label `version`. The variables
here are the trial dashboard's (`vm-victoriametrics.json`), its panels cut to four.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from prometheus_harness import StaticExporter
from victoria_harness import VictoriaMetricsServer

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
BODY = b"""# TYPE vm_app_version gauge
vm_app_version{short_version="v1.93.4"} 1
# TYPE vm_rows_inserted_total counter
vm_rows_inserted_total{type="promremotewrite"} 5
"""
DS = {"type": "prometheus", "uid": "${ds}"}


def _variable(name: str, query: str, **more) -> dict:
    return {"name": name, "type": "query", "datasource": DS, "refresh": 1, "definition": query,
            "query": {"query": query, "refId": f"VictoriaMetrics-{name}-Variable-Query"}, **more}


DASHBOARD = {"uid": "vm", "title": "VictoriaMetrics", "schemaVersion": 39, "templating": {"list": [
    {"name": "ds", "type": "datasource", "query": "prometheus", "current": {"text": "prometheus", "value": "P1"}},
    _variable("job", 'label_values(vm_app_version{version=~"victoria-metrics-.*"}, job)',
              current={"text": "vmsingle-homelab", "value": "vmsingle-homelab"}),
    _variable("version", 'label_values(vm_app_version{job=~"$job", instance=~"$instance"},  version)',
              current={"text": "v1.132.0", "value": "v1.132.0"}),
    _variable("instance", 'label_values(vm_app_version{job=~"$job"}, instance)', includeAll=True, multi=True,
              allValue=".*", current={"text": "All", "value": "$__all"})]},
    "panels": [{"id": i, "type": "timeseries", "title": title, "datasource": DS, "targets": [{"refId": "A", "expr": expr}]}
               for i, (title, expr) in enumerate([
                   ("Ingestion rate", 'sum(rate(vm_rows_inserted_total{job=~"$job", instance=~"$instance"}[5m]))'),
                   ("Rows by type", 'sum by (type) (vm_rows_inserted_total{job=~"$job"})'),
                   ("Version", 'vm_app_version{job=~"$job", instance=~"$instance"}'),
                   # the same cause in another selector: one cause, the selector cut to its matcher
                   ("Build", 'vm_app_version{short_version!="", version=~"victoria-metrics-.*"}')], 1)]}
JOB = 'vm_app_version{version=~"victoria-metrics-.*"}'


@pytest.fixture(scope="module")
def report():
    exporter = StaticExporter(BODY)
    vm = VictoriaMetricsServer([exporter.target]).start()
    try:
        vm.wait_for("vm_rows_inserted_total")
        out = {}
        folder = Path(vm.dir) / "dashboards"
        folder.mkdir()
        (folder / "vm.json").write_text(json.dumps(DASHBOARD, indent=2))
        for fmt in ("text", "json", "markdown"):
            done = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(folder), "--prometheus-url", vm.url,
                                            "--format", fmt])
            assert done.exit_code == 0, done.output
            out[fmt] = done.stdout
        yield out
    finally:
        vm.stop()
        exporter.stop()


def test_the_headline_names_each_cause_with_its_own_count(report):
    headline = next(line for line in report["text"].splitlines() if line.startswith("  1. "))
    assert headline == (f"  1. vm_app_version label-missing: {JOB} via $job (4 panels and 1 variable or annotation), "
                        "$version lists 'version' (1 variable or annotation) — 4 panels and 2 variables or annotations "
                        "in 1 dashboard"), headline


def test_markdown_puts_the_selectors_in_code(report):
    assert (f"1. `vm_app_version` label-missing: `{JOB}` via $job (4 panels and 1 variable or annotation), "
            "`$version lists 'version'` (1 variable or annotation) — ") in report["markdown"]


def test_json_lists_the_causes(report):
    data = json.loads(report["json"])
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "audit.schema.json").read_text())
    jsonschema.validate(data, schema)
    (action,) = [a for a in data["actions"] if a["subject"] == "vm_app_version"]
    assert action["causes"] == [
        {"status": "label-missing", "cause": JOB, "via": ["job"], "panels": 4, "dashboards": 1,
         "variables_or_annotations": 1, "panels_emptied": 4, "panels_still_drawing": 0},
        {"status": "label-missing", "cause": "$version lists 'version'", "via": [], "panels": 0, "dashboards": 1,
         "variables_or_annotations": 1, "panels_emptied": 0, "panels_still_drawing": 0}]
    assert (action["panels"], action["variables_or_annotations"]) == (4, 2)
