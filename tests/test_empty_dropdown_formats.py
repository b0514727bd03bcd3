"""A dropdown that lists nothing, written as Grafana writes it in each format — and judged on that text.

Grafana 11/12 (scenes) gives such a variable `''`, `[]` or All over no options; the Prometheus
datasource writes `[]` as `()` when the query names no format, but each format writes its own text
(grafana/scenes `formatRegistry.ts`): `${v:pipe}`, `${v:csv}`, `${v:raw}` write `""`, `${v:lucene}`
`__empty__`, `${v:text}` "All" for All. vobs wrote `()` for every format (found in a trial), so
`{cluster="${cluster:csv}"}` — which Grafana sends as `cluster=""`, selecting the series *without*
`cluster` — was said to leave its panel with No data, and `{cluster=~"${cluster:lucene}"}` — sent as
`cluster=~"__empty__"`, selecting nothing — was said to draw. `vertice_obs/metrics/formats.py` holds
the table and its sources; `tests/test_interpolate.py` checks it cell by cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
BODY = b"""# TYPE shop_up gauge
shop_up{svc="web"} 1
shop_up{svc="db"} 1
"""
NO_CLUSTER = "label_values(shop_up, cluster)"  # shop_up carries no cluster: the dropdown lists nothing


def _variable(**extra) -> dict:
    return {"name": "cluster", "type": "query", "refresh": 2, "datasource": {"type": "prometheus", "uid": "p"},
            "query": {"query": NO_CLUSTER, "refId": "V"}, "current": {}, **extra}


def _panel(pid: int, title: str, expr: str) -> dict:
    return {"id": pid, "type": "timeseries", "title": title, "datasource": {"type": "prometheus", "uid": "p"},
            "targets": [{"refId": "A", "expr": expr}]}


DASHBOARDS = {
    "multi": {"uid": "multi", "title": "Multi", "templating": {"list": [_variable(multi=True)]}, "panels": [
        _panel(1, "CSV equality", 'shop_up{cluster="${cluster:csv}"}'),  # cluster="": every series
        _panel(2, "Pipe regex", 'shop_up{cluster=~"${cluster:pipe}"}'),  # cluster=~"": every series
        _panel(3, "Lucene", 'shop_up{cluster=~"${cluster:lucene}"}'),  # cluster=~"__empty__": none
        _panel(4, "Raw not-equal", 'shop_up{cluster!="${cluster:raw}"}'),  # cluster!="": none
        _panel(5, "No format", 'shop_up{cluster="$cluster"}'),  # cluster="()": none
    ]},
    "all": {"uid": "all", "title": "All", "templating": {"list": [_variable(includeAll=True, allValue=".*", hide=2)]},
            "panels": [
                _panel(1, "Text", 'shop_up{cluster=~"${cluster:text}"}'),  # cluster=~"All": none
                _panel(2, "Regex", 'shop_up{cluster=~"${cluster:regex}"}'),  # the allValue .*: every series
            ]},
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("empty-formats")
    for name, model in DASHBOARDS.items():
        (folder / f"{name}.json").write_text(json.dumps(model, indent=2))
    exporter = StaticExporter(BODY)
    prometheus = PrometheusServer([exporter.target], job="shop")
    try:
        prometheus.start()
        prometheus.wait_for('shop_up{svc="db"}')
        result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", str(folder), "--prometheus-url", prometheus.url,
                                          "--format", "json"])
    finally:
        prometheus.stop()
        exporter.stop()
    assert result.exit_code in (0, 1), result.output
    out = {}
    for f in json.loads(result.stdout)["findings"]:
        if f["check"] == "variable/label-missing":
            out[Path(f["location"]["file"]).stem] = f
    return out


def test_validate_judges_each_panel_on_the_text_its_format_writes(findings):
    """`cluster="${cluster:csv}"` draws (vobs said No data); `cluster=~"${cluster:lucene}"` and
    `cluster!="${cluster:raw}"` select nothing (vobs said they draw)."""
    f = findings["multi"]
    assert [p["panel"] for p in f["details"]["fills"]] == ["Lucene", "Raw not-equal", "No format"], f["message"]
    assert f["details"]["panels_drawn"] == 2, f["message"]
    assert f["message"].endswith(
        "3 panels ('Lucene', 'Raw not-equal', 'No format') use $cluster; 2 panels ('CSV equality', 'Pipe regex') use "
        '$cluster and still get data: with nothing listed, Grafana writes it as "()"; the panels\' formats write it '
        'otherwise: ${cluster:csv} as "", ${cluster:pipe} as "", ${cluster:lucene} as "__empty__", ${cluster:raw} as '
        '""'), f["message"]


def test_validate_takes_text_for_all_not_for_the_all_value(findings):
    """A hidden Include All dropdown (allValue `.*`): `${cluster:text}` is "All", which no series
    carries — a panel emptied, so a warning, not the information a dropdown emptying nothing is."""
    f = findings["all"]
    assert [p["panel"] for p in f["details"]["fills"]] == ["Text"], f["message"]
    assert f["details"]["panels_drawn"] == 1 and f["severity"] == "warning", f["message"]
    assert ("Grafana writes it as its allValue '.*'; the panels' formats write it otherwise: ${cluster:text} as "
            "\"All\" — a hidden variable") in f["message"]
