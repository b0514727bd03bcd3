"""One metric, several problems: each is its own entry in every human format, with its own reason
and only its own panels, and none is lost — against a real Prometheus.

A new-user trial found the text, Markdown and HTML reports grouped by metric alone: under
"prometheus_http_requests_total — NO-MATCHING-SERIES — 2 panels: 'HTTP 5xx', 'Requests so far'"
with the `code=~"5.."` reason, although 'Requests so far' is a counter drawn without rate(), which
no human format said; `up{jb=…}` (a label typo) and `up{job="node"}` (no such job) were one
LABEL-MISSING; and an informational problem of a metric that also had a real one vanished.

tests/data/audit-mix.json is the trial's repro dashboard as it was (trial6 `repro/audit-mix.json`);
UP_MIX takes its `up` panels from the trial's `live/live.json` (panels 6, 7 and 14). The Prometheus
scrapes, as job "prometheus", an exporter serving a counter with code="200" only: no 5xx, as on the
trial's healthy server (its own self-scrape would count the 503s of its readiness probe at start).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from prometheus_harness import PrometheusServer, StaticExporter

from vertice_obs.cli import cli
from vertice_obs.guard.markdown import md
from vertice_obs.metrics.audit.model import tier

REPO = Path(__file__).resolve().parent.parent
BODY = b"""# HELP prometheus_http_requests_total Counter of HTTP requests.
# TYPE prometheus_http_requests_total counter
prometheus_http_requests_total{code="200",handler="/metrics"} 42
prometheus_http_requests_total{code="200",handler="/api/v1/query"} 7
"""
UP_MIX = {"uid": "up-mix", "title": "Up mix", "schemaVersion": 39, "panels": [
    {"id": i, "type": "timeseries", "title": title, "datasource": {"type": "prometheus", "uid": "${ds}"},
     "targets": [{"refId": "A", "expr": expr}]}
    for i, (title, expr) in enumerate([("Up", 'up{job="prometheus"}'), ("Typo label", 'up{jb="prometheus"}'),
                                       ("Wrong value", 'up{job="node"}'), ("By label", "sum by (pod) (up)")], 1)],
    "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]}}


@pytest.fixture(scope="module")
def server():
    exporter = StaticExporter(BODY)
    prometheus = PrometheusServer([exporter.target], job="prometheus")
    try:
        prometheus.start()
        prometheus.wait_for('prometheus_http_requests_total{job="prometheus"}')
        deadline = time.monotonic() + 30  # counter-without-rate needs the type: the scrape's metadata
        while not requests.get(f"{prometheus.url}/api/v1/metadata", params={"metric": "prometheus_http_requests_total"},
                               timeout=5).json()["data"]:
            assert time.monotonic() < deadline, "no metadata for the counter"
            time.sleep(0.2)
        yield prometheus
    finally:
        prometheus.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("mix")
    shutil.copy(REPO / "tests" / "data" / "audit-mix.json", out / "audit-mix.json")
    (out / "up-mix.json").write_text(json.dumps(UP_MIX, indent=2))
    return out


def audit(server, folder: Path, fmt: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(REPO), "audit", str(folder), "--prometheus-url", server.url,
                                      "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def expected(server, folder) -> dict[tuple[str, str, str], set[str]]:
    """(metric, status, reason) → its panels, from the JSON report's uses (each with its own status and reason)."""
    report = json.loads(audit(server, folder, "json"))
    problems: dict[tuple[str, str, str], set[str]] = {}
    for m in report["metrics"]:
        for use in m["uses"]:
            if use["status"] != "present":
                problems.setdefault((m["metric"], use["status"], use["reason"]), set()).add(use["panel"])
    by_status = {(metric, status): panels for (metric, status, _), panels in problems.items()}
    assert len(by_status) == len(problems)  # here each (metric, status) has one reason
    assert by_status == {
        ("prometheus_http_requests_total", "no-matching-series"): {"HTTP 5xx"},
        ("prometheus_http_requests_total", "counter-without-rate"): {"Requests so far"},
        ("up", "label-missing"): {"Typo label"},
        ("up", "no-matching-series"): {"Wrong value"},
        ("up", "group-label-missing"): {"By label"},
    }
    reasons = {(metric, status): reason for metric, status, reason in problems}
    assert 'code=~"5.."' in reasons["prometheus_http_requests_total", "no-matching-series"]
    assert "'jb'" in reasons["up", "label-missing"] and 'job="node"' in reasons["up", "no-matching-series"]
    # the 5xx panel of a healthy server is right to be empty; a job with no series is not
    assert reasons["prometheus_http_requests_total", "no-matching-series"].endswith(
        "; it selects failures only: none so far, and the panel shows data when there are")
    assert "failures" not in reasons["up", "no-matching-series"]
    return problems


def _blocks(section: str, head: str) -> dict[tuple[str, str], list[str]]:
    """(metric, STATUS) → the lines of its entry, from the "to fix" section (entries: paragraphs
    whose first line starts with `head`)."""
    out: dict[tuple[str, str], list[str]] = {}
    for block in section.split("\n\n"):
        heading, *lines = block.strip("\n").splitlines() or [""]
        match = re.match(re.escape(head) + r"`?([\w:]+)`? — ([A-Z-]+)", heading)
        if match:
            assert (match.group(1), match.group(2)) not in out, f"two entries for {match.groups()}"
            out[match.group(1), match.group(2)] = lines
    return out


def test_text_gives_each_problem_its_own_entry_reason_and_panels(server, folder, expected):
    text = audit(server, folder, "text")
    fix = text[text.index("to fix, in the order above"):text.index("For information")]
    assert "4 problems in 2 metrics to fix" in text
    _each_problem_once(_blocks(fix, ""), expected, text[text.index("For information"):],
                       lambda metric, status, reason: f"  {metric} — {status}: {reason} (1 panel in 1 dashboard)",
                       lambda reason: f"  {reason}")
    actions = text[text.index("What to do"):text.index("to fix, in the order above")]
    # each cause named — the selector, cut to the matcher that matches nothing — with its own count (trial 19)
    assert ('prometheus_http_requests_total no-matching-series: prometheus_http_requests_total{code=~"5.."} (1 panel); '
            "counter-without-rate (1 panel) — 2 panels") in actions
    assert 'up label-missing: up{jb="prometheus"} (1 panel); no-matching-series: up{job="node"} (1 panel) — 2 panels' \
        in actions


def test_markdown_gives_each_problem_its_own_entry_reason_and_panels(server, folder, expected):
    text = audit(server, folder, "markdown")
    # readable raw (in a chat, a ticket), not `prometheus&#95;http&#95;requests&#95;total` (a new-user trial)
    assert "&#" not in text and "\n- code=\\~\"5..\" matches no series of prometheus_http_requests_total: " in text
    fix = text[text.index("to fix, in the order above"):text.index("## For information")]
    _each_problem_once(_blocks(fix, "### "), expected, text,
                       lambda metric, status, reason: f"- `{metric}` — {status}: {md(reason, None)} (1 panel in 1 dashboard)",
                       lambda reason: f"- {md(reason, None)}")


def _each_problem_once(blocks: dict, expected: dict, information: str, info_line, reason_line) -> None:
    """Each expected problem is its own block, with its own reason line and only its own panels (an
    information one is its own line in `information`); no block is left over."""
    for (metric, status, reason), panels in expected.items():
        if tier(status) == 2:
            assert info_line(metric, status, reason) in information
            continue
        said, *where = blocks.pop((metric, status.upper()))
        assert said == reason_line(reason)
        shown = {p for line in where for p in re.findall(r"'([^']*)' \(A\)", line)}
        assert shown == panels, (metric, status, where)
    assert blocks == {}


class _Rows(HTMLParser):
    """The cells' text of each row of the table with class `uses`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.inside = self.cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = "uses" in (dict(attrs).get("class") or "").split()
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.rows[-1].append("")
            self.cell = True

    def handle_endtag(self, tag):
        if tag in ("td", "table"):
            self.cell = False
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.cell:
            self.rows[-1][-1] += data


def test_html_puts_each_use_beside_its_own_problems_reason(server, folder, expected):
    parser = _Rows()
    parser.feed(audit(server, folder, "html"))
    rows = [r for r in parser.rows if r]  # the header row has no <td>
    seen: set[tuple[str, str, str]] = set()
    for metric, status, _dashboard, panel, _query, _file, reason in rows:
        (key,) = [k for k in expected if k[:2] == (metric, status)]
        assert reason.startswith(key[2] + " (1 panel in 1 dashboard)"), (metric, status, reason)
        assert panel in expected[key]
        seen.add((metric, status, panel))
    assert seen == {(m, s, p) for (m, s, _), panels in expected.items() for p in panels}  # none lost
