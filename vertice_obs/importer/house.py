"""The runtime kit of imported dashboards: plain-dict factories that `vobs import` writes calls to.

Each factory names what a reader cares about (title, queries, unit, thresholds, min/max, size,
repeat, links, datasource, transformations, field overrides) and takes everything else a panel
or dashboard had as `overrides`, a dict of the remaining keys, merged underneath. A value left
`None` is absent, as Grafana reads a null. Imports nothing of vobs but, if present, the kernel's
`callsite.record` (where a module made each panel, for findings at `file:line:col`): a generated
module needs only this file and the standard library.
"""

from __future__ import annotations

import copy
import reprlib
from collections.abc import Sequence
from typing import Any

try:
    from vertice_obs.callsite import record
except ImportError:  # this file on its own, beside a generated module: nothing to record for
    def record(obj):  # type: ignore[no-redef]
        return obj

SCHEMA_VERSION = 39  # as `vertice_obs.checks.dashboard_style.SCHEMA_VERSION`: Grafana 10.3 – 11.x


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def prom(expr: str, legend: str | None = None, *, ref_id: str | None = None, interval: str | None = None,
         datasource: Any = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """One query (a target): its expression, legend, ref id and interval; other target keys in
    `overrides`."""
    target = copy.deepcopy(overrides) if overrides else {}
    _put(target, "expr", expr)
    _put(target, "legendFormat", legend)
    _put(target, "refId", ref_id)
    _put(target, "interval", interval)
    _put(target, "datasource", datasource)
    return record(target)


def thresholds(steps: Sequence[tuple[float | None, str]], mode: str = "absolute") -> dict[str, Any]:
    return {"mode": mode, "steps": [{"color": color, "value": value} for value, color in steps]}


def panel(kind: str, title: str | None, queries: Sequence[dict[str, Any]] | dict[str, Any] | None = None, *,
          description: str | None = None, datasource: Any = None, unit: str | None = None,
          min: float | None = None, max: float | None = None,
          thresholds: Sequence[tuple[float | None, str]] | None = None, width: int | None = None,
          height: int | None = None, interval: str | None = None, repeat: str | None = None,
          repeat_direction: str | None = None, max_per_row: int | None = None,
          links: list | None = None, transformations: list | None = None, field_overrides: list | None = None,
          overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """One panel of any type. Size only: the house layout places panels in declared order. `queries`
    is a list of targets (`prom(…)`), or one target; a string is refused — a panel of any datasource
    cannot tell what it means, and as a list it would be one target per character."""
    if isinstance(queries, (str, bytes)):
        raise TypeError(f"panel(): queries must be a list of targets (h.prom(…)) or one target, not "
                        f"{type(queries).__name__} {reprlib.repr(queries)}")
    if isinstance(queries, dict):
        queries = [queries]
    out = copy.deepcopy(overrides) if overrides else {}
    out["type"] = kind
    _put(out, "title", title)
    _put(out, "description", description)
    _put(out, "datasource", datasource)
    _put(out, "targets", list(queries) if queries is not None else None)
    _put(out, "interval", interval)
    _put(out, "repeat", repeat)
    _put(out, "repeatDirection", repeat_direction)
    _put(out, "maxPerRow", max_per_row)
    _put(out, "links", links)
    _put(out, "transformations", transformations)
    defaults: dict[str, Any] = {}
    _put(defaults, "unit", unit)
    _put(defaults, "min", min)
    _put(defaults, "max", max)
    if thresholds is not None:
        defaults["thresholds"] = globals()["thresholds"](thresholds)
    if defaults or field_overrides is not None:
        config = out.setdefault("fieldConfig", {})
        config.setdefault("defaults", {}).update(defaults)
        _put(config, "overrides", field_overrides)
    if width is not None or height is not None:
        grid = out.setdefault("gridPos", {})
        _put(grid, "w", width)
        _put(grid, "h", height)
    return record(out)


def row(title: str | None, panels: Sequence[dict[str, Any]] = (), *, collapsed: bool = False,
        repeat: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A row header and the panels under it (inside it when `collapsed`, as Grafana keeps them)."""
    out = copy.deepcopy(overrides) if overrides else {}
    out.update(type="row", collapsed=collapsed, panels=list(panels), gridPos={"h": 1, "w": 24})
    _put(out, "title", title)
    _put(out, "repeat", repeat)
    return record(out)


def dashboard(uid: str, title: str | None, *, panels: Sequence[dict[str, Any]], description: str | None = None,
              tags: Sequence[str] | None = None, variables: list | None = None, annotations: list | None = None,
              links: list | None = None, time: dict | None = None, refresh: Any = None,
              timezone: str | None = None, schema_version: int = SCHEMA_VERSION,
              overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dashboard model `vobs build` renders (a plain dict, as the module loader accepts)."""
    out = copy.deepcopy(overrides) if overrides else {}
    out["uid"] = uid
    _put(out, "title", title)
    _put(out, "description", description)
    _put(out, "tags", list(tags) if tags is not None else None)
    if variables is not None:
        out.setdefault("templating", {})["list"] = variables
    if annotations is not None:
        out.setdefault("annotations", {})["list"] = annotations
    _put(out, "links", links)
    _put(out, "time", time)
    _put(out, "refresh", refresh)
    _put(out, "timezone", timezone)
    out["schemaVersion"] = schema_version
    out["panels"] = list(panels)
    return record(out)
