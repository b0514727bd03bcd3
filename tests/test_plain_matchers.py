"""`promql_text.plain_matchers`: a query shape's regex matchers on stand-ins are parsed as equality
(the parser compiles every regex value, a stand-in's too — most of a shape's parse time) and put
back by `analysis`. Held here: what is rewritten and what is not, and that the rewrite never
changes whether a shape parses."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.promql_text import _mask_strings, parse_promql, plain_matchers


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
