"""The selectors series-level checks judge, per query: which must select something, with what matchers.

Built on `extract`'s walk, so that roles — fallback, optional, required — mean the same for names
and selectors, and from the same parse: `analyse` gives names, selectors and `by` groupings of one
query text at once (`analysis` calls it once per query shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import promql_parser as pp

from vertice_obs.metrics.classify import REQUIRED
from vertice_obs.metrics.extract import MetricRef, _refs, children, unique_refs
from vertice_obs.metrics.interpolate import PLACEHOLDER
from vertice_obs.metrics.lints import LintFacts, lint_facts
from vertice_obs.metrics.promql_text import ParseError, check_query_shape, parse_promql
from vertice_obs.metrics.series import Grouping, Selector


@dataclass(frozen=True)
class Analysis:
    """One parse of one query text: its metric references (`extract`'s answer), the selectors
    that must select something, its `by` groupings, its lint facts, and whether it is one series
    selector (what `match[]` takes)."""

    refs: tuple[MetricRef, ...]
    selectors: tuple[Selector, ...]
    groupings: tuple[Grouping, ...]
    lint: LintFacts = LintFacts()  # what the PromQL lints need from the same tree
    series_selector: bool = False  # see `series_selector`; string literals never change it


def selectors(text: str) -> tuple[Selector, ...]:
    """The vector selectors of one interpolated query that must select something for the panel to
    show data: required (not an `or` fallback, not allowed to be absent), a plain metric name, and
    at least one label matcher. Raises `ParseError` like `extract`."""
    return analyse(text).selectors


def groupings(text: str) -> tuple[Grouping, ...]:
    """The `by (…)` labels of one interpolated query's aggregations, each with the metrics under it —
    where only those metrics' series can carry the label (see `_groupings`). Raises `ParseError`."""
    return analyse(text).groupings


@lru_cache(maxsize=65536)
def analyse(text: str, name_patterns: tuple[tuple[str, str], ...] = ()) -> Analysis:
    """One parse for all four; refs exactly as `extract(text, name_patterns)` gives them."""
    check_query_shape(text)
    try:
        tree = parse_promql(text)
        raw = _refs(tree, REQUIRED, "", dict(name_patterns))
        refs = unique_refs(raw)
        grouped = tuple(dict.fromkeys(_groupings(tree))) if _BY.search(text) else ()  # no `by`: no walk
        lint = lint_facts(tree, text)
        plain = series_selector(tree)
    except (ValueError, RuntimeError) as exc:
        raise ParseError(str(exc)) from None
    except RecursionError:  # the shape check should make this unreachable; never a crash regardless
        raise ParseError("query is nested too deeply to inspect") from None
    judged = [Selector(r.metric, r.matchers, max(0.0, r.reach)) for r in raw
              if r.role == REQUIRED and not r.is_pattern and r.matchers]
    return Analysis(refs, nearest(judged), grouped, lint, plain)


def series_selector(tree: Any) -> bool:
    """Is the tree one series selector, without `offset` or `@` — what Prometheus takes as `match[]`?
    Parentheses around it are looked through (`(x)`: VictoriaMetrics takes it, Prometheus not — not said)."""
    while type(tree) is pp.ParenExpr:
        tree = tree.expr
    return type(tree) is pp.VectorSelector and tree.offset is None and tree.at is None


def nearest(selectors: Iterable[Selector]) -> tuple[Selector, ...]:
    """Each selector once, in order of first place, with the nearest reach it is written with: each
    is required (`analyse`), so each place must select something — `x{…} - x{…} offset 1d` of
    series gone an hour ago draws nothing, its left side being empty (Prometheus answers nothing)."""
    if isinstance(selectors, list) and len(selectors) < 2:
        return tuple(selectors)  # nothing to merge (most queries): no hashing
    out: dict[Selector, Selector] = {}
    for selector in selectors:
        if selector.reach < out.setdefault(selector, selector).reach:
            out[selector] = selector
    return tuple(out.values())


# The `by` keyword, wherever it may stand (a word of its own, any case; in a string or name too: a walk more).
_BY = re.compile(r"(?ai)\bby\b")
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
    if type(node) is not pp.AggregateExpr:
        return out
    modifier = node.modifier
    if modifier is None or str(modifier.type).rsplit(".", 1)[-1].lower() != "by" or str(node.op) == "count_values":
        return out
    metrics = _plain_sources(node.expr)
    if metrics:
        out.extend(Grouping(label, metrics) for label in modifier.labels if not unknown_value(label))
    return out


def _plain_sources(node: Any) -> tuple[str, ...] | None:
    """The metric names whose labels reach `node`'s output, or None when a label could come from
    elsewhere (a label-making function, `count_values`, a selector without a plain name)."""
    kind = type(node)
    if kind is pp.VectorSelector:
        return (node.name,) if node.name else None
    if kind is pp.Call and node.func.name in _LABEL_MAKERS:
        return None
    if kind is pp.AggregateExpr and str(node.op) == "count_values":
        return None
    names: list[str] = []
    for child in children(node):
        found = _plain_sources(child)
        if found is None:
            return None
        names.extend(found)
    return tuple(dict.fromkeys(names))


def unknown_value(value: str) -> bool:
    """A placeholder for a variable with no known value, or a variable never defined (left as `$x`,
    as Grafana leaves it — the undefined-variable lint's finding, not this one's)."""
    return PLACEHOLDER in value or "vobs_var_" in value or "$" in value or "[[" in value
