"""The lint pass of `vobs validate`/`vobs audit`: every dashboard lint over the dashboards of a run. Pure.

The lints themselves are registered checks (`vobs checks` lists them): the structural ones are in
`vertice_obs/checks/` (`lints`, `variables`, and the house checks of `dashboard_style` for a
missing title, description or unit — at info for dashboards that are not ours); the PromQL ones
are here, because they parse queries: `promql/rate-interval`, the job/instance matcher checks,
`promql/histogram-quantile-without-le` and the two names of one smoothing function (`metrics.smoothing`).
A counter shown without rate() is `metric/counter-without-rate`, judged with the metric's type by
`classify`. Which lints are off — per run, per dashboard, per panel — is `lint_config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import zip_longest
from typing import Any, Callable, Collection, Sequence

import promql_parser as pp

from vertice_obs.checks import CHECKS, finding, hits
from vertice_obs.checks.datasources import Backend, speaks_metricsql
from vertice_obs.checks.walk import VARIABLE_REF, references, variables
from vertice_obs.finding import Finding, Severity
from vertice_obs.guard.durations import parse_duration
from vertice_obs.metrics.extract import children
from vertice_obs.metrics.interpolate import (
    PLACEHOLDER,
    interpolate,
    variables_from_dashboard,
)
from vertice_obs.metrics.inventory import Query, inventory, sanitized_variables
from vertice_obs.metrics.promql_shape import tree_without_values
from vertice_obs.metrics.promql_text import (
    _LITERAL,
    ParseError,
    check_query_shape,
    parse_promql,
    smoothing_calls,
)
from vertice_obs.metrics.smoothing import smoothing_findings

HOUSE = ("panel/title", "panel/description", "panel/unit")  # house checks, also lints for any dashboard
RATE_FUNCTIONS = ("rate", "irate", "increase")

# Ranges are marked before interpolation with durations no one writes, so the parsed query still
# says where each range came from (grafana/dashboard-linter does the same with $__rate_interval).
_RATE_INTERVAL, _RANGE, _INTERVAL, _CHOSEN = "1111111ms", "2222222ms", "3333333ms", "4444444ms"
_MARKS = {timedelta(milliseconds=int(m[:-2])): m for m in (_RATE_INTERVAL, _RANGE, _INTERVAL, _CHOSEN)}
_GLOBAL_MARKS = {"__rate_interval": _RATE_INTERVAL, "__range": _RANGE, "__interval": _INTERVAL, "interval": _INTERVAL}


def lint(dashboards: Sequence[Any], ours: Callable[[str], bool] = lambda file: False,
         skip: Collection[str] = ()) -> list[Finding]:
    """Every dashboard lint over the `DashboardFile`s of one run (checks in `skip` are not run).
    House checks are at their own severity for `ours` (the project's exports), info for the rest."""
    out = lint_run(dashboards, skip)
    for d in dashboards:
        model = d.model if isinstance(d.model, dict) else {}
        positions = d.positions() if hasattr(d, "positions") else None
        out.extend(lint_dashboard(d, inventory(model, d.file, positions)[0], ours, skip))
    return out


def lint_run(dashboards: Sequence[Any], skip: Collection[str] = ()) -> list[Finding]:
    """The lints over the whole run (a uid two files share)."""
    run = [(d.file, d.model if isinstance(d.model, dict) else {}) for d in dashboards]
    return [f for registered in CHECKS.values() if registered.scope == "run" and registered.id not in skip
            for f in hits(registered, registered.fn(run))]


def lint_dashboard(d: Any, queries: Sequence[Query], ours: Callable[[str], bool] = lambda file: False,
                   skip: Collection[str] = (), known: Sequence[LintFacts | None] = (),
                   backend: Backend | None = None) -> list[Finding]:
    """The lints of one dashboard, given its located queries (as `collect` has them) and, where
    `collect` parsed them already, what their syntax trees say (`known`, one per query, or None).
    `backend`: the server the run checks against (None offline), for what its language decides."""
    file, model = d.file, d.model if isinstance(d.model, dict) else {}
    out: list[Finding] = []
    for registered in CHECKS.values():
        if registered.id in skip:
            continue
        if registered.scope == "lint":
            out.extend(hits(registered, registered.fn(model, file)))
        elif registered.id in HOUSE:
            out.extend(hits(registered, registered.fn(model, file), None if ours(file) else Severity.INFO))
    out.extend(query_lints(model, queries, skip, known, backend))
    return out


LINT_SCOPES = ("lint", "run", "query-lint")


def is_lint(f: Finding) -> bool:
    registered = CHECKS.get(f.check)
    return registered is not None and (registered.scope in LINT_SCOPES or f.check in HOUSE)


def lint_summary(findings: Sequence[Finding], dashboards: int) -> str:
    """"; dashboard lints: 2 errors, 5 warnings, 40 info" — the lint clause of a run's summary line.
    Never "clean" when no dashboard was read (every file unreadable): nothing was linted."""
    counts = {s: 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
    for f in findings:
        if is_lint(f):
            counts[f.severity] += 1
    parts = [f"{n} {s}{'s' if n != 1 and s != Severity.INFO else ''}" for s, n in counts.items() if n]
    if parts:
        return f"; dashboard lints: {', '.join(parts)}"
    return "; dashboard lints: clean" if dashboards else "; dashboard lints: none run, no dashboard was read"


def under(folder: str) -> Callable[[str], bool]:
    """Is a file (as shown) inside `folder` (as shown)?"""
    if folder in (".", ""):
        return lambda file: not file.startswith(("/", ".."))
    prefix = folder.rstrip("/") + "/"
    return lambda file: file.startswith(prefix)


@dataclass(frozen=True)
class LintFacts:
    """What the PromQL lints need from one parsed query, none of it inside a string literal (so a
    query shape's tree gives it too): each rate()/irate()/increase() over a range selector with
    its range, in source order, the metric names lacking a `job` / an `instance` matcher, each
    histogram_quantile() whose buckets lose `le` on the way (`_le_dropped`), and the names its double
    exponential smoothing calls are written with (`promql_text.smoothing_calls`)."""

    rates: tuple[tuple[str, timedelta], ...] = ()
    lacking: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ("job", names), ("instance", names)
    histograms: tuple[LeDropped, ...] = ()
    smoothing: tuple[str, ...] = ()  # "holt_winters", "double_exponential_smoothing": the parser reads both as the latter


@dataclass(frozen=True)
class LeDropped:
    """An aggregation between histogram_quantile() and a classic histogram's `_bucket` series that
    leaves no `le` label: `op`, its `by` (True) or `without` clause (None: none) and labels, the bucket
    series' names, and whether it keeps `vmrange` — VictoriaMetrics' bucket label, which its
    histogram_quantile() reads too (Prometheus' reads only `le`)."""

    op: str
    by: bool | None
    labels: tuple[str, ...]
    buckets: tuple[str, ...]
    vmrange: bool
    required: bool = True  # False: under an `or`, after `unless` or in absent(), the panel draws the rest


def lint_facts(tree: Any, text: str = "") -> LintFacts:
    """The `LintFacts` of a syntax tree (None: a query that does not parse — nothing to lint), parsed
    from `text` (read for what the tree cannot say: the name a smoothing call is written with). Every
    node, parents first, operands in source order; iterative (depth is bounded by the shape check
    anyway). Run on every query of a validation: one loop, each selector's matchers read once."""
    rates, job, instance, histograms = [], [], [], []
    stack = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, pp.VectorSelector):  # no operands
            name = node.name  # each attribute of a node is read once: a read builds new Python objects
            if name and (":" in name or name.startswith("vobs_")):
                continue  # a recording rule's output, or a name built from a variable: no matchers read
            matchers = node.matchers
            groups = [matchers.matchers, *(matchers.or_matchers or ())]
            name = name or next((m.value for g in groups for m in g if m.name == "__name__"
                                 and str(m.op).rsplit(".", 1)[-1].lower() == "equal"), "")
            if not name or ":" in name or name.startswith("vobs_"):
                continue  # no single metric, a recording rule's output, or a name built from a variable
            name = name.replace(PLACEHOLDER, "…")  # `{__name__="x_$v"}`, $v unknown: said as x_…, not vobs' stand-in
            labels = [{m.name for m in g} for g in groups]
            if not all("job" in g for g in labels):
                job.append(name)
            if not all("instance" in g for g in labels):
                instance.append(name)
            continue
        if isinstance(node, pp.Call):
            args = node.args
            if args and isinstance(args[0], pp.MatrixSelector):
                function = node.func.name
                if function in RATE_FUNCTIONS:
                    rates.append((function, args[0].range))
            elif len(args) == 2 and node.func.name == "histogram_quantile" and (dropped := _le_dropped(args[1])):
                histograms.append(dropped)
            stack.extend(reversed([a for a in args if a is not None]))  # `children` of a call, args read once
            continue
        stack.extend(reversed(children(node)))
    if histograms:  # rare: a second walk says which of them the query needs to draw anything
        needed = _required_histograms(tree)
        histograms = [h if h in needed else replace(h, required=False) for h in histograms]
    return LintFacts(tuple(rates), tuple((label, tuple(names)) for label, names in (("job", job), ("instance", instance))
                                       if names), tuple(dict.fromkeys(histograms)),
                     smoothing_calls(text) if tree is not None else ())


def _required_histograms(tree: Any) -> set[LeDropped]:
    """The `LeDropped` of the histogram_quantile() calls the query needs to draw anything: not under an
    `or` (another operand may draw; `extract`'s fallback and `or vector(0)`), the right side of `unless`,
    or absent()/absent_over_time() — where an always-empty quantile leaves the rest of the query drawing."""
    out: set[LeDropped] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is pp.BinaryExpr:
            op = str(node.op).strip().lower()
            stack.extend([] if op == "or" else [node.lhs] if op == "unless" else [node.lhs, node.rhs])
            continue
        if kind is pp.Call:
            name, args = node.func.name, node.args
            if name in ("absent", "absent_over_time"):
                continue
            if len(args) == 2 and name == "histogram_quantile" and (dropped := _le_dropped(args[1])):
                out.add(dropped)
        stack.extend(children(node))
    return out


_KEEPS_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})  # aggregations that keep each series' labels


def _le_dropped(node: Any) -> LeDropped | None:
    """The first aggregation under `node` (histogram_quantile()'s second argument) that drops `le`
    while aggregating `_bucket` series: no clause (`sum(…)`), `by` without le, `without` with le.
    Followed where the result's labels come from — functions, both sides of `or`, the left side of
    other operators (the right with group_right) —; not below a label_replace()/label_join() that
    makes `le` (or may: in a query shape's tree its literal is a stand-in), nor where a variable
    left a `by` label unknown (it may be le)."""
    stack = [node]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is pp.AggregateExpr:
            op, modifier = str(node.op).lower(), node.modifier
            if op == "count_values":
                continue  # its own label: not judged
            if op not in _KEEPS_LABELS:
                by = None if modifier is None else str(modifier.type).rsplit(".", 1)[-1].lower() == "by"
                labels = tuple(modifier.labels) if modifier is not None else ()
                drops = "le" in labels if by is False else "le" not in labels
                if by and any(PLACEHOLDER in label or "vobs_var_" in label for label in labels):
                    drops = False
                if drops:
                    buckets = _buckets(node.expr)
                    if buckets:
                        return LeDropped(op, by, labels, buckets, bool(by) and "vmrange" in labels)
                    continue
            stack.append(node.expr)
        elif kind is pp.Call:
            args = node.args
            if node.func.name in ("label_replace", "label_join") and (
                    len(args) < 2 or not isinstance(args[1], pp.StringLiteral) or args[1].val == "le"
                    or args[1].val.startswith(_LITERAL)):
                continue  # le is (or may be: a query shape's stand-in for the literal) made here
            stack.extend(children(node))
        elif kind is pp.BinaryExpr:
            card = str(node.modifier.card) if node.modifier is not None else ""
            stack.extend([node.lhs, node.rhs] if str(node.op).strip().lower() == "or"
                         else [node.rhs] if card.endswith("OneToMany") else [node.lhs])
        else:
            stack.extend(children(node))
    return None


def _buckets(node: Any) -> tuple[str, ...]:
    """The names of the classic histogram buckets (`…_bucket`, or a recording rule's `…_bucket:…`)
    selected under `node`."""
    found = []
    stack = [node]
    while stack:
        node = stack.pop()
        if type(node) is pp.VectorSelector:
            name = node.name or ""
            if name.endswith("_bucket") or "_bucket:" in name:
                found.append(name)
        else:
            stack.extend(children(node))
    return tuple(dict.fromkeys(found))


QUERY_LINTS = ("promql/rate-interval", "promql/job-matcher", "promql/instance-matcher",
               "promql/histogram-quantile-without-le", "promql/holt-winters-removed",
               "promql/double-exponential-smoothing-unknown")


def query_lints(model: dict[str, Any], queries: Sequence[Query], skip: Collection[str] = (),
                known: Sequence[LintFacts | None] = (), backend: Backend | None = None) -> list[Finding]:
    """The PromQL lints (`QUERY_LINTS`) over the panel queries, each at its query's place. One
    parse per query serves them all: the range marks only change durations, never matchers or
    labels. A query without range variables reads the same marked as interpolated: its `known`
    facts (from `collect`'s parse of its shape) are used, not a parse. `backend`: the server the run
    checks against (None offline), for `vmrange`, which only VictoriaMetrics reads."""
    wanted = [c for c in QUERY_LINTS if c not in skip]
    panel_queries = [(q, k) for q, k in zip_longest(queries, known) if q is not None and q.kind == "panel"]
    if not wanted or not panel_queries:
        return []
    values = None  # the variables' values, read for the first query whose marks change it
    defined = {v["name"]: v for _, v in variables(model)}
    # An interval variable with `auto` sizes itself to the time range, as $__interval does; without it,
    # it is a list of ranges the reader picks from — a deliberate range, like any variable written as one.
    interval_variables = {name for name, v in defined.items() if v.get("type") == "interval" and v.get("auto") is True}
    names = set(defined)
    rates_wanted = "promql/rate-interval" in wanted
    labels_wanted = {label for label in ("job", "instance") if f"promql/{label}-matcher" in wanted}
    out: list[Finding] = []
    for query, facts in panel_queries:
        marked = _mark_ranges(query.expr, names, interval_variables)
        if facts is None or marked != query.expr:
            if values is None:
                values = variables_from_dashboard({"templating": {"list": sanitized_variables(model)}})
            text = interpolate(marked, values).text
            facts = lint_facts(_parse(text), text)
        if rates_wanted and facts.rates:
            out.extend(_rate_findings(query, facts, interval_variables))
        out.extend(_matcher_finding(query, lacking, label, _variable_for(label, names)) for label, lacking
                   in facts.lacking if label in labels_wanted)  # job, then instance
        if facts.histograms and "promql/histogram-quantile-without-le" in wanted:
            out.extend(f for dropped in facts.histograms if (f := _le_finding(query, dropped, backend)) is not None)
        if facts.smoothing:
            out.extend(f for f in smoothing_findings(query, facts.smoothing, backend) if f.check in wanted)
    return out


def _le_finding(query: Query, dropped: LeDropped, backend: Backend | None) -> Finding | None:
    """`promql/histogram-quantile-without-le` for one aggregation, or None where it keeps `vmrange`
    and the query reaches a VictoriaMetrics (whose histogram_quantile() reads vmrange buckets)."""
    op, labels = dropped.op, [label for label in dropped.labels if label != "le"]
    written = op if dropped.by is None else f"{op} {'by' if dropped.by else 'without'} ({', '.join(dropped.labels)})"
    keep = (f"`{op} by ({', '.join([*labels, 'le'])}) (…)`" if dropped.by is not False
            else f"`{op} without ({', '.join(labels)}) (…)`" if labels else "no `without (le)`")
    head = f"histogram_quantile() over `{written}` of {', '.join(dropped.buckets)}: "
    # where the query lets the quantile be empty (an `or`, `unless`'s right side, absent()), the rest still draws
    empty = "the panel is always empty" if dropped.required else (
        "it is always empty, where this query lets it be (an `or`, the right side of `unless`, absent()): the panel "
        "draws only the rest of the query")
    level = {} if dropped.required else {"severity": Severity.WARNING}
    if not dropped.vmrange:
        return finding("promql/histogram-quantile-without-le", head + "the aggregation drops the `le` label, so "
                       f"histogram_quantile() finds no bucket and {empty} — keep le: {keep}",
                       query.location, query=query.expr, **level)
    if speaks_metricsql(query.datasource, backend):
        return None
    why = ("`vmrange` is VictoriaMetrics' bucket label, which only its histogram_quantile() reads: Prometheus' reads "
           f"`le` alone, so on Prometheus {empty}")
    if backend is not None:
        return finding("promql/histogram-quantile-without-le", f"{head}{why}, as on {backend.shown} — keep le: "
                       f"{keep}", query.location, query=query.expr, **level)
    return finding("promql/histogram-quantile-without-le", f"{head}{why} — fine if this datasource is a "
                   f"VictoriaMetrics; for Prometheus keep le: {keep}", query.location, severity=Severity.WARNING,
                   query=query.expr)


def _parse(text: str) -> Any:
    """The syntax tree, or None when the query does not parse (`promql/parse` reports that): of its
    shape where that tells the lints the same (`tree_without_values`: no regex to compile), else of
    the query. Not cached: each query is parsed once here, and keeping 16,384 syntax trees cost ~500 MB."""
    try:
        check_query_shape(text)
        tree = tree_without_values(text)
        return tree if tree is not None else parse_promql(text)
    except (ParseError, ValueError, RuntimeError):
        return None


def _mark_ranges(expr: str, defined: set[str], interval_variables: set[str]) -> str:
    """`expr` with Grafana's interval variables, and any variable written as a whole range, replaced by
    marker durations."""
    if "$" not in expr and "[[" not in expr:
        return expr

    def mark(match) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name in interval_variables:
            return _INTERVAL
        if name in _GLOBAL_MARKS and (name.startswith("__") or name not in defined):
            return _GLOBAL_MARKS[name]
        if expr[:match.start()].rstrip().endswith("["):
            return _CHOSEN
        return match.group(0)

    return VARIABLE_REF.sub(mark, expr)


def _rate_findings(query: Query, facts: LintFacts, interval_variables: Collection[str] = ()) -> list[Finding]:
    out, said = [], set()
    for name, span in facts.rates:
        mark = _MARKS.get(span)
        if mark in (_RATE_INTERVAL, _RANGE, _CHOSEN) or (name == "increase" and mark != _INTERVAL):
            continue
        shown = _interval_written(query.expr, interval_variables) if mark == _INTERVAL else _range_written(query.expr, span)
        if (name, shown) in said:
            continue
        said.add((name, shown))
        why = ("follows the step: shorter than four scrape intervals, as at short steps, it leaves gaps" if mark == _INTERVAL
               else "is fixed: it hides or smears spikes as the reader zooms")
        out.append(finding("promql/rate-interval", f"{name}() over [{shown}]: the range {why} — use "
                           "[$__rate_interval], which Grafana sizes to the scrape interval and the step",
                           query.location, query=query.expr))
    return out


def _interval_written(expr: str, interval_variables: Collection[str]) -> str:
    """How `expr` wrote its interval range: `$__interval`, or the interval variable(s) it used."""
    written = [f"${n}" for n in dict.fromkeys(references(expr))
               if n in interval_variables or n in ("__interval", "interval")]
    return " or ".join(written) or "$__interval"


_FIXED_RANGE = re.compile(r"\[\s*((?:[0-9]+(?:ms|[smhdwy]))+)\s*[\]:]")


def _range_written(expr: str, span: timedelta) -> str:
    """`span` as `expr` wrote it (`60s`, not `1m`: a reader searches the query for what is quoted) —
    the first fixed range of that length in the text, else the shortest spelling."""
    for match in _FIXED_RANGE.finditer(expr):
        try:
            if parse_duration(match.group(1)) == span:
                return match.group(1)
        except ValueError:
            continue
    return _duration(span)


def _duration(value: timedelta) -> str:
    ms = round(value.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _variable_for(label: str, names: set[str]) -> str:
    """The dashboard's variable for `label`, as it spells it (`$Instance`: names are case-sensitive;
    trial 15 was advised `$instance`), else the label's own name (a variable to add)."""
    return label if label in names else next((n for n in sorted(names) if n.lower() == label), label)


def _matcher_finding(query: Query, lacking: Sequence[str], label: str, variable: str) -> Finding:
    shown = ", ".join(dict.fromkeys(lacking))
    return finding(f"promql/{label}-matcher", f"no {label} matcher on {shown}: the panel "
                   + ("mixes every job that exposes it" if label == "job" else "sums or overlays every instance")
                   + f" — add {label}=~\"${variable}\" if the dashboard is for one", query.location, query=query.expr)
