"""What a dashboard's shape must be: what `vobs import` requires before it migrates anything, and
what `vobs build` requires of a module's `dashboard` before it renders it.

Grafana itself renders a dashboard whose `panels` holds `null` or `3` as if they were not there;
an import that did the same would write a module that silently lost them. So every panel and row
must be an object and every list of them a list, and each that is not is named by its JSON path
(the CLI turns the path into the file's line:column) — every one of them, so that a file with four
mistakes takes one run, not four. A part of the wrong kind is not looked into (its own parts would
only repeat the one mistake). Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

MAX_DEPTH = 100  # deeper JSON than this is not a dashboard anyone wrote (an imported module's code is written no deeper)

_KINDS = ((dict, "an object"), (list, "an array"), (str, "a string"), (bool, "a boolean"), (int, "a number"),
          (float, "a number"))


def json_kind(value: Any) -> str:
    """`a JSON array`, `a JSON string`, … — as the file says it, never Python's `list`/`str`."""
    if value is None:
        return "JSON null"
    return "a JSON " + next((name.split(" ", 1)[1] for kind, name in _KINDS if isinstance(value, kind)), "value")


Problem = tuple[tuple[Any, ...], str]
Problems = Iterator[Problem]
# The text of the value at a path as the file writes it (`1e308`, where Python would say `1e+308`), when known.
Written = Callable[[tuple[Any, ...]], "str | None"]
_GRID_LIMIT = 10_000  # grid units, for a size: Grafana's grid is 24 wide, and no panel is 10,000 rows tall
GRID_CELL = 38  # px: Grafana's row-height migration, 30 px cells plus an 8 px margin
_PX = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # a JSON number (RFC 8259)


def legacy_px(value: Any) -> float | None:
    """A legacy row's or panel's `height` in px — `250`, `"250px"` — or None when it says none
    (absent, or no number: Grafana falls back to its default). Infinite when the digits are more
    than a float holds; `shape_problems` refuses that before anything migrates."""
    if isinstance(value, str):
        match = _PX.match(value)
        return float(match.group(1)) if match else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def grid_units(px: float) -> int:
    """Grafana's migration of a legacy height: whole grid cells, at least one."""
    return max(1, math.ceil(px / GRID_CELL))


def shape_problems(model: dict[str, Any], written: Written | None = None) -> list[Problem]:
    """Every part of `model` that cannot be imported as a panel or a row, or that the module
    written from it could not render (tags, variables, a panel's size and targets, nesting deeper
    than the module's code is written): (its path, why), in the order of the dashboard's keys.
    `written`: a number's text as the file has it, quoted in place of Python's spelling of it."""
    deep = _too_deep(model)
    if deep is not None:  # nothing else is looked at: the walks below would not get to the end of it
        return [deep]
    said = written or (lambda path: None)
    return [*_top(model), *_panels(model, said), *_rows(model, said)]


def module_problem(model: dict[str, Any]) -> str | None:
    """What a module's dashboard cannot be rendered as, in one message (None: nothing): a title
    (text that is not blank: Grafana refuses a dashboard without one, "Dashboard title cannot be
    empty"), the shape `vobs import` requires (`shape_problems`: panels, rows, tags, links,
    variables, sizes and targets of the right kinds), and no legacy `rows` with panels — the render
    keeps only `panels` (Grafana 5's layout), so those would vanish without a word."""
    title = _title_problem(model.get("title"))
    problems = [] if title is None else [title]
    problems += [message for _, message in shape_problems(model)]
    rows = model.get("rows")
    if not problems and isinstance(rows, list) and any(isinstance(r, dict) and r.get("panels") for r in rows):
        problems.append("`rows` holds panels (grafanalib's legacy Row layout), which Grafana 5 and later read as "
                        "row panels in `panels`: put them there (panels=[RowPanel(...), …], each panel with its "
                        "gridPos), or `vobs import` the exported JSON, which migrates them")
    if not problems:
        return None
    return "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")


def _title_problem(title: Any) -> str | None:
    if title is None:
        return "the dashboard has no title: give it one (title=...); Grafana refuses a dashboard without one"
    if not isinstance(title, str):
        return f"title is {json_kind(title)}, not a title (text): Grafana refuses a dashboard without one"
    if not title.strip():
        return f'the dashboard\'s title {_short(title)} is blank: Grafana refuses it ("Dashboard title cannot be empty")'
    return None


def _too_deep(model: Any) -> Problem | None:
    """The first part nested deeper than a generated module is written (`codegen.MAX_DEPTH`: no
    dashboard anyone wrote comes near), found without recursion (a deep copy of it would overflow)."""
    if not _deeper(model):  # the usual answer, without a path built for every part
        return None
    stack: list[tuple[tuple[Any, ...], Any]] = [((), model)]
    while stack:
        path, node = stack.pop()
        if len(path) > MAX_DEPTH and isinstance(node, (dict, list)):
            return path, f"the dashboard is nested more than {MAX_DEPTH} levels deep here"
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend(((*path, key), value) for key, value in reversed(list(items)))
    return None


def _deeper(model: Any) -> bool:
    """Is any list or object nested more than `MAX_DEPTH` levels below `model`? Depths only: the
    walk `_too_deep` then makes, with the path, runs only when one is."""
    stack: list[tuple[int, Any]] = [(0, model)]
    while stack:
        depth, node = stack.pop()
        if depth > MAX_DEPTH:
            return True
        below = depth + 1
        stack.extend((below, child) for child in (node.values() if isinstance(node, dict) else node
                                                  if isinstance(node, list) else ())
                     if isinstance(child, (dict, list)))
    return False


def _top(model: dict[str, Any]) -> Problems:
    for key in ("panels", "rows"):
        value = model.get(key)
        if value is not None and not isinstance(value, list):
            yield (key,), f"`{key}` must be a list of {key}, not {json_kind(value)}"
    yield from _listed(("tags",), model.get("tags"), str, "a string", "tags")
    yield from _listed(("links",), model.get("links"), dict, "a link (an object)", "links")
    yield from _variables(model)


def _panels(model: dict[str, Any], said: Written) -> Problems:
    panels = model.get("panels")
    for i, panel in enumerate(panels if isinstance(panels, list) else []):
        not_object = _object(("panels", i), panel, "a panel")
        if not_object:
            yield from not_object
            continue
        yield from _panel(("panels", i), panel, said)
        yield from _children(("panels", i), panel, said)


def _rows(model: dict[str, Any], said: Written) -> Problems:
    rows = model.get("rows")
    for i, row in enumerate(rows if isinstance(rows, list) else []):
        not_object = _object(("rows", i), row, "a row")
        if not_object:
            yield from not_object
            continue
        yield from _legacy_size(("rows", i), row, said)
        yield from _children(("rows", i), row, said, legacy=True)


def _listed(path: tuple[Any, ...], value: Any, kind: type, what: str, plural: str) -> Problems:
    """`value` absent, or a list whose every item is a `kind`."""
    if value is None:
        return
    if not isinstance(value, list):
        yield path, f"{_shown(path)} must be a list of {plural}, not {json_kind(value)}"
        return
    for i, item in enumerate(value):
        if not isinstance(item, kind):
            yield (*path, i), f"{_shown((*path, i))} is {json_kind(item)}, not {what}"


def _variables(model: dict[str, Any]) -> Problems:
    templating = model.get("templating")
    if templating is None:
        return
    if not isinstance(templating, dict):
        yield ("templating",), f"templating is {json_kind(templating)}, not an object"
        return
    variables = templating.get("list")
    yield from _listed(("templating", "list"), variables, dict, "a variable (an object)", "variables")
    for i, variable in enumerate(variables if isinstance(variables, list) else []):
        if isinstance(variable, dict) and not isinstance(variable.get("name", ""), str):
            path = ("templating", "list", i, "name")
            yield path, f"{_shown(path)} is {json_kind(variable['name'])}, not a name (a string)"


def _panel(path: tuple[Any, ...], panel: dict[str, Any], said: Written) -> Problems:
    """A panel's place (`gridPos`: numbers on Grafana's grid) and its `targets` (objects). Its size
    (`w`, `h`) is carried into the module, so it is held to the grid; its position (`x`, `y`) is
    only read for the panels' order (the house layout places them again), so any number will do,
    as Grafana takes any: a collapsed row's panels keep the `y` they had when it was expanded, in
    the thousands on a long dashboard."""
    grid = panel.get("gridPos")
    if grid is not None and not isinstance(grid, dict):
        yield (*path, "gridPos"), f"{_shown((*path, 'gridPos'))} is {json_kind(grid)}, not an object"
    for key in ("h", "w", "x", "y") if isinstance(grid, dict) else ():
        value = grid.get(key)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        at = (*path, "gridPos", key)
        if key in grid and key in ("h", "w") and not (number and 0 <= value <= _GRID_LIMIT):
            shown = _short(value, said(at)) if number else json_kind(value)
            yield at, f"{_shown(at)} is {shown}, not a number of grid units from 0 to {_GRID_LIMIT:,}"
        elif key in grid and not number:
            yield at, f"{_shown(at)} is {json_kind(value)}, not a number (a place on the grid)"
    yield from _listed((*path, "targets"), panel.get("targets"), dict, "a target (an object)", "targets")


def _object(path: tuple[Any, ...], value: Any, what: str) -> list[Problem]:
    if isinstance(value, dict):
        return []
    return [(path, f"{_shown(path)} is {json_kind(value)}, not {what} (an object)")]


def _legacy_size(path: tuple[Any, ...], node: dict[str, Any], said: Written) -> Problems:
    """A legacy row's or panel's `height` (px) and a panel's `span` (of 12 columns), within the
    same bound as `gridPos` once migrated to grid units: 1e308 px is no more a height than 1e308
    grid units. Anything that is no number is left to the migration's default, as Grafana does."""
    height = legacy_px(node.get("height"))
    if height is not None and not (0 <= height <= _GRID_LIMIT * GRID_CELL):
        at = (*path, "height")
        yield at, (f"{_shown(at)} is {_short(node['height'], said(at))}, not a height from 0 to "
                   f"{_GRID_LIMIT * GRID_CELL:,} px ({_GRID_LIMIT:,} grid units)")
    span = node.get("span")
    if isinstance(span, (int, float)) and not isinstance(span, bool) and not (0 <= span <= _GRID_LIMIT / 2):
        at = (*path, "span")
        yield at, (f"{_shown(at)} is {_short(span, said(at))}, not a span from 0 to {_GRID_LIMIT // 2:,} columns "
                   f"({_GRID_LIMIT:,} grid units)")


def _short(value: Any, written: str | None = None) -> str:
    """A value as an error line quotes it, cut short when it is hundreds of digits long: a number
    as `written` in the file when known (`1e308`, not Python's `1e+308`)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    shown = written if number and written and _NUMBER.fullmatch(written) else repr(value)
    return shown if len(shown) <= 40 else shown[:30] + "…" + shown[-5:]


def _children(path: tuple[Any, ...], parent: dict[str, Any], said: Written, legacy: bool = False) -> Problems:
    """A row's (or, `legacy`, a legacy row's, each panel's `span`/`height` too) own `panels`."""
    value = parent.get("panels")
    if value is None:
        return
    if not isinstance(value, list):
        yield (*path, "panels"), f"{_shown((*path, 'panels'))} must be a list of panels, not {json_kind(value)}"
        return
    for j, child in enumerate(value):
        at = (*path, "panels", j)
        if _object(at, child, "a panel"):
            yield from _object(at, child, "a panel")
            continue
        yield from _panel(at, child, said)
        if legacy:
            yield from _legacy_size(at, child, said)


def _shown(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
