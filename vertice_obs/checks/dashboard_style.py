"""House-style checks over a rendered dashboard: what makes a MAXIMUS dashboard readable and stable."""

from __future__ import annotations

import json
from typing import Any, Iterator

from vertice_obs.checks import check
from vertice_obs.checks.walk import (
    as_dict,
    as_list,
    panel_id,
    pointer,
    text,
    unseen_library_panel,
    walk_panels,
)
from vertice_obs.finding import Location, Severity

# Grafana 10.3 – 11.x. Grafana migrates dashboards with an older schemaVersion on every load. Here,
# not in `panels` (which renders with it): `vobs validate` runs this check on any dashboard JSON,
# and importing `panels` would import grafanalib (~0.1 s) for one number.
SCHEMA_VERSION = 39

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
        # Named with its import path: the module may be grafanalib, house-style (`importer.house as h`)
        # or JSON, and `panels` is imported in none of those; the Template it returns fits any of them.
        yield ("no `environment` template variable: add one to the dashboard's variables, e.g. "
               "vertice_obs.panels.environment_variable(metric)", _where(file, model))


def _at(file: str, model: dict[str, Any], path: tuple, panel: dict[str, Any]) -> tuple[Location, dict]:
    title = panel.get("title") if isinstance(panel.get("title"), str) else None  # "panel (#3)": no name to give
    where = Location(file=file, dashboard=dashboard_name(model), panel=title, panel_id=panel_id(panel))
    return where, {"json_path": pointer(path)}


@check("panel/title", Severity.WARNING)
def panel_title(model: dict[str, Any], file: str):
    """A panel without a title: readers cannot tell what it shows, and links, alerts and findings
    cannot name it. Text panels and rows are exempt — but not from a title that is not text
    (`"title": 42`), which is said as what it is. dashboard-linter: `panel-title-description-rule`
    (the title half). For dashboards outside the project's exports, `vobs validate` reports it as info."""
    for path, panel in walk_panels(model):
        title = panel.get("title")
        if title is not None and not isinstance(title, str):  # rows and text panels too: it is not text
            yield (f"panel title is {_json_value(title)}, not text: Grafana expects a string; write it in quotes",
                   *_at(file, model, (*path, "title"), panel))  # at the value itself
        elif panel.get("type") not in ("row", "text") and not text(title).strip() and not unseen_library_panel(panel):
            yield ("panel has no title: say what it shows", *_at(file, model, path, panel))


def _json_value(value: Any) -> str:
    """A JSON value and its kind, short and on one line: `42 (a number)`."""
    kind = ("a boolean" if isinstance(value, bool) else "a number" if isinstance(value, (int, float))
            else "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "a value")
    shown = json.dumps(value, ensure_ascii=True, default=str)
    return f"{shown if len(shown) <= 40 else shown[:40] + '…'} ({kind})"


@check("panel/description", Severity.WARNING)
def panel_description(model: dict[str, Any], file: str):
    """A panel without a description does not tell its reader what to look for. dashboard-linter:
    `panel-title-description-rule` (the description half). For dashboards outside the project's
    exports, `vobs validate` reports it as info."""
    for path, panel in walk_panels(model):
        if panel.get("type") != "row" and not str(panel.get("description") or "").strip() \
                and not unseen_library_panel(panel):  # its description is in the library, out of sight
            yield ("panel has no description: say what to look for and why it matters",
                   *_at(file, model, path, panel))


@check("panel/unit", Severity.WARNING)
def panel_unit(model: dict[str, Any], file: str):
    """A numeric panel without a unit shows bare numbers: 0.2 of what — seconds, ratio, events?
    The unit may be the field default, an override, or a legacy graph's y-axis `format`; panels with
    value mappings show words, not numbers, and are exempt. dashboard-linter: `panel-units-rule`
    (which also checks the unit's name). For dashboards outside the project's exports, `vobs
    validate` reports it as info."""
    for path, panel in walk_panels(model):
        if text(panel.get("type")) in _NUMERIC and not _unit(panel) and not _mappings(panel) \
                and not unseen_library_panel(panel):
            yield ("numeric panel has no unit: set unit= (e.g. s, ms, percentunit, ops)",
                   *_at(file, model, path, panel))


def _unit(panel: dict[str, Any]) -> str:
    field_config = as_dict(panel.get("fieldConfig"))
    defaults = as_dict(field_config.get("defaults"))
    overrides = [p.get("value") for o in as_list(field_config.get("overrides")) if isinstance(o, dict)
                 for p in as_list(o.get("properties")) if isinstance(p, dict) and p.get("id") == "unit"]
    legacy = [as_dict(axis).get("format") for axis in as_list(panel.get("yaxes"))[:1]]
    candidates = [defaults.get("unit"), *overrides, as_dict(as_dict(panel.get("options")).get("yAxis")).get("unit"),
                  *legacy, panel.get("format")]
    return next((c for c in candidates if isinstance(c, str) and c), "")


def _mappings(panel: dict[str, Any]) -> bool:
    defaults = as_dict(as_dict(panel.get("fieldConfig")).get("defaults"))
    return bool(as_list(defaults.get("mappings")) or as_list(panel.get("valueMaps")))


def dashboard_name(model: dict[str, Any]) -> str:
    """The uid (else title) findings name a dashboard by."""
    for key in ("uid", "title"):
        if isinstance(model.get(key), str) and model[key]:
            return model[key]
    return "?"
