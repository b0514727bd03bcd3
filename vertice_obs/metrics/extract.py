"""Metric extraction with promql-parser: which metric names a query needs, and in what role. Pure.

Roles say what absence would mean: `required` (the panel breaks), `fallback` (one side of an `or`
between metrics — e.g. `old_name or new_name` across a rename), `optional` (the query allows
absence: `x or vector(0)`, the right side of `unless`, the argument of `absent()`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable, Mapping

import promql_parser as pp

from vertice_obs.checks import finding
from vertice_obs.checks.datasources import (
    METRICSQL,
    Backend,
    language,
    speaks_metricsql,
)
from vertice_obs.finding import Finding
from vertice_obs.guard.text import escape
from vertice_obs.metrics.classify import FALLBACK, OPTIONAL, REQUIRED, MetricUse
from vertice_obs.metrics.interpolate import PLACEHOLDER, Variable, interpolate, mentions
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.metricsql import (
    metricsql_hint,
    miscounted_metricsql,
    valid_metricsql,
)
from vertice_obs.metrics.promql_text import (
    ParseError,
    _variable_promql,
    check_query_shape,
    parse_promql,
    parser_message,
)
from vertice_obs.metrics.series import LabelMatcher

_ABSENT_FUNCTIONS = {"absent", "absent_over_time"}


@dataclass(frozen=True, slots=True)
class MetricRef:
    metric: str  # a name, or a regex over names when `is_pattern`
    is_pattern: bool = False
    role: str = REQUIRED
    alternatives: tuple[str, ...] = ()
    reason: str = ""
    # The selector's label matchers (not `__name__`), for series-level checks; not part of the
    # name-level identity, so `extract` still de-duplicates by name and role.
    matchers: tuple[LabelMatcher, ...] = field(default=(), compare=False)
    # The innermost function or aggregation around the selector ("rate", "sum", "" at the top or
    # under an operator) and whether it is in a range — a range selector or a subquery, what
    # rate() takes: for the type checks (rate over a gauge, a counter shown raw).
    under: str = field(default="", compare=False)
    ranged: bool = field(default=False, compare=False)
    # How far before now, in seconds, the selector's samples may come from beyond the instant
    # lookback: its range, its offset, an enclosing subquery's; infinite with `@`. A series gone
    # since is still drawn, so an empty selector is judged against when it last matched.
    reach: float = field(default=0.0, compare=False)
    # For a selector shown raw (not in a range): the raw selectors' names on the other side of an
    # arithmetic `-` or `/` around it. Two counters subtracted or divided (`started - handled`,
    # `x_sum / x_count`) draw a level or a ratio, not an ever-growing total.
    against: tuple[str, ...] = field(default=(), compare=False)


@lru_cache(maxsize=65536)
def extract(text: str, name_patterns: tuple[tuple[str, str], ...] = ()) -> tuple[MetricRef, ...]:
    """The metric references of one (interpolated) PromQL query. Raises `ParseError`.

    Cached by text: dashboards repeat the same queries across panels and environments."""
    check_query_shape(text)
    try:
        ast = parse_promql(text)
    except (ValueError, RuntimeError) as exc:
        raise ParseError(str(exc)) from None
    patterns = dict(name_patterns)
    try:
        refs = _refs(ast, REQUIRED, "", patterns)
    except RecursionError:  # the shape check should make this unreachable; never a crash regardless
        raise ParseError("query is nested too deeply to inspect") from None
    return unique_refs(refs)


def unique_refs(refs: Iterable[MetricRef]) -> tuple[MetricRef, ...]:
    """Each ref once (by name and role), in order of first place, with the nearest reach it is
    written with: every place a required name stands must have series for the panel to draw, so
    `x - x offset 1h` of a name gone 30 minutes ago draws nothing (its left side is empty)."""
    out: dict[MetricRef, MetricRef] = {}
    for ref in refs:
        kept = out.setdefault(ref, ref)
        if ref.reach < kept.reach:
            out[ref] = replace(kept, reach=ref.reach)
    return tuple(out.values())


def _refs(node: Any, role: str, reason: str, patterns: Mapping[str, str], under: str = "",
          backs: tuple[float, ...] = ()) -> list[MetricRef]:
    """The refs under `node`. `under` (the innermost function or aggregation around it) and `backs`
    (the ranges, offsets of the enclosing range selectors and subqueries, outermost first) are
    passed down, so each ref is made once at its selector, not copied at every level above it."""
    kind = type(node)  # the parser's classes have no subclasses: one lookup, not a chain of isinstance
    if kind is pp.VectorSelector:
        return _selector(node, role, reason, patterns, under, backs)
    if kind is pp.MatrixSelector:  # `x[5m]`: what rate() takes (always over a vector selector)
        return _selector(node.vector_selector, role, reason, patterns, under, backs + (node.range.total_seconds() + 0.0,))
    if kind is pp.SubqueryExpr:  # `x[5m:1m]`
        return _refs(node.expr, role, reason, patterns, under, backs + (node.range.total_seconds() + _back(node),))
    if kind is pp.ParenExpr or kind is pp.UnaryExpr:
        return _refs(node.expr, role, reason, patterns, under, backs)
    if kind is pp.AggregateExpr:
        inner = str(node.op) or under  # the innermost name wins (an empty one would not have)
        refs = _refs(node.expr, role, reason, patterns, inner, backs)
        return refs + _refs(node.param, role, reason, patterns, inner, backs) if node.param is not None else refs
    if kind is pp.Call:
        name = node.func.name
        if name in _ABSENT_FUNCTIONS:
            return [r for a in node.args for r in _refs(a, OPTIONAL, f"argument of {name}()", patterns, under, backs)]
        return [r for a in node.args for r in _refs(a, role, reason, patterns, name or under, backs)]
    if kind is pp.BinaryExpr:
        op = str(node.op).strip().lower()
        if op == "or":
            return _or_chain(node, role, reason, patterns, under, backs)
        if op == "unless":
            return (_refs(node.lhs, role, reason, patterns, under, backs)
                    + _refs(node.rhs, OPTIONAL, "right side of `unless`", patterns, under, backs))
        lhs, rhs = _refs(node.lhs, role, reason, patterns, under, backs), _refs(node.rhs, role, reason, patterns, under, backs)
        return _against(lhs, rhs) + _against(rhs, lhs) if op == "-" or op == "/" else lhs + rhs
    return []  # number and string literals


def _against(refs: list[MetricRef], other: list[MetricRef]) -> list[MetricRef]:
    """`refs`, each raw one told the raw names on the other side of its `-` or `/` (`MetricRef.against`)."""
    names = tuple(r.metric for r in other if not r.ranged and not r.is_pattern)
    if not names:  # `x_total / 1024`, `a_total - rate(b[5m])`: nothing raw to subtract or divide by
        return refs
    return [r if r.ranged else replace(r, against=r.against + names) for r in refs]


def _back(node: Any) -> float:
    """Seconds before now that `node`'s `offset` and `@` move its evaluation (a selector's or a
    subquery's), signed (a negative offset looks forward; the selector's reach is floored at 0
    once its range is added). `@ end()` is the query's end, now; `@ start()` or a timestamp pins
    it anywhere the dashboard's range or the author chose (infinite)."""
    offset = node.offset.total_seconds() if node.offset is not None else 0.0
    if node.at is not None and not str(node.at.type).lower().endswith("end"):
        return float("inf")
    return offset


def children(node: Any) -> list[Any]:
    """The operands of one syntax-tree node, in source order (none for selectors and literals)."""
    kind = type(node)
    if kind is pp.BinaryExpr:
        return [node.lhs, node.rhs]
    if kind is pp.Call:
        return [a for a in node.args if a is not None]
    if kind is pp.MatrixSelector:
        return [node.vector_selector]
    if kind is pp.SubqueryExpr or kind is pp.ParenExpr or kind is pp.UnaryExpr:
        return [node.expr]
    if kind is pp.AggregateExpr:
        param = node.param
        return [node.expr] if param is None else [node.expr, param]
    return []


def _or_chain(node: Any, role: str, reason: str, patterns: Mapping[str, str], under: str,
              backs: tuple[float, ...]) -> list[MetricRef]:
    """`a or b or vector(0)`: every operand of the chain, judged together."""
    operands = []

    def flatten(n):
        if isinstance(n, pp.BinaryExpr) and str(n.op).strip().lower() == "or":
            flatten(n.lhs)
            flatten(n.rhs)
        else:
            operands.append(n)

    flatten(node)
    per_operand = [_refs(o, role, reason, patterns, under, backs) for o in operands]
    if role == OPTIONAL:
        return [r for refs in per_operand for r in refs]
    constant = [not refs for refs in per_operand]  # vector(0), a number: always has a value
    if any(constant):
        return [replace(r, role=OPTIONAL, reason="`or` with a constant fallback such as vector(0)")
                if r.role == role else r for refs in per_operand for r in refs]
    out = []
    for i, refs in enumerate(per_operand):
        others = tuple(dict.fromkeys(r.metric for j, o in enumerate(per_operand) if j != i for r in o))
        # only the role changes (a ref of `role` has no alternatives and no reason to replace): the
        # matchers, the function around it and the range stay, for the series-level and type checks
        out.extend(replace(r, role=FALLBACK, alternatives=others) if r.role == role else r for r in refs)
    return out


_OPS = {"equal": "=", "notequal": "!=", "re": "=~", "notre": "!~"}
_SYMBOLS: dict[str, str | None] = {}  # str(a matcher's op) → its symbol ("="; None: not one of `_OPS`)
_OP_WORDS: dict[str, str] = {}  # str(a matcher's op) → its word ("equal"): remembered, the parser has four


def _op_word(op: Any) -> str:
    text = str(op)
    return _OP_WORDS.get(text) or _OP_WORDS.setdefault(text, text.rsplit(".", 1)[-1].lower())


def _label_matchers(matchers: Any) -> tuple[LabelMatcher, ...]:
    """The selector's label matchers (`matchers`: its `node.matchers`, read once: each read builds
    the list anew), unless it uses `or` between matcher groups (not judged)."""
    if matchers.or_matchers:
        return ()
    out = []  # a loop, the op's symbol remembered by its text: ~50,000 matchers a run
    for m in matchers.matchers:
        text = str(m.op)
        op = _SYMBOLS[text] if text in _SYMBOLS else _SYMBOLS.setdefault(text, _OPS.get(_op_word(m.op)))
        if op and (name := m.name) != "__name__":
            out.append(LabelMatcher(name, op, m.value))
    return tuple(out)


def _selector(node: Any, role: str, reason: str, patterns: Mapping[str, str], under: str = "",
              backs: tuple[float, ...] = ()) -> list[MetricRef]:
    ranged, name = bool(backs), node.name
    if name:
        # The parser rejects a name given twice, so with a name there is no __name__ matcher.
        if name in patterns:
            return [MetricRef(patterns[name], True, role, (), reason, (), under, ranged, _reach(0.0, backs))]
        return [MetricRef(name, False, role, (), reason, _label_matchers(node.matchers), under, ranged,
                          _reach(_back(node), backs))]
    refs, matchers = [], node.matchers
    for group in [matchers.matchers] + list(matchers.or_matchers or []):
        for m in group:
            if m.name != "__name__":
                continue
            if (op := _op_word(m.op)) == "equal" and PLACEHOLDER in m.value:  # `{__name__="x_${v}_count"}`, $v unknown
                refs.append(MetricRef(".+".join(map(re.escape, m.value.split(PLACEHOLDER))), True, role, (), reason,
                                      (), under, ranged, _reach(0.0, backs)))
            elif op == "equal":
                refs.append(MetricRef(m.value, False, role, (), reason, _label_matchers(matchers), under, ranged,
                                      _reach(_back(node), backs)))
            elif op == "re":  # a variable with no known value stands for any text (`x_$v.*`)
                refs.append(MetricRef(m.value.replace(PLACEHOLDER, ".+"), True, role, (), reason, (), under, ranged,
                                      _reach(0.0, backs)))
    return refs


def _reach(own: float, backs: tuple[float, ...]) -> float:
    """A selector's reach: its own offset plus each enclosing range's, innermost first (one float order)."""
    for back in reversed(backs):
        own += back
    return own


# --- queries → uses ----------------------------------------------------------------------------------

def uses_of(query: Query, variables: Mapping[str, Variable],
            backend: Backend | None = None) -> tuple[list[MetricUse], list[Finding]]:
    """Interpolate, parse and extract one inventoried query: its metric uses, or a parse finding
    (`backend`: the server the run checks against, None offline — see `_parse_finding`).
    The reference path, one query at a time; a whole run goes through `analysis.query_facts`,
    which shares one parse per query shape and must give the same answer."""
    expr = query.expr
    if query.kind == "variable":
        expr = _variable_promql(expr)
        if expr is None:
            return [], []
        if expr.startswith("\x00metrics:"):
            regex = expr.split(":", 1)[1]
            return [MetricUse(regex, query.location, query.expr, is_pattern=True, kind=query.kind)], []
    try:
        check_query_shape(expr)  # before interpolation, which walks the text too
    except ParseError as exc:
        return [], [_parse_finding(query, exc, expr, backend)]
    done = interpolate(expr, variables)
    try:
        refs = extract(done.text, tuple(sorted(done.name_patterns.items())) if done.name_patterns else ())
    except ParseError as exc:
        return [], [_parse_finding(query, exc, done.text, backend, variables)]
    return _to_uses(refs, query), []


_FORMATTED = re.compile(r"\$\{\w+:\w+\}|\[\[\w+:\w+\]\]")  # `${v:regex}`, `[[v:regex]]`


def _format_hint(expr: str, error: str, variables: Mapping[str, Variable] | None = None) -> str:
    """Why an escape is refused where a variable has an explicit format, or stands for its allValue:
    Grafana inserts that text as it is, not escaped for the string around it (grafana/grafana#40634,
    #59251; scenes' `CustomAllValue`)."""
    if "escape sequence" not in error:
        return ""
    formatted = _FORMATTED.search(expr)
    # else All, written as its allValue: `$code` with allValue `\d+` is `"\d+"`, refused
    used = formatted.group() if formatted else next((f"${name}'s allValue {v.all_value}" for name, v in (variables or {}).items()
                                                       if not v.values and v.all_value and "\\" in v.all_value
                                                       and mentions(expr, name)), None)
    return (f" (Grafana inserts {used} as it is, backslashes included: write that string in backquotes, "
            "where PromQL reads no escapes)") if used else ""


_SHOWN_QUERY = 300  # characters of a query quoted in a message; the finding's details keep it whole
# the checks that cannot run on a query vobs does not parse, said where a MetricsQL query is let be
NOT_CHECKED = "not whether its metrics exist, their types, its series and labels (No data), nor the PromQL lints"


def _parse_finding(query: Query, exc: ParseError, text: str, backend: Backend | None = None,
                   variables: Mapping[str, Variable] | None = None) -> Finding:
    """The finding for a query that does not parse as PromQL (`text`: as interpolated). Valid MetricsQL
    where the query reaches a VictoriaMetrics — its datasource is VictoriaMetrics' plugin, or the run's
    server (`backend`) is one — is `promql/metricsql`, information naming what was not checked; anything
    else a `promql/parse` error, which names the MetricsQL a valid MetricsQL query takes, the same
    words everywhere — or, when all it lacks to be valid MetricsQL is a function's count of arguments,
    that call: where, what it gives, what the function takes. A variable with no known value is shown as the variable (`$job`), never as the
    placeholder vobs put in its place (`variables`: the dashboard's)."""
    def clip(q: str) -> str:
        return q if len(q) <= _SHOWN_QUERY else f"{q[:_SHOWN_QUERY]}… ({len(q):,} characters)"

    error = str(exc)
    shown = _as_written(query.expr, text, variables)
    shown = clip(query.expr) if shown == query.expr else f"{clip(query.expr)} (interpolated: {clip(shown)})"
    shown = escape(shown, one_line=True)  # a query may carry control characters; messages reach terminals
    what = escape(valid_metricsql(text, error), one_line=True)
    if what and speaks_metricsql(query.datasource, backend):
        where = ("a VictoriaMetrics datasource" if language(query.datasource) == METRICSQL or backend is None
                 else escape(backend.shown, one_line=True))
        return finding("promql/metricsql", f"MetricsQL ({what}), valid on {where}: vobs reads PromQL only, so this "
                       f"query is not checked — {NOT_CHECKED} — in: {shown}", query.location, query=query.expr)
    if not what and (wrong := miscounted_metricsql(text, error)) is not None:
        refused = "VictoriaMetrics refuses the query" + (
            "" if speaks_metricsql(query.datasource, backend) else ", and Prometheus knows no MetricsQL")
        return finding("promql/parse", f"query does not parse: {escape(wrong.said(), one_line=True)} — {refused} — "
                       f"in: {shown}", query.location, query=query.expr, function=wrong.function,
                       arguments=wrong.given, character=wrong.at)
    hint = escape(metricsql_hint(what, backend) or _format_hint(query.expr, error, variables), one_line=True)
    return finding("promql/parse", f"query does not parse: {parser_message(error)}{hint} — in: {shown}",
                   query.location, query=query.expr)


def _as_written(expr: str, text: str, variables: Mapping[str, Variable] | None) -> str:
    """`text` (`expr` interpolated) with each variable that had no known value — vobs' placeholder
    there — written as the variable again (`job=~"$job"`, not `job=~"vobs_placeholder"`)."""
    if variables is None or PLACEHOLDER not in text:
        return text
    unknown = [name for name, v in variables.items() if not v.values and not v.all_value]
    marks = {name: f"vobsshown{i}x" for i, name in enumerate(unknown)}
    again = interpolate(expr, {**variables, **{name: Variable(name, (mark,)) for name, mark in marks.items()}}).text
    for name, mark in marks.items():
        again = again.replace(mark, f"${name}")
    return again


def _to_uses(refs: Iterable[MetricRef], query: Query) -> list[MetricUse]:
    return [MetricUse(r.metric, query.location, query.expr, r.is_pattern, r.role, r.alternatives, r.reason,
                      r.under, r.ranged, query.kind, r.against, r.reach) for r in refs]
