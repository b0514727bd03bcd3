"""holt_winters(): Prometheus 2's double exponential smoothing, `double_exponential_smoothing()` in 3.0.

Prometheus 3.0 renamed the function (experimental there, behind
`--enable-feature=promql-experimental-functions`) and removed the old name; promql-parser (0.12)
knows the new name only, so `vobs validate` said `promql/parse` error on a query Debian's Prometheus
2.42 runs. vobs reads each call of the old name as the new one (`promql_text.parse_promql`), judges
the query like any other, and says what the name means for where it runs:
`promql/holt-winters-removed` (a warning; information where the query reaches a VictoriaMetrics,
which knows the old name only) and `promql/double-exponential-smoothing-unknown` (an error where the
query reaches a VictoriaMetrics, which refuses the new name). Every verdict is held against the real
servers: what Debian's Prometheus 2.42 and VictoriaMetrics 1.79 answer.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_harness import PrometheusServer, StaticExporter
from victoria_harness import VictoriaMetricsServer

from vertice_obs.cli import cli
from vertice_obs.metrics.extract import extract
from vertice_obs.metrics.promql_text import ParseError

REMOVED, UNKNOWN = "promql/holt-winters-removed", "promql/double-exponential-smoothing-unknown"
M = "vobs_hw_level"
SELECTED = f'{M}{{env="prod"}}'
# (query, does Prometheus 2.42 parse it): the old name as Prometheus reads it, in strings, comments,
# as a metric's and a label's name; and broken calls, which vobs refuses naming them as written
PARSES = [
    (f"holt_winters({M}[5m], 0.5, 0.5)", True),
    (f"holt_winters ({M}[5m], 0.3, 0.1) + holt_winters(\n{M}[10m:1m], 0.5, 0.5)", True),
    (f'sum by (env) (holt_winters({M}{{env="holt_winters(x"}}[5m], 0.5, 0.5))', True),
    (f"holt_winters({M}{{env=`holt_winters(`}}[5m], 0.5, 0.5)", True),
    (f"holt_winters({M}[5m], 0.5, 0.5) # holt_winters(\n", True),
    (f'holt_winters{{env="a"}} + sum by (holt_winters) ({M}{{holt_winters="x"}})', True),
    (f"holt_winters({M}[5m], 0.5)", False),
    (f"holt_winters({M}, 0.5, 0.5)", False),
    (f'holt_winters({M}[5m], "a", 0.5)', False),
    (f"holt_winters({M}[5m], 0.5, 0.5) + sum(", False),
    (f"HOLT_WINTERS({M}[5m], 0.5, 0.5)", False),
    (f"my_holt_winters({M}[5m], 0.5, 0.5)", False),
]


@pytest.fixture(scope="module")
def servers():
    """Both servers scraping one exporter: `vobs_hw_level` in env prod, for the No data checks."""
    exporter = StaticExporter(f'{M}{{env="prod"}} 1\n'.encode())
    try:
        with PrometheusServer([exporter.target]) as prometheus, VictoriaMetricsServer([exporter.target]) as victoria:
            for server in (prometheus, victoria):
                server.wait_for(f"count_over_time({M}[5m]) > 1")
            yield {"Prometheus": prometheus, "VictoriaMetrics": victoria}
    finally:
        exporter.stop()


def _answer(url: str, query: str) -> tuple[int, dict]:
    answer = requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=10)
    return answer.status_code, answer.json()


def test_vobs_parses_what_prometheus_parses(servers):
    """The table, each query sent to Prometheus 2.42: what it parses vobs parses (strings read as written:
    the rename never reaches a matcher's value); what it refuses vobs refuses, naming the call Prometheus
    names — as written, never by the name vobs hands the parser."""
    wrong = []
    for query, parses in PARSES:
        status, body = _answer(servers["Prometheus"].url, query)
        assert (status != 400) == parses, (query, body)  # the table says what Prometheus 2.42 does
        try:
            refs, refused = extract(query), None
        except ParseError as exc:
            refs, refused = (), str(exc)
        if (refused is None) != parses:
            wrong.append(f"{query!r}: Prometheus {'parses' if parses else 'refuses'} it; vobs: {refused or 'parses'}")
        for name in re.findall(r'"(\w*holt_winters\w*)"', body.get("error", ""), re.I):  # the call Prometheus names
            if f"'{name}'" not in refused or "double_exponential_smoothing" in refused:
                wrong.append(f"{query!r}: vobs says {refused!r}; Prometheus {body['error']!r}")
        wrong += [f"{query!r}: matcher {m}" for ref in refs for m in ref.matchers
                  if m.value not in ("holt_winters(x", "holt_winters(", "a", "x")]
    assert not wrong, "\n".join(wrong)


def _layout(queries, kinds=None, indent: int | None = 2) -> str:
    kinds = kinds or ["prometheus"] * len(queries)
    return json.dumps({"uid": "hw", "title": "hw", "panels": [
        {"id": i + 1, "title": f"p{i}", "type": "timeseries", "datasource": {"type": kind, "uid": "ds"},
         "targets": [{"refId": "A", "expr": q}]} for i, (q, kind) in enumerate(zip(queries, kinds))]}, indent=indent)


def _place(text: str, query: str, after: int = 0) -> tuple[int, int]:
    """The line and column (1-based) of `query`'s JSON string in `text`: where a finding about it stands."""
    at = text.index(json.dumps(query), after)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _validate(folder, text: str, *options: str) -> tuple[int, list[dict]]:
    (folder / "d.json").write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(folder), "--format", "json", *options])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


CHECKED = [  # (query, what a real server answers for it as No data checks see it)
    f"holt_winters({SELECTED}[5m], 0.5, 0.5)",  # series
    f'holt_winters({M}{{env="dev"}}[5m], 0.5, 0.5)',  # none: no env dev
    f"holt_winters({SELECTED}[5m], 0.5, 0.5) + vobs_hw_never_total",  # none: after the call, a missing metric
    f'sum by (env) (holt_winters({M}{{env="prod"}}[5m],\n  0.5, 0.5)) * on (env) group_left {M}{{env="qa"}}',  # none
]


@pytest.mark.parametrize("backend", ["Prometheus", "VictoriaMetrics"])
def test_checked_against_the_real_server_like_any_query(servers, backend, tmp_path):
    """No parse error where the server runs the query (each holt_winters query here: both answer it); the
    No data checks judge it — a finding exactly where the server answers nothing, each at its query's
    place —; the name's finding on each; the new name, which both refuse, an error on VictoriaMetrics."""
    server = servers[backend]
    queries = [*CHECKED, f"double_exponential_smoothing({SELECTED}[5m], 0.5, 0.5)"]
    text = _layout(queries)
    _, found = _validate(tmp_path, text, "--prometheus-url", server.url, "--fail-on", "info")
    assert not [f for f in found if f["check"] == "promql/parse"], found
    no_data = {"metric/missing", "metric/no-matching-series", "metric/label-missing"}
    for i, query in enumerate(CHECKED):
        status, body = _answer(server.url, query)
        assert status == 200, body
        empty = not body["data"]["result"]
        mine = [f for f in found if f["location"].get("panel") == f"p{i}" and f["location"].get("target") == "A"]
        assert any(f["check"] in no_data for f in mine) == empty, (backend, query, mine)
        line, column = _place(text, query)
        assert {(f["location"]["line"], f["location"]["column"]) for f in mine} == {(line, column)}, mine
        [removed] = [f for f in mine if f["check"] == REMOVED]
        if backend == "Prometheus":
            assert removed["severity"] == "warning", removed
            assert f"holt_winters() was removed in Prometheus 3.0: Prometheus at {server.url} runs it if it is a " \
                   "Prometheus 2 (vobs does not ask its version)" in removed["message"]
            assert "write double_exponential_smoothing() with the same arguments (experimental, behind " \
                   "--enable-feature=promql-experimental-functions)" in removed["message"]
        else:
            assert removed["severity"] == "info", removed
            assert f"holt_winters() runs on VictoriaMetrics at {server.url}, which knows this name only" \
                   in removed["message"]
    status, body = _answer(server.url, queries[-1])
    unknown = [f for f in found if f["check"] == UNKNOWN]
    if backend == "VictoriaMetrics":  # it refuses the new name: said, at its place
        assert status == 422 and "unknown func" in body["error"], body
        [said] = unknown
        assert said["severity"] == "error" and (said["location"]["line"], said["location"]["column"]) == _place(
            text, queries[-1]), said
    else:  # Prometheus 2.42 refuses it too, but a Prometheus 3 with experimental functions runs it, and vobs
        assert status == 400 and "unknown function" in body["error"], body  # does not ask: nothing said
        assert unknown == [], unknown


def test_offline_a_warning_and_on_a_victoriametrics_datasource_the_two_names_swap(tmp_path):
    query = f"holt_winters({SELECTED}[5m], 0.5, 0.5)"
    new = query.replace("holt_winters", "double_exponential_smoothing")
    kinds = ["prometheus", "prometheus", "victoriametrics-metrics-datasource", "victoriametrics-metrics-datasource"]
    _, found = _validate(tmp_path, _layout([query, new, query, new], kinds), "--offline", "--fail-on", "info")
    said = sorted((f["location"]["panel"], f["check"], f["severity"]) for f in found if f["check"] in (REMOVED, UNKNOWN))
    assert said == [("p0", REMOVED, "warning"), ("p2", REMOVED, "info"), ("p3", UNKNOWN, "error")], said
    [offline] = [f for f in found if f["check"] == REMOVED and f["location"]["panel"] == "p0"]
    assert "Prometheus 2 and VictoriaMetrics run it, a Prometheus 3 refuses the query" in offline["message"]
    assert not [f for f in found if f["check"] == "promql/parse"], found


_BEFORE = st.sampled_from(["", "rate(vobs_hw_a_total[5m]) + ", 'vobs_hw_b{env="holt_winters("} * ',
                           "sum by (env) (vobs_hw_c) / ", "# holt_winters(\n"])
_AFTER = st.sampled_from(["", " + vobs_hw_d", ' > on (env) group_left vobs_hw_e{env!="holt_winters("}',
                          " + rate(vobs_hw_f_total[5m])", " # note\n"])
_CALL = st.builds(lambda space, sel, rng: f"holt_winters{space}({sel}[{rng}], 0.5, 0.5)",
                  st.sampled_from(["", " ", "\n  "]), st.sampled_from(["vobs_hw_g", 'vobs_hw_h{env="a"}']),
                  st.sampled_from(["5m", "1h:1m"]))
_QUERY = st.builds(lambda before, call, after: before + call + after, _BEFORE, _CALL, _AFTER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(st.one_of(_QUERY, st.just("vobs_hw_plain")), min_size=1, max_size=4),
       indent=st.sampled_from([None, 1, 4]))
def test_findings_stand_where_they_stood_with_the_new_name(tmp_path_factory, queries, indent):
    """The same dashboard, every call written with the new name (which the parser reads as it is): the
    same findings, with the same words; only the name's own finding differs. And each finding about a
    query stands at its query's place in the file: the line and column of its expression's text."""
    folder = tmp_path_factory.mktemp("hw")
    renamed = [re.sub(r"(?<![\w:])holt_winters(?=\s*\()", "double_exponential_smoothing", q) for q in queries]
    text = _layout(queries, indent=indent)

    def said(text):
        _, found = _validate(folder, text, "--offline", "--fail-on", "info")
        return [f for f in found if f["check"] not in (REMOVED, UNKNOWN)]

    def words(found):
        return [(f["check"], f["severity"], f["location"].get("panel"), f["location"].get("target"), f["message"])
                for f in found]

    ours = said(text)
    assert not [f for f in ours if f["check"] == "promql/parse"], ours
    assert words(ours) == words(said(_layout(renamed, indent=indent)))
    after = 0
    for i, query in enumerate(queries):
        place = _place(text, query, after)
        after = text.index(json.dumps(query), after) + 1
        about = [f for f in ours if f["location"].get("panel") == f"p{i}" and f["location"].get("target") == "A"]
        assert about and {(f["location"]["line"], f["location"]["column"]) for f in about} == {place}, about
