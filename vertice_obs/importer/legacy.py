"""What a legacy panel says beyond its unit and thresholds, carried the way Grafana's own migration does.

Grafana, opening a `graph` as a `timeseries` or a `singlestat` as a `stat`, turns the per-series
settings and value maps into field config: `seriesOverrides` and `aliasColors` → `fieldConfig.
overrides` (a `/regex/` alias matches by regexp, any other by name), a stacked graph →
`custom.stacking`, `valueMaps`/`rangeMaps` → `mappings`, a shown gauge's bounds → `min`/`max`.
Dropping them would silently change what a reader sees (Ceph's read rates drawn above the axis
instead of below it, a health status shown as 0/1/2 instead of OK/WARN/ERR), so the import carries
them; what it cannot carry it names in the `--explain` note. How a graph drew is `graph`'s. Pure.
"""

from __future__ import annotations

import math
from typing import Any

from vertice_obs.importer import graph


def _fixed(color: Any) -> dict[str, Any]:
    return {"mode": "fixed", "fixedColor": color}


def _series_property(key: str, value: Any, yaxes: Any) -> list[dict[str, Any]] | None:
    """Field-config properties for one `seriesOverrides` key, or None when there is no equivalent."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if key == "color" and isinstance(value, str):
        return [{"id": "color", "value": _fixed(value)}]
    if key == "fill" and number:
        return [{"id": "custom.fillOpacity", "value": value * 10}]
    if key == "linewidth" and number:
        return [{"id": "custom.lineWidth", "value": value}]
    if key == "stack" and isinstance(value, (bool, str)):
        stacking = {"mode": "normal", "group": value if isinstance(value, str) else "A"} if value else {"mode": "none"}
        return [{"id": "custom.stacking", "value": stacking}]
    if key == "transform" and value in ("negative-Y", "constant"):
        return [{"id": "custom.transform", "value": value}]
    if key == "yaxis" and value in (1, 2) and not isinstance(value, bool):
        if value == 1:
            return [{"id": "custom.axisPlacement", "value": "left"}]
        # and, as Grafana's `fillY2DynamicValues`, the right axis's unit, bounds, label, scale
        return [{"id": "custom.axisPlacement", "value": "hidden" if graph.right_axis_hidden(yaxes) else "right"},
                *graph.right_axis_properties(yaxes)]
    if key == "bars" and isinstance(value, bool):  # Grafana's bars are solid
        return [{"id": "custom.drawStyle", "value": "bars"}, {"id": "custom.fillOpacity", "value": 100}] if value \
            else [{"id": "custom.drawStyle", "value": "line"}]
    if key == "pointradius" and number:
        return [{"id": "custom.pointSize", "value": 2 + value * 2}]
    if key == "lines" and value is False:
        return [{"id": "custom.lineWidth", "value": 0}]
    if key == "points" and isinstance(value, bool):
        return [{"id": "custom.showPoints", "value": "always" if value else "never"}]
    if key == "legend" and value is False:
        return [{"id": "custom.hideFrom", "value": {"legend": True, "tooltip": False, "viz": False}}]
    return None


def graph_overrides(panel: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """`fieldConfig.overrides` rules for a graph's `seriesOverrides` and `aliasColors`, and what
    could not be carried (each said once, e.g. `seriesOverrides item 1 (not an alias object)`)."""
    rules: list[dict[str, Any]] = []
    lost: list[str] = []
    series = panel.get("seriesOverrides")
    for index, item in enumerate(series if isinstance(series, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("alias"), str) or not item["alias"]:
            lost.append(f"seriesOverrides item {index} (not an alias object)")
            continue
        alias = item["alias"]
        regexp = len(alias) > 1 and alias.startswith("/") and alias.endswith("/")
        properties: list[dict[str, Any]] = []
        for key, value in item.items():
            if key == "alias":
                continue
            carried = _series_property(key, value, panel.get("yaxes"))
            if carried is None:
                lost.append(f"seriesOverrides {key}")
            else:
                properties += carried
        if properties:
            rules.append({"matcher": {"id": "byRegexp" if regexp else "byName", "options": alias},
                          "properties": properties})
    colors = panel.get("aliasColors")
    for alias, color in (colors.items() if isinstance(colors, dict) else ()):
        if not isinstance(color, str) or not color:
            continue
        rule = next((r for r in rules if r["matcher"] == {"id": "byName", "options": alias}), None)
        if rule is None:
            rules.append({"matcher": {"id": "byName", "options": alias},
                          "properties": [{"id": "color", "value": _fixed(color)}]})
        elif not any(p["id"] == "color" for p in rule["properties"]):
            rule["properties"].append({"id": "color", "value": _fixed(color)})
    return rules, sorted(set(lost))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def stat_mappings(panel: dict[str, Any]) -> list[dict[str, Any]]:
    """`mappings` for a singlestat's `valueMaps` (mappingType 1) or `rangeMaps` (2); the type
    guessed from which list is non-empty when `mappingType` is missing, as Grafana does."""
    values = [m for m in panel.get("valueMaps") or [] if isinstance(m, dict)] \
        if isinstance(panel.get("valueMaps"), list) else []
    ranges = [m for m in panel.get("rangeMaps") or [] if isinstance(m, dict)] \
        if isinstance(panel.get("rangeMaps"), list) else []
    kind = panel.get("mappingType")
    if kind not in (1, 2):
        kind = 1 if values else 2 if ranges else None
    out: list[dict[str, Any]] = []
    by_value: dict[str, Any] = {}
    index = 0
    for item in values if kind == 1 else ranges if kind == 2 else []:
        if "text" not in item:
            continue
        result = {"text": _text(item["text"]), "index": index}
        if kind == 1 and item.get("value") == "null" or kind == 2 and item.get("from") == item.get("to") == "null":
            out.append({"type": "special", "options": {"match": "null", "result": result}})
        elif kind == 1 and item.get("value") is not None:
            by_value[_text(item["value"])] = result
        elif kind == 2:
            bounds = {k: _number(item.get(k)) for k in ("from", "to")}
            out.append({"type": "range", "options": {**bounds, "result": result}})
        else:
            continue
        index += 1
    if by_value:
        out.insert(0, {"type": "value", "options": by_value})
    return out


def _number(value: Any) -> float | int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if math.isfinite(value) else None
    try:
        number = float(str(value))
    except ValueError:
        return None
    return None if not math.isfinite(number) else int(number) if number.is_integer() else number


def gauge_bounds(panel: dict[str, Any]) -> dict[str, Any]:
    """`min`/`max` of a singlestat that showed a gauge: its scale was the panel's point."""
    gauge = panel.get("gauge")
    if not isinstance(gauge, dict) or gauge.get("show") is not True:
        return {}
    out = {}
    for key, bound in (("minValue", "min"), ("maxValue", "max")):
        value = gauge.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[bound] = value
    return out


_PLUGINS = ("grafana-piechart-panel", "grafana-worldmap-panel", "grafana-singlestat-panel", "grafana-polystat-panel",
            "natel-discrete-panel", "grafana-clock-panel")


def _kept_kind(panel: dict[str, Any]) -> str | None:
    """The name of a legacy panel type the import keeps as it is, or None for a current one."""
    kind = panel.get("type")
    if kind == "table" and "styles" in panel:
        return "table (angular, with `styles`)"
    if kind == "heatmap" and "cards" in panel:
        return "heatmap (legacy, with `cards`)"
    return kind if kind in _PLUGINS else None


def kept_types(panels: list[dict[str, Any]]) -> str:
    """`table (angular, with `styles`) (2 panels), grafana-piechart-panel (1 panel)`, or ''."""
    counts: dict[str, int] = {}
    for panel in panels:
        kind = _kept_kind(panel)
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{kind} ({n} panel{'s' if n != 1 else ''})" for kind, n in sorted(counts.items()))


_STAT_DROPPED = ("prefix", "postfix", "colorPrefix", "colorPostfix")


def stat_display(panel: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """How a singlestat showed its value, as Grafana's `statPanelChangedHandler` and
    `sharedSingleStatPanelChangedHandler` carry it: (`options` of the stat — a sparkline or none,
    a coloured background, value or neither, the series name as the text; `fieldConfig.defaults`
    — the text for no value, a sparkline's colour), and what Grafana drops too: a prefix or
    postfix and its colouring (a stat has none), a shown gauge (a stat draws no gauge)."""
    sparkline = panel.get("sparkline") if isinstance(panel.get("sparkline"), dict) else {}
    options: dict[str, Any] = {"graphMode": "area" if sparkline.get("show") is True else "none"}
    options["colorMode"] = "background" if panel.get("colorBackground") is True \
        else "value" if panel.get("colorValue") is True else "none"
    if panel.get("valueName") == "name":
        options["textMode"] = "name"
    defaults: dict[str, Any] = {}
    if isinstance(panel.get("nullText"), str) and panel["nullText"]:
        defaults["noValue"] = panel["nullText"]
    color = sparkline.get("lineColor")
    if options["colorMode"] == "none" and options["graphMode"] == "area" and isinstance(color, str) and color:
        defaults["color"] = _fixed(color)
    dropped = [k for k in _STAT_DROPPED if panel.get(k) not in (None, "", False)]
    gauge = panel.get("gauge")
    if isinstance(gauge, dict) and gauge.get("show") is True:
        dropped.append("gauge (its bounds carried as min/max)")
    return options, defaults, dropped
