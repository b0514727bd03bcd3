"""Hostile text in the Markdown vobs writes for GitHub (issue 13): titles, uids, folders, queries
and server messages that try to break a table, close a `<details>` early, inject HTML or links,
notify people (`@team`), reference an issue (`#12`, `GH-4`), or drive a terminal.

Each row runs `vobs diff|publish --format markdown` in a subprocess — on the sample project, against
a misbehaving fake Grafana (from the Grafana table) or the provisioning folder — holds the
harness' four rules, and then parses what was printed as GitHub would (`markdown_check`): every
table row keeps its header's cells, every `<details>` is closed, no element or link but vobs' own,
no mention or issue reference, within the 65,536-character limit.
"""

from __future__ import annotations

import json

from markdown_check import check_markdown
from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

from hostile.harness import Case, cases_param, check
from hostile.test_grafana_hostile import (  # noqa: F401  (_stop_fakes: the fakes' autouse teardown)
    ENV,
    Answer,
    _stop_fakes,
    command,
    dashboard,
    live,
    on,
    routes,
)

# the bare addresses: GitHub's autolinker would make them links; the references: links, and a
# "mentioned this" event on each issue they name
EVIL = ("A|B</details></summary><img src=x onerror=alert(1)><script>x</script> @octo-org/team "
        "[click](javascript:alert(1)) `code` *em* $x$ &lt;b&gt; \x1b]0;pwned\x07\u202e "
        "(http://e.vil) www.e.vil HTTPS://E.VIL/x fixes #12, owner/repo#3, GH-4")
MANAGED = ["vertice-obs"]


def code_titled(title: str, *args: str):
    """The sample project with dashboard A titled `title` (written as a Python string literal)."""
    def setup(box):
        make_project(box.project, {"a.py": DASHBOARD_A.replace('"Sample A"', json.dumps(title)), "b.py": DASHBOARD_B})
        return ["-C", str(box.project), *args]
    return setup


def orphans(*hits: dict) -> object:
    """The search lists `hits` tagged as this project's, each one vobs saved (a version carries its
    publish message: the proof an orphan needs, trial 22 M3) — a hit whose uid is no Grafana uid has none."""
    def saved(method, path, query, headers):
        if method == "GET" and path.startswith("/api/dashboards/uid/"):
            uid = path.removeprefix("/api/dashboards/uid/").removesuffix("/versions")
            if path.endswith("/versions"):
                return Answer(body=[{"version": 2, "message": "vobs publish abc1234 sha256:" + "0" * 64}])
            return Answer(body=dashboard(uid))
        return None
    return routes(on("/api/search", Answer(body=[{"type": "dash-db", "tags": MANAGED, **h} for h in hits])), saved)


HOSTILE_PANEL = {"id": 99, "type": "timeseries", "title": EVIL,
                 "targets": [{"refId": "A", "expr": "sum(x) | y `</details>` @octo-org/team\n<b>"}]}

CASES = [
    Case("diff-md-title-from-code", code_titled(EVIL, "diff", "--format", "markdown"), 1, error_line=False),
    Case("diff-md-live-title-and-panel", command("diff", live("sample-a", title=EVIL, panels=[HOSTILE_PANEL]),
                                                 "--format", "markdown"), 1, error_line=False, env=ENV),
    Case("diff-md-orphan-uid-title-folder", command("diff", orphans(
        {"uid": EVIL, "title": EVIL, "folderTitle": EVIL}, {"uid": "evil-orphan", "title": EVIL, "folderTitle": EVIL}),
        "--format", "markdown"), 1, error_line=False, env=ENV),
    Case("diff-md-many-huge-orphans", command("diff", orphans(*[
        {"uid": f"o{i}", "title": f"{i}|" + "t" * 5_000, "folderTitle": "f|" * 2_000} for i in range(2_000)]),
        "--format", "markdown"), 1, error_line=False, env=ENV),
    Case("publish-md-400-message", command("publish", routes(on("/api/dashboards/db", Answer(
        400, {"message": EVIL}), method="POST")), "--format", "markdown"), 3, message="not published", env=ENV),
    Case("publish-md-title-from-code", code_titled(EVIL, "publish", "--format", "markdown"), 0,
         writes=["project/provisioning/"], error_line=False),
]


@cases_param(CASES)
def test_hostile_markdown(case, tmp_path):
    out = check(case, tmp_path)
    parsed = check_markdown(out.stdout)
    assert parsed.tables and all(len(row) == len(table[0]) for table in parsed.tables for row in table)
    for marker in ("<img", "<script", "</details></summary>"):
        assert marker not in out.stdout  # escaped in the source, only text once rendered
    if case.id == "diff-md-orphan-uid-title-folder":  # the orphan vobs saved is listed, its hostile title escaped
        assert "evil-orphan" in out.stdout and "not known to vobs" in out.stderr
    if case.id == "diff-md-many-huge-orphans":
        assert "not listed" in out.stdout or "left out of the table" in out.stdout


def test_hostile_text_reads_as_typed_once_rendered(tmp_path):
    out = check(CASES[0], tmp_path)
    parsed = check_markdown(out.stdout)
    title = parsed.tables[0][1][0]
    assert title.startswith("A|B</details></summary><img src=x onerror=alert(1)><script>x</script> @\u2060octo-org")
    assert "&lt;b&gt; \\x1b]0;pw…" in title and "\x1b" not in title  # controls visible, cut at 150
