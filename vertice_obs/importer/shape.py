"""What `vobs import` requires of a dashboard's shape before it migrates anything.

Grafana itself renders a dashboard whose `panels` holds `null` or `3` as if they were not there;
an import that did the same would write a module that silently lost them. So every panel and row
must be an object and every list of them a list, and the first that is not is named by its JSON
path (the CLI turns the path into the file's line:column). Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

_KINDS = ((dict, "an object"), (list, "an array"), (str, "a string"), (bool, "a boolean"), (int, "a number"),
          (float, "a number"))


def json_kind(value: Any) -> str:
    """`a JSON array`, `a JSON string`, … — as the file says it, never Python's `list`/`str`."""
    if value is None:
        return "JSON null"
    return "a JSON " + next((name.split(" ", 1)[1] for kind, name in _KINDS if isinstance(value, kind)), "value")


def shape_problem(model: dict[str, Any]) -> tuple[tuple[Any, ...], str] | None:
    """The first part of `model` that cannot be imported as a panel or a row: (its path, why)."""
    for key in ("panels", "rows"):
        value = model.get(key)
        if value is not None and not isinstance(value, list):
            return (key,), f"`{key}` must be a list of {key}, not {json_kind(value)}"
    for i, panel in enumerate(model.get("panels") or []):
        problem = _object(("panels", i), panel, "a panel") or _children(("panels", i), panel)
        if problem:
            return problem
    for i, row in enumerate(model.get("rows") or []):
        problem = _object(("rows", i), row, "a row") or _children(("rows", i), row)
        if problem:
            return problem
    return None


def _object(path: tuple[Any, ...], value: Any, what: str) -> tuple[tuple[Any, ...], str] | None:
    if isinstance(value, dict):
        return None
    return path, f"{_shown(path)} is {json_kind(value)}, not {what} (an object)"


def _children(path: tuple[Any, ...], parent: dict[str, Any]) -> tuple[tuple[Any, ...], str] | None:
    """A row's (or a legacy row's) own `panels`."""
    value = parent.get("panels")
    if value is None:
        return None
    if not isinstance(value, list):
        return (*path, "panels"), f"{_shown((*path, 'panels'))} must be a list of panels, not {json_kind(value)}"
    for j, child in enumerate(value):
        problem = _object((*path, "panels", j), child, "a panel")
        if problem:
            return problem
    return None


def _shown(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
