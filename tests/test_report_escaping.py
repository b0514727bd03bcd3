"""Markdown and colour are written through one helper each (issue 15): the Chaos Day report's
table cells and titles through `guard.markdown.md` (a `|` in a probe title no longer splits the
row), the unified diff's colours through `click.style` (no hand-written ANSI codes)."""

from __future__ import annotations

import re
from pathlib import Path

import click
from markdown_it import MarkdownIt
from test_chaos_report import SERIES, journal

from vertice_obs.chaos.report import analyse, render_markdown
from vertice_obs.grafana.diff import unified

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "p95 | <b>bold</b> `code` @team *x* [link](http://e.x)"


def table_rows(markdown: str) -> list[list[str]]:
    """Every table row's cell texts, as a GFM renderer (markdown-it, tables on) reads them."""
    rows, row, cell = [], None, None
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type in ("td_open", "th_open"):
            cell = []
        elif token.type == "inline" and cell is not None:
            cell.append("".join(child.content for child in token.children or ()))
        elif token.type in ("td_close", "th_close"):
            row.append("".join(cell))
            cell = None
    return rows


def test_report_cells_stay_cells_and_text_stays_text():
    data = journal(SERIES, phase="fault")
    scenario = data["scenarios"][0]
    scenario["probes"][0]["title"] = HOSTILE
    scenario["steps"][0]["label"] = "1s | extra"
    data["run"]["title"] = "Day # <script>alert(1)</script>"
    markdown = render_markdown(analyse(data))
    rows = table_rows(markdown)
    assert rows and all(len(r) == len(rows[0]) or len(r) == 7 for r in rows)
    probe_rows = [r for r in rows if len(r) == 7 and r[0] != "step"]  # step, probe, budget, 3 phases, recovery
    shown = HOSTILE.replace("@", "@\u2060").replace("://", ":\u2060//")  # md's word joiners: as it reads, no
    # notification, no autolink
    assert probe_rows and all(r[:2] == ["1s | extra", shown] for r in probe_rows)  # the text, whole, in its cell
    deviation_rows = [r for r in rows if len(r) == 5 and r[0] != "priority"]
    assert deviation_rows and deviation_rows[0][3] == "1s | extra"
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<script>" not in html and "<b>" not in html and 'href="http://e.x"' not in html


def test_diff_colours_are_click_styles():
    live, desired = {"title": "old", "uid": "u"}, {"title": "new", "uid": "u"}
    coloured = unified("u", desired, live, color=True)
    plain = unified("u", desired, live, color=False)
    assert click.unstyle(coloured) == plain
    assert click.style('-  "title": "old",', fg="red") in coloured
    assert click.style('+  "title": "new",', fg="green") in coloured


def test_no_hand_written_ansi_codes_in_the_package():
    """Colours go through click.style; a raw escape sequence in the source is a second mechanism."""
    raw = re.compile(r"\\x1b\[|\\033\[|\\u001b\[|\\e\[")
    found = [f"{p.relative_to(REPO)}:{n}" for p in (REPO / "vertice_obs").rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert not found, found


EVIL = "<img src=https://evil.example/t.png> @security-team [x](https://evil.example) \x1b]8;;http://e\x07 \u202e"


def test_every_journal_text_in_the_report_stays_text():
    """A trial found the scenario title, the owner, the run's id and file, the summary and the
    unjudged reasons written raw: a tampered journal (or a scenario under review) added an image
    from outside, a link, an @mention and terminal escapes to report.md. Every one is text now, in
    the Markdown (as GitHub renders it: the same blocks and inline markup as a report of plain
    words) and in the HTML page."""
    from vertice_obs.chaos.render import render_html

    def report_with(text, summary):
        data = journal(SERIES, phase="fault")
        data["run"].update(title=text, owner=text, file=text, id=text, summary=summary)
        scenario = data["scenarios"][0]
        scenario["title"], scenario["kind"] = text, text
        scenario["probes"][0]["title"] = text
        scenario["steps"][0]["label"] = text
        return analyse(data)

    def structure(markdown):
        tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
        return [t.type for t in tokens] + [c.type for t in tokens if t.type == "inline" for c in t.children or ()
                                           if c.type not in ("text", "softbreak", "hardbreak")]

    report = report_with(EVIL, f"first line {EVIL}\n# not a heading\n- not a list\n    not code\n---")
    markdown = render_markdown(report)
    plain = render_markdown(report_with("plain words", "a\nb\nc\nd\ne"))
    assert structure(markdown) == structure(plain)  # no block, link, image or HTML of its own
    images = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", markdown)
    assert images and all(src.startswith("plots/") for src in images), images  # only our own plots
    assert "@security-team" not in markdown  # a word joiner after @: no notification
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", markdown)
    assert "first line" in markdown and "\\# not a heading" in markdown  # the summary, kept, as text
    page = render_html(report, {key: b"" for key in _plot_keys(report)})
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", page)
    assert "<img src=https://evil" not in page and "&lt;img src=https://evil.example/t.png&gt;" in page


def _plot_keys(report):
    keys = [(s.id, p["id"]) for s in report.scenarios for p in s.probes]
    return keys + [(s.id, f"curve-{c.probe['id']}") for s in report.scenarios for c in s.curves]


def test_the_degradation_curve_on_the_page_is_escaped_once():
    """The page's curve table was cut out of the markdown rows, already escaped for Markdown, and
    escaped again: `budget > 0.6` read `budget &#62; 0.6` and an underscore `&#95;` on the page.
    It is now built from the curve's rows and escaped once, as HTML."""
    import html as html_module
    import json

    from vertice_obs.chaos.render import render_html

    data = json.loads((REPO / "tests" / "data" / "chaos-journal-unversioned.json").read_text())
    data["scenarios"][0]["probes"][0]["title"] = "p95_latency | <b>x</b>"
    report = analyse(data)
    assert any(s.curves for s in report.scenarios)
    page = render_html(report, {key: b"" for key in _plot_keys(report)})
    curves = page[page.index("Degradation curve"):]
    assert not re.search(r"&amp;#\d+;", curves), "escaped twice"
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", curves))
    assert "p95_latency | <b>x</b> — budget > 0.6 ratio; knee: 5s" in text
    assert "breaks ← knee" in text and "**" not in text
