"""House-style migrations: what `vobs import` changes in a dashboard on purpose, and says so.

`migrate(model)` returns the dashboard as the imported module renders it, and one note per change
(`vobs import --explain` lists them). Everything not named here passes through unchanged:

- legacy `rows[]` → row panels (a row's `span`/`height` → `gridPos` w/h; as Grafana migrates
  them, a row panel for every row when any row showed its title, was collapsed or repeated — a
  repeated row's panel keeps `repeat` — and none otherwise);
- `graph` → `timeseries` and `singlestat` → `stat` (unit, min/max, thresholds, decimals and the
  reducer carried over, and as Grafana's own migration does (`legacy`): `seriesOverrides` and
  `aliasColors` → `fieldConfig.overrides`, stacking, value/range maps → `mappings`, a shown gauge's
  bounds → min/max; how a graph drew and its axes as `graph` reads them, a singlestat's display
  as `legacy.stat_display`). The note names, per dashboard, the legacy keys it carried over (the
  converted panel depends on them) and those it dropped, the keys it carried into
  `fieldConfig.defaults` (and `.custom`), the `options` it set, what it could not carry and what
  Grafana drops too: with the narrative's additions it is everything `vobs diff` against the
  original shows (`tests/test_import_diff.py` holds that);
- `schemaVersion` raised to the house version;
- keys Grafana 10/11 ignores or owns (`id`, `version`, `__inputs`, `__requires`, `rows`, `style`, …)
  dropped, as `vobs build` drops them — but each datasource `__inputs` entry of a Grafana.com export
  (`DS_PROMETHEUS`, used as `${DS_PROMETHEUS}`) first becomes a datasource variable of its plugin
  type, as the import UI would have bound it, unless a variable of that name exists or nothing
  refers to it (`inputs`);
- the copies Grafana saved of repeated panels and rows (`repeatPanelId`) dropped, with a note:
  Grafana drops them on load and repeats the source anew;
- a library panel stays a reference (`libraryPanel`), with a note: its model is Grafana's;
- a panel type the house style has no call for and this import does not migrate (an angular
  `table` with `styles`, a legacy `heatmap` with `cards`, `grafana-piechart-panel`, …) is kept
  whole, its settings in the call's `overrides`, with a note naming the types;
- positions: panels in reading order (y, then x), reflowed by the house layout — sizes and order
  kept, x/y recomputed, ids renumbered (a `-- Dashboard --` query follows the panel it reads, and a
  link to a panel of the dashboard itself the panel it opens, which keeps its id in the module for
  the build to renumber it again: `references`); a row panel is 24×1 whatever its `gridPos` said, as Grafana
  draws every row (noted when the original said otherwise);
- Grafana's defaults, which `vobs diff` ignores too, dropped for readable code: nulls, a panel's
  `pluginVersion` (the UI's), empty `links`/`transformations`/`description`, empty `fieldConfig`
  parts, and a target's empty `legendFormat`/`interval` and `hide: false`.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import unicodedata
from typing import Any

from vertice_obs.build.render import layout, without_narrative
from vertice_obs.build.shape import grid_units, legacy_px
from vertice_obs.checks.walk import legacy_row_copy, repeat_copy
from vertice_obs.importer import graph, legacy
from vertice_obs.importer.house import SCHEMA_VERSION
from vertice_obs.importer.inputs import input_variables
from vertice_obs.importer.references import reference_notes, said

_DROPPED_TOP = ("id", "version", "__inputs", "__requires", "__elements", "rows", "style", "hideControls",
                "sharedCrosshair", "gnetId", "iteration")
_GRAPH_LEGACY = ("aliasColors", "bars", "dashLength", "dashes", "fill", "fillGradient", "hiddenSeries", "legend",
                 "lines", "linewidth", "nullPointMode", "percentage", "pointradius", "points", "renderer",
                 "seriesOverrides", "spaceLength", "stack", "steppedLine", "thresholds", "timeRegions", "tooltip",
                 "xaxis", "yaxes", "yaxis", "decimals", "options")
_STAT_LEGACY = ("cacheTimeout", "colorBackground", "colorPostfix", "colorPrefix", "colorValue", "colors", "format",
                "gauge", "mappingType", "mappingTypes", "nullPointMode", "nullText", "postfix", "postfixFontSize",
                "prefix", "prefixFontSize", "rangeMaps", "sparkline", "tableColumn", "thresholds", "valueFontSize",
                "valueMaps", "valueName", "decimals", "options")
_REDUCERS = {"avg": "mean", "current": "lastNotNull", "max": "max", "min": "min", "total": "sum",
             "first": "firstNotNull", "delta": "delta", "diff": "diff", "range": "range", "name": "lastNotNull"}


def fallback_uid(text: str) -> str:
    """A Grafana uid for a dashboard that has none, from its title or file name: a readable ASCII
    slug (accents dropped) and a short hash of the exact text, so that distinct titles never share
    a uid ("Ärger" and "Ørger", "A b" and "a-b") and none is empty ("ドーパミン" → `d-<hash>`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:31].strip("-")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug or 'd'}-{digest}"


def migrate(model: dict[str, Any], uid: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The migrated dashboard and the notes saying what changed. `model` is not modified."""
    out, set_aside = without_narrative(copy.deepcopy(model))
    notes: list[str] = []
    if set_aside:
        notes.append("a dashboard vobs rendered: set aside what its narrative added (" + "; ".join(set_aside)
                     + "); the narrative it joins here adds its own")
    if not out.get("uid"):
        out["uid"] = uid or fallback_uid(str(out.get("title") or "imported"))
        notes.append(f"uid: the dashboard had none; it is now {out['uid']!r}")
    if isinstance(out.get("rows"), list) and out["rows"]:
        out["panels"] = list(out.get("panels") or []) + _rows_to_panels(out.pop("rows"), notes)  # its own note
    input_variables(out, notes)
    out = {k: v for k, v in out.items() if v is not None}
    dropped = [k for k in _DROPPED_TOP if k in out]
    for key in dropped:
        del out[key]
    if dropped:
        notes.append("dropped keys Grafana 10/11 ignores or owns: " + ", ".join(dropped))
    version = out.get("schemaVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < SCHEMA_VERSION:
        out["schemaVersion"] = SCHEMA_VERSION
        notes.append(f"schemaVersion {said(version)} → {SCHEMA_VERSION}")
    panels = _without_copies(out, [p for p in out.get("panels") or [] if isinstance(p, dict)], notes)
    changed: dict[str, _Change] = {}
    panels = [_panel(p, changed) for p in _reading_order(panels)]
    for panel in panels:
        for each in [panel, *(c for c in panel.get("panels") or [] if isinstance(c, dict))]:
            library = each.get("libraryPanel")
            if isinstance(library, dict):
                notes.append(f"library panel {said(library.get('name'))} (uid {said(library.get('uid'))}) kept as a reference: "
                             "its model lives in Grafana's library, not in this module")
    for kind, change in sorted(changed.items()):
        notes.append(change.note(kind))
    kept = legacy.kept_types([each for panel in panels
                              for each in [panel, *(c for c in panel.get("panels") or [] if isinstance(c, dict))]])
    if kept:
        notes.append("kept as they are, every setting in the call's `overrides` (no house-style call, and no "
                     "migration here: Grafana migrates these itself or needs their plugin): " + kept)
    before = [(p.get("gridPos") or {}) for p in panels]
    resized = [f"{said(p.get('title'))} was {said(g.get('w'))}×{said(g.get('h'))}" for p, g in zip(panels, before)
               if p.get("type") == "row" and g and (g.get("w"), g.get("h")) != (24, 1)]
    if resized:
        notes.append("row panels drawn full-width and one cell high, as Grafana draws every row: " + ", ".join(resized))
    notes += reference_notes(panels, out["uid"])
    out["panels"] = layout(panels, out["uid"])
    if [(g.get("x"), g.get("y")) for g in before] != [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in out["panels"]]:
        notes.append("positions reflowed by the house layout (reading order and sizes kept)")
    return out, notes


def _reading_order(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(panel: dict[str, Any]) -> tuple[float, float]:
        grid = panel.get("gridPos") if isinstance(panel.get("gridPos"), dict) else {}
        return (_number(grid.get("y"), 0), _number(grid.get("x"), 0))
    return sorted(panels, key=key)


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return default


def _without_copies(model: dict[str, Any], panels: list[dict[str, Any]], notes: list[str]) -> list[dict[str, Any]]:
    """`panels` without the copies Grafana saved of repeated panels and rows (`repeat_copy`; a
    collapsed row's own panels too): Grafana drops them on load and repeats the source anew, so in
    the module they would be dead code pointing at panel ids that import renumbers (trial 14)."""
    dropped = 0
    kept = []
    for panel in panels:
        if repeat_copy(model, panel):
            dropped += 1
            continue
        inner = panel.get("panels")
        if isinstance(inner, list):
            originals = [p for p in inner if not repeat_copy(model, p)]
            if len(originals) < len(inner):
                dropped += len(inner) - len(originals)
                panel = {**panel, "panels": originals}
        kept.append(panel)
    if dropped:
        notes.append(f"dropped {dropped} cop{'y' if dropped == 1 else 'ies'} Grafana saved of repeated panels or rows "
                     "(`repeatPanelId`): Grafana drops them on load and repeats the source anew")
    return kept


def _rows_to_panels(rows: list[Any], notes: list[str]) -> list[dict[str, Any]]:
    """Grafana's own migration of legacy rows (`upgradeToGridLayout`, schemaVersion 16): when any
    row is collapsed, repeated or shows its title, every row becomes a row panel (keeping its
    `repeat`; a collapsed one holding its panels), else none does; a row Grafana repeated when the
    dashboard was saved (`repeatIteration`) is a copy and is skipped."""
    copies = sum(1 for row in rows if legacy_row_copy(row))
    rows = [row for row in rows if isinstance(row, dict) and not legacy_row_copy(row)]
    shown = any(row.get("collapse") or row.get("showTitle") or row.get("repeat") for row in rows)
    out: list[dict[str, Any]] = []
    y = 0
    for row in rows:
        h = grid_units(_height(row.get("height"), 250))
        children, below = _row_children(row, y + 1 if shown else y, h)
        if shown:
            header: dict[str, Any] = {"type": "row", "title": row.get("title") or "", "collapsed": bool(row.get("collapse")),
                                      "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []}
            if row.get("repeat"):
                header["repeat"] = row["repeat"]
            if header["collapsed"]:
                header["panels"], children, below = children, [], y + 1
            out.append(header)
        out.extend(children)
        y = below
    skipped = f"; {copies} repeated cop{'ies' if copies != 1 else 'y'} Grafana saved skipped" if copies else ""
    notes.append(f"legacy rows[] → row panels ({len(rows)} row{'s' if len(rows) != 1 else ''}, "
                 f"{len(rows) if shown else 0} shown as a row panel{skipped}; each panel's span/height → gridPos)")
    return out


def _row_children(row: dict[str, Any], y: int, h: int) -> tuple[list[dict[str, Any]], int]:
    """A legacy row's panels from line `y`, each with a `gridPos` from its `span` (of 12) and
    `height` (px), and the line below the row (its panels wrap onto new lines `h` high)."""
    children = []
    x = 0
    for panel in row.get("panels") or []:
        if not isinstance(panel, dict):
            continue
        panel = dict(panel)
        # Grafana's `upgradeToGridLayout` (public/app/features/dashboard/state/DashboardMigrator.ts):
        # `Math.floor(panel.span || DEFAULT_PANEL_SPAN) * (24 / 12)`, the default span 4; a span
        # under 1 still gets a column, one beyond 12 the whole width.
        w = max(1, min(24, math.floor(_number(panel.pop("span", None), 0) or 4) * 2))
        own = _height(panel.pop("height", None), 0)
        if x + w > 24:
            x, y = 0, y + h
        panel["gridPos"] = {"h": grid_units(own) if own else h, "w": w, "x": x, "y": y}
        x += w
        children.append(panel)
    return children, y + h


def _height(value: Any, default: float) -> float:
    """A legacy `height` in px, or `default` when it names none (`shape` refused the out-of-bounds)."""
    px = legacy_px(value)
    return px if px is not None and math.isfinite(px) else default


_PANEL_DEFAULTS = {"links": [], "transformations": [], "description": ""}
_TARGET_DEFAULTS = {"legendFormat": "", "interval": "", "hide": False}


def _without_defaults(node: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None and not (k in defaults and defaults[k] == v)}


class _Change:
    """One legacy panel type's migration over a dashboard: how many panels, which legacy keys they
    lost — carried over into the new keys, or dropped with nothing of them carried —, which
    `fieldConfig.defaults` keys and options they gained: what `vobs diff` will show."""

    def __init__(self) -> None:
        self.count, self.dropped, self.carried, self.custom, self.options = 0, set(), set(), set(), set()
        self.overrides, self.lost, self.grafana_drops, self.translated = 0, set(), set(), set()

    def note(self, kind: str) -> str:
        text = f"{kind} ({self.count} panel{'s' if self.count != 1 else ''})"
        dropped = self.dropped - self.translated  # a key one panel carried over is not said dropped
        parts = [f"legacy keys carried over: {', '.join(sorted(self.translated))}"] if self.translated else []
        parts += [f"legacy keys dropped: {', '.join(sorted(dropped))}"] if dropped else []
        parts += [f"carried into fieldConfig.defaults: {', '.join(sorted(self.carried))}"] if self.carried else []
        parts += [f"carried into fieldConfig.defaults.custom: {', '.join(sorted(self.custom))}"] if self.custom else []
        parts += [f"carried into fieldConfig.overrides: {self.overrides} rule{'s' if self.overrides != 1 else ''} "
                  "(seriesOverrides, aliasColors)"] if self.overrides else []
        parts += [f"options set: {', '.join(sorted(self.options))}"] if self.options else []
        parts += [f"not carried: {', '.join(sorted(self.lost))}"] if self.lost else []
        parts += ["dropped as Grafana's own migration drops them: " + ", ".join(sorted(self.grafana_drops))] \
            if self.grafana_drops else []
        return text + (": " + "; ".join(parts) if parts else "")


def _migrated(panel: dict[str, Any], changed: dict[str, _Change], kind: str, convert) -> dict[str, Any]:
    before = _defaults_of(panel)
    rules = len(panel["fieldConfig"].get("overrides") or []) if isinstance(panel.get("fieldConfig"), dict) else 0
    change = changed.setdefault(kind, _Change())
    change.count += 1
    converted = convert(copy.deepcopy(panel), change.lost, change.grafana_drops)
    for key in (k for k in panel if k in (_GRAPH_LEGACY if panel.get("type") == "graph" else _STAT_LEGACY)):
        # carried over when the module depends on it: the panel converted without it differs
        without = convert(copy.deepcopy({k: v for k, v in panel.items() if k != key}), set(), set())
        (change.translated if without != converted else change.dropped).add(key)
    panel = converted
    change.overrides += len(panel["fieldConfig"].get("overrides") or []) - rules
    after = _defaults_of(panel)
    change.carried |= {k for k, v in after.items() if before.get(k) != v}
    custom, was = after.get("custom") or {}, before.get("custom") if isinstance(before.get("custom"), dict) else {}
    change.custom |= {k for k, v in custom.items() if was.get(k) != v}
    change.options |= set(panel.get("options") or {})
    return panel


def _defaults_of(panel: dict[str, Any]) -> dict[str, Any]:
    config = panel.get("fieldConfig") if isinstance(panel.get("fieldConfig"), dict) else {}
    return dict(config.get("defaults")) if isinstance(config.get("defaults"), dict) else {}


def _panel(panel: dict[str, Any], changed: dict[str, _Change]) -> dict[str, Any]:
    panel = _without_defaults(panel, _PANEL_DEFAULTS)
    panel.pop("pluginVersion", None)
    if isinstance(panel.get("targets"), list):
        panel["targets"] = [_without_defaults(t, _TARGET_DEFAULTS) if isinstance(t, dict) else t
                            for t in panel["targets"]]
    kind = panel.get("type")
    if kind == "graph":
        panel = _migrated(panel, changed, "graph → timeseries", _graph)
    elif kind == "singlestat":
        panel = _migrated(panel, changed, "singlestat → stat", _singlestat)
    if kind == "row" or panel.get("type") == "row":
        panel["collapsed"] = bool(panel.get("collapsed"))
        panel["panels"] = [_panel(p, changed) for p in _reading_order(
            [p for p in panel.get("panels") or [] if isinstance(p, dict)])]
    _trim_field_config(panel)
    return panel


def _defaults(panel: dict[str, Any]) -> dict[str, Any]:
    config = panel.get("fieldConfig") if isinstance(panel.get("fieldConfig"), dict) else {}
    panel["fieldConfig"] = config = dict(config)
    config["defaults"] = dict(config.get("defaults") or {})
    return config["defaults"]


def _graph(panel: dict[str, Any], lost: set[str], grafana_drops: set[str]) -> dict[str, Any]:
    defaults = _defaults(panel)
    rules, missed = legacy.graph_overrides(panel)
    lost.update(missed)
    if rules:
        config = panel["fieldConfig"]
        config["overrides"] = [*(config.get("overrides") if isinstance(config.get("overrides"), list) else []),
                               *rules]
    yaxes = panel.get("yaxes") if isinstance(panel.get("yaxes"), list) else []
    if panel.get("yaxes") is not None and not isinstance(panel.get("yaxes"), list):
        lost.add("yaxes (not a list)")
    axis, missed = graph.axis_config(yaxes[0] if yaxes else None)
    draw, more = graph.draw_custom(panel)
    lost.update(missed + more)
    custom = defaults.get("custom") if isinstance(defaults.get("custom"), dict) else {}
    # As Grafana's migration: the left axis and the drawing win over a `fieldConfig` the graph had.
    defaults.update({k: v for k, v in axis.items() if k != "custom"})
    if {**custom, **axis.get("custom", {}), **draw} != custom:
        defaults["custom"] = {**custom, **axis.get("custom", {}), **draw}
    if graph.thresholds(panel) and "thresholds" not in defaults:
        defaults["thresholds"] = graph.thresholds(panel)
    if _to_number(panel.get("decimals")) is not None:
        defaults.setdefault("decimals", _to_number(panel["decimals"]))
    options = graph.graph_options(panel)
    grafana_drops.update(graph.grafana_drops(panel))
    for key in _GRAPH_LEGACY:
        panel.pop(key, None)
    if options:
        panel["options"] = options
    panel["type"] = "timeseries"
    return panel


def _singlestat(panel: dict[str, Any], lost: set[str], grafana_drops: set[str]) -> dict[str, Any]:
    defaults = _defaults(panel)
    if isinstance(panel.get("format"), str):
        defaults.setdefault("unit", panel["format"])
    for bound, value in legacy.gauge_bounds(panel).items():
        defaults.setdefault(bound, value)
    mappings = legacy.stat_mappings(panel)
    if mappings:
        defaults.setdefault("mappings", mappings)
    colors = panel.get("colors") if isinstance(panel.get("colors"), list) else []
    bounds = [_to_number(v) for v in str(panel.get("thresholds") or "").split(",") if v.strip()]
    if colors and all(b is not None for b in bounds):
        # As Grafana migrates it: one step per color, so a level beyond the last color is not carried.
        if len(bounds) >= len(colors):
            lost.add("singlestat thresholds beyond its colors")
        steps = [(None, colors[0])] + [(b, colors[i + 1]) for i, b in enumerate(bounds[:len(colors) - 1])]
        defaults.setdefault("thresholds", {"mode": "absolute",
                                           "steps": [{"color": c, "value": v} for v, c in steps]})
    elif None in bounds:
        lost.add("singlestat thresholds that are not numbers")
    if _to_number(panel.get("decimals")) is not None:
        defaults.setdefault("decimals", _to_number(panel["decimals"]))
    calc = _REDUCERS.get(str(panel.get("valueName") or "avg"), "mean")
    options, shown, dropped = legacy.stat_display(panel)
    for key, value in shown.items():
        defaults.setdefault(key, value)
    grafana_drops.update(dropped)
    column = panel.get("tableColumn")  # Grafana's migration: the column as a field regexp, unescaped
    fields = f"/^{column}$/" if isinstance(column, str) and column else ""
    for key in _STAT_LEGACY:
        panel.pop(key, None)
    panel["options"] = {"reduceOptions": {"calcs": [calc], "fields": fields, "values": False}, **options}
    panel["type"] = "stat"
    return panel


def _to_number(value: Any) -> float | int | None:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number if math.isfinite(number) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def _trim_field_config(panel: dict[str, Any]) -> None:
    """Drop empty `fieldConfig` parts: Grafana reads `{}`/`[]` and a missing key alike."""
    config = panel.get("fieldConfig")
    if not isinstance(config, dict):
        return
    config = dict(config)
    if isinstance(config.get("defaults"), dict) and config["defaults"].get("custom") == {}:
        config["defaults"] = {k: v for k, v in config["defaults"].items() if k != "custom"}
    for key in ("defaults", "overrides"):
        if config.get(key) in ({}, []):
            del config[key]
    if config:
        panel["fieldConfig"] = config
    else:
        del panel["fieldConfig"]
