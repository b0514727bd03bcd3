"""One interpolation and one parse per query shape, shared by every pass over a query. Pure.

Names and roles (`extract`), the selectors series-level checks judge and the `by` groupings
(`selectors`) all come from one syntax tree. Per-service dashboards differ only inside string
literals, so the tree is of the query's *shape* — its literals replaced by numbered stand-ins —
parsed once per template, and the literals are filled back into the matchers. Exact: string
contents never name a metric (queries with `__name__` take the full path), a literal with
escapes takes the full path, and each literal is checked by the parser on its own, as a regex
(the strictest place it can sit). `extract.uses_of` is the reference this path must equal (a
test holds it on every query shape it knows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from vertice_obs.checks import finding
from vertice_obs.checks.datasources import Backend
from vertice_obs.finding import Finding
from vertice_obs.guard.text import escape
from vertice_obs.metrics.classify import REQUIRED, MetricUse
from vertice_obs.metrics.extract import _parse_finding, _to_uses, extract
from vertice_obs.metrics.interpolate import Variable, _closed, interpolate, mentions
from vertice_obs.metrics.interpolate import clear_cache as _clear_strings
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.lints import LintFacts
from vertice_obs.metrics.promql_shape import (
    clear_literals,
    fills_shape,
    may_stand_nameless,
    plain_matchers,
)
from vertice_obs.metrics.promql_text import (
    _LITERAL,
    ParseError,
    _mask_strings,
    _variable_promql,
    check_query_shape,
    label_values_call,
)
from vertice_obs.metrics.selectors import Analysis, analyse, nearest, unknown_value
from vertice_obs.metrics.series import (
    Grouping,
    GroupingUse,
    LabelMatcher,
    Selector,
    SelectorUse,
)


@dataclass
class QueryFacts:
    """What one inventoried query needs, uses and would be judged on."""

    uses: list[MetricUse] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # a parse error: nothing else is judged
    selectors: list[SelectorUse] = field(default_factory=list)
    groupings: list[GroupingUse] = field(default_factory=list)
    lint: LintFacts | None = None  # from the same parse, for the PromQL lints


def query_facts(query: Query, variables: Mapping[str, Variable], option: tuple[str, str] | None = None,
                shapes: bool = True, adhoc: tuple[LabelMatcher, ...] = (), backend: Backend | None = None) -> QueryFacts:
    """Interpolate `query` once and analyse it: its metric uses (or a parse finding), the selectors
    that must select something and its `by` groupings. With `option` (the query judged for one
    option of a variable) only its selectors: options change values, not names or label names.
    `shapes=False` parses the query itself, for benchmarks that want the worst case.

    Matchers whose value a variable left unknown (a placeholder) are not judged: nothing is known
    about them, so nothing is said. `adhoc`: the matchers the dashboard's saved ad hoc filters add
    to every vector selector of this query (`adhoc.filters_for`), bare ones included. `backend`: the
    server the run checks against (None offline), for what a query that does not parse is
    (`extract._parse_finding`: MetricsQL where it reaches a VictoriaMetrics)."""
    expr = query.expr
    if query.kind == "variable":
        expr = _variable_promql(expr)
        if expr is None:  # `label_values(label)`: its label is judged over every series
            listed = _listed(query, Analysis((), (), ())) if option is None else None
            return QueryFacts(groupings=[GroupingUse(listed, query.location, query.expr)] if listed else [])
        if expr.startswith("\x00metrics:"):
            regex = expr.split(":", 1)[1]
            return QueryFacts([MetricUse(regex, query.location, query.expr, is_pattern=True, kind=query.kind)]
                              if option is None else [])
    try:
        check_query_shape(expr)  # before interpolation, which walks the text too
    except ParseError as exc:
        return QueryFacts(findings=[_parse_finding(query, exc, expr, backend)] if option is None else [])
    done = interpolate(expr, variables)
    patterns = tuple(sorted(done.name_patterns.items())) if done.name_patterns else ()
    try:
        facts = (_by_shape(done.text, patterns) if shapes else None) or analyse(done.text, patterns)
    except ParseError as exc:
        return QueryFacts(findings=[_parse_finding(query, exc, done.text, backend, variables)] if option is None else [])
    out = QueryFacts()
    if option is None:
        out.uses = _to_uses(facts.refs, query)
        out.groupings = [GroupingUse(g, query.location, query.expr) for g in facts.groupings]
        if query.kind == "variable" and (refused := _not_a_selector(query, done.text, facts)) is not None:
            out.findings = [refused]  # Prometheus refuses the dropdown's query: nothing of it is judged further
            return out
        if query.kind == "variable" and (listed := _listed(query, facts)) is not None:
            out.groupings.append(GroupingUse(listed, query.location, query.expr))
        out.lint = facts.lint
    candidates = facts.selectors
    if option is not None:  # `$metric` alone: the option names the metric, which must have series
        candidates = candidates + tuple(s for s in _bare(facts) if s.metric == option[1])
    if adhoc:  # every selector gets the filters' matchers, the bare ones too
        candidates = tuple(Selector(s.metric, s.matchers + adhoc, s.reach) for s in facts.selectors + _bare(facts))
    judged, same = [], candidates is facts.selectors  # each once already (`nearest`), until one changes
    for selector in candidates:  # the values joined: none of the marks can span a "\0" (one call, not one a matcher)
        if not unknown_value("\0".join([m.value for m in selector.matchers])):
            judged.append(selector)
        else:
            same = False
            if known := tuple(m for m in selector.matchers if not unknown_value(m.value)):
                judged.append(Selector(selector.metric, known, selector.reach))
    # the unknown matchers dropped, two selectors may be one: once, as the option template has it
    out.selectors = [SelectorUse(s, query.location, query.expr, option) for s in (judged if same else nearest(judged))]
    return out


_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAKES_LABELS = re.compile(r"\b(?:label_replace|label_join|count_values|absent(?:_over_time)?)\s*\(")


def dropdown_label(query: str) -> str | None:
    """The label a `label_values(q, label)` (or `label_values(label)`) variable query lists the values
    of, written out (not a `$variable`: Grafana's own pattern takes a plain name), else None; None
    too where `q` may make that label (label_replace, label_join, count_values, absent) or it is the
    name itself."""
    parts = label_values_call(query)
    if parts is None:
        return None
    q, label = parts[0], parts[1].strip()
    if q is not None and not q.strip():  # `label_values(, x)`: not Grafana's form at all
        return None
    if not _LABEL_NAME.fullmatch(label) or label == "__name__" or _MAKES_LABELS.search(q or ""):
        return None
    return label


# Grafana's own pattern for the label (a `$variable` too), after the comma's blanks and right before `)`
_GRAFANA_LABEL = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")


def _not_a_selector(query: Query, text: str, facts: Analysis) -> Finding | None:
    """`label_values(q, label)` where q (`text`, interpolated) is no plain series selector: Grafana
    sends q to Prometheus as `match[]` (`/api/v1/label/<label>/values`, or `/api/v1/series` before
    it), which takes a series selector only — a function, an aggregation, an operator, a range,
    `offset` or `@` is refused, and the dropdown shows an error."""
    parts = label_values_call(query.expr)
    label = parts[1].lstrip() if parts is not None and parts[0] else ""
    if not _GRAFANA_LABEL.fullmatch(label) or facts.series_selector:  # from the parse `facts` came from
        return None
    metrics = list(dict.fromkeys(r.metric for r in facts.refs if not r.is_pattern))
    instead = (f"list the labels of the series themselves (label_values({metrics[0]}, {label}))"
               if len(metrics) == 1 else "write a series selector")
    return finding("variable/not-a-selector",
                   f"label_values() sends {escape(text.strip(), one_line=True)} to Prometheus as a series selector "
                   f"(match[]), which it is not: Prometheus refuses it, so ${_variable_of(query)}'s dropdown shows an error — "
                   f"{instead}, or use query_result() with a regex", query.location, query=query.expr)


def _listed(query: Query, facts: Analysis) -> Grouping | None:
    """The label a `label_values(q, label)` variable lists over the metrics `q` requires, judged as a
    grouping is: no series of theirs carrying it leaves the dropdown empty. None for a name pattern.
    Where q names no metric (`label_values(label)`, `label_values({job="x"}, label)`), over every
    series (`Grouping.metrics` empty): a label none carries leaves any such dropdown empty."""
    label = dropdown_label(query.expr)
    if label is None or any(r.is_pattern for r in facts.refs):
        return None
    metrics = tuple(dict.fromkeys(r.metric for r in facts.refs if r.role == REQUIRED))
    variable = _variable_of(query)
    return Grouping(label, metrics, variable) if variable and (metrics or not facts.refs) else None


def _variable_of(query: Query) -> str:
    """The name of the variable a variable query defines (its location's target: `variable <name>`)."""
    return (query.location.target or "").removeprefix("variable ")


def _bare(facts: Analysis) -> tuple[Selector, ...]:
    """The required selectors without label matchers (`up`), which `analyse` does not judge: an ad
    hoc filter gives them one. Their refs carry no matchers in the shape path either."""
    return tuple(Selector(r.metric, (), max(0.0, r.reach)) for r in facts.refs
                 if r.role == REQUIRED and not r.is_pattern and not r.matchers)


def uses_through_shapes(query: Query, variables: Mapping[str, Variable]) -> tuple[list[MetricUse], list[Finding]]:
    """`extract.uses_of`'s answer, through the shape path (for the tests that hold them equal)."""
    facts = query_facts(query, variables)
    return facts.uses, facts.findings


def _by_shape(text: str, patterns: tuple[tuple[str, str], ...]) -> Analysis | None:
    """`analyse(text)` through its shape, or None: take the full path."""
    if "__name__" in text:
        return None
    masked = _mask_strings(text)
    if masked is None:
        return None
    shape, literals = masked
    if not all(map(fills_shape, literals)) or may_stand_nameless(shape):
        return None
    plain, regexes = plain_matchers(shape)
    try:
        facts = analyse(plain, patterns)
    except ParseError:
        return None  # reported by the full path, with the real query in the message
    if _names_a_literal(facts):
        return None
    if not literals:
        return facts  # the shape is the text
    filled = {f"{_LITERAL}{i}": (literal[1:-1], i in regexes) for i, literal in enumerate(literals)}  # without quotes
    selectors = []
    for selector in facts.selectors:
        matchers = []
        for m in selector.matchers:
            value = filled.get(m.value)
            if value is not None:
                matchers.append(LabelMatcher(m.label, _REGEX_AGAIN[m.op] if value[1] else m.op, value[0]))
            elif _LITERAL in m.value:
                return None  # a stand-in inside a longer value: not a whole literal
            else:
                matchers.append(m)
        selectors.append(Selector(selector.metric, tuple(matchers), selector.reach))
    return Analysis(facts.refs, nearest(selectors), facts.groupings, facts.lint, facts.series_selector)


def option_selectors(query: Query, variables: Mapping[str, Variable], name: str,
                     values: Iterable[str]) -> list[SelectorUse]:
    """`query_facts(query, {…variables, name: value}, (name, value)).selectors` for each value, in
    order. Where `$name` stands only inside string literals (`env=~"$name"`, the usual case) the
    query's shape is the same for every value: it is analysed once and each value only fills the
    literals that mention it (a dashboard with 50 options and 20 queries judges 1,000 variants).
    Anything the shape path would not take (escapes, a literal that is no regex, `$name` outside a
    string) takes `query_facts` itself, the reference this must equal (a test holds it)."""
    template = _OptionTemplate.of(query, variables, name)
    out: list[SelectorUse] = []
    for value in values:
        chosen = {**variables, name: variables[name].picked(value) if name in variables else Variable(name, (value,))}
        selectors = template.selectors(chosen, (name, value)) if template is not None else None
        out.extend(query_facts(query, chosen, (name, value)).selectors if selectors is None else selectors)
    return out


@dataclass
class _OptionTemplate:
    """A query's selectors with each matcher value a literal's index, and its literals: those that
    mention the variable (interpolated per value) or already interpolated (the same for every value)."""

    query: Query
    raw: list[str]  # the query's literals, as written
    fixed: dict[int, str | None]  # literal index → its text (None: it mentions the variable)
    shape: list[tuple[str, tuple[tuple[str, str, int], ...], float]]  # selectors: metric, (label, op, literal index), reach

    @classmethod
    def of(cls, query: Query, variables: Mapping[str, Variable], name: str) -> _OptionTemplate | None:
        expr = query.expr
        if query.kind == "variable" or "__name__" in expr or (masked := _mask_strings(expr)) is None:
            return None
        shape, raw = masked
        if mentions(shape, name) or may_stand_nameless(shape):
            return None  # the variable stands outside a string: its value can change the shape
        try:
            check_query_shape(expr)
            done = interpolate(shape, variables)  # the other variables outside strings
            if any(done.text.count(c) != shape.count(c) for c in "\"'`#") or "__name__" in done.text:
                return None  # a value outside the strings brought a quote (another shape) or a name
            plain, regexes = plain_matchers(done.text)
            facts = analyse(plain, tuple(sorted(done.name_patterns.items())))
        except ParseError:
            return None
        if _names_a_literal(facts):
            return None
        selectors = []
        for selector in facts.selectors:
            matchers = []
            for m in selector.matchers:
                index = m.value.removeprefix(_LITERAL)
                if not (m.value.startswith(_LITERAL) and index.isdigit() and int(index) < len(raw)):
                    return None  # a value that is not one whole literal
                matchers.append((m.label, _REGEX_AGAIN[m.op] if int(index) in regexes else m.op, int(index)))
            selectors.append((selector.metric, tuple(matchers), selector.reach))
        if any(not _closed(lit) for lit in raw):
            return None  # `${x` whose `}` stands in a later string: the reference reads across literals
        fixed: dict[int, str | None] = {}
        for i, lit in enumerate(raw):
            text = None if mentions(lit, name) else lit if "$" not in lit and "[[" not in lit else interpolate(lit, variables).text
            if text is not None and not fills_shape(text):
                return None
            fixed[i] = text
        return cls(query, raw, fixed, selectors)

    def selectors(self, chosen: Mapping[str, Variable], option: tuple[str, str]) -> list[SelectorUse] | None:
        """The selectors under `chosen`, or None: this value needs the full path."""
        texts, done = dict(self.fixed), {}  # done: a literal written twice (`a{x="$v"} / b{x="$v"}`) made once
        for i, text in texts.items():
            if text is None:
                raw = self.raw[i]
                text = texts[i] = done[raw] if raw in done else done.setdefault(raw, interpolate(raw, chosen).text)
                if not fills_shape(text):
                    return None
        selectors = []
        for metric, matchers, reach in self.shape:
            known = tuple(LabelMatcher(label, op, value) for label, op, i in matchers
                          if not unknown_value(value := texts[i][1:-1]))
            if known:
                selectors.append(Selector(metric, known, reach))
        # two literals may hold one value: the same selector once, as the full path has it
        return [SelectorUse(s, self.query.location, self.query.expr, option) for s in nearest(selectors)]


# A matcher `plain_matchers` wrote as equality, put back as the regex it was. Only the selectors
# are put back: the refs keep the shape's matchers (stand-ins, equality), read only for whether
# there are any (`_bare`).
_REGEX_AGAIN = {"=": "=~", "!=": "!~"}


def _names_a_literal(facts: Analysis) -> bool:
    """Does a stand-in stand where a name goes? Prometheus 3 quotes names that are not identifiers
    (`{"http.server.duration"}`, `up{"service.name"="x"}`, `by ("service.name")`): the literal is a
    metric or label name there, not a value the shape can be filled with — the full path reads it."""
    # the names joined, one search (no stand-in spans a "\0"); not nested generators: ~35,000 calls a run
    return _LITERAL in "\0".join([*(r.metric for r in facts.refs), *(s.metric for s in facts.selectors),
                                   *(m.label for s in facts.selectors for m in s.matchers),
                                   *(g.label for g in facts.groupings), *(m for g in facts.groupings for m in g.metrics)])


def clear_caches() -> None:
    """Forget every parsed query, shape and literal (benchmarks measure cold runs)."""
    clear_literals()
    _clear_strings()
    analyse.cache_clear()
    extract.cache_clear()
