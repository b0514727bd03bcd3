"""Metric sources against a real Prometheus (see conftest.py): names, rules, last-seen, failures, budget."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import DISAPPEARED, NEVER_RECORDED, RECORDED, legacy_history
from prometheus_harness import PrometheusServer, free_port
from waiting import until

from vertice_obs.errors import VobsError
from vertice_obs.guard.secrets import redact_url
from vertice_obs.metrics.catalog import load_catalog
from vertice_obs.metrics.classify import Within
from vertice_obs.metrics.evidence import (
    CatalogSource,
    NameSnapshot,
    SourceUnavailable,
    gather,
)
from vertice_obs.metrics.prometheus import (
    PRESENT_WINDOW,
    PrometheusSource,
)
from vertice_obs.simulator import Simulator

SPIKES = "maximus_dopamine_spike_events_total"
NEVER = "maximus_never_existed_total"
HANDLERS = ("/api/v1/label/:name/values", "/api/v1/rules", "/api/v1/query", "/api/v1/series", "/api/v1/metadata")


def received(prometheus, before: float, expected: float, timeout: float = 3) -> float:
    """Requests Prometheus itself counted since `before`; its /metrics can lag a moment behind."""
    deadline = time.monotonic() + timeout
    while True:
        got = sum(prometheus.http_requests(h) for h in HANDLERS) - before
        if got >= expected or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


@pytest.fixture
def source(prometheus):
    return PrometheusSource(prometheus.url)


# --- names -------------------------------------------------------------------------------------------
def test_names_lists_what_is_scraped_in_one_request(source, catalog):
    names = source.names()
    assert source.request_count == 1
    assert isinstance(names, NameSnapshot) and names.window == PRESENT_WINDOW
    assert abs((datetime.now(timezone.utc) - names.at).total_seconds()) < 5
    assert catalog.series_names() - names == {SPIKES}  # everything served, histogram series included
    assert RECORDED in names and "up" in names
    assert NEVER_RECORDED not in names
    assert DISAPPEARED not in names  # backfilled, 2 days ago: outside the window


def test_the_window_bounds_names_at_block_granularity(prometheus):
    # Widen the window past the backfilled block and the disappeared metric is listed again.
    wide = PrometheusSource(prometheus.url, window=timedelta(days=3)).names()
    assert DISAPPEARED in wide
    assert DISAPPEARED not in PrometheusSource(prometheus.url, window=timedelta(hours=12)).names()


# --- rules -------------------------------------------------------------------------------------------
def test_rules_returns_recording_rules_only_in_one_request(source):
    rules = source.rules()
    assert source.request_count == 1
    assert set(rules) == {RECORDED, NEVER_RECORDED}  # the alerting rule is not a source of names
    rule = rules[RECORDED]
    assert (rule.name, rule.expr, rule.group) == (RECORDED, "avg_over_time(maximus_dopamine_level[5m])",
                                                  "maximus-recording")
    assert rule.file.endswith("rules.yml") and rule.health == "ok" and rule.last_error == ""
    assert abs((datetime.now(timezone.utc) - rule.last_evaluation).total_seconds()) < 30
    assert rules[NEVER_RECORDED].expr == f"rate({SPIKES}[5m])"


# --- last_seen -----------------------------------------------------------------------------------------
def test_last_seen_finds_the_disappeared_metric_exactly_and_none_for_the_never_seen(source, prometheus):
    seen = source.last_seen([DISAPPEARED, NEVER, SPIKES], timedelta(days=7))
    assert source.request_count == 2  # which names had any series, then when
    # Backfilled series end without a staleness marker: the answer is the last sample's own time.
    assert seen[DISAPPEARED] == datetime.fromtimestamp(prometheus.disappeared_at, timezone.utc)
    # (the run may be slow: only a lower bound holds against the wall clock)
    assert datetime.now(timezone.utc) - seen[DISAPPEARED] >= timedelta(hours=47.99)
    assert seen[NEVER] is None and seen[SPIKES] is None


def test_names_never_seen_cost_one_request(source):
    assert source.last_seen([NEVER, SPIKES], timedelta(days=7)) == {NEVER: None, SPIKES: None}
    assert source.request_count == 1


def test_last_seen_respects_the_lookback(source):
    assert source.last_seen([DISAPPEARED], timedelta(days=1)) == {DISAPPEARED: None}


def test_last_seen_of_a_present_name_is_its_latest_scrape(source):
    seen = source.last_seen(["maximus_dopamine_level"], timedelta(hours=1))["maximus_dopamine_level"]
    assert abs((datetime.now(timezone.utc) - seen).total_seconds()) < 5


def test_many_names_take_a_bounded_number_of_batched_requests(source, prometheus):
    names = [f"maximus_generated_metric_with_a_rather_long_name_{i:04d}_total" for i in range(1000)]
    before = sum(prometheus.http_requests(h) for h in HANDLERS)
    seen = source.last_seen([*names, DISAPPEARED], timedelta(days=7))
    assert source.request_count == 2  # which names had series at all, then when (POSTed: no URL limit)
    assert received(prometheus, before, source.request_count) == source.request_count
    assert seen[DISAPPEARED] is not None and all(seen[n] is None for n in names)
    assert source.last_seen([], timedelta(days=7)) == {}


def test_a_metric_that_just_went_stale_is_found_within_one_step():
    """A target going away writes staleness markers: the last sample is then seen to within a step.

    Also shows a Prometheus 2.42 quirk: label values come at block granularity, so a name gone
    stale a moment ago is still listed by names() until the head block is compacted (~2–3 h)."""
    catalog = load_catalog(_mini_catalog())
    sim = Simulator(catalog, seed=2)
    sim.serve(0)
    with PrometheusServer([sim.url.removeprefix("http://")]) as server:
        server.wait_for("maximus_dopamine_level")
        until(lambda: server.query("count_over_time(maximus_dopamine_level[1m])") and min(
            float(r["value"][1]) for r in server.query("count_over_time(maximus_dopamine_level[1m])")) >= 2,
              "two scrapes of the simulator before it goes away")
        sim.stop()
        stopped = datetime.now(timezone.utc)
        until(lambda: not server.query("maximus_dopamine_level"), "the stale marker to end the series", timeout=15)
        marked = datetime.now(timezone.utc)  # the staleness marker was written by now
        raw = server.query("maximus_dopamine_level[15m]")  # raw samples: a range selector skips the marker
        last = datetime.fromtimestamp(max(float(t) for row in raw for t, _ in row["values"]), tz=timezone.utc)
        source = PrometheusSource(server.url)
        assert "maximus_dopamine_level" in source.names()  # the head-block quirk
        seen = source.last_seen(["maximus_dopamine_level"], timedelta(hours=1))["maximus_dopamine_level"]
        step = Within.SPAN.total_seconds()
        boundary = datetime.fromtimestamp(-(-last.timestamp() // step) * step, tz=timezone.utc)
        if boundary < marked and not isinstance(seen, Within):
            # a 5-minute step fell between the last sample and its marker (~1 run in 300): the instant
            # selector saw that sample there, so its own time is known exactly — and must be exact
            assert abs((seen - last).total_seconds()) < 0.002, (seen, last)
        else:
            # known to its 5-minute step only: the 5 minutes before a time (never that step's start, as if exact)
            assert isinstance(seen, Within) and seen.earliest <= stopped <= seen + timedelta(seconds=2), seen


def test_backfill_quirks_of_prometheus_2_42():
    """Blocks of any age load at start (even one that ended minutes ago), and time retention counts
    from the newest block, not the wall clock: with newer blocks present, a 20-day-old one is
    deleted under a 15d retention and kept under the harness' 30d."""
    now = int(time.time())
    recent, ancient = now - 20 * 60, now - 20 * 86400
    history = legacy_history(recent, hours=1) + legacy_history(ancient, hours=1).replace(
        DISAPPEARED, "maximus_ancient_reward_total").replace("maximus_legacy_reward", "maximus_ancient_reward")
    history = history.replace("# EOF\n", "", 1)  # one file: the first part's end marker goes
    for retention, ancient_kept in (("15d", False), ("30d", True)):
        server = PrometheusServer(retention=retention)
        server.backfill(history)
        with server:
            seen = PrometheusSource(server.url).last_seen([DISAPPEARED, "maximus_ancient_reward_total"],
                                                          timedelta(days=30))
        assert seen[DISAPPEARED] == datetime.fromtimestamp(recent, timezone.utc)
        assert (seen["maximus_ancient_reward_total"] == datetime.fromtimestamp(ancient, timezone.utc)) == ancient_kept
        assert (seen["maximus_ancient_reward_total"] is None) != ancient_kept


# --- a whole validation's budget -----------------------------------------------------------------
@pytest.mark.parametrize("referenced,requests", [
    # names, rules, series, metadata (how much data it holds is asked later, once per run: see validate)
    (["maximus_dopamine_level", SPIKES, RECORDED, NEVER_RECORDED, NEVER], 4),
    (["maximus_dopamine_level", SPIKES, DISAPPEARED, RECORDED, NEVER_RECORDED, NEVER], 5),  # + one query
])
def test_a_whole_gather_stays_within_five_requests_counted_by_both_sides(source, prometheus, referenced, requests):
    before = sum(prometheus.http_requests(h) for h in HANDLERS)
    evidence = gather(source, referenced)
    assert source.request_count == requests
    assert received(prometheus, before, requests) == requests
    assert evidence.available and evidence.rules[NEVER_RECORDED].group == "maximus-recording"
    assert set(evidence.last_seen) == set(referenced) - {"maximus_dopamine_level", RECORDED}
    assert (evidence.last_seen.get(DISAPPEARED) is not None) == (DISAPPEARED in referenced)


# --- failures: always SourceUnavailable, one line, naming the URL without credentials ---------------
def every_call(source):
    return [lambda: source.names(), lambda: source.rules(), lambda: source.last_seen(["x"], timedelta(days=7))]


def test_prometheus_down_is_source_unavailable():
    url = f"http://127.0.0.1:{free_port()}"
    source = PrometheusSource(url, timeout=2)
    for call in every_call(source):
        with pytest.raises(SourceUnavailable) as raised:
            call()
        assert str(raised.value) == f"Prometheus at {url} is unreachable: connection refused at {url[7:]}"
    assert issubclass(SourceUnavailable, VobsError)
    evidence = gather(source, ["maximus_dopamine_level"])
    assert not evidence.available and evidence.error == f"Prometheus at {url} is unreachable: connection refused at {url[7:]}"


def test_credentials_never_appear_in_messages_and_still_work(prometheus):
    port = free_port()
    with pytest.raises(SourceUnavailable) as raised:
        PrometheusSource(f"http://admin:s3cret@127.0.0.1:{port}/?token=t0ken").names()
    assert str(raised.value) == (f"Prometheus at http://127.0.0.1:{port} is unreachable: connection refused at "
                                 f"127.0.0.1:{port}")  # trailing / normalised
    assert redact_url("https://u:p@prom.example:9090/x?token=abc#f") == "https://prom.example:9090/x"
    # Sent as basic auth; this Prometheus has no auth configured and ignores it.
    authed = PrometheusSource(prometheus.url.replace("http://", "http://admin:s3cret@"))
    assert "s3cret" not in authed.description and "maximus_dopamine_level" in authed.names()


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:  # accepts connections (kernel backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        # The call runs aside so a hang would fail this test at a deadline rather than stall the suite;
        # that the 0.3 s deadline is what ended it, and not some OS timeout, is what the message says.
        raised: list[BaseException] = []
        caller = threading.Thread(target=lambda: _capture(raised, PrometheusSource(url, timeout=0.3).names), daemon=True)
        caller.start()
        caller.join(timeout=30)
        assert not caller.is_alive(), "a server that never answers hung the client"
        assert len(raised) == 1 and isinstance(raised[0], SourceUnavailable)
        assert str(raised[0]) == f"Prometheus at {url} did not answer within 0.3s (--timeout)"


def _capture(into: list[BaseException], call) -> None:
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 — handed to the test thread
        into.append(exc)


@pytest.mark.parametrize("status,body,message", [
    (503, b"upstream down\n", "answered an error: HTTP 503 (upstream down)"),
    (500, b'{"status":"error","errorType":"internal","error":"boom\\nagain"}',
     "answered an error: HTTP 500 internal: boom again"),
    (200, b"<html>login</html>", "answered something that is not Prometheus' API"),
    (200, b'{"status":"success","data":{"groups":"nope"}}', "answered something that is not Prometheus' API"),
])
def test_http_errors_and_non_prometheus_answers_are_unavailable(status, body, message):
    # Not a Prometheus: what a proxy or a wrong URL answers, for every path.
    with broken_server(status, body) as url:
        for call in every_call(PrometheusSource(url, timeout=5)):
            with pytest.raises(SourceUnavailable) as raised:
                call()
            assert str(raised.value).startswith(f"Prometheus at {url} ")
            assert message in str(raised.value) and "\n" not in str(raised.value)


# --- the offline source ----------------------------------------------------------------------------
def test_catalog_source(catalog):
    source = CatalogSource(catalog)
    names = source.names()
    assert isinstance(names, NameSnapshot) and names == catalog.series_names()
    assert {"maximus_esgt_duration_seconds_bucket", "maximus_esgt_duration_seconds_count", SPIKES} <= names
    assert source.rules() == {}
    assert source.last_seen(["a", "b"], timedelta(days=7)) == {"a": None, "b": None}
    assert source.description == f"the metric catalog {catalog.file}"


# --- helpers -----------------------------------------------------------------------------------------
def _mini_catalog():
    from pathlib import Path
    return Path(__file__).parent / "data" / "mini-catalog.yaml"


class broken_server:
    """A local HTTP server answering `status` and `body` to every request."""

    def __init__(self, status: int, body: bytes):
        status_, body_ = status, body

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                self.send_response(status_)
                self.send_header("Content-Type", "application/json" if body_.startswith(b"{") else "text/plain")
                self.send_header("Content-Length", str(len(body_)))
                self.end_headers()
                self.wfile.write(body_)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
