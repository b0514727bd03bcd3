"""vobs' series judgement agrees with the real backends, selector by selector (issue 10).

The pure tests (`test_series_judgement.py`) hold vobs' judgement against vobs' own reading of
PromQL's matchers. This one holds that reading against the servers themselves: a small exporter
serves a fixed set of series; Debian's Prometheus and VictoriaMetrics scrape it; for each
generated selector — matchers on labels that vary, on a label no series carries, and regexes with
alternations, classes, quantifiers, flags and anchors — the server is asked whether it selects a
series now, and vobs judges the same selector from the label tables it asks the server for. A
selector vobs calls empty while the server returns a series is a false "No data" finding; the
reverse, a missed one. A regex the server refuses must be one vobs refuses too.

Label values hold no newline: Prometheus 2 (Debian's 2.42) reads `.` as Go does, not matching a
newline, while Prometheus 3 and vobs read it as matching one (README "Series-level validation").
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_harness import PrometheusServer, StaticExporter
from victoria_harness import VictoriaMetricsServer

from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.regex import RegexError
from vertice_obs.metrics.series import LabelMatcher, Selector, judge

METRIC = "vobs_differential_level"
# (k, l): "" leaves the label out of the series, as PromQL reads a missing label
ROWS = [("a", "x"), ("b", "x"), ("ab", "y"), ("A", ""), ("", "xy"), ("a-b", "x y"), ("b", "")]
VALUES = sorted({v for row in ROWS for v in row}) + ["c", "X"]


def exposition() -> bytes:
    lines = [f"# TYPE {METRIC} gauge"]
    for i, (k, l) in enumerate(ROWS):
        labels = [f'row="{i}"'] + [f'{name}="{value}"' for name, value in (("k", k), ("l", l)) if value]
        lines.append(f"{METRIC}{{{','.join(labels)}}} {i}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def exporter():
    served = StaticExporter(exposition())
    yield served
    served.stop()


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def backend(request, exporter):
    server = (PrometheusServer if request.param == "prometheus" else VictoriaMetricsServer)([exporter.target])
    try:
        server.start()
        server.wait_for(f"count({METRIC}) == {len(ROWS)}")
        yield server
    finally:
        server.stop()


def _selects(url: str, selector: Selector) -> bool | None:
    """Does the server select a series now? None: it refuses the selector (a bad regex)."""
    text = f"{METRIC}{{{', '.join(_wire(m) for m in selector.matchers)}}}"
    answer = requests.get(f"{url}/api/v1/query", params={"query": f"count({text})"}, timeout=10)
    if answer.status_code in (400, 422):  # Prometheus: 400 bad_data; VictoriaMetrics: 422
        return None
    answer.raise_for_status()
    return bool(answer.json()["data"]["result"])


def _wire(m: LabelMatcher) -> str:
    return f'{m.label}{m.op}"' + m.value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LITERAL = st.sampled_from(VALUES)
_REGEX = st.one_of(
    _LITERAL,
    st.builds(lambda a, b: f"{a}|{b}", _LITERAL, _LITERAL),
    st.builds(lambda a, lit, b: a + lit + b, st.sampled_from(["", ".*", ".+", "(?i)", "^"]),
              st.sampled_from(["a", "b", "x", "ab", "a-b", ""]), st.sampled_from(["", ".*", ".+", "?", "$", "|"])),
    st.text(alphabet="abxAX.*+?|()[]^$- \\", max_size=6),
    st.sampled_from([".*", ".+", "", "[ab]+", "[^a]*", "a?b?", "\\w+", "x\\s?y", "(a|b)-?b", "(?i)a", "[[:alpha:]]+"]),
)
_MATCHER = st.one_of(
    st.builds(LabelMatcher, st.sampled_from(["k", "l", "m"]), st.sampled_from(["=", "!="]), _LITERAL),
    st.builds(LabelMatcher, st.sampled_from(["k", "l", "m"]), st.sampled_from(["=~", "!~"]), _REGEX),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(matchers=st.lists(_MATCHER, min_size=1, max_size=3))
@example(matchers=[LabelMatcher("m", "=~", ".*")])  # a label no series carries, matching ""
@example(matchers=[LabelMatcher("m", "!=", "a")])
@example(matchers=[LabelMatcher("l", "=", "")])  # the series without `l`
@example(matchers=[LabelMatcher("k", "=~", "a|")])  # an empty alternative matches ""
@example(matchers=[LabelMatcher("k", "=", "b"), LabelMatcher("l", "=", "y")])  # each exists, not together
@example(matchers=[LabelMatcher("k", "=~", "(?i)a")])
@example(matchers=[LabelMatcher("k", "=~", "a(")])  # refused by both
@example(matchers=[LabelMatcher("k", "=~", ")(")])  # refused by Prometheus and vobs, answered by VictoriaMetrics
def test_vobs_judges_a_selector_empty_exactly_when_the_server_selects_nothing(backend, matchers):
    selector = Selector(METRIC, tuple(matchers))
    served = _selects(backend.url, selector)
    prometheus = isinstance(backend, PrometheusServer)
    if _refused(selector):  # judged by nobody: the parse check reports the regex (`promql/parse`)
        # VictoriaMetrics wraps a pattern without parsing it alone first, so it answers `)(` (as
        # `^(?:)()$`); Prometheus refuses exactly what vobs refuses
        assert served is None or not prometheus, f"vobs refuses {selector}, Prometheus answers it"
        return
    if served is None:
        assert not prometheus, f"Prometheus refuses {selector}, vobs judges it"
        return
    if not prometheus and any(m.op == "!~" and not m.accepts("") for m in selector.matchers):
        # VictoriaMetrics (1.79) lets series without the label pass a `!~` whose pattern matches the
        # empty string (`!~".*"` read as `!~".+"`; hypothesis found `!~".+|"` too): README
        return
    tables = PrometheusSource(backend.url).label_tables({selector.labels: [METRIC]})
    verdicts = judge(selector, tables[(METRIC, selector.labels)])
    assert (verdicts == []) == served, (
        f"{selector}: the server {'selects' if served else 'selects nothing'}, vobs says "
        f"{[v.message for v in verdicts] or 'it selects something'}")


def _refused(selector: Selector) -> bool:
    try:
        for m in selector.matchers:
            m.accepts("")  # compiles a regex matcher's pattern, as PromQL's parser does
    except RegexError:
        return True
    return False
