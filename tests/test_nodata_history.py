"""An empty selector says when it last matched; a "never seen" is only as long as the data held (issue 10).

Real backends with history: Debian's Prometheus (scraping the simulator and itself, so it knows its
own oldest sample) and VictoriaMetrics (which does not export one), each holding a backfilled
`environment="prod"` history of the dopamine level from 3 h to 2 h ago, and the simulator's
`environment="dev"` series now.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_harness import PrometheusServer, StaticExporter, free_port
from victoria_harness import VictoriaMetricsServer

from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import Within
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.validation import collect, load_dashboard_files, validate
from vertice_obs.simulator.history import openmetrics_history

REPO = Path(__file__).resolve().parent.parent
LEVEL = "maximus_dopamine_level"
HOURS_HELD = 3


@pytest.fixture(scope="module", params=["prometheus", "victoria"])
def backend(request, simulator, catalog):
    now = float(int(time.time()))
    spec = next(m for m in catalog.metrics if m.name == LEVEL)
    history = openmetrics_history(MetricCatalog("<prod>", (spec,)), now - HOURS_HELD * 3600, now - 2 * 3600, 60,
                                  environment="prod", extra_labels={"release": "v1"})  # a label no series has now
    target = simulator.url.removeprefix("http://")
    if request.param == "prometheus":
        port = free_port()
        server = PrometheusServer([target, f"127.0.0.1:{port}"])  # and itself: its lowest timestamp
        server.fixed_port = port
        server.backfill(history)
        server.start()
        server.wait_for("prometheus_tsdb_lowest_timestamp_seconds")
    else:
        server = VictoriaMetricsServer([target]).start()
        # VictoriaMetrics answers label lookups to the UTC day: it holds an hour back for sure only with
        # data the day before the hour's start's, which this series gives (from 30h to 20h ago)
        server.import_openmetrics("".join(f"vobs_older 1 {now - h * 300:.0f}\n" for h in range(240, 361)))
        server.import_openmetrics(history)
        server.wait_for(f'{LEVEL}{{environment="prod"}}[4h]')
    try:
        server.wait_for(f'{LEVEL}{{environment="dev"}}')
        server.prod_until = datetime.fromtimestamp(now - 2 * 3600, tz=timezone.utc)
        server.kind = request.param
        yield server
    finally:
        server.stop()


def _validate(backend, tmp_path, queries: list[str], lookback=timedelta(days=7)):
    panels = [{"id": i, "type": "timeseries", "title": f"P{i}", "targets": [{"refId": "A", "expr": q}]}
              for i, q in enumerate(queries, 1)]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "h", "title": "H", "panels": panels}))
    source = PrometheusSource(backend.url)
    result = validate(collect(load_dashboard_files([tmp_path])), source, None, lookback)
    return {f.location.panel: f for f in result.findings if f.check in (
        "metric/no-matching-series", "metric/missing", "metric/label-missing")}, source


def _named(backend) -> str:
    """VictoriaMetrics says what it is in its answers; Prometheus does not."""
    return f"{'VictoriaMetrics' if backend.kind == 'victoria' else 'Prometheus'} at {backend.url}"


def _held(backend) -> str:
    """Prometheus knows its oldest sample (it scrapes itself); VictoriaMetrics only that it holds less."""
    if backend.kind == "prometheus":
        return f"in the {HOURS_HELD}h of data it holds (less than the 7d lookback)"
    return "in the data it holds (less than the 7d lookback)"


def test_an_empty_selector_says_when_it_last_matched(backend, tmp_path):
    found, _ = _validate(backend, tmp_path, [f'{LEVEL}{{environment="prod"}}'])
    message = found["P1"].message
    assert re.search(r"; it last matched a series at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(2h( \d+m)? ago\)$", message), message
    last = datetime.fromisoformat(dict(found["P1"].details)["last_seen"])
    # exact to the sample, or at most one 5m step early (a series ended by a staleness marker)
    assert backend.prod_until - timedelta(minutes=5, seconds=1) <= last <= backend.prod_until + timedelta(seconds=1)


def test_a_selector_that_never_matched_says_how_much_data_was_looked_at(backend, tmp_path):
    found, _ = _validate(backend, tmp_path, [f'{LEVEL}{{environment="qa"}}', "vobs_never_exported_total"])
    assert found["P1"].message.endswith(f"; no series matched it {_held(backend)}"), found["P1"].message
    assert found["P2"].message.endswith(f"never seen in {_named(backend)} {_held(backend)}"), \
        found["P2"].message


def test_a_lookback_the_data_covers_is_said_plainly(backend, tmp_path):
    """1 h back is held in full; the prod history ended 2 h ago, outside it."""
    found, _ = _validate(backend, tmp_path, [f'{LEVEL}{{environment="prod"}}', "vobs_never_exported_total"],
                         lookback=timedelta(hours=1))
    assert found["P1"].message.endswith("; no series matched it in the last 1h"), found["P1"].message
    assert found["P2"].message.endswith(f"never seen in {_named(backend)} in the last 1h")


def test_the_history_lookups_are_bounded_whatever_the_number_of_selectors(backend, tmp_path):
    """300 distinct empty selectors (none seen in the history: no timed query) cost what one would:
    names, rules, metadata; which absent names had series; the label tables; one series lookup of
    the empty selectors; how much it holds: the lowest timestamps it holds and one label-values look
    confirming the claim (Prometheus), or that look alone (VictoriaMetrics, which exports none of its own)."""
    queries = [f'{LEVEL}{{environment="{env}", service_name="s{i}"}}' for i in range(150) for env in ("prod", "qa")]
    found, source = _validate(backend, tmp_path, queries + ["vobs_never_exported_total"])
    assert len(found) == len(queries) + 1
    assert source.request_count == 3 + 1 + 1 + 1 + (2 if backend.kind == "prometheus" else 1)


def test_the_data_held_is_the_servers_own_not_a_scraped_prometheus(tmp_path):
    """A Prometheus that also scrapes other Prometheus servers holds their
    `prometheus_tsdb_lowest_timestamp_seconds` too: one that holds 10 days of its own (the oldest)
    and an empty one (its 9.2e15 sentinel, which once crashed the run as a year 292 million). The
    data held is the latest of those — this server's own here, never more than it holds — and the
    sentinel is no time."""
    old = time.time() - 10 * 86400
    body = ("# TYPE prometheus_tsdb_lowest_timestamp_seconds gauge\n"
            f'prometheus_tsdb_lowest_timestamp_seconds{{peer="old"}} {old:.3f}\n'
            'prometheus_tsdb_lowest_timestamp_seconds{peer="empty"} 9.223372036854776e+15\n').encode()

    peers = StaticExporter(body)
    port = free_port()
    server = PrometheusServer([peers.target, f"127.0.0.1:{port}"])
    server.fixed_port = port
    # a block of its own from an hour ago (a fresh Prometheus reports the sentinel itself for a while)
    server.backfill(f"# TYPE vobs_backfilled gauge\nvobs_backfilled 1 {time.time() - 3600:.0f}\n# EOF\n")
    try:
        server.start()
        server.wait_for('count(prometheus_tsdb_lowest_timestamp_seconds) == 3')
        own = float(server.query('prometheus_tsdb_lowest_timestamp_seconds{peer=""}')[0]["value"][1])
        held = PrometheusSource(server.url).history(timedelta(days=7))
        assert not held.covers and held.since == datetime.fromtimestamp(own, tz=timezone.utc), held
    finally:
        server.stop()
        peers.stop()


@pytest.mark.parametrize("query, flagged", [
    (f'max_over_time({LEVEL}{{environment="prod"}}[3h])', False),  # its window holds the last match (2h ago)
    (f'{LEVEL}{{environment="prod"}} offset 150m', False),
    (f'sum(max_over_time({LEVEL}{{environment="prod"}}[1h:5m] offset 90m))', False),  # a subquery's reach
    (f'{LEVEL}{{environment="prod"}} @ start()', False),  # `@`: any time the panel shows
    (f'{LEVEL}{{environment="prod"}} offset 30m', True),  # reaches back 30m: the panel is empty
    (f'rate({LEVEL}{{environment="prod"}}[5m])', True),
])
def test_a_window_reaching_back_to_the_last_match_is_drawn(backend, tmp_path, query, flagged):
    """An empty selector whose range, offset, subquery or `@` reaches back to when it last matched
    shows data: a trial flagged `… offset 2h` of a series gone an hour ago."""
    found, _ = _validate(backend, tmp_path, [query])
    assert ("P1" in found) is flagged, found


@pytest.mark.parametrize("kind", ["prometheus", "victoria"])
def test_a_metric_no_longer_exported_is_disappeared_not_present(kind, tmp_path):
    """The name index (`/api/v1/label/__name__/values`) is answered per head block (per day on
    VictoriaMetrics): a metric gone for minutes stays listed for hours. It was `metric/present`, and
    its selector with a matcher got no finding at all, while every panel on it showed No data.
    The label tables' one instant query now confirms each listed name has a series now."""
    exporter = StaticExporter(b'vobs_gone_gauge{kind="x"} 1\nvobs_kept_gauge{kind="x"} 1\n')
    server = (PrometheusServer([exporter.target]) if kind == "prometheus"
              else VictoriaMetricsServer([exporter.target])).start()
    try:
        server.wait_for("vobs_gone_gauge")
        server.wait_for("vobs_kept_gauge")
        exporter.body = b'vobs_kept_gauge{kind="x"} 1\n'
        source = PrometheusSource(server.url)
        deadline = time.monotonic() + 60
        while source._api("GET", "/api/v1/query", params={"query": "vobs_gone_gauge"})["result"]:
            assert time.monotonic() < deadline, "the series never went stale"
            time.sleep(0.2)
        assert "vobs_gone_gauge" in PrometheusSource(server.url).names(), "premise: the index still lists it"
        queries = ["vobs_gone_gauge", 'vobs_gone_gauge{kind="x"}', 'sum(vobs_kept_gauge{kind="x"})']
        panels = [{"id": i, "type": "timeseries", "title": f"P{i}", "targets": [{"refId": "A", "expr": q}]}
                  for i, q in enumerate(queries, 1)]
        (tmp_path / "d.json").write_text(json.dumps({"uid": "g", "title": "G", "panels": panels}))
        result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(server.url), None,
                          timedelta(days=7))
        verdicts = {(f.location.panel, f.check) for f in result.findings if f.check.startswith("metric/")}
        assert verdicts == {("P1", "metric/disappeared"), ("P2", "metric/disappeared"), ("P3", "metric/present")}
        gone = next(f for f in result.findings if f.check == "metric/disappeared")
        assert "ago" in gone.message, gone.message  # says when it was last seen
    finally:
        server.stop()
        exporter.stop()


GONE = "vobs_gone_soon"


@pytest.mark.parametrize("kind", ["prometheus", "victoria"])
def test_a_series_that_went_away_is_last_seen_as_the_readme_says(kind):
    """A series that stops being exported: Prometheus ends it with a staleness marker, which hides its
    last sample from the instant selectors of the last-seen query — it is found to the 5-minute step
    that holds it, and said as the 5 minutes before a time (`Within`), never as the step's start
    (before the series may have existed); VictoriaMetrics finds it to the second.
    The README's backends table says so (it once said "to the second" for both)."""
    exporter = StaticExporter(f"# TYPE {GONE} gauge\n{GONE} 1\n".encode())
    server = PrometheusServer([exporter.target]) if kind == "prometheus" else VictoriaMetricsServer([exporter.target])
    try:
        server.start()
        server.wait_for(GONE)
        exporter.body = b"# TYPE vobs_still_here gauge\nvobs_still_here 1\n"
        server.wait_for("vobs_still_here")
        last = datetime.fromtimestamp(max(float(t) for t, v in server.wait_for(f"{GONE}[10m]")[0]["values"] if v != "NaN"),
                                      tz=timezone.utc)  # its last raw sample
        seen = PrometheusSource(server.url).last_seen([GONE], timedelta(hours=1))[GONE]
        if kind == "prometheus":
            assert isinstance(seen, Within) and seen.earliest < last <= seen, (seen, last)
        else:
            assert not isinstance(seen, Within) and last - timedelta(seconds=1) <= seen <= last + timedelta(seconds=1)
    finally:
        server.stop()
        exporter.stop()
    row = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| series history"))
    assert "yes: to the second, or to the 5 minutes before a time" in row and "staleness marker" in row, row


SHORT = "vobs_short_lived"


def test_a_short_lived_series_is_never_said_seen_before_it_existed(tmp_path):
    """Trial 9 (06): a series that lived a few seconds and was ended by a staleness marker was said to
    have "last matched a series at 23:55 UTC (3m ago)" — the start of the 5-minute step holding it, before
    it existed. Known to a step only, it is said as the 5 minutes before a time, which holds its last sample."""
    exporter = StaticExporter(f'{SHORT}{{env="dev"}} 1\n{SHORT}{{env="staging"}} 1\n'.encode())
    server = PrometheusServer([exporter.target]).start()
    try:
        server.wait_for(f'{SHORT}{{env="staging"}}')
        exporter.body = f'{SHORT}{{env="dev"}} 1\n'.encode()  # staging goes: Prometheus ends it with a staleness marker
        source = PrometheusSource(server.url)
        deadline = time.monotonic() + 60
        while source._api("GET", "/api/v1/query", params={"query": f'{SHORT}{{env="staging"}}'})["result"]:
            assert time.monotonic() < deadline, "the series never went stale"
            time.sleep(0.2)
        raw = server.wait_for(f'{SHORT}{{env="staging"}}[10m]')[0]["values"]
        first, last = (datetime.fromtimestamp(f(float(t) for t, v in raw if v != "NaN"), tz=timezone.utc)
                       for f in (min, max))
        panels = [{"id": 1, "type": "timeseries", "title": "P1", "targets": [{"refId": "A",
                                                                             "expr": f'{SHORT}{{env="staging"}}'}]},
                  {"id": 2, "type": "timeseries", "title": "P2", "targets": [{"refId": "A", "expr": SHORT}]}]
        (tmp_path / "d.json").write_text(json.dumps({"uid": "s", "title": "S", "panels": panels}))
        result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(server.url), None,
                          timedelta(hours=1))
    finally:
        server.stop()
        exporter.stop()
    (empty,) = [f for f in result.findings if f.check == "metric/no-matching-series"]
    said = re.search(r"; it last matched a series within the 5 minutes before (\d{4}-\d\d-\d\d \d\d:\d\d) UTC "
                     r"\((?:\d+m|\d+s) ago at most\)$",
                     empty.message)
    assert said, empty.message
    bound = datetime.strptime(said.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    assert bound - timedelta(minutes=5) < last <= bound, (bound, first, last)  # it holds the last sample
    assert bound >= first  # never a time before the series existed
    assert dict(empty.details)["last_seen"] == bound.isoformat()


def test_a_dropdown_label_series_carried_earlier_says_when(backend, tmp_path):
    """`label_values(x, release)` where x's series carried `release` 2 h ago, none now: Grafana lists
    the values over the dashboard's time range, so "its dropdown stays empty" was too strong
    (trial 12); it says when its series last carried it, as an empty selector says when it last
    matched. A label never carried stays "stays empty"."""
    variables = [{"type": "query", "name": name, "datasource": {"type": "prometheus", "uid": "p"},
                  "query": f"label_values({LEVEL}, {name})"} for name in ("release", "releese")]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "h", "title": "H", "panels": [],
                                                 "templating": {"list": variables}}))
    result = validate(collect(load_dashboard_files([tmp_path])), PrometheusSource(backend.url), None,
                      timedelta(days=7))
    said = {f.location.target: f for f in result.findings if f.check == "variable/label-missing"}
    earlier, never = said["variable release"], said["variable releese"]
    assert re.search(r"carries that label now; its series carried it (at|within the 5 minutes before) .+?: its "
                     r"dropdown lists nothing for a time range after that", earlier.message), earlier.message
    last = datetime.fromisoformat(dict(earlier.details)["last_seen"])
    assert abs((last - backend.prod_until).total_seconds()) <= Within.SPAN.total_seconds() + 60, (last, backend.prod_until)
    assert "its dropdown stays empty" in never.message and "last_seen" not in dict(never.details)
    # the dashboard's time range (Grafana's now-6h, none saved) reaches back to then: it still lists them (trial 19)
    assert earlier.message.endswith("; $release still lists the values its series had: the dashboard's time range "
                                    "(now-6h) reaches back to then"), earlier.message
