"""Classification as the pure function it is: hand-built Evidence in, exact findings out.

The live tests (test_metric_validation_live.py) show each reason against a real Prometheus and
VictoriaMetrics; these pin every branch, message and severity without one, so a slip in the
arithmetic of a date, a severity or a hint fails here at once (and mutation testing can run them
in milliseconds: scripts/mutation)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from vertice_obs.finding import Location, Severity
from vertice_obs.metrics.catalog import MetricCatalog, MetricSpec
from vertice_obs.metrics.classify import (
    FALLBACK,
    LAST_SEEN,
    OPTIONAL,
    UNTOLD,
    Evidence,
    History,
    MetricUse,
    absent_names,
    classify,
    human_span,
    metric_type,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
AT = Location(file="d.json", line=3, column=5, dashboard="d", panel="P", target="A")
NAMES = frozenset({"up", "spikes_total", "level", "latency_seconds_bucket", "maximus_dopamine_level",
                   "requests", "queue_depth"})
CATALOG = MetricCatalog("narratives/metrics.yaml", (
    MetricSpec("must_have_total", "counter", "", "", "team-core", required=True, line=12),
    MetricSpec("latency_seconds", "histogram", "seconds", "", "team-io", line=20),
    MetricSpec("level", "gauge", "", "", "team-core", line=30),
))


def evidence(**changes) -> Evidence:
    base = dict(source="Prometheus at http://p:9090", names=NAMES, now=NOW, lookback=timedelta(days=7))
    return Evidence(**{**base, **changes})


def one(use: MetricUse, ev: Evidence | None = None, catalog=None):
    found = [f for f in classify([use], ev or evidence(), catalog) if f.check != "source/degraded"]
    kinds = [f for f in found if f.check.startswith("metric/") and f.check not in (
        "metric/rate-on-gauge", "metric/counter-without-rate")]
    assert len(kinds) == 1, found
    return kinds[0]


def use(metric: str, **kw) -> MetricUse:
    return MetricUse(metric, AT, kw.pop("query", metric), **kw)


@pytest.mark.parametrize("metric_use,ev,catalog,check,severity,message", [
    (use("up"), None, None, "metric/present", Severity.INFO, "up is present in Prometheus at http://p:9090"),
    (use("up"), evidence(names=None, error="connection refused"), None, "metric/unknown", Severity.WARNING,
     "up: cannot tell whether it exists: connection refused"),
    (use("sp.*_total", is_pattern=True), None, None, "metric/present", Severity.INFO,
     "name pattern 'sp.*_total' is present in Prometheus at http://p:9090"),
    (use("nothing_.*", is_pattern=True), None, None, "metric/missing", Severity.WARNING,
     "name pattern 'nothing_.*' is missing: never seen in Prometheus at http://p:9090 in the last 7d"),
    (use("gone", role=OPTIONAL, reason="or vector(0)"), None, None, "metric/intentionally-absent", Severity.INFO,
     "gone is absent, which this query allows (or vector(0))"),
    (use("old", role=FALLBACK, alternatives=("up", "other")), None, None, "metric/fallback-only", Severity.INFO,
     "old is absent but only an `or` alternative of up, which is present"),
    (use("old", role=FALLBACK, alternatives=("other",)), None, None, "metric/missing", Severity.WARNING,
     "old is missing: never seen in Prometheus at http://p:9090 in the last 7d"),
    (use("job:up:sum"), evidence(rules={"job:up:sum": {"name": "job:up:sum", "group": "g1", "health": "err"}}), None,
     "metric/recording-rule", Severity.WARNING,
     "job:up:sum is produced by recording rule 'job:up:sum' in group 'g1' but has no series yet, rule health err: "
     "check that the rule's inputs exist"),
    (use("job:up:sum"), evidence(rules={"job:up:sum": {"health": "ok"}}), None, "metric/recording-rule",
     Severity.WARNING, "job:up:sum is produced by recording rule 'job:up:sum' but has no series yet: check that "
                       "the rule's inputs exist"),
    (use("gone_total"), evidence(last_seen={"gone_total": NOW - timedelta(days=2, hours=3, minutes=4)}), None,
     "metric/disappeared", Severity.WARNING, "gone_total disappeared: last seen 2026-11-24 08:56 UTC (2d 3h ago)"),
    (use("must_have_total"), evidence(last_seen={"must_have_total": NOW - timedelta(minutes=90)}), CATALOG,
     "metric/disappeared", Severity.ERROR, "must_have_total disappeared: last seen 2026-11-26 10:30 UTC (1h ago) — "
                                           "required by the catalog (narratives/metrics.yaml:12, owner team-core)"),
    (use("never_total"), evidence(degraded=((LAST_SEEN, "no range queries"),)), None, "metric/missing",
     Severity.WARNING, "never_total is missing: not in Prometheus at http://p:9090 now (whether it was seen in the "
                       "last 7d could not be checked)"),
    (use("never_total"), evidence(history=History(False, NOW - timedelta(hours=2))), None, "metric/missing",
     Severity.WARNING, "never_total is missing: never seen in Prometheus at http://p:9090 in the 2h of data it "
                       "holds (less than the 7d lookback)"),
    (use("never_total"), evidence(history=History(False, None)), None, "metric/missing", Severity.WARNING,
     "never_total is missing: never seen in Prometheus at http://p:9090 in the data it holds (less than the 7d "
     "lookback)"),
    (use("never_total"), evidence(history=History(True)), None, "metric/missing", Severity.WARNING,
     "never_total is missing: never seen in Prometheus at http://p:9090 in the last 7d"),
    (use("never_total"), evidence(history=UNTOLD), None, "metric/missing", Severity.WARNING,
     "never_total is missing: never seen in Prometheus at http://p:9090 within the 7d lookback (how much data it "
     "holds could not be checked)"),
    (use("latency_seconds"), None, CATALOG, "metric/missing", Severity.WARNING,
     "latency_seconds is missing: never seen in Prometheus at http://p:9090 in the last 7d (a histogram is stored "
     "as latency_seconds_bucket, latency_seconds_sum and latency_seconds_count: query one of those); "
     "latency_seconds is a histogram: did you mean latency_seconds_bucket (for histogram_quantile), _sum or _count?"),
    (use("spikes"), None, None, "metric/missing", Severity.WARNING, "spikes is missing: never seen in Prometheus at "
     "http://p:9090 in the last 7d; did you mean spikes_total? (counters are exposed with _total)"),
    (use("requests_total"), None, None, "metric/missing", Severity.WARNING, "requests_total is missing: never seen "
     "in Prometheus at http://p:9090 in the last 7d; did you mean requests? (it is exposed without _total)"),
    (use("maximus_dopamine_levle"), None, None, "metric/missing", Severity.WARNING, "maximus_dopamine_levle is "
     "missing: never seen in Prometheus at http://p:9090 in the last 7d; did you mean maximus_dopamine_level?"),
    (use("zzz_unrelated"), None, None, "metric/missing", Severity.WARNING,
     "zzz_unrelated is missing: never seen in Prometheus at http://p:9090 in the last 7d"),
])
def test_each_reason_its_severity_and_exact_message(metric_use, ev, catalog, check, severity, message):
    found = one(metric_use, ev, catalog)
    assert (found.check, found.severity, found.message) == (check, severity, message)
    assert found.location == AT and found.metric == metric_use.metric


def test_an_invalid_name_pattern_is_a_parse_finding_not_a_missing_metric():
    found = classify([use("a(b", is_pattern=True)], evidence())
    assert [f.check for f in found] == ["promql/parse"]
    assert found[0].message.startswith("name pattern 'a(b' is not a regex Prometheus accepts (RE2): ")


def test_degraded_capabilities_are_said_once_each_before_the_uses():
    ev = evidence(degraded=((LAST_SEEN, "no range queries"), ("recording rules", "no /api/v1/rules")))
    found = classify([use("up"), use("level")], ev)
    assert [f.check for f in found] == ["source/degraded", "source/degraded", "metric/present", "metric/present"]
    assert found[0].message == "Prometheus at http://p:9090: last-seen history could not be checked: no range queries"
    assert found[0].location == Location(file=None)


def test_no_hint_without_names_and_no_close_name_under_the_cutoff():
    found = one(use("spikes"), evidence(names=frozenset()))
    assert found.message == "spikes is missing: never seen in Prometheus at http://p:9090 in the last 7d"


@pytest.mark.parametrize("name,metadata,catalog,expected", [
    ("level", {"level": "gauge"}, None, ("gauge", "Prometheus' metadata")),
    ("latency_seconds_bucket", {"latency_seconds": "histogram"}, None, ("counter", "Prometheus' metadata")),
    ("latency_seconds", {"latency_seconds": "histogram"}, None, ("histogram", "Prometheus' metadata")),
    ("level", {}, CATALOG, ("gauge", "the catalog (narratives/metrics.yaml:30)")),
    ("latency_seconds_sum", {}, CATALOG, ("counter", "the catalog (narratives/metrics.yaml:20)")),
    ("x_total", {}, None, ("counter", "naming convention (_total)")),
    ("x_bucket", {}, None, ("counter", "naming convention (_bucket)")),
    ("x", {}, None, None),
])
def test_metric_type_prefers_metadata_then_catalog_then_names(name, metadata, catalog, expected):
    assert metric_type(name, metadata, catalog) == expected


@pytest.mark.parametrize("metric_use,expected", [
    (use("level", under="rate", ranged=True), ["metric/rate-on-gauge"]),
    (use("spikes_total", under="sum"), ["metric/counter-without-rate"]),
    (use("spikes_total"), ["metric/counter-without-rate"]),
    (use("spikes_total", under="rate", ranged=True), []),
    (use("spikes_total", under="count"), []),
    (use("spikes_total", under="sum", ranged=True), []),
    (use("level"), []),
    (use("spikes_total", role=OPTIONAL, under="sum"), []),
    (use("sp.*", is_pattern=True, under="sum"), []),
    (use("absent_total", under="sum"), []),  # not present: nothing to say about its type
])
def test_type_findings(metric_use, expected):
    found = classify([metric_use], evidence(metadata={"level": "gauge"}))
    assert [f.check for f in found if f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")] == expected


def test_type_messages_and_one_per_place():
    gauge = use("level", under="rate", ranged=True)
    counter = use("spikes_total", under="sum")
    found = classify([gauge, gauge, counter], evidence(metadata={"level": "gauge"}))
    typed = [f.message for f in found if f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")]
    assert typed == [
        "rate() over level, a gauge (type from Prometheus' metadata): rate is for counters; a gauge is shown as it "
        "is, or with deriv() or delta() for its change",
        "sum() of spikes_total, probably a counter (type from naming convention (_total)), without rate() or "
        "increase(): the panel draws an ever-growing total; did you mean rate(spikes_total[$__rate_interval])?"]


@pytest.mark.parametrize("delta,text", [
    (timedelta(seconds=0), "0s"), (timedelta(seconds=59), "59s"), (timedelta(seconds=60), "1m"),
    (timedelta(minutes=59, seconds=59), "59m"), (timedelta(hours=1), "1h"), (timedelta(hours=23, minutes=59), "23h"),
    (timedelta(days=1), "1d"), (timedelta(days=1, minutes=59), "1d"), (timedelta(days=1, hours=1), "1d 1h"),
    (timedelta(days=7), "7d"), (timedelta(days=2, hours=23, minutes=59), "2d 23h"),
])
def test_human_span(delta, text):
    assert human_span(delta) == text


def test_absent_names_are_the_exact_names_not_present_now():
    uses = [use("up"), use("gone_total"), use("x.*", is_pattern=True), use("gone_total")]
    assert absent_names(uses, evidence()) == {"gone_total"}
    assert absent_names(uses, evidence(names=None)) == set()


# --- the rest of each finding: details, locations, and the branches the messages above do not reach ----

def test_every_finding_carries_its_query_metric_and_details():
    details = {f.check: dict(f.details) for f in classify([
        use("up", query="sum(up)"),
        use("old", role=FALLBACK, alternatives=("up", "other"), query="old or up"),
        use("job:up:sum", query="job:up:sum"),
        use("gone_total", query="rate(gone_total[5m])"),
        use("must_have_total", query="must_have_total"),
    ], evidence(rules={"job:up:sum": {"name": "rule-a"}}, last_seen={"gone_total": NOW - timedelta(days=1)}),
        CATALOG)}
    assert details["metric/present"] == {"query": "sum(up)", "required": False}
    assert details["metric/fallback-only"] == {"query": "old or up", "required": False, "alternatives": ("up", "other")}
    assert details["metric/recording-rule"] == {"query": "job:up:sum", "required": False, "rule": "rule-a"}
    assert details["metric/disappeared"] == {"query": "rate(gone_total[5m])", "required": False,
                                             "last_seen": "2026-11-25T12:00:00+00:00"}
    assert details["metric/missing"] == {"query": "must_have_total", "required": True}


def test_a_parse_finding_and_a_degraded_one_are_placed_and_detailed():
    parse, = classify([use("a(b", is_pattern=True, query="{__name__=~'a(b'}")], evidence())
    assert (parse.location, parse.metric, dict(parse.details)) == (AT, "a(b", {"query": "{__name__=~'a(b'}"})
    said = classify([], evidence(degraded=((LAST_SEEN, "no range queries"),)))
    assert [dict(f.details) for f in said] == [{"capability": LAST_SEEN}]


def test_severity_follows_the_catalog_in_every_absent_reason():
    ev = evidence(degraded=((LAST_SEEN, "no range queries"),))
    assert one(use("must_have_total"), ev, CATALOG).severity == Severity.ERROR
    assert one(use("other_total"), ev, CATALOG).severity == Severity.WARNING
    assert one(use("must_have_total"), evidence(), CATALOG).severity == Severity.ERROR


def test_a_rule_given_as_an_object_is_read_by_attribute():
    from types import SimpleNamespace

    rule = SimpleNamespace(name="rule-b", group="g2", health="ok")
    found = one(use("job:x:sum"), evidence(rules={"job:x:sum": rule}))
    assert found.message == ("job:x:sum is produced by recording rule 'rule-b' in group 'g2' but has no series yet: "
                             "check that the rule's inputs exist")
    assert dict(found.details)["rule"] == "rule-b"


@pytest.mark.parametrize("name,names,hint", [
    ("maxinus_dopamine_level", NAMES, ""),  # a close name under another prefix is not offered
    ("requestz", NAMES, "; did you mean requests?"),  # without `_`, every name is a candidate
    ("other_missing", NAMES, ""),
    # another word is another metric, not a slip (a trial was offered `read` for `fsync`)
    ("vm_filestream_fsync_duration_seconds_total", NAMES | {"vm_filestream_read_duration_seconds_total"}, ""),
    ("app_reqests_total", NAMES | {"app_requests_total"}, "; did you mean app_requests_total?"),
    ("node_cpu_second_total", NAMES | {"node_cpu_seconds_total"}, "; did you mean node_cpu_seconds_total?"),
    ("node_cpu_secondstotal", NAMES | {"node_cpu_seconds_total"}, "; did you mean node_cpu_seconds_total?"),
    ("node_file_system_avail_bytes", NAMES | {"node_filesystem_avail_bytes"},
     "; did you mean node_filesystem_avail_bytes?"),
    # short names: one key slipped is a ratio under the cutoff (`upp`/`up` is 0.8), yet still a slip
    ("upp", NAMES | {"up"}, "; did you mean up?"),
    ("pu", NAMES | {"up"}, "; did you mean up?"),  # two keys swapped
    ("ip", NAMES | {"up"}, "; did you mean up?"),
    ("u", NAMES | {"up"}, ""),  # a single letter is no name to correct
    ("go_gc", NAMES | {"go_gcs", "go_gc_duration_seconds"}, "; did you mean go_gcs?"),
    ("app_rx_bytes_total", NAMES | {"app_tx_bytes_total"}, ""),  # one key, but another word: rx is not tx
    # trial 15: a word dropped that changes what is counted, and two close words, are other metrics
    ("ray_serve_num_http_error_requests_total", NAMES | {"ray_serve_num_http_requests_total"}, ""),
    ("mysql_global_status_slow_queries", NAMES | {"mysql_global_status_queries"}, ""),
    ("mysql_global_status_threads_created", NAMES | {"mysql_global_status_threads_connected"}, ""),
    # a unit word left out is still the metric
    ("node_network_receive_total", NAMES | {"node_network_receive_bytes_total"},
     "; did you mean node_network_receive_bytes_total?"),
    # trial 17: a unit appended is under difflib's cutoff (0.78), and still the metric
    ("node_boot_time", NAMES | {"node_boot_time_seconds"}, "; did you mean node_boot_time_seconds? (the unit is part "
                                                           "of the name)"),
    ("node_uname", NAMES | {"node_uname_info"}, "; did you mean node_uname_info? (the unit is part of the name)"),
])
def test_close_names(name, names, hint):
    found = one(use(name), evidence(names=names), CATALOG)
    assert found.message == f"{name} is missing: never seen in Prometheus at http://p:9090 in the last 7d{hint}"


def test_never_seen_in_data_that_starts_now_is_said_without_a_span():
    found = one(use("never_total"), evidence(history=History(False, NOW)))
    assert found.message.endswith("never seen in Prometheus at http://p:9090 in the data it holds (less than the 7d "
                                  "lookback)")


def test_metric_types_of_summaries_and_family_names():
    assert metric_type("rpc_seconds_count", {"rpc_seconds": "summary"}, None) == ("counter", "Prometheus' metadata")
    assert metric_type("latency_seconds_count", {}, CATALOG) == ("counter", "the catalog (narratives/metrics.yaml:20)")


def test_type_findings_use_the_catalog_and_go_on_past_untyped_uses():
    found = classify([use("unknown_kind", under="rate", ranged=True), use("level", under="rate", ranged=True),
                      use("spikes_total", query="spikes_total")], evidence(names=NAMES | {"unknown_kind"}), CATALOG)
    typed = [f for f in found if f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")]
    assert [f.message for f in typed] == [
        "rate() over level, a gauge (type from the catalog (narratives/metrics.yaml:30)): rate is for counters; a "
        "gauge is shown as it is, or with deriv() or delta() for its change",
        "spikes_total, probably a counter (type from naming convention (_total)), without rate() or increase(): the "
        "panel draws an ever-growing total; did you mean rate(spikes_total[$__rate_interval])?"]
    assert [(f.location, f.metric, dict(f.details)) for f in typed] == [
        (AT, "level", {"query": "level"}), (AT, "spikes_total", {"query": "spikes_total"})]


def test_an_invalid_pattern_says_why_and_the_uses_after_it_are_still_judged():
    found = classify([use("a(b", is_pattern=True), use("sp.*_total", is_pattern=True), use("up")], evidence())
    assert [f.check for f in found] == ["promql/parse", "metric/present", "metric/present"]
    assert found[0].message == "name pattern 'a(b' is not a regex Prometheus accepts (RE2): missing ): a(b"


def test_fallbacks_name_every_live_alternative_and_count_a_present_pattern_as_live():
    two = one(use("old", role=FALLBACK, alternatives=("up", "level", "gone")))
    assert two.message == "old is absent but only an `or` alternative of up, level, which is present"
    found = classify([use("old", role=FALLBACK, alternatives=("sp.*_total",)), use("sp.*_total", is_pattern=True)],
                     evidence())
    assert [f.check for f in found] == ["metric/fallback-only", "metric/present"]


def test_a_use_without_a_type_finding_does_not_end_the_search():
    found = classify([use("level"), use("spikes_total", under="sum")], evidence(metadata={"level": "gauge"}))
    assert [f.metric for f in found if f.check == "metric/counter-without-rate"] == ["spikes_total"]


@pytest.mark.parametrize("name", ["ALERTS", "ALERTS_FOR_STATE"])
def test_alert_series_absent_while_nothing_fires_are_not_missing(name):
    found = one(use(name), evidence(names=NAMES))
    assert (found.check, found.severity) == ("metric/intentionally-absent", Severity.INFO)
    assert "while no alert is pending or firing" in found.message


def test_a_counter_known_only_by_its_name_is_information_not_a_warning():
    """Gauges named like counters exist (`pg_stat_activity_count`), and a source without metadata
    (VictoriaMetrics) says nothing more: a guess is not a warning. Known from metadata, it is."""
    def typed(metadata):
        [found] = [f for f in classify([use("spikes_total", under="sum")], evidence(metadata=metadata))
                   if f.check == "metric/counter-without-rate"]
        return found.severity.name

    assert (typed({}), typed({"spikes_total": "counter"})) == ("INFO", "WARNING")


@pytest.mark.parametrize("name,known,expected", [
    ("elasticsearch_thread_pool_queue_count", (), None),  # a gauge: nothing said by its name
    ("nautobot_model_count", ("nautobot_model_total",), None),  # no sibling of a family
    ("rpc_seconds_count", ("rpc_seconds_sum",), ("counter", "naming convention (_count)")),  # a summary's
    ("rpc_seconds_count", ("rpc_seconds_bucket",), ("counter", "naming convention (_count)")),  # a histogram's
    ("rpc_seconds_sum", ("rpc_seconds_count",), ("counter", "naming convention (_sum)")),
    ("rpc_seconds_sum", (), None),
])
def test_count_and_sum_are_a_familys_by_name_only_beside_a_sibling(name, known, expected):
    """Trial 14: `avg(nautobot_model_count{…})` and `elasticsearch_thread_pool_queue_count` (gauges)
    were "probably a counter … did you mean rate()?" offline and on VictoriaMetrics (no metadata)."""
    assert metric_type(name, {}, None, frozenset(known)) == expected


def test_a_gauge_ending_in_count_gets_no_rate_advice_and_a_family_still_does():
    found = classify([use("queue_count", under="sum"), use("rpc_seconds_count", under="sum"),
                      use("rpc_seconds_sum", under="sum")],
                     evidence(metadata={}, names=NAMES | {"queue_count", "rpc_seconds_count", "rpc_seconds_sum"}))
    assert [f.metric for f in found if f.check == "metric/counter-without-rate"] == ["rpc_seconds_count",
                                                                                     "rpc_seconds_sum"]


def test_a_summary_family_in_the_catalog_types_its_series():
    summary = MetricCatalog("m.yaml", (MetricSpec("rpc_seconds", "summary", "seconds", "", "team", line=4),))
    assert metric_type("rpc_seconds_count", {}, summary) == ("counter", "the catalog (m.yaml:4)")


def test_a_rule_object_without_a_group_or_health():
    from types import SimpleNamespace

    found = one(use("job:x:sum"), evidence(rules={"job:x:sum": SimpleNamespace(name="rule-c")}))
    assert found.message.startswith("job:x:sum is produced by recording rule 'rule-c' but has no series yet:")


@pytest.mark.parametrize("query,expected", [
    ("sum(rate(spikes_total[5m])) or vector(0)", []),  # a counter under rate(): not shown raw
    ("sum(rate(spikes_total[5m])) or sum(rate(up[5m]))", []),
    ("rate(level[5m]) or rate(up[5m])", ["metric/rate-on-gauge"]),  # rate() over a gauge in a fallback chain
    ("sum(level) or sum(spikes_total)", ["metric/counter-without-rate"]),
])
def test_type_findings_see_through_an_or_chain(query, expected):
    """Extraction and classification together: an `or` operand keeps the function around it."""
    from vertice_obs.metrics.extract import uses_of
    from vertice_obs.metrics.inventory import Query

    uses, problems = uses_of(Query(query, AT), {})
    assert problems == []
    found = classify(uses, evidence(metadata={"level": "gauge"}))
    assert [f.check for f in found if f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")] == expected


@pytest.mark.parametrize("kind,query,expected", [
    # a variable's query lists values or picks series: it draws nothing, so no type hint applies
    ("variable", "label_values(spikes_total, environment)", []),
    ("variable", 'label_values(spikes_total{job="x"}, instance)', []),
    ("variable", "query_result(topk(5, sum by (job) (spikes_total)))", []),
    ("variable", "query_result(rate(level[5m]))", []),
    ("variable", "spikes_total", []),  # a bare PromQL variable query (label_names(…) and the like)
    # a panel's or an annotation's query is drawn: the hints stay
    ("panel", "spikes_total", ["metric/counter-without-rate"]),
    ("panel", "sum(spikes_total)", ["metric/counter-without-rate"]),
    ("panel", "rate(level[5m])", ["metric/rate-on-gauge"]),
    ("panel", 'spikes_total{job="a"} - spikes_total{job="a"} offset 1h', []),  # counters subtracted: a level
    ("panel", 'spikes_total{job="a"} / 60', ["metric/counter-without-rate"]),  # a number: still a growing total
    ("annotation", "spikes_total > 0", ["metric/counter-without-rate"]),
    ("annotation", "rate(level[5m]) > 0", ["metric/rate-on-gauge"]),
])
def test_type_findings_are_for_drawn_queries_not_variable_queries(kind, query, expected):
    """Through both extraction paths, as `vobs validate` uses them, and the catalog's types."""
    from vertice_obs.metrics.analysis import uses_through_shapes
    from vertice_obs.metrics.extract import uses_of
    from vertice_obs.metrics.inventory import Query

    catalog = MetricCatalog(CATALOG.file, (*CATALOG.metrics, MetricSpec("spikes_total", "counter", "", "", "t", line=9)))
    for path in (uses_of, uses_through_shapes):
        uses, problems = path(Query(query, AT, kind), {})
        assert problems == [] and uses, (path, uses)
        found = classify(uses, evidence(), catalog)
        assert [f.check for f in found if f.check in ("metric/rate-on-gauge", "metric/counter-without-rate")] == expected


def test_offline_missing_names_no_window_a_catalog_does_not_have():
    """A catalog lists what exists; it has no history, so "never seen … in the last 7d" would be
    false. Through `gather`, as `vobs validate` offline does; the live wording is pinned above."""
    from vertice_obs.metrics.evidence import CatalogSource, gather

    source = CatalogSource(CATALOG)
    found = one(use("levle"), gather(source, ["levle"], now=NOW), CATALOG)
    assert (found.check, found.message) == (
        "metric/missing", "levle is missing: not in the metric catalog narratives/metrics.yaml; did you mean level?")
    pattern = one(use("nothing_.*", is_pattern=True), gather(source, [], now=NOW), CATALOG)
    assert pattern.message == "name pattern 'nothing_.*' is missing: not in the metric catalog narratives/metrics.yaml"
    # the rest of the finding as the live one carries it: place, severity (an error when the
    # catalog requires the metric) and the metric, query and required flag for machines
    assert (found.location, found.severity, found.metric, dict(found.details)) == (
        AT, Severity.WARNING, "levle", {"query": "levle", "required": False, "did_you_mean": "did you mean level?"})
    catalog = MetricCatalog(CATALOG.file, (*CATALOG.metrics, MetricSpec("gone_total", "counter", "", "", "t",
                                                                      required=True, line=40)))
    gone = one(use("gone_total"), gather(source, ["gone_total"], now=NOW), catalog)  # required, not listed
    assert (gone.severity, dict(gone.details)["required"]) == (Severity.ERROR, True)


def test_without_any_source_a_counter_without_rate_is_still_said_by_its_name(tmp_path):
    """Trial 8: `vobs validate` with no Prometheus and no catalog said "dashboard lints: clean" for
    `sum(x_total)` — the type findings ran only on metrics a source listed. By name alone they are a
    guess, so information; a gauge-looking name and a rated counter stay quiet."""
    import json

    from click.testing import CliRunner

    from vertice_obs.cli import cli

    (tmp_path / "c.json").write_text(json.dumps({"uid": "c", "title": "C", "panels": [
        {"id": 1, "type": "timeseries", "title": "Raw", "targets": [
            {"refId": "A", "expr": 'sum(http_requests_total{code="500"})'},
            {"refId": "B", "expr": "sum(rate(http_requests_total[5m]))"},
            {"refId": "C", "expr": "sum(process_resident_memory_bytes)"}]}]}))
    done = CliRunner().invoke(cli, ["-C", str(tmp_path), "validate", str(tmp_path / "c.json"), "--format", "json"])
    found = [f for f in json.loads(done.stdout)["findings"] if f["check"] == "metric/counter-without-rate"]
    assert [(f["location"]["target"], f["severity"]) for f in found] == [("A", "info")], done.output
    assert "probably a counter (type from naming convention (_total))" in found[0]["message"]


def test_a_close_name_is_looked_for_once_per_missing_name_not_per_use(monkeypatch):
    """A missing name used on thousands of panels (60 copies of node-exporter-full: 9,480 uses of 158
    names) was compared with every present name once per use — half of a 12 s run (trial 12)."""
    import difflib

    import vertice_obs.metrics.classify as classify_module

    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(classify_module.difflib, "get_close_matches", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    ev = evidence(names=frozenset({f"maximus_thing_{i}" for i in range(50)} | {"maximus_dopamine_level"}))
    found = classify([use("maximus_dopamine_levle") for _ in range(40)] + [use("maximus_other_x") for _ in range(40)], ev)
    assert {f.message.endswith("did you mean maximus_dopamine_level?") for f in found[:40]} == {True}
    assert sorted(calls) == ["maximus_dopamine_levle", "maximus_other_x"]


def test_an_uptime_counter_is_shown_as_it_is():
    """`apache_uptime_seconds_total` in a stat panel is the time since start, which is meant raw: its
    rate is 1 (trial 17, rfmoz's Apache dashboard). Another counter of the exporter still gets the advice."""
    names = NAMES | {"apache_uptime_seconds_total", "apache_accesses_total"}
    metadata = {"apache_uptime_seconds_total": "counter", "apache_accesses_total": "counter"}
    found = classify([use("apache_uptime_seconds_total"), use("apache_accesses_total")],
                     evidence(names=names, metadata=metadata))
    assert [f.metric for f in found if f.check == "metric/counter-without-rate"] == ["apache_accesses_total"]
