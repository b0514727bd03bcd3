"""`variable/label-missing` (issue 10, variables): a query variable whose `label_values(q, label)`
lists a label no series of q's metrics carries has a dropdown that can never fill.

Table-driven on the real backends (Debian's Prometheus and VictoriaMetrics, scraping the two
simulators of conftest.py: `maximus_dopamine_level` carries environment, instance, job,
service_name, …, never `region`), and offline against a catalog's labels. False positives stay
clean: a carried label, a label only one side of an `or` carries, a label `label_replace` makes,
a label written as a variable, the one-argument `label_values(label)`, a metric with no series.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from vertice_obs.metrics.catalog import MetricCatalog, MetricSpec
from vertice_obs.metrics.evidence import CatalogSource
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate

LEVEL = "maximus_dopamine_level"
SKILL = "maximus_skill_success_rate"
CHECK = "variable/label-missing"

# (variable name, its query, flagged?)
CASES = [
    ("carried", f"label_values({LEVEL}, environment)", False),
    ("typo", f"label_values({LEVEL}, enviroment)", True),
    ("with a selector", f'label_values({LEVEL}{{environment="dev"}}, region)', True),
    ("spaced", f"label_values( {LEVEL} ,  region )", True),
    ("either side carries it", f"label_values({LEVEL} or {SKILL}, skill_name)", False),
    ("made by label_replace", f'label_values(label_replace({LEVEL}, "region", "eu", "", ""), region)', False),
    ("label as a variable", f"label_values({LEVEL}, $label)", False),
    ("no metric", "label_values(region)", False),
    ("no series has the name", "label_values(maximus_nope_total, region)", False),  # metric/missing says it
    ("query_result", f"query_result({LEVEL})", False),
]


def _write(folder) -> None:
    variables = [{"type": "query", "name": name.replace(" ", "_"), "refresh": 1,
                  "datasource": {"type": "prometheus", "uid": "prom"}, "query": {"query": query, "refId": "V"}}
                 for name, query, _ in CASES]
    variables.append({"type": "custom", "name": "label", "query": "region", "current": {"value": "region"},
                      "options": [{"value": "region"}]})
    model = {"uid": "dropdowns", "title": "Dropdowns", "templating": {"list": variables}, "panels": [
        {"id": 1, "type": "stat", "title": "Level", "targets": [{"refId": "A", "expr": LEVEL}]}]}
    (folder / "dropdowns.json").write_text(json.dumps(model, indent=2))


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def dropdown_findings(request, tmp_path_factory, catalog):
    backend = request.getfixturevalue(request.param)
    folder = tmp_path_factory.mktemp("dropdowns")
    _write(folder)
    return validate(collect(load_dashboard_files([folder])), PrometheusSource(backend.url), catalog,
                    timedelta(days=7)).findings


@pytest.mark.parametrize("name,query,flagged", CASES, ids=[c[0] for c in CASES])
def test_a_dropdown_label_no_series_carries(dropdown_findings, name, query, flagged):
    target = f"variable {name.replace(' ', '_')}"
    got = [f for f in dropdown_findings if f.check == CHECK and f.location.target == target]
    assert len(got) == (1 if flagged else 0), [f.message for f in got]


def test_the_finding_says_what_the_metric_carries_and_stands_at_the_query(dropdown_findings):
    (typo,) = [f for f in dropdown_findings if f.check == CHECK and f.location.target == "variable typo"]
    assert typo.message.startswith(f"$typo lists the values of 'enviroment' (label_values), but no series of {LEVEL} "
                                   "carries that label: its dropdown stays empty (the labels of "
                                   f"{LEVEL}: environment, instance, job, ")
    assert typo.severity.name == "WARNING"
    assert dict(typo.details)["variable"] == "typo" and dict(typo.details)["label"] == "enviroment"
    text = (typo.location.file and open(typo.location.file, encoding="utf-8").read().splitlines())
    assert f"label_values({LEVEL}, enviroment)" in text[typo.location.line - 1]  # the query's own line


def test_offline_the_catalog_labels_judge_the_dropdown(tmp_path):
    catalog = MetricCatalog("c.yaml", (MetricSpec(LEVEL, "gauge", "ratio", "h", "team", labels=("mode",)),),
                            common_labels=("environment",))
    _write(tmp_path)
    findings = validate(collect(load_dashboard_files([tmp_path])), CatalogSource(catalog), catalog,
                        timedelta(days=7)).findings
    flagged = {f.location.target for f in findings if f.check == CHECK}
    assert flagged == {"variable typo", "variable with_a_selector", "variable spaced"}


def test_the_summary_counts_the_dropdowns_that_stay_empty(tmp_path, prometheus):
    """With a dropdown finding alone, the summary read `… : 3 present; dashboard lints: clean` (trial 12)."""
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    _write(tmp_path)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url])
    summary = done.stdout.splitlines()[-1]
    assert ", 3 variable/label-missing; dashboard lints: " in summary and summary.startswith("checked "), summary
