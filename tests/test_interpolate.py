"""Grafana variable interpolation by position: every form, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.metrics.interpolate import (
    Variable,
    interpolate,
    refreshed,
    variable_options,
    variables_from_dashboard,
)

NEVER = 'on load (from Grafana 11.3, whatever its refresh says — "never" too)'  # a query variable saved `refresh: 0`

VARS = {
    "environment": Variable("environment", ("prod",)),
    "k": Variable("k", ("5",)),
    "threshold": Variable("threshold", ("0.8",)),
    "group": Variable("group", ("job",)),
    "groups": Variable("groups", ("job", "instance")),
    "multi": Variable("multi", ("a.b", "c")),
    "empty": Variable("empty", ()),
    "interval": Variable("interval", ("5m",)),
    "all": Variable("all", (), all_value=".*"),
}

CASES = [
    # (case, query, interpolated text, name patterns)
    ("label value stays valid", 'up{environment=~"$environment"}', 'up{environment=~"prod"}', {}),
    ("$__rate_interval duration", "rate(x[$__rate_interval])", "rate(x[1m])", {}),
    ("$__interval in subquery step", "max_over_time(x[1h:$__interval])", "max_over_time(x[1h:1m])", {}),
    ("$__range duration", "increase(x[$__range])", "increase(x[1h])", {}),
    ("$__interval_ms before $__interval", "rate(x[$__interval_ms])", "rate(x[1m])", {}),
    # a trial: Grafana's $__interval_ms and $__range_ms are whole milliseconds, so `[${__interval_ms}ms]`
    # is `[60000ms]` — a duration there read `[1mms]`, a parse error failing the CI gate
    ("${__interval_ms}ms: the number, its unit after", "rate(x[${__interval_ms}ms])", "rate(x[60000ms])", {}),
    ("${__range_ms}ms", "increase(x[${__range_ms}ms])", "increase(x[3600000ms])", {}),
    ("${__range_s}s", "increase(x[${__range_s}s])", "increase(x[3600s])", {}),
    ("offset ${__range_s}s", "x offset ${__range_s}s", "x offset 3600s", {}),
    ("a unit after a variable with no value", "rate(x[${empty}s])", "rate(x[1s])", {}),
    ("custom interval variable", "rate(x[$interval])", "rate(x[5m])", {}),
    ("legacy [[interval]] in range", "rate(x[[[interval]]])", "rate(x[5m])", {}),
    ("braced ${interval}", "rate(x[${interval}])", "rate(x[5m])", {}),
    ("number: topk($k)", "topk($k, x)", "topk(5, x)", {}),
    ("number: comparison", "x > $threshold", "x > 0.8", {}),
    ("number without a value", "x > $empty", "x > 1", {}),
    ("grouping label", "sum by ($group) (x)", "sum by (job) (x)", {}),
    ("grouping, multi-valued", "sum by ($groups) (x)", "sum by (job,instance) (x)", {}),
    ("grouping without a value", "sum without ($empty) (x)", "sum without (vobs_placeholder) (x)", {}),
    # an explicit format's text goes in as it is, not escaped for the string (as Grafana does)
    ("${v:regex} escapes", 'x{a=~"${multi:regex}"}', 'x{a=~"(a\\.b|c)"}', {}),
    ("${v:pipe}", 'x{a=~"${multi:pipe}"}', 'x{a=~"a.b|c"}', {}),
    ("${v:csv}", 'x{a="${multi:csv}"}', 'x{a="a.b,c"}', {}),
    ("multi-value default is a regex group", 'x{a=~"$multi"}', 'x{a=~"(a.b|c)"}', {}),
    ("All uses allValue", 'x{a=~"$all"}', 'x{a=~".*"}', {}),
    ("legacy [[v]] in a string", 'x{env="[[environment]]"}', 'x{env="prod"}', {}),
    ("variable inside a metric name", "rate(foo_${empty}_total[5m])", "rate(vobs_var_0[5m])",
     {"vobs_var_0": "foo_.+_total"}),
    ("legacy variable inside a metric name", "foo_[[empty]]_bar", "vobs_var_0", {"vobs_var_0": "foo_.+_bar"}),
    ("value inside a name still a pattern", "maximus_${environment}_up", "vobs_var_0", {"vobs_var_0": "maximus_.+_up"}),
    ("$1 in label_replace is not a variable", 'label_replace(up, "a", "$1", "b", "(.*)")',
     'label_replace(up, "a", "$1", "b", "(.*)")', {}),
    ("unknown $names are left alone", 'x{a="$nope"}', 'x{a="$nope"}', {}),
    ("label name inside braces", 'x{$group="a"}', 'x{vobs_placeholder="a"}', {}),
    ("offset takes a duration", "x offset $__interval", "x offset 1m", {}),
    ("a whole-metric variable with no value", "rate($empty[5m])", "rate(vobs_var_0[5m])", {"vobs_var_0": ".+"}),
    ("quote in a value is escaped", 'x{a="$q"}', 'x{a="say \\"hi\\""}', {}),
]


@pytest.mark.parametrize("case,query,text,patterns", CASES, ids=[c[0] for c in CASES])
def test_interpolation_by_position(case, query, text, patterns):
    variables = {**VARS, "q": Variable("q", ('say "hi"',))}
    result = interpolate(query, variables)
    assert result.text == text
    assert result.name_patterns == patterns


def test_variables_from_dashboard_current_then_first_option_then_none():
    model = {"templating": {"list": [
        {"name": "a", "type": "custom", "query": "y,x", "current": {"value": "x"}, "options": [{"value": "y"}]},
        {"name": "b", "type": "custom", "current": {}, "options": [{"value": "first"}, {"value": "second"}]},
        {"name": "c", "type": "query", "current": {}, "options": []},
        {"name": "d", "type": "query", "current": {"value": ["$__all"]}, "allValue": ".+"},
        {"name": "e", "type": "constant", "query": "42"},
        {"name": "ds", "type": "datasource", "query": "prometheus"},
        {"name": "f", "type": "custom", "current": {"value": ["p", "q"]}},
    ]}}
    got = variables_from_dashboard(model)
    assert got["a"].values == ("x",)
    assert got["b"].values == ("first",)
    assert got["c"].values == ()
    assert got["d"].values == () and got["d"].all_value == ".+"
    assert got["e"].values == ("42",)
    assert "ds" not in got
    assert got["f"].values == ("p", "q")


# --- pinned by mutation testing (scripts/mutation): each row once let a mutant survive ----------------

_PINNED_VARS = {"env": Variable("env", ("prod",)), "n": Variable("n", ("5",)), "d": Variable("d", ("5m",)),
                "e": Variable("e", ()), "s": Variable("s", ("a b",)), "pre": Variable("pre", ("x",))}


@pytest.mark.parametrize("expr,text,patterns,used", [
    # variables glued into a metric name: the whole identifier becomes one name pattern, every variable used
    ('x_${env}_y_${pre}_z{a="b"}', 'vobs_var_0{a="b"}', {"vobs_var_0": "x_.+_y_.+_z"}, ("env", "pre")),
    ("sum(ab_${env})", "sum(vobs_var_0)", {"vobs_var_0": "ab_.+"}, ("env",)),
    # a standalone value is kept when PromQL can read it there: identifier, number, duration
    ("x > $env", "x > prod", {}, ("env",)),
    ("x * $n", "x * 5", {}, ("n",)),
    ("x offset $d", "x offset 5m", {}, ("d",)),
    ("rate(x[$d])", "rate(x[5m])", {}, ("d",)),
    # … else a number where a number must stand (after an operator, a comma, a numeric first argument)
    ('x{a="1"} + $e', 'x{a="1"} + 1', {}, ("e",)),
    ("x / $s", "x / 1", {}, ("s",)),
    ("x, $e", "x, 1", {}, ("e",)),
    ("quantile_over_time($e, x[5m])", "quantile_over_time(1, x[5m])", {}, ("e",)),
    # … else, in expression position, a metric that cannot be named: any name
    ("sum($e)", "sum(vobs_var_0)", {"vobs_var_0": ".+"}, ("e",)),
    ("x + sum($e)", "x + sum(vobs_var_0)", {"vobs_var_0": ".+"}, ("e",)),
])
def test_standalone_and_glued_variables(expr, text, patterns, used):
    got = interpolate(expr, _PINNED_VARS)
    assert (got.text, got.name_patterns, got.variables) == (text, patterns, used)


def test_variable_options_lists_each_pickable_value_of_custom_variables_once():
    """A custom variable's options are those Grafana parses from its query (else as saved); a query
    variable's saved options are not offered — Grafana 11.3+ re-runs its query, `refresh: 0` too."""
    model = {"templating": {"list": [
        "not a variable",
        {"name": "c", "type": "custom", "options": [
            {"value": "a"}, {"value": "$__all"}, {"value": ""}, {"value": 5}, {"value": 1.5}, {"value": None},
            {"value": ["x"]}, "junk", {"value": "a"}, {"text": "no value"}, {"value": "b"}]},
        {"name": "q", "type": "query", "options": [{"value": "only"}]},
        {"name": "k", "type": "constant", "options": [{"value": "constants are not picked"}]},
        {"name": "t", "type": "textbox", "options": [{"value": "nor typed"}]},
        {"name": 3, "type": "custom", "options": [{"value": "a name must be text"}]},
        {"type": "custom", "options": [{"value": "no name"}]},
        {"name": "all_only", "type": "custom", "options": [{"value": "$__all"}, {"value": ""}]},
        {"name": "no_options", "type": "query"},
        {"name": "null_options", "type": "query", "options": None},
        {"name": "parsed", "type": "custom", "query": "x, Zed : z,x", "options": [{"value": "stale"}]},
    ]}}
    assert variable_options(model) == {"c": ("a", "5", "1.5", "b"), "parsed": ("x", "z")}
    assert variable_options({}) == {}
    assert variable_options({"templating": None}) == {}
    assert variable_options({"templating": {"list": None}}) == {}


# --- pinned by mutation testing, second pass ----------------------------------------------------------

_MORE_VARS = {"env": Variable("env", ("prod",)), "k": Variable("k", ("5",)), "d": Variable("d", ("5m",)),
              "e": Variable("e", ()), "multi": Variable("multi", ("a.b", "c")),
              "groups": Variable("groups", ("job", "instance")), "group": Variable("group", ("job",)),
              "dot": Variable("dot", ("a.b",)), "bs": Variable("bs", ("a\\b",)),
              "bad": Variable("bad", ("job", "1x"))}


@pytest.mark.parametrize("expr,text,patterns,used", [
    ("$k * x", "5 * x", {}, ("k",)),  # plain text after the last variable is copied
    ("$k > x", "5 > x", {}, ("k",)),  # a variable at the very start is not glued to the query's last character
    ("a$env", "vobs_var_0", {"vobs_var_0": "a.+"}, ("env",)),  # glued to a one-character prefix
    ("${env}_total", "vobs_var_0", {"vobs_var_0": ".+_total"}, ("env",)),  # glued to what follows
    # comments are copied as they are, variables and quotes in them included, up to the end of the line
    ('x # $k "a', 'x # $k "a', {}, ()),
    ("x # c\n> $k", "x # c\n> 5", {}, ("k",)),
    # an unknown `$name` inside a grouping does not close it
    ("sum by ($nope,$groups) (x)", "sum by ($nope,job,instance) (x)", {}, ("groups",)),
    # brackets between two strings still count (the first string ends at its own quote)
    ('f("p") + sum by (g("q"), $groups) (x)', 'f("p") + sum by (g("q"), job,instance) (x)', {}, ("groups",)),
    # strings: unterminated, ending the query, with escapes, raw
    ('x{a="op', 'x{a="op', {}, ()),
    ('x{a="$k abc', 'x{a="5 abc', {}, ("k",)),
    ('$k > "p"', '5 > "p"', {}, ("k",)),
    ('x{a="a\\"$k"}', 'x{a="a\\"5"}', {}, ("k",)),
    ("x{a=~`\\`} + $multi", "x{a=~`\\`} + 1", {}, ("multi",)),  # no escapes in a raw string
    # legacy [[v]] and [[v:fmt]]
    ("[[k]] + [[d]]", "5 + 5m", {}, ("k", "d")),
    ('x{a="[[multi:csv]]"}', 'x{a="a.b,c"}', {}, ("multi",)),
    ('x{a=~"[[multi:regex]]"}', 'x{a=~"(a\\.b|c)"}', {}, ("multi",)),
    # string values: a missing value, the regex format of one value, raw strings keep backslashes single
    ('x{a="$e"}', 'x{a="vobs_placeholder"}', {}, ("e",)),
    ('x{a="$env"}', 'x{a="prod"}', {}, ("env",)),
    ('x{a=~"${dot:regex}"}', 'x{a=~"a\\.b"}', {}, ("dot",)),
    ("x{a=~`${multi:regex}`}", "x{a=~`(a\\.b|c)`}", {}, ("multi",)),
    # Grafana's datasource doubles the backslash whatever the quotes: in backquotes too (h143)
    ("x{a=~`${bs}`}", "x{a=~`a\\\\b`}", {}, ("bs",)),
    ('x{a=~"${bs}"}', 'x{a=~"a\\\\b"}', {}, ("bs",)),
    # `offset` takes a duration; it is looked for within the 40 characters before the variable
    ("x offset $k", "x offset 1m", {}, ("k",)),
    ("x offset" + " " * 34 + "$k", "x offset" + " " * 34 + "1m", {}, ("k",)),
    ("x offset" + " " * 35 + "$k", "x offset" + " " * 35 + "5", {}, ("k",)),
    # a label name glued to a prefix stays a valid name
    ('x{a_$group="b"}', 'x{a_vobs="b"}', {}, ("group",)),
    ("x > $d", "x > 5m", {}, ("d",)),  # a duration stands as it is
    ("X $e", "X vobs_var_0", {"vobs_var_0": ".+"}, ("e",)),  # after a name, no number is expected
    ("topk( $e, x)", "topk( 1, x)", {}, ("e",)),  # spaces after the parenthesis
    ("x # c\n$k\n", "x # c\n5\n", {}, ("k",)),  # the comment ends at the first line end
    ("sum by ($bad) (x)", "sum by (vobs_placeholder) (x)", {}, ("bad",)),  # "1x" is no label name
])
def test_scanner_edges(expr, text, patterns, used):
    got = interpolate(expr, _MORE_VARS)
    assert (got.text, got.name_patterns, got.variables) == (text, patterns, used)


def test_variables_from_dashboard_pinned():
    model = {"templating": {"list": [
        "not a variable",
        {"type": "query", "current": {"value": "nameless"}},
        {"name": "cur", "type": "query", "current": {"value": "prod"}},
        {"name": "blank", "type": "custom", "current": {"value": ""}, "options": [{"value": "first"}]},
        {"name": "skip_falsy", "type": "custom", "current": {}, "options": [{"value": ""}, {"value": "second"}]},
        {"name": "q", "type": "query", "current": {}, "options": [], "query": "up"},
        {"name": "tb", "type": "textbox", "query": "hello"},
        {"name": "all", "type": "custom", "current": {"value": "$__all"},
         "options": [{"value": "$__all"}, {"value": "a"}, {"value": None}, "junk", {"value": "b"}]},
        {"name": "all_re", "type": "custom", "current": {"value": ["$__all"]}, "allValue": ".+",
         "options": [{"value": "$__all"}, {"value": "a"}]},
    ]}}
    assert variables_from_dashboard(model) == {
        "cur": Variable("cur", (), refreshed=refreshed({"type": "query"})),  # re-run on load: not its saved prod
        "blank": Variable("blank", ("first",)),
        "skip_falsy": Variable("skip_falsy", ("second",)),
        "q": Variable("q", (), refreshed=refreshed({"type": "query"})),
        "tb": Variable("tb", ("hello",)),
        "all": Variable("all", ("a", "b"), None, chosen_all=True),
        "all_re": Variable("all_re", (), ".+", chosen_all=True),
    }


def _interpolated_aside(expr: str, variables) -> str:
    """Interpolate in a daemon thread joined with a deadline: a scanner that steps back loops forever,
    and the test must fail, not hang. The deadline bounds a broken run; a working one takes microseconds."""
    import threading

    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(interpolate(expr, variables).text), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert result, f"interpolating {expr!r} did not finish within 5 s"
    return result[0]


@pytest.mark.parametrize("expr,text", [
    ("$k\n# c", "5\n# c"),  # a comment on a later line ends at its own line end, not an earlier one
    ('$k + x{a="op', '$k + x{a="op'.replace("$k", "5")),  # an unterminated string runs to the end
])
def test_the_scanner_always_moves_forward(expr, text):
    assert _interpolated_aside(expr, {"k": Variable("k", ("5",))}) == text


@pytest.mark.parametrize("variable, expected", [
    # multi-value or include-All: Grafana's Prometheus datasource regex-escapes each value
    ({"multi": True, "current": {"value": ["/static/*filepath"]}}, 'x{h=~"/static/\\\\*filepath"}'),
    ({"includeAll": True, "current": {"value": "a.b"}}, 'x{h=~"a\\\\.b"}'),
    ({"multi": True, "current": {"value": ["a.b", "c|d"]}}, 'x{h=~"(a\\\\.b|c\\\\|d)"}'),
    ({"includeAll": True, "current": {"value": "$__all"}, "options": [{"value": "$__all"}, {"value": "a+"}]},
     'x{h=~"a\\\\+"}'),
    ({"includeAll": True, "allValue": ".*", "current": {"value": "$__all"}}, 'x{h=~".*"}'),  # allValue: as it is
    ({"current": {"value": "a.b"}}, 'x{h=~"a.b"}'),  # neither: the value as it is
])
def test_values_are_regex_escaped_as_grafanas_prometheus_datasource_does(variable, expected):
    """`prometheusSpecialRegexEscape` (`$^*{}[]'+?.()|` and the backslash) for a multi-value or
    include-All variable, one value or several as a group — a value like `/static/*filepath` is
    then matched literally, as in Grafana."""
    dashboard = {"templating": {"list": [{"name": "h", "type": "custom", **variable}]}}
    assert interpolate('x{h=~"$h"}', variables_from_dashboard(dashboard)).text == expected


def test_a_picked_option_is_escaped_as_the_variable_is():
    from vertice_obs.finding import Location
    from vertice_obs.metrics.analysis import option_selectors
    from vertice_obs.metrics.inventory import Query

    dashboard = {"templating": {"list": [{"name": "h", "type": "custom", "multi": True,
                                          "current": {"value": ["a"]}, "options": [{"value": "a"}, {"value": "b.c"}]}]}}
    [use] = option_selectors(Query('x{h=~"$h"}', Location("f.json")), variables_from_dashboard(dashboard), "h", ["b.c"])
    assert use.selector.matchers[0].value == "b\\.c"


@pytest.mark.parametrize("fmt, expected", [
    ("pipe", "Paris|Berlin"), ("csv", "Paris,Berlin"), ("raw", "Paris,Berlin"), ("glob", "{Paris,Berlin}"),
    ("text", "Paris + Berlin"), ("json", '["Paris","Berlin"]'), ("doublequote", '"Paris","Berlin"'),
    ("singlequote", "'Paris','Berlin'"), ("sqlstring", "'Paris','Berlin'"), ("regex", "(Paris|Berlin)"),
])
def test_each_format_joins_several_values_as_grafana_does(fmt, expected):
    """Grafana's format registry: `raw` is the array's String() (commas), `glob` braces, `text` the
    texts joined with ` + ` — most of them make a matcher that matches nothing, as in Grafana."""
    variables = {"v": Variable("v", ("Paris", "Berlin"))}
    assert interpolate(f'x{{a=~"${{v:{fmt}}}"}}', variables).text == f'x{{a=~"{expected}"}}'


@pytest.mark.parametrize("refresh, when", [
    (1, "on load"), (1.0, "on load"), ("1", "on load"), (2, "on time range change"), (" 2 ", "on time range change"),
    (0, NEVER), (None, NEVER), (True, NEVER), (1.5, NEVER), ("²", NEVER), ("9" * 5000, NEVER), ([1], NEVER),
    ({"a": 1}, NEVER),
])
def test_refresh_is_read_as_grafana_compares_it_and_never_crashes(refresh, when):
    """Grafana compares `refresh` with `===` against 1 and 2 (a JSON number: 1.0 is 1). Anything
    else — a digit `isdigit()` accepts and `int()` refuses, 5,000 digits — is "never", not a crash;
    and from Grafana 11.3 "never" is re-run on load too (scenes' `SceneVariableSet` updates every
    query variable when the dashboard loads)."""
    assert refreshed({"type": "query", "name": "v", "refresh": refresh}) == when
    assert refreshed({"type": "custom", "name": "v", "refresh": refresh}) == ""


@pytest.mark.parametrize("fmt", ["", ":regex", ":pipe", ":singlequote", ":csv"])
def test_a_custom_all_value_is_written_as_it_is_whatever_the_format(fmt):
    """Grafana's templateSrv formats a custom allValue for no format but `text`, `percentencode` and `queryparam`."""
    dashboard = {"templating": {"list": [{"name": "v", "type": "custom", "includeAll": True, "allValue": ".*",
                                          "current": {"value": "$__all"}}]}}
    assert interpolate(f'x{{a=~"${{v{fmt}}}"}}', variables_from_dashboard(dashboard)).text == 'x{a=~".*"}'


# --- a string literal's text remembered by its body and the values it looked up (perf) -----------------

def test_a_literal_repeated_with_the_same_values_is_scanned_once(monkeypatch):
    from vertice_obs.metrics import interpolate as module

    module.clear_cache()
    scans = []
    scan = module._Interpolator._string_scan
    monkeypatch.setattr(module._Interpolator, "_string_scan", lambda self, *a: scans.append(a) or scan(self, *a))
    env = {"env": Variable("env", ("a", "b"), escaped=True)}
    first = interpolate('x{e=~"$env"} / y{e=~"$env"}', env)
    again = interpolate('z{e=~"$env", f="1"}', {"env": Variable("env", ("a", "b"), escaped=True)})  # equal values
    assert (first.text, first.variables, again.text, again.variables) == (
        'x{e=~"(a|b)"} / y{e=~"(a|b)"}', ("env",), 'z{e=~"(a|b)", f="1"}', ("env",))
    assert len(scans) == 1


@pytest.mark.parametrize("variables,text", [
    ({"env": Variable("env", ("a.b",), escaped=True)}, '"a\\\\.b-1m"'),  # another value
    ({"env": Variable("env", ("a.b",))}, '"a.b-1m"'),  # not escaped
    ({}, '"$env-1m"'),  # not defined: left as Grafana leaves it
    ({"env": Variable("env", ())}, '"vobs_placeholder-1m"'),
    ({"env": Variable("env", ("a",)), "__interval": Variable("__interval", ("5m",))}, '"a-5m"'),  # a global redefined
])
def test_a_remembered_literal_is_written_anew_when_a_value_it_looked_up_differs(variables, text):
    from vertice_obs.metrics.interpolate import clear_cache

    clear_cache()
    interpolate('"$env-$__interval"', {"env": Variable("env", ("x",))})
    assert interpolate('"$env-$__interval"', variables).text == text


def test_a_literal_whose_variable_closes_past_its_quote_is_not_remembered():
    from vertice_obs.metrics.interpolate import _STRINGS, clear_cache

    clear_cache()
    variables = {"a": Variable("a", ("1",))}
    assert interpolate('x{l="${a" , m="}"}', variables).text == interpolate('x{l="${a" , m="}"}', variables).text
    assert interpolate('"[[a"', variables).text == '"[[a"' and not _STRINGS


# --- brackets counted only when a variable outside a string needs the innermost (perf) ----------------

@pytest.mark.parametrize("expr,text", [
    ('x{a="(["}[$r]', 'x{a="(["}[5m]'),  # brackets in a string are not brackets
    ('sum by (a) (x{a=")]}"}) # ( [\n + rate(y[$r])', 'sum by (a) (x{a=")]}"}) # ( [\n + rate(y[5m])'),  # nor in a comment
    ('topk($k, x) by ($l)', 'topk(3, x) by (job)'),
    ('x[[[r]]]', 'x[5m]'),  # a `[` before `[[r]]` is a bracket
    ('x) ] ( $n', 'x) ] ( vobs_var_0'),  # a closing bracket with none open is passed over
    ('sum(rate(x{a="$r"}[$r])) by ($l) > $k', 'sum(rate(x{a="5m"}[5m])) by (job) > 3'),
    ('foo_$l{a="}"}[${r}ms]', 'vobs_var_0{a="}"}[1ms]'),
])
def test_the_bracket_around_a_variable_is_found_past_strings_comments_and_variables(expr, text):
    variables = {"r": Variable("r", ("5m",)), "l": Variable("l", ("job",)), "k": Variable("k", ("3",)),
                 "n": Variable("n", ())}
    assert interpolate(expr, variables).text == text


def test_brackets_are_not_counted_when_every_variable_stands_in_a_string(monkeypatch):
    from vertice_obs.metrics import interpolate as module

    counted = []
    monkeypatch.setattr(module._Interpolator, "_count_brackets", lambda self, *a: counted.append(a))
    expr = 'sum by (a) (rate(x{e=~"$env"}[5m])) / on (a) group_left () (y{e=~"$env"})'
    assert interpolate(expr, {"env": Variable("env", ("p",))}).text == expr.replace("$env", "p")
    assert not counted


# --- a dropdown that lists nothing: each format's text (`metrics/formats.py`) ---------------------------
# Grafana 11/12 (scenes) gives it `''`, `[]` or All over no options; the Prometheus datasource writes `[]`
# as `()` when the query names no format, each format its own text. vobs wrote `()` for every format.

FORMATS = ["", "regex", "pipe", "csv", "raw", "glob", "json", "lucene", "distributed", "singlequote", "doublequote",
           "sqlstring", "text", "percentencode", "uriencode", "queryparam", "date", "date:iso", "html", "join",
           "customqueryparam:p:x", "no-such-format"]
KINDS = {"single": {}, "multi": {"multi": True}, "all": {"include_all": True},
         "multi-all": {"multi": True, "include_all": True}}
LIST = {"": "()", "regex": "()", "json": "[]", "lucene": "__empty__", "percentencode": "%7B%7D",
        "uriencode": "%7B%7D", "date": "NaN", "date:iso": "NaN"}  # the rest: "" (queryparam: no key for `[]`)
# scenes' MultiValueVariable and formatRegistry, the Prometheus datasource's interpolateQueryExpr (no format)
EXPECTED = {
    "single": {"singlequote": "''", "doublequote": '""', "sqlstring": "''", "queryparam": "var-v=", "date": "NaN",
               "date:iso": "NaN", "customqueryparam:p:x": "p=x"},
    "multi": LIST,
    "all": {**LIST, "text": "All", "queryparam": "var-v=$__all"},
    "multi-all": {**LIST, "text": "All", "queryparam": "var-v=$__all"},
}


def _dropdown(**definition):
    from vertice_obs.metrics.empty_dropdowns import Dropdown

    return Dropdown(**{"name": "v", "hidden": False, "multi": False, "include_all": False, "all_value": None,
                       "label": "v", **definition})


def _written(fmt: str, variable) -> str:
    reference = f"${{v:{fmt}}}" if fmt else "$v"
    text = interpolate(f"x{{a=~`{reference}`}}", {"v": variable}).text  # backquotes: the text as it is
    assert text.startswith("x{a=~`") and text.endswith("`}"), text
    return text[len("x{a=~`"):-len("`}")]


def test_each_format_writes_what_grafana_writes_for_a_dropdown_that_lists_nothing():
    """The whole table at once — single value `''`, multi-value `[]`, All over no options — so that
    one wrong cell shows with its neighbours."""
    written = {kind: {fmt: _written(fmt, _dropdown(**definition).empty()) for fmt in FORMATS}
               for kind, definition in KINDS.items()}
    expected = {kind: {fmt: cells.get(fmt, "") for fmt in FORMATS} for kind, cells in EXPECTED.items()}
    assert written == expected


@pytest.mark.parametrize(("fmt", "text"), [
    ("pipe", 'x{a=~""} + y{a=""}'), ("csv", 'x{a=~""} + y{a=""}'), ("raw", 'x{a=~""} + y{a=""}'),
    ("lucene", 'x{a=~"__empty__"} + y{a="__empty__"}'),
])
def test_the_text_stands_in_double_quotes_too(fmt, text):
    """What a selector gets: `{job=~"${v:pipe}"}` → `job=~""`, matching the series without the label."""
    expr = f'x{{a=~"${{v:{fmt}}}"}} + y{{a="${{v:{fmt}}}"}}'
    assert interpolate(expr, {"v": _dropdown(multi=True).empty()}).text == text


@pytest.mark.parametrize(("fmt", "text"), [("text", "All"), ("percentencode", ".%2A"), ("queryparam", "var-v=$__all")])
def test_an_all_value_is_written_as_it_is_but_for_text_percentencode_and_queryparam(fmt, text):
    """scenes' `CustomAllValue.formatter`: "All" for `text`, the allValue percent-encoded for
    `percentencode`, the variable's URL state for `queryparam` — whether the dropdown lists anything or not."""
    dashboard = {"templating": {"list": [{"name": "v", "type": "custom", "includeAll": True, "allValue": ".*",
                                          "current": {"value": "$__all"}}]}}
    assert _written(fmt, variables_from_dashboard(dashboard)["v"]) == text
    assert _written(fmt, _dropdown(include_all=True, all_value=".*").empty()) == text


# --- property: any query text with any variables is interpolated, never raised on --------------------

_NAMES = st.sampled_from(["v", "job", "k", "__range", "__interval", "x1", "unknown"])
_FORMATS = st.sampled_from(["", ":regex", ":pipe", ":csv", ":json", ":glob", ":lucene", ":text", ":raw", ":sqlstring",
                            ":singlequote", ":doublequote", ":percentencode", ":queryparam", ":date", ":date:iso",
                            ":customqueryparam:a:b", ":nosuch", ":"])
_REFS = st.one_of(_NAMES.map(lambda n: "$" + n), st.tuples(_NAMES, _FORMATS).map(lambda t: "${%s%s}" % t),
                  st.tuples(_NAMES, _FORMATS).map(lambda t: "[[%s%s]]" % t))
_PIECES = st.one_of(_REFS, st.sampled_from(["rate(", "x_", "_total", "{a=", "{a=~", '"', "'", "`", "\\", "[", "]", "(",
                                            ")", "{", "}", ",", " by (", " offset ", "topk(", "# c\n", "\n", "[[", "${",
                                            "$", "}", " > ", "1", "é", "$1", "5m"]))
_VALUES = st.lists(st.text(alphabet='ab1.*|$\\"\'`{}[]()#\n é', max_size=5), max_size=3).map(tuple)
_VARIABLE = st.builds(lambda values, all_value, chosen_all, escaped, empty: (values, all_value, chosen_all, escaped, empty),
                      _VALUES, st.none() | st.text(alphabet="a.*$|\\{", max_size=4), st.booleans(), st.booleans(),
                      st.booleans())


@settings(max_examples=200, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=60),
       st.dictionaries(_NAMES, _VARIABLE, max_size=4))
@example("${v:customqueryparam}", {"v": (("a",), None, False, False, False)})
def test_any_query_with_any_variables_is_interpolated(expr, variables):
    known = {name: Variable(name, values, all_value, chosen_all, escaped=escaped, lists_nothing=empty)
             for name, (values, all_value, chosen_all, escaped, empty) in variables.items()}
    done = interpolate(expr, known)
    assert isinstance(done.text, str) and set(done.variables) <= set(known) | {n for n in done.variables
                                                                                if n.startswith("__")}
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in done.name_patterns.items())


def test_a_long_query_of_variables_is_interpolated_in_linear_time():
    import time

    known = {"v": Variable("v", ("a", "b"), escaped=True)}
    for piece in ('x{a=~"$v"} or ', "rate(x_${v}_total[$__range]) + ", "[[v]]" * 3 + " ", '"${v:regex}'):
        start = time.perf_counter()
        interpolate(piece * 4000, known)
        assert time.perf_counter() - start < 2.0, piece
