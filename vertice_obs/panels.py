"""House style for MAXIMUS dashboards: grafanalib panel factories with modern Grafana defaults.

Every factory takes a title, a `description` (what a reader should look for — required) and a `unit`
(a Grafana unit id — required where the panel shows numbers), plus `width`/`height` in grid units.
Positions are not set here: the renderer lays panels out in declared order (see `render.layout`),
so reordering code reorders the dashboard and nothing else moves by accident.

grafanalib emits some legacy shapes (the old heatmap, bar gauge `fieldOptions`); `extraJson`
overrides and `_dropping` bring them to the Grafana 10/11 model, so Grafana does not migrate them on load.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeAlias

from grafanalib import core as g

from vertice_obs.callsite import record
from vertice_obs.checks.dashboard_style import (
    SCHEMA_VERSION,  # the version the house style requires
)

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
ENV_SELECTOR = 'environment=~"$environment"'

_DEFAULT_SIZE = {
    "timeseries": (12, 8),
    "stat": (6, 4),
    "gauge": (6, 6),
    "bargauge": (12, 6),
    "heatmap": (12, 8),
    "table": (24, 8),
    "text": (24, 3),
}


def prom(expr: str, legend: str = "", ref_id: str | None = None, instant: bool = False) -> g.Target:
    """A Prometheus query. Ref ids default to A, B, C… in the order targets are given."""
    return record(g.Target(
        expr=expr,
        legendFormat=legend,
        refId=ref_id or "",
        datasource=DATASOURCE,
        instant=instant,
        format="time_series" if not instant else "table",
        intervalFactor=1,
        step=None,
    ))


def _texts(factory: str, **values: Any) -> None:
    """Refuse a title, description, unit or uid that is not text (`p.stat(42, …)`): written as it is,
    Grafana would show a panel without a title and findings could not name it. Raised at import,
    where the loader's `file:line` is the call that passed it."""
    for name, value in values.items():
        if not isinstance(value, str):
            raise TypeError(f"{factory}(): {name} must be text (a str), not {type(value).__name__} "
                            f"{reprlib.repr(value)}")


Query: TypeAlias = "g.Target | str"  # a PromQL expression, or `prom(expr, legend, …)` for more than the expression
Queries: TypeAlias = "Query | Iterable[Query]"  # one query, or several in order


def _targets(factory: str, queries: Queries, instant: bool = False) -> list[g.Target]:
    """The one place a factory's queries become targets, ref ids A, B, C… in the order given.

    One query — text or a `prom(…)` — is one target wherever a list is taken: a string is not a
    list of one-letter queries (`p.timeseries("T", "sum(x)")` made six targets, `s`, `u`, `m`…).
    Anything that is no query is refused at the call, so the loader names the author's `file:line`;
    so is a set (no order: the ref ids would change from run to run) and a mapping or bytes."""
    if isinstance(queries, (str, g.Target)):
        queries = [queries]
    elif isinstance(queries, (bytes, bytearray, Mapping, AbstractSet)) or not isinstance(queries, Iterable):
        why = " (a set has no order: ref ids would change between builds)" if isinstance(queries, AbstractSet) else ""
        raise TypeError(f"{factory}(): queries must be a query (text or p.prom(…)) or a list of them, not "
                        f"{type(queries).__name__} {reprlib.repr(queries)}{why}")
    out = []
    for index, query in enumerate(queries):
        if isinstance(query, str):
            target = prom(query, instant=instant)
        elif isinstance(query, g.Target):
            target = query
        else:
            raise TypeError(f"{factory}(): a query must be text or p.prom(…), not "
                            f"{type(query).__name__} {reprlib.repr(query)}")
        if not target.refId:
            target.refId = chr(ord("A") + index)
        out.append(target)
    return out


def _size(kind: str, width: int | None, height: int | None) -> g.GridPos:
    w, h = _DEFAULT_SIZE[kind]
    return g.GridPos(h=height or h, w=width or w, x=0, y=0)


# grafanalib's panel defaults that do harm in Grafana 10/11: maxDataPoints=100 coarsens every graph.
_HOUSE_OVERRIDES = {"maxDataPoints": None, "error": None}


def _house(extra: dict[str, Any]) -> dict[str, Any]:
    return {**_HOUSE_OVERRIDES, **extra}


def _dropping(base: type, *paths: str) -> type:
    """A grafanalib panel class whose JSON omits legacy keys (dotted paths) Grafana 10/11 replaced."""

    class Modern(base):  # type: ignore[misc]  # grafanalib is untyped
        def to_json_data(self) -> Any:
            data = super().to_json_data()
            for path in paths:
                *parents, leaf = path.split(".")
                node = data
                for key in parents:
                    node = node.get(key, {}) if isinstance(node, dict) else {}
                if isinstance(node, dict):
                    node.pop(leaf, None)
            return data

    Modern.__name__ = Modern.__qualname__ = base.__name__
    return Modern


# The pre-Grafana-9 heatmap model, and bar gauge/gauge keys from the Grafana 6 era.
_Heatmap = _dropping(g.Heatmap, "cards", "color", "dataFormat", "heatmap", "hideZeroBuckets", "highlightCards",
                     "legend", "reverseYBuckets", "tooltip", "xAxis", "xBucketNumber", "xBucketSize", "yAxis",
                     "yBucketBound", "yBucketNumber", "yBucketSize")
_BarGauge = _dropping(g.BarGauge, "options.fieldOptions", "options.showThresholdLabels",
                      "options.showThresholdMarkers")
_Gauge = _dropping(g.GaugePanel, "fieldConfig.defaults.calcs", "fieldConfig.defaults.limit",
                   "fieldConfig.defaults.override", "fieldConfig.defaults.values", "fieldConfig.defaults.title",
                   "fieldConfig.defaults.showThresholdLabels", "fieldConfig.defaults.showThresholdMarkers",
                   "fieldConfig.defaults.links", "fieldConfig.showThresholdLabels", "fieldConfig.showThresholdMarkers")


def _finite(value: float | None, what: str) -> float | None:
    """`value` if it is a finite number (or None). NaN or infinity in a threshold, min or max is
    not valid JSON for Grafana and would make every comparison meaningless: refused at import,
    where the traceback points at the dashboard line that wrote it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return value


def _thresholds(steps: Sequence[tuple[float | None, str]] | None) -> dict[str, Any]:
    steps = steps or [(None, "green")]
    return {"mode": "absolute", "steps": [{"color": c, "value": _finite(v, "a threshold value")} for v, c in steps]}


def _field_defaults(unit: str, thresholds: Sequence[tuple[float | None, str]] | None,
                    min: float | None = None, max: float | None = None) -> dict[str, Any]:
    """`fieldConfig.defaults`: unit, thresholds, and min/max only when given (else Grafana scales)."""
    defaults: dict[str, Any] = {"unit": unit, "thresholds": _thresholds(thresholds)}
    if min is not None:
        defaults["min"] = _finite(min, "min")
    if max is not None:
        defaults["max"] = _finite(max, "max")
    return defaults


# Single-value panels show the latest value, not grafanalib's default mean over the range.
_LAST_VALUE = {"calcs": ["lastNotNull"], "fields": "", "values": False}


def timeseries(
    title: str,
    queries: Queries,
    *,
    description: str,
    unit: str,
    width: int | None = None,
    height: int | None = None,
    stack: bool = False,
    thresholds: Sequence[tuple[float | None, str]] | None = None,
    min: float | None = None,
    max: float | None = None,
) -> g.TimeSeries:
    """A time series; `thresholds` are drawn as dashed lines (e.g. the 500 ms streaming limit)."""
    _texts("timeseries", title=title, description=description, unit=unit)
    defaults = _field_defaults(unit, thresholds, min, max)
    custom = {"thresholdsStyle": {"mode": "dashed" if thresholds else "off"}, "fillOpacity": 10}
    if stack:
        custom["stacking"] = {"mode": "normal", "group": "A"}
    return record(g.TimeSeries(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=_targets("timeseries", queries),
        unit=unit,
        gridPos=_size("timeseries", width, height),
        tooltipMode="multi",
        legendDisplayMode="list",
        extraJson=_house({"fieldConfig": {"defaults": {**defaults, "custom": custom}}}),
    ))


def stat(
    title: str,
    query: Query,
    *,
    description: str,
    unit: str,
    width: int | None = None,
    height: int | None = None,
    thresholds: Sequence[tuple[float | None, str]] | None = None,
    reduce: str = "lastNotNull",
) -> g.Stat:
    """A single number, reduced with `reduce` (lastNotNull by default, not grafanalib's mean)."""
    _texts("stat", title=title, description=description, unit=unit)
    return record(g.Stat(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=_targets("stat", [query]),
        format=unit,
        reduceCalc=reduce,
        gridPos=_size("stat", width, height),
        extraJson=_house({"fieldConfig": {"defaults": {"thresholds": _thresholds(thresholds), "color": {"mode": "thresholds"}}}}),
    ))


def gauge(
    title: str,
    query: Query,
    *,
    description: str,
    unit: str,
    min: float = 0,
    max: float = 1,
    width: int | None = None,
    height: int | None = None,
    thresholds: Sequence[tuple[float | None, str]] | None = None,
) -> g.GaugePanel:
    """A gauge between `min` and `max` (0…1 by default: most MAXIMUS gauges are ratios)."""
    _texts("gauge", title=title, description=description, unit=unit)
    return record(_Gauge(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=_targets("gauge", [query]),
        gridPos=_size("gauge", width, height),
        extraJson=_house({
            "fieldConfig": {
                "defaults": _field_defaults(unit, thresholds, min, max),
            },
            "options": {"reduceOptions": _LAST_VALUE,
                        "showThresholdLabels": False, "showThresholdMarkers": True, "orientation": "auto"},
        }),
    ))


def bargauge(
    title: str,
    queries: Queries,
    *,
    description: str,
    unit: str,
    min: float | None = None,
    max: float | None = None,
    width: int | None = None,
    height: int | None = None,
    thresholds: Sequence[tuple[float | None, str]] | None = None,
) -> g.BarGauge:
    """Bars per series, e.g. failures by reason."""
    _texts("bargauge", title=title, description=description, unit=unit)
    defaults = _field_defaults(unit, thresholds, min, max)
    return record(_BarGauge(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=_targets("bargauge", queries),
        gridPos=_size("bargauge", width, height),
        extraJson=_house({
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True,
                        "reduceOptions": _LAST_VALUE},
        }),
    ))


def heatmap(
    title: str,
    query: Query,
    *,
    description: str,
    unit: str,
    width: int | None = None,
    height: int | None = None,
) -> g.Heatmap:
    """A histogram heatmap: the query should be `sum by (le) (rate(x_bucket[$__rate_interval]))`."""
    _texts("heatmap", title=title, description=description, unit=unit)
    target = _targets("heatmap", [query])[0]
    target.format = "heatmap"
    target.legendFormat = target.legendFormat or "{{le}}"
    return record(_Heatmap(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=[target],
        gridPos=_size("heatmap", width, height),
        extraJson=_house({
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"scaleDistribution": {"type": "linear"}}}},
            "options": {
                "calculate": False,
                "cellGap": 1,
                "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                "yAxis": {"axisPlacement": "left", "unit": unit},
                "rowsFrame": {"layout": "auto"},
                "tooltip": {"mode": "single", "yHistogram": True},
                "legend": {"show": True},
            },
        }),
    ))


def table(
    title: str,
    queries: Queries,
    *,
    description: str,
    unit: str,
    width: int | None = None,
    height: int | None = None,
) -> g.Table:
    """An instant-query table, one row per series (labels as columns)."""
    _texts("table", title=title, description=description, unit=unit)
    targets = _targets("table", queries, instant=True)
    return record(g.Table(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=targets,
        unit=unit,
        gridPos=_size("table", width, height),
        transformations=[{"id": "labelsToFields", "options": {}}] if len(targets) == 1 else [],
        extraJson=_house({"columns": None, "fontSize": None, "mappings": None, "color": None}),
    ))


def text(title: str, markdown: str, *, description: str = "", width: int | None = None,
         height: int | None = None) -> g.Text:
    """Markdown text: the narrative's story panels and explanatory notes."""
    _texts("text", title=title, description=description, markdown=markdown)
    return record(g.Text(
        title=title,
        description=description,
        content=markdown,
        mode="markdown",
        gridPos=_size("text", width, height),
        extraJson=_house({}),
    ))


def row(title: str, panels: Sequence[g.Panel] = (), collapsed: bool = False) -> g.RowPanel:
    """A row header; with `collapsed=True` its `panels` live inside it (Grafana's collapsed rows)."""
    _texts("row", title=title)
    return record(g.RowPanel(title=title, panels=list(panels), collapsed=collapsed,
                             gridPos=g.GridPos(h=1, w=24, x=0, y=0), extraJson=_house({})))


def datasource_variable() -> g.Template:
    return g.Template(name="datasource", label="Data source", query="prometheus", type="datasource",
                      default="Prometheus")


def environment_variable(metric: str) -> g.Template:
    """`$environment`, taken from the `environment` label of a metric the dashboard always shows."""
    return g.Template(
        name="environment",
        label="Environment",
        query={"query": f"label_values({metric}, environment)", "refId": "environment"},
        dataSource=DATASOURCE,
        includeAll=True,
        multi=True,
        allValue=".*",
        default="$__all",
        refresh=g.REFRESH_ON_TIME_RANGE_CHANGE,
    )


def dashboard(
    uid: str,
    title: str,
    *,
    description: str,
    panels: Sequence[g.Panel],
    environment_metric: str,
    tags: Sequence[str] = (),
    variables: Sequence[g.Template] = (),
    time_from: str = "now-6h",
    refresh: str = "30s",
) -> g.Dashboard:
    """A dashboard in the house style: `$datasource` and `$environment` variables, shared crosshair,
    UTC. Its tags are the `tags` given (sorted, each once); the build adds `vertice-obs`, the
    project's owner tag and each narrative's tags."""
    _texts("dashboard", uid=uid, title=title, description=description, environment_metric=environment_metric)
    if isinstance(tags, (str, bytes)) or not all(isinstance(t, str) for t in tags):
        # a str is a Sequence[str] too: tags="payments" would be the tags p, a, y, m, e, n, t, s
        raise TypeError(f"dashboard(): tags must be a list of texts (tags=[{reprlib.repr(tags)}] for one), not "
                        f"{reprlib.repr(tags)}" if isinstance(tags, (str, bytes)) else
                        f"dashboard(): tags must be texts (str), not {reprlib.repr(list(tags))}")
    return record(g.Dashboard(
        uid=uid,
        title=title,
        description=description,
        panels=list(panels),
        tags=sorted(set(tags)),
        templating=g.Templating(list=[datasource_variable(), environment_variable(environment_metric),
                                      *variables]),
        time=g.Time(time_from, "now"),
        refresh=refresh,
        schemaVersion=SCHEMA_VERSION,
        graphTooltip=g.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR,
        timezone="utc",
        editable=True,
    ))
