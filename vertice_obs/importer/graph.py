"""How a legacy `graph` panel drew its series, as a `timeseries` field config: Grafana's own reading.

Grafana, opening a `graph` as a `timeseries` (`graphPanelChangedHandler` → `flotToGraphOptions`
and `getFieldConfigFromOldAxis` in public/app/plugins/panel/timeseries/migrations.ts of
grafana/grafana), keeps how it drew — bars (solid), points and their size, a stepped line, line
width, fill (0–10 → opacity 0–100) and its gradient, dashes, lines across gaps — and its left y
axis: unit, decimals, min/max (numbers or numeric strings), label, a log scale of base 2 or 10,
hidden. The import does the same with the keys a panel states (a key it leaves out is the
timeseries' default, where Grafana would assume the angular one), and says what it cannot carry:
a log base Grafana has no scale for, a value of the wrong type (`"fill": "lots"`), an x axis that
was not time. Pure.
"""

from __future__ import annotations

import math
from typing import Any

from vertice_obs.build.shape import json_kind

_LOG_BASES = (2, 10)  # Grafana's migration keeps these two and draws any other base linear


def _number(value: Any) -> float | int | None:
    """A finite number, as Grafana's `validNumber` reads it (a numeric string too), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if not math.isfinite(number) else int(number) if number.is_integer() else number


def _plain(value: Any) -> bool:
    """A JSON number (not a bool): what the draw options hold."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _quoted(value: Any) -> str:
    """A value of the original as a one-line note quotes it, at most 40 characters."""
    text = repr(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else json_kind(value)
    return text if len(text) <= 40 else text[:39] + "…"


def axis_config(axis: Any, where: str = "yaxes[0]") -> tuple[dict[str, Any], list[str]]:
    """`fieldConfig.defaults` keys for one legacy y axis, and what of it could not be carried."""
    if not isinstance(axis, dict):
        return {}, [f"{where} (not an object)"] if axis is not None else []
    out: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    lost: list[str] = []
    if isinstance(axis.get("format"), str):
        out["unit"] = axis["format"]
    for key in ("decimals", "min", "max"):
        value = axis.get(key)
        if _number(value) is not None:
            out[key] = _number(value)
        elif value not in (None, ""):
            lost.append(f"{where} {key} (not a number)")
    label = axis.get("label")
    if isinstance(label, str) and label:
        custom["axisLabel"] = label
    elif label not in (None, ""):
        lost.append(f"{where} label (not text)")
    base = axis.get("logBase")
    if base in _LOG_BASES and _plain(base):
        custom["scaleDistribution"] = {"type": "log", "log": int(base)}
    elif base not in (None, 1) or isinstance(base, bool):
        lost.append(f"{where} logBase {_quoted(base)} (Grafana's timeseries has log 2 and 10 only)" if _plain(base)
                    else f"{where} logBase (not a number)")
    if axis.get("show") is False:  # Grafana hides an axis whose `show` is false (or, here, not said)
        custom["axisPlacement"] = "hidden"
    if custom:
        out["custom"] = custom
    return out, lost


def right_axis_properties(yaxes: Any) -> list[dict[str, Any]]:
    """What a series moved to the right axis (`"yaxis": 2`) takes from it where it differs from
    the left one: Grafana's `fillY2DynamicValues`, as override properties (`unit`, `custom.…`)."""
    axes = yaxes if isinstance(yaxes, list) else []
    left = axis_config(axes[0])[0] if axes else {}
    right = axis_config(axes[1])[0] if len(axes) > 1 else {}
    out = [{"id": k, "value": v} for k, v in right.items() if k != "custom" and left.get(k) != v]
    left_custom = left.get("custom") or {}
    out += [{"id": f"custom.{k}", "value": v} for k, v in (right.get("custom") or {}).items()
            if k != "axisPlacement" and left_custom.get(k) != v]
    return out


def right_axis_hidden(yaxes: Any) -> bool:
    axes = yaxes if isinstance(yaxes, list) else []
    return len(axes) > 1 and isinstance(axes[1], dict) and axes[1].get("show") is False


_BOOLS = ("bars", "lines", "points", "steppedLine", "dashes", "stack", "percentage")
_NUMBERS = ("linewidth", "fill", "fillGradient", "pointradius", "dashLength", "spaceLength")


def draw_custom(panel: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`fieldConfig.defaults.custom` for how a graph drew its series, and what it could not carry."""
    lost = [f"{k} (not true or false)" for k in _BOOLS if k in panel and not isinstance(panel[k], bool)
            and panel[k] is not None]
    lost += [f"{k} (not a number)" for k in _NUMBERS if k in panel and not _plain(panel[k]) and panel[k] is not None]
    custom: dict[str, Any] = {}
    if panel.get("bars") is True:
        custom["drawStyle"] = "bars"
    elif panel.get("lines") is False:  # neither bars nor lines: Grafana draws the points alone
        custom["drawStyle"] = "points"
    if panel.get("points") is True:
        custom["showPoints"] = "always"
        if _plain(panel.get("pointradius")):
            custom["pointSize"] = 2 + panel["pointradius"] * 2
    elif panel.get("points") is False and custom.get("drawStyle") != "points":
        custom["showPoints"] = "never"  # the timeseries' `auto` would draw points the graph did not
    if _plain(panel.get("linewidth")):
        custom["lineWidth"] = panel["linewidth"]
    if _plain(panel.get("fill")):
        custom["fillOpacity"] = panel["fill"] * 10  # 0–10 → 0–100
    if _plain(panel.get("fillGradient")) and panel["fillGradient"] > 0:
        custom["gradientMode"] = "opacity"
        custom["fillOpacity"] = panel["fillGradient"] * 10
    if custom.get("drawStyle") == "bars":
        custom["fillOpacity"] = 100  # flot's bars were always solid
    if panel.get("steppedLine") is True:
        custom["lineInterpolation"] = "stepAfter"
    if panel.get("dashes") is True:
        custom["lineStyle"] = {"fill": "dash", "dash": [
            panel[k] if _plain(panel.get(k)) else 10 for k in ("dashLength", "spaceLength")]}
    mode = panel.get("nullPointMode")
    if mode == "connected":
        custom["spanNulls"] = True
    elif mode == "null as zero":
        lost.append("nullPointMode 'null as zero' (a timeseries has no such mode; Grafana's migration drops it too)")
    if panel.get("stack") is True:  # `percentage` → `percent` goes beyond Grafana, which leaves it `normal`
        custom["stacking"] = {"mode": "percent" if panel.get("percentage") is True else "normal", "group": "A"}
    xaxis = panel.get("xaxis")
    if isinstance(xaxis, dict) and xaxis.get("mode") not in (None, "time"):
        lost.append(f"xaxis mode {_quoted(xaxis['mode'])} (a timeseries draws time only)")
    return custom, lost


_LEGEND_CALCS = {"avg": "mean", "current": "lastNotNull", "max": "max", "min": "min", "total": "sum"}
_LEGEND = {"displayMode": "list", "showLegend": True, "placement": "bottom", "calcs": []}
_TOOLTIP = {"mode": "single", "sort": "none"}


def graph_options(panel: dict[str, Any]) -> dict[str, Any]:
    """`options.legend` and `options.tooltip` as Grafana's migration sets them from a graph's
    `legend` (shown, as a table, on the right, its values) and `tooltip` (shared, sorted) — each
    only where it differs from what a timeseries shows by default."""
    out: dict[str, Any] = {}
    legend = panel.get("legend")
    if isinstance(legend, dict):
        shown = dict(_LEGEND, displayMode="table" if legend.get("alignAsTable") is True else "list")
        if legend.get("show") is False:
            shown.update(displayMode="list", showLegend=False)
        if legend.get("rightSide") is True:
            shown["placement"] = "right"
        if legend.get("values") is True:
            shown["calcs"] = [calc for key, calc in _LEGEND_CALCS.items() if legend.get(key) is True]
        if _plain(legend.get("sideWidth")) and legend["sideWidth"] > 0:
            shown["width"] = legend["sideWidth"]
        if shown != _LEGEND:
            out["legend"] = shown
    tooltip = panel.get("tooltip")
    if isinstance(tooltip, dict) and tooltip.get("shared") is True:
        out["tooltip"] = {"mode": "multi", "sort": {1: "asc", 2: "desc"}.get(tooltip.get("sort"), "none")
                          if not isinstance(tooltip.get("sort"), bool) else "none"}
    return out


def grafana_drops(panel: dict[str, Any]) -> list[str]:
    """What a graph said that Grafana's own migration drops as well (named, never invented)."""
    legend = panel.get("legend") if isinstance(panel.get("legend"), dict) else {}
    said = [("timeRegions", bool(panel.get("timeRegions"))), ("hiddenSeries", panel.get("hiddenSeries") is True),
            ("legend hideEmpty/hideZero", legend.get("hideEmpty") is True or legend.get("hideZero") is True),
            ("legend sort", legend.get("sort") not in (None, 0, "") or legend.get("sortDesc") is True)]
    return [name for name, present in said if present]


def thresholds(panel: dict[str, Any]) -> dict[str, Any] | None:
    """A graph's threshold levels as absolute steps over a green base (critical red, warning
    orange, a custom one its fill colour), or None when it has none that is a number."""
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    for t in panel.get("thresholds") if isinstance(panel.get("thresholds"), list) else []:
        value = _number(t.get("value")) if isinstance(t, dict) else None
        if value is not None:
            mode = t.get("colorMode")
            steps.append({"color": "red" if mode == "critical" else "orange" if mode == "warning"
                          else str(t.get("fillColor") or "red"), "value": value})
    return {"mode": "absolute", "steps": steps} if len(steps) > 1 else None
