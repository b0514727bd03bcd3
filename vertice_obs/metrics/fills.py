"""What a dashboard's variables fill: the panels each one's value reaches, and the findings that
follow from it. Pure: a dashboard's queries and variables in, findings out.

- `variable/value-unknown` (info): a variable nothing is known about, naming the panels whose
  matchers it fills (those matchers are not judged).
- A query variable whose own query selects nothing has an empty dropdown: `with_fills` makes each
  such finding (its metric missing, a label or value it lists absent) name the panels that empty
  dropdown leaves with No data (`empty_dropdowns` judges them with the value Grafana then writes),
  so that the audit ranks it by them too (trial 14: a metric feeding one dropdown that 10 panels
  filter by was ranked by its dropdown alone) — and only those (trial 19: `cluster=""` selects the
  series without the label, and the mixins' panels drew). An empty dropdown that empties no panel
  and that no reader sees as empty (hidden, or Include All) is information, whichever series-level
  check says it is empty (`variable/label-missing`, `metric/no-matching-series` at its query: trial 23
  L2); a name no series has keeps its warning.

May import `checks`, `finding`, `metrics.analysis`, `metrics.empty_dropdowns`, `metrics.inventory`,
`metrics.interpolate`, `metrics.nodata`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.checks import finding
from vertice_obs.checks.metrics import NAME_ABSENT
from vertice_obs.checks.walk import pointer, variables
from vertice_obs.finding import Finding, Severity, panels_named
from vertice_obs.guard.text import escape
from vertice_obs.jsonpos import Positions
from vertice_obs.metrics.empty_dropdowns import (
    EMPTIES,
    VARIABLE,
    Judgement,
    Outcome,
    Panel,
    names_used,
)
from vertice_obs.metrics.interpolate import Variable, mentions
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.nodata import VariableAt, at_variable

__all__ = ["EMPTIES", "Fills", "Panel", "filled_panels", "names_used", "unknown_in", "unknown_values",
           "uses_variable", "variable_paths", "with_fills"]

Fills = dict[tuple[str, str], tuple[Panel, ...]]  # (file, variable) → the panels it fills, in the dashboard's order
_VARIABLE = VARIABLE


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


def uses_variable(expr: str, name: str) -> bool:
    """Does `expr` use exactly the variable `name`? Unlike `interpolate.mentions` (a prefix test that
    may judge once too often), `$env` is not found in `$environment`: a panel counted here is
    named to a reader as one the variable fills."""
    return name in names_used(expr)


def filled_panels(file: str, found: Sequence[Query]) -> Fills:
    """(file, variable) → the panels whose queries use the variable, directly or through a variable
    whose own query uses it (`$pod` from `label_values(up{namespace="$ns"}, pod)` fills what `$pod`
    fills), for each variable with a query of its own. Empty for a dashboard without one. Each
    expression is scanned once; a chain (or a cycle) of thousands of variables stays linear in it
    per variable."""
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


def with_fills(findings: list[Finding], fills: Mapping[tuple[str, str], tuple[Panel, ...]],
               judged: Judgement | None = None) -> list[Finding]:
    """`findings`, each one saying a variable's own query selects nothing (`EMPTIES`) told with what
    its empty dropdown does to the panels using it (`judged`: `empty_dropdowns.judge_empty`) — those
    it leaves with No data in its message and as `details.fills` ([{panel, panel_id, target, line}],
    each at its first query it empties), for the audit, which counts them among the panels of the
    metric's problem; those that still get data, and those empty for a reason of their own, counted.

    Not when the dashboard's time range reaches back to when the dropdown last listed something:
    Grafana still lists it then. Unjudged (the source could not be asked), every panel using the
    variable is named, but for an Include All variable whose allValue draws them without options."""
    judged = judged or Judgement()
    out = []
    for f in findings:
        loc = f.location
        target = loc.target or ""
        if f.check in EMPTIES and loc.panel is None and loc.panel_id is None and target.startswith(_VARIABLE):
            name = target[len(_VARIABLE):]
            outcome = judged.outcomes.get((loc.file or "", name))
            reaches = judged.reaches(f)
            if reaches is not None:
                f = replace(f, message=f"{f.message}; ${name} still lists the values its series had: the "
                                       f"dashboard's time range ({reaches}) reaches back to then")
            elif outcome is not None:
                f = _told(f, name, outcome)
            elif panels := fills.get((loc.file or "", name)):
                dashboard = judged.dashboards.get(loc.file or "")
                dropdown = dashboard.dropdowns.get(name) if dashboard is not None else None
                if dropdown is None or not (dropdown.include_all and dropdown.all_value):
                    f = _filling(f, name, panels, "")
        out.append(f)
    return out


def _filling(f: Finding, name: str, panels: tuple[Panel, ...], more: str) -> Finding:
    """`f` naming the panels its empty dropdown leaves with No data (`details.fills`)."""
    listed = [{"panel": title, "panel_id": pid, "target": ref, "line": line} for title, pid, ref, line in panels]
    counted, named = panels_named([(t, pid) for t, pid, _, _ in panels])
    uses = f"{counted} ({named}) {'uses' if len(panels) == 1 else 'use'}"
    said = (f"; {uses} ${name}" if f.check.startswith("variable/")  # it says the dropdown is empty
            else f"; so ${name} lists nothing, and {uses} it")
    return replace(f, message=f.message + said + more, details=tuple(sorted({**dict(f.details), "fills": listed}.items())))


def _told(f: Finding, name: str, outcome: Outcome) -> Finding:
    """`f` with what its judged empty dropdown does: the panels it empties (`_filling`), those still
    drawn with the value Grafana writes, those empty of their own; information when it empties none
    and no reader sees it empty — hidden (`hide: 2`), or Include All (the dropdown offers All)."""
    dropdown = outcome.dropdown
    drawn, own = outcome.drawn, outcome.own
    tail = ""
    if drawn:
        counted, named = panels_named([(t, pid) for t, pid, _, _ in drawn])
        few = len(drawn) == 1
        tail += (f"; {counted} ({named}) "
                 f"{'uses' if few else 'use'} ${name} and still {'gets' if few else 'get'} data: with nothing "
                 f"listed, Grafana writes it as {dropdown.written}")
    if own:
        counted, named = panels_named([(t, pid) for t, pid, _, _ in own])
        tail += (f"; {counted} ({named}) {'uses' if len(own) == 1 else 'use'} ${name} and "
                 f"{'shows' if len(own) == 1 else 'show'} No data for a reason of {'its' if len(own) == 1 else 'their'} "
                 "own, said there")
    if outcome.unjudged:
        counted, named = panels_named([(t, pid) for t, pid, _, _ in outcome.unjudged])
        few = len(outcome.unjudged) == 1
        tail += (f"; {counted} ({named}) {'uses' if few else 'use'} ${name} and could not be judged yet: "
                 f"{'its' if few else 'their'} metric's samples are newer than VictoriaMetrics' "
                 "-search.latencyOffset (not served to queries yet)")
    if outcome.formats and (outcome.emptied or drawn):  # of the panels emptied and drawn alike
        tail += f"; the panels' formats write it otherwise: {_formats(name, outcome.formats)}"
    if dropdown.hidden:
        tail += " — a hidden variable (hide: 2): no reader sees its dropdown"
    if outcome.emptied or drawn or own or outcome.unjudged:  # what Grafana writes, and how many panels still draw with it
        details = {**dict(f.details), "empty_value": dropdown.value, "panels_drawn": len(drawn)}
        f = replace(f, details=tuple(sorted(details.items())))
    if outcome.emptied:
        return _filling(f, name, outcome.emptied, tail)
    # whichever series-level check says the dropdown is empty (its label, its selector: trial 23 L2); a
    # name no series has (`metric/missing`, `disappeared`) keeps its warning: an exporter gone or misnamed
    if f.severity == Severity.WARNING and f.check not in NAME_ABSENT and (dropdown.hidden or dropdown.include_all) \
            and not outcome.unjudged:  # emptying nothing only of the panels judged
        f = replace(f, severity=Severity.INFO)
    return replace(f, message=f.message + tail)


def _formats(name: str, formats: tuple[tuple[str, str], ...]) -> str:
    """`${x:csv} as "", ${x:lucene} as "__empty__"`: the formats the panels write it with, each its own text."""
    return ", ".join(f'${{{name}:{escape(fmt, one_line=True)}}} as "{escape(text, one_line=True)}"' for fmt, text in formats)


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
