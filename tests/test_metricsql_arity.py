"""A MetricsQL function given a count of arguments it does not take (`range_quantile(x)`,
`label_set(x, "a")`, `rollup_candlestick()`) is a `promql/parse` error that names the call, where it
starts, what it gives and what the function takes — not valid MetricsQL, as it was: VictoriaMetrics
refuses the query when it evaluates the call, so the panel shows an error.

Every row of the table is held against the real VictoriaMetrics (Debian's 1.79.5): for each of its
functions a call of each wrong count is refused — for its count — and a call of each right count
answered. Two kinds of row cannot be checked live, and are said: functions VictoriaMetrics added after
1.79 (those of `test_metricsql.NEWER` that 1.79 calls unknown), and the second argument `rollup()` and
its kin take since (1.79's rollup.go gives them `newRollupFuncOneArg`).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_metricsql import NEWER, PROMETHEUS, VM, _answer, _parse_findings
from victoria_harness import VictoriaMetricsServer

from vertice_obs.cli import cli
from vertice_obs.metrics.metricsql import (
    _FUNCTIONS,
    _error,
    miscounted_metricsql,
    valid_metricsql,
)
from vertice_obs.metrics.metricsql_arity import TAKES, Takes, miscount

M = "maximus_dopamine_level"
# The one argument of each parameter the table names: a right call of any count is made of them
EXAMPLE = {"series_selector[d]": f"{M}[5m]", "q": M, "q1": M, "qN": M, "buckets": M, "free": M, "max": M,
           "phi": "0.5", "phi1": "0.5", "phiN": "0.9", "k": "2", "eq": "1", "gt": "1", "le": "1", "ne": "1",
           "z": "3", "sf": "0.5", "tolerance": "3", "limit": "1", "offset": "0", "mask": "1", "max_interval": "60",
           "seed": "1", "groupNum1": "0", "groupNumN": "1", "tz": '"UTC"'}
# The second argument rollup() and its kin take since VictoriaMetrics 1.79 (v1.79.5's rollup.go: one only)
SECOND_SINCE_1_79 = {"rollup", "rollup_candlestick", "rollup_delta", "rollup_deriv", "rollup_increase", "rollup_rate",
                     "rollup_scrape_interval"}


def _listed(takes: Takes) -> list[str]:
    """A right argument for each parameter the table lists (`…` left out)."""
    parameters = re.split(r",\s*(?![^()]*\))", takes.parameters) if takes.parameters else []
    return [('("min_over_time", "max_over_time")' if p.startswith("(") else p if p.startswith('"') else EXAMPLE[p])
            for p in parameters if p != "..."]


def _right(takes: Takes) -> list[list[str]]:
    listed = _listed(takes)
    return [listed[:n] for n in (sorted({takes.least, takes.most}) if takes.most is not None else [len(listed)])]


def _wrong(takes: Takes) -> list[list[str]]:
    listed = _listed(takes)
    wrong = [listed[:takes.least - 1]] if takes.least else []
    if takes.most is not None:
        wrong.append(listed[:takes.most] + ["1"])
    if takes.paired:
        wrong.append(listed[:takes.least + 1])
    return wrong


# (function, call, its count of arguments)
RIGHT = [(name, f"{name}({', '.join(a)})", len(a)) for name, takes in sorted(TAKES.items()) for a in _right(takes)]
WRONG = [(name, f"{name}({', '.join(a)})", len(a)) for name, takes in sorted(TAKES.items()) for a in _wrong(takes)]


def test_the_table_is_every_function_vobs_names_metricsql_and_lists_what_its_counts_say():
    assert set(TAKES) == _FUNCTIONS
    for name, takes in TAKES.items():
        listed = _listed(takes)
        assert takes.most is None or len(listed) == takes.most, name
        assert takes.allows(len(listed)), name
        assert not takes.paired or takes.most is None, name


@pytest.mark.parametrize(("name", "query", "given"), RIGHT, ids=[q for _, q, _ in RIGHT])
def test_a_right_count_is_valid_metricsql(name, query, given):
    assert valid_metricsql(query, _error(query)), query
    assert miscounted_metricsql(query, _error(query)) is None


@pytest.mark.parametrize(("name", "query", "given"), WRONG, ids=[q for _, q, _ in WRONG])
def test_a_wrong_count_is_a_parse_error_naming_the_call_on_every_datasource(name, query, given):
    assert valid_metricsql(query, _error(query)) == ""
    takes = TAKES[name]
    for datasource, backend in (("victoriametrics-metrics-datasource", None), ("prometheus", VM),
                                ("prometheus", None), ("prometheus", PROMETHEUS)):
        [found] = _parse_findings(query, datasource, backend)
        assert found.check == "promql/parse" and found.severity.name == "ERROR", found
        call = query if len(query) <= 80 else f"{query[:80]}…"  # a long call is clipped
        assert found.message.startswith(f"query does not parse: {call} at character 1 gives MetricsQL's {name}() "), found
        assert f"; it takes {takes.said()}: {name}(" in found.message, found.message
        assert "valid MetricsQL" not in found.message and "\n" not in found.message
        assert dict(found.details) == {"function": name, "arguments": given, "character": 1, "query": query}


def test_the_three_of_the_report():
    said = {}
    for query in (f"range_quantile({M})", f'label_set({M}, "a")', "rollup_candlestick()"):
        [found] = _parse_findings(query)
        said[query] = found.message
    assert said[f"range_quantile({M})"] == (
        f"query does not parse: range_quantile({M}) at character 1 gives MetricsQL's range_quantile() 1 argument; "
        "it takes 2 arguments: range_quantile(phi, q) — VictoriaMetrics refuses the query, and Prometheus knows no "
        f"MetricsQL — in: range_quantile({M})")
    assert (f"label_set({M}, \"a\") at character 1 gives MetricsQL's label_set() 2 arguments; it takes an odd number "
            'of arguments (1, then pairs): label_set(q, "label1", "value1", …)') in said[f'label_set({M}, "a")']
    assert ("rollup_candlestick() at character 1 gives MetricsQL's rollup_candlestick() no argument; it takes 1 or 2 "
            'arguments: rollup_candlestick(series_selector[d], "close")') in said["rollup_candlestick()"]
    [on_vm] = _parse_findings("rollup_candlestick()", "victoriametrics-metrics-datasource")
    assert on_vm.message.endswith("— VictoriaMetrics refuses the query — in: rollup_candlestick()")


def test_the_call_is_found_where_it_is_nested_and_the_first_wrong_one_is_named():
    query = f'sum(rate({M})) by (environment) default sum(label_set({M}, "team")) + now(1)'
    at = query.index("label_set(") + 1  # from 1
    [found] = _parse_findings(query, "prometheus", VM)
    assert found.check == "promql/parse"
    assert f'label_set({M}, "team") at character {at} gives' in found.message
    assert (dict(found.details)["character"], dict(found.details)["function"]) == (at, "label_set")


def test_a_query_broken_elsewhere_too_keeps_the_parsers_message():
    for query in (f"range_quantile({M}) +", f"nosuchfn({M}) + range_quantile({M})",
                  f"WITH (x = {M}) (WITH (y = range_quantile(x)) y)"):  # a WITH past the query's start: not read
        for found in _parse_findings(query) + _parse_findings(query, "victoriametrics-metrics-datasource"):
            assert "gives MetricsQL's" not in found.message, found.message


# WITH templates (query, the call named: None when VictoriaMetrics answers it) — each held against Debian's
# VictoriaMetrics 1.79.5 by `test_with_templates_are_victoriametrics_own` below
WITH = [
    (f"WITH (f(a) = range_quantile(0.5, a)) f({M})", None),
    (f"WITH (f(a) = range_quantile(a)) {M}", None),  # a template nothing uses is never expanded
    (f"WITH (range_quantile(a) = a) range_quantile({M})", None),  # a template may take a function's name
    (f"WITH (f(phi, q) = range_quantile(phi, q)) f(0.5, {M})", None),
    (f'WITH (commonFilters = {{environment="dev"}}, f(a) = label_set(a, "x", "y")) '
     f"f(sum(rate({M}{{commonFilters}}[5m])) by (environment))", None),
    (f'WITH (x = 1) WITH (y = x) label_set({M}, "a", "b") + y', None),
    (f"WITH (x = {M}) range_quantile(x)", "range_quantile(x)"),
    (f"WITH (f(a) = range_quantile(a)) f({M})", "range_quantile(a)"),
    (f"WITH (f(x) = rate(x[5m]), x = range_quantile({M})) f({M})", None),  # f's parameter x, not the template x
    (f'WITH (x = {M}, y = label_set(x, "a")) y + 1', 'label_set(x, "a")'),  # used through another template
    (f"WITH (f(a) = a) WITH (g(b) = f(rollup_candlestick())) g({M})", "rollup_candlestick()"),
    (f"WITH (f(a) = RANGE_QUANTILE(a)) f({M})", "RANGE_QUANTILE(a)"),  # MetricsQL's names: any case
    (f'WITH (ab = (0.5, {M})) range_quantile(ab)', "range_quantile(ab)"),  # a template is one argument
]


@pytest.mark.parametrize(("query", "call"), WITH, ids=[q for q, _ in WITH])
def test_a_wrong_count_a_with_template_runs_is_named_and_a_right_one_is_valid(query, call):
    [found] = _parse_findings(query, "victoriametrics-metrics-datasource")
    if call is None:
        assert found.check == "promql/metricsql" and "WITH templates" in found.message, found
        return
    assert found.check == "promql/parse" and found.severity.name == "ERROR", found
    at = query.index(call) + 1
    assert found.message.startswith(f"query does not parse: {call} at character {at} gives MetricsQL's "), found.message
    assert dict(found.details)["character"] == at


def test_validate_says_where_and_carries_the_details_in_json(tmp_path):
    """The CLI end to end: the file's line and column of the query, its refId, and the call in it."""
    query = f'sum(label_set({M}, "team")) by (environment)'
    (tmp_path / "d.json").write_text(json.dumps({"uid": "u", "title": "t", "panels": [
        {"id": 1, "title": "p", "type": "timeseries", "datasource": {"type": "victoriametrics-metrics-datasource", "uid": "v"},
         "targets": [{"refId": "A", "expr": query}]}]}, indent=2))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.output
    [found] = [f for f in json.loads(result.stdout)["findings"] if f["check"].startswith("promql/")]
    assert found["check"] == "promql/parse" and found["location"]["target"] == "A" and found["location"]["line"] > 1
    assert found["details"] == {"function": "label_set", "arguments": 2, "character": 5, "query": query}
    text = CliRunner().invoke(cli, ["validate", str(tmp_path)]).stdout
    assert f'label_set({M}, "team") at character 5 gives MetricsQL\'s label_set() 2 arguments' in text


@pytest.fixture(scope="module")
def victoria():
    with VictoriaMetricsServer() as server:
        yield server


def test_every_row_is_victoriametrics_own(victoria):
    """For each function, each count from none to two past the most it takes (the least + 4 where it
    takes as many as given): VictoriaMetrics refuses the call for its count (in its own words) exactly
    where the table says the count is wrong — the arguments past the listed ones repeat the last, so a
    right count may still be refused for an argument's type, never for the count —, and answers the
    right calls the tests above hold valid; but where 1.79 cannot say (the module's docstring)."""
    unknown = {name for name, query, _ in RIGHT if name in NEWER and "unknown func" in _answer(victoria.url, query)[1]}
    assert len(unknown) > 20 and len(TAKES) - len(unknown) > 100  # what 1.79 cannot say, and what it can
    disagree, refused = [], []
    for name, takes in sorted(TAKES.items()):
        if name in unknown:
            continue
        listed = _listed(takes)
        for count in range((takes.least + 2 if takes.most is None else takes.most) + 3):
            if name in SECOND_SINCE_1_79 and count == 2:
                continue
            arguments = listed[:count] + [listed[-1] if listed else "1"] * (count - len(listed))
            query = f"{name}({', '.join(arguments)})"
            status, error = _answer(victoria.url, query)
            said = re.sub(r'"(?:[^"\\]|\\.)*"', '""', error)  # its own words, not the query it quotes
            if (status == 422 and bool(_COUNTED.search(said))) == takes.allows(count):
                disagree.append(f"{query} ({'allowed' if takes.allows(count) else 'refused'} here): {status} {error}")
    for name, query, count in RIGHT:
        if name in unknown or (name in SECOND_SINCE_1_79 and count == 2):
            continue
        status, error = _answer(victoria.url, query)
        if status != 200:
            refused.append(f"{query}: {status} {error}")
    assert not disagree, "VictoriaMetrics counts otherwise:\n" + "\n".join(disagree)
    assert not refused, "VictoriaMetrics refused a right call:\n" + "\n".join(refused)


def test_with_templates_are_victoriametrics_own(victoria):
    said = {query: _answer(victoria.url, query) for query, _ in WITH}
    assert [q for q, call in WITH if (said[q][0] == 200) != (call is None)] == [], said
    for query, call in WITH:
        assert call is None or _COUNTED.search(said[query][1].replace(query, "")), said[query]


# A WITH template called with a count other than its parameters' (query, the call named, what VictoriaMetrics says:
# None when it answers the query) — each held against Debian's VictoriaMetrics 1.79.5, in its own words, below
TEMPLATE_COUNTS = [
    (f"WITH (f(a) = a) f({M}, {M})", f"f({M}, {M})", 'invalid number of args for "f"; got 2; want 1'),
    (f"WITH (f(a, b) = a + b) f({M})", f"f({M})", 'invalid number of args for "f"; got 1; want 2'),
    ("WITH (f(a) = a) f()", "f()", 'invalid number of args for "f"; got 0; want 1'),
    (f"WITH (x = {M}) x(1)", "x(1)", 'invalid number of args for "x"; got 1; want 0'),  # a template of none
    (f"WITH (f(a) = a) sum(f({M}, 1)) by (environment)", f"f({M}, 1)", 'invalid number of args for "f"; got 2; want 1'),
    ('WITH (f(a) = a) f("a", "b")', 'f("a", "b")', 'invalid number of args for "f"; got 2; want 1'),
    (f"WITH (f(a) = a, g(b) = f(b, b)) g({M})", "f(b, b)", 'invalid number of args for "f"; got 2; want 1'),
    (f"WITH (g(f) = f(1)) g({M})", "f(1)", 'invalid number of args for "f"; got 1; want 0'),  # g's parameter f
    (f"WITH (f(a) = a, g(f) = f(1, 2)) g({M})", "f(1, 2)", 'invalid number of args for "f"; got 2; want 0'),
    ("WITH (f(a) = a) f(f(1, 2), 3)", "f(1, 2)", 'invalid number of args for "f"; got 2; want 1'),  # innermost first
    (f"WITH (f(a) = a, h(b) = b) f({M}) + h(1, 2)", "h(1, 2)", 'invalid number of args for "h"; got 2; want 1'),
    ("WITH (f(a) = a) WITH (g(b) = f()) g(1)", "f()", 'invalid number of args for "f"; got 0; want 1'),
    (f'WITH (alias(a) = a) alias({M}, "x")', f'alias({M}, "x")', 'invalid number of args for "alias"; got 2; want 1'),
    # the template's count is checked as VictoriaMetrics expands it, before the function's its body runs
    (f"WITH (f(a) = range_quantile(a)) f({M}, 1)", f"f({M}, 1)", 'invalid number of args for "f"; got 2; want 1'),
    (f"WITH (f(a) = a, g(b) = f(b, b)) {M}", None, None),  # a template nothing uses is never expanded
    (f"WITH (f() = {M}) f()", None, None),
    (f"WITH (f(a) = a) f({M},)", None, None),  # a trailing comma
    (f"WITH (f(a) = a) f(({M}, {M}))", None, None),  # a union is one argument
    ("WITH (f(a) = a) sum(f) by (f)", None, None),  # a name, not a call: a metric's
]


@pytest.mark.parametrize(("query", "call", "said"), TEMPLATE_COUNTS, ids=[q for q, _, _ in TEMPLATE_COUNTS])
def test_a_template_called_with_another_count_is_an_error_saying_what_victoriametrics_says(query, call, said):
    for datasource, backend in (("victoriametrics-metrics-datasource", None), ("prometheus", VM),
                                ("prometheus", None), ("prometheus", PROMETHEUS)):
        [found] = _parse_findings(query, datasource, backend)
        if call is None:
            assert found.check in ("promql/metricsql", "promql/parse") and "WITH templates" in found.message, found
            assert "gives MetricsQL's" not in found.message and " calls " not in found.message, found
            continue
        assert found.check == "promql/parse" and found.severity.name == "ERROR", found
        at = query.index(call) + 1
        assert found.message.startswith(f"query does not parse: {call} at character {at} calls "), found.message
        assert f"(VictoriaMetrics: {said})" in found.message and "valid MetricsQL" not in found.message
        assert dict(found.details) == {"function": said.split('"')[1], "arguments": int(said.split("got ")[1][0]),
                                       "character": at, "query": query}


def test_validate_says_where_a_template_is_miscounted(tmp_path):
    """The CLI end to end: the file's line, the refId, the call's character, VictoriaMetrics' own words."""
    query = f'sum(f({M}, "x")) by (environment)'
    (tmp_path / "d.json").write_text(json.dumps({"uid": "u", "title": "t", "panels": [
        {"id": 1, "title": "p", "type": "timeseries", "datasource": {"type": "victoriametrics-metrics-datasource", "uid": "v"},
         "targets": [{"refId": "B", "expr": f"WITH (f(a) = a) {query}"}]}]}, indent=2))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.output
    [found] = [f for f in json.loads(result.stdout)["findings"] if f["check"].startswith("promql/")]
    assert found["check"] == "promql/parse" and found["location"]["target"] == "B" and found["location"]["line"] > 1
    assert found["details"] == {"function": "f", "arguments": 2, "character": 21, "query": f"WITH (f(a) = a) {query}"}
    text = CliRunner().invoke(cli, ["validate", str(tmp_path)]).stdout
    assert (f'f({M}, "x") at character 21 calls the WITH template f(a) with 2 arguments; it takes 1 argument '
            '(VictoriaMetrics: invalid number of args for "f"; got 2; want 1)') in text


def test_template_counts_are_victoriametrics_own(victoria):
    for query, call, said in TEMPLATE_COUNTS:
        status, error = _answer(victoria.url, query)
        if said is None:
            assert status == 200, (query, status, error)
        else:
            assert status == 422 and error.endswith(f"cannot expand WITH expressions: {said}"), (query, status, error)


# VictoriaMetrics' words for a count it does not take (transform.go, rollup.go, aggr.go, eval.go, metricsql's
# templates); a wrong type of argument is said otherwise ("arg #2 must contain a single timeseries")
_COUNTED = re.compile(r"number of (?:string )?args|not enough args|too many args|expecting at least (?:one|\d+) args?")


PIECES = st.sampled_from(sorted(TAKES) + ["(", ")", ",", ", ", '"a"', "'", '"', "`", "[5m]", " by (a) ", M, "1", "0.5",
                                          " keep_metric_names", "WITH (x = ", " = ", " + ", "{", "}", "\\", " default 0",
                                          " offset 5m", "sum", "rate", "#", "\n", "\x00", "label_set(", "now()"])


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=40).map("".join)), st.integers(-3, 10**6))
def test_the_arity_judge_never_raises_on_any_text(text, count):
    error = _error(text) or ""
    found = miscounted_metricsql(text, error)
    if found is not None:
        assert found.function.lower() in TAKES and not found.takes.allows(found.given)
        assert text[found.at - 1:].startswith(found.call) and found.call in found.said(shown=len(text))
    for name in (text, text[:30], *sorted(TAKES)[:3]):
        takes = miscount(name, count)
        assert takes is None or isinstance(takes.said(), str)
