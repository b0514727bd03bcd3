"""Query inventory: every PromQL query in a Grafana dashboard JSON, with where it lives. Pure.

Works on any dashboard JSON — ours from exports/, or an old one pulled from Grafana: nested and
collapsed rows, legacy `rows[]`, every panel type with `targets`, template-variable queries
(`label_values`, `query_result`, `metrics`, the object form) and annotation queries. Only
Prometheus queries are returned; everything else is an info finding, never silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from vertice_obs.checks import finding
from vertice_obs.finding import Finding, Location

MIXED = "-- Mixed --"
_BUILTIN = {"-- Dashboard --": "dashboard", "-- Grafana --": "grafana", MIXED: "mixed"}


@dataclass(frozen=True)
class Query:
    """One PromQL query and its location. `expr` is as written (Grafana variables not yet applied)."""

    expr: str
    location: Location
    kind: str = "panel"  # "panel" | "variable" | "annotation"
    datasource: str = "prometheus"


def inventory(dashboard: dict[str, Any], file: str | None = None) -> tuple[list[Query], list[Finding]]:
    """All Prometheus queries of one dashboard, and info findings for what was not inspected."""
    walker = _Walker(dashboard, file)
    walker.walk()
    return walker.queries, walker.findings


class _Walker:
    def __init__(self, dashboard: dict[str, Any], file: str | None):
        self.dashboard = dashboard
        self.uid = dashboard.get("uid") or dashboard.get("title") or "?"
        self.file = file
        self.queries: list[Query] = []
        self.findings: list[Finding] = []
        self.ds_variables = {v.get("name"): (v.get("query") or "").lower()
                             for v in _templating(dashboard) if v.get("type") == "datasource"}

    def walk(self) -> None:
        for panel in _panels(self.dashboard):
            self._panel(panel)
        for variable in _templating(self.dashboard):
            self._variable(variable)
        for annotation in (self.dashboard.get("annotations") or {}).get("list") or []:
            self._annotation(annotation)

    # --- panels -----------------------------------------------------------------------------------
    def _panel(self, panel: dict[str, Any]) -> None:
        where = Location(file=self.file, dashboard=self.uid, panel=panel.get("title", ""), panel_id=panel.get("id"))
        if panel.get("libraryPanel") and not panel.get("targets"):
            name = panel["libraryPanel"].get("name") or panel["libraryPanel"].get("uid", "?")
            self.findings.append(finding("inventory/library-panel",
                                         f"library panel {name!r}: its queries live in the library, not in this "
                                         f"dashboard, and are not inspected", where))
            return
        panel_ds = panel.get("datasource")
        for target in panel.get("targets") or []:
            if not isinstance(target, dict):
                continue
            ref = target.get("refId") or "?"
            at = Location(file=self.file, dashboard=self.uid, panel=where.panel, panel_id=where.panel_id, target=ref)
            # A target's own datasource wins; a Mixed panel has one per target.
            ds = target.get("datasource") or panel_ds
            kind = self._ds_kind(ds)
            if kind == "mixed":
                kind = self._ds_kind(target.get("datasource"))
            expr = target.get("expr")
            if kind != "prometheus":
                self._skipped(kind, ds, at)
                continue
            if target.get("hide") is True and not expr:
                continue
            if isinstance(expr, str) and expr.strip():
                self.queries.append(Query(expr=expr, location=at))

    # --- variables --------------------------------------------------------------------------------
    def _variable(self, variable: dict[str, Any]) -> None:
        if variable.get("type") != "query":
            return
        name = variable.get("name", "?")
        at = Location(file=self.file, dashboard=self.uid, target=f"variable {name}")
        kind = self._ds_kind(variable.get("datasource"))
        query = variable.get("query")
        if isinstance(query, dict):  # Grafana ≥ 7.4 object form
            query = query.get("query", "")
        if not isinstance(query, str) or not query.strip():
            return
        if kind != "prometheus":
            self._skipped(kind, variable.get("datasource"), at)
            return
        self.queries.append(Query(expr=query.strip(), location=at, kind="variable"))

    # --- annotations ------------------------------------------------------------------------------
    def _annotation(self, annotation: dict[str, Any]) -> None:
        expr = annotation.get("expr") or (annotation.get("target") or {}).get("expr")
        name = annotation.get("name", "?")
        at = Location(file=self.file, dashboard=self.uid, target=f"annotation {name}")
        ds = annotation.get("datasource")
        kind = self._ds_kind(ds)
        if kind != "prometheus":
            self._skipped(kind, ds, at)
        elif isinstance(expr, str) and expr.strip():
            self.queries.append(Query(expr=expr, location=at, kind="annotation"))

    # --- datasources ------------------------------------------------------------------------------
    def _ds_kind(self, ds: Any) -> str:
        """'prometheus', 'mixed', or another type. A missing datasource is the default one, which
        for MAXIMUS dashboards is Prometheus (Grafana resolves it the same way at query time)."""
        if ds is None or ds == "" or ds == "default":
            return "prometheus"
        if isinstance(ds, dict):
            uid, kind = ds.get("uid"), (ds.get("type") or "").lower()
            if uid in _BUILTIN:
                return _BUILTIN[uid]
            if kind in ("datasource", "grafana"):  # `{type: datasource, uid: -- Dashboard --}` style
                return _BUILTIN.get(uid, kind)
            if kind:
                return kind
            return self._ds_kind(uid)
        if isinstance(ds, str):
            if ds in _BUILTIN:
                return _BUILTIN[ds]
            name = ds.strip("${}").split(":")[0] if ds.startswith("$") else None
            if name is not None:
                return self.ds_variables.get(name) or "prometheus"
            lowered = ds.lower()
            for known in ("loki", "elasticsearch", "mysql", "postgres", "mssql", "influx", "tempo", "graphite"):
                if known in lowered:
                    return known
            return "prometheus"  # legacy datasource *names*: assume the Prometheus they usually were
        return "prometheus"

    def _skipped(self, kind: str, ds: Any, at: Location) -> None:
        shown = ds.get("uid") or ds.get("type") if isinstance(ds, dict) else ds
        label = "expression" if kind == "__expr__" else kind
        self.findings.append(finding("inventory/datasource-skipped",
                                     f"not a Prometheus query ({label} datasource {shown!r}): not checked", at))


def _templating(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in (dashboard.get("templating") or {}).get("list") or [] if isinstance(v, dict)]


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel: top level, inside rows (expanded or collapsed), and legacy `rows[].panels`."""

    def nested(panels):
        for panel in panels or []:
            if not isinstance(panel, dict):
                continue
            if panel.get("type") == "row":
                yield from nested(panel.get("panels"))
            else:
                yield panel
                yield from nested(panel.get("panels")) if panel.get("panels") else ()

    yield from nested(dashboard.get("panels"))
    for row in dashboard.get("rows") or []:
        if isinstance(row, dict):
            yield from nested(row.get("panels"))
