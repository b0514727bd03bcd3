"""Extraction with promql-parser: names, patterns and the role each metric plays in its query."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.finding import Location
from vertice_obs.metrics.extract import MetricRef, extract, uses_of
from vertice_obs.metrics.interpolate import Variable
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.promql_text import ParseError

R, F, O = "required", "fallback", "optional"


@pytest.fixture(autouse=True)
def _cold_caches():
    """Each test parses afresh: `extract` and the shape cache are memoised per process, so a query
    another test (or mutmut's stats run, in the process it forks from) already parsed would be
    answered from the cache and never reach the code under test."""
    from vertice_obs.metrics.analysis import clear_caches

    clear_caches()

CASES = [
    ("plain selector", 'sum(rate(x_total{job="a"}[5m]))', [("x_total", False, R, ())]),
    ("binary operation", "a / b", [("a", False, R, ()), ("b", False, R, ())]),
    ("rename fallback", "old_name or new_name", [("old_name", False, F, ("new_name",)),
                                                 ("new_name", False, F, ("old_name",))]),
    ("three-way fallback", "a or b or c", [("a", False, F, ("b", "c")), ("b", False, F, ("a", "c")),
                                           ("c", False, F, ("a", "b"))]),
    ("or vector(0)", "sum(rate(x[5m])) or vector(0)", [("x", False, O, ())]),
    ("or a number", "x or on() 0 * y", [("x", False, F, ("y",)), ("y", False, F, ("x",))]),
    ("unless", "a unless b", [("a", False, R, ()), ("b", False, O, ())]),
    ("absent()", "absent(x)", [("x", False, O, ())]),
    ("absent_over_time()", "absent_over_time(x[5m])", [("x", False, O, ())]),
    ("__name__ equality", '{__name__="up", job="x"}', [("up", False, R, ())]),
    ("__name__ regex", '{__name__=~"maximus_.*"}', [("maximus_.*", True, R, ())]),
    ("__name__ negative matcher names nothing", '{__name__!="up", job="x"}', []),
    ("histogram series", "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))", [("h_bucket", False, R, ())]),
    ("subquery", "max_over_time(rate(x[1m])[1h:5m])", [("x", False, R, ())]),
    ("aggregation parameter", "topk(scalar(k), x)", [("x", False, R, ()), ("k", False, R, ())]),
    ("duplicates collapse", "x + x", [("x", False, R, ())]),
    ("fallback inside required context", "(a or b) * c", [("a", False, F, ("b",)), ("b", False, F, ("a",)),
                                                         ("c", False, R, ())]),
    ("number only", "vector(1)", []),
]


@pytest.mark.parametrize("case,query,expected", CASES, ids=[c[0] for c in CASES])
def test_extraction_roles(case, query, expected):
    refs = extract(query)
    assert [(r.metric, r.is_pattern, r.role, r.alternatives) for r in refs] == expected


def test_intentional_absence_says_why():
    assert extract("x or vector(0)")[0].reason == "`or` with a constant fallback such as vector(0)"
    assert extract("a unless b")[1].reason == "right side of `unless`"
    assert extract("absent(x)")[0].reason == "argument of absent()"


def test_name_patterns_from_interpolation_become_pattern_refs():
    refs = extract("rate(vobs_var_0[5m])", (("vobs_var_0", "foo_.+_total"),))
    assert refs == (MetricRef("foo_.+_total", True, R, (), ""),)


@pytest.mark.parametrize("query", ["rate(x[5m]", "sum(x) by", "x{a=}", "rate(x[5m]) +"])
def test_unparsable_query_raises(query):
    with pytest.raises(ParseError):
        extract(query)


WHERE = Location(file="d.json", dashboard="d", panel="P", panel_id=1, target="A")


def test_unparsable_query_is_a_parse_finding_with_both_texts():
    uses, findings = uses_of(Query("rate(x[$__rate_interval]", WHERE), {})
    assert uses == []
    [f] = findings
    assert f.check == "promql/parse" and str(f.severity) == "error"
    assert "query does not parse: unclosed left parenthesis" in f.message
    assert "rate(x[$__rate_interval] (interpolated: rate(x[1m])" in f.message


@pytest.mark.parametrize("shapes", [True, False])
@pytest.mark.parametrize("query, hinted", [
    ('up{instance=~"${ip:regex}:9100"}', True),  # Grafana inserts `10\.0\.0\.1` as it is
    ('up{instance=~"[[ip:regex]]"}', True),
    ("up{instance=~`${ip:regex}:9100`}", None),  # backquotes: no escapes, it parses
    ('up{instance=~"${ip}:9100"}', None),  # no format: Grafana escapes it for the string
    ('up{a="\\q"} + $ip', False),  # another escape error: no word about formats
])
def test_an_escape_an_explicit_format_left_is_an_error_that_says_to_use_backquotes(query, hinted, shapes):
    """grafana/grafana#40634, #59251: `"${v:regex}"` with a dot or slash in a value is a query
    Prometheus refuses. The finding says why and what to write instead, on both analysis paths."""
    from vertice_obs.metrics.analysis import query_facts

    variables = {"ip": Variable("ip", ("10.0.0.1",))}
    for findings in (uses_of(Query(query, WHERE), variables)[1],
                     query_facts(Query(query, WHERE), variables, shapes=shapes).findings):
        if hinted is None:
            assert findings == []
            continue
        [f] = findings
        assert f.check == "promql/parse" and "unknown escape sequence" in f.message
        assert ("write that string in backquotes" in f.message) == hinted, f.message


@pytest.mark.parametrize("query,expected", [
    ("label_values(maximus_dopamine_level, environment)", [("maximus_dopamine_level", False)]),
    ('label_values(x{a="1,2"}, job)', [("x", False)]),
    ("label_values(environment)", []),
    ("query_result(topk(5, y))", [("y", False)]),
    ("metrics(maximus_esgt_.*)", [("maximus_esgt_.*", True)]),
    ("up", [("up", False)]),
])
def test_variable_queries(query, expected):
    uses, findings = uses_of(Query(query, WHERE, kind="variable"), {"v": Variable("v", ("x",))})
    assert findings == []
    assert [(u.metric, u.is_pattern) for u in uses] == expected


SHAPE_QUERIES = [
    'sum(rate(x_total{job="a", env=~"$env"}[$__rate_interval]))',
    'sum(rate(x_total{job="b", env=~"$env"}[$__rate_interval]))',  # same shape, other literal
    'x{a=~"("}',  # invalid regex: a parse error whatever the shape cache knows
    'x{a="("}',  # valid: "(" is fine for equality
    'x{a="\\q"}',  # invalid escape
    "x{a='single'} or y{b=`raw\\q`}",
    'label_replace(up, "dst", "$1", "src", "(.*)")',
    '{__name__=~"maximus_.*", job="x"}',
    'rate(foo_${env}_total{a="b"}[5m])',
    'x{a="unterminated}',
    'x # a comment with "quotes"',
    # a selector without a name needs a matcher that cannot match the empty string (Prometheus:
    # "vector selector must contain at least one non-empty matcher"); a stand-in never does
    'sum(rate({job=~".*"}[5m]))',
    'x or {job=""}',
    'x > bool{job=~"$env|"}',
    'x AND {job=~"(a|)"}',
    'x * on() group_left {job=""}',
    'x unless {job!~"a"}',  # matches the empty string: refused with or without the stand-in
    'sum by (a) ({job="a"})',  # a nameless selector that is fine
]


@pytest.mark.parametrize("query", SHAPE_QUERIES)
def test_shape_cache_gives_exactly_the_full_path_answer(query):
    from vertice_obs.metrics.analysis import uses_through_shapes

    variables = {"env": Variable("env", ("prod",))}
    full = uses_of(Query(query, WHERE), variables)
    cached_twice = [uses_through_shapes(Query(query, WHERE), variables) for _ in range(2)]
    assert cached_twice[0] == full and cached_twice[1] == full


# --- pinned by mutation testing (scripts/mutation): each of these once had a mutant survive ------------

def _roles(expr: str) -> list[tuple[str, str, tuple[str, ...], str]]:
    uses, _ = uses_of(Query(expr, WHERE), {})
    return [(u.metric, u.role, u.alternatives, u.reason) for u in uses]


@pytest.mark.parametrize("expr,expected", [
    # an absent() operand keeps its own role and reason inside an `or` chain
    ("a or absent(b)", [("a", "fallback", ("b",), ""), ("b", "optional", (), "argument of absent()")]),
    ("a or absent(b) or vector(0)", [("a", "optional", (), "`or` with a constant fallback such as vector(0)"),
                                     ("b", "optional", (), "argument of absent()")]),
    ("a or b", [("a", "fallback", ("b",), ""), ("b", "fallback", ("a",), "")]),
    ("absent(a or b)", [("a", "optional", (), "argument of absent()"), ("b", "optional", (), "argument of absent()")]),
])
def test_or_chains_judge_each_operand_by_its_own_role(expr, expected):
    assert _roles(expr) == expected


def test_a_parse_error_shows_the_query_clipped_at_300_characters_and_on_one_line():
    fits = "x{a=\"" + "y" * 289 + "\"} + ("   # exactly 300 characters: shown whole
    assert len(fits) == 300
    _, errors = uses_of(Query(fits, WHERE), {})
    assert errors[0].message == f"query does not parse: unclosed left parenthesis — in: {fits}"
    longer = fits.replace("x{", "xx{")
    _, errors = uses_of(Query(longer, WHERE), {})
    assert errors[0].message == f"query does not parse: unclosed left parenthesis — in: {longer[:300]}… (301 characters)"
    _, errors = uses_of(Query("x + (\n", WHERE), {})
    assert errors[0].message == "query does not parse: unclosed left parenthesis — in: x + (\\n"
    assert errors[0].location == WHERE and dict(errors[0].details) == {"query": "x + (\n"}


def test_a_parse_error_after_interpolation_shows_both_texts():
    env = {"env": Variable("env", ("prod",))}
    _, errors = uses_of(Query('x{e="$env"} + (', WHERE), env)
    assert errors[0].message == ('query does not parse: unclosed left parenthesis — in: x{e="$env"} + ( '
                                 '(interpolated: x{e="prod"} + ()')


# --- pinned by mutation testing, second pass: every field of a reference, the size guard, masking ----

def _ref_fields(query: str, patterns: tuple[tuple[str, str], ...] = ()) -> list[tuple]:
    return [(r.metric, r.is_pattern, r.role, r.alternatives, r.reason, tuple(str(m) for m in r.matchers),
             r.under, r.ranged) for r in extract(query, patterns)]


ABSENT = "argument of absent()"


@pytest.mark.parametrize("query,patterns,expected", [
    # label matchers of every operator (never `__name__`), the innermost function, a range selector
    ('sum(rate(x_total{job="a", env!="b", i=~"c.*", k!~"d"}[5m]))', (),
     [("x_total", False, R, (), "", ('job="a"', 'env!="b"', 'i=~"c.*"', 'k!~"d"'), "rate", True)]),
    ("x", (), [("x", False, R, (), "", (), "", False)]),
    ("sum(x)", (), [("x", False, R, (), "", (), "sum", False)]),
    ("topk(scalar(k), x)", (), [("x", False, R, (), "", (), "topk", False),
                                ("k", False, R, (), "", (), "scalar", False)]),
    ("-max_over_time(x[5m:1m])", (), [("x", False, R, (), "", (), "max_over_time", True)]),  # a subquery is a range
    # `__name__` given as a matcher: found after other matchers too, and not kept as a label matcher
    ('{job="x", __name__="up"}', (), [("up", False, R, (), "", ('job="x"',), "", False)]),
    ('{__name__=~"up|down", job="x"}', (), [("up|down", True, R, (), "", (), "", False)]),
    ('{__name__="a" or __name__="b"}', (), [("a", False, R, (), "", (), "", False),
                                            ("b", False, R, (), "", (), "", False)]),
    ('x{a="b" or c="d"}', (), [("x", False, R, (), "", (), "", False)]),  # `or` between groups: not judged
    # the reason of absent() reaches selectors through every kind of node
    ("absent((x))", (), [("x", False, O, (), ABSENT, (), "", False)]),
    ("absent(sum(x))", (), [("x", False, O, (), ABSENT, (), "sum", False)]),
    ("absent(quantile(scalar(q), x))", (), [("x", False, O, (), ABSENT, (), "quantile", False),
                                            ("q", False, O, (), ABSENT, (), "scalar", False)]),
    ("absent(a unless b)", (), [("a", False, O, (), ABSENT, (), "", False),
                                ("b", False, O, (), "right side of `unless`", (), "", False)]),
    ('absent({__name__="y", j="1"})', (), [("y", False, O, (), ABSENT, ('j="1"',), "", False)]),
    ('absent({__name__=~"y.*"})', (), [("y.*", True, O, (), ABSENT, (), "", False)]),
    ("absent(vobs_var_0)", (("vobs_var_0", "a_.+"),), [("a_.+", True, O, (), ABSENT, (), "", False)]),
])
def test_every_field_of_a_reference(query, patterns, expected):
    assert _ref_fields(query, patterns) == expected


@pytest.mark.parametrize("query,expected", [
    ("sum(x)", ["VectorSelector"]),
    ("topk(3, x)", ["VectorSelector", "NumberLiteral"]),
    ("rate(x[5m])", ["MatrixSelector"]),
    ("x[5m]", ["VectorSelector"]),
    ("time()", []),
    ("x + y", ["VectorSelector", "VectorSelector"]),
    ("-x", ["VectorSelector"]),
    ("vector(1)", ["NumberLiteral"]),
])
def test_children_are_the_operands_in_source_order(query, expected):
    import promql_parser as pp

    from vertice_obs.metrics.extract import children

    assert [type(c).__name__ for c in children(pp.parse(query))] == expected


def test_a_use_carries_every_field_of_its_reference():
    from vertice_obs.metrics.classify import MetricUse

    expr = 'sum(rate(x{job="a"}[5m])) unless absent(y)'
    uses, findings = uses_of(Query(expr, WHERE), {})
    assert findings == []
    assert uses == [MetricUse("x", WHERE, expr, False, R, (), "", "rate", True, reach=300.0),
                    MetricUse("y", WHERE, expr, False, O, (), "argument of absent()", "", False)]
    assert [(u.location, u.query, u.under, u.ranged, u.reach) for u in uses] == [(WHERE, expr, "rate", True, 300.0),
                                                                                  (WHERE, expr, "", False, 0.0)]


# Found by the issue 16 mutation pass: _or_chain rebuilt each operand's MetricRef and dropped its
# matchers, `under` and `ranged` (a counter under rate() in `… or vector(0)` then read as shown raw;
# rate() over a gauge in an `or` went unflagged). test_classify.py holds the findings end to end.
@pytest.mark.parametrize("expr", ['sum(rate(x{job="a"}[5m])) or vector(0)', 'sum(rate(x{job="a"}[5m])) or y'])
def test_an_or_operand_keeps_its_function_range_and_matchers(expr):
    [x] = [r for r in extract(expr) if r.metric == "x"]
    assert (x.under, x.ranged, tuple(str(m) for m in x.matchers)) == ("rate", True, ('job="a"',))


@pytest.mark.parametrize("query,expected", [
    ("metrics(a:b_.*)", [("a:b_.*", True)]),  # a recording-rule regex keeps its colons
    ("label_names()", []),
    ("label_names(up)", [("up", False)]),
    ("label_values (up, job)", [("up", False)]),  # a space before the parenthesis
    ("label_values(x, job", []),  # unclosed: nothing to judge, and no crash
    ("query_result(x", []),
    ('label_values(x{a="1\\",2"}, job)', [("x", False)]),  # an escaped quote does not end the string
    ('label_values(x{a=")"}, job)', [("x", False)]),  # a bracket inside a string does not count
    ("label_values(sum(rate(x[5m])), job)", [("x", False)]),  # nested brackets
    ("label_values(X_total, job)", [("X_total", False)]),
    ("label_values(job)", []),
])
def test_variable_queries_pinned(query, expected):
    uses, findings = uses_of(Query(query, WHERE, kind="variable"), {})
    assert findings == []
    assert [(u.metric, u.is_pattern) for u in uses] == expected
    assert all(u.location == WHERE and u.query == query for u in uses)


def test_a_query_too_long_is_a_parse_finding_before_interpolation():
    from vertice_obs.metrics.promql_text import MAX_QUERY_CHARS

    expr = "x" * (MAX_QUERY_CHARS + 1)
    uses, [f] = uses_of(Query(expr, WHERE), {})
    assert uses == []
    assert f.message == ("query does not parse: query is 65,537 characters long, more than the 65,536 vobs parses"
                         f" — in: {'x' * 300}… (65,537 characters)")
    assert f.location == WHERE and dict(f.details) == {"query": expr}


def _shape_error(text) -> str | None:
    from vertice_obs.metrics.promql_text import check_query_shape

    try:
        check_query_shape(text)
    except ParseError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("text,error", [
    (5, "a query must be text, not int"),
    ("x" * 65536, None),
    ("x" * 65537, "query is 65,537 characters long, more than the 65,536 vobs parses"),
    ("(" * 128 + "x" + ")" * 128, None),
    ("(" * 129 + "x" + ")" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("[" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("{" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("(x)" * 200, None),  # many brackets, never deep
    ("sum(" * 64 + "{" * 65 + "x", "query nests brackets 129 deep, more than the 128 vobs parses"),
    ('x{a="' + "(" * 200 + '"}', None),  # brackets inside strings do not nest
    ("x{a='" + "(" * 200 + "'}", None),
    ("x{a=`" + "(" * 200 + "`}", None),
    ('x{a="\\"' + "(" * 200 + '"}', None),  # an escaped quote does not end the string
    ("x{a=`\\`" + "(" * 200, "query nests brackets 201 deep, more than the 128 vobs parses"),  # no escapes in ``
    ("x # " + "(" * 200 + "\n+ y", None),  # nor inside comments
    ("x # " + "(" * 200, None),  # a comment at the end
    ("x # (\n" + "(" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("+".join(["x"] * 257), None),  # 256 operators
    ("+".join(["x"] * 258), "query has 257 operators, more than the 256 vobs parses"),
    ("-".join(["x"] * 258), "query has 257 operators, more than the 256 vobs parses"),
    ("x" + " and x" * 257, "query has 257 operators, more than the 256 vobs parses"),
    ("x" + " OR x" * 257, "query has 257 operators, more than the 256 vobs parses"),
    ("x" + " unless x" * 257, "query has 257 operators, more than the 256 vobs parses"),
    ("x" + " atan2 x" * 257, "query has 257 operators, more than the 256 vobs parses"),
    ("and" + " or x" * 256, "query has 257 operators, more than the 256 vobs parses"),  # a word at the start
    ("x" + " band_x" * 300, None),  # operator words inside names are not operators
    ("x" + " x:or" * 300, None),
    ("x" + " x_or" * 300, None),
    ("x" + " 1or" * 300, None),
    ("x" + " orx" * 300, None),
    ('x{a="' + "+" * 300 + '"}', None),
    # exactly at the limits on the exact path (the cheap bound is over them)
    ("(" * 128 + ")" * 128 + "()", None),
    ('x{a="+"}' + "+x" * 256, None),  # 256 `+`; the `+` in the string raises only the bound
    ('x{a="+"}' + "+x" * 257, "query has 257 operators, more than the 256 vobs parses"),
    # matchers are a flat list inside one selector, not levels of the tree: `=`, `!=`, `=~`, `!~`, `or`
    ("x{" + ", ".join(f'l{i}!~"v"' for i in range(300)) + "}", None),
    ("x{" + " or ".join(f'l{i}="v"' for i in range(300)) + "}", None),
    ('x{a!="b"} + ' * 200 + "x", None),  # 200 real operators; 400 operator characters in the matchers
    ('x{a!="b"} + ' * 257 + "x", "query has 257 operators, more than the 256 vobs parses"),
    ("sum by (a) (x{b=~\"c\"})" + " > 1" * 257, "query has 257 operators, more than the 256 vobs parses"),
    ("x{}" + "+x" * 257, "query has 257 operators, more than the 256 vobs parses"),  # an empty {} closes
    # closing brackets lower the depth by one each
    ("()" * 64 + "(" * 128, None),
    ("(()" + "(" * 128, "query nests brackets 129 deep, more than the 128 vobs parses"),
    # names are neither strings nor brackets
    ("X" + "(" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("X" * 10 + "(" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("()" * 129 + "X" * 129, None),
    # a comment ends at its own line's end; an escape skips one character; an open string runs to the end
    ("x # c\n" + "(" * 129 + "\n", "query nests brackets 129 deep, more than the 128 vobs parses"),
    ("x\n# c\n" + "(" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),  # line after line
    ('x{a="\\b"}' + "(" * 129, "query nests brackets 129 deep, more than the 128 vobs parses"),
    ('x{a="' + "(" * 200, None),
    # a word right after `_` or `:` is part of a name, not an operator
    ("x" + " _or" * 300, None),
    ("x" + " :or" * 300, None),
])
def test_the_shape_guard_counts_exactly_outside_strings_and_comments(text, error):
    assert _shape_error(text) == error


@pytest.mark.parametrize("expr,expected", [
    ("x", ("x", [])),
    ('x{a="p", b=\'q\', c=`r`} + y', ('x{a="vobs_lit_0", b=\'vobs_lit_1\', c=`vobs_lit_2`} + y',
                                      ['"p"', "'q'", "`r`"])),
    ('x{a="p\\"q"}', ('x{a="vobs_lit_0"}', ['"p\\"q"'])),
    ("x{a=`p\\`}", ("x{a=`vobs_lit_0`}", ["`p\\`"])),
    ('x{a=""}', ('x{a="vobs_lit_0"}', ['""'])),
    ("x # comment", None),
    ('x{a="p"} # "q"', None),
    ('x{a="open}', None),
    ('x{a="p\\"}', None),
    ('"p"', ('"vobs_lit_0"', ['"p"'])),  # a string at the very start
    ('x{a="#"} + y', ('x{a="vobs_lit_0"} + y', ['"#"'])),  # `#` inside a string is no comment
    ("x # a # b", None),  # a comment gives up, whatever follows it
    ('x # "a#"', None),  # even when a later `#` sits in a string
    ('x{a="\\b"}', ('x{a="vobs_lit_0"}', ['"\\b"'])),  # an escape is two characters, not more
])
def test_string_masking_for_shapes(expr, expected):
    from vertice_obs.metrics.promql_text import _mask_strings

    assert _mask_strings(expr) == expected


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(['"', "'", "`", "\\", "#", "x", "{a=", "}", "\n", "é", "$v", " "]), max_size=30).map("".join))
@example('x{a="\\"", b="\\""}')  # escaped quotes
def test_string_masking_puts_back_exactly_what_it_took(expr):
    """Every literal is one whole quoted token, and the stand-ins filled back give the query again."""
    from vertice_obs.metrics.promql_text import _LITERAL, _mask_strings

    masked = _mask_strings(expr)
    if masked is None:
        return
    shape, literals = masked
    for i, literal in enumerate(literals):
        quote = literal[0]
        assert quote in "\"'`" and literal.endswith(quote) and len(literal) >= 2
        k = 1  # the literal ends at its first closing quote: none inside, a backslash escaping one
        while k < len(literal) - 1:
            assert literal[k] != quote, literal
            k += 2 if literal[k] == "\\" and quote != "`" else 1
        assert k == len(literal) - 1, literal
        shape = shape.replace(f"{quote}{_LITERAL}{i}{quote}", literal, 1)
    assert shape == expr


@pytest.mark.parametrize("expr,expected", [
    ("x{a=`\\d+`}", 'x{a="\\\\d+"}'),  # a raw string's backslash is a backslash
    ('x{a=`say "hi"`}', 'x{a="say \\"hi\\""}'),
    ("x{a=`two\nlines`}", 'x{a="two\\nlines"}'),
    ('x{a="`"} + y{b=\'`\'}', 'x{a="`"} + y{b=\'`\'}'),  # a backquote inside another string stays
    ("x # `not a string`\n+ y{a=`v`}", 'x # `not a string`\n+ y{a="v"}'),  # nor in a comment
    ("x{a=`open}", "x{a=`open}"),  # unterminated: the parser reports it
])
def test_raw_strings_reach_the_parser_double_quoted(expr, expected):
    from vertice_obs.metrics.promql_text import _raw_strings_quoted

    assert _raw_strings_quoted(expr) == expected


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="ab\\\"'.*+|$\n é", max_size=12))
def test_a_raw_string_means_what_its_double_quoted_form_means(value):
    """Whatever a backquoted string holds (no backquote), the parser reads exactly it as the value."""
    from vertice_obs.metrics.promql_text import parse_promql

    (matcher,) = [m for m in parse_promql(f"x{{a=`{value}`}}").matchers.matchers if m.name == "a"]
    assert matcher.value == value


# --- each reference made once, at its selector (perf: nothing copied per level above it) -------------

@pytest.mark.parametrize("query,expected", [
    ("max_over_time(rate(x[5m] offset 1h)[1d:5m] offset 2d)", [("x", "rate", True, 300 + 3600 + 86400 + 172800)]),
    ("sum(x offset -10m)", [("x", "sum", False, -600)]),  # floored at 0 by whoever judges it
    ("sum(absent_over_time(x[1m])) or rate(y[2m] @ 5)", [("x", "sum", True, 60), ("y", "rate", True, float("inf"))]),
    ('count(label_replace(z{a="b"}, "c", "d", "e", "f")) by (c)', [("z", "label_replace", False, 0)]),
])
def test_function_range_and_reach_are_those_of_the_innermost_and_every_enclosing_range(query, expected):
    assert [(r.metric, r.under, r.ranged, r.reach) for r in extract.__wrapped__(query)] == expected


def test_a_reference_is_made_once_not_copied_at_each_enclosing_node(monkeypatch):
    import vertice_obs.metrics.extract as module

    def copied(*args, **kwargs):
        raise AssertionError("a reference was copied")

    monkeypatch.setattr(module, "replace", copied)  # `or` changes roles: only that copies
    refs = module.extract.__wrapped__("sum by (a) (rate(x[5m:1m] offset 1h)) / avg(max_over_time(y[1h]))")
    assert [(r.metric, r.under, r.ranged, r.reach) for r in refs] == [("x", "rate", True, 3900.0),
                                                                       ("y", "max_over_time", True, 3600.0)]
