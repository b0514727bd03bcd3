"""The audit's ranking, grouping and rendering, as pure functions over findings and the source's names.

Table-driven: each row is a small run (metric findings at dashboards and panels, the live names)
and what a team should read first. The live Prometheus and Chromium tests are in test_audit_live.py.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from importlib import resources

import jsonschema
import pytest

from vertice_obs.checks import finding
from vertice_obs.finding import Location, Severity
from vertice_obs.metrics.audit import audit_html, audit_json, audit_text, build_audit
from vertice_obs.metrics.audit.families import advice, family_of
from vertice_obs.metrics.catalog import MetricCatalog, MetricSpec
from vertice_obs.metrics.evidence import CatalogSource


def use(metric: str, status: str, where: str, required: bool = False, target: str = "A") -> object:
    """`where` is "dashboard/panel" (or "dashboard/$var" for a variable's query)."""
    dashboard, panel = where.split("/", 1)
    if panel.startswith("$"):
        loc = Location(file=f"{dashboard}.json", dashboard=dashboard, target=f"variable {panel[1:]}")
    else:
        loc = Location(file=f"{dashboard}.json", line=7, dashboard=dashboard, panel=panel, panel_id=zlib.crc32(panel.encode()),
                       target=target)
    return finding(f"metric/{status}", f"{metric} is {status}: because", loc, metric=metric, required=required,
                   query=f"sum({metric})")


def _guessed(f):
    """The finding as vobs gives it when the type came from the name alone (no metadata): info."""
    return dataclasses.replace(f, severity=Severity.INFO)


RANKING = [
    ("more panels first",
     [use("a_x", "missing", "d1/p1"), use("b_x", "missing", "d1/p2"), use("b_x", "missing", "d1/p3")],
     {"a_other", "b_other"}, ["b_x", "a_x"]),
    ("more dashboards break a tie",
     [use("a_x", "missing", "d1/p1"), use("a_x", "missing", "d1/p2"),
      use("b_x", "missing", "d1/p3"), use("b_x", "missing", "d2/p1")],
     {"a_other", "b_other"}, ["b_x", "a_x"]),
    ("required before more panels",
     [use("a_x", "missing", "d1/p1", required=True)] + [use("b_x", "missing", f"d1/p{i}") for i in range(2, 7)],
     {"a_other", "b_other"}, ["a_x", "b_x"]),
    ("No data before a wrong picture",
     [use("a_x", "rate-on-gauge", f"d1/p{i}") for i in range(5)] + [use("b_x", "label-missing", "d2/p1")],
     {"a_x", "b_x"}, ["b_x", "a_x"]),
    ("an exporter not scraped is one action, its panels counted once",
     [use("redis_up", "missing", "r/Up"), use("redis_db_keys", "missing", "r/Keys"),
      use("redis_db_keys", "missing", "r/Up", target="B"), use("maximus_x", "missing", "m/p1")],
     {"maximus_y"}, ["redis_*", "maximus_x"]),
    ("a scraped family stays one action per metric",
     [use("node_a", "missing", "n/p1"), use("node_b", "missing", "n/p2"), use("node_b", "missing", "n/p3")],
     {"node_cpu_seconds_total"}, ["node_b", "node_a"]),
    ("information is not an action",
     [use("a_x", "fallback-only", "d1/p1"), use("b_x", "group-label-missing", "d1/p2"), use("c_x", "present", "d/p")],
     {"c_x"}, []),
    ("present uses of a metric do not count toward its impact",
     [use("a_x", "present", "d1/p1"), use("a_x", "present", "d1/p2"), use("a_x", "present", "d1/p3"),
      use("a_x", "label-missing", "d1/p3"), use("b_x", "missing", "d1/p4"), use("b_x", "missing", "d2/p4")],
     {"a_x", "b_other"}, ["b_x", "a_x"]),
    ("a type guessed from the name alone (info) is not an action; a known type (warning) is",
     [use("a_count", "present", "d1/p1"), _guessed(use("a_count", "counter-without-rate", "d1/p1")),
      use("b_total", "present", "d1/p2"), use("b_total", "counter-without-rate", "d1/p2")],
     {"a_count", "b_total"}, ["b_total"]),
    ("a variable's query counts apart from panels",
     [use("a_x", "missing", "d1/$instance"), use("b_x", "missing", "d1/p1")],
     {"a_other", "b_other"}, ["b_x", "a_x"]),
]


@pytest.mark.parametrize("title,findings,names,expected", RANKING, ids=[r[0] for r in RANKING])
def test_actions_are_ranked_by_impact(title, findings, names, expected):
    audit = build_audit(findings, {}, None, "src", names=names)
    assert [a.subject for a in audit.actions] == expected
    assert [a.rank for a in audit.actions] == list(range(1, len(expected) + 1))


def test_impact_counts_distinct_panels_and_dashboards():
    findings = [use("redis_up", "missing", "r/Up"), use("redis_db_keys", "missing", "r/Keys"),
                use("redis_db_keys", "missing", "r/Up", target="B"), use("redis_up", "missing", "k/Up"),
                use("redis_up", "missing", "k/$instance")]
    (action,) = build_audit(findings, {}, None, "src", names=set()).actions
    assert (action.impact.panels, action.impact.dashboards, action.impact.others) == (3, 2, 1)
    assert action.metrics == ("redis_up", "redis_db_keys")  # the metric on more panels first
    text = audit_text(build_audit(findings, {}, None, "src", names=set()))
    assert ("1. redis_* — 2 metrics missing, 3 panels and 1 variable or annotation in 2 dashboards: "
            "no series with this prefix; is the Redis exporter scraped?") in text


@pytest.mark.parametrize("markdown", [False, True])
def test_a_family_summary_says_what_uses_it_as_its_action_does(markdown):
    """A family only a variable (or an annotation) reads was summed up `kube_* — 1 metric, 0 panels`
    under an action line saying `1 variable or annotation`."""
    only_variable = [use("kube_pod_info", "missing", "k/$pod")]
    both = [use("redis_up", "missing", "r/Up"), use("redis_up", "missing", "r/$instance")]
    text = audit_text(build_audit(only_variable + both, {}, None, "src", names=set()), markdown=markdown)
    q = "`" if markdown else ""
    kube, redis = f"{q}kube_*{q}", f"{q}redis_*{q}"
    assert f"{q}kube_pod_info{q} missing — 1 variable or annotation in 1 dashboard: " in text  # the action
    assert f"{kube} — 1 metric, 1 variable or annotation: no series with this prefix" in text  # its family
    assert f"{redis} — 1 metric, 1 panel and 1 variable or annotation: no series with this prefix" in text
    assert "0 panels" not in text



def test_a_metric_on_thousands_of_panels_is_grouped_in_linear_work(monkeypatch):
    """A Grafana dump's `up` is queried on thousands of panels: each use was looked for in a list of
    the ones before it (a new-user trial's 30,000-panel audit ran for over 15 minutes). The uses are
    told apart by hashing: comparisons stay about one per use, and a repeated use is still kept once."""
    from vertice_obs.metrics.audit import model

    compared = 0
    original = model.Use.__eq__

    def counting(self, other):
        nonlocal compared
        compared += 1
        return original(self, other)

    monkeypatch.setattr(model.Use, "__eq__", counting)
    findings = [use("up", "missing", f"d/P{i}") for i in range(3000)]
    grouped = model.group_metrics(findings + findings[:10], {})
    assert len(grouped["up"].uses) == 3000  # the repeated ten are one use each
    assert compared < 3 * 3000, compared


def test_one_dashboard_of_thousands_of_panels_is_listed_in_linear_work():
    """The panel list tells same-title panels apart: each title was counted among all the dashboard's
    (`list.count` per panel) — 20,000 panels of one dashboard took 5.6 s to list, a 30,000-panel dump far
    longer. Counted once, it is a fraction of a second."""
    import time

    audit = build_audit([use("up", "missing", f"d/P{i}") for i in range(20_000)], {}, None, "src", names=set())
    started = time.monotonic()
    text = audit_text(audit)
    assert "'P19999' (A)" in text and time.monotonic() - started < 2.0


FAMILIES = [
    ("redis_connected_clients", "redis_"),
    ("nginx_ingress_controller_requests", "nginx_ingress_controller_"),
    ("nginx_http_requests_total", "nginx_"),
    ("kube_pod_info", "kube_"),
    ("kubelet_running_pods", "kubelet_"),
    ("container_cpu_usage_seconds_total", "container_"),
    ("ceph_osd_up", "ceph_"),
    ("go_goroutines", "go_"),
    ("gogo_things", "gogo_"),
    ("maximus_dopamine_level", "maximus_"),
    ("job:node_cpu:rate5m", "job:"),
    ("cluster_job_route:apiserver_request_total:sum_rate", "cluster_job_route:"),  # trial 8: not `cluster_`
    ("node_namespace_pod_container:container_cpu:sum", "node_namespace_pod_container:"),  # not node_exporter's
    ("up", "up"),
    ("upstream_latency_seconds", "upstream_"),
    ("scrape_duration_seconds", "scrape_"),
]


@pytest.mark.parametrize("name,prefix", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_family_is_the_longest_known_prefix_else_the_first_word(name, prefix):
    assert family_of(name) == prefix


ADVICE = [
    ("redis_", 0, False, "missing", "no series with this prefix; is the Redis exporter scraped?"),
    ("foo_", 0, False, "missing", "no series with this prefix; is the exporter of the `foo_` metrics scraped?"),
    ("node_", 212, False, "missing", "212 other names with this prefix are present (node_exporter is scraped): "
                                     "renamed, or not exported by this version or configuration?"),
    ("node_", 3, False, "disappeared", "(node_exporter is scraped): stopped, or renamed?"),
    ("node_", 1, False, "missing", "1 other name with this prefix is present (node_exporter is scraped)"),  # trial 14
    ("maximus_", 1, True, "missing", "1 other catalog metric has this prefix, not these"),
    ("redis_", 0, True, "missing", "no metric with this prefix in the catalog (checked offline"),
    ("maximus_", 12, True, "missing", "12 other catalog metrics have this prefix, not these"),
    ("redis_", None, False, "missing", "the source could not list its names"),
    ("cluster_job_route:", 0, False, "missing", "none of this level recorded; are the rules that record them loaded"),
    ("node_namespace_pod_container:", 4, False, "missing", "4 others of this level are recorded, these not: their "
                                                           "rules not loaded, failing, or renamed?"),
    ("job:", 2, False, "disappeared", "their rules stopped recording?"),
    ("job:", 0, True, "missing", "recording-rule outputs (`level:metric:operations`) not in the catalog"),
]


@pytest.mark.parametrize("prefix,live,offline,status,expected", ADVICE, ids=[f"{a[0]}{a[1]}{a[2]}" for a in ADVICE])
def test_family_advice_tells_not_scraped_from_renamed(prefix, live, offline, status, expected):
    assert expected in advice(prefix, live, offline, status)


@pytest.mark.parametrize("prefix,live,offline,expected", [
    ("up", 0, True, "`up` series are made by Prometheus (or vmagent) for every target it scrapes, not by an exporter: "
                    "add the names to the catalog, or check them with --prometheus-url"),
    ("up", 0, False, "does this source hold any scraped data, or is it fed by remote write only?"),
    ("scrape_", 4, False, "4 other names with this prefix are present: the scraper makes some only when asked "
                          "(Prometheus: --enable-feature=extra-scrape-metrics), or a typo?"),
])
def test_the_scrapers_own_series_are_not_advised_about_an_exporter(prefix, live, offline, expected):
    """`up` and `scrape_*` are made by the scraper for every target: "is the exporter of the `up`
    metrics scraped?" (trial 11, offline) sent the reader looking for an exporter that does not exist."""
    said = advice(prefix, live, offline, "missing")
    assert expected in said and "is scraped" not in said and "exporter of" not in said, said


@pytest.mark.parametrize("live,offline,expected", [
    (0, False, "none of this level recorded; are the rules that record them loaded and evaluating? "
               "(Prometheus: Status → Rules; VictoriaMetrics: vmalert)"),
    (3, False, "3 others of this level are recorded, these not: their rules not loaded, failing, or renamed?"),
    (0, True, "not in the catalog: add them, or check them with --prometheus-url"),
])
def test_recording_rule_outputs_are_advised_about_their_rules_not_an_exporter(live, offline, expected):
    said = advice("job:", live, offline, "missing")
    assert expected in said and "exporter" not in said and "scraped" not in said, said


def test_families_group_absent_metrics_and_say_whether_the_prefix_is_live():
    findings = [use("redis_up", "missing", "r/Up"), use("redis_db_keys", "disappeared", "r/Keys"),
                use("maximus_typo", "missing", "m/p"), use("maximus_level", "present", "m/q"),
                use("maximus_level", "label-missing", "m/r")]
    audit = build_audit(findings, {}, None, "src", names={"maximus_level", "maximus_other"})
    by_prefix = {f.prefix: f for f in audit.families}
    assert set(by_prefix) == {"redis_", "maximus_"}  # label-missing is not an absent name
    assert (by_prefix["redis_"].live, by_prefix["redis_"].exporter) == (0, "the Redis exporter")
    assert by_prefix["maximus_"].live == 2 and by_prefix["maximus_"].exporter is None
    assert [m.metric for m in by_prefix["maximus_"].metrics] == ["maximus_typo"]


def test_problems_come_first_server_then_errors_and_lints_after():
    findings = [
        use("a_x", "missing", "d/p"),
        finding("promql/parse", "query does not parse", Location(file="b.json", line=9, dashboard="b")),
        finding("input/json", "NaN is not JSON", Location(file="a.json", line=3)),
        finding("source/degraded", "Prometheus: recording rules could not be checked", Location()),
        finding("inventory/datasource-skipped", "a Loki query", Location(file="c.json", dashboard="c")),
    ]
    audit = build_audit(findings, {}, None, "src", names=set())
    # the server first (it concerns every file), then errors before warnings
    assert [f.check for f in audit.problems] == ["source/degraded", "promql/parse", "input/json"]
    assert [f.check for f in audit.other_findings] == ["inventory/datasource-skipped"]
    text = audit_text(audit)
    order = [text.index(s) for s in ("Could not be checked (3)", "What to do, by impact", "Other findings (1)")]
    assert order == sorted(order)
    assert text.index("recording rules could not be checked") < text.index("does not parse") < text.index("NaN")


CATALOG = MetricCatalog("narratives/metrics.yaml", (
    MetricSpec("maximus_level", "gauge", "1", "h", "team", required=True),
    MetricSpec("maximus_spikes_total", "counter", "1", "h", "team", required=True),
))
HEADLINE = [
    ("foreign dashboards: no headline", ["redis_up", "node_load1"], False),
    ("one catalog metric queried: headline", ["redis_up", "maximus_level"], True),
]


@pytest.mark.parametrize("title,queried,shown", HEADLINE, ids=[h[0] for h in HEADLINE])
def test_the_catalog_headline_only_when_its_metrics_are_queried(title, queried, shown):
    findings = [use(m, "missing", f"d/{m}") for m in queried]
    audit = build_audit(findings, {}, CATALOG, "src", names={"maximus_level"})
    assert bool(audit.required) is shown
    assert ("Required metrics:" in audit_text(audit)) is shown
    assert (json.loads(audit_json(audit))["required"] is not None) is shown
    if shown:
        assert audit.required == [("maximus_level", "missing"), ("maximus_spikes_total", "not queried")]


def test_foreign_dashboards_are_grouped_by_dashboard_not_by_an_empty_narrative():
    findings = [use("redis_up", "missing", "r/Up"), use("redis_up", "missing", "k/Up2")]
    text = audit_text(build_audit(findings, {}, None, "src", names=set(), titles={"r": "Redis"}))
    assert "narrative" not in text
    assert "  r (Redis): 'Up' (A)\n" in text and "  k: 'Up2' (A)\n" in text


def test_narratives_head_the_dashboards_when_there_are_some():
    findings = [use("m_x", "missing", "d1/p"), use("m_x", "missing", "d2/q")]
    text = audit_text(build_audit(findings, {"d1": ("dopamine",)}, None, "src", names={"m_y"}))
    assert "  narrative dopamine:\n    d1: 'p' (A)\n  outside any narrative:\n    d2: 'q' (A)\n" in text


def test_present_metrics_are_counted_at_the_end_and_listed_only_in_json_and_html():
    findings = [use("a_x", "missing", "d/p"), use("zz_present", "present", "d/q"), use("yy_present", "present", "d/r")]
    audit = build_audit(findings, {}, None, "src", names={"zz_present", "yy_present"})
    text = audit_text(audit)
    assert "zz_present" not in text and text.rstrip().endswith("listed in --format json and --format html")
    assert "Present, nothing to fix: 2 of 3 metrics queried" in text
    assert json.loads(audit_json(audit))["present"] == {"count": 2, "metrics": ["yy_present", "zz_present"]}
    page = audit_html(audit)
    assert page.index("<details id=present>") > page.index("a_x") and "<code>zz_present</code>" in page


def test_markdown_escapes_titles_and_fences_names():
    findings = [use("a_x", "missing", "d/<img src=x onerror=alert(1)> `x`")]
    md = audit_text(build_audit(findings, {}, None, "src", names=set(),
                                titles={"d": "*bold* <script>alert(2)</script>"}), markdown=True)
    assert "<img" not in md and "<script>" not in md
    assert "\\*bold\\* &lt;script>alert(2)&lt;/script>" in md  # guard.markdown.md, the one escape
    assert "1. `a_x` missing — 1 panel in 1 dashboard" in md


def test_every_status_and_problem_in_one_json_report_matches_the_schema():
    from vertice_obs.metrics.audit import STATUS_ORDER

    findings = [use(f"m_{s}", s, f"d/{s}", required=s == "missing") for s in STATUS_ORDER]
    findings += [use("m_v", "missing", "d/$instance"),
                 finding("promql/parse", "bad", Location(file="d.json", line=2)),
                 finding("inventory/library-panel", "a stub", Location(file="d.json", dashboard="d"))]
    audit = build_audit(findings, {"d": ("n",)}, CATALOG, "src", names={"m_present"}, titles={"d": "D"})
    report = json.loads(audit_json(audit))
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "audit.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report, schema)
    assert (report["schema"], report["version"]) == ("vobs-audit", 1)
    assert [m["metric"] for m in report["metrics"]][-3:] == ["m_fallback-only", "m_intentionally-absent",
                                                              "m_group-label-missing"]
    report["actions"][0]["panels"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)


def test_offline_is_the_catalog_source_exactly(tmp_path):
    """The CLI calls a run offline when its source is the catalog's: the description ties them."""
    assert CatalogSource(CATALOG).description == "the metric catalog narratives/metrics.yaml"
    audit = build_audit([use("redis_up", "missing", "r/Up")], {}, CATALOG, "x", names=CATALOG.series_names(),
                        offline=True)
    assert "checked offline" in audit.actions[0].advice


def test_an_unknown_severity_check_still_sorts():
    """Findings of checks this module has never heard of (another pass's lints) land after the metrics."""
    from vertice_obs.finding import Finding

    lint = Finding("dashboard/some-new-lint", Severity.WARNING, "x", Location(file="d.json"))
    audit = build_audit([lint, use("a_x", "missing", "d/p")], {}, None, "src", names=set())
    assert audit.other_findings == [lint] and audit.problems == []


def test_notes_are_counted_by_check_and_warnings_listed():
    """Hundreds of "not a Prometheus query" notes on foreign dashboards are one line, not hundreds."""
    notes = [finding("inventory/datasource-skipped", f"a Loki query {i}", Location(file="l.json", dashboard="l"))
             for i in range(40)]
    warning = finding("variable/option-no-data", "option prod empties 3 panels", Location(file="v.json"))
    audit = build_audit([*notes, warning, use("a_x", "missing", "d/p")], {}, None, "src", names=set())
    text = audit_text(audit)
    assert "  40 × inventory/datasource-skipped (info, listed in --format json and --format html)\n" in text
    assert "option prod empties 3 panels" in text and "a Loki query 7" not in text
    assert len(json.loads(audit_json(audit))["other_findings"]) == 41
    assert audit_html(audit).count("a Loki query") == 40


@pytest.mark.parametrize(("check", "message", "reason"), [
    ("metric/missing", "m_x is missing: never seen in Prometheus", "never seen in Prometheus"),
    ("metric/unknown", "m_x: cannot tell whether it exists: timeout", "cannot tell whether it exists: timeout"),
    # series-level messages name a label or a selector first: kept whole, never cut at their first colon
    ("metric/label-missing", "no series of m_x carries the label 'region', so region=\"eu\" selects nothing "
     "(its labels: environment, job)", None),
    ("metric/no-matching-series", 'environment="prod" matches no series of m_x: environment has dev; it matched '
     "series within the last 7d", None),
])
def test_an_entry_gives_the_whole_reason_of_each_kind_of_message(check, message, reason):
    found = finding(check, message, Location(file="d.json", line=3, dashboard="d", panel="p", target="A"), metric="m_x")
    [entry] = build_audit([found], {}, None, "src", names=set()).metrics
    assert entry.reason == (reason or message)


def test_two_problems_of_one_status_are_two_entries_each_with_its_own_panels():
    """The human reports group by (metric, status, reason): two label typos on one metric are two
    entries, not one under the first typo's reason (tests/test_audit_problems_live.py: every kind)."""
    at = lambda panel: Location(file="d.json", line=3, dashboard="d", panel=panel, panel_id=len(panel), target="A")  # noqa: E731
    findings = [finding("metric/label-missing", "no series of m_x carries the label 'jb'", at("P1"), metric="m_x"),
                finding("metric/label-missing", "no series of m_x carries the label 'jbo'", at("Panel2"), metric="m_x")]
    audit = build_audit(findings, {}, None, "src", names={"m_x"})
    assert [(p.reason.split()[-1], [u.panel for u in p.uses]) for p in audit.attention] == [("'jb'", ["P1"]),
                                                                                     ("'jbo'", ["Panel2"])]
    text = audit_text(audit)
    assert "2 problems in 1 metric to fix" in text and "1. m_x label-missing — 2 panels in 1 dashboard" in text
    assert "carries the label 'jb'\n  d: 'P1' (A)\n" in text and "carries the label 'jbo'\n  d: 'Panel2' (A)\n" in text


def test_other_findings_are_in_line_order_as_numbers():
    """Sorted as text, `x.json:128` came before `x.json:16` (a new-user trial): the audit uses the
    one order of findings (`output.finding_order`), as validate does."""
    lints = [finding("promql/rate-interval", f"fixed range {line}", Location(file="x.json", line=line, dashboard="x"))
             for line in (128, 16, 9)]
    audit = build_audit([*lints, use("a_x", "missing", "d/p")], {}, None, "src", names=set())
    assert [f.location.line for f in audit.other_findings] == [9, 16, 128]
    text = audit_text(audit)
    assert text.index("x.json:9 ") < text.index("x.json:16 ") < text.index("x.json:128 ")


def test_a_panel_of_failures_none_of_which_happened_ranks_after_real_problems():
    """A standard 5xx panel on a healthy server (`code=~"5.."`, "code has 200") ranked first in "What to
    do" (a new-user trial): the judgement marks such a selector `failures_only`, and it ranks after
    No data and wrong pictures, saying why — ahead of information, still listed."""
    def quiet(panel: str):
        at = Location(file="d.json", line=3, dashboard="d", panel=panel, panel_id=len(panel), target="A")
        return finding("metric/no-matching-series", 'code=~"5.." matches no series of a_total: code has 200; it '
                       "selects failures only: none so far, and the panel shows data when there are", at,
                       metric="a_total", failures_only=True)
    findings = [quiet("5xx"), quiet("Errors"), use("z_x", "no-matching-series", "d/p9"), use("y_x", "rate-on-gauge", "d/p8")]
    audit = build_audit(findings, {}, None, "src", names={"a_total", "z_x", "y_x"})
    assert [a.subject for a in audit.actions] == ["z_x", "y_x", "a_total"]
    text = audit_text(audit)
    assert "  3. a_total no-matching-series, failures only: none so far — 2 panels in 1 dashboard\n" in text
    mixed = build_audit([quiet("5xx"), use("a_total", "counter-without-rate", "d/raw"), use("z_x", "missing", "d/p9")],
                        {}, None, "src", names={"a_total"})
    assert [(a.subject, a.tier) for a in mixed.actions] == [("z_x", 0), ("a_total", 1)]  # ranked by its real problem


def test_a_lint_error_is_not_something_that_could_not_be_checked():
    """Trial 15: `dashboard/duplicate-uid` (an error) was listed under "Could not be checked" although
    both dashboards were checked; a parse error and an unreadable file still are."""
    dup = finding("dashboard/duplicate-uid", "uid 'x' is used by 2 dashboards", Location(file="b.json", dashboard="x"))
    parse = finding("promql/parse", "query does not parse", Location(file="a.json", line=3, dashboard="a"))
    unreadable = finding("file/invalid", "invalid JSON", Location(file="c.json", line=1, column=2))
    audit = build_audit([dup, parse, unreadable], {}, None, "Prometheus at http://p:9090")
    assert [f.check for f in audit.problems] == ["promql/parse", "file/invalid"]  # by file
    assert [f.check for f in audit.other_findings] == ["dashboard/duplicate-uid"]


def test_an_action_names_each_cause_and_counts_the_rest():
    """Trial 19: a headline merged a metric's causes without naming one. Each is named — the metric
    with the matcher that matches nothing (`details.matcher`), else the whole selector — with its own
    count, worst status first, at most three; a dropdown is named by what it lists, never "via" itself."""
    def empty(panel: str, matcher: str | None, selector: str, status: str = "no-matching-series"):
        at = Location(file="d.json", line=3, dashboard="d", panel=panel, panel_id=int(panel[1:]), target="A")
        extra = {"matcher": matcher} if matcher else {}
        return finding(f"metric/{status}", "because", at, metric="x", selector=selector, **extra)
    dropdown = finding("metric/label-missing", "no series of x carries the label 'jb'", Location(
        file="d.json", line=2, dashboard="d", target="variable v"), metric="x", selector='x{jb="a"}', matcher='jb="a"',
        fills=({"panel": "Via", "panel_id": 9, "target": "A"},))
    listed = finding("variable/label-missing", "$w lists the values of 'l'", Location(
        file="d.json", line=1, dashboard="d", target="variable w"), metric="x", variable="w", label="l",
        fills=({"panel": "Via w", "panel_id": 10, "target": "A"},))
    findings = [empty("P1", 'job="a"', 'x{job="a", i="1"}'), empty("P2", 'job="a"', 'x{job="a"}'),
                empty("P3", None, 'x{a="1", b="2"}'), empty("P4", 'env="qa"', 'x{env="qa"}'), dropdown, listed]
    (action,) = build_audit(findings, {}, None, "src", names={"x"}).actions
    assert [(c.status, c.cause, c.via, c.impact.panels) for c in action.causes] == [
        ("label-missing", "$w lists 'l'", (), 1), ("label-missing", 'x{jb="a"}', ("v",), 1),
        ("no-matching-series", 'x{job="a"}', (), 2), ("no-matching-series", 'x{a="1", b="2"}', (), 1),
        ("no-matching-series", 'x{env="qa"}', (), 1)]
    assert ("x label-missing: $w lists 'l' (1 panel and 1 variable or annotation), x{jb=\"a\"} via $v (1 panel and "
            "1 variable or annotation); no-matching-series: x{job=\"a\"} (2 panels); and 2 more — 6 panels and 2 "
            "variables or annotations in 1 dashboard") in audit_text(build_audit(findings, {}, None, "src", names={"x"}))
