"""Grafana's schema v2 dashboards (`dashboard.grafana.app/v2alpha1`, `v2beta1`) read as the classic
model every check reads, with a map back to where each part is written. Pure.

Schema v2 splits a dashboard into `elements` (panels by name, each its `data` — the queries — and
`vizConfig`), a `layout` that places them (a grid, rows, tabs or an auto grid, nested at will, with
repeats on items, rows and tabs) and `variables` and `annotations` as kinds with specs. Grafana's own
`v2 → v1` conversion reads it the same way; what this reading gives:

- each panel the layout places, in layout order, as a classic panel: `id`, `title`, `description`,
  `links`, `type` (the viz plugin), `options` and `fieldConfig` (`vizConfig`), `targets` (each
  query's spec with its `refId`, `hide` and datasource), `transformations`, the query options
  (`interval`, `maxDataPoints`, `timeFrom`, `timeShift`), `repeat` from its layout item, `gridPos`
  from a grid item. A library panel element is a classic library panel stub.
- each row or tab of the layout as a classic row panel (`type: row`) holding its panels, with its
  title and repeat. An element no layout places is still read (Grafana keeps it; a check should too).
- variables as `templating.list` (kind → `type`; `hide`, `refresh` and `sort` as numbers; a query
  variable's `query` as the object form; the datasource as `{type, uid}`), annotations as
  `annotations.list`, and the dashboard's own fields (`timeSettings` → `time`, `refresh`,
  `timezone`; `cursorSync` → `graphTooltip`).

`places` maps the JSON pointer of each classic part to the pointer of the v2 text it came from, so a
finding lands on the v2 file's own line (`Positions.translated`). Anything malformed is passed over,
never raised on: the reading is total over any JSON value."""

from __future__ import annotations

from typing import Any

_GROUP = "dashboard.grafana.app/"

_VARIABLE_TYPES = {"QueryVariable": "query", "CustomVariable": "custom", "ConstantVariable": "constant",
                   "DatasourceVariable": "datasource", "IntervalVariable": "interval", "TextVariable": "textbox",
                   "GroupByVariable": "groupby", "AdhocVariable": "adhoc", "SwitchVariable": "switch"}
_HIDE = {"dontHide": 0, "hideLabel": 1, "hideVariable": 2, "inControlsMenu": 3}
_REFRESH = {"never": 0, "onDashboardLoad": 1, "onTimeRangeChanged": 2}
_SORT = {"disabled": 0, "alphabeticalAsc": 1, "alphabeticalDesc": 2, "numericalAsc": 3, "numericalDesc": 4,
         "alphabeticalCaseInsensitiveAsc": 5, "alphabeticalCaseInsensitiveDesc": 6, "naturalAsc": 7,
         "naturalDesc": 8}
_TOOLTIP = {"Off": 0, "Crosshair": 1, "Tooltip": 2}
_QUERY_OPTIONS = ("interval", "maxDataPoints", "timeFrom", "timeShift", "cacheTimeout", "queryCachingTTL",
                  "hideTimeOverride")
_LAYOUT_DEPTH = 64  # layouts nest (rows in tabs in rows …); deeper than this is not a dashboard


def is_schema_v2(document: Any) -> bool:
    """A dashboard resource of a v2 version whose spec is an object."""
    if not isinstance(document, dict) or document.get("kind") != "Dashboard":
        return False
    api = document.get("apiVersion")
    return (isinstance(api, str) and api.startswith(_GROUP + "v2") and isinstance(document.get("spec"), dict))


def is_bare_spec(document: Any) -> bool:
    """A schema v2 dashboard's spec alone — what Grafana 12's Settings → JSON Model shows and saves
    (trial 23): `elements` and `layout` objects at the top, no `kind`, no classic `panels` or `rows`."""
    return (isinstance(document, dict) and isinstance(document.get("elements"), dict)
            and isinstance(document.get("layout"), dict) and "kind" not in document
            and "panels" not in document and "rows" not in document)


def classic_of(document: Any) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The classic model of a schema v2 dashboard — a resource (`is_schema_v2`) or its spec alone
    (`is_bare_spec`) —, and `places` (classic JSON pointer → the v2 document's pointer), or None when
    `document` is neither."""
    if is_bare_spec(document):  # read as the spec of a resource, its places then moved up to the top
        model, places = _Reader({"kind": "Dashboard", "spec": document}).read()
        return model, {classic: at.removeprefix("/spec") for classic, at in places.items()}
    if not is_schema_v2(document):
        return None
    return _Reader(document).read()


class _Reader:
    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.spec: dict[str, Any] = document["spec"]
        self.places: dict[str, str] = {"": "/spec"}
        self.elements = _dict(self.spec.get("elements"))
        self.placed: set[str] = set()
        self.next_id = 1 + max([p for p in (_panel_id(e) for e in self.elements.values()) if p is not None],
                               default=0)

    def read(self) -> tuple[dict[str, Any], dict[str, str]]:
        spec, meta = self.spec, _dict(self.document.get("metadata"))
        time = _dict(spec.get("timeSettings"))
        model: dict[str, Any] = {key: spec[key] for key in ("title", "description", "tags", "editable", "links",
                                                            "liveNow", "preload", "revision") if key in spec}
        uid = meta.get("name")
        if isinstance(uid, str) and uid:
            model["uid"] = uid
            self.places["/uid"] = "/metadata/name"
        if time:
            model["time"] = {"from": time.get("from", "now-6h"), "to": time.get("to", "now")}
            self.places["/time"] = "/spec/timeSettings"
            for classic, v2 in (("refresh", "autoRefresh"), ("timezone", "timezone"), ("weekStart", "weekStart"),
                                ("fiscalYearStartMonth", "fiscalYearStartMonth")):
                if v2 in time:
                    model[classic] = time[v2]
                    self.places[f"/{classic}"] = f"/spec/timeSettings/{v2}"
        if isinstance(spec.get("cursorSync"), str) and spec["cursorSync"] in _TOOLTIP:
            model["graphTooltip"] = _TOOLTIP[spec["cursorSync"]]
            self.places["/graphTooltip"] = "/spec/cursorSync"
        model["templating"] = {"list": self._variables(spec.get("variables"), "/spec/variables", "/templating/list")}
        self.places["/templating"] = "/spec/variables"
        model["annotations"] = {"list": self._annotations(spec.get("annotations"))}
        self.places["/annotations"] = "/spec/annotations"
        panels = self._layout(spec.get("layout"), "/spec/layout", "/panels", 0)
        for name, element in self.elements.items():  # kept by Grafana though no layout places it
            if name not in self.placed:
                panel = self._element(name, f"/panels/{len(panels)}", {})
                if panel is not None:
                    panels.append(panel)
        model["panels"] = panels
        self.places["/panels"] = "/spec/layout"
        return model, self.places

    # --- layout -------------------------------------------------------------------------------------
    def _layout(self, layout: Any, at: str, into: str, depth: int) -> list[dict[str, Any]]:
        """The panels a layout places, in order, as classic panels at `into`/i."""
        layout = _dict(layout)
        kind, spec = layout.get("kind"), _dict(layout.get("spec"))
        out: list[dict[str, Any]] = []
        if depth > _LAYOUT_DEPTH:
            return out
        if kind in ("GridLayout", "AutoGridLayout"):
            for i, item in enumerate(_list(spec.get("items"))):
                item_spec = _dict(_dict(item).get("spec"))
                name = _dict(item_spec.get("element")).get("name")
                if not isinstance(name, str):
                    continue
                item_at = f"{at}/spec/items/{i}/spec"
                panel = self._element(name, f"{into}/{len(out)}", item_spec, item_at)
                if panel is not None:
                    out.append(panel)
        elif kind in ("RowsLayout", "TabsLayout"):
            key = "rows" if kind == "RowsLayout" else "tabs"
            for i, row in enumerate(_list(spec.get(key))):
                row_spec = _dict(_dict(row).get("spec"))
                row_at, path = f"{at}/spec/{key}/{i}/spec", f"{into}/{len(out)}"
                panel: dict[str, Any] = {"type": "row", "id": self._new_id(), "collapsed": bool(row_spec.get("collapse")),
                                         "title": row_spec.get("title", "")}
                self.places[path] = row_at
                repeat = _dict(row_spec.get("repeat")).get("value")
                if isinstance(repeat, str) and repeat:
                    panel["repeat"] = repeat
                    self.places[f"{path}/repeat"] = f"{row_at}/repeat/value"
                panel["panels"] = self._layout(row_spec.get("layout"), f"{row_at}/layout", f"{path}/panels", depth + 1)
                out.append(panel)
        return out

    def _element(self, name: str, path: str, item: dict[str, Any], item_at: str | None = None) -> dict[str, Any] | None:
        element = self.elements.get(name)
        if not isinstance(element, dict):
            return None
        self.placed.add(name)
        at = f"/spec/elements/{_escape(name)}/spec"
        spec = _dict(element.get("spec"))
        self.places[path] = at
        panel: dict[str, Any] = {"id": spec["id"] if _panel_id(element) is not None else self._new_id()}
        for key in ("title", "description", "links", "transparent"):
            if key in spec:
                panel[key] = spec[key]
        if element.get("kind") == "LibraryPanel":
            panel["libraryPanel"] = spec.get("libraryPanel")
        else:
            self._viz(panel, spec.get("vizConfig"), path, f"{at}/vizConfig")
            self._data(panel, spec.get("data"), path, f"{at}/data")
        if item_at is not None:
            grid = {k: item[v] for k, v in (("x", "x"), ("y", "y"), ("w", "width"), ("h", "height"))
                    if isinstance(item.get(v), int) and not isinstance(item.get(v), bool)}
            if grid:
                panel["gridPos"] = grid
                self.places[f"{path}/gridPos"] = item_at
            repeat = _dict(item.get("repeat"))
            if isinstance(repeat.get("value"), str) and repeat["value"]:
                panel["repeat"] = repeat["value"]
                self.places[f"{path}/repeat"] = f"{item_at}/repeat/value"
                for classic, v2 in (("repeatDirection", "direction"), ("maxPerRow", "maxPerRow")):
                    if v2 in repeat:
                        panel[classic] = repeat[v2]
        return panel

    def _viz(self, panel: dict[str, Any], viz: Any, path: str, at: str) -> None:
        viz = _dict(viz)
        plugin = viz.get("group") if viz.get("kind") == "VizConfig" else viz.get("kind")  # v2beta1, v2alpha1
        if isinstance(plugin, str):
            panel["type"] = plugin
            self.places[f"{path}/type"] = f"{at}/group" if viz.get("kind") == "VizConfig" else f"{at}/kind"
        spec = _dict(viz.get("spec"))
        for key in ("options", "fieldConfig", "pluginVersion"):
            if key in spec:
                panel[key] = spec[key]
                self.places[f"{path}/{key}"] = f"{at}/spec/{key}"

    def _data(self, panel: dict[str, Any], data: Any, path: str, at: str) -> None:
        spec = _dict(_dict(data).get("spec"))
        targets, sources = [], []
        for i, query in enumerate(_list(spec.get("queries"))):
            query_spec = _dict(_dict(query).get("spec"))
            target, source = _query(query_spec.get("query"), query_spec.get("datasource"))
            if "refId" in query_spec:
                target["refId"] = query_spec["refId"]
            if query_spec.get("hidden") is True:
                target["hide"] = True
            if source is not None:
                target["datasource"] = source
            sources.append(source)
            self.places[f"{path}/targets/{len(targets)}"] = f"{at}/spec/queries/{i}/spec/query/spec"
            self.places[f"{path}/targets/{len(targets)}/refId"] = f"{at}/spec/queries/{i}/spec/refId"
            q_at = f"{at}/spec/queries/{i}/spec"
            ds_at = f"{q_at}/query/datasource" if "datasource" in _dict(query_spec.get("query")) else \
                f"{q_at}/datasource" if "datasource" in query_spec else f"{q_at}/query"
            self.places[f"{path}/targets/{len(targets)}/datasource"] = ds_at
            if not targets:  # the panel's datasource, as Grafana reads it: its queries'
                self.places[f"{path}/datasource"] = ds_at
            targets.append(target)
        panel["targets"] = targets
        self.places[f"{path}/targets"] = f"{at}/spec/queries"
        distinct = {repr(s) for s in sources}
        if sources and len(distinct) == 1 and sources[0] is not None:
            panel["datasource"] = sources[0]
        elif len(distinct) > 1:
            panel["datasource"] = {"type": "datasource", "uid": "-- Mixed --"}
        if "transformations" in spec:
            panel["transformations"] = [_dict(t).get("spec", t) for t in _list(spec["transformations"])]
            self.places[f"{path}/transformations"] = f"{at}/spec/transformations"
        options = _dict(spec.get("queryOptions"))
        for key in _QUERY_OPTIONS:
            if key in options:
                panel[key] = options[key]
                self.places[f"{path}/{key}"] = f"{at}/spec/queryOptions/{key}"

    # --- variables and annotations ------------------------------------------------------------------
    def _variables(self, variables: Any, at: str, into: str) -> list[dict[str, Any]]:
        out = []
        for i, variable in enumerate(_list(variables)):
            variable = _dict(variable)
            spec = dict(_dict(variable.get("spec")))
            kind = variable.get("kind")
            path, v_at = f"{into}/{len(out)}", f"{at}/{i}/spec"
            self.places[path] = v_at
            spec["type"] = _VARIABLE_TYPES.get(kind, kind) if isinstance(kind, str) else ""
            for key, table in (("hide", _HIDE), ("refresh", _REFRESH), ("sort", _SORT)):
                if isinstance(spec.get(key), str) and spec[key] in table:
                    spec[key] = table[spec[key]]
            if kind == "QueryVariable" and isinstance(spec.get("query"), dict):
                target, source = _query(spec["query"], spec.get("datasource"))
                if "query" not in target and isinstance(target.get("expr"), str):
                    target["query"] = target["expr"]
                spec["query"] = target
                self.places[f"{path}/query"] = f"{v_at}/query/spec"
                if source is not None:
                    spec["datasource"] = source
                    self.places[f"{path}/datasource"] = f"{v_at}/query/datasource" if "datasource" in \
                        _dict(_dict(variable.get("spec")).get("query")) else f"{v_at}/datasource"
            elif kind == "DatasourceVariable" and isinstance(spec.get("pluginId"), str):
                spec["query"] = spec["pluginId"]
                self.places[f"{path}/query"] = f"{v_at}/pluginId"
            elif kind in ("AdhocVariable", "GroupByVariable") and isinstance(spec.get("datasource"), dict):
                ds = spec["datasource"]
                spec["datasource"] = {"type": ds.get("group", ds.get("type")), "uid": ds.get("name", ds.get("uid"))}
            out.append(spec)
        return out

    def _annotations(self, annotations: Any) -> list[dict[str, Any]]:
        out = []
        for i, annotation in enumerate(_list(annotations)):
            spec = dict(_dict(_dict(annotation).get("spec")))
            path, at = f"/annotations/list/{len(out)}", f"/spec/annotations/{i}/spec"
            self.places[path] = at
            query = spec.pop("query", None)
            if isinstance(query, dict) or "datasource" in spec:
                target, source = _query(query, spec.get("datasource"))
                for key, value in target.items():
                    spec.setdefault(key, value)
                    self.places.setdefault(f"{path}/{key}", f"{at}/query/spec/{_escape(key)}")
                if source is not None:
                    spec["datasource"] = source
                    self.places[f"{path}/datasource"] = f"{at}/query"
            if spec.get("builtIn") is True:
                spec["builtIn"] = 1
            out.append(spec)
        return out

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def _query(query: Any, outer_source: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A v2 query as a classic target: its spec's fields (at the query's `spec`) and its datasource
    as `{type, uid}` (None when it names none).
    v2beta1: `{kind: DataQuery, group: <plugin>, datasource: {name: <uid>}, spec}`; v2alpha1:
    `{kind: <plugin>, spec}` with the datasource `{type, uid}` beside the query."""
    query = _dict(query)
    target = dict(_dict(query.get("spec")))
    if query.get("kind") == "DataQuery":
        kind, ds = query.get("group"), _dict(query.get("datasource"))
        uid = ds.get("name")
    else:
        kind, ds = query.get("kind"), _dict(outer_source)
        uid = ds.get("uid")
        kind = ds.get("type", kind)
    source: dict[str, Any] | None = None
    if isinstance(kind, str) or isinstance(uid, str):
        source = {key: value for key, value in (("type", kind), ("uid", uid)) if isinstance(value, str)}
    return target, source


def _panel_id(element: Any) -> int | None:
    value = _dict(_dict(element).get("spec")).get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
