"""Which datasource a query runs on, and which query language it speaks. Pure.

The one classification of datasource references for the inventory (which queries vobs checks) and
the lints (which panels want a datasource variable): a reference may be an object
`{type, uid}`, a uid or a legacy name, `${variable}`, Grafana's pseudo-datasources, or absent (the
default, which for the dashboards vobs checks is Prometheus — Grafana resolves it the same way at
query time). Prometheus-compatible plugins speak PromQL: Amazon Managed Service for Prometheus and
Azure Monitor managed service for Prometheus; VictoriaMetrics' plugins (`victoriametrics-metrics-
datasource`, and the older `victoriametrics-datasource`) speak MetricsQL, its superset of PromQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIXED = "-- Mixed --"
BUILTIN = {"-- Dashboard --": "dashboard", "-- Grafana --": "grafana", MIXED: "mixed"}
PROMQL = "promql"
METRICSQL = "metricsql"
# plugin id → query language; every other type is not checked (Loki, SQL, expressions, …)
LANGUAGES = {
    "prometheus": PROMQL,
    "grafana-amazonprometheus-datasource": PROMQL,
    "grafana-azureprometheus-datasource": PROMQL,
    "victoriametrics-metrics-datasource": METRICSQL,
    "victoriametrics-datasource": METRICSQL,
}
# Legacy datasource *names* (Grafana < 8 referred to a datasource by its name): a word in the name
# says the type; any other name is assumed to be the Prometheus such names usually were.
_NAMED = (("victoria", "victoriametrics-datasource"), ("loki", "loki"), ("elasticsearch", "elasticsearch"),
          ("mysql", "mysql"), ("postgres", "postgres"), ("mssql", "mssql"), ("influx", "influx"),
          ("tempo", "tempo"), ("graphite", "graphite"))


@dataclass(frozen=True)
class Backend:
    """The server a run checks against, as far as the query language goes: `shown` names it in
    messages ("VictoriaMetrics at http://…"); `metricsql`: it is a VictoriaMetrics, so it answers
    MetricsQL whatever the datasource's plugin (VictoriaMetrics' own dashboards query it through
    Grafana's Prometheus plugin). A run with no server (offline, the catalog) has none: None."""

    shown: str
    metricsql: bool = False


def speaks_metricsql(kind: str, backend: Backend | None) -> bool:
    """Does a query on a datasource of type `kind` reach a server that answers MetricsQL — the
    datasource is VictoriaMetrics' plugin, or the run's server is a VictoriaMetrics?"""
    return LANGUAGES.get(kind) == METRICSQL or (backend is not None and backend.metricsql and kind in LANGUAGES)


def language(kind: str) -> str | None:
    """The query language of a datasource type (`datasource_kind`): PROMQL, METRICSQL, or None
    for one vobs does not check."""
    return LANGUAGES.get(kind)


def datasource_variables(templating: list[dict[str, Any]]) -> dict[str, str]:
    """Datasource variable name → the plugin type it chooses among (its `query`), lowercased."""
    out = {}
    for v in templating:
        if v.get("type") == "datasource" and isinstance(v.get("name"), str):
            out[v["name"]] = v["query"].lower() if isinstance(v.get("query"), str) else ""
    return out


def datasource_kind(ds: Any, variables: dict[str, str]) -> str:
    """The type of the datasource a reference names: a plugin id (`prometheus`, `loki`, …), `mixed`,
    `dashboard` or `grafana`. `variables` are the dashboard's datasource variables
    (`datasource_variables`); a variable of no known type is taken as Prometheus."""
    if ds is None or ds == "" or ds == "default":
        return "prometheus"
    if isinstance(ds, dict):
        uid = ds.get("uid") if isinstance(ds.get("uid"), str) else None
        kind = ds["type"].lower() if isinstance(ds.get("type"), str) else ""
        if uid in BUILTIN:
            return BUILTIN[uid]
        if kind in ("datasource", "grafana"):  # `{type: datasource, uid: -- Dashboard --}` style; Grafana 8+
            return BUILTIN.get(uid, "grafana" if uid == "grafana" else kind)  # writes its own as uid `grafana`
        if kind:
            return kind
        return datasource_kind(uid, variables)
    if isinstance(ds, str):
        if ds in BUILTIN:
            return BUILTIN[ds]
        name = ds.strip("${}").split(":")[0] if ds.startswith("$") else None
        if name is not None:
            return variables.get(name) or "prometheus"
        lowered = ds.lower()
        return next((kind for word, kind in _NAMED if word in lowered), "prometheus")
    return "prometheus"


def target_kind(target: dict[str, Any], panel_ds: Any, variables: dict[str, str]) -> str:
    """The datasource type a panel target's query runs on: its own datasource, else its panel's
    (`panel_ds`); on a Mixed panel, its own."""
    kind = datasource_kind(target.get("datasource") or panel_ds, variables)
    return datasource_kind(target.get("datasource"), variables) if kind == "mixed" else kind


def described(kind: str, shown: Any) -> str:
    """A datasource in words, for a message: `loki datasource 'abc'` said as "datasource 'abc' of type
    loki" — never the type and then "datasource" again (`datasource datasource 'grafana'` for Grafana's
    own, `grafana-bigquery-datasource datasource 'bq'` for a plugin whose id ends so)."""
    if kind == "__expr__":
        return "a server-side expression"
    if kind in ("grafana", "dashboard", "mixed", "datasource"):
        return f"Grafana's built-in datasource {shown!r}" if shown else "a Grafana built-in datasource"
    return f"datasource {shown!r} of type {kind}" if shown and shown != kind else f"a datasource of type {kind}"
