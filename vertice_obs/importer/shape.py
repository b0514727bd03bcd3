"""What `vobs import` requires of a dashboard's shape before it migrates anything.

Grafana itself renders a dashboard whose `panels` holds `null` or `3` as if they were not there;
an import that did the same would write a module that silently lost them. So every panel and row
must be an object and every list of them a list, and the first that is not is named by its JSON
path (the CLI turns the path into the file's line:column). Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

_KINDS = ((dict, "an object"), (list, "an array"), (str, "a string"), (bool, "a boolean"), (int, "a number"),
          (float, "a number"))


def json_kind(value: Any) -> str:
    """`a JSON array`, `a JSON string`, … — as the file says it, never Python's `list`/`str`."""
    if value is None:
        return "JSON null"
    return "a JSON " + next((name.split(" ", 1)[1] for kind, name in _KINDS if isinstance(value, kind)), "value")


Problem = tuple[tuple[Any, ...], str] | None
_GRID_LIMIT = 10_000  # grid units; Grafana's grid is 24 wide, and no dashboard is 10,000 rows tall
GRID_CELL = 38  # px: Grafana's row-height migration, 30 px cells plus an 8 px margin
_PX = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)")


def legacy_px(value: Any) -> float | None:
    """A legacy row's or panel's `height` in px — `250`, `"250px"` — or None when it says none
    (absent, or no number: Grafana falls back to its default). Infinite when the digits are more
    than a float holds; `legacy_problem` refuses that before anything migrates."""
    if isinstance(value, str):
        match = _PX.match(value)
        return float(match.group(1)) if match else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def grid_units(px: float) -> int:
    """Grafana's migration of a legacy height: whole grid cells, at least one."""
    return max(1, math.ceil(px / GRID_CELL))


def shape_problem(model: dict[str, Any]) -> Problem:
    """The first part of `model` that cannot be imported as a panel or a row, or that the module
    written from it could not render (tags, variables, a panel's place and targets): (its path, why)."""
    for key in ("panels", "rows"):
        value = model.get(key)
        if value is not None and not isinstance(value, list):
            return (key,), f"`{key}` must be a list of {key}, not {json_kind(value)}"
    problem = (_listed(("tags",), model.get("tags"), str, "a string", "tags")
               or _listed(("links",), model.get("links"), dict, "a link (an object)", "links") or _variables(model))
    if problem:
        return problem
    for i, panel in enumerate(model.get("panels") or []):
        problem = _object(("panels", i), panel, "a panel") or _panel(("panels", i), panel) \
            or _children(("panels", i), panel)
        if problem:
            return problem
    for i, row in enumerate(model.get("rows") or []):
        problem = _object(("rows", i), row, "a row") or _legacy_size(("rows", i), row) \
            or _children(("rows", i), row, _legacy_size)
        if problem:
            return problem
    return None


def _listed(path: tuple[Any, ...], value: Any, kind: type, what: str, plural: str) -> Problem:
    """`value` absent, or a list whose every item is a `kind`."""
    if value is None:
        return None
    if not isinstance(value, list):
        return path, f"{_shown(path)} must be a list of {plural}, not {json_kind(value)}"
    for i, item in enumerate(value):
        if not isinstance(item, kind):
            return (*path, i), f"{_shown((*path, i))} is {json_kind(item)}, not {what}"
    return None


def _variables(model: dict[str, Any]) -> Problem:
    templating = model.get("templating")
    if templating is None:
        return None
    if not isinstance(templating, dict):
        return ("templating",), f"templating is {json_kind(templating)}, not an object"
    problem = _listed(("templating", "list"), templating.get("list"), dict, "a variable (an object)", "variables")
    if problem:
        return problem
    for i, variable in enumerate(templating.get("list") or []):
        if not isinstance(variable.get("name", ""), str):
            return ("templating", "list", i, "name"), (f"{_shown(('templating', 'list', i, 'name'))} is "
                                                       f"{json_kind(variable['name'])}, not a name (a string)")
    return None


def _panel(path: tuple[Any, ...], panel: dict[str, Any]) -> Problem:
    """A panel's place (`gridPos`: numbers on Grafana's grid) and its `targets` (objects)."""
    grid = panel.get("gridPos")
    if grid is not None:
        if not isinstance(grid, dict):
            return (*path, "gridPos"), f"{_shown((*path, 'gridPos'))} is {json_kind(grid)}, not an object"
        for key in ("h", "w", "x", "y"):
            value = grid.get(key)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if key in grid and not (number and 0 <= value <= _GRID_LIMIT):
                shown = repr(value) if number else json_kind(value)
                return (*path, "gridPos", key), (f"{_shown((*path, 'gridPos', key))} is {shown}, not a number of "
                                                 f"grid units from 0 to {_GRID_LIMIT:,}")
    return _listed((*path, "targets"), panel.get("targets"), dict, "a target (an object)", "targets")


def _object(path: tuple[Any, ...], value: Any, what: str) -> Problem:
    if isinstance(value, dict):
        return None
    return path, f"{_shown(path)} is {json_kind(value)}, not {what} (an object)"


def _legacy_size(path: tuple[Any, ...], node: dict[str, Any]) -> Problem:
    """A legacy row's or panel's `height` (px) and a panel's `span` (of 12 columns), within the
    same bound as `gridPos` once migrated to grid units: 1e308 px is no more a height than 1e308
    grid units. Anything that is no number is left to the migration's default, as Grafana does."""
    height = legacy_px(node.get("height"))
    if height is not None and not (0 <= height <= _GRID_LIMIT * GRID_CELL):
        return (*path, "height"), (f"{_shown((*path, 'height'))} is {_short(node['height'])}, not a height from 0 "
                                   f"to {_GRID_LIMIT * GRID_CELL:,} px ({_GRID_LIMIT:,} grid units)")
    span = node.get("span")
    if isinstance(span, (int, float)) and not isinstance(span, bool) and not (0 <= span <= _GRID_LIMIT / 2):
        return (*path, "span"), (f"{_shown((*path, 'span'))} is {_short(span)}, not a span from 0 to "
                                 f"{_GRID_LIMIT // 2:,} columns ({_GRID_LIMIT:,} grid units)")
    return None


def _short(value: Any) -> str:
    """A value as an error line quotes it, cut short when it is hundreds of digits long."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:30] + "…" + shown[-5:]


def _children(path: tuple[Any, ...], parent: dict[str, Any],
              legacy: Callable[[tuple[Any, ...], dict[str, Any]], Problem] | None = None) -> Problem:
    """A row's (or, with `legacy` checking each one's `span`/`height`, a legacy row's) own `panels`."""
    value = parent.get("panels")
    if value is None:
        return None
    if not isinstance(value, list):
        return (*path, "panels"), f"{_shown((*path, 'panels'))} must be a list of panels, not {json_kind(value)}"
    for j, child in enumerate(value):
        problem = _object((*path, "panels", j), child, "a panel") or _panel((*path, "panels", j), child) \
            or (legacy((*path, "panels", j), child) if legacy else None)
        if problem:
            return problem
    return None


def _shown(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
