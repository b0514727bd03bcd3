"""What the panels get when a query variable's dropdown lists nothing: judged, not assumed.

Grafana 11 (scenes' `MultiValueVariable`) gives a variable whose query lists nothing the value `''`
(single value), `[]` (multi-value) or All (Include All); All with no options stands for its
`allValue`, else for the options' values — none. Its Prometheus datasource (`interpolateQueryExpr`)
writes `''` as it is and `[]` as `()`, and a format its own text (`metrics.formats`: `${x:pipe}`,
`${x:csv}` `""`, `${x:lucene}` `__empty__`, `${x:text}` "All"). So the panels get `x=""`, `x=~""` or
`x=~"()"` — each selects the series *without* the label — or the allValue (`.*` selects every series,
`.+` only those carrying the label), or a format's text (`x!=""`, `x=~"__empty__"` select none).
Trial 19: the mixins' hidden `cluster` variable lists nothing on a Prometheus without a `cluster`
label, and every panel still shows data.

So an empty dropdown (`EMPTIES` at a variable's own query) is judged once its finding is known: each
query that uses the variable is judged with that value written in, in one more label-table request —
made only when some dropdown is empty. A query is *emptied* by the variable when it selects nothing
with that value but something without it; it is empty *of its own* when it selects nothing even without
the variable (its metric missing, another matcher), which its own finding says. A variable chained
below (`$pod` from `label_values(x{ns="$ns"}, pod)`) is emptied too when its own query lists nothing
with the value, and the panels using it are judged with both values written in.

Grafana lists a variable's values over the dashboard's time range (its Prometheus datasource sends the
range's start and end with `/api/v1/label/<label>/values` and `/api/v1/series`): a metric or label last
seen within that range still fills the dropdown (`Judgement.reaches`).

May import `checks`, `finding`, `metrics.adhoc`, `metrics.analysis`, `metrics.classify`,
`metrics.evidence`, `metrics.extract`, `metrics.formats`, `metrics.interpolate`, `metrics.inventory`,
`metrics.promql_text`, `metrics.selectors`, `metrics.series`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

from vertice_obs.checks.metrics import NO_DATA
from vertice_obs.checks.walk import VARIABLE_REF, as_dict, text, variables
from vertice_obs.finding import Finding, Severity
from vertice_obs.metrics.adhoc import AdHocFilters, filters_for
from vertice_obs.metrics.analysis import dropdown_label, query_facts
from vertice_obs.metrics.classify import FALLBACK, REQUIRED, Evidence
from vertice_obs.metrics.evidence import MetricSource, SourceUnavailable
from vertice_obs.metrics.extract import _refs
from vertice_obs.metrics.formats import written_all_value, written_empty
from vertice_obs.metrics.interpolate import Variable, interpolate
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.promql_text import check_query_shape, parse_promql
from vertice_obs.metrics.selectors import unknown_value
from vertice_obs.metrics.series import LabelMatcher, LabelTable, Selector, judge

Panel = tuple[Any, "int | None", "str | None", "int | None"]  # title, id, its first query's refId and line
# A variable's own query selecting nothing: its dropdown lists nothing (whatever the time range, or for
# this one: `disappeared`), and each panel filtering by it gets the value Grafana writes then.
EMPTIES = NO_DATA | {"variable/label-missing"}
VARIABLE = "variable "  # a variable's query: its Location.target
DEFAULT_FROM = "now-6h"  # Grafana's time range when a dashboard saves none
_RELATIVE = re.compile(r"now(?:-(\d{1,9})([smhdwMy]))?(?:/([smhdwMy]))?")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "M": 31 * 86400, "y": 366 * 86400}
# a panel's verdict: its best query's — it shows No data only when every query does (trial 23: a panel
# drawing its target A was said to show No data for its targets B–E's missing metrics)
_ORDER = {"drawn": 0, "unjudged": 1, "emptied": 2, "own": 3}
# Queries judged for empty dropdowns in one run, at most (each three times): past it, the dropdowns left
# only name the panels using them — 1,000 chained variables all empty would be 10^6 queries
MAX_QUERIES = 5000


def names_used(expr: str) -> frozenset[str]:
    """The variables `expr` refers to, by their exact names (Grafana's own reference syntax, the
    lints' `VARIABLE_REF`: `$name`, `[[name:fmt]]`, `${name.field:fmt}`; `$env` is not `$environment`)."""
    if "$" not in expr and "[[" not in expr:  # most queries of a dashboard use no variable
        return frozenset()
    return frozenset(m.group(1) or m.group(2) or m.group(4) for m in VARIABLE_REF.finditer(expr))


def formats_of(expr: str, name: str) -> list[str]:
    """The formats `expr` writes variable `name` with (`${name:csv}`, `[[name:pipe]]`)."""
    return [m.group(3) or m.group(6) for m in VARIABLE_REF.finditer(expr)
            if (m.group(2) or m.group(4)) == name and (m.group(3) or m.group(6))]


@dataclass(frozen=True)
class Dropdown:
    """A query variable, as its empty dropdown leaves it."""

    name: str
    hidden: bool  # `hide: 2`: no reader sees it
    multi: bool
    include_all: bool
    all_value: str | None
    label: str | None  # the label its `label_values` lists, if any

    def empty(self) -> Variable:
        """The variable as `interpolate` takes it: listing nothing (`''`, `[]` or All over none), each
        format writing its own text (`metrics.formats`: `()` with none, `""` with `pipe` or `csv`), or
        All's allValue."""
        return Variable(self.name, (), self.all_value if self.include_all else None, chosen_all=self.include_all,
                        escaped=self.multi or self.include_all, lists_nothing=True)

    @property
    def value(self) -> str:
        """What Grafana writes into a query for it (with no format, or `regex`)."""
        if self.include_all and self.all_value:
            return self.all_value
        return "()" if self.multi or self.include_all else ""

    def written_as(self, fmt: str) -> str:
        """What Grafana writes for `${name:fmt}` (`metrics.formats`)."""
        if self.include_all and self.all_value:
            return written_all_value(fmt, self.name, self.all_value)
        return written_empty(fmt, self.name, self.multi or self.include_all, self.include_all)

    @property
    def written(self) -> str:
        """`value`, as a message says it."""
        return f"its allValue {self.value!r}" if self.include_all and self.all_value else f'"{self.value}"'


@dataclass
class Dashboard:
    """One dashboard's dropdowns and the queries their values reach, kept for `judge_empty`."""

    file: str
    since: str  # its time range's `from` (`now-6h`, `now-2d`, an absolute time)
    dropdowns: dict[str, Dropdown]
    variables: dict[str, Variable]
    below: dict[str, tuple[str, ...]]  # a variable → the variables whose own query uses it
    queries: list[tuple[Query, frozenset[str], tuple[LabelMatcher, ...]]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What an empty dropdown does to the panels that use it (directly or through a chained one)."""

    dropdown: Dropdown
    emptied: tuple[Panel, ...] = ()  # panels it leaves with No data, each at its first query it empties
    drawn: tuple[Panel, ...] = ()  # panels that still get data
    own: tuple[Panel, ...] = ()  # panels empty for a reason of their own (said at them)
    # panels of a metric listed but with samples too new to be served yet (VictoriaMetrics'
    # -search.latencyOffset, `Evidence.fresh`): no label table, and no finding of their own
    unjudged: tuple[Panel, ...] = ()
    formats: tuple[tuple[str, str], ...] = ()  # (format, its text) the panels write it with, other than `value`


@dataclass
class Judgement:
    """The empty dropdowns judged in one run, and what is needed to read their findings."""

    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (file, variable) →
    dashboards: Mapping[str, Dashboard] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def judged(self, file: str, variable: object) -> bool:
        """Were panels judged with the value an empty dropdown of `variable` leaves (not only found empty
        of their own)? Then its `variable/value-unknown` is no longer true."""
        outcome = self.outcomes.get((file, variable)) if isinstance(variable, str) else None
        return outcome is not None and bool(outcome.emptied or outcome.drawn)

    def reaches(self, f: Finding) -> str | None:
        """The dashboard's time range (`now-2d`) when it reaches back to the time `f` (a finding at a
        variable's query) says its dropdown last listed something: then Grafana still lists it."""
        dashboard = self.dashboards.get(f.location.file or "")
        seen = dict(f.details).get("last_seen")
        if dashboard is None or not isinstance(seen, str):
            return None
        start = since(dashboard.since, self.now)
        try:
            at = datetime.fromisoformat(seen)
        except ValueError:
            return None
        return dashboard.since if start is not None and at.tzinfo is not None and at >= start else None


def dashboard_of(file: str, model: Mapping[str, Any], found: Sequence[Query], known: Mapping[str, Variable],
                 filters: tuple[AdHocFilters, ...] = ()) -> Dashboard | None:
    """The dropdowns of `model` (query variables with a query of their own) and the queries that use
    one, each with its ad hoc matchers (`filters`); None without any."""
    names = [names_used(q.expr) for q in found]
    own = {q.location.target[len(VARIABLE):]: names[i] for i, q in enumerate(found)
           if q.kind == "variable" and (q.location.target or "").startswith(VARIABLE)}
    dropdowns = {}
    for _, v in variables(model):
        if v.get("type") == "query" and v["name"] in own and v["name"] not in dropdowns:
            query = v.get("query")
            query = text(as_dict(query).get("query")) if isinstance(query, dict) else text(query)
            dropdowns[v["name"]] = Dropdown(v["name"], v.get("hide") == 2, v.get("multi") is True,
                                            v.get("includeAll") is True, text(v.get("allValue")) or None,
                                            dropdown_label(query) if query else None)
    if not dropdowns:
        return None
    below: dict[str, list[str]] = {}
    for other, used in own.items():
        for name in used:
            if name != other:
                below.setdefault(name, []).append(other)
    out = Dashboard(file, text(as_dict(model.get("time")).get("from")) or DEFAULT_FROM, dropdowns, dict(known),
                    {k: tuple(v) for k, v in below.items()})
    # the queries using a dropdown, and the other queries of their panels (which may draw it all the same)
    using = {_panel_key(q) for i, q in enumerate(found) if q.kind == "panel" and not names[i].isdisjoint(own)}
    out.queries = [(q, names[i], filters_for(filters, q.source) if filters and q.kind == "panel" else ())
                   for i, q in enumerate(found) if q.kind in ("panel", "variable") and not names[i].isdisjoint(own)
                   or q.kind == "panel" and _panel_key(q) in using]
    return out


def _panel_key(query: Query) -> tuple:
    return query.location.file, query.location.panel, query.location.panel_id


def since(value: str, now: datetime) -> datetime | None:
    """The earliest time a dashboard's range `from` reaches: `now-2d` → two days ago (`now-1d/d`:
    the start of yesterday at the earliest, so a day more), an ISO time or epoch milliseconds as it is."""
    value = value.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        count, unit, rounded = relative.groups()
        back = int(count) * _UNIT[unit] if count else 0
        try:
            return now - timedelta(seconds=back + (_UNIT[rounded] if rounded else 0))
        except OverflowError:
            return datetime.min.replace(tzinfo=timezone.utc)
    try:
        if value.isascii() and value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def judge_empty(source: MetricSource, evidence: Evidence, findings: Sequence[Finding],
                dashboards: Mapping[str, Dashboard]) -> Judgement:
    """What each dropdown that `findings` say lists nothing (`EMPTIES` at its own query) does to the
    panels using it — not one whose dashboard's time range reaches back to when it last listed
    something. No outcome when the source cannot be asked (or past `MAX_QUERIES`): then only which
    panels use it is said."""
    out = Judgement(dashboards=dashboards, now=evidence.now)
    names = evidence.names
    empty = [(f.location.file or "", target[len(VARIABLE):]) for f in findings
             if f.check in EMPTIES and f.severity > Severity.INFO  # info: a gone name its window still draws
             and f.location.panel is None and f.location.panel_id is None
             and (target := f.location.target or "").startswith(VARIABLE) and out.reaches(f) is None]
    if names is None:
        return out
    plans, budget = [], MAX_QUERIES
    for file, name in dict.fromkeys(empty):
        if file in dashboards and name in dashboards[file].dropdowns and budget > 0:
            plans.append(_Plan(dashboards[file], name))
            budget -= len(plans[-1].panels) + len(plans[-1].listed)
    if not plans:
        return out
    wanted: dict[tuple[str, ...], set[str]] = {}
    for plan in plans:
        for selector in plan.selectors():
            if selector.metric in names:
                wanted.setdefault(selector.labels, set()).add(selector.metric)
    try:
        tables = source.label_tables({labels: sorted(metrics) for labels, metrics in sorted(wanted.items())}) \
            if wanted else {}
    except SourceUnavailable:
        return out
    out.outcomes = {(plan.dashboard.file, plan.name): plan.outcome(tables, names, evidence.fresh) for plan in plans}
    return out


class _Plan:
    """One empty dropdown's variants of each query it reaches: without it and its chain (their
    matchers unknown), with its value alone, and with its chain's values too."""

    def __init__(self, dashboard: Dashboard, name: str):
        self.dashboard, self.name = dashboard, name
        self.chain = self._chain()
        unknown = {n: Variable(n) for n in self.chain}
        empty = {n: dashboard.dropdowns[n].empty() for n in self.chain if n in dashboard.dropdowns}
        none = {**dashboard.variables, **unknown}
        variants = {"none": none, "alone": {**none, name: empty[name]}, "all": {**none, **empty}}
        # a chained variable's own query, nearest first: the selectors of what it lists with the values in
        self.listed: list[tuple[str, frozenset[str], list[Selector]]] = []
        self.panels: list[tuple[Query, frozenset[str], dict[str, Any]]] = []
        self.formats: dict[str, None] = {}  # the formats the panels write this variable with, in order
        at = {n: i for i, n in enumerate(self.chain)}
        siblings = []  # a panel's queries that use none of the chain: the panel draws if one of them does
        for query, used, adhoc in dashboard.queries:
            reached = used.intersection(self.chain)
            if not reached:
                if query.kind == "panel":
                    siblings.append((query, adhoc))
                continue
            if query.kind == "variable":
                owner = (query.location.target or "")[len(VARIABLE):]
                if owner in at and owner != name:
                    label = dashboard.dropdowns[owner].label if owner in dashboard.dropdowns else None
                    carrying = (LabelMatcher(label, "!=", ""),) if label else ()
                    self.listed.append((owner, frozenset(reached), [
                        Selector(u.selector.metric, u.selector.matchers + carrying, u.selector.reach)
                        for u in query_facts(query, variants["all"]).selectors]))
                continue
            self.formats.update(dict.fromkeys(formats_of(query.expr, name)))
            found = {key: _selectors(query, chosen, adhoc) for key, chosen in variants.items()}
            if all(v is not None for v in found.values()):  # one that does not parse: its parse finding says so
                self.panels.append((query, frozenset(reached), found))
        reached_panels = {_panel_key(query) for query, _, _ in self.panels}
        for query, adhoc in siblings:
            if _panel_key(query) in reached_panels and (alone := _selectors(query, none, adhoc)) is not None:
                self.panels.append((query, frozenset(), dict.fromkeys(variants, alone)))
        self.listed.sort(key=lambda item: at[item[0]])

    def _chain(self) -> list[str]:
        """This variable and those chained below it, nearest first (a cycle followed once)."""
        chain, seen, at = [self.name], {self.name}, 0
        while at < len(chain):
            for other in self.dashboard.below.get(chain[at], ()):
                if other not in seen:
                    seen.add(other)
                    chain.append(other)
            at += 1
        return chain

    def selectors(self) -> list[Selector]:
        return [s for _, _, found in self.listed for s in found] + [
            s for _, _, variants in self.panels for found in variants.values() for part in found for s in part]

    def outcome(self, tables: Mapping[tuple[str, tuple[str, ...]], LabelTable], names: frozenset[str],
                fresh: frozenset[str] = frozenset()) -> Outcome:
        def empty(selector: Selector) -> bool | None:  # None: its metric has no series (its own finding)
            table = tables.get((selector.metric, selector.labels))
            if table is None:
                return None
            return bool(judge(selector, table)) or _only_empty_on_carried(selector, table)

        emptied = {self.name}  # the chain, as far as the values written in empty it
        for owner, reached, found in self.listed:
            if reached <= emptied and any(empty(s) for s in found):
                emptied.add(owner)

        def selects_nothing(variant: tuple[list[Selector], list[Selector]]) -> bool:
            required, either = variant  # either: the sides of an `or`, each a fallback of the others
            return any(empty(s) for s in required) or bool(either) and all(empty(s) is not False for s in either)

        verdicts: dict[tuple, tuple[str, Panel]] = {}  # panel → its best query's verdict, and that query
        for query, reached, variants in self.panels:
            if any(s.metric in fresh for side in variants["none"] for s in side):
                verdict = "unjudged"  # no table yet, and no finding at it says it is empty (trial 21)
            elif any(s.metric not in names for s in variants["none"][0]) or selects_nothing(variants["none"]) \
                    or any(empty(s) is None for s in variants["alone"][0]):
                verdict = "own"  # its metric has no series, or it selects nothing even without the variable
            elif reached <= emptied:  # every variable of the chain it uses lists nothing
                verdict = "emptied" if selects_nothing(variants["all"]) else "drawn"
            elif self.name in reached:  # a chained one still lists values (which: unknown)
                verdict = "emptied" if selects_nothing(variants["alone"]) else "drawn"
            else:
                verdict = "drawn"
            at = query.location
            key = (at.panel, at.panel_id)
            if key not in verdicts or _ORDER[verdict] < _ORDER[verdicts[key][0]]:
                verdicts[key] = (verdict, (at.panel, at.panel_id, at.target, at.line))
        grouped = {kind: tuple(p for v, p in verdicts.values() if v == kind) for kind in _ORDER}
        dropdown = self.dashboard.dropdowns[self.name]
        formats = tuple((f, text) for f in self.formats if (text := dropdown.written_as(f)) != dropdown.value)
        return Outcome(dropdown, grouped["emptied"], grouped["drawn"], grouped["own"], grouped["unjudged"], formats)


def _selectors(query: Query, chosen: Mapping[str, Variable], adhoc: tuple[LabelMatcher, ...]
               ) -> tuple[list[Selector], list[Selector]] | None:
    """The query's selectors with `chosen` written in: those that must select something (bare ones
    too: their names must have series) and the sides of its `or`s (each side's selectors, fallbacks of
    the others: it selects nothing only when they all do). Matchers a variable left unknown are not
    judged; the ad hoc filters' are added. None when it does not parse."""
    try:  # every reference, each side of an `or` apart (`analyse` keeps one per name and role)
        check_query_shape(query.expr)
        done = interpolate(query.expr, chosen)
        check_query_shape(done.text)
        refs = _refs(parse_promql(done.text), REQUIRED, "", done.name_patterns)
    except (ValueError, RuntimeError, RecursionError):  # ParseError, the parser's own: its parse finding says so
        return None
    required: list[Selector] = []
    either: list[Selector] = []
    for ref in refs:
        if not ref.is_pattern and ref.role in (REQUIRED, FALLBACK):
            known = tuple(m for m in ref.matchers if not unknown_value(m.value)) + adhoc
            (required if ref.role == REQUIRED else either).append(Selector(ref.metric, known, ref.reach))
    return required, either


def _only_empty_on_carried(selector: Selector, table: LabelTable) -> bool:
    """Offline, a label the catalog says every series carries, its values not listed (`table.unknown`):
    a matcher that takes the empty value alone (`x=""`, `x=~"()"`) selects none of them."""
    return any(m.label in table.unknown and m.op in ("=", "=~") and m.value in ("", "()") for m in selector.matchers)
