"""`Finding.at` / `Location.at`: the fast `dataclasses.replace` every located query and finding goes through."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertice_obs.finding import Finding, Location, Severity

_TEXT = st.one_of(st.none(), st.text(max_size=5))
_INT = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))


@given(loc=st.builds(Location, _TEXT, _INT, _INT, _TEXT, _TEXT, _INT, _TEXT), line=_INT, column=_INT,
       metric=_TEXT, severity=st.sampled_from(list(Severity)))
def test_at_is_replace_of_line_and_column(loc, line, column, metric, severity):
    f = Finding("c/x", severity, "m", loc, metric, (("k", 1),))
    assert loc.at(line, column) == replace(loc, line=line, column=column)
    assert f.at(line, column) == replace(f, location=replace(loc, line=line, column=column))


def test_at_knows_every_field():
    """A field added to Location or Finding must be carried by `at` too: this fails until it is."""
    assert [f.name for f in fields(Location)] == ["file", "line", "column", "dashboard", "panel", "panel_id",
                                                  "target"]
    assert [f.name for f in fields(Finding)] == ["check", "severity", "message", "location", "metric", "details"]


def test_a_panel_refid_with_a_space_is_still_a_target():
    """"variable job" outside any panel is the variable; a panel query whose refId is "CPU Limit - PXC"
    (seen on a public dashboard) or even "variable job" is that panel's target, said as such."""
    assert str(Location(file="d.json", dashboard="x", target="variable job")) == "d.json → dashboard x → variable job"
    assert str(Location(file="d.json", dashboard="x", target="annotation Deploys")).endswith("→ annotation Deploys")
    assert str(Location(panel="CPU Usage", panel_id=80, target="CPU Limit - PXC")) == \
        "panel 'CPU Usage' (#80) → target CPU Limit - PXC"
    assert str(Location(panel_id=3, target="variable job")) == "panel #3 → target variable job"


@pytest.mark.parametrize("title, panel_id, said", [
    ("", 3, "dashboard x → panel #3"), ("   ", 3, "dashboard x → panel #3"), (None, 3, "dashboard x → panel #3"),
    ("", None, "dashboard x → untitled panel"), ("Latency", 3, "dashboard x → panel 'Latency' (#3)"),
    ("untitled", None, "dashboard x → panel 'untitled'"),
])
def test_an_untitled_panel_is_named_by_its_id_not_as_empty_quotes(title, panel_id, said):
    """A new-user trial: a panel without a title was said `panel ''` (or `panel '' (#3)`) in findings."""
    assert str(Location(dashboard="x", panel=title, panel_id=panel_id)) == said


def test_a_finding_about_the_run_itself_names_no_place():
    from vertice_obs.finding import Finding, Location, Severity

    run = Finding("source/degraded", Severity.INFO, "metric types could not be checked")
    assert str(run) == "info: metric types could not be checked [source/degraded]"
    placed = Finding("metric/missing", Severity.WARNING, "gone", Location("d.json", 3))
    assert str(placed).startswith("d.json:3") and str(placed).endswith(": warning: gone [metric/missing]")


@pytest.mark.parametrize("panels,others,said", [
    ([("A", 1)], (), ("1 panel", "'A'")),
    ([("A", 1), (None, 4), ("  ", None)], (), ("3 panels", "'A', panel #4, untitled panel")),
    ([("A", 1), ("B", 2), ("C", 3), ("D", 4)], ("variable x",), ("4 panels and 1 other query", "'A', 'B', 'C' and 2 more")),
    ([], ("variable x", "annotation y"), ("2 other queries", "variable x, annotation y")),
])
def test_panels_are_counted_and_named_one_way(panels, others, said):
    """One wording for every message that counts the panels something touches (an empty dropdown's,
    an option's, an unknown value's): titles quoted, an untitled panel by its id, the rest counted."""
    from vertice_obs.finding import panels_named

    assert panels_named(panels, others) == said
