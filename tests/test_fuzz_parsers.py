"""Property-based fuzzing of the file-input entry points (issue 9): whatever the bytes, the YAML
loader, the dashboard JSON inventory and the PromQL guard + extraction end in a result, a finding
or one of vobs' own errors — never another exception, never a crash or a hang.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.errors import InputError
from vertice_obs.finding import Location
from vertice_obs.jsonpos import Positions
from vertice_obs.located_yaml import parse_located
from vertice_obs.metrics.extract import extract, uses_of
from vertice_obs.metrics.inventory import Query, inventory, sanitize
from vertice_obs.metrics.promql_text import MAX_NESTING, ParseError, check_query_shape
from vertice_obs.metrics.validation import DashboardFile, collect

FAST = settings(max_examples=300, deadline=None, database=None,  # writes nothing into the repository
                suppress_health_check=[HealthCheck.too_slow])

# --- YAML -----------------------------------------------------------------------------------------

YAML_PIECES = st.sampled_from(["a", ": ", "- ", "&x ", "*x", "[", "]", "{", "}", ",", "\n", "  ", "<<: ", "!!int ",
                               "!!python/object ", "'", '"', "#", "? ", "|", ">", "9" * 50, ".nan", "2024-13-45",
                               "\t", "\x1b", "\ufeff", "---\n", "..."])


@FAST
@given(st.one_of(st.text(max_size=300), st.lists(YAML_PIECES, max_size=60).map("".join)))
def test_yaml_loader_raises_only_input_error(text):
    try:
        doc = parse_located(text, "f.yaml")
    except InputError as exc:
        assert exc.file == "f.yaml"
        return
    assert doc.line(()) >= 1


@pytest.mark.parametrize("depth", [9, 12])
def test_an_alias_bomb_is_refused_quickly_with_a_location(depth):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth)]
    started = time.monotonic()
    with pytest.raises(InputError) as error:
        parse_located("\n".join(lines) + "\n", "bomb.yaml")
    assert time.monotonic() - started < 1.0
    assert str(error.value).startswith("bomb.yaml:") and "alias bomb" in str(error.value)


def test_a_large_document_without_aliases_is_refused_without_calling_it_a_bomb():
    """100,000 plain values are refused as too many, not as "an alias bomb?" (a new-user trial)."""
    text = "steps: [" + ",".join(["1s"] * 100_001) + "]\n"
    with pytest.raises(InputError) as error:
        parse_located(text, "big.yaml")
    assert "more than 100,000 values: refused" in str(error.value) and "alias" not in str(error.value)


# --- dashboard JSON ---------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["up", "sum(rate(x[5m]))", "$datasource", "-- Mixed --", "row", "query", "prometheus"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["panels", "targets", "expr", "rows", "templating", "list", "annotations", "type", "uid",
                         "title", "id", "datasource", "refId", "query", "name", "current", "options", "value",
                         "libraryPanel", "target", "hide", "allValue", "tags"]) | st.text(max_size=5),
        children, max_size=6),
    max_leaves=40)


@FAST
@given(st.dictionaries(st.sampled_from(["uid", "title", "panels", "rows", "templating", "annotations", "tags"]),
                       JSON_VALUES, max_size=6))
def test_inventory_and_collect_never_raise_on_any_shape(model):
    queries, findings = inventory(model, "x.json")
    assert all(isinstance(q.expr, str) for q in queries)
    clean, invalid = sanitize(model, "x.json")
    assert all(f.check == "inventory/invalid" for f in invalid)
    text = json.dumps(model)
    collected = collect([DashboardFile("x.json", model, text)])
    positions = Positions(text)
    for f in collected.findings:  # every finding names its file, a JSON path that exists in it, and its place
        assert f.location.file == "x.json"
        path = dict(f.details).get("json_path")
        if path:
            assert positions.value(path) is not None, path
            assert (f.location.line, f.location.column) == positions.value(path), (path, f.location)


@FAST
@given(JSON_VALUES, JSON_VALUES, st.sampled_from(["u", "other"]), st.booleans())
def test_library_panels_an_export_carries_are_read_whatever_their_shape(library, stub, key, nested):
    """`__elements.<uid>.model` of any shape (an export's library panels, trial 6): the inventory and
    every lint end without raising, and each finding of the inventory is at a JSON path the file has."""
    from vertice_obs.metrics.lints import lint

    panel = {**(stub if isinstance(stub, dict) else {}), "id": 1, "libraryPanel": {"uid": "u", "name": "L"}}
    panel.pop("targets", None)
    panels = [{"id": 9, "type": "row", "panels": [panel]}] if nested else [panel]
    model = {"uid": "x", "__elements": {key: {"uid": "u", "model": library}}, "panels": panels}
    text = json.dumps(model, indent=1)
    dashboard = DashboardFile("x.json", model, text)
    positions = Positions(text)
    for f in collect([dashboard]).findings:
        path = dict(f.details).get("json_path")
        if path:
            assert (f.location.line, f.location.column) == positions.value(path), (path, f.location)
    for f in lint([dashboard]):
        assert f.location.file == "x.json"


@FAST
@given(JSON_VALUES)
def test_sanitize_takes_any_json_value(value):
    clean, invalid = sanitize(value, "x.json")
    assert isinstance(clean, dict)
    if not isinstance(value, dict):
        assert [f.check for f in invalid] == ["inventory/invalid"]


# --- PromQL ---------------------------------------------------------------------------------------

PROMQL_PIECES = st.sampled_from(["(", ")", "[", "]", "{", "}", "sum", "rate", "x", "up", " or ", " and ", " unless ",
                                 "+", "-", "*", "/", "^", "==", "!=", "=~", '"', "'", "`", "\\", "5m", ":", "by",
                                 "offset", "@", "#", "\n", "1e308", "$var", "${a:regex}", "[[x]]", ",", "__name__"])


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(PROMQL_PIECES, max_size=80).map("".join)))
def test_promql_guard_and_extract_raise_only_parse_error(text):
    try:
        check_query_shape(text)
        extract(text)
    except ParseError:
        pass
    uses, findings = uses_of(Query(text, Location(file="x.json")), {})
    assert all(f.check == "promql/parse" for f in findings)


@FAST
@given(st.integers(1, 20_000), st.sampled_from(["(", "sum(", "-", "x or ", "{", "["]))
def test_deep_or_long_queries_are_refused_before_the_parser(n, piece):
    closing = {"(": ")", "sum(": ")", "{": "}", "[": "]"}.get(piece, "")
    text = piece * n + "x" + closing * n
    try:
        check_query_shape(text)
    except ParseError:
        return
    assert n <= 256 or (closing and n <= MAX_NESTING)
    try:
        extract(text)  # within the limits the parser and the walk over its tree are safe
    except ParseError:
        pass


_VALUES = st.sampled_from(["prod", "dev|prod", "api-.*", "", "$env", "${env:regex}", "a\\\"b", "(", "x.+", "é", "$__interval"])
_MATCHER = st.builds(lambda label, op, value: f'{label}{op}"{value}"', st.sampled_from(["env", "job", "service"]),
                     st.sampled_from(["=", "!=", "=~", "!~"]), _VALUES)
_SELECTOR = st.builds(lambda name, ms: f"{name}{{{', '.join(ms)}}}", st.sampled_from(["up", "http_total", "m_${env}"]),
                      st.lists(_MATCHER, max_size=3))


def _wrap(inner):
    return st.one_of(
        st.builds(lambda q: f"rate({q}[5m])", inner),
        st.builds(lambda by, q: f"sum by ({by}) ({q})", st.sampled_from(["env", "job, service", "pod"]), inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        st.builds(lambda a, b: f"{a} unless {b}", inner, inner),
        st.builds(lambda q: f'label_replace({q}, "dst", "$1", "env", "(.*)")', inner),
        st.builds(lambda q: f"absent({q})", inner),
        st.builds(lambda q, v: f"{q} or vector({v})", inner, st.sampled_from(["0", "1"])),
    )


@FAST
@given(st.one_of(st.recursive(_SELECTOR, _wrap, max_leaves=4), st.lists(PROMQL_PIECES, max_size=30).map("".join)))
def test_the_shape_path_answers_exactly_what_parsing_each_query_answers(text):
    """Names, roles, parse findings, selectors and groupings through the shared shape (one parse
    per template) equal those of parsing the interpolated query itself."""
    from vertice_obs.metrics.analysis import query_facts
    from vertice_obs.metrics.interpolate import Variable

    variables = {"env": Variable("env", ("prod", "dev"))}
    query = Query(text, Location(file="x.json"))
    assert query_facts(query, variables) == query_facts(query, variables, shapes=False)
    assert query_facts(query, variables).uses == uses_of(query, variables)[0]


# --- Prometheus answers ----------------------------------------------------------------------------

_LABELS = st.dictionaries(st.sampled_from(["__name__", "env", "pod", "le", "é"]), st.text(max_size=5), max_size=4)


@FAST
@given(rows=st.lists(_LABELS, max_size=6), spaced=st.booleans(), extra=st.booleans(),
       warned=st.lists(st.text(min_size=1, max_size=8).filter(str.strip), max_size=2),
       in_data=st.sampled_from([{}, {"analysis": {}}, {"analysis": None, "stats": {"timings": {"x": 1}}}]))
def test_vector_answers_are_read_row_by_row_as_json_reads_them(rows, spaced, extra, warned, in_data):
    """The row-by-row reading of a label-tables answer gives each row's labels exactly as decoding
    the whole document does — Prometheus' compact layout, an indented one, extra fields (Thanos writes
    `analysis` in data after the rows: every such answer was refused once) — and its `warnings`
    wherever they stand (Prometheus writes them after the rows)."""
    from vertice_obs.metrics.promql_wire import vector_metrics

    payload = {"status": "success", "data": {"resultType": "vector",
                                             "result": [{"metric": r, "value": [1.5, "1"]} for r in rows], **in_data}}
    payload = {"warnings": warned, **payload, "stats": {"seriesFetched": "3"}} if extra else {**payload, "warnings": warned}
    text = json.dumps(payload, indent=1 if spaced else None, separators=None if spaced else (",", ":"),
                      ensure_ascii=bool(spaced))
    found: list[str] = []
    assert list(vector_metrics([text.encode()], found)) == rows
    assert found == warned


@FAST
@given(st.one_of(st.binary(max_size=200),
                 st.text(max_size=120).map(lambda t: ('{"status":"success","data":{"resultType":"vector","result":['
                                                      + t).encode())))
def test_vector_answers_of_any_bytes_raise_only_value_errors(body):
    from vertice_obs.metrics.promql_wire import vector_metrics

    try:
        list(vector_metrics([body]))
    except (ValueError, KeyError, TypeError, RecursionError):  # what the source turns into "not Prometheus"
        pass


@FAST
@given(st.lists(st.one_of(st.integers(0, 99), st.text(alphabet="a/~0", max_size=4)), max_size=5))
def test_json_pointers_escape_exactly_as_rfc_6901_says(path):
    from vertice_obs.checks.walk import pointer

    assert pointer(tuple(path)) == "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(PROMQL_PIECES, max_size=80).map("".join)), st.booleans())
def test_a_variable_query_of_any_text_is_analysed_or_a_parse_finding(text, wrapped):
    """`label_values(…)` variable queries: the dropdown label read from them is a label name or
    nothing, and analysing them ends in facts or a parse finding — never another exception."""
    from vertice_obs.metrics.analysis import dropdown_label, query_facts

    expr = f"label_values({text})" if wrapped else text
    label = dropdown_label(expr)
    assert label is None or (label.isidentifier() and label.isascii() and label != "__name__")
    at = Location(file="x.json", dashboard="d", target="variable v")
    facts = query_facts(Query(expr, at, kind="variable"), {})
    assert all(f.check == "promql/parse" for f in facts.findings)
    assert all(g.grouping.variable == "v" for g in facts.groupings if g.grouping.variable is not None)
