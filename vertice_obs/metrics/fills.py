"""What a dashboard's variables fill: the panels each one's value reaches, and the findings that
follow from it. Pure: a dashboard's queries and variables in, findings out.

- `variable/value-unknown` (info): a variable nothing is known about, naming the panels whose
  matchers it fills (those matchers are not judged).
- A query variable whose own query selects nothing has an empty dropdown: `with_fills` makes each
  such finding (its metric missing, a label or value it lists absent) name the panels that use the
  variable, directly or through a chained variable, so that the audit ranks it by them too
  (trial 14: a metric feeding one dropdown that 10 panels filter by was ranked by its dropdown alone).

May import `checks`, `finding`, `metrics.analysis`, `metrics.inventory`, `metrics.interpolate`,
`metrics.nodata`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.checks import finding
from vertice_obs.checks.metrics import NO_DATA
from vertice_obs.checks.walk import VARIABLE_REF, pointer, variables
from vertice_obs.finding import Finding, panels_named
from vertice_obs.jsonpos import Positions
from vertice_obs.metrics.analysis import mentions
from vertice_obs.metrics.interpolate import Variable
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.nodata import VariableAt, at_variable

Panel = tuple[Any, "int | None", "str | None", "int | None"]  # (title, id), its first query using the variable: refId, line
Fills = dict[tuple[str, str], tuple[Panel, ...]]  # (file, variable) → the panels it fills, in the dashboard's order

# A variable's own query selecting nothing: its dropdown lists nothing (whatever the time range, or
# for this one: `disappeared`), so every panel filtering by it is drawn without a value of it.
EMPTIES = NO_DATA | {"variable/label-missing"}
_VARIABLE = "variable "  # a variable's query: its Location.target


def variable_paths(file: str, model: Mapping[str, Any], names: Iterable[str],
                   positions: Positions | None) -> dict[tuple[str, str], VariableAt]:
    """(file, variable) → the JSON path, line and column of each named variable's definition — found
    while the file's positions are at hand (later, ~660 files' were read again at 1,000)."""
    wanted, out = set(names), {}
    for path, v in variables(model):  # the lints' walk: paths in the model, as theirs are
        if v["name"] in wanted and (file, v["name"]) not in out:
            at = pointer(path)
            line, column = positions.near(at) if positions is not None else (None, None)
            out[file, v["name"]] = (at, line, column)
    return out


def names_used(expr: str) -> frozenset[str]:
    """The variables `expr` refers to, by their exact names (Grafana's own reference syntax, the
    lints' `VARIABLE_REF`: `$name`, `[[name:fmt]]`, `${name.field:fmt}`; `$env` is not `$environment`)."""
    if "$" not in expr and "[[" not in expr:  # most queries of a dashboard use no variable
        return frozenset()
    return frozenset(m.group(1) or m.group(2) or m.group(4) for m in VARIABLE_REF.finditer(expr))


def uses_variable(expr: str, name: str) -> bool:
    """Does `expr` use exactly the variable `name`? Unlike `analysis.mentions` (a prefix test that
    may judge once too often), `$env` is not found in `$environment`: a panel counted here is
    named to a reader as one the variable fills."""
    return name in names_used(expr)


def filled_panels(file: str, found: Sequence[Query], model: Mapping[str, Any] | None = None) -> Fills:
    """(file, variable) → the panels whose queries use the variable, directly or through a variable
    whose own query uses it (`$pod` from `label_values(up{namespace="$ns"}, pod)` fills what `$pod`
    fills), for each variable with a query of its own. Empty for a dashboard without one. Each
    expression is scanned once; a chain (or a cycle) of thousands of variables stays linear in it
    per variable."""
    drawn = _all_drawn(model or {})
    own = {q.location.target[len(_VARIABLE):]: names_used(q.expr) for q in found
           if q.kind == "variable" and (q.location.target or "").startswith(_VARIABLE)}
    if not own:
        return {}
    below: dict[str, list[str]] = {}  # a variable → the variables whose own query uses it
    for other, names in own.items():
        for name in names:
            if name != other:
                below.setdefault(name, []).append(other)
    panels = [(q, names_used(q.expr)) for q in found if q.kind == "panel"]
    out: Fills = {}
    for name in own:
        if name in drawn:  # empty, it still offers All, and its allValue draws the panels
            continue
        reach, todo = {name}, [name]
        while todo:  # the variables chained below this one
            for other in below.get(todo.pop(), ()):
                if other not in reach:
                    reach.add(other)
                    todo.append(other)
        places: dict[tuple, Panel] = {}
        for q, names in panels:
            at = q.location
            if (at.panel, at.panel_id) not in places and not reach.isdisjoint(names):
                places[at.panel, at.panel_id] = (at.panel, at.panel_id, at.target, at.line)
        if places:
            out[file, name] = tuple(places.values())
    return out


def _all_drawn(model: Mapping[str, Any]) -> set[str]:
    """The variables that still draw their panels when their query lists nothing: Grafana keeps the
    All option of an include-All variable (`includeAll`), and its `allValue` (`.*`, `.+`) matches
    without any option (trial 15, Ray's dashboards). Without an allValue, All stands for the options'
    values — none — and the panels get `()`, which selects only series without the label."""
    return {v["name"] for _, v in variables(model)
            if v.get("includeAll") is True and isinstance(v.get("allValue"), str) and v["allValue"]}


def with_fills(findings: list[Finding], fills: Mapping[tuple[str, str], tuple[Panel, ...]]) -> list[Finding]:
    """`findings`, each one saying a variable's own query selects nothing (`EMPTIES`) told with the
    panels that variable fills: in its message, and as `details.fills` — [{panel, panel_id, target,
    line}], each at its first query using it — for the audit, which counts them among the panels of
    the metric's problem."""
    if not fills:
        return findings
    out = []
    for f in findings:
        loc = f.location
        target = loc.target or ""
        if f.check in EMPTIES and loc.panel is None and loc.panel_id is None and target.startswith(_VARIABLE):
            name = target[len(_VARIABLE):]
            panels = fills.get((loc.file or "", name))
            if panels:
                listed = [{"panel": title, "panel_id": pid, "target": ref, "line": line}
                          for title, pid, ref, line in panels]
                counted, named = panels_named([(t, pid) for t, pid, _, _ in panels])
                uses = f"{counted} ({named}) {'uses' if len(panels) == 1 else 'use'}"
                said = (f"; {uses} ${name}" if f.check.startswith("variable/")  # it says the dropdown is empty
                        else f"; so ${name} lists nothing, and {uses} it")
                f = replace(f, message=f.message + said,
                            details=tuple(sorted({**dict(f.details), "fills": listed}.items())))
        out.append(f)
    return out


def unknown_in(query: Query, variables: dict[str, Variable]) -> list[str]:
    """The variables `query` uses that have no value known: none saved (no current value, no option,
    no allValue), or a query variable Grafana re-runs."""
    return [name for name, v in variables.items() if not v.values and not v.all_value and mentions(query.expr, name)]


def unknown_values(file: str, model: Mapping[str, Any], unknown: dict[str, list[Query]],
                   variables: dict[str, Variable], positions: Positions | None) -> list[Finding]:
    """Info, never an error: one finding per variable nothing is known about, at its definition,
    naming the panels whose matchers it fills — those matchers are not judged."""
    paths = variable_paths(file, model, unknown, positions)
    out = []
    for name, queries in unknown.items():
        v = variables[name]
        why = (f"${name} is a query variable Grafana re-runs {v.refreshed}, so its saved value need not be "
               "the one shown" if v.refreshed
               else f"${name} is All, with no allValue and no options saved in the dashboard" if v.chosen_all
               else f"${name} has no value saved in the dashboard (no current value, no options)")
        panels = list(dict.fromkeys((q.location.panel, q.location.panel_id) for q in queries
                                    if q.location.panel is not None or q.location.panel_id is not None))
        others = [q.location.target or "?" for q in queries
                  if q.location.panel is None and q.location.panel_id is None]
        counted, listed = panels_named(panels, others)
        where = f"{counted} ({listed})"
        first = queries[0].location
        at, extra = at_variable(paths, first.file, first.dashboard, name)
        out.append(finding("variable/value-unknown",
                           f"{why}: the matchers it fills on {where} are not checked for series", at,
                           variable=name, queries=len(queries), panels=len(panels), **extra))
    return out
