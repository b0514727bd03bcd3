"""The audit's model and its ranking: findings + the source's names in, what to do first out. Pure.

Order of the report, most actionable first: what could not be read or asked (parse errors,
unreadable files, a degraded server); what to do, ranked by impact; the catalog's required metrics
(only when the dashboards query the catalog's metrics); absent metrics by family and exporter;
each problem that needs attention — (metric, status, reason) — with its own dashboards and panels;
information; present metrics, counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from vertice_obs.checks.metrics import NO_DATA as NO_DATA_CHECKS
from vertice_obs.finding import Finding, Severity
from vertice_obs.metrics.audit.families import (
    advice,
    exporter_of,
    family_of,
    live_with_prefix,
)
from vertice_obs.metrics.audit.panels import drawing_panels
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.lints import is_lint
from vertice_obs.output import finding_order

# Most actionable first: every `metric/…` check has its place (a test holds it).
STATUS_ORDER = ("missing", "disappeared", "recording-rule", "label-missing", "no-matching-series", "unknown",
                "rate-on-gauge", "counter-without-rate", "fallback-only", "intentionally-absent",
                "group-label-missing", "present")
NO_DATA = frozenset(check.split("/", 1)[1] for check in NO_DATA_CHECKS)  # the panels show No data
MISLEADING = frozenset({"unknown", "rate-on-gauge", "counter-without-rate"})  # the panel shows something wrong
INFO = frozenset({"fallback-only", "intentionally-absent", "group-label-missing"})  # nothing to fix
QUIET_TIER = 1.5  # after No data and wrong pictures, before information: failures that did not happen yet
ABSENT = frozenset({"missing", "disappeared"})  # the name itself is absent: grouped by family


def status_of(f: Finding) -> str:
    return f.check.split("/", 1)[1]


def tier(status: str) -> int:
    """0: panels show No data; 1: panels show something wrong; 2: information; 3: present."""
    return 0 if status in NO_DATA else 1 if status in MISLEADING else 3 if status == "present" else 2


@dataclass(frozen=True)
class Use:
    """One place a metric is queried, and what was found there."""

    dashboard: str
    panel: str | None  # None: a variable's or an annotation's query (`target` says which)
    panel_id: int | None
    target: str
    file: str
    line: int | None
    narratives: tuple[str, ...]
    status: str
    query: str = ""
    reason: str = ""  # why, for this use ("present" when present): two uses of one status may differ
    failures_only: bool = False  # empty because it selects failures only and none happened yet
    via: str = ""  # a panel this metric reaches through a variable its query fills (`metrics.fills`): its name
    cause: str = ""  # what selects nothing, when not the name itself (`cause_of`): `x{job="node"}`, `$v lists 'l'`
    draws: bool | None = None  # a panel's use: True when another query of the panel still draws (`audit.panels`)

    @property
    def place(self) -> tuple:
        if self.panel is None:
            return (self.dashboard, self.target)
        return (self.dashboard, "#", self.panel_id if self.panel_id is not None else self.panel)


@dataclass(frozen=True)
class Impact:
    panels: int
    dashboards: int
    others: int = 0  # variables and annotations
    drawing: int = 0  # of `panels`, those another query of still draws: they lose a query, not the panel

    @property
    def emptied(self) -> int:  # the panels left with No data: every query of theirs selects nothing
        return self.panels - self.drawing

    @classmethod
    def of(cls, uses: Iterable[Use]) -> "Impact":
        uses = list(uses)
        places = {u.place for u in uses}
        panels = sum(1 for p in places if p[1] == "#")
        emptied = {u.place for u in uses if u.panel is not None or u.panel_id is not None if u.draws is not True}
        return cls(panels, len({u.dashboard for u in uses}), len(places) - panels, panels - len(emptied))


@dataclass
class MetricAudit:
    metric: str
    status: str  # the worst status among its uses
    required: bool
    reason: str
    last_seen: str | None = None
    family: str = ""
    uses: list[Use] = field(default_factory=list)
    did_you_mean: str = ""  # the slip its findings name ("did you mean x_total? …"): its own advice

    @property
    def affected(self) -> list[Use]:
        """The uses that need work (all of them for an informational metric)."""
        bad = [u for u in self.uses if tier(u.status) < 2]
        return bad or [u for u in self.uses if u.status != "present"] or list(self.uses)

    @property
    def impact(self) -> Impact:
        return Impact.of(self.affected)

    @property
    def panels(self) -> int:
        return self.impact.panels

    @property
    def rank_tier(self) -> float:
        """Its tier for ranking: its worst use's, not counting a selector of failures none of which
        happened yet (`code=~"5.."` on a healthy service): those rank after every real problem."""
        real = [tier(u.status) for u in self.affected if not u.failures_only]
        return min(real) if real else QUIET_TIER

    @property
    def problems(self) -> list["Problem"]:
        """Each distinct problem of this metric — its uses grouped by (status, reason) — worst first.
        What people read: one entry per problem, with its own reason and only its own panels."""
        grouped: dict[tuple[str, str], list[Use]] = {}
        for use in self.uses:
            if use.status != "present":
                grouped.setdefault((use.status, use.reason), []).append(use)
        problems = [Problem(self, status, reason, uses) for (status, reason), uses in grouped.items()]
        return sorted(problems, key=lambda p: (STATUS_ORDER.index(p.status), -p.impact.panels, -p.impact.dashboards,
                                               -p.impact.others, p.reason))

    def causes(self) -> tuple["Cause", ...]:
        """Each cause among the uses that need work — (status, what selects nothing) — with its own
        impact and the variables it reaches panels through, worst status first, then most panels."""
        by_cause: dict[tuple[str, str], list[Use]] = {}
        for use in self.affected:
            by_cause.setdefault((use.status, use.cause), []).append(use)
        causes = [Cause(status, cause, tuple(dict.fromkeys(u.via for u in uses  # a dropdown fills through itself
                                                         if u.via and not cause.startswith(f"${u.via} "))),
                        Impact.of(uses)) for (status, cause), uses in by_cause.items()]
        return tuple(sorted(causes, key=lambda c: (STATUS_ORDER.index(c.status), -c.impact.panels,
                                                   -c.impact.dashboards, -c.impact.others, c.cause)))


@dataclass(frozen=True)
class Cause:
    """One reason a metric's panels need work: its status and what selects nothing — the selector
    (`x{job="node"}`: the metric and the matcher that matches no series, or the whole selector when
    its matchers do only together) or the dropdown (`$version lists 'version'`); "" when it is the
    name itself (missing, a counter drawn raw). `via`: the variables it empties panels through."""

    status: str
    cause: str
    via: tuple[str, ...]
    impact: Impact


@dataclass
class Problem:
    """One problem of one metric: (metric, status, reason) and the uses that have it."""

    entry: MetricAudit
    status: str
    reason: str
    uses: list[Use]

    @property
    def metric(self) -> str:
        return self.entry.metric

    @property
    def required(self) -> bool:
        return self.entry.required

    @property
    def impact(self) -> Impact:
        return Impact.of(self.uses)


@dataclass
class Family:
    """Absent metrics sharing a name prefix, and what that says about their exporter."""

    prefix: str
    exporter: str | None
    metrics: list[MetricAudit]
    live: int | None  # names the source holds with this prefix; None: it could not say
    advice: str

    @property
    def impact(self) -> Impact:
        return Impact.of(u for m in self.metrics for u in m.affected)

    @property
    def required(self) -> bool:
        return any(m.required for m in self.metrics)


@dataclass
class Action:
    """One line of "what to do": a whole family (its exporter is not scraped) or one metric."""

    rank: int
    subject: str  # a metric name, or `prefix*`
    status: str
    required: bool
    impact: Impact
    metrics: tuple[str, ...]
    advice: str = ""
    causes: tuple[Cause, ...] = ()  # a metric's: each cause and its impact (`MetricAudit.causes`)
    tier: float = 0  # what it is ranked by first (`MetricAudit.rank_tier`)
    quiet: bool = False  # every panel only waits for a failure that did not happen yet

    @property
    def kind(self) -> str:
        return "family" if self.subject.endswith("*") else "metric"


@dataclass
class Audit:
    source: str
    offline: bool
    problems: list[Finding]  # unreadable files, parse errors, server problems: first
    actions: list[Action]
    required: list[tuple[str, str]]  # (metric, status); empty unless the catalog's metrics are queried
    families: list[Family]
    metrics: list[MetricAudit]  # not present, in the order of the actions (information last)
    present: list[str]
    other_findings: list[Finding]  # lints and notes: after the metrics
    titles: Mapping[str, str] = field(default_factory=dict)  # dashboard uid → title
    unchecked: int | None = None  # no source checked any metric: how many the dashboards query
    excluded: int = 0  # findings a `.vobs-lint.yaml` exclusion switched off: not in the report, counted

    @property
    def entries(self) -> list[Problem]:
        """Every problem of every metric not simply present, in the order of `metrics`: the human
        reports' unit, so that no problem is told under another's reason or panels, and none is lost."""
        return [p for m in self.metrics for p in m.problems]

    @property
    def attention(self) -> list[Problem]:
        return [p for p in self.entries if tier(p.status) < 2]

    @property
    def information(self) -> list[Problem]:
        return [p for p in self.entries if tier(p.status) == 2]


def is_problem(f: Finding) -> bool:
    """Findings that say part of the input or the source could not be checked at all — not a lint
    error about a dashboard that was checked (`dashboard/duplicate-uid`: trial 15)."""
    return (f.check.startswith(("input/", "file/", "source/")) or f.check in ("promql/parse", "inventory/invalid")
            or (f.severity >= Severity.ERROR and not f.check.startswith("metric/") and not is_lint(f)))


def about(f: Finding) -> str | None:
    """What a finding that has no place (no file, dashboard, panel or query) is about: "source" — the
    metric source's answers (`source/degraded`, `source/incomplete`) — else "run"; None when it has a place."""
    if f.location.to_dict():
        return None
    return "source" if f.check.startswith("source/") else "run"


def where(f: Finding, source: str) -> tuple[str, str]:
    """A finding's place as the human reports show it, and its message: a place-less one's is what it
    is about — `the metric source (Prometheus at …)`, its message without that name again — or
    `the whole run`, never `<unknown location>`."""
    kind = about(f)
    if kind is None:
        return str(f.location), f.message
    if kind == "source":
        message = f.message[len(source):].lstrip(": ") if source and f.message.startswith(source) else f.message
        return f"the metric source ({source})", message or f.message
    return "the whole run", f.message


def build_audit(findings: Sequence[Finding], narratives_of: Mapping[str, Sequence[str]],
                catalog: MetricCatalog | None, source: str, names: Iterable[str] | None = None,
                titles: Mapping[str, str] | None = None, offline: bool = False, unchecked: int | None = None) -> Audit:
    """The audit of one validation run. `narratives_of` maps a dashboard uid to its narratives;
    `names` are the names the source holds (`Evidence.names`; None: not known); `offline` when the
    source is the catalog rather than a Prometheus; `unchecked`, when there was no source at all,
    the number of metrics the dashboards query (none was checked: the report says so, not "0 of 0")."""
    names = frozenset(names) if names is not None else None
    by_metric = group_metrics(findings, narratives_of)
    problems = sorted((f for f in findings if not _about_metric(f) and is_problem(f)), key=_problem_order)
    others = sorted((f for f in findings if not _about_metric(f) and not is_problem(f)), key=finding_order)
    families = group_families(by_metric.values(), names, offline)
    actions = rank_actions(by_metric.values(), families)
    order = {m: i for i, a in enumerate(actions) for m in a.metrics}
    metrics = sorted((m for m in by_metric.values() if m.status != "present"),
                     key=lambda m: (order.get(m.metric, len(order)), tier(m.status), STATUS_ORDER.index(m.status),
                                    -m.panels, m.metric))
    present = sorted(m.metric for m in by_metric.values() if m.status == "present")
    return Audit(source, offline, problems, actions, required_headline(by_metric, catalog), families, metrics,
                 present, others, dict(titles or {}), unchecked)


def _reason(f: Finding) -> str:
    """Why, without the metric the entry already names: a name-level message ("X is missing: not in
    …", "X: cannot tell …") after its head; any other message (a series-level one names a selector
    or a label first: "no series of X carries the label …") whole."""
    heads = (f"{f.metric} is ", f"{f.metric}: ", f"name pattern {f.metric!r}")
    return f.message.split(": ", 1)[-1] if f.message.startswith(heads) and ": " in f.message else f.message


def _about_metric(f: Finding) -> bool:
    """A finding about one metric's use: `metric/…`, and an empty dropdown (`variable/label-missing`:
    a label its metric lacks — ranked as that metric's, with the panels it leaves with No data); not
    an empty dropdown that is information, whatever check says it (no panel emptied, no reader sees
    it empty: `metrics.fills`)."""
    if f.metric is None or not (f.check.startswith("metric/") or f.check == "variable/label-missing"):
        return False
    quiet = f.severity < Severity.WARNING and (f.location.target or "").startswith("variable ")
    return not (quiet and (f.check == "variable/label-missing" or status_of(f) in NO_DATA))


def _problem_order(f: Finding) -> tuple:
    server = f.location.file is None  # a server-wide problem is said before any file's
    return (not server, -f.severity, f.location.file or "", f.location.line or 0, f.check, f.message)


def group_metrics(findings: Sequence[Finding], narratives_of: Mapping[str, Sequence[str]]) -> dict[str, MetricAudit]:
    """metric → its audit entry: the worst status, its reason, and every use with its own status and
    reason (a metric's problems are told apart by them: `MetricAudit.problems`)."""
    by_metric: dict[str, MetricAudit] = {}
    seen: dict[str, set[Use]] = {}  # metric → its uses so far: a set, not a scan of the list (a dump's `up`
    for f in findings:  # is used on thousands of panels: the scan made the audit quadratic)
        if not _about_metric(f):
            continue
        status = status_of(f)
        if f.severity < Severity.WARNING and (status in MISLEADING or status in ABSENT):  # information, as validate
            continue  # says, not an action: a type guessed from the name alone; a name whose last samples it still draws
        details = dict(f.details)
        entry = by_metric.get(f.metric)
        if entry is None or STATUS_ORDER.index(status) < STATUS_ORDER.index(entry.status):
            fresh = MetricAudit(f.metric, status, bool(details.get("required")),
                                _reason(f) if status != "present" else "present",
                                details.get("last_seen"), family_of(f.metric))
            if entry is not None:
                fresh.uses = entry.uses
                fresh.required = fresh.required or entry.required
                fresh.did_you_mean = entry.did_you_mean
            entry = by_metric[f.metric] = fresh
        entry.did_you_mean = entry.did_you_mean or str(details.get("did_you_mean") or "")
        loc = f.location
        dashboard = loc.dashboard or loc.file or "?"
        use = Use(dashboard, loc.panel, loc.panel_id, loc.target or "", loc.file or "", loc.line,
                  tuple(narratives_of.get(loc.dashboard or "", ())), status, str(details.get("query") or ""),
                  _reason(f) if status != "present" else "present", bool(details.get("failures_only")),
                  cause=cause_of(f))
        known = seen.setdefault(f.metric, set())
        for use in (use, *_filled(use, details.get("fills"), f.location.target or "")):
            if use not in known:
                known.add(use)
                entry.uses.append(use)
    drawing = drawing_panels(findings, lambda f: _about_metric(f) and status_of(f) in NO_DATA)
    for entry in by_metric.values():  # a panel emptied through a dropdown (`via`) was judged so by all its queries;
        entry.uses = [replace(u, draws=u.place in drawing)  # only a use that empties its query loses it
                      if u.place[1] == "#" and not u.via and u.status in NO_DATA else u for u in entry.uses]
    return by_metric


def cause_of(f: Finding) -> str:
    """What selects nothing, for a finding about a selector or a dropdown: the metric with the one
    matcher that matches no series (`details.matcher`: `up{job="node"}`), else the whole selector
    (`details.selector`: its matchers match only apart); a dropdown's label (`$version lists
    'version'`); "" for one about the name itself."""
    details = dict(f.details)
    if f.check == "variable/label-missing" and details.get("variable") and details.get("label"):
        return f"${details['variable']} lists {details['label']!r}"
    if status_of(f) not in ("label-missing", "no-matching-series"):
        return ""
    if details.get("matcher"):
        return f"{f.metric}{{{details['matcher']}}}"
    return str(details.get("selector") or "")


def _filled(use: Use, fills: object, target: str) -> list[Use]:
    """The panels a variable's query fills (`details.fills`, when it selects nothing): each a use of
    the metric with the variable's status and reason, `via` the variable, at the panel's first query
    using it."""
    if not isinstance(fills, (list, tuple)):
        return []
    via = target.removeprefix("variable ")
    return [Use(use.dashboard, p.get("panel"), p.get("panel_id"), str(p.get("target") or ""), use.file, p.get("line"),
                use.narratives, use.status, "", use.reason, use.failures_only, via, use.cause)
            for p in fills if isinstance(p, dict)]


def group_families(metrics: Iterable[MetricAudit], names: frozenset[str] | None, offline: bool) -> list[Family]:
    """Absent metrics (missing, disappeared) by name prefix, largest impact first."""
    grouped: dict[str, list[MetricAudit]] = {}
    for m in metrics:
        if m.status in ABSENT:
            grouped.setdefault(m.family, []).append(m)
    out = []
    for prefix, members in grouped.items():
        live = live_with_prefix(prefix, names)
        worst = min((m.status for m in members), key=STATUS_ORDER.index)
        members.sort(key=lambda m: (-m.impact.panels, -m.impact.dashboards, -m.impact.others, m.metric))
        out.append(Family(prefix, exporter_of(prefix), members, live, advice(prefix, live, offline, worst)))
    return sorted(out, key=lambda f: (not f.required, -f.impact.panels, -f.impact.dashboards, -len(f.metrics),
                                      f.prefix))


def rank_actions(metrics: Iterable[MetricAudit], families: Sequence[Family]) -> list[Action]:
    """What to do, most impact first: required before the rest, No data before a wrong picture, a
    panel of failures none of which happened yet after both, then by panels emptied (every query
    selects nothing), by panels affected and dashboards. A family with no live name at all is one action (scrape its
    exporter); any other absent metric carries its own "did you mean" when its findings name one (a
    counter without `_total`), else its family's advice."""
    items: list[Action] = []
    covered: set[str] = set()
    for family in families:
        if family.live == 0 and len(family.metrics) > 1:
            worst = min((m.status for m in family.metrics), key=STATUS_ORDER.index)
            items.append(Action(0, family.prefix + "*", worst, family.required, family.impact,
                                tuple(m.metric for m in family.metrics), family.advice, tier=tier(worst)))
            covered.update(m.metric for m in family.metrics)
    advice_of = {m.metric: f.advice for f in families for m in f.metrics}
    for m in metrics:
        if m.metric not in covered and tier(m.status) < 2:
            items.append(Action(0, m.metric, m.status, m.required, m.impact, (m.metric,),
                                m.did_you_mean or advice_of.get(m.metric, ""),  # the metric's own slip first
                                m.causes(), m.rank_tier, m.rank_tier == QUIET_TIER))
    items.sort(key=lambda a: (a.tier, not a.required, -a.impact.emptied, -a.impact.panels, -a.impact.dashboards,
                              -a.impact.others, STATUS_ORDER.index(a.status), a.subject))
    for rank, action in enumerate(items, 1):
        action.rank = rank
    return items


def required_headline(by_metric: Mapping[str, MetricAudit], catalog: MetricCatalog | None) -> list[tuple[str, str]]:
    """(metric, status) for each catalog-required metric — only when the dashboards query at least
    one of the catalog's metrics: a headline about MAXIMUS means nothing to foreign dashboards."""
    if catalog is None or not catalog.required or not (set(by_metric) & catalog.series_names()):
        return []
    out = []
    for spec in catalog.required:
        statuses = [by_metric[s].status for s in spec.series if s in by_metric]
        out.append((spec.name, min(statuses, key=STATUS_ORDER.index) if statuses else "not queried"))
    return out
