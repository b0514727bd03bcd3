"""Which live panel each desired panel is, for the diff. Pure functions over normalised panels.

A panel is known first by where it sits and what it is, then by its id: ids are no identity here —
they follow document order, so a panel added above (a story panel, an import's renumbering)
shifts every id after it. So:

1. Rows pair with rows only, never with another panel (a row "Network Traffic" and a graph
   "Network Traffic" are two things): by title, the n-th of a title with the n-th in reading
   order — where a title's count differs, the rows keeping their id first — then a row left over
   by id (a renamed row).
2. Each other panel pairs with one of its own row first (the row it is nested in when the row is
   collapsed, or the last row above it in the list when not; "the top level" above every row),
   rows paired as in 1: by title, as rows are.
3. Then with one of the same title in any row (a panel moved to another row).
4. Then by id, in its row first, then anywhere (a renamed panel).

What is left over is added (desired) or removed (live). The panels of a legacy `rows[]`
(schemaVersion < 16) sit in no row that a row panel can pair with: they pair by 3 and 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEGACY = "legacy rows[]"  # the section of a panel of a legacy `rows[]`


@dataclass(frozen=True)
class Placed:
    """A panel and where it sits: `section` is the index (in the same flat list) of the row panel
    it belongs to, None at the top level, or LEGACY."""

    panel: dict[str, Any]
    section: int | str | None = None


@dataclass(frozen=True)
class Pair:
    """A desired panel and its live counterpart (None: added). `rows` is set when the panel sits in
    another row than before: (the live row panel, the desired row panel), None for the top level."""

    live: Placed | None
    desired: Placed
    rows: tuple[Any, Any] | None = None


def placed(panels: Any, legacy: Any = None) -> list[Placed]:
    """Every panel of a dashboard, a row's nested panels after it, then those of a legacy `rows[]`
    (each in no row: LEGACY). Anything but a list of objects, as a server's JSON may have, holds none."""
    out: list[Placed] = []
    for items, top in ((panels, None), (legacy, LEGACY)):
        row = top
        for p in _list(items):
            if is_row(p):
                out.append(Placed(p, top))
                row = len(out) - 1 if top is None else LEGACY
                out.extend(Placed(child, row) for child in _list(p.get("panels")))
            else:
                out.append(Placed(p, row))
    return out


def is_row(panel: dict[str, Any]) -> bool:
    return panel.get("type") == "row"


def pairs(old: list[Placed], new: list[Placed]) -> tuple[list[Pair], list[Placed]]:
    """Each desired panel with its live one (in the desired order), and the live ones left over."""
    match = _Matching(old, new)
    rows_old = [at for at, p in enumerate(old) if is_row(p.panel)]
    rows_new = [index for index, p in enumerate(new) if is_row(p.panel)]
    match.by_title(rows_old, rows_new)
    match.by_id(rows_old, rows_new)
    # the live section of each desired one: the top level's, and each paired row's
    sections = {None: None, **{index: match.matched[index] for index in rows_new if index in match.matched}}
    rest_old = [at for at in range(len(old)) if at not in rows_old]
    rest_new = [index for index in range(len(new)) if index not in rows_new]
    groups = [([at for at in rest_old if old[at].section == was], [i for i in rest_new if new[i].section == now])
              for now, was in sections.items()]
    for olds, news in groups:
        match.by_title(olds, news)
    match.by_title(rest_old, rest_new)
    for olds, news in groups:
        match.by_id(olds, news)
    match.by_id(rest_old, rest_new)
    back = {was: now for now, was in sections.items()}
    out = []
    for index, p in enumerate(new):
        o = old[match.matched[index]] if index in match.matched else None
        moved = o is not None and o.section != LEGACY and back.get(o.section, -1) != p.section
        out.append(Pair(o, p, (_row(old, o.section), _row(new, p.section)) if moved else None))
    return out, [old[at] for at in range(len(old)) if at in match.left]


class _Matching:
    """Pairs found so far (desired index → live index) and the live panels not yet paired."""

    def __init__(self, old: list[Placed], new: list[Placed]) -> None:
        self.old, self.new = old, new
        self.matched: dict[int, int] = {}
        self.left = set(range(len(old)))

    def take(self, index: int, at: int) -> None:
        self.left.discard(at)
        self.matched[index] = at

    def by_title(self, olds: list[int], news: list[int]) -> None:
        """The n-th of a title with the n-th in reading order (document order between equals); where
        a title's count differs, the panels keeping their id first."""
        titles: dict[str, list[int]] = {}
        for index in news:
            if index not in self.matched:
                titles.setdefault(repr(self.new[index].panel.get("title")), []).append(index)
        for title, indices in titles.items():
            found = sorted((at for at in olds if at in self.left and repr(self.old[at].panel.get("title")) == title),
                           key=lambda at: reading(self.old[at].panel))
            if len(found) != len(indices):
                for index in indices:
                    at = next((at for at in found if _same_id(self.old[at].panel, self.new[index].panel)), None)
                    if at is not None:
                        found.remove(at)
                        self.take(index, at)
            for index, at in zip([i for i in indices if i not in self.matched], found):
                self.take(index, at)

    def by_id(self, olds: list[int], news: list[int]) -> None:
        for index in news:
            if index not in self.matched:
                at = next((at for at in olds if at in self.left and _same_id(self.old[at].panel, self.new[index].panel)),
                          None)
                if at is not None:
                    self.take(index, at)


def _row(panels: list[Placed], section: int | str | None) -> dict[str, Any] | None:
    return panels[section].panel if isinstance(section, int) else None


def _same_id(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("id") is not None and a.get("id") == b.get("id")


def reading(panel: dict[str, Any]) -> tuple[float, float]:
    """Where a panel is read: top to bottom, then left to right; a position that is not a number
    reads as 0."""
    grid = _dict(panel.get("gridPos"))
    y, x = grid.get("y"), grid.get("x")
    return (y if isinstance(y, (int, float)) and not isinstance(y, bool) else 0,
            x if isinstance(x, (int, float)) and not isinstance(x, bool) else 0)


def _list(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list; anything else (a server's JSON may have any shape) holds none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
