"""vobs' PromQL parse check agrees with Prometheus' own parser: no false `promql/parse` errors.

A query vobs refuses is an error finding that fails CI; if Prometheus accepts that query, the
finding is false and the gate is wrong. Generated queries — selectors with every matcher kind,
functions, aggregations with `by`/`without` and parameters, binary operators with `bool`,
`on`/`ignoring` and `group_left`, offsets, `@`, ranges and subqueries, number and string
literals in their several spellings, comments — are sent to Debian's Prometheus (2.42) as
instant queries and parsed by vobs (`extract`). Prometheus answers a query it cannot parse with
400 `bad_data`; anything else (an answer, an execution error) means it parsed.

Checked both ways. Nothing Prometheus parses may be refused by vobs: that direction found
promql-parser reading escapes inside backquoted strings (`` {code=~`5\\d\\d`} `` was a false
error; `promql_text.parse_promql` now hands it raw strings double-quoted), and knowing Prometheus 2's
`holt_winters()` by Prometheus 3's name only (now handed to it as `double_exponential_smoothing()`). The other way, vobs passes
two kinds of query Prometheus 2.42 refuses, listed in `NOT_CAUGHT` by Prometheus' own message and
in the README: a duration without a unit (`x[5]`, `offset 5`), and a scalar where a function
takes an instant vector (`ln(1)`). The panel then shows Prometheus' error; any other query that
Prometheus refuses and vobs passes fails this test.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_harness import PrometheusServer

from vertice_obs.metrics.extract import extract
from vertice_obs.metrics.promql_text import ParseError


@pytest.fixture(scope="module")
def server():
    prometheus = PrometheusServer()
    try:
        prometheus.start()
        yield prometheus
    finally:
        prometheus.stop()


def prometheus_refuses(url: str, query: str) -> str | None:
    """Prometheus' parse error for `query`, or None when it parses. A subquery of more than a year is
    parsed by promtool, not evaluated by the server: `histogram_quantile(0.5, up)[292y:]` parses, and
    then its scalar argument alone, evaluated at each of 153 million steps, is more memory than the
    machine has — Prometheus 2.42 dies of it (`fatal error: runtime: out of memory`), and every later
    example failed as "connection refused" (a flaky run, whichever example the generator drew first)."""
    if _LONG_SUBQUERY.search(query) and any(_seconds(d) > _YEAR for d in _LONG_SUBQUERY.findall(query)):
        return promtool_refuses(query)
    return server_refuses(url, query)


def server_refuses(url: str, query: str) -> str | None:
    """The server's parse error for `query` (an instant query), or None when it parses."""
    # a short evaluation timeout: `x[1y:1ms]` parses, then would be evaluated for minutes (503: parsed)
    answer = requests.post(f"{url}/api/v1/query", data={"query": query, "time": "1700000000", "timeout": "1s"},
                           timeout=30)
    if answer.status_code == 400:
        body = answer.json()
        assert body.get("errorType") == "bad_data", body
        return body["error"]
    assert answer.status_code in (200, 422, 503), (answer.status_code, answer.text[:300])
    return None


_LONG_SUBQUERY = re.compile(r"\[\s*([0-9][0-9a-zA-Z_.]*)\s*:")  # a subquery's range (and a few spellings it is not)
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_YEAR = 365 * 86400


def _seconds(duration: str) -> float:
    """A duration's seconds, as far as it reads as one (`1h30m`, `292y`, `5`); anything else is 0."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|[smhdwy])?", duration)
    return sum(float(n) * _UNIT.get(u or "s", 0) for n, u in parts)


def promtool_refuses(query: str) -> str | None:
    """Prometheus' parser's error for `query` without evaluating it: `promtool check rules` on a rule
    of that expression (its parser is the server's), or None when it parses."""
    import tempfile

    import yaml
    from prometheus_harness import binary

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.yml"
        rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r", "expr": query}]}]}))
        done = subprocess.run([binary("promtool"), "check", "rules", str(rules)], capture_output=True, text=True,
                              timeout=60)
    return None if done.returncode == 0 else (done.stderr or done.stdout).strip()


def vobs_parses(query: str) -> bool:
    try:
        extract(query)
    except ParseError:
        return False
    return True


def vobs_parses_as_validate_reads_it(query: str) -> bool:
    """No `promql/parse` finding where `vobs validate` reads the query (`analysis.query_facts`: one
    parse per query shape, its literals stand-ins), and a tree where its lints parse it."""
    from vertice_obs.finding import Location
    from vertice_obs.metrics.analysis import query_facts
    from vertice_obs.metrics.inventory import Query
    from vertice_obs.metrics.lints import _parse

    facts = query_facts(Query(query, Location("d.json")), {})
    parsed = not any(f.check == "promql/parse" for f in facts.findings)
    assert parsed == (_parse(query) is not None), query
    return parsed


_NAME = st.sampled_from(["up", "http_requests_total", "node_cpu_seconds_total", "job:rate5m", "a_b", "x"])
_LABEL = st.sampled_from(["job", "env", "le", "instance", "_x", "code"])
_STRING = st.one_of(
    st.sampled_from(['"a"', "'a'", "`a`", '""', '"a\\"b"', "'it\\'s'", '"\\x41"', '"\\u00e9"', '"é"', '"\\n"',
                     '"a.*"', '"a|b"', '"\\\\d+"', "`\\d+`", '"\\q"', '"$x"', '"(?i)a"']),
)
_MATCHER = st.builds(lambda label, op, value: f"{label}{op}{value}", _LABEL, st.sampled_from(["=", "!=", "=~", "!~"]),
                     _STRING)
_SELECTOR = st.one_of(
    _NAME,
    st.builds(lambda name, ms, comma: f"{name}{{{', '.join(ms)}{',' if comma and ms else ''}}}", _NAME,
              st.lists(_MATCHER, max_size=3), st.booleans()),
    st.builds(lambda ms: "{" + ", ".join(ms) + "}", st.lists(_MATCHER, min_size=1, max_size=2)),
    st.builds(lambda name: f'{{__name__="{name}"}}', _NAME),
)
_DURATION = st.sampled_from(["5m", "1h", "30s", "1h30m", "2d", "1w", "1y", "500ms", "0s", "1.5h", "5", "-5m", "5M",
                             # trial 15: promql-parser wraps a number from 2^32 on, and passes past int64 ns
                             "4294967296s", "4294967296000ms", "292y", "293y", "106751d", "106752d",
                             "99y9999w9999d", "5000000000ms"])
_NUMBER = st.sampled_from(["1", "0.5", "1e3", "0x1F", "Inf", "-Inf", "NaN", ".5", "5.", "1_000", "+1"])
_RANGE_FN = st.sampled_from(["rate", "irate", "increase", "delta", "avg_over_time", "max_over_time", "changes",
                             "resets", "deriv", "last_over_time", "present_over_time"])
_INSTANT_FN = st.sampled_from(["abs", "ceil", "floor", "exp", "ln", "sqrt", "absent", "sort", "sort_desc", "timestamp",
                               "scalar", "vector"])
_AGG = st.sampled_from(["sum", "avg", "min", "max", "count", "stddev", "group"])


def _modifier(inner: str, offset: str | None, at: str | None) -> str:
    return inner + (f" offset {offset}" if offset else "") + (f" @ {at}" if at else "")


def _expr(children):
    return st.one_of(
        st.builds(lambda fn, sel, d, sub: f"{fn}({sel}[{d}{':' + sub if sub else ''}])", _RANGE_FN, _SELECTOR,
                  _DURATION, st.one_of(st.none(), st.just(""), _DURATION)),
        st.builds(lambda fn, e: f"{fn}({e})", _INSTANT_FN, children),
        st.builds(lambda agg, how, labels, e, before: (f"{agg} {how} ({', '.join(labels)}) ({e})" if before
                                                       else f"{agg}({e}) {how} ({', '.join(labels)})"),
                  _AGG, st.sampled_from(["by", "without"]), st.lists(_LABEL, max_size=2), children, st.booleans()),
        st.builds(lambda agg, n, e: f"{agg}({n}, {e})", st.sampled_from(["topk", "bottomk", "quantile"]), _NUMBER,
                  children),
        st.builds(lambda q, e: f"histogram_quantile({q}, sum by (le) (rate({e}[5m])))", _NUMBER, _SELECTOR),
        st.builds(lambda e, d, sf, tf: f"holt_winters({e}[{d}], {sf}, {tf})", _SELECTOR, _DURATION, _NUMBER, _NUMBER),
        st.builds(lambda e, src: f'label_replace({e}, "dst", "$1", "{src}", "(.*)")', children, _LABEL),
        st.builds(lambda a, op, mod, b: f"{a} {op}{mod} {b}", children,
                  st.sampled_from(["+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or",
                                   "unless", "atan2"]),
                  st.sampled_from(["", " bool", " on (job)", " ignoring (env)", " on (job) group_left",
                                   " ignoring (env) group_right (code)", " on ()"]), children),
        st.builds(lambda e: f"({e})", children),
        st.builds(lambda e: f"-{e}", children),
        st.builds(lambda e, c: f"{e} # {c}\n", children, st.sampled_from(["a comment", "with \"quotes\"", ""])),
        st.builds(lambda e, d: f"({e})[{d}:]", children, _DURATION),
    )


_QUERY = st.recursive(
    st.one_of(_SELECTOR, _NUMBER, _STRING,
              st.builds(_modifier, _SELECTOR, st.one_of(st.none(), _DURATION),
                        st.one_of(st.none(), st.sampled_from(["1700000000", "start()", "end()", "1e9"])))),
    _expr, max_leaves=6)

# What vobs' parser passes and Prometheus 2.42 refuses, by Prometheus' message (README "Parse check").
NOT_CAUGHT = re.compile(r"missing unit character in duration|unexpected number .* expected duration"
                        r"|expected type instant vector in call to function .*, got scalar")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(query=_QUERY)
@example(query='sum by (job) (rate(http_requests_total{job="api"}[5m]))')
@example(query="up offset 5m @ 1700000000")
@example(query='x{a=~"("}')  # an invalid regex: both refuse
@example(query='x{a="\\q"}')  # an invalid escape: both refuse
@example(query='sum(rate(http_requests_total{code=~`5\\d\\d`}[5m]))')  # a raw string: no escapes in it
@example(query="up{job=`a\\`} # `b`\n")
@example(query="sum(rate(up[4294967296000ms]))")  # trial 15: a false "duration must be greater than 0"
@example(query="up offset 4294967296s")
@example(query="max_over_time(up[5m:4294967296s])")
@example(query="sum(rate(up[300y]))")  # trial 15: Prometheus says "duration out of range", vobs passed it
@example(query="up[106752d]")
@example(query='up{a="[300y]"}[292y]')  # in a string: no duration
@example(query="holt_winters(up[5m], 0.5, 0.5)")  # Prometheus 2's name, which promql-parser (0.12) does not know
@example(query='holt_winters (up{a="holt_winters("}[5m:], 0.5, 0.5) # holt_winters(\n')
@example(query='(histogram_quantile(Inf, sum by (le) (rate({_x=~"\\\\d+"}[5m]))))[292y:] # a comment\n')  # killed 2.42
@example(query="(1)[293y:]")  # out of range: promtool refuses it as the server does
@example(query='sum(rate({code=~".*"}[5m]))')  # no name, every matcher matches "": the shape path passed it
@example(query='up or {job=""}')
def test_vobs_refuses_what_prometheus_refuses_and_nothing_it_parses(server, query):
    error, ours = prometheus_refuses(server.url, query), vobs_parses(query)
    # the same verdict where a validation reads the query: through its shape, and as the lints parse it
    assert vobs_parses_as_validate_reads_it(query) == ours, query
    if error is None:
        assert ours, f"Prometheus parses {query!r}; vobs would report a false promql/parse error"
    elif ours:
        assert NOT_CAUGHT.search(error), f"Prometheus refuses {query!r} ({error}); vobs passes it"


@pytest.mark.parametrize("quote", ['"', "'", "`"])
@pytest.mark.parametrize("fmt", ["", ":regex", ":pipe", ":csv", ":raw", ":glob", ":json", ":doublequote",
                                 ":singlequote", ":sqlstring", ":text"])
@pytest.mark.parametrize("values", [("10.0.0.1",), ("/api/v1", "a|b"), ('say "hi"', "it's")])
def test_an_interpolated_query_parses_as_prometheus_parses_grafanas_text(server, quote, fmt, values):
    """What Grafana sends is what vobs parses. An explicit format's text is inserted as it is, not
    escaped for the string around it (grafana/grafana#40634, #59251): `"${ip:regex}"` with
    `10.0.0.1` is `"10\\.0\\.0\\.1"`, which Prometheus refuses (unknown escape sequence) — vobs
    must refuse it too, and pass the same variable in backquotes. Each interpolated text is sent
    to the real Prometheus, which decides."""
    from vertice_obs.metrics.interpolate import Variable, interpolate
    from vertice_obs.metrics.promql_text import ParseError as Refused

    variables = {"v": Variable("v", values, escaped=len(values) > 1)}
    text = interpolate(f"up{{instance=~{quote}${{v{fmt}}}{quote}}}", variables).text
    refused = prometheus_refuses(server.url, text)
    try:
        extract(text)
        vobs_refused = False
    except Refused:
        vobs_refused = True
    assert vobs_refused == (refused is not None), (text, refused)
    if fmt == ":regex" and quote == '"' and values == ("10.0.0.1",):  # the case users meet
        assert refused is not None and "escape" in refused, (text, refused)


@pytest.mark.parametrize("query", [
    # a GPU-fleet panel (shape of one shipped in a PyPI package): a few operators, 100+ matchers
    " + ".join(f'count(gpu_util{{host!="h{i}", gpu!~"g{i}.*", job=~"dcgm|nv", env!="dev"}})' for i in range(60)),
    "x{" + ", ".join(f'l{i}!~"v"' for i in range(300)) + "}",
], ids=["gpu-fleet", "300-matchers"])
def test_many_matchers_are_not_many_operators(server, query):
    """The shape guard counted `!=`, `=~`, `!~` inside selectors as operators, so a query with
    more than ~128 matchers was a false `promql/parse` error (and blocked publish). Prometheus decides."""
    assert prometheus_refuses(server.url, query) is None
    assert vobs_parses(query)


@pytest.mark.parametrize("query", ["up[1y:]", "up[293y:]", "sum(up)[106752d:1h]", 'x{a=~"("}', "sum(up",
                                   "up offset 106752d", 'x{a="\\q"}', "holt_winters(up[5m], 0.5, 0.5)",
                                   "rate(up[5m])[30d:1m]", "up # comment\n"])
def test_promtool_parses_as_the_server_parses(server, query):
    """The oracle for a long subquery is promtool: it must refuse exactly what the server refuses."""
    assert (promtool_refuses(query) is None) == (server_refuses(server.url, query) is None), query
