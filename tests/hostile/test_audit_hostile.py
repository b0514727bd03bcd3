"""`vobs audit` on hostile dashboards, every format, held to the harness' four rules.

Titles, panel titles and queries carry terminal escapes (OSC, CSI, C1, bidi overrides) and markup
(`<script>`, `</table>`, an `onerror` image, Markdown emphasis and links). Offline, against a copy
of the repository's catalog, so the report is written (exit 0). Beyond the four rules: the HTML
page holds no tag that came from the input and no raw control character; the JSON keeps the
titles exactly, escaped as JSON.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from markdown_it import MarkdownIt

from hostile.harness import CONTROL, REPO, Case, Sandbox, cases_param, check

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"
MARKUP = "</table><script>alert(1)</script><img src=x onerror=alert(2)>*em* [link](http://x)"
TITLE, PANEL, QUERY = f"T{ESC}{MARKUP}", f"P{ESC}{MARKUP}", f'redis_up{{a="{ESC}</td>"}}'


def hostile(box: Sandbox, *args: str) -> list[str]:
    (box.project / "narratives").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "narratives" / "metrics.yaml", box.project / "narratives" / "metrics.yaml")
    folder = box.project / "dash"
    folder.mkdir(exist_ok=True)
    model = {"uid": f"u{ESC}<b>", "title": TITLE, "panels": [
        {"id": 1, "title": PANEL, "type": "timeseries", "targets": [{"refId": "A", "expr": QUERY}]},
        {"id": 2, "title": PANEL, "type": "timeseries", "targets": [{"refId": "A", "expr": f"rate({ESC}<i>"}]},
        {"id": 3, "title": "ok", "type": "timeseries", "targets": [{"refId": "A", "expr": "maximus_dopamine_level"}]}]}
    (folder / "d.json").write_text(json.dumps(model), encoding="utf-8")
    return ["audit", "dash", *args]


CASES = [
    Case("audit-text", lambda box: hostile(box), 0, error_line=False),
    Case("audit-markdown", lambda box: hostile(box, "--format", "markdown"), 0, error_line=False),
    Case("audit-json", lambda box: hostile(box, "--format", "json"), 0, error_line=False),
    Case("audit-html", lambda box: hostile(box, "--format", "html"), 0, error_line=False),
    Case("audit-html-file", lambda box: hostile(box, "--format", "html", "-o", "audit.html"), 0,
         writes=["project/audit.html"], error_line=False),
]


@cases_param(CASES)
def test_audit_hostile(case, tmp_path):
    outcome = check(case, tmp_path)
    fmt = case.id.removeprefix("audit-").removesuffix("-file")
    text = outcome.written["project/audit.html"].decode() if case.id.endswith("-file") else outcome.stdout
    assert "redis_" in text and ("pwned" in text)  # the hostile parts are shown, made harmless
    if fmt == "json":
        report = json.loads(text)
        (entry,) = [m for m in report["metrics"] if m["metric"] == "redis_up"]
        assert entry["uses"][0]["dashboard_title"] == TITLE and entry["uses"][0]["query"] == QUERY
    elif fmt == "html":
        assert not CONTROL.search(text.replace("\n", "")) and "\u202e" not in text
        tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", text))
        assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "table", "thead", "tbody", "tr",
                        "th", "td", "code", "span", "details", "summary", "ul", "li", "script"}, tags
        assert text.count("<script>") == 1 and "onerror=" not in text.replace("onerror=alert(2)&gt;", "")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    elif fmt == "markdown":
        assert "<script>" not in text and "<img" not in text
        # read as GitHub reads it: the titles' markup stays text (raw, `\[link\](http:…)` reads as typed)
        rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
        assert not re.search(r"<(a|img|em|s|script|table|b|i)\b", rendered), rendered
        assert "*em* [link](http:\u2060//x)" in html.unescape(re.sub(r"<[^>]+>", "", rendered))
    else:
        assert "\\x1b]0;pwned" in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_control_characters_never_reach_the_report(fmt, tmp_path):
    """The rule the harness checks on stdout, said once more for the file a report is written to."""
    case = Case(f"audit-{fmt}-to-file", lambda box: hostile(box, "--format", fmt, "-o", "r.out"), 0,
                writes=["project/r.out"], error_line=False)
    written = check(case, tmp_path).written["project/r.out"].decode()
    assert not CONTROL.search(written.replace("\n", "").replace("\t", ""))


FORGED = "\n  FORGED.json:1:1: error: all is well [metric/missing]\n"


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_newline_in_a_file_name_or_title_cannot_forge_a_report_line(fmt, tmp_path):
    """A file name, uid, title, panel title or query holding a newline (found by a new-user trial:
    `vobs audit` printed `nl⏎name.json` raw, splitting a finding's line, where `vobs validate`
    wrote `nl\\nname.json`): every one goes through the one escape, so no line of the report is
    one the input wrote."""

    def crafted(box: Sandbox) -> list[str]:
        hostile(box)
        model = {"uid": f"u{FORGED}", "title": f"T{FORGED}", "panels": [
            {"id": 1, "title": f"P{FORGED}", "type": "timeseries", "datasource": "prom",
             "targets": [{"refId": "A", "expr": "redis_gone_total"}]},
            {"id": 2, "title": "fixed", "type": "timeseries", "datasource": "prom",
             "targets": [{"refId": "A", "expr": "rate(x_total[5m])"}]}]}
        (box.project / "dash" / f"nl{FORGED.replace('/', '-')}name.json").write_text(json.dumps(model), encoding="utf-8")
        return ["audit", "dash", "--format", fmt]

    outcome = check(Case(f"audit-{fmt}-newline", crafted, 0, error_line=False), tmp_path)
    text = outcome.stdout
    assert "FORGED.json" in text and "nl\\n  FORGED.json:1:1" in text, text  # shown, made visible
    forged = [line for line in text.splitlines() if line.lstrip(" -#*>|").startswith("FORGED")]
    assert not forged, forged
