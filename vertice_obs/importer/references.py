"""What becomes of the references between a dashboard's panels when `vobs import` renumbers them
(in `migrate`, and again in the build, a story panel first): a `-- Dashboard --` query (another
panel's results, read by its id in `panelId`) and a link to a panel of the dashboard itself
(`viewPanel=`, `editPanel=`) follow the panel they named to its new id (`build.render.layout` maps
them; the module keeps the panel's id for the build to map it again). Said in notes. Pure.
"""

from __future__ import annotations

import re
from typing import Any

from vertice_obs.build.render import (
    dashboard_references,
    is_own,
    link_urls,
    panel_links,
)

_PANEL_LINK = re.compile(r"[?&](viewPanel|editPanel)=")


def said(value: Any) -> str:
    """A value of the original as a note quotes it: `'CPU'`, `26`, or `(none)` — never Python's `None`."""
    if value is None:
        return "(none)"
    return repr(value) if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else repr(value)


def reference_notes(panels: list[dict[str, Any]], uid: str) -> list[str]:
    """The notes on the `-- Dashboard --` queries and the links to panels of the dashboard `uid`
    among `panels` (rows holding theirs): each one that follows its panel, each naming an id no
    panel has, and the panels linking to another dashboard's panels by id (kept as they are)."""
    flat = [each for panel in panels for each in [panel, *(c for c in panel.get("panels") or [] if isinstance(c, dict))]]
    titles: dict[int, Any] = {}
    for each in flat:
        if isinstance(each.get("id"), int):
            titles.setdefault(each["id"], each.get("title"))

    def named(ids_of, verb: str) -> tuple[list[str], list[str]]:
        follow, dangling = [], []
        for each in flat:
            for read in ids_of(each):
                (follow if read in titles else dangling).append(
                    f"{said(each.get('title'))} {verb} {said(titles[read]) if read in titles else f'panel id {read}'}")
        return follow, dangling

    notes = []
    follow, dangling = named(dashboard_references, "reads")
    if follow:
        notes.append("queries of the `-- Dashboard --` datasource read the panel they named under its new id (panels "
                     "are renumbered, a story panel first): " + ", ".join(follow))
    if dangling:
        notes.append("queries of the `-- Dashboard --` datasource naming a panel id this dashboard does not have (no "
                     "data in Grafana either; point panelId at a panel of the module): " + ", ".join(dangling))
    follow, dangling = named(lambda each: panel_links(each, uid), "links to")
    if follow:
        notes.append("links to a panel of this dashboard (viewPanel=, editPanel=) open the panel they named under its "
                     "new id (panels are renumbered, a story panel first): " + ", ".join(follow))
    if dangling:
        notes.append("links to a panel id this dashboard does not have (viewPanel=, editPanel=) kept as they are: "
                     + ", ".join(dangling))
    elsewhere = sorted({str(each.get("title")) for each in flat
                        if any(_PANEL_LINK.search(url) and not is_own(url, uid) for url in link_urls(each))})
    if elsewhere:
        notes.append("links naming a panel of another dashboard by id (viewPanel=, editPanel=) kept as they are, "
                     "though vobs renumbers the panels of a dashboard it builds: check them after `vobs build` ("
                     + ", ".join(map(repr, elsewhere)) + ")")
    return notes
