"""Property: what a server answers is read or refused in one line, never raised past vobs. Any JSON
(or any bytes) a Prometheus-speaking server, a proxy or another service answers gives each of
`PrometheusSource`'s questions its answer or a `SourceUnavailable` (a `VobsError`); any JSON a
Grafana answers gives `grafana.answers`' readers their value or a `DestinationError`. No server is
started: the answer is put where the body read from the wire would be."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.errors import VobsError
from vertice_obs.grafana import answers, folder_owners, playlists
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.promql_wire import http_error, rfc3339
from vertice_obs.metrics.series import LabelMatcher, Selector

FAST = settings(max_examples=200, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

_SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
            | st.sampled_from(["", "x", "__name__", "1e300", "-1e300", "NaN", "+Inf", "-Inf", "1700000000", "recording",
                               "0001-01-01T00:00:00Z", "2026-01-01T00:00:00.123456789Z", "matrix", "vector", "success"])
            | st.text(max_size=6))
_KEYS = st.sampled_from(["status", "data", "result", "resultType", "metric", "value", "values", "__name__", "groups",
                         "rules", "type", "name", "query", "lastEvaluation", "vobs_tag", "vobs_within", "job",
                         "warnings", "isPartial", "error", "errorType", "a"]) | st.text(max_size=3)
JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
                    max_leaves=14)
# a row as the instant and series queries answer it, its parts of any shape: reaches past the first check
_ROW = st.fixed_dictionaries({"metric": st.dictionaries(_KEYS, _SCALARS, max_size=3) | JSON,
                              "value": st.tuples(_SCALARS, _SCALARS).map(list) | JSON})
_DATA = (JSON | st.fixed_dictionaries({"resultType": st.sampled_from(["vector", "matrix"]),
                                       "result": st.lists(_ROW, max_size=3)})
         | st.lists(st.dictionaries(_KEYS, _SCALARS, max_size=3), max_size=3)
         | st.fixed_dictionaries({"groups": st.lists(st.fixed_dictionaries(
             {"rules": st.lists(st.dictionaries(_KEYS, _SCALARS, max_size=4), max_size=2)}), max_size=2)}))
SUCCESS = _DATA.map(lambda data: json.dumps({"status": "success", "data": data}).encode())
BODIES = SUCCESS | JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40) | st.sampled_from(
    [b"[" * 100_000, b'{"status": "success", "data": ' + b"[" * 100_000, b"<html>login</html>", b"\xff\xfe"])

SELECTOR = Selector("up", (LabelMatcher("job", "=~", "a.*"), LabelMatcher("le", "!=", "1")))
QUESTIONS = {
    "horizon": lambda s: s.horizon(),
    "names": lambda s: s.names(),
    "labels_within": lambda s: s.labels_within(timedelta(hours=1)),
    "rules": lambda s: s.rules(),
    "last_seen": lambda s: s.last_seen(["up", "x"]),
    "selector_history": lambda s: s.selector_history([SELECTOR], timedelta(days=1)),
    "history": lambda s: s.history(timedelta(days=1)),
    "metadata": lambda s: s.metadata(),
    "label_names": lambda s: s.label_names(["up"]),
    "query_range": lambda s: s.query_range("up", NOW - timedelta(hours=1), NOW, "60s"),
    "label_tables": lambda s: s.label_tables({("job",): ["up"], ("job", "le"): ["up", "x"]}),
}


def _source(bodies: list[bytes]) -> PrometheusSource:
    source = PrometheusSource("http://prometheus.invalid:9090", now=NOW)
    answered = iter(bodies)
    source._body = lambda *args, **kwargs: next(answered, bodies[-1])  # type: ignore[method-assign]
    return source


@FAST
@given(question=st.sampled_from(sorted(QUESTIONS)), bodies=st.lists(BODIES, min_size=1, max_size=3))
@example(question="horizon", bodies=[json.dumps({"status": "success", "data": {"result": [
    {"value": [0, "1e300"]}]}}).encode()])  # found: a time past datetime's years raised OverflowError
@example(question="last_seen", bodies=[json.dumps({"status": "success", "data": [{"__name__": "up"}]}).encode(),
                                       json.dumps({"status": "success", "data": {"result": [
                                           {"metric": {"vobs_tag": "up"}, "value": [0, "+Inf"]}]}}).encode()])
@example(question="selector_history",
         bodies=[json.dumps({"status": "success", "data": [{"__name__": "up", "job": 5}]}).encode()])
def test_any_prometheus_answer_is_read_or_one_source_error(question, bodies):
    try:
        QUESTIONS[question](_source(bodies))
    except VobsError as exc:
        assert "\n" not in str(exc)


@FAST
@given(health=JSON, settings_=JSON)
def test_any_grafana_identity_is_a_server_or_one_destination_error(health, settings_):
    try:
        info = answers.server_info(health, settings_, "Grafana at http://g")
    except answers.DestinationError as exc:
        assert "\n" not in str(exc)
    else:
        assert info.major_minor >= (9, 5) and "\n" not in info.describe()


@FAST
@given(value=JSON, keys=st.lists(_KEYS, max_size=2).map(tuple),
       kind=st.sampled_from([dict, list, str, (dict, list)]))
def test_any_grafana_answer_has_the_shape_asked_or_is_one_destination_error(value, keys, kind):
    for read in (lambda: answers.expect(value, kind, "/api/search", "Grafana at http://g", keys),
                 lambda: answers.items(value, "/api/search", "Grafana at http://g", keys)):
        try:
            read()
        except answers.DestinationError as exc:
            assert "\n" not in str(exc)


@FAST
@given(status=st.integers(0, 599), body=JSON | st.text(max_size=40), orgs=JSON,
       org=st.tuples(st.none() | st.integers(-2, 3), st.just("GRAFANA_ORG_ID")), what=st.sampled_from(
           ["/api/health", "/api/search", "dashboard x"]), forbidden=st.sampled_from(["", "save dashboards"]))
def test_any_grafana_error_answer_is_said_in_one_line(status, body, orgs, org, what, forbidden):
    error = answers.status_error(what, status, body, "reason", "Grafana at http://g", anonymous=status % 2 == 0,
                                 token_hint="GRAFANA_TOKEN", org=org, forbidden=forbidden)
    assert isinstance(error, answers.DestinationError) and "\n" not in str(error)
    member = answers.not_a_member(orgs, org, "admin", "Grafana at http://g")
    assert member is None or "\n" not in str(member)


@FAST
@given(JSON)
def test_any_record_text_grafana_keeps_is_one_of_vobs_or_none(text):
    assert playlists.parse_record(text) is None or isinstance(text, str)
    assert folder_owners.parse_record(text) is None or isinstance(text, str)


@FAST
@given(status=st.integers(0, 599), body=BODIES)
@example(status=500, body=b"[" * 100_000)  # found: JSON too deep to decode raised RecursionError
def test_any_prometheus_error_answer_is_said(status, body):
    assert http_error(status, body, "PROMETHEUS_TOKEN").startswith(f"HTTP {status}")


@FAST
@given(st.none() | st.text(max_size=40) | st.from_regex(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,12})?(Z|[+-]\d\d:\d\d)?",
                                                           fullmatch=True))
def test_any_rule_evaluation_time_is_a_time_or_none(text):
    assert rfc3339(text) is None or isinstance(rfc3339(text), datetime)


@FAST
@given(targets=st.lists(JSON | st.fixed_dictionaries({"labels": st.dictionaries(_KEYS, _SCALARS, max_size=3) | JSON},
                                                     optional={"scrapeInterval": _SCALARS | st.text(max_size=12),
                                                               "discoveredLabels": JSON}), max_size=4),
       matrix=JSON | st.lists(st.fixed_dictionaries({"values": st.lists(st.lists(_SCALARS, max_size=3), max_size=3)
                                                     | JSON}), max_size=3),
       op=st.sampled_from(["<", "<=", ">", ">="]))
@example(targets=[{"labels": {}, "scrapeInterval": "185542587187200.0"}], matrix=[], op="<")  # found: ValueError
@example(targets=[{"labels": {}, "scrapeInterval": "1000000000d"}], matrix=[], op="<")  # found: OverflowError
def test_what_chaos_reads_of_a_prometheus_is_a_value_or_said(targets, matrix, op):
    """`chaos run`'s reads of `/api/v1/targets` (each target's scrape interval, as the server writes it)
    and of a probe's matrix: a value, None where the server said nothing usable, or the matrix's
    one `ValueError`, which the run says as the probe's failure."""
    from vertice_obs.chaos.scrape import _interval, prometheus_seconds, worst_points

    dicts = [t for t in targets if isinstance(t, dict)]
    scrape = _interval({"up"}, {}, dicts)
    assert scrape.seconds is None and scrape.why
    for target in dicts:
        seconds = prometheus_seconds(str(target.get("scrapeInterval", "")))
        assert seconds is None or seconds >= 0
    try:
        assert isinstance(worst_points(matrix, op), list)
    except ValueError:
        pass
