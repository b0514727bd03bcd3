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
