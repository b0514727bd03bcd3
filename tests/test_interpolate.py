"""Grafana variable interpolation by position: every form, table-driven."""

from __future__ import annotations

import pytest

from vertice_obs.metrics.interpolate import (
    Variable,
    interpolate,
    variable_options,
    variables_from_dashboard,
)

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
    ("custom interval variable", "rate(x[$interval])", "rate(x[5m])", {}),
    ("legacy [[interval]] in range", "rate(x[[[interval]]])", "rate(x[5m])", {}),
    ("braced ${interval}", "rate(x[${interval}])", "rate(x[5m])", {}),
    ("number: topk($k)", "topk($k, x)", "topk(5, x)", {}),
    ("number: comparison", "x > $threshold", "x > 0.8", {}),
    ("number without a value", "x > $empty", "x > 1", {}),
    ("grouping label", "sum by ($group) (x)", "sum by (job) (x)", {}),
    ("grouping, multi-valued", "sum by ($groups) (x)", "sum by (job,instance) (x)", {}),
    ("grouping without a value", "sum without ($empty) (x)", "sum without (vobs_placeholder) (x)", {}),
    ("${v:regex} escapes", 'x{a=~"${multi:regex}"}', 'x{a=~"(a\\\\.b|c)"}', {}),
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
        {"name": "a", "type": "query", "current": {"value": "x"}, "options": [{"value": "y"}]},
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


def test_variable_options_lists_each_pickable_value_of_custom_and_query_variables_once():
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
    ]}}
    assert variable_options(model) == {"c": ("a", "5", "1.5", "b"), "q": ("only",)}
    assert variable_options({}) == {}
    assert variable_options({"templating": None}) == {}
    assert variable_options({"templating": {"list": None}}) == {}
