"""Ad hoc filters saved in a dashboard: Grafana adds each as a matcher to every vector selector of the
panel queries on its datasource, so a saved filter whose value no series has empties the panels.

Parsing is table-driven here; the judgement runs on the real backends (Debian's Prometheus and
VictoriaMetrics scraping the simulators, conftest.py): the same filter that matches series stays
clean, one that matches none is a finding that names the filter, and queries the filter does not
reach — another datasource, variable and annotation queries — are not judged with it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertice_obs.metrics.adhoc import adhoc_filters, filters_for, source_ref
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.series import LabelMatcher
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate

LEVEL = "maximus_dopamine_level"


def _adhoc(filters, datasource=None, name="Filters"):
    return {"name": name, "type": "adhoc", "datasource": datasource, "filters": filters}


@pytest.mark.parametrize("f, expected", [
    ({"key": "env", "operator": "=", "value": "prod"}, ("env", "=", "prod")),
    ({"key": "env", "operator": "!=", "value": "prod"}, ("env", "!=", "prod")),
    ({"key": "env", "operator": "=~", "value": "pro.*"}, ("env", "=~", "pro.*")),  # as typed: a regex
    ({"key": "env", "operator": "!~", "value": "a\\.b"}, ("env", "!~", "a\\.b")),
    ({"key": " env ", "operator": "=", "value": "x"}, ("env", "=", "x")),
    # Grafana 11's multi-value operators: the values regex-escaped, joined
    ({"key": "path", "operator": "=|", "values": ["/a.b", "c"]}, ("path", "=~", "/a\\.b|c")),
    ({"key": "path", "operator": "!=|", "values": ["x"]}, ("path", "!~", "x")),
    # what Grafana cannot apply, or vobs cannot judge: left out
    ({"key": "env", "operator": "<", "value": "5"}, None),
    ({"key": "env", "operator": "=", "value": ""}, None),
    ({"key": "env", "operator": "=", "value": 5}, None),
    ({"key": "env", "operator": "=|", "values": []}, None),
    ({"key": "", "operator": "=", "value": "x"}, None),
    ({"key": "a b", "operator": "=", "value": "x"}, None),
    ({"key": "env", "value": "x"}, None),
    ("env=prod", None),
])
def test_each_filter_is_the_matcher_grafana_adds(f, expected):
    found = adhoc_filters({"templating": {"list": [_adhoc([f])]}})
    if expected is None:
        assert found == ()
    else:
        [one] = found
        assert one.matchers == (LabelMatcher(*expected),) and one.matchers[0].via == "Filters"


@pytest.mark.parametrize("ds, ref", [
    (None, ""), ("", ""), ("default", ""), ({"type": "prometheus"}, ""), ({"uid": "abc"}, "abc"),
    ({"type": "prometheus", "uid": "${ds}"}, "$ds"), ("$ds", "$ds"), ("${ds:text}", "$ds"), ("Prom", "Prom"),
    ({"uid": 5}, ""), (["x"], ""),
])
def test_datasource_references_compare_however_they_are_written(ds, ref):
    assert source_ref(ds) == ref


def test_a_filter_reaches_only_queries_on_its_datasource():
    filters = adhoc_filters({"templating": {"list": [
        _adhoc([{"key": "env", "operator": "=", "value": "a"}], {"uid": "${ds}"}, "One"),
        _adhoc([{"key": "zone", "operator": "=", "value": "b"}], {"uid": "p2"}, "Two"),
        {"name": "not adhoc", "type": "custom", "filters": [{"key": "x", "operator": "=", "value": "y"}]}]}})
    assert [m.label for m in filters_for(filters, "$ds")] == ["env"]
    assert [m.label for m in filters_for(filters, "p2")] == ["zone"]
    assert filters_for(filters, "") == () and filters_for(filters, "p3") == ()


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                              max_size=4), max_leaves=12))
def test_any_templating_is_read_without_a_crash(value):
    """Hostile or odd JSON in `templating` gives filters or nothing, never an exception."""
    for dashboard in ({"templating": {"list": [value]}}, {"templating": {"list": [
            {"type": "adhoc", "name": "f", "filters": value, "datasource": value}]}}):
        for one in adhoc_filters(dashboard):
            assert all(isinstance(m, LabelMatcher) for m in one.matchers)


# --- on the real backends -------------------------------------------------------------------------

def _dashboard(filter_value: str) -> dict:
    def panel(i, title, expr, ds):
        return {"id": i, "type": "timeseries", "title": title, "datasource": ds,
                "targets": [{"refId": "A", "expr": expr}]}

    ds = {"type": "prometheus", "uid": "${ds}"}
    return {"uid": f"adhoc-{filter_value}", "title": "Ad hoc", "templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus"},
        _adhoc([{"key": "environment", "operator": "=", "value": filter_value}], ds),
        {"name": "v", "type": "query", "datasource": ds, "query": f"label_values({LEVEL}, environment)",
         "refresh": 0, "current": {"value": "dev"}, "options": [{"value": "dev"}]}]},
        "annotations": {"list": [{"name": "a", "enable": True, "datasource": ds,
                                  "expr": f'{LEVEL}{{environment="dev"}} > 0'}]},
        "panels": [panel(1, "bare", f"sum({LEVEL})", ds),
                   panel(2, "with matchers", f'{LEVEL}{{service_name="maximus-core"}}', ds),
                   panel(3, "fallback", f"{LEVEL} or vector(0)", ds),
                   panel(4, "other datasource", f"sum({LEVEL})", {"type": "prometheus", "uid": "elsewhere"})]}


@pytest.mark.parametrize("backend", ["prometheus", "victoria"])
def test_a_saved_filter_no_series_matches_empties_the_panels_it_reaches(request, tmp_path, backend):
    server = request.getfixturevalue(backend)
    for value in ("dev", "qa"):
        (tmp_path / f"{value}.json").write_text(json.dumps(_dashboard(value)))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(server.url), None,
                      timedelta(days=7))
    judged = {(f.location.dashboard, f.location.panel or f.location.target): f for f in result.findings
              if f.check.startswith(("metric/no-", "metric/label-missing"))}
    # dev exists: nothing to say; qa does not: the two panels it reaches, not the fallback, not the
    # panel on another datasource, not the variable's or the annotation's query
    assert sorted(judged) == [("adhoc-qa", "bare"), ("adhoc-qa", "with matchers")], sorted(judged)
    message = judged["adhoc-qa", "bare"].message
    assert message.startswith(f'environment="qa" (the ad hoc filter $Filters) matches no series of {LEVEL}: '
                              "environment has dev, staging"), message
