"""House-style checks over a rendered dashboard: what makes a MAXIMUS dashboard readable and stable."""

from __future__ import annotations

from typing import Any, Iterator

from vertice_obs.checks import check
from vertice_obs.finding import Location, Severity
from vertice_obs.panels import SCHEMA_VERSION

# Panel types that show numbers, and therefore need a unit to be read correctly.
_NUMERIC = {"timeseries", "stat", "gauge", "bargauge", "heatmap", "table", "graph", "singlestat"}


def iter_panels(model: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those inside rows (collapsed or not)."""
    for panel in model.get("panels", []):
        yield panel
        yield from panel.get("panels", []) if panel.get("type") == "row" else ()


def _where(file: str, model: dict[str, Any], panel: dict[str, Any] | None = None) -> Location:
    if panel is None:
        return Location(file=file, dashboard=model.get("uid"))
    return Location(file=file, dashboard=model.get("uid"), panel=panel.get("title", ""), panel_id=panel.get("id"))


@check("dashboard/schema-version", Severity.WARNING)
def schema_version(model: dict[str, Any], file: str):
    """The dashboard's schemaVersion is older than the house style's: Grafana will migrate it on
    every load, so what is stored differs from what users see and diffs get noisy."""
    version = model.get("schemaVersion", 0)
    if version < SCHEMA_VERSION:
        yield (f"schemaVersion {version} is older than {SCHEMA_VERSION}: Grafana migrates it on load; "
               f"build it with vertice_obs.panels.dashboard()", _where(file, model))


@check("dashboard/environment-variable", Severity.WARNING)
def environment_variable(model: dict[str, Any], file: str):
    """The dashboard has no `environment` variable, so readers cannot switch between environments."""
    names = {v.get("name") for v in model.get("templating", {}).get("list", [])}
    if "environment" not in names:
        yield "no `environment` template variable: add panels.environment_variable(metric)", _where(file, model)


@check("panel/description", Severity.WARNING)
def panel_description(model: dict[str, Any], file: str):
    """A panel without a description does not tell its reader what to look for."""
    for panel in iter_panels(model):
        if panel.get("type") != "row" and not str(panel.get("description", "")).strip():
            yield "panel has no description: say what to look for and why it matters", _where(file, model, panel)


@check("panel/unit", Severity.WARNING)
def panel_unit(model: dict[str, Any], file: str):
    """A numeric panel without a unit shows bare numbers: 0.2 of what — seconds, ratio, events?"""
    for panel in iter_panels(model):
        if panel.get("type") in _NUMERIC and not _unit(panel):
            yield "numeric panel has no unit: set unit= (e.g. s, ms, percentunit, ops)", _where(file, model, panel)


def _unit(panel: dict[str, Any]) -> str:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    return defaults.get("unit") or panel.get("options", {}).get("yAxis", {}).get("unit") or ""
