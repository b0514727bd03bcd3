"""The diff's pairing (`grafana/pairing.py`) where mutmut found it unheld: a move out of or into a
row that has no counterpart, an untitled row named in a move, and the panels of a legacy `rows[]`
that hold a row panel (pure, in-process). Each test fixes the words a reader of `vobs diff` sees.
"""

from __future__ import annotations

from vertice_obs.grafana.diff import diff_dashboard
from vertice_obs.grafana.pairing import LEGACY, pairs, placed


def changes(live_panels, desired_panels):
    result = diff_dashboard("u", {"title": "T", "panels": desired_panels}, {"title": "T", "panels": live_panels})
    assert result.status == "changed", result
    return result.changes


def panel(title, id, y=1):
    return {"id": id, "title": title, "type": "timeseries", "gridPos": {"x": 0, "y": y, "w": 12, "h": 8}}


def row(title, id, y=0):
    """An open row (its panels follow it); `title=None`: a row without a `title` key, `id=None`: without an id."""
    return {"type": "row", "collapsed": False, "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
            **({"title": title} if title is not None else {}), **({"id": id} if id is not None else {})}


# --- a row left over: its panels still say where they came from -----------------------------------

def test_a_panel_whose_row_is_gone_moved_out_of_that_row():
    """The live row pairs with nothing (no title nor id of the code's): its panel, paired by title,
    left that row for the top level — not 'no move' as if it had been at the top level already."""
    assert changes([row("Old", 1), panel("P", 5)], [panel("P", 5)]) == [
        "panel 'P' moved out of row 'Old'", "panel 'Old' removed"]


def test_a_panel_whose_row_is_gone_moved_into_the_new_row_whatever_its_index():
    """The new row is the code's second panel (index 1), the old row the live's first: neither pairs,
    so the panel moved between them, whatever index either sits at."""
    live = [row("Old", 1), panel("P", 5)]
    desired = [panel("Top", 9, y=0), row("New", 2, y=8), panel("P", 5, y=9)]
    assert changes(live, desired) == [
        "panel 'Top' added", "panel 'New' added", "panel 'P' moved from row 'Old' to row 'New'",
        "panel 'P' moved: (0,1 12×8) → (0,9 12×8)", "panel 'Old' removed"]
    # the same, seen by the pairing: the rows of the move are the two row panels
    found, left = pairs(placed(live), placed(desired))
    assert [(p.desired.panel["title"], p.rows) for p in found if p.rows] == [("P", (live[0], desired[1]))]
    assert [p.panel["title"] for p in left] == ["Old"]


# --- an untitled row is named as an untitled panel is: by its id -----------------------------------

def test_an_untitled_row_in_a_move_is_named_by_its_id_never_as_an_empty_title():
    """It used to read `moved from row '' to row 'B'` (while the same row was `panel #1 removed`)."""
    for untitled in (row(None, 1), {**row("", 1)}, {**row("  ", 1)}, {**row("x", 1), "title": None}):
        assert changes([untitled, panel("P", 5)], [row("B", 2), panel("P", 5)]) == [
            "panel 'B' added", "panel 'P' moved from row #1 to row 'B'", "panel #1 removed"], untitled
    assert changes([row("A", 1), panel("P", 5)], [row(None, 2), panel("P", 5)]) == [
        "panel #2 added", "panel 'P' moved from row 'A' to row #2", "panel 'A' removed"]
    # no title and no id: what `untitled panel` is for a panel
    assert changes([row("", None), panel("P", 5)], [panel("P", 5)]) == [
        "panel 'P' moved out of untitled row", "untitled panel removed"]
    assert changes([panel("P", 5)], [row(None, None), panel("P", 5)]) == [
        "untitled panel added", "panel 'P' moved into untitled row"]
    # a title that is not text is quoted as it is
    assert changes([row(7, 1), panel("P", 5)], [row("B", 2), panel("P", 5)]) == [
        "panel 'B' added", "panel 'P' moved from row 7 to row 'B'", "panel 7 removed"]


# --- a row panel inside a legacy rows[] -----------------------------------------------------------

LEGACY_WITH_A_ROW = [
    {"type": "row", "title": "R", "id": 1, "panels": [{"title": "CPU", "type": "timeseries", "id": 2}]},
    {"title": "Mem", "type": "timeseries", "id": 3},
]


def test_every_panel_of_a_legacy_rows_list_is_in_no_row_even_a_row_panel_and_what_it_holds():
    """Schema < 16 has no row panels; one found in a legacy `rows[]` (a hand-edited model) and the
    panels it holds or that follow it are legacy panels like the others: in no row."""
    found = placed([row("Top", 9)], LEGACY_WITH_A_ROW)
    assert [(p.panel["title"], p.section) for p in found] == [
        ("Top", None), ("R", LEGACY), ("CPU", LEGACY), ("Mem", LEGACY)]


def test_a_legacy_row_panel_and_its_panels_are_placed_as_legacy_panels():
    live = {"title": "T", "rows": [{"title": "Old", "panels": LEGACY_WITH_A_ROW}]}
    desired = {"title": "T", "panels": [
        {**row("R", 1), "collapsed": True, "panels": [panel("CPU", 2)]}, panel("Mem", 3, y=2)]}
    assert diff_dashboard("u", desired, live).changes == [
        "panel 'R' placed at (0,0 24×1) (no position before: a legacy row)",
        "panel 'R': ['collapsed'] added",
        "panel 'CPU' placed at (0,1 12×8) (no position before: a legacy row)",
        "panel 'Mem' placed at (0,2 12×8) (no position before: a legacy row)",
        "dashboard: ['rows'] removed",
    ]
