"""`vobs audit` on a folder of foreign-shaped dashboards against the real test Prometheus.

The folder (tests/audit_dashboards.py) queries node_exporter and Redis metrics the test Prometheus
does not have, MAXIMUS metrics it has and lacks, a typo, a query that does not parse and a NaN;
its titles are hostile. The HTML page is opened in Debian's headless Chromium, as a person would,
and its tables are sorted by clicking.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from audit_dashboards import HOSTILE_PANEL, HOSTILE_TITLE, write_foreign
from click.testing import CliRunner

from vertice_obs.cli import cli
from vertice_obs.metrics.prometheus import PrometheusSource

REPO = Path(__file__).resolve().parent.parent
SPIKES = "maximus_dopamine_spike_events_total"


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    return write_foreign(tmp_path_factory.mktemp("foreign") / "dashboards")


def audit(prometheus, folder: Path, *args: str):
    result = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(folder), "--prometheus-url", prometheus.url,
                                      *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_foreign_dashboards_ranked_grouped_and_ordered(prometheus, foreign):
    text = audit(prometheus, foreign)
    sections = ["Could not be checked (2)", "What to do, by impact (4)", "Required metrics: 1 of 6 present",
                "Missing metrics by family", "11 metrics to fix, in the order above", "Present, nothing to fix: 1 of 12 metrics queried"]
    at = [text.index(s) for s in sections]
    assert at == sorted(at), text
    problems = text[at[0]:at[1]].splitlines()[1:]
    assert "does not parse" in problems[0] and problems[0].endswith("[promql/parse]")
    assert "NaN is not JSON" in problems[1]
    live = len([n for n in PrometheusSource(prometheus.url).names() if n.startswith("maximus_")])
    actions = [line.strip() for line in text[at[1]:at[2]].splitlines()[1:] if line.strip()]
    assert actions == [
        f"1. {SPIKES} missing — 1 panel in 1 dashboard (required): {live} other names with this prefix are present "
        "(the exporter of the `maximus_` metrics is scraped): renamed, or not exported by this version or configuration?",
        "2. node_* — 3 metrics missing, 11 panels in 1 dashboard: no series with this prefix; is node_exporter scraped?",
        "3. redis_* — 6 metrics missing, 6 panels in 2 dashboards: no series with this prefix; is the Redis exporter "
        "scraped?",
        f"4. maximus_dopamine_spikes_typo_total missing — 1 panel in 1 dashboard: {live} other names with this prefix are "
        "present (the exporter of the `maximus_` metrics is scraped): renamed, or not exported by this version or "
        "configuration?",
    ]
    families = text[at[3]:at[4]]
    assert "  redis_* — 6 metrics, 6 panels: no series with this prefix; is the Redis exporter scraped?" in families
    assert ("    redis_connected_clients, redis_commands_processed_total, redis_db_keys, redis_memory_max_bytes, "
            "redis_memory_used_bytes, redis_up") in families  # the metric on two panels first
    details = text[at[4]:at[5]]
    assert not re.search(r"^\s*narrative |no narrative|outside any narrative", text, re.M)
    assert ("redis_connected_clients — MISSING — 2 panels in 2 dashboards\n  see 3. redis_* above\n"
            "  redis-keys (Redis keys): 'Clients again' (A)\n") in details
    assert "\x1b" not in text and "\\x1b[31m" in details  # the hostile title's escape made visible
    assert "maximus_dopamine_level — present" in text[at[2]:at[3]]
    assert "maximus_dopamine_level" not in text[at[5]:]  # present metrics are counted, not listed


def test_the_catalog_headline_needs_the_catalogs_metrics(prometheus, tmp_path):
    folder = write_foreign(tmp_path / "only-foreign", maximus=False)
    text = audit(prometheus, folder)
    assert "Required metrics" not in text and "maximus" not in text
    assert text.splitlines()[2] == "Could not be checked (1)"
    assert json.loads(audit(prometheus, folder, "--format", "json"))["required"] is None


def test_json_report_is_versioned_and_matches_its_schema(prometheus, foreign):
    report = json.loads(audit(prometheus, foreign, "--format", "json"))
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "audit.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert (report["schema"], report["version"]) == ("vobs-audit", 1)
    assert [a["subject"] for a in report["actions"]] == [SPIKES, "node_*", "redis_*",
                                                         "maximus_dopamine_spikes_typo_total"]
    assert report["present"] == {"count": 1, "metrics": ["maximus_dopamine_level"]}
    live = len([n for n in PrometheusSource(prometheus.url).names() if n.startswith("maximus_")])
    assert live > 10
    assert {f["prefix"]: f["live_names"] for f in report["families"]} == {"maximus_": live, "redis_": 0, "node_": 0}
    (clients,) = [m for m in report["metrics"] if m["metric"] == "redis_connected_clients"]
    hostile = next(u for u in clients["uses"] if u["dashboard"] == "redis-overview")
    assert (hostile["dashboard_title"], hostile["panel"]) == (HOSTILE_TITLE, HOSTILE_PANEL)
    assert hostile["line"] and hostile["query"] == 'redis_connected_clients{instance=~"$instance"}'


def test_markdown_report_has_the_same_order(prometheus, foreign):
    md = audit(prometheus, foreign, "--format", "markdown")
    heads = [h.split(" (")[0].split(":")[0] for h in md.splitlines() if h.startswith("## ")]
    # the dashboard lints' warnings (these dashboards use fixed ranges) have their own section
    assert [h for h in heads if h != "## Other findings"] == [
        "## Could not be checked", "## What to do, by impact", "## Required metrics", "## Missing metrics by family",
        "## 11 metrics to fix, in the order above", "## Present, nothing to fix"]
    assert heads.index("## Other findings") == len(heads) - 2
    assert "<script>" not in md and "&lt;script>" in md  # guard.markdown.md, the one Markdown escape
    # the user's own server in a code span: copyable, no invisible word joiner in its `://` (a trial)
    assert md.splitlines()[0] == f"# Metric audit against Prometheus at `{prometheus.url}`"


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Run after the page's own script: sorts the actions table by clicking its headers, and reads the DOM.
PROBE = """
addEventListener("load", function () {
  var table = document.querySelector("table.actions");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells).map(function (c) { return c.textContent; });
  var column = function (name) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[heads.indexOf(name)].textContent; });
  };
  var click = function (name) { table.tHead.rows[0].cells[heads.indexOf(name)].click(); };
  var out = {heads: heads, initial: column("rank"), height: table.offsetHeight};
  click("panels"); out.panelsUp = column("panels"); out.ranksUp = column("rank");
  click("panels"); out.panelsDown = column("panels");
  click("what"); out.what = column("what");
  out.sortMark = getComputedStyle(table.tHead.rows[0].cells[heads.indexOf("what")], "::after").content;
  out.images = document.images.length;
  out.scripts = document.scripts.length;
  out.injected = document.querySelectorAll("[onclick], [onerror], b").length;
  out.hostileText = Array.prototype.some.call(document.querySelectorAll("table.uses td"), function (td) {
    return td.textContent.indexOf("Redis <\\/table><script>alert(1)<\\/script>") >= 0; });
  out.hostilePanel = Array.prototype.some.call(document.querySelectorAll("table.uses td"), function (td) {
    return td.textContent.indexOf("Clients <b onclick=alert(3)>& co<\\/b>") >= 0; });
  out.title = document.title;
  out.present = document.querySelector("details#present").open;
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
"""


def _with_probe(page: str) -> str:
    """The page with PROBE appended and allowed by its Content-Security-Policy (by hash, as the page's own)."""
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    assert page.count("script-src 'sha256-") == 1
    page = page.replace("script-src 'sha256-", f"script-src 'sha256-{digest}' 'sha256-")
    return page.replace("</body>", f"<script>{PROBE}</script></body>")


def test_html_page_renders_sorts_by_clicking_and_escapes_hostile_titles(prometheus, foreign, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: scripts/test installs it"
    out = tmp_path / "audit.html"
    result = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(foreign), "--prometheus-url", prometheus.url,
                                      "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert not re.search(r"<[^>]*\s(src|href)\s*=", page, re.I), "the page must not load anything"
    assert page.count("<script>") == 1 and "<b " not in page
    probed = tmp_path / "probed.html"
    probed.write_text(_with_probe(page))
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
                           "--v=0", "--virtual-time-budget=3000", "--dump-dom", probed.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no error, no blocked load, nothing logged
    match = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert match, "the page's load handler did not run"
    probe = json.loads(html.unescape(match.group(1)))
    assert probe["heads"] == ["rank", "what", "status", "panels", "emptied", "dashboards", "required"]
    assert probe["initial"] == ["1", "2", "3", "4"] and probe["height"] > 50
    assert probe["panelsUp"] == ["1", "1", "6", "11"] and probe["ranksUp"][-1] == "2"  # as numbers
    assert probe["panelsDown"] == ["11", "6", "1", "1"]
    assert probe["what"] == sorted(probe["what"], key=str.lower) and probe["what"][0].startswith("maximus_dopamine_spike_")
    assert "25B2" in probe["sortMark"] or "▲" in probe["sortMark"]
    assert (probe["images"], probe["scripts"], probe["injected"]) == (0, 2, 0)
    assert probe["hostileText"] and probe["hostilePanel"]
    assert probe["title"].startswith("Metric audit — Prometheus at ") and probe["present"] is False


def test_a_counter_without_total_is_advised_by_its_own_slip_not_its_family(prometheus, tmp_path):
    """validate says "did you mean x_total?"; the audit's action says it too, rather than its family's
    "N other names with this prefix are present … renamed?"."""
    counter = sorted(n for n in PrometheusSource(prometheus.url).names()
                     if n.startswith("maximus_") and n.endswith("_total"))[0]
    bare = counter.removesuffix("_total")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "slip.json").write_text(json.dumps({"uid": "slip", "title": "Slip", "panels": [
        {"id": 1, "type": "timeseries", "title": "Rate", "targets": [{"refId": "A", "expr": f"rate({bare}[5m])"}]}]}))
    text = audit(prometheus, folder)
    assert (f"1. {bare} missing — 1 panel in 1 dashboard: did you mean {counter}? (counters are exposed with _total)"
            in text), text
    report = json.loads(audit(prometheus, folder, "--format", "json"))
    [action] = report["actions"]
    assert action["advice"] == f"did you mean {counter}? (counters are exposed with _total)"


def test_a_missing_recording_rule_output_is_advised_as_a_rule_not_an_exporter(prometheus, tmp_path):
    """A `level:metric:operations` name is a recording rule's: its family is its level, and the advice
    is about loading the rule — never "is the exporter of `maximus_` scraped?" (trial 8: the
    mixins' `node_namespace_pod_container:…` were sent to node_exporter)."""
    folder = tmp_path / "d"
    folder.mkdir()
    missing = "maximus:no_such_rule:rate5m"
    (folder / "rules.json").write_text(json.dumps({"uid": "rules", "title": "Rules", "panels": [
        {"id": 1, "type": "timeseries", "title": "Rule", "targets": [{"refId": "A", "expr": missing}]}]}))
    text = audit(prometheus, folder)
    assert (f"1. {missing} missing — 1 panel in 1 dashboard: recording-rule outputs: 1 other of this level is "
            "recorded, these not: their rules not loaded, failing, or renamed?") in text, text
    assert "maximus:* — 1 metric" in text and "exporter" not in text


def test_progress_says_the_judging_phase_after_the_bar(prometheus, foreign):
    """`--progress` had nothing to show after "reading queries" while Prometheus was asked and the
    findings judged (seconds at 1,000 dashboards): the phase is said, with the source."""
    for command in ("audit", "validate"):
        result = CliRunner().invoke(cli, ["-C", str(REPO), command, str(foreign), "--prometheus-url", prometheus.url,
                                          "--progress", "--format", "json"])
        assert result.exit_code in (0, 1), result.output
        lines = result.stderr.splitlines()
        at = next(i for i, line in enumerate(lines) if "reading queries" in line)
        assert re.fullmatch(rf"checking [0-9,]+ metric uses and their series against Prometheus at {prometheus.url}",
                            lines[at + 1]), lines
        json.loads(result.stdout)  # stdout stays the machine's


def test_progress_does_not_announce_a_check_the_unreachable_server_cannot_answer(foreign):
    """After `Prometheus at … is unreachable`, "checking … against Prometheus" read as if it went ahead (trial 12)."""
    from prometheus_harness import free_port

    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", str(foreign), "--prometheus-url",
                                      f"http://127.0.0.1:{free_port()}", "--progress", "--timeout", "2s"])
    assert result.exit_code == 2, result.output
    assert "is unreachable" in result.stderr and "checking " not in result.stderr, result.stderr
