"""The selectors series-level checks judge, per query: which must select something, with what matchers.

Kept apart from `extract` (names and roles) but built on its walk, so that roles — fallback,
optional, required — mean the same in both. Per-service dashboards differ only inside strings, so
selectors are found once per template and the literals filled back in (`_selectors_by_shape`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

import promql_parser as pp

from vertice_obs.metrics.classify import REQUIRED
from vertice_obs.metrics.extract import (
    _CACHE_LIMIT,
    _LITERAL,
    ParseError,
    _mask_strings,
    _refs,
    _variable_promql,
    check_query_shape,
    children,
)
from vertice_obs.metrics.interpolate import PLACEHOLDER, Variable, interpolate
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.series import (
    Grouping,
    GroupingUse,
    LabelMatcher,
    Selector,
    SelectorUse,
)


def selectors(text: str) -> tuple[Selector, ...]:
    """The vector selectors of one interpolated query that must select something for the panel to
    show data: required (not an `or` fallback, not allowed to be absent), a plain metric name, and
    at least one label matcher. Raises `ParseError` like `extract`."""
    return _analyse(text)[0]


def groupings(text: str) -> tuple[Grouping, ...]:
    """The `by (…)` labels of one interpolated query's aggregations, each with the metrics under it —
    where only those metrics' series can carry the label (see `_groupings`). Raises `ParseError`."""
    return _analyse(text)[1]


@lru_cache(maxsize=65536)
def _analyse(text: str) -> tuple[tuple[Selector, ...], tuple[Grouping, ...]]:
    """One parse for both: selectors and groupings."""
    check_query_shape(text)
    try:
        tree = pp.parse(text)
        refs = _refs(tree, REQUIRED, "", {})
        grouped = tuple(dict.fromkeys(_groupings(tree)))
    except (ValueError, RuntimeError) as exc:
        raise ParseError(str(exc)) from None
    except RecursionError:
        raise ParseError("query is nested too deeply to inspect") from None
    judged = (Selector(r.metric, r.matchers) for r in refs if r.role == REQUIRED and not r.is_pattern and r.matchers)
    return tuple(dict.fromkeys(judged)), grouped


# Functions that give a series labels its inputs did not carry: a `by` label under them may be theirs.
_LABEL_MAKERS = frozenset({"label_replace", "label_join", "absent", "absent_over_time", "info"})


def _groupings(node: Any) -> list[Grouping]:
    """Every `agg by (l, …) (expr)` whose `expr` gets its labels only from plain-named selectors: the
    label can then come from nowhere else. Not judged: `without` (dropping a label nobody has is
    harmless), `count_values` (it makes its label), anything under a label-making function, a
    selector without a plain name, a label a variable left unknown."""
    out: list[Grouping] = []
    for child in children(node):
        out.extend(_groupings(child))
    modifier = getattr(node, "modifier", None) if isinstance(node, pp.AggregateExpr) else None
    if modifier is None or str(modifier.type).rsplit(".", 1)[-1].lower() != "by" or str(node.op) == "count_values":
        return out
    metrics = _plain_sources(node.expr)
    if metrics:
        out.extend(Grouping(label, metrics) for label in modifier.labels if not _unknown_value(label))
    return out


def _plain_sources(node: Any) -> tuple[str, ...] | None:
    """The metric names whose labels reach `node`'s output, or None when a label could come from
    elsewhere (a label-making function, `count_values`, a selector without a plain name)."""
    if isinstance(node, pp.VectorSelector):
        return (node.name,) if node.name else None
    if isinstance(node, pp.Call) and node.func.name in _LABEL_MAKERS:
        return None
    if isinstance(node, pp.AggregateExpr) and str(node.op) == "count_values":
        return None
    names: list[str] = []
    for child in children(node):
        found = _plain_sources(child)
        if found is None:
            return None
        names.extend(found)
    return tuple(dict.fromkeys(names))


def selector_uses(query: Query, variables: Mapping[str, Variable],
                  option: tuple[str, str] | None = None) -> list[SelectorUse]:
    """The selectors of one inventoried query that series-level checks judge (see `series_uses`)."""
    return series_uses(query, variables, option)[0]


def series_uses(query: Query, variables: Mapping[str, Variable],
                option: tuple[str, str] | None = None) -> tuple[list[SelectorUse], list[GroupingUse]]:
    """The selectors (see `selectors`) and `by` groupings (see `groupings`; not per option: options
    change values, not label names) of one inventoried query, interpolated once.

    Matchers whose value a variable left unknown (a placeholder) are not judged: nothing is known
    about them, so nothing is said. Called after `uses_of` accepted the query (which guards its
    shape before interpolating); a query that does not parse has its finding from there."""
    expr = query.expr
    if query.kind == "variable":
        expr = _variable_promql(expr)
        if expr is None or expr.startswith("\x00"):
            return [], []
    try:
        text = interpolate(expr, variables).text  # selectors() guards the text before parsing it
        found = _selectors_by_shape(text)
        if found is None:
            found = selectors(text)
        grouped = () if option is not None else _groupings_by_shape(text)
    except ParseError:
        return [], []
    out = []
    for selector in found:
        known = tuple(m for m in selector.matchers if not _unknown_value(m.value))
        if known:
            out.append(SelectorUse(Selector(selector.metric, known), query.location, query.expr, option))
    return out, [GroupingUse(g, query.location, query.expr) for g in grouped]


def _groupings_by_shape(text: str) -> tuple[Grouping, ...]:
    """`groupings(text)` via its shape: label and metric names are never inside string literals."""
    masked = _mask_strings(text, indexed=True)
    if masked is not None and "__name__" not in text:
        try:
            return groupings(masked[0])
        except ParseError:
            pass
    return groupings(text)


_SELECTOR_SHAPES: dict[str, tuple[Selector, ...] | None] = {}


def _selectors_by_shape(text: str) -> tuple[Selector, ...] | None:
    """`selectors(text)` of an interpolated query via its shape: string literals replaced by numbered
    stand-ins, parsed once per template (per-service dashboards differ only inside strings), then
    each matcher's stand-in replaced by its literal's text. None — take the full path — when a
    literal has escapes or a stand-in is not a whole matcher value."""
    masked = _mask_strings(text, indexed=True)
    if masked is None or "__name__" in text:
        return None
    shape, literals = masked
    if any("\\" in lit for lit in literals):
        return None
    if shape not in _SELECTOR_SHAPES:
        try:
            found: tuple[Selector, ...] | None = selectors(shape)
        except ParseError:
            found = None
        if len(_SELECTOR_SHAPES) < _CACHE_LIMIT:
            _SELECTOR_SHAPES[shape] = found
    else:
        found = _SELECTOR_SHAPES[shape]
    if found is None:
        return None
    out = []
    for selector in found:
        matchers = []
        for m in selector.matchers:
            value, index = m.value, m.value.removeprefix(_LITERAL)
            if value.startswith(_LITERAL) and index.isdigit() and int(index) < len(literals):
                value = literals[int(index)][1:-1]  # the literal's text, without its quotes
            elif _LITERAL in value:
                return None
            matchers.append(LabelMatcher(m.label, m.op, value))
        out.append(Selector(selector.metric, tuple(matchers)))
    return tuple(out)


def _unknown_value(value: str) -> bool:
    """A placeholder for a variable with no known value, or a variable never defined (left as `$x`,
    as Grafana leaves it — the undefined-variable lint's finding, not this one's)."""
    return PLACEHOLDER in value or "vobs_var_" in value or "$" in value or "[[" in value


def clear_selector_caches() -> None:
    _SELECTOR_SHAPES.clear()
    _analyse.cache_clear()
