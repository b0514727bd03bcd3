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
    shown = HOSTILE.replace("@", "@\u2060")  # md's word joiner: the text as it reads, and no notification
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
