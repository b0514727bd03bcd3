"""`variable/label-missing` (issue 10, variables): a query variable whose `label_values(q, label)`
lists a label no series of q's metrics carries has a dropdown that can never fill.

Table-driven on the real backends (Debian's Prometheus and VictoriaMetrics, scraping the two
simulators of conftest.py: `maximus_dopamine_level` carries environment, instance, job,
service_name, …, never `region`), and offline against a catalog's labels. False positives stay
clean: a carried label, a label only one side of an `or` carries, a label `label_replace` makes,
a label written as a variable, a metric with no series. `label_values(label)` and a selector that
names no metric are judged over every series: a label none carried within the lookback.
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
    # no metric named: the label over every series (`/api/v1/labels` over the lookback)
    ("no metric", "label_values(region)", True),
    ("no metric carried", "label_values(environment)", False),
    ("no metric name", 'label_values({environment="dev"}, region)', True),
    ("no metric name carried", 'label_values({environment="dev"}, environment)', False),
    ("no metric as a variable", "label_values($label)", False),
    ("nothing before the comma", "label_values(, region)", False),  # not Grafana's label_values form
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


def test_a_label_over_every_series_says_the_window_and_stands_at_the_query(dropdown_findings):
    (anywhere,) = [f for f in dropdown_findings if f.check == CHECK and f.location.target == "variable no_metric"]
    assert anywhere.message.startswith("$no_metric lists the values of 'region' (label_values), but no series "
                                       "carried it in the "), anywhere.message
    assert anywhere.message.endswith(" lookback): its dropdown stays empty")  # the minutes the test server holds
    assert dict(anywhere.details) == {"query": "label_values(region)", "label": "region", "variable": "no_metric"}
    assert anywhere.metric is None and anywhere.location.line is not None


def test_offline_the_catalog_labels_judge_the_dropdown(tmp_path):
    catalog = MetricCatalog("c.yaml", (MetricSpec(LEVEL, "gauge", "ratio", "h", "team", labels=("mode",)),),
                            common_labels=("environment",))
    _write(tmp_path)
    findings = validate(collect(load_dashboard_files([tmp_path])), CatalogSource(catalog), catalog,
                        timedelta(days=7)).findings
    flagged = {f.location.target for f in findings if f.check == CHECK}
    assert flagged == {"variable typo", "variable with_a_selector", "variable spaced", "variable no_metric",
                       "variable no_metric_name"}
    (anywhere,) = [f for f in findings if f.check == CHECK and f.location.target == "variable no_metric"]
    assert anywhere.message == ("$no_metric lists the values of 'region' (label_values), but no metric of the "
                                "metric catalog c.yaml carries it (list it in common_labels if relabelling or "
                                "external labels set it): its dropdown stays empty")


def test_the_summary_counts_the_dropdowns_that_stay_empty(tmp_path, prometheus):
    """With a dropdown finding alone, the summary read `… : 3 present; dashboard lints: clean` (trial 12)."""
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    _write(tmp_path)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url])
    summary = done.stdout.splitlines()[-1]
    assert ", 5 variable/label-missing, 2 variable/not-a-selector; dashboard lints: " in summary, summary


# (variable query, refused by Prometheus as match[]?) — held against the real servers below
SELECTOR_CASES = [
    (f"label_values({LEVEL}, environment)", False),
    (f'label_values({LEVEL}{{environment=~"dev|staging"}}, environment)', False),
    ('label_values({__name__="' + LEVEL + '", environment="dev"}, environment)', False),
    (f"label_values(rate({LEVEL}[5m]), environment)", True),
    (f"label_values(sum by (environment) ({LEVEL}), environment)", True),
    (f"label_values({LEVEL} or {SKILL}, environment)", True),
    (f"label_values({LEVEL} offset 5m, environment)", True),
    (f"label_values({LEVEL}[5m], environment)", True),
]
# `(x)`: Prometheus refuses it as match[], VictoriaMetrics takes it; vobs, not knowing which it talks to
# when it reads the queries, says nothing (a missed error on Prometheus rather than a false one on VM)
PARENTHESISED = f"label_values(({LEVEL}), environment)"


@pytest.mark.parametrize("backend", ["prometheus", "victoria"])
def test_a_dropdown_query_that_is_no_series_selector_is_what_the_server_refuses(request, tmp_path, backend):
    """Grafana sends label_values' first argument as `match[]`; the finding is exactly where the real
    server refuses it (trial 12: `label_values(rate(x[5m]), cpu)` passed, its dropdown an error)."""
    import niquests

    server = request.getfixturevalue(backend)
    variables = [{"type": "query", "name": f"v{i}", "datasource": {"type": "prometheus", "uid": "p"}, "query": q}
                 for i, (q, _) in enumerate([*SELECTOR_CASES, (PARENTHESISED, None)])]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "s", "title": "S", "panels": [],
                                                 "templating": {"list": variables}}, indent=2))
    findings = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(server.url), None,
                        timedelta(days=7)).findings
    flagged = {f.location.target for f in findings if f.check == "variable/not-a-selector"}
    for i, (query, refused) in enumerate(SELECTOR_CASES):
        match = query[len("label_values("):query.rindex(",")]
        answer = niquests.get(f"{server.url}/api/v1/label/environment/values", params={"match[]": match}, timeout=10)
        assert (answer.status_code != 200) == refused, (backend, query, answer.status_code)
        assert (f"variable v{i}" in flagged) == refused, (query, flagged)
    assert f"variable v{len(SELECTOR_CASES)}" not in flagged
    refused = niquests.get(f"{server.url}/api/v1/label/environment/values", params={"match[]": f"({LEVEL})"}, timeout=10)
    assert (refused.status_code != 200) == (backend == "prometheus")  # why it is not said


def test_not_a_selector_says_what_to_list_instead():
    from vertice_obs.finding import Location
    from vertice_obs.metrics.analysis import query_facts
    from vertice_obs.metrics.inventory import Query

    at = Location(file="d.json", dashboard="d", target="variable cpu")
    (said,) = query_facts(Query("label_values(rate(node_cpu_seconds_total[5m]), cpu)", at, kind="variable"), {}).findings
    assert said.check == "variable/not-a-selector" and said.severity.name == "WARNING"
    assert said.message == ("label_values() sends rate(node_cpu_seconds_total[5m]) to Prometheus as a series selector "
                            "(match[]), which it is not: Prometheus refuses it, so $cpu's dropdown shows an error — "
                            "list the labels of the series themselves (label_values(node_cpu_seconds_total, cpu)), or "
                            "use query_result() with a regex")


def test_the_window_of_empty_dropdowns_is_asked_once_even_when_it_fails():
    """Several `label_values(label)` dropdowns left empty: how much data the source holds is asked once
    for all of them — a failing (or hanging) history lookup was asked again for each, N × --timeout."""
    from vertice_obs.finding import Location
    from vertice_obs.metrics.classify import Evidence
    from vertice_obs.metrics.evidence import SourceUnavailable
    from vertice_obs.metrics.nodata import _listed_anywhere
    from vertice_obs.metrics.series import Grouping, GroupingUse

    class NoHistory:  # a deliberately failing source: the label names answer, the history does not
        description = "Prometheus at http://p"
        asked = 0

        def labels_within(self, lookback):
            return frozenset({"job", "instance"})

        def history(self, lookback):
            NoHistory.asked += 1
            raise SourceUnavailable("Prometheus at http://p did not answer within 1s (--timeout)")

    uses = [GroupingUse(Grouping(f"region{i}", (), f"v{i}"), Location(file="d.json", line=i), f"label_values(region{i})")
            for i in range(4)] + [GroupingUse(Grouping("job", (), "jobs"), Location(file="d.json"), "label_values(job)")]
    found = _listed_anywhere(NoHistory(), Evidence(source="Prometheus at http://p", names=frozenset()), uses)
    assert [f.location.line for f in found] == [0, 1, 2, 3]  # `job` is carried
    assert NoHistory.asked == 1
    assert found[0].message == ("$v0 lists the values of 'region0' (label_values), but no series carried it within "
                                "the 7d lookback (how much data it holds could not be checked): its dropdown stays empty")


def test_a_dropdown_query_is_parsed_once(monkeypatch):
    """`variable/not-a-selector` reads the parse the query's other facts came from: no text is parsed twice
    (it parsed each dropdown's query a second time, ~1,000 parses of the 1,000-dashboard benchmark)."""
    from collections import Counter

    import promql_parser

    from vertice_obs.finding import Location
    from vertice_obs.metrics.analysis import query_facts
    from vertice_obs.metrics.inventory import Query

    parsed, parse = Counter(), promql_parser.parse
    monkeypatch.setattr(promql_parser, "parse", lambda text: (parsed.update([text]), parse(text))[1])
    at = Location(file="d.json", dashboard="d", target="variable cpu")
    refused = query_facts(Query("label_values(rate(vobs_parsed_once_total[5m]), cpu)", at, kind="variable"), {})
    taken = query_facts(Query('label_values(vobs_parsed_once_total{job="x"}, cpu)', at, kind="variable"), {})
    assert [f.check for f in refused.findings] == ["variable/not-a-selector"] and taken.findings == []
    assert parsed and max(parsed.values()) == 1, parsed


# Grafana's own pattern for a label_values() query (its Prometheus datasource's metricFindQuery)
GRAFANA_LABEL_VALUES = r"^label_values\((?:(.+),\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\)\s*$"


@pytest.mark.parametrize("query", [
    "label_values(job)", f"label_values({LEVEL}, environment)", f'label_values({LEVEL}{{a="x,y"}}, job)',
    f'label_values({LEVEL}{{a="x", b=~"p|q"}},instance)', "label_values(sum by (a, b) (x), a)",
    "label_values(x{a=\"p,q\"})", "label_values(up, $label)", "label_values(up, job )", "label_values(, job)",
    "label_values(up{a='it''s'}, job)", "label_values(up{a=`x,y`}, job)", "label_values  (up, job)",
])
def test_every_reader_of_label_values_splits_it_as_grafana_does(query):
    """One reading of `label_values(q, label)` (`promql_text.label_values_call`) serves the PromQL
    extraction, the dropdown's label and the selector check; where Grafana's own pattern takes the
    two-argument form, the q and label read here are Grafana's."""
    import re

    from vertice_obs.metrics.promql_text import _variable_promql, label_values_call

    grafana = re.match(GRAFANA_LABEL_VALUES, query)
    parts = label_values_call(query)
    if grafana and grafana.group(1) is not None:
        assert parts is not None and parts[0] == grafana.group(1) and parts[1].lstrip() == grafana.group(2)
        assert _variable_promql(query) == (grafana.group(1).strip() or None)
    if parts is not None and parts[0] is None:
        assert _variable_promql(query) is None  # label_values(label): no PromQL to extract
