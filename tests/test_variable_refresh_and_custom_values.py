"""The value a reader sees, not the one saved: Grafana 11.3+ re-runs every query variable on load
(`refresh: 0`, "never", too), and checks a custom variable's saved value against the options it
parses from its `query` — so vobs judges the panels with what Grafana shows.

Sources (public code; facts, not code): grafana/grafana PR #93818 turned scenes on by default in 11.3;
`createSceneVariableFromVariableModel` builds a `QueryVariable`/`CustomVariable` from the saved
`current` without the saved `options`, `defaultToAll: Boolean(includeAll)`; grafana/scenes'
`SceneVariableSet` updates every variable on activation (`refresh` is read only on a time range
change), and `MultiValueVariable.getStateUpdateGivenNewOptions` keeps a saved value the new options
hold — else the first option, or All — while `CustomVariable.getValueOptions` keeps the saved
value when the query lists nothing. Unit tables, then `vobs validate` against the real Prometheus
of conftest.py (`maximus_dopamine_level` has the environments dev and staging, never prod or qa).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from vertice_obs.checks.custom_values import (
    JS_SPACE,
    current_value,
    custom_options,
    option_values,
    text_and_value,
)
from vertice_obs.checks.variables import current_not_an_option
from vertice_obs.cli import cli
from vertice_obs.metrics.interpolate import variable_options, variables_from_dashboard

LEVEL = "maximus_dopamine_level"
ALL = "$__all"


def _custom(query, value, text=None, **more) -> dict:
    current = {"value": value} if text is None else {"value": value, "text": text}
    return {"name": "env", "type": "custom", "query": query, "current": current, **more}


# (case, the custom variable, the value Grafana shows)
SHOWN = [
    ("an option: kept", _custom("dev,staging", "staging"), "staging"),
    ("no option: the first", _custom("dev,staging", "prod"), "dev"),
    ("no option, Include All: All", _custom("dev,staging", "prod", includeAll=True), ALL),
    ("All kept with Include All", _custom("dev,staging", ALL, includeAll=True), ALL),
    ("All without Include All: the first", _custom("dev,staging", ALL), "dev"),
    ("All of a multi-value without Include All", _custom("dev,staging", [ALL], multi=True), ["dev"]),
    ("multi: the values that are options", _custom("a,b,c", ["c", "x", "a"], multi=True), ["c", "a"]),
    ("multi, none an option: the first", _custom("a,b,c", ["x", "y"], multi=True), ["a"]),
    ("multi, none an option, Include All", _custom("a,b,c", ["x"], multi=True, includeAll=True), [ALL]),
    ("multi saved as one text", _custom("a,b", "b", multi=True), ["b"]),
    ("a list saved for one value: no option's", _custom("a,b", ["b"]), "a"),
    ("text : value pairs, by value", _custom("Dev : dev, Prod : prd", "prd"), "prd"),
    ("by text when no value matches", _custom("Dev : dev, Prod : prd", "prod", text="Prod"), "prd"),
    ("a number is no option's text value", _custom("1,5", 5), "1"),
    ("… unless its text is an option's", _custom("1,5", 5, text="5"), "5"),
    ("an escaped comma is part of the value", _custom("a\\,b, c", "a,b"), "a,b"),
    ("values trimmed", _custom("  dev , staging  ", "staging"), "staging"),
    ("no current saved: the first", {"name": "env", "type": "custom", "query": "dev,staging"}, "dev"),
    # the saved value is what Grafana keeps (or vobs cannot know the options)
    ("an empty query keeps the saved value", _custom("", "prod"), "prod"),
    ("a query of variables is interpolated first", _custom("$other,dev", "prod"), "prod"),
    ("a JSON list is not read here", _custom('["dev"]', "prod", valuesFormat="json"), "prod"),
    ("a query variable's saved value as it is", {**_custom("dev", "prod"), "type": "query"}, "prod"),
]


@pytest.mark.parametrize("variable,expected", [c[1:] for c in SHOWN], ids=[c[0] for c in SHOWN])
def test_the_value_grafana_shows_of_a_custom_variable(variable, expected):
    assert current_value(variable) == expected


@pytest.mark.parametrize("variable,expected", [
    (_custom("dev,staging", "prod", includeAll=True), ("dev", "staging")),  # All: every option of the query
    (_custom("dev,staging", "prod"), ("dev",)),
    (_custom("dev,staging", ["prod", "staging"], multi=True), ("staging",)),
    (_custom("", "prod", options=[{"value": "prod"}]), ("prod",)),
], ids=["All", "first", "multi", "kept"])
def test_variables_from_dashboard_use_the_value_grafana_shows(variable, expected):
    assert variables_from_dashboard({"templating": {"list": [variable]}})["env"].values == expected


def test_a_custom_variables_options_are_those_of_its_query():
    stale = _custom("dev, Staging : staging", "dev", options=[{"value": "prod"}, {"value": "dev"}])
    assert option_values(stale) == ["dev", "staging"]
    assert variable_options({"templating": {"list": [stale]}}) == {"env": ("dev", "staging")}


@pytest.mark.parametrize("refresh", [0, "0", None, 1, 2, "never"])
def test_a_query_variable_is_re_run_whatever_its_refresh(refresh):
    """Its saved value and options are not judged: Grafana 11.3+ re-runs its query on load."""
    variable = {"name": "q", "type": "query", "query": "label_values(up, job)", "current": {"value": "api"},
                "options": [{"value": "api"}, {"value": "web"}]}
    if refresh is not None:
        variable["refresh"] = refresh
    model = {"templating": {"list": [variable]}}
    got = variables_from_dashboard(model)["q"]
    assert got.values == () and got.refreshed.startswith("on ")
    assert variable_options(model) == {}


# (case, the custom variable, the lint's message or None)
LINTED = [
    ("first", _custom("dev,staging", "prod"),
     "$env's saved value 'prod' is not one of its options (dev, staging): Grafana shows 'dev', the first option, "
     "and vobs checks the panels with that — save an option as the value, or add the value to the query"),
    ("All", _custom("dev,staging", "prod", includeAll=True),
     "$env's saved value 'prod' is not one of its options (dev, staging): Grafana shows All (Include All), and "
     "vobs checks the panels with that — save an option as the value, or add the value to the query"),
    ("by text", _custom("Dev : dev,Prod : prd", "prod", text="Prod"),
     "$env's saved value 'prod' is not one of its options (dev, prd): Grafana shows 'prd', the option whose text "
     "is 'Prod', and vobs checks the panels with that — save an option as the value, or add the value to the query"),
    ("multi, some kept", _custom("a,b,c", ["a", "x"], multi=True),
     "$env's saved value 'x' is not one of its options (a, b, c): Grafana shows 'a', and vobs checks the panels "
     "with that — save an option as the value, or add the value to the query"),
    ("multi, none kept", _custom("a,b,c", ["x", "y"], multi=True),
     "$env's saved values 'x', 'y' are not among its options (a, b, c): Grafana shows 'a', the first option, and "
     "vobs checks the panels with that — save an option as the value, or add the value to the query"),
    ("All without Include All", _custom("a,b", ALL),
     "$env's saved value is All, but Include All is off: Grafana shows 'a', the first option, and vobs checks the "
     "panels with that — save an option as the value, or add the value to the query"),
    ("many options", _custom(",".join(f"o{i}" for i in range(10)), "z"),
     "$env's saved value 'z' is not one of its options (o0, o1, o2, o3, o4, o5, o6, o7 and 2 more): Grafana "
     "shows 'o0', the first option, and vobs checks the panels with that — save an option as the value, or add "
     "the value to the query"),
    ("a list saved for one value", _custom("a,b", ["b"]),
     "$env takes one value, but its saved value is a list ('b'): Grafana shows 'a', the first option, and vobs "
     "checks the panels with that — save an option as the value, or add the value to the query"),
    ("an option", _custom("dev,staging", "staging"), None),
    ("All with Include All", _custom("dev", ALL, includeAll=True), None),
    ("nothing saved", _custom("dev,staging", ""), None),
    ("no current", {"name": "env", "type": "custom", "query": "dev"}, None),
    ("a number of an option's text", _custom("1,5", 5, text="5"), None),  # the option "5" by its text: the same
    ("an empty query", _custom("", "prod"), None),
    ("a query variable", {**_custom("dev", "prod"), "type": "query"}, None),
]


@pytest.mark.parametrize("variable,message", [c[1:] for c in LINTED], ids=[c[0] for c in LINTED])
def test_the_saved_value_that_is_not_an_option_is_said(variable, message):
    found = list(current_not_an_option({"uid": "u", "templating": {"list": [variable]}}, "d.json"))
    assert [m for m, *_ in found] == ([message] if message else [])
    for _, location, details in found:
        assert location.target == "variable env" and details == {"json_path": "/templating/list/0/current",
                                                                  "variable": "env"}


# --- `vobs validate` against the real Prometheus ------------------------------------------------------

DS = {"type": "prometheus", "uid": "${ds}"}


def _dashboard(variable: dict) -> dict:
    return {"uid": "shown", "title": "Shown", "templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus"}, variable]}, "panels": [
        {"id": 1, "type": "timeseries", "title": "Level", "datasource": DS,
         "targets": [{"refId": "A", "expr": f'{LEVEL}{{environment="$environment"}}'}]}]}


_QUERY = {"name": "environment", "type": "query", "datasource": DS,
          "query": f"label_values({LEVEL}, environment)", "current": {"text": "prod", "value": "prod"},
          "options": [{"text": "prod", "value": "prod"}], "refresh": 0}
_CUSTOM = {"name": "environment", "type": "custom", "includeAll": False, "multi": False}

# (case, the variable, the checks at warning and above, the exit code with --fail-on warning)
LIVE = [
    # refresh 0 ("never"): judged by its saved prod, the panel was said to show No data (exit 1);
    # Grafana re-runs the query and shows dev or staging — nothing is known, said as info
    ("query variable, refresh never", _QUERY, [], 0),
    # the query lists prod and qa, the saved dev (and the saved options) are stale: vobs judged dev and
    # passed; Grafana shows prod, and the panel is empty — as it is on the qa option
    ("custom: the saved value is gone from the query",
     {**_CUSTOM, "query": "prod,qa", "current": {"text": "dev", "value": "dev"}, "options": [{"value": "dev"}]},
     ["metric/no-matching-series", "variable/current-not-an-option", "variable/option-no-data"], 1),
    # the saved prod is no option: vobs said the panel shows No data; Grafana shows dev, which draws
    ("custom: the saved value is not an option",
     {**_CUSTOM, "query": "dev,staging", "current": {"text": "prod", "value": "prod"}},
     ["variable/current-not-an-option"], 1),
]


@pytest.mark.parametrize("variable,checks,code", [c[1:] for c in LIVE], ids=[c[0] for c in LIVE])
def test_validate_judges_the_value_the_reader_sees(tmp_path, prometheus, variable, checks, code):
    (tmp_path / "shown.json").write_text(json.dumps(_dashboard(variable), indent=2))
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url,
                                    "--fail-on", "warning", "--format", "json"])
    findings = json.loads(done.stdout)["findings"]
    serious = sorted({f["check"] for f in findings if f["severity"] != "info"})
    assert (serious, done.exit_code) == (checks, code), [f["message"] for f in findings]
    if variable["type"] == "query":
        [unknown] = [f for f in findings if f["check"] == "variable/value-unknown"]
        assert "re-runs on load (from Grafana 11.3, whatever its refresh says" in unknown["message"]
    if "prod,qa" in variable.get("query", ""):
        [empty] = [f for f in findings if f["check"] == "metric/no-matching-series"]
        assert 'environment="prod"' in empty["message"], empty["message"]


def test_validate_the_value_grafana_shows_draws_the_panel(tmp_path, prometheus):
    """The same stale custom variable with its lint switched off: the panel is judged with dev, which
    Grafana shows, and draws — exit 0 where vobs said No data for the saved prod (exit 1)."""
    variable = {**_CUSTOM, "query": "dev,staging", "current": {"text": "prod", "value": "prod"}}
    (tmp_path / "shown.json").write_text(json.dumps(_dashboard(variable)))
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "--prometheus-url", prometheus.url, "--fail-on",
                                    "warning", "--disable", "variable/current-not-an-option"])
    assert done.exit_code == 0, done.output


def test_a_huge_option_is_shown_bounded_in_the_message():
    """Review of this stop: each option went into the message whole (a 100,000-character option, a
    100 KB message). At most 80 characters of each, by the one listing."""
    [(message, *_)] = current_not_an_option({"uid": "u", "templating": {"list": [
        _custom("x" * 100_000 + ",dev", "prod")]}}, "d.json")
    assert len(message) < 400 and message.startswith("$env's saved value 'prod' is not one of its options (xxx")
    assert "…, dev)" in message


# scenes' expression as JavaScript reads it: its `.` matches no line end (\n, \r, U+2028, U+2029), its
# `\s` is JavaScript's whitespace (U+FEFF, not U+001C–U+001F or U+0085, which Python's `\s` has)
_S = f"[{JS_SPACE}]"
_PAIR = re.compile(f"{_S}*([^\n\r\u2028\u2029]+){_S}:{_S}([^\n\r\u2028\u2029]+)")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=" :\n\r\u2028\ta\u00a0b\x1c\x85\ufeff", max_size=16))
def test_an_options_text_and_value_are_read_as_the_expression_reads_them(item):
    """`text_and_value` is scenes' `/^\\s*(.+)\\s:\\s(.+)$/` read without backtracking: the same
    groups (or none) on every short text of spaces, colons, newlines and letters."""
    match = _PAIR.fullmatch(item)
    assert text_and_value(item) == (match.groups() if match else None)


@pytest.mark.parametrize("query, option", [
    ("\x1cdev\x1c", ("\x1cdev\x1c", "\x1cdev\x1c")),  # not JavaScript whitespace: kept
    ("\x85a\x85", ("\x85a\x85", "\x85a\x85")),
    ("\ufeffdev\ufeff", ("dev", "dev")),  # a byte-order mark is: trimmed
    ("a\x1c:\x1cb", ("a\x1c:\x1cb", "a\x1c:\x1cb")),  # no separator
    ("a\ufeff:\ufeffb", ("a", "b")),
    ("\x1ca : b\ufeff\x1c", ("\x1ca", "b\ufeff\x1c")),
])
def test_an_option_is_trimmed_and_split_at_javascripts_whitespace(query, option):
    """Python's `\\s` and `strip()` take U+001C–U+001F and U+0085, which JavaScript's (scenes' `\\s`
    and `trim()`) do not, and leave U+FEFF, which it takes. Each answer is Node 20's, running scenes'
    `/^\\s*(.+)\\s:\\s(.+)$/g.exec(text)` and `trim()` on it."""
    assert custom_options({"type": "custom", "query": query}) == (option,)


@pytest.mark.parametrize("query", [" " * 300_000, " :" * 150_000, "a : " * 100_000, "\n " * 150_000 + " : b"],
                         ids=["spaces", "colons", "pairs", "newlines"])
def test_a_hostile_custom_query_is_read_in_linear_time(query):
    """The expression itself backtracked quadratically: an option of 32,000 spaces took 5 s, so a
    dashboard of 300,000 would have held `vobs validate` for minutes. In a child process, with a
    deadline (a regex holds the GIL: no thread could time it out)."""
    code = ("import sys; from vertice_obs.checks.custom_values import custom_options; "
            "print(len(custom_options({'type': 'custom', 'query': sys.stdin.read()})))")
    try:
        said = subprocess.run([sys.executable, "-c", code], input=query, text=True, capture_output=True,
                              timeout=30, check=True).stdout
    except subprocess.TimeoutExpired:
        pytest.fail("reading the custom variable's options took over 30 s")
    assert said.strip() == "1"
