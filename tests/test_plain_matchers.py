"""`promql_shape.plain_matchers`: a query shape's regex matchers on stand-ins are parsed as equality
(the parser compiles every regex value, a stand-in's too — most of a shape's parse time) and put
back by `analysis`. Held here: what is rewritten and what is not, and that the rewrite never
changes whether a shape parses."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.promql_shape import (
    may_stand_nameless,
    plain_matchers,
    tree_without_values,
)
from vertice_obs.metrics.promql_text import (
    _mask_strings,
    check_query_shape,
    parse_promql,
)


@pytest.mark.parametrize("shape, plain, regexes", [
    ('x{a=~"vobs_lit_0"}', 'x{a="vobs_lit_0"}', {0}),
    ('x{a!~"vobs_lit_0", b="vobs_lit_1"}', 'x{a!="vobs_lit_0", b="vobs_lit_1"}', {0}),
    ("x{a =~ `vobs_lit_2`} / y{b!~\t'vobs_lit_5'}", "x{a = `vobs_lit_2`} / y{b!=\t'vobs_lit_5'}", {2, 5}),
    ('x{a="vobs_lit_0"} + rate(y[5m])', 'x{a="vobs_lit_0"} + rate(y[5m])', set()),
    # not a stand-in after the op, or quotes that do not pair: left for the parser as written
    ('x{a=~vobs_lit_0}', 'x{a=~vobs_lit_0}', set()),
    ('x{a=~"vobs_lit_0\'}', 'x{a=~"vobs_lit_0\'}', set()),
    ('x{a=~"vobs_lit_"}', 'x{a=~"vobs_lit_"}', set()),
])
def test_regex_ops_on_stand_ins_become_equality(shape, plain, regexes):
    assert plain_matchers(shape) == (plain, frozenset(regexes))


def _parses(text: str) -> bool:
    try:
        parse_promql(text)
    except (ValueError, RuntimeError):
        return False
    return True


_PIECES = st.sampled_from(['x', 'y_total', '{', '}', '(', ')', ',', ' ', 'a', 'b', '=', '!', '~', '=~', '!~',
                           '"p"', '"(a|b)"', "'q'", '`r`', '""', '".*"', '"["', 'rate', '[5m]', ' or ', ' / ',
                           'sum by (a) ', '1', 'offset 1h'])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
@example('x{a=~"(a|b)"}')
@example('{a!~"p"}')
@example('x{a=~"p", a!~""}')
def test_the_rewrite_never_changes_whether_a_shape_parses(query):
    masked = _mask_strings(query)
    if masked is None:
        return
    shape, _ = masked
    plain, regexes = plain_matchers(shape)
    assert _parses(plain) == _parses(shape)
    assert shape.count("~") - plain.count("~") == len(regexes)  # each rewrite drops one `~`, nothing else


# --- the lints' tree: of the shape where it tells them what the query's own tree does ---------------

def _lint_facts_in_full(text: str):
    from vertice_obs.metrics.lints import lint_facts
    try:
        check_query_shape(text)
        tree = parse_promql(text)
    except (ValueError, RuntimeError):
        tree = None
    return lint_facts(tree, text)


LINT_QUERIES = [
    'sum(rate(x_total{job=~"a|b", env!~"c"}[5m]))',  # the shape's tree
    'histogram_quantile(0.9, sum by (le) (rate(x_bucket{a=~"b"}[5m])))',
    'histogram_quantile(0.9, sum(rate(x_bucket{instance=~"b"}[5m])))',  # drops le
    'histogram_quantile(0.9, label_replace(sum(rate(x_bucket{a=~"b"}[5m])), "le", "$1", "l", "(.*)"))',
    'histogram_quantile(0.9, label_replace(sum(rate(x_bucket{a=~"b"}[5m])), "x", "$1", "l", "(.*)"))',
    'sum by ("le") (rate(x_bucket{a=~"b"}[1m]))',  # a quoted label: a literal that is no value
    '{__name__=~"x_.*", job=~"a"}',
    'rate({job=~".*"}[5m])',  # refused by Prometheus: no tree, no lint
    'rate(x{job=~"("}[5m])',  # an invalid regex: no tree
    'rate(x{job=~"\\\\d"}[5m])',
    'holt_winters(x{job=~"a"}[5m], 0.5, 0.5)',
    'rate(x{job="a"}[5m])',  # no regex: the query's own tree
]


@pytest.mark.parametrize("query", LINT_QUERIES)
def test_the_lints_read_the_same_facts_from_the_shape(query):
    from vertice_obs.metrics.lints import _parse, lint_facts
    assert lint_facts(_parse(query), query) == _lint_facts_in_full(query)


def test_the_shape_is_taken_for_the_usual_query():
    assert tree_without_values('sum(rate(x_total{job=~"a|b", env!~"c"}[5m]))') is not None
    assert tree_without_values('rate({job=~".*"}[5m])') is None
    assert tree_without_values('sum by ("le") (x{a=~"b"})') is None


_LINT_PIECES = st.sampled_from(['x_bucket{a=~"b"}', "y{job!~'c'}", 'z{instance="d"}', '{e=~".*"}', '{f=~"g"}',
                                'rate(', 'sum by (le) (', 'sum by ("le") (', 'histogram_quantile(0.9, ',
                                'label_replace(', ', "le", "$1", "a", "(.*)")', ', "x", "$1", "a", "(.*)")', '[5m])', ')', ' or ', ' / ',
                                '"("', '__name__', '`raw`', ' bool ', ','])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINT_PIECES, min_size=1, max_size=8).map("".join))
def test_any_query_gives_the_lints_the_facts_of_its_own_tree(query):
    from vertice_obs.metrics.lints import _parse, lint_facts
    assert lint_facts(_parse(query), query) == _lint_facts_in_full(query)


@pytest.mark.parametrize("shape, nameless", [
    ('x{a="vobs_lit_0"}', False), ('x {a="vobs_lit_0"}', False), ('sum(x:y_z{a="vobs_lit_0"})', False),
    ('{a="vobs_lit_0"}', True), ('x / ({a="vobs_lit_0"})', True), ('x or {a="vobs_lit_0"}', True),
    ('x OR{a="vobs_lit_0"}', True), ('x > bool {a="vobs_lit_0"}', True), ('x * on() group_right {a="vobs_lit_0"}', True),
    ('x atan2 {a="vobs_lit_0"}', True), ('xor{a="vobs_lit_0"}', False), ('border {a="vobs_lit_0"}', False),
    ('x + my_group_left{a="vobs_lit_0"}', False), ('x_and_bool{a="vobs_lit_0"}', False), ('émoji{a="vobs_lit_0"}', False),
])
def test_a_selector_that_may_stand_without_a_name_is_seen(shape, nameless):
    assert may_stand_nameless(shape) is nameless
