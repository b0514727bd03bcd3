"""Query inventory: every PromQL query in a Grafana dashboard JSON, with where it lives. Pure.

Works on any dashboard JSON — ours from exports/, or an old one pulled from Grafana: nested and
collapsed rows, legacy `rows[]`, every panel type with `targets`, template-variable queries
(`label_values`, `query_result`, `metrics`, the object form) and annotation queries. Only the
queries of Prometheus and Prometheus-compatible datasources (`checks.datasources`: Amazon's and
Azure's managed Prometheus, VictoriaMetrics) are returned; everything else is an info finding,
never silently skipped.

Dashboard JSON from outside may have any shape: `sanitize` first checks the type of every part
the inventory reads (`panels` a list, a panel an object, `expr` text, …). A part of the wrong type
is an `inventory/invalid` finding — its queries cannot be checked, which must never look like
"nothing to check" — and is left out of the model the rest of the pipeline sees. Findings carry
the part's JSON pointer (`details.json_path`).

Positions come in as data (`jsonpos.Positions`, read from the file by the caller): every query's
location is its text's own line:column, every panel's, variable's and annotation's that object's —
found by the JSON path the walk knows, never by searching the file for the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from vertice_obs.checks import finding
from vertice_obs.checks.datasources import (
    datasource_kind,
    datasource_variables,
    described,
    language,
    target_kind,
)
from vertice_obs.checks.walk import (
    legacy_row_copy,
    repeat_copy,
    repeated_by,
    shown_panel,
    target_ref,
    unrun_targets,
)
from vertice_obs.finding import Finding, Location, pickled_by_fields
from vertice_obs.jsonpos import Positions
from vertice_obs.jsonpos.positions import pointer
from vertice_obs.metrics.adhoc import source_ref


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL query and its location. `expr` is as written (Grafana variables not yet applied)."""

    expr: str
    location: Location
    kind: str = "panel"  # "panel" | "variable" | "annotation"
    datasource: str = "prometheus"  # its type (`checks.datasources`): Prometheus or a compatible plugin
    source: str = ""  # which datasource (`adhoc.source_ref`): the uid, `$variable`, "" for the default
    repeat: tuple[str, ...] = ()  # the variables its panel (or the panel's row) repeats by: one copy per value
    runs: bool = True  # False: hidden (`hide: true`) and no expression its panel runs uses it — Grafana never runs it


def inventory(dashboard: dict[str, Any], file: str | None = None,
              positions: Positions | None = None) -> tuple[list[Query], list[Finding]]:
    """All Prometheus queries of one dashboard, and findings for what was not inspected; with
    `positions` (of the dashboard's JSON text), each located at its line:column."""
    queries, findings, _ = inventory_and_model(dashboard, file, positions)
    return queries, findings


def inventory_and_model(dashboard: dict[str, Any], file: str | None = None, positions: Positions | None = None
                        ) -> tuple[list[Query], list[Finding], dict[str, Any]]:
    """`inventory`, and the model it read: `sanitize(dashboard)[0]`, cleaned once for both (the walk
    reads it, never changes it)."""
    clean, shape = _sanitize(dashboard, file, positions)
    walker = _Walker(clean, file, shape.located)
    walker.walk()
    return walker.queries, shape.findings + walker.findings, clean


# --- shapes ------------------------------------------------------------------------------------------

_TYPE_NAMES = {dict: "an object", list: "a list", str: "text", int: "a number", type(None): "null"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Shape:
    """Checks the types the inventory relies on; returns a copy without the parts of the wrong type."""

    def __init__(self, file: str | None, uid: str, positions: Positions | None = None):
        self.file = file
        self.uid = uid
        self.positions = positions
        self.findings: list[Finding] = []
        self.paths: dict[int, tuple] = {}  # id(clean panel, target, variable, annotation) → its path in the file
        self.root: dict = {}  # the dashboard: its `__elements` hold the library panels an export carries

    def keep(self, clean: dict, path: tuple) -> dict:
        """Remember where a part of the cleaned model is in the file (its list index may differ)."""
        self.paths[id(clean)] = path
        return clean

    def located(self, part: dict, *inside: str) -> tuple[int | None, int | None]:
        """(line, column) of `part` of the cleaned model (or of the value at `inside` it) in the file."""
        path = self.paths.get(id(part))
        if self.positions is None or path is None:
            return None, None
        return self.positions.near_path(path + inside)

    def bad(self, path: tuple, what: str, expected: str, value: Any, panel: dict | None = None,
            consequence: str = "its queries are not checked") -> None:
        title = panel.get("title") if isinstance(panel, dict) and isinstance(panel.get("title"), str) else None
        panel_id = panel.get("id") if isinstance(panel, dict) and _is_int(panel.get("id")) else None
        line, column = self.positions.near_path(path) if self.positions is not None else (None, None)
        where = Location(file=self.file, line=line, column=column, dashboard=self.uid, panel=title, panel_id=panel_id)
        self.findings.append(finding("inventory/invalid",
                                     f"{what} must be {expected}, not {_kind(value)}: {consequence}",
                                     where, json_path=pointer(path)))

    def typed(self, obj: dict, key: str, types: tuple, path: tuple, what: str, panel: dict | None = None,
              consequence: str = "its queries are not checked") -> Any:
        """obj[key] if absent/None-allowed or of `types`; otherwise report it and return None."""
        value = obj.get(key)
        if value is None or isinstance(value, types) and not isinstance(value, bool):
            return value
        if isinstance(value, (list, dict, str)) and not value:
            return None  # an empty `[]` for `{}`: nothing in it to check, nothing lost
        expected = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        self.bad(path + (key,), what, expected, value, panel, consequence)
        return None

    def checked(self, obj: dict, clean: dict, keys: tuple[tuple[str, tuple], ...], path: tuple, what: str,
                panel: dict | None = None, consequence: str = "its queries are not checked") -> None:
        """`typed` for each of `keys` of `obj` (`what`: how a finding names the part, before its key); a
        key whose value is None or reported is left out of `clean`."""
        for key, types in keys:
            value = obj.get(key)
            if value is None:
                clean.pop(key, None)
            elif type(value) not in types and self.typed(obj, key, types, path, f"{what}`{key}`", panel,
                                                         consequence) is None:
                clean.pop(key, None)  # not of `types` exactly (JSON's own types): `typed` decides

    def items(self, value: Any, path: tuple, what: str, panel: dict | None = None) -> list[tuple[tuple, dict]]:
        """The object items of a list (each with its path); other items are reported."""
        out = []
        for i, item in enumerate(value or []):
            if isinstance(item, dict):
                out.append((path + (i,), item))
            else:
                self.bad(path + (i,), what, "an object", item, panel)
        return out

    def panels(self, owner: dict, path: tuple) -> list:
        """owner["panels"], cleaned; nested panels (rows, panels in panels) without recursion."""
        clean_top: list = []
        work = [(owner, path, clean_top)]
        while work:
            holder, at, into = work.pop()
            panels = self.typed(holder, "panels", (list,), at, "`panels`", holder if at != path else None)
            for item_path, panel in self.items(panels, at + ("panels",), "a panel"):
                clean = self.panel(*reversed(shown_panel(self.root, item_path, panel)))  # a library's model: its own
                if panel.get("panels") is not None:
                    clean["panels"] = []
                    work.append((panel, item_path, clean["panels"]))
                into.append(clean)
        return clean_top

    def panel(self, panel: dict, at: tuple) -> dict:
        clean = self.keep(dict(panel), at)
        clean.pop("panels", None)
        # the panel's own keys: its queries are still found, and checked without the bad one
        self.checked(panel, clean, _PANEL_KEYS, at, "", panel, "the panel's queries are checked as if it were absent")
        if "id" in panel and not _is_int(panel["id"]) and panel["id"] is not None:
            clean.pop("id")  # an id is only a label in messages: not worth a finding
        if "targets" in panel:
            targets = panel["targets"]
            if not isinstance(targets, list):
                self.bad(at + ("targets",), "`targets`", "a list", targets, panel)
                clean.pop("targets")
            else:
                clean["targets"] = [self.target(t, p, panel) for p, t in self.items(targets, at + ("targets",),
                                                                                   "a target", panel)]
        return clean

    def target(self, target: dict, at: tuple, panel: dict) -> dict:
        clean = self.keep(dict(target), at)
        self.checked(target, clean, _TARGET_KEYS, at, "", panel)
        if "refId" in clean and not isinstance(clean["refId"], str):
            clean["refId"] = str(clean["refId"])[:40]
        return clean

    def listing(self, dashboard: dict, key: str, what: str) -> list[tuple[tuple, dict]]:
        """`templating.list` / `annotations.list`: an object holding a list of objects."""
        holder = self.typed(dashboard, key, (dict,), (), f"`{key}`")
        if holder is None:
            return []
        entries = self.typed(holder, "list", (list,), (key,), f"`{key}.list`")
        return self.items(entries, (key, "list"), what)

    def variable(self, variable: dict, at: tuple) -> dict:
        clean = self.keep(dict(variable), at)
        self.checked(variable, clean, _VARIABLE_KEYS, at, "variable ")
        if isinstance(clean.get("query"), dict) and not isinstance(clean["query"].get("query", ""), str):
            self.bad(at + ("query", "query"), "variable `query.query`", "text", clean["query"]["query"])
            clean.pop("query")
        return clean

    def annotation(self, annotation: dict, at: tuple) -> dict:
        clean = self.keep(dict(annotation), at)
        self.checked(annotation, clean, _ANNOTATION_KEYS, at, "annotation ")
        if isinstance(clean.get("target"), dict) and self.typed(clean["target"], "expr", (str,), at + ("target",),
                                                                 "annotation `target.expr`") is None:
            clean["target"] = {k: v for k, v in clean["target"].items() if k != "expr"}
        return clean


# The keys `sanitize` checks the types of, and the types they may have.
_PANEL_KEYS = (("title", (str,)), ("type", (str,)), ("datasource", (str, dict)), ("libraryPanel", (dict,)))
_TARGET_KEYS = (("expr", (str,)), ("datasource", (str, dict)))
_VARIABLE_KEYS = (("name", (str,)), ("type", (str,)), ("query", (str, dict)), ("datasource", (str, dict)),
                  ("current", (dict,)), ("options", (list,)), ("allValue", (str,)))
_ANNOTATION_KEYS = (("expr", (str,)), ("name", (str,)), ("datasource", (str, dict)), ("target", (dict,)))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def dashboard_uid(dashboard: dict[str, Any]) -> str:
    """The uid (else title) to name a dashboard by in findings — always text."""
    for key in ("uid", "title"):
        value = dashboard.get(key)
        if isinstance(value, str) and value:
            return value
    return "?"


def sanitize(dashboard: Any, file: str | None = None,
             positions: Positions | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """`dashboard` without the parts of the wrong type, and an `inventory/invalid` finding for each."""
    clean, shape = _sanitize(dashboard, file, positions)
    return clean, shape.findings


def sanitized_variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """`sanitize(dashboard)[0]["templating"]["list"]` (for what reads only the variables), without
    cleaning the panels too."""
    shape = _Shape(None, "?")
    return [shape.variable(v, at) for at, v in shape.listing(dashboard, "templating", "a variable")]


def _sanitize(dashboard: Any, file: str | None, positions: Positions | None) -> tuple[dict[str, Any], _Shape]:
    if not isinstance(dashboard, dict):
        shape = _Shape(file, "?", positions)
        shape.bad((), "a dashboard", "an object", dashboard)
        return {}, shape
    shape = _Shape(file, dashboard_uid(dashboard), positions)
    shape.root = dashboard
    clean = dict(dashboard)
    clean["panels"] = shape.panels(dashboard, ())
    rows = shape.typed(dashboard, "rows", (list,), (), "`rows`")
    clean["rows"] = [{**row, "panels": shape.panels(row, at)} for at, row in shape.items(rows, ("rows",), "a row")]
    clean["templating"] = {"list": [shape.variable(v, at) for at, v in shape.listing(dashboard, "templating",
                                                                                     "a variable")]}
    clean["annotations"] = {"list": [shape.annotation(a, at) for at, a in shape.listing(dashboard, "annotations",
                                                                                        "an annotation")]}
    return clean, shape


class _Walker:
    def __init__(self, dashboard: dict[str, Any], file: str | None, located: Callable[..., tuple]):
        self.dashboard = dashboard
        self.uid = dashboard_uid(dashboard)
        self.file = file
        self.located = located  # (a part of `dashboard`, *keys inside it) → (line, column) in the file
        self.queries: list[Query] = []
        self.findings: list[Finding] = []
        self.ds_variables = datasource_variables(_templating(dashboard))

    def walk(self) -> None:
        for panel, repeat in _panels(self.dashboard):
            self._panel(panel, repeat)
        for variable in _templating(self.dashboard):
            self._variable(variable)
        for annotation in (self.dashboard.get("annotations") or {}).get("list") or []:
            self._annotation(annotation)

    # --- panels -----------------------------------------------------------------------------------
    def _panel(self, panel: dict[str, Any], repeat: tuple[str, ...] = ()) -> None:
        # Each Location is made where it is used, at the place it names: a query's is at its text,
        # so the panel's and the target's own places are looked up only for a finding about them.
        title, panel_id = panel.get("title", ""), panel.get("id")
        if panel.get("libraryPanel") and not panel.get("targets"):
            line, column = self.located(panel)
            where = Location(file=self.file, line=line, column=column, dashboard=self.uid, panel=title,
                             panel_id=panel_id)
            name = panel["libraryPanel"].get("name") or panel["libraryPanel"].get("uid", "?")
            self.findings.append(finding("inventory/library-panel",
                                         f"library panel {name!r}: its queries live in the library, not in this "
                                         f"dashboard, and are not inspected", where))
            return
        panel_ds = panel.get("datasource")
        unrun = unrun_targets(panel.get("targets"), panel_ds)
        for i, target in enumerate(panel.get("targets") or []):
            if not isinstance(target, dict):
                continue
            ds = target.get("datasource") or panel_ds  # a target's own wins; a Mixed panel has one per target
            kind = target_kind(target, panel_ds, self.ds_variables)
            expr = target.get("expr")
            if language(kind) is None:
                self._skipped(kind, ds, self._target_at(target, title, panel_id, target_ref(target, i)))
                continue
            if target.get("hide") is True and not expr:
                continue
            if isinstance(expr, str) and expr.strip():
                at = self._target_at(target, title, panel_id, target_ref(target, i), "expr")
                self.queries.append(Query(expr=expr, location=at, datasource=kind, source=source_ref(ds),
                                          repeat=repeat, runs=i not in unrun))

    def _target_at(self, target: dict[str, Any], title: Any, panel_id: Any, ref: str, *inside: str) -> Location:
        line, column = self.located(target, *inside)
        return Location(file=self.file, line=line, column=column, dashboard=self.uid, panel=title, panel_id=panel_id,
                        target=ref)

    # --- variables --------------------------------------------------------------------------------
    def _variable(self, variable: dict[str, Any]) -> None:
        if variable.get("type") != "query":
            return
        name = variable.get("name", "?")
        line, column = self.located(variable)
        at = Location(file=self.file, line=line, column=column, dashboard=self.uid, target=f"variable {name}")
        kind = self._ds_kind(variable.get("datasource"))
        query = variable.get("query")
        inside = ("query",)
        if isinstance(query, dict):  # Grafana ≥ 7.4 object form
            query, inside = query.get("query", ""), ("query", "query")
        if not isinstance(query, str) or not query.strip():
            return
        if language(kind) is None:
            self._skipped(kind, variable.get("datasource"), at)
            return
        line, column = self.located(variable, *inside)
        self.queries.append(Query(expr=query.strip(), location=at.at(line, column), kind="variable", datasource=kind))

    # --- annotations ------------------------------------------------------------------------------
    def _annotation(self, annotation: dict[str, Any]) -> None:
        expr, inside = annotation.get("expr"), ("expr",)
        if not expr:
            expr, inside = (annotation.get("target") or {}).get("expr"), ("target", "expr")
        name = annotation.get("name", "?")
        line, column = self.located(annotation)
        at = Location(file=self.file, line=line, column=column, dashboard=self.uid, target=f"annotation {name}")
        ds = annotation.get("datasource")
        kind = self._ds_kind(ds)
        if language(kind) is None:
            self._skipped(kind, ds, at)
        elif isinstance(expr, str) and expr.strip():
            line, column = self.located(annotation, *inside)
            self.queries.append(Query(expr=expr, location=at.at(line, column), kind="annotation", datasource=kind))

    # --- datasources ------------------------------------------------------------------------------
    def _ds_kind(self, ds: Any) -> str:
        return datasource_kind(ds, self.ds_variables)

    def _skipped(self, kind: str, ds: Any, at: Location) -> None:
        shown = ds.get("uid") or ds.get("type") if isinstance(ds, dict) else ds
        self.findings.append(finding("inventory/datasource-skipped",
                                     f"not a Prometheus query ({described(kind, shown)}): not checked", at))


def _templating(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in (dashboard.get("templating") or {}).get("list") or [] if isinstance(v, dict)]


_END = object()


def _panels(dashboard: dict[str, Any]) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every panel, with the variables Grafana repeats it by (its own `repeat`, its row's): top level,
    inside rows (expanded — the panels after a row panel, up to the next — or collapsed), and legacy
    `rows[].panels`. Iterative: nesting depth comes from the file and must not reach Python's
    recursion limit."""
    roots = [(dashboard.get("panels"), ())] + [(row.get("panels"), _repeat(row)) for row in dashboard.get("rows") or []
                                               if isinstance(row, dict) and not legacy_row_copy(row)]
    for root, outer in roots:
        stack = [(iter(root if isinstance(root, list) else []), outer)]
        row: tuple[str, ...] = ()  # an expanded row's repeat, over the panels that follow it at this level
        while stack:
            panel = next(stack[-1][0], _END)
            if panel is _END:
                stack.pop()
                continue
            if not isinstance(panel, dict) or repeat_copy(dashboard, panel):  # Grafana drops it on load
                continue
            around = stack[-1][1]
            if panel.get("type") == "row":  # collapsed, it repeats the panels inside it; expanded, those after it
                row = () if panel.get("collapsed") is True else _repeat(panel) if len(stack) == 1 else row
                if isinstance(panel.get("panels"), list) and panel["panels"]:  # collapsed: its panels inside it
                    stack.append((iter(panel["panels"]), around + _repeat(panel)))
                continue
            yield panel, tuple(dict.fromkeys(around + (row if len(stack) == 1 else ()) + _repeat(panel)))
            if isinstance(panel.get("panels"), list) and panel["panels"]:
                stack.append((iter(panel["panels"]), around))


def _repeat(owner: dict[str, Any]) -> tuple[str, ...]:
    name = repeated_by(owner)
    return (name,) if name else ()
