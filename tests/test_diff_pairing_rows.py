"""Which live panel `vobs diff` takes each desired panel for, where rows and titles repeat: a table
of small dashboards, each with the pairing it must make stated panel by panel and the words a reader
then sees (pure, in-process).

Trial 8 (#3): a collapsed row "Overview" holding a time series "Network Traffic", then a row titled
"Network Traffic" — as Node Exporter Full (uid rYdddlPWk) has — read `'Network Traffic': ['type']
row → timeseries` and `target A added`, and the mirror image, with nothing changed: the diff paired
by title across the whole dashboard, a row with a panel. Now a row pairs with a row only, and a
panel with one of its own row first (`grafana/pairing.py`).

Each panel of a case carries a `_k` key, its name in the expected pairing (never read by the
pairing; taken out before the diff).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from vertice_obs.grafana.diff import diff_dashboard
from vertice_obs.grafana.pairing import pairs, placed


def panel(k, title, id=None, y=0, x=0, h=8, expr="up", **rest):
    return {"_k": k, "type": "timeseries", "title": title, **({"id": id} if id is not None else {}),
            "gridPos": {"x": x, "y": y, "w": 12, "h": h}, "targets": [{"refId": "A", "expr": expr}], **rest}


def row(k, title, id=None, y=0, panels=None, **rest):
    """A collapsed row holding `panels`, or — `panels=None` — an open one (its panels follow it)."""
    return {"_k": k, "type": "row", "title": title, **({"id": id} if id is not None else {}),
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
            **({"collapsed": True, "panels": panels} if panels is not None else {"collapsed": False}), **rest}


@dataclass
class Case:
    name: str
    live: list
    desired: list
    pairing: dict  # desired `_k` → live `_k` (None: added)
    removed: list = field(default_factory=list)  # live `_k`s left over
    changes: list = field(default_factory=list)  # what `vobs diff` says ([] for an unchanged dashboard)
    legacy: list | None = None  # the live dashboard's legacy rows[] instead of `live`


CASES = [
    Case(
        "a row and a panel with one title (trial 8 #3, Node Exporter Full)",
        live=[row("overview", "Overview", 1, 0, [panel("traffic", "Network Traffic", 2, y=433)]),
              row("traffic-row", "Network Traffic", 3, 2, [panel("drops", "Drops", 4, y=2)])],
        # as an import renumbers them: every id shifted
        desired=[row("overview", "Overview", 11, 0, [panel("traffic", "Network Traffic", 12, y=433)]),
                 row("traffic-row", "Network Traffic", 13, 2, [panel("drops", "Drops", 14, y=2)])],
        pairing={"overview": "overview", "traffic": "traffic", "traffic-row": "traffic-row", "drops": "drops"},
        changes=["changed (key order or defaults only)"],  # the ids alone
    ),
    Case(
        "the row first, then the panel of its title in a later row",
        live=[row("traffic-row", "Network Traffic", 1, 0, [panel("drops", "Drops", 2, y=1)]),
              row("overview", "Overview", 3, 1, [panel("traffic", "Network Traffic", 4, y=0)])],
        desired=[row("traffic-row", "Network Traffic", 1, 0, [panel("drops", "Drops", 2, y=1)]),
                 row("overview", "Overview", 3, 1, [panel("traffic", "Network Traffic", 4, y=0, expr="up2")])],
        pairing={"traffic-row": "traffic-row", "drops": "drops", "overview": "overview", "traffic": "traffic"},
        changes=["panel 'Network Traffic': target A expr `up` → `up2`"],
    ),
    Case(
        "same titles in different rows: each with the one of its own row",
        # collapsed rows keep their panels' old positions: by reading order across the dashboard,
        # Beta's CPU (y 10) came before Alpha's (y 50)
        live=[row("alpha", "Alpha", 1, 0, [panel("alpha-cpu", "CPU", 2, y=50, expr="alpha")]),
              row("beta", "Beta", 3, 1, [panel("beta-cpu", "CPU", 4, y=10, expr="beta")])],
        desired=[row("alpha", "Alpha", 1, 0, [panel("alpha-cpu", "CPU", 2, y=50, expr="alpha2")]),
                 row("beta", "Beta", 3, 1, [panel("beta-cpu", "CPU", 4, y=10, expr="beta")])],
        pairing={"alpha": "alpha", "alpha-cpu": "alpha-cpu", "beta": "beta", "beta-cpu": "beta-cpu"},
        changes=["panel 'CPU': target A expr `alpha` → `alpha2`"],
    ),
    Case(
        "duplicate titles: the n-th of its row in reading order, a new one in its own row added",
        live=[row("r1", "R1", 1, 0), panel("load-1m", "Load", 2, y=1, expr="1m"),
              panel("load-5m", "Load", 3, y=1, x=12, expr="5m"),
              row("r2", "R2", 4, 9), panel("load-15m", "Load", 5, y=10, expr="15m")],
        # renumbered, and a third Load in R1: across the dashboard, the n-th Load in reading order
        # would have taken R2's for the new one
        desired=[row("r1", "R1", 11, 0), panel("load-1m", "Load", 12, y=1, expr="1m"),
                 panel("load-5m", "Load", 13, y=1, x=12, expr="5m"), panel("load-new", "Load", 14, y=9, expr="new"),
                 row("r2", "R2", 15, 17), panel("load-15m", "Load", 16, y=18, expr="15m")],
        pairing={"r1": "r1", "load-1m": "load-1m", "load-5m": "load-5m", "load-new": None, "r2": "r2",
                 "load-15m": "load-15m"},
        changes=["panel 'Load' added", "panel 'R2' moved: (0,9 24×1) → (0,17 24×1)",
                 "panel 'Load' moved: (0,10 12×8) → (0,18 12×8)"],
    ),
    Case(
        "a panel moved to another row: paired, and the rows named",
        live=[row("a", "A", 1, 0, [panel("disk", "Disk", 2, y=1)]), row("b", "B", 3, 1, [])],
        desired=[row("a", "A", 1, 0, []), row("b", "B", 3, 1, [panel("disk", "Disk", 2, y=2)])],
        pairing={"a": "a", "b": "b", "disk": "disk"},
        changes=["panel 'Disk' moved from row 'A' to row 'B'", "panel 'Disk' moved: (0,1 12×8) → (0,2 12×8)"],
    ),
    Case(
        "a panel moved into a row from the top level, and one out of a row",
        live=[panel("in", "In", 1, y=0), row("r", "R", 2, 8), panel("out", "Out", 3, y=9)],
        desired=[panel("out", "Out", 3, y=0), row("r", "R", 2, 8), panel("in", "In", 1, y=9)],
        pairing={"out": "out", "r": "r", "in": "in"},
        changes=["panel 'Out' moved out of row 'R'", "panel 'Out' moved: (0,9 12×8) → (0,0 12×8)",
                 "panel 'In' moved into row 'R'", "panel 'In' moved: (0,0 12×8) → (0,9 12×8)"],
    ),
    Case(
        "a row collapsed in Grafana keeps its panels: open, they follow it; collapsed, it holds them",
        live=[row("r", "R", 1, 0), panel("p", "P", 2, y=1)],
        desired=[row("r", "R", 1, 0, [panel("p", "P", 2, y=1)])],
        pairing={"r": "r", "p": "p"},
        changes=["panel 'R': ['collapsed'] false → true"],
    ),
    Case(
        "a renamed panel: by its id, in its row",
        live=[row("r", "R", 1, 0, [panel("p", "Old", 2, y=1), panel("q", "Other", 3, y=9)])],
        desired=[row("r", "R", 1, 0, [panel("p", "New", 2, y=1), panel("q", "Other", 3, y=9)])],
        pairing={"r": "r", "p": "p", "q": "q"},
        changes=["panel 'Old' renamed to 'New'"],
    ),
    Case(
        "a renamed row keeps its id, and its panels stay in it",
        live=[row("r", "Old row", 1, 0, [panel("p", "P", 2, y=1)])],
        desired=[row("r", "New row", 1, 0, [panel("p", "P", 2, y=1)])],
        pairing={"r": "r", "p": "p"},
        changes=["panel 'Old row' renamed to 'New row'"],
    ),
    Case(
        "a panel renamed and renumbered is nothing it was: added, and the old one removed",
        live=[panel("p", "Old", 1)],
        desired=[panel("p2", "New", 2)],
        pairing={"p2": None},
        removed=["p"],
        changes=["panel 'New' added", "panel 'Old' removed"],
    ),
    Case(
        "a row never pairs with a panel, even by id",
        live=[panel("p", "P", 1, y=0)],
        desired=[row("r", "P", 1, 0, [])],
        pairing={"r": None},
        removed=["p"],
        changes=["panel 'P' added", "panel 'P' removed"],
    ),
    Case(
        "a legacy row's panels pair with their migrations, placed where there was no position",
        live=None,
        legacy=[{"title": "R1", "showTitle": True, "panels": [
            {"_k": "rate", "id": 1, "type": "timeseries", "title": "Rate", "span": 6}]}],
        desired=[row("r1", "R1", 1, 0), {"_k": "rate", "id": 2, "type": "timeseries", "title": "Rate",
                                         "gridPos": {"x": 0, "y": 1, "w": 12, "h": 7}}],
        pairing={"r1": None, "rate": "rate"},
        changes=["panel 'R1' added", "panel 'Rate' placed at (0,1 12×7) (no position before: a legacy row)",
                 "panel 'Rate': ['span'] removed", "dashboard: ['rows'] removed"],
    ),
]


def _live(case: Case) -> dict:
    return {"title": "T", **({"rows": case.legacy} if case.legacy is not None else {"panels": case.live})}


def _unkeyed(value):
    if isinstance(value, dict):
        return {k: _unkeyed(v) for k, v in value.items() if k != "_k"}
    return [_unkeyed(v) for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_desired_panel_pairs_with_the_stated_live_one(case: Case):
    live = _live(case)
    legacy = [p for r in live.get("rows", []) for p in r["panels"]]
    found, left = pairs(placed(live.get("panels"), legacy), placed(case.desired))
    assert {p.desired.panel["_k"]: p.live.panel["_k"] if p.live else None for p in found} == case.pairing
    assert [p.panel["_k"] for p in left] == case.removed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_what_the_diff_says_of_each_pairing(case: Case):
    result = diff_dashboard("u", _unkeyed({"title": "T", "panels": case.desired}), _unkeyed(_live(case)))
    assert result.changes == case.changes
