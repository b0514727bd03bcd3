"""`analysis.option_selectors` — a query's selectors under each option of a variable, through one
analysed shape — must give exactly what `query_facts` gives for each option on its own (the
reference), whatever the query and the option values: quotes, escapes, regex syntax, `__name__`,
other variables, the variable outside a string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vertice_obs.finding import Location
from vertice_obs.metrics import analysis
from vertice_obs.metrics.analysis import option_selectors, query_facts
from vertice_obs.metrics.interpolate import Variable
from vertice_obs.metrics.inventory import Query

WHERE = Location(file="d.json", dashboard="d", panel="P", panel_id=1, target="A")
VARIABLES = {"env": Variable("env", ("dev",)), "svc": Variable("svc", ("api",)),
             "win": Variable("win", ("5m",)), "k": Variable("k", ("5",)),
             "q": Variable("q", ('"lbl", y{env="',)),  # values that bring quotes where they stand
             "m": Variable("m", ('y{a="vobs_lit_0"}',))}


def reference(query: Query, name: str, values: list[str], variables=VARIABLES) -> list:
    picked = variables[name].picked if name in variables else lambda value: Variable(name, (value,))
    return [use for value in values
            for use in query_facts(query, {**variables, name: picked(value)}, (name, value), shapes=False).selectors]


QUERIES = [
    'sum(rate(x_total{job="a", env=~"$env"}[$__rate_interval]))',
    'x{env="$env", svc=~"$svc-.*"} / y{env!="${env}"}',
    "x{env=~'[[env]]'} or y{b=`raw-$env`}",
    'x{env=~"$env"}[$win] offset $win',  # other variables outside strings
    'topk($k, x{env="$env"})',
    'label_replace(x{env="$env"}, "dst", "$1", "src", "(.*)")',
    'x{env="$env"} + $env',  # the variable outside a string too: the reference path
    'rate(foo_${env}_total{a="b"}[5m])',  # inside a metric name
    '{__name__=~"x_.*", env="$env"}',
    'x{env="$env", a="\\q"}',  # an escape elsewhere
    'x{env="$env"} # a comment',
    'sum by ($env) (x{env="$env"})',
    'x{env="$environment"}',  # a longer name with the variable as prefix
    'count_values($q, x{env="$env"})',  # another variable brings quotes: the literals are not the written ones
    'count_values($q, x{env="$env"}"})',
    'sum($m) / x{env="$env"}',  # a literal from outside that looks like the template's own stand-in
    'm{a=~"${env:x", b="y}"}',  # `${` closes in a later string: Grafana reads across the literal's end
    'm{a="${svc:x", b="$env}"}',
    'm{a="$env", b="${svc:x"} + n{c="y}"}',
    'm{a="[[env", b="]]"}',

    'absent(x{env="$env"}) or vector(0)',
    'x{env="$env"} offset 1h - x{env="prod"}',  # one value makes them one selector: the nearer reach
    'x{env="$env", b="$nope"} offset 1h - x{env="$env"}',  # one once the unknown matcher is dropped
    'x_total{env="$env"} / count({env=~"$env"})',  # nameless: "" and .* make the query one Prometheus refuses
]
# $env multi-value: each option regex-escaped, as Grafana's Prometheus datasource writes it
ESCAPED = {**VARIABLES, "env": Variable("env", ("dev",), escaped=True)}
VALUES = ["prod", "dev", "", "a|b", "(", 'quo"te', "back\\slash", "__name__", "$svc", ".*", "vobs_lit_0",
          "vobs_placeholder", "x'y", "#", "ünï"]


@pytest.mark.parametrize("variables", [VARIABLES, ESCAPED], ids=["plain", "escaped"])
@pytest.mark.parametrize("expr", QUERIES)
def test_each_option_gives_what_query_facts_gives_for_it(expr, variables):
    query = Query(expr, WHERE)
    got, expected = option_selectors(query, variables, "env", VALUES), reference(query, "env", VALUES, variables)
    assert got == expected
    assert [u.selector.reach for u in got] == [u.selector.reach for u in expected]  # not part of ==, compared apart


def test_the_template_is_taken_where_the_variable_stands_only_in_strings(monkeypatch):
    """The speed is the point: the usual query must not fall back to the reference per option."""
    calls = []
    real = analysis.query_facts
    monkeypatch.setattr(analysis, "query_facts", lambda *a, **k: calls.append(a) or real(*a, **k))
    query = Query('sum(rate(x_total{job="a", env=~"$env"}[$__rate_interval]))', WHERE)
    uses = option_selectors(query, VARIABLES, "env", ["prod", "staging"])
    assert [u.selector.matchers[1].value for u in uses] == ["prod", "staging"] and calls == []
    option_selectors(Query('x{env="$env"} + $env', WHERE), VARIABLES, "env", ["prod"])
    assert len(calls) == 1  # outside a string: the reference path


PIECES = st.sampled_from(['x{env="$env"}', "y{env=~'$env.*'}", 'z{a="$svc", env!~"${env}|q"}', "sum(w)",
                          'rate(v{env="[[env]]"}[$win])', "$env", '"$env"', "1", 'u{a="\\\\d"}', "by (env)",
                          "(", ")", "{", "}", ",", " or ", " + ", "#", "'", "`$env`", "count_values($q, ",
                          "count_values(\"c\", ", '{env=~"$env"}', " bool ", " or{env=\"$env\"}"])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(PIECES, min_size=1, max_size=6).map("".join),
       st.lists(st.text(alphabet=st.sampled_from(list("ab|.*()[]\\\"'`$#_:é -")), max_size=6), max_size=4))
def test_any_query_and_any_values_give_the_reference_answer(expr, values):
    query = Query(expr, WHERE)
    assert option_selectors(query, VARIABLES, "env", values) == reference(query, "env", values)


# --- the selectors of a query are made each once, and made again only when one changes (perf) ----------

@pytest.mark.parametrize("expr,calls,selectors", [
    ('x{env="$env"} / x{env="dev"} + y{a="1"}', 1, ['x{env="dev"}', 'y{a="1"}']),  # two literals, one value
    ("x{env=~'b'} / x", 1, ["x{env=~\"b\"}"]),
    ("up{job='a'} + up{job='$unset'}", 2, ["up{job=\"a\"}"]),  # a matcher dropped: once again
    ("sum(up)", 0, []),  # no string: the shape is the text
])
def test_query_facts_makes_each_selector_once_unless_a_matcher_is_dropped(monkeypatch, expr, calls, selectors):
    made = []
    nearest = analysis.nearest
    monkeypatch.setattr(analysis, "nearest", lambda s: made.append(1) or nearest(s))
    variables = {**VARIABLES, "unset": Variable("unset", ())}
    facts = query_facts(Query(expr, WHERE), variables)
    assert ([str(u.selector) for u in facts.selectors], len(made)) == (selectors, calls)
