"""Which panels still draw: a panel shows No data only when every query it runs does (trial 23 M2).
Pure: the run's findings in, the places of the panels that still draw out.

A panel's queries are the targets its findings name (a hidden query's are information, `hidden`:
Grafana does not run it); a query selects nothing when a finding at it says its metric is absent or
its selector matches no series (`NO_DATA`). A panel one of whose queries has no such finding still
draws from it, whatever its other queries lack — a missing metric there loses one line of the panel,
not the panel.
"""

from __future__ import annotations

from typing import Callable, Iterable

from vertice_obs.finding import Finding

Place = tuple  # `Use.place` of a panel: (dashboard, "#", panel id or title)


def panel_place(f: Finding) -> Place | None:
    loc = f.location
    if loc.panel is None and loc.panel_id is None:
        return None
    return (loc.dashboard or loc.file or "?", "#", loc.panel_id if loc.panel_id is not None else loc.panel)


def drawing_panels(findings: Iterable[Finding], empties: Callable[[Finding], bool]) -> frozenset[Place]:
    """The places of the panels with a query that selects something: one no finding says is empty
    (`empties`). A panel no finding names is in neither set: its verdict is unknown."""
    queries: dict[Place, set[str]] = {}
    empty: dict[Place, set[str]] = {}
    for f in findings:
        place = panel_place(f)
        if place is None or f.metric is None or dict(f.details).get("hidden"):
            continue
        target = f.location.target or ""
        queries.setdefault(place, set()).add(target)
        if empties(f):
            empty.setdefault(place, set()).add(target)
    return frozenset(place for place, targets in queries.items() if targets - empty.get(place, set()))
