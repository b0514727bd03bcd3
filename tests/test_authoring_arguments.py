"""The authoring API (`vertice_obs.panels`) refuses a title, description, unit or uid that is not
text where it is passed, so the module loader reports the author's `file:line` — not a dashboard
whose panel Grafana shows without a title."""

from __future__ import annotations

import pytest

from vertice_obs import panels as p

OK = {"description": "d.", "unit": "s"}


@pytest.mark.parametrize("call,says", [
    (lambda: p.stat(42, "up", **OK), "stat(): title must be text (a str), not int 42"),
    (lambda: p.timeseries(None, ["up"], **OK), "timeseries(): title must be text (a str), not NoneType None"),
    (lambda: p.gauge(("a", "b"), "up", **OK), "gauge(): title must be text (a str), not tuple ('a', 'b')"),
    (lambda: p.bargauge("B", ["up"], description=3.5, unit="s"), "bargauge(): description must be text"),
    (lambda: p.heatmap("H", "up", description="d.", unit=1), "heatmap(): unit must be text (a str), not int 1"),
    (lambda: p.table(b"T", ["up"], **OK), "table(): title must be text (a str), not bytes b'T'"),
    (lambda: p.text(7, "markdown"), "text(): title must be text"),
    (lambda: p.text("T", ["markdown"]), "text(): markdown must be text"),
    (lambda: p.row(1), "row(): title must be text"),
    (lambda: p.dashboard(12, "T", description="d.", panels=[], environment_metric="up"),
     "dashboard(): uid must be text (a str), not int 12"),
    (lambda: p.dashboard("u", "T", description="d.", panels=[], environment_metric=None),
     "dashboard(): environment_metric must be text"),
    (lambda: p.stat("S" * 10, "up", description="d.", unit=list(range(100))), "not list [0, 1, 2, 3, 4, 5, ...]"),
])
def test_a_text_argument_of_another_type_is_refused_where_it_is_passed(call, says):
    with pytest.raises(TypeError) as raised:
        call()
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_text_arguments_are_accepted_as_before():
    panel = p.stat("Level", "up", **OK)
    assert (panel.title, panel.description) == ("Level", "d.")
    p.dashboard("u", "T", description="d.", panels=[panel, p.row("R"), p.text("N", "md")], environment_metric="up")


# Every house factory that takes queries: (factory, takes a list). A bare string is one query.
QUERY_FACTORIES = [(p.timeseries, True), (p.bargauge, True), (p.table, True),
                   (p.stat, False), (p.gauge, False), (p.heatmap, False)]


@pytest.mark.parametrize("factory,takes_list", QUERY_FACTORIES, ids=[f.__name__ for f, _ in QUERY_FACTORIES])
def test_a_bare_string_is_one_query_in_every_factory(factory, takes_list):
    """A user wrote `p.timeseries("T", "sum(x)")` and got six targets, one per character."""
    panel = factory("T", "sum(rate(x_total[5m]))", **OK)
    assert [(t.expr, t.refId) for t in panel.targets] == [("sum(rate(x_total[5m]))", "A")]
    if takes_list:  # the same panel as the list of one
        listed = factory("T", ["sum(rate(x_total[5m]))"], **OK)
        assert panel.to_json_data() == listed.to_json_data()


def test_a_bare_prom_target_is_one_query_and_a_table_string_stays_instant():
    panel = p.timeseries("T", p.prom("up", legend="{{job}}"), **OK)
    assert [(t.expr, t.legendFormat, t.refId) for t in panel.targets] == [("up", "{{job}}", "A")]
    table = p.table("T", "up", **OK)
    assert [t.instant for t in table.targets] == [True]
    assert table.transformations == [{"id": "labelsToFields", "options": {}}]  # one query: labels as columns


@pytest.mark.parametrize("call,says", [
    (lambda: p.timeseries("T", {"up", "down"}, **OK), "timeseries(): queries must be a query (text or p.prom(…)) "
                                                      "or a list of them, not set"),
    (lambda: p.bargauge("B", b"up", **OK), "bargauge(): queries must be a query (text or p.prom(…)) or a list "
                                           "of them, not bytes b'up'"),
    (lambda: p.table("T", {"q": "up"}, **OK), "table(): queries must be a query"),
    (lambda: p.timeseries("T", ["up", 3], **OK), "timeseries(): a query must be text or p.prom(…), not int 3"),
    (lambda: p.stat("S", ["up"], **OK), "stat(): a query must be text or p.prom(…), not list ['up']"),
    (lambda: p.heatmap("H", None, **OK), "heatmap(): a query must be text or p.prom(…), not NoneType None"),
])
def test_queries_that_are_no_query_are_refused_where_they_are_passed(call, says):
    with pytest.raises(TypeError) as raised:
        call()
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_a_refused_query_is_reported_at_the_authors_line(tmp_path):
    from click.testing import CliRunner
    from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

    from vertice_obs.cli import cli

    broken = DASHBOARD_A.replace("['sum(rate(sample_events_total", "{'sum(rate(sample_events_total").replace(
        "[$__rate_interval]))']", "[$__rate_interval]))'}")
    make_project(tmp_path, dashboards={"a.py": broken, "b.py": DASHBOARD_B})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("vobs: error: dashboards/a.py:6: TypeError: timeseries(): queries must be a query (text or p.prom(…)) or "
            "a list of them, not set") in result.stderr, result.stderr


def test_the_import_kit_refuses_a_bare_string_and_takes_one_target():
    """`importer.house.panel` serves panels of any datasource: a string is no target it can read
    (it became one target per character); one target dict is one query."""
    from vertice_obs.importer import house as h

    with pytest.raises(TypeError, match=r"panel\(\): queries must be a list of targets \(h\.prom\(…\)\) or one "
                                        r"target, not str 'sum\(x\)'"):
        h.panel("timeseries", "T", "sum(x)")
    assert h.panel("timeseries", "T", h.prom("sum(x)", ref_id="A"))["targets"] == [{"expr": "sum(x)", "refId": "A"}]
