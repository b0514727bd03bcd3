"""How much data a server holds is its own, confirmed by a look at its data — against a real
Prometheus scraping another, older real Prometheus, and a real VictoriaMetrics scraping it.

A new-user trial (trial 19) found "never seen … in the 19m of data it holds" from a Prometheus and a
VictoriaMetrics that each held ~3 minutes: the span was read from `max(prometheus_tsdb_lowest_timestamp_seconds)`,
and the only such series they held was the older Prometheus' they scraped (VictoriaMetrics exports
none of its own; a Prometheus has its own only when it scrapes itself). The older Prometheus here
holds a block of its own from 2 hours ago (`promtool` backfill); the young servers hold seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from prometheus_harness import PrometheusServer, StaticExporter, free_port
from victoria_harness import VictoriaMetricsServer

from vertice_obs.metrics.evidence import gather, with_history
from vertice_obs.metrics.prometheus import PrometheusSource

OLD_HOURS = 2
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def old():
    """A Prometheus scraping itself, with data of its own from 2 hours ago."""
    port = free_port()
    server = PrometheusServer([f"127.0.0.1:{port}"], job="old")
    server.fixed_port = port
    server.backfill(f"# TYPE vobs_backfilled gauge\nvobs_backfilled 1 {time.time() - OLD_HOURS * 3600:.0f}\n# EOF\n")
    server.start()
    try:
        server.wait_for(f"prometheus_tsdb_lowest_timestamp_seconds < {time.time() - 3600:.0f}")
        yield server
    finally:
        server.stop()


def _lowest(server) -> float:
    return float(server.query("prometheus_tsdb_lowest_timestamp_seconds")[0]["value"][1])


def test_a_prometheus_holding_only_anothers_lowest_timestamp_does_not_claim_it(old):
    young = PrometheusServer([old.url.removeprefix("http://")])  # not itself: the old one's series only
    try:
        young.start()
        young.wait_for("prometheus_tsdb_lowest_timestamp_seconds")
        source = PrometheusSource(young.url)
        held = source.history(WEEK)
        assert not held.covers and held.since is None, held  # was since = the old one's, 2h ago
        assert source.request_count == 2
    finally:
        young.stop()


def test_a_prometheus_scraping_itself_and_an_older_one_says_its_own(old):
    port = free_port()
    young = PrometheusServer([old.url.removeprefix("http://"), f"127.0.0.1:{port}"])
    young.fixed_port = port
    try:
        young.start()
        young.wait_for('count(prometheus_tsdb_lowest_timestamp_seconds{job="maximus"} < 1e12) == 2')
        own = float(young.query(f'prometheus_tsdb_lowest_timestamp_seconds{{instance="127.0.0.1:{port}"}}')[0]["value"][1])
        held = PrometheusSource(young.url).history(WEEK)
        assert not held.covers and held.since is not None and held.since.timestamp() == own, held
        assert time.time() - own < 600
    finally:
        young.stop()


def test_victoriametrics_does_not_claim_a_scraped_prometheus_span(old):
    vm = VictoriaMetricsServer([old.url.removeprefix("http://")]).start()
    try:
        vm.wait_for("prometheus_tsdb_lowest_timestamp_seconds")
        source = PrometheusSource(vm.url)
        evidence = with_history(gather(source, {"vobs_never_exported_total"}, WEEK), source, WEEK)
        assert not evidence.history.covers and evidence.history.since is None, evidence.history
        assert evidence.never_seen_in() == "in the data it holds (less than the 7d lookback)"
        # VictoriaMetrics answers label lookups to the UTC day: a day before the start's is asked,
        # so an hour's lookback is not said to be held by a server minutes old
        short = timedelta(hours=1)
        assert not source.history(short).covers
        assert _lowest(old) < time.time() - 3600  # what it scraped claims more than an hour
    finally:
        vm.stop()


def test_victoriametrics_asks_one_look_for_what_it_holds(old):
    exporter = StaticExporter(b"# TYPE vobs_up gauge\nvobs_up 1\n")
    vm = VictoriaMetricsServer([exporter.target]).start()
    try:
        vm.wait_for("vobs_up")
        source = PrometheusSource(vm.url)
        source.names()  # its answers say what it is
        before = source.request_count
        assert not source.history(WEEK).covers
        assert source.request_count - before == 1
    finally:
        vm.stop()
        exporter.stop()
