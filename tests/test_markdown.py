"""`vobs diff --format markdown` (a pull-request comment) and `vobs publish --format markdown` (a step
summary): the whole text for a small project against the stand-in Grafana, GitHub's 65,536-character
limit on big generated projects (rendered directly, to stay fast), and the one Markdown escape.
Every document is also parsed (`markdown_check`): tables keep their columns, `<details>` close."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_check import check_markdown
from markdown_it import MarkdownIt
from sample_project import DASHBOARD_A, NARRATIVE, make_project

from vertice_obs.cli import cli
from vertice_obs.grafana.diff import DashboardDiff
from vertice_obs.grafana.folders import Folder
from vertice_obs.grafana.markdown import (
    COMMENT_LIMIT,
    DiffEntry,
    PublishEntry,
    diff_comment,
    publish_summary,
)
from vertice_obs.guard.markdown import WORD_JOINER, md, md_code, md_html, md_paragraph
from vertice_obs.guard.text import escape

TOKEN = "glsa_standin_token"


def dashboard(uid: str, title: str) -> str:
    return DASHBOARD_A.replace('"sample-a", "Sample A"', f'"{uid}", "{title}"')


def narrative(*uids: str) -> str:
    head = NARRATIVE.split("chapters:")[0]
    return head + "chapters:\n" + "".join(f"  - dashboard: {u}\n    title: {u}\n    story: About {u}.\n" for u in uids)


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="12.0.2") as standin:
        yield standin
        standin.assert_no_violations()


def shown(url: str) -> str:
    """A URL written as text in a comment: GitHub would make a bare `http://…` a link (autolink)."""
    return url.replace("://", ":\u2060//")  # a word joiner: invisible, and no autolinker looks through it


def vobs(root, grafana, *args):
    env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN} if grafana else {}
    return CliRunner().invoke(cli, ["-C", str(root), *args], env=env)


def test_small_project_comment_and_summary_against_the_standin(tmp_path, grafana):
    names = {"alpha": "Alpha", "bravo": "Bravo", "charlie": "Charlie", "echo": "Echo"}
    other = narrative("foxtrot").replace("id: sample", "id: other").replace("folder: Samples/Story", "folder: Other")
    root = make_project(tmp_path / "p", {f"{u}.py": dashboard(u, t) for u, t in {**names, "foxtrot": "Fox"}.items()},
                        {"sample.yaml": narrative(*names), "other.yaml": other})
    first = vobs(root, grafana, "publish", "--format", "markdown")
    assert first.exit_code == 0, first.output
    url = grafana.url
    assert first.output == PUBLISH_FIRST.replace("<base>", url).replace("<shown>", shown(url))
    check_markdown(first.output)

    # alpha edited in Grafana's UI (drifted), bravo changed in code, charlie removed from code
    # (orphan), delta new in its place (so echo's narrative links change), foxtrot untouched
    grafana.edit_in_ui("alpha", lambda m: next(p for p in m["panels"] if p.get("title") == "Event rate")
                       ["targets"][0].update(expr="sum(old_metric) | x"))
    (root / "dashboards" / "bravo.py").write_text(dashboard("bravo", "Bravo").replace(
        '"Level", \'sample_level', '"Level now", \'sample_level'))
    (root / "dashboards" / "charlie.py").unlink()
    (root / "dashboards" / "delta.py").write_text(dashboard("delta", "Delta"))
    (root / "narratives" / "sample.yaml").write_text(narrative("alpha", "bravo", "delta", "echo"))

    comment = vobs(root, grafana, "diff", "--format", "markdown")
    assert comment.exit_code == 1, comment.output  # differences, as diff(1)
    assert comment.output == DIFF_COMMENT.replace("<base>", url).replace("<shown>", shown(url))
    parsed = check_markdown(comment.output)
    assert [row[2] for row in parsed.tables[0][1:]] == ["⚠️ drifted", "changed", "changed", "new", "orphan"]
    assert parsed.tables[1][1:] == [["Fox foxtrot", "Other", "unchanged", "—"]]
    assert len(parsed.details) == 4  # alpha, bravo, echo, and the folded unchanged table
    assert "expr `sum(old_metric) | x` →" in parsed.text  # the diff's own words, decoded as GitHub shows them

    writes = len(grafana.writes())
    assert vobs(root, grafana, "diff", "--format", "markdown").exit_code == 1
    assert len(grafana.writes()) == writes  # a preview sends no write

    summary = vobs(root, grafana, "publish", "--format", "markdown")
    assert summary.exit_code == 3  # alpha is not overwritten without --force
    [stamp] = [folder.name for folder in (root / ".vobs" / "backups").iterdir()]  # bravo's and echo's live JSON
    assert summary.stdout == PUBLISH_SECOND.replace("<base>", url).replace("<shown>", shown(url)).replace(
        "<stamp>", stamp)
    parsed = check_markdown(summary.stdout)
    assert parsed.links == [f"{url}/d/{u}" for u in ("alpha", "delta", "bravo", "echo", "foxtrot")]


def test_dry_run_and_provisioning_folder_summaries(tmp_path):
    root = make_project(tmp_path / "p")
    dry = vobs(root, None, "publish", "--dry-run", "--format", "markdown")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[1:6] == ["### vobs publish --dry-run: 2 create", "",
                                            "Planned against provisioning folder provisioning/.", "",
                                            "Folders to create: Samples <code>vobs-samples</code>, Story "
                                            "<code>vobs-samples-story</code>."]
    check_markdown(dry.output)
    assert not (root / "provisioning").exists()
    done = vobs(root, None, "publish", "--format", "markdown")
    assert done.exit_code == 0, done.output
    rows = check_markdown(done.output).tables[0]
    assert rows[0] == ["Dashboard", "Folder", "Result", "URL", "Detail"]
    assert rows[1:] == [["Sample A sample-a", "Samples/Story", "created", "—", "new"],
                        ["Sample B sample-b", "Samples/Story", "created", "—", "new"]]
    same = vobs(root, None, "diff", "--format", "markdown")
    assert same.exit_code == 0
    assert "### vobs diff: 2 unchanged" in same.output and "Publishing would change nothing." in same.output


# --- GitHub's limit ------------------------------------------------------------------------------


def changed(i: int, changes: int = 30, kind: str = "changed") -> DiffEntry:
    lines = [f"panel 'Panel {j}': target A expr `rate(metric_{i}_{j}_total[5m])` → `sum(rate(metric_{i}_{j}[5m]))`"
             for j in range(changes)]
    return DiffEntry(DashboardDiff(f"dash-{i:05d}", f"Dashboard {i}", kind, lines if kind == "changed" else []),
                     f"Team {i % 7}/Area")


def kept_details(text: str) -> list[str]:
    return re.findall(r"<details><summary><b>Dashboard \d+</b> <code>(dash-\d+)</code>", text)


def test_later_details_are_dropped_with_a_note_to_stay_under_the_limit():
    entries = [changed(i) for i in range(400)]
    text = diff_comment(entries, "Grafana at https://grafana.example.com")
    parsed = check_markdown(text, COMMENT_LIMIT)
    assert len(parsed.tables[0]) == 401  # every changed dashboard keeps its row
    kept = kept_details(text)
    assert 0 < len(kept) < 400 and kept == [f"dash-{i:05d}" for i in range(len(kept))]  # a prefix, in order
    assert (f"Cut to fit GitHub's 65,536-character comment limit: the changes of {400 - len(kept)} dashboards "
            "left out. Run `vobs diff` locally to see every change.") in text
    assert COMMENT_LIMIT - len(text.encode()) < 6_000  # filled, not cut far too early


def test_a_huge_project_keeps_the_rows_it_can_and_says_how_many_are_not_listed():
    entries = [changed(i, 2) for i in range(3_000)] + [changed(i, kind="unchanged") for i in range(3_000, 8_000)]
    text = diff_comment(entries, "Grafana at https://grafana.example.com")
    parsed = check_markdown(text, COMMENT_LIMIT)
    rows = len(parsed.tables[0]) - 1
    assert 0 < rows < 3_000 and not kept_details(text) and len(parsed.tables) == 1
    assert (f"{3_000 - rows:,} changed dashboards left out of the table; the changes of 3,000 dashboards left out; "
            "5,000 unchanged dashboards not listed") in text


def test_unchanged_dashboards_are_folded_away_and_dropped_before_any_change():
    entries = [changed(i, 3) for i in range(20)] + [changed(i, kind="unchanged") for i in range(20, 5_000)]
    text = diff_comment(entries, "Grafana at https://grafana.example.com")
    parsed = check_markdown(text, COMMENT_LIMIT)
    assert len(kept_details(text)) == 20
    listed = len(parsed.tables[1]) - 1
    assert 0 < listed < 4_980 and f"{4_980 - listed:,} unchanged dashboards not listed" in text
    assert "<details><summary>4,980 unchanged dashboards</summary>" in text


@pytest.mark.parametrize("limit", [1_500, 4_000, 20_000, 65_536])
def test_any_limit_is_held(limit):
    text = diff_comment([changed(i) for i in range(60)] + [changed(60, kind="unchanged")], "Grafana", limit=limit)
    check_markdown(text, limit)


def test_one_rewritten_dashboard_shows_its_first_hundred_changes():
    text = diff_comment([changed(1, 250)], "Grafana")
    body = text.split("<details>")[1]
    assert body.count("\n- ") == 101 and "- … and 150 more: <code>vobs diff --uid dash-00001</code>" in body


def test_publish_summary_lists_failures_first_and_is_cut_with_a_note():
    entries = [PublishEntry(f"d{i}", f"D{i}", "F", "unchanged") for i in range(3)]
    entries.insert(1, PublishEntry("bad", "Bad", "F", "failed", "Grafana answered 400: nope"))
    text = publish_summary(entries, "Grafana at https://g.example.com/grafana", "https://g.example.com/grafana",
                           commit="0123456789ab")
    assert text.splitlines()[1:6] == [
        "### vobs publish: 0 created, 0 updated, 3 unchanged, 1 failed", "",
        "To Grafana at https:\u2060//g.example.com/grafana at commit <code>0123456789ab</code>.", "",
        "**1 dashboard not published.** Run `vobs publish` again to finish."]  # no drift advice: none drifted
    parsed = check_markdown(text)
    assert [r[2] for r in parsed.tables[0][1:]] == ["failed", "unchanged", "unchanged", "unchanged"]
    assert parsed.links[0] == "https://g.example.com/grafana/d/bad"
    many = [PublishEntry(f"d{i}", f"D{i}", "F", "created", "new") for i in range(5_000)]
    cut = publish_summary(many, "Grafana", "https://g.example.com", limit=50_000)
    rows = len(check_markdown(cut, 50_000).tables[0]) - 1
    assert 0 < rows < 5_000 and f"{5_000 - rows:,} dashboards left out" in cut


# --- the one escape --------------------------------------------------------------------------------


def test_md_escapes_the_way_github_reads_and_stays_readable_raw():
    assert md("a|b`c<d>e&f*g_h~i[j]k!l$m\\n") == "a\\|b\\`c&lt;d>e&amp;f\\*g_h\\~i\\[j\\]k!l\\$m\\n"
    # a new-user trial: `prometheus&#95;http&#95;requests&#95;total`, `&#91;promql/parse&#93;`, `http&#58;//…`
    assert md("prometheus_http_requests_total [promql/parse]") == "prometheus_http_requests_total \\[promql/parse\\]"
    assert md("at http://127.0.0.1:9090, www.e.vil") == "at http:\u2060//127.0.0.1:9090, www\u2060.e.vil"
    assert md('code=~"5.." * 100 _x_ $__rate_interval') == 'code=\\~"5.." * 100 \\_x\\_ \\$\\_\\_rate_interval'
    assert md("ping @octo-org/team") == "ping @\u2060octo-org/team"
    assert md("two\nlines\x1b[2J") == "two\\nlines\\x1b\\[2J"  # a backslash before a letter stays one
    assert md("ends in \\") == "ends in \\\\" and md("wow!") == "wow\\!"  # the caller's markup comes next
    assert md("&lt;b&gt;") == "&amp;lt;b&amp;gt;"  # an entity in a title shows as typed
    assert md("x" * 1_000, 10) == "x" * 9 + "…"
    assert md("&" * 50, 10) == "&amp;" * 9 + "…"  # cut before escaping: no escape split
    assert md_html("<b>a|b*</b> & @team http://x") == "&lt;b&gt;a|b*&lt;/b&gt; &amp; @\u2060team http:\u2060//x"


WJ = WORD_JOINER
# GitHub's issue and pull-request references: a link, and a "mentioned this" event on that issue
REFERENCES = [
    ("see #12", f"see #{WJ}12"),
    ("Fix #1, #2 and #3", f"Fix #{WJ}1, #{WJ}2 and #{WJ}3"),
    ("owner/repo#12", f"owner/repo#{WJ}12"),
    ("GH-12 gh-7 Gh-3", f"GH-{WJ}12 gh-{WJ}7 Gh-{WJ}3"),
    ("panel 'CPU Cores' (#3)", f"panel 'CPU Cores' (#{WJ}3)"),  # a finding's own words
    ("'CPU Cores' #1 (A)", f"'CPU Cores' #{WJ}1 (A)"),
    ("#1#2", f"#{WJ}1#{WJ}2"),
    ("&#60;", f"&amp;#{WJ}60;"),  # an entity as typed, and no reference
    ("# 1, #a, #x1, GH-x, GH 1, GH_1, GH-", "# 1, #a, #x1, GH-x, GH 1, GH_1, GH-"),  # not references: as they are
    (f"#{WJ}1", f"#{WJ}1"),  # already broken (a text escaped twice): nothing added
]


@pytest.mark.parametrize("text,escaped", REFERENCES, ids=[t for t, _ in REFERENCES])
def test_issue_references_are_broken_by_a_word_joiner(text, escaped):
    assert md(text) == escaped
    assert md_html(text) == escaped  # in a <summary>: the same breaks (`&` HTML-escaped the same)
    assert not re.search(r"(?i)(?:#|gh-)[0-9]", md_paragraph(text)), md_paragraph(text)
    assert md(text).replace(WJ, "") == text.replace(WJ, "").replace("&", "&amp;")  # reads as typed


_GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _inline_text(tokens) -> tuple[list[str], str]:
    """The kinds of the inline tokens that are not plain text, and the text they read."""
    kinds = [t.type for t in tokens if t.type not in ("text", "text_special")]
    return kinds, "".join(t.content for t in tokens if t.type in ("text", "text_special"))


MARKUP = st.text(alphabet=st.sampled_from(list("ab1 _*~`\\[]()!|<>&;#$@:/.wgH-2\n")), max_size=24)


@settings(max_examples=500)
@given(MARKUP | st.text())
@example("<b>x</b> <img src=x onerror=alert(1)> </details> &lt; &#60;")
@example("_ab_ *em* __b__ ~~s~~ ~t~ `c` $x$ a|b")
@example("[click](javascript:alert(1)) ![i](x) [r]: http://e.vil")
@example("ends in a backslash \\")
@example("wow!")
@example("http://e.vil HTTPS://E.VIL www.e.vil @octo-org/team a@b.org")
@example("#12 owner/repo#3 GH-4 gh-5 (#6)")
def test_md_reads_as_typed_wherever_it_is_put_and_is_never_markup(text):
    """Parsed as GitHub does (CommonMark, GFM tables and strike-through): in running text, in a table
    cell, as link text, between `**`, `md(text)` is that one piece of text — the text as `escape`
    shows it on one line, word joiners aside — and never a link, an image, HTML, code or emphasis.
    No bare link, mention or issue reference survives for an autolinker."""
    out = md(text, None)
    typed = escape(text, one_line=True).replace(WORD_JOINER, "")
    kinds, read = _inline_text(_GFM.parseInline(f"x {out} x")[0].children)
    assert kinds == [] and read.replace(WORD_JOINER, "") == f"x {typed} x"
    tokens = _GFM.parse(f"| h |\n|---|\n| {out} |\n")
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 2 and _inline_text(cells[1].children)[1].replace(WORD_JOINER, "") == typed.strip()
    link = _GFM.parseInline(f"[{out}](https://ours.example/)")[0].children
    assert [t.type for t in link if t.type.endswith("_open")] == ["link_open"]
    assert link[0].attrGet("href") == "https://ours.example/"
    after = _GFM.parseInline(f"{out}[ours](https://ours.example/)")[0].children  # a final `!`: no image of ours
    assert [t.type for t in after if t.type.endswith("_open") or t.type == "image"] == ["link_open"]
    strong = [t.type for t in _GFM.parseInline(f"**{out}**")[0].children if t.type.endswith("_open")]
    assert strong in (["strong_open"], [])  # ours, or none when the text is empty
    assert not re.search(r"(?i)://|www\.|@(?!\u2060)|#[0-9]|gh-[0-9]", out)  # broken by word joiners


def test_hostile_titles_keep_the_tables_and_details_whole():
    evil = "a|b</details><img src=x onerror=alert(1)>`x`@octo-org/team [link](javascript:alert(1))\n| c |"
    entries = [DiffEntry(DashboardDiff(evil, evil, "changed", [f"panel {evil!r} removed", evil]), evil, True),
               DiffEntry(DashboardDiff(evil, evil, "orphaned", ["x"]), evil)]
    parsed = check_markdown(diff_comment(entries, evil))
    assert [len(r) for r in parsed.tables[0]] == [4, 4, 4]
    # in a <summary> (raw HTML: no Markdown read there) the title reads as typed, no backslash shown
    typed = escape(evil, one_line=True).replace("@", "@\u2060")
    assert parsed.details[0].startswith(f"{typed} {typed[:40]}") and "\\`" not in parsed.details[0]
    assert parsed.tables[0][1][0].startswith("a|b</details><img src=x onerror=alert(1)>`x`@\u2060octo-org/team")
    summary = publish_summary([PublishEntry(evil, evil, evil, "failed", evil)], evil, "javascript:alert(1)//")
    parsed = check_markdown(summary)
    assert [len(r) for r in parsed.tables[0]] == [5, 5] and parsed.links == []


PUBLISH_FIRST = """\
<!-- vobs publish -->
### vobs publish: 5 created, 0 updated, 0 unchanged, 0 failed

To Grafana at <shown>.

Folders created: Other <code>vobs-other</code>, Samples <code>vobs-samples</code>, Story <code>vobs-samples-story</code>.

| Dashboard | Folder | Result | URL | Detail |
|---|---|---|---|---|
| Alpha <code>alpha</code> | Samples/Story | created | [/d/alpha](<base>/d/alpha) | new |
| Bravo <code>bravo</code> | Samples/Story | created | [/d/bravo](<base>/d/bravo) | new |
| Charlie <code>charlie</code> | Samples/Story | created | [/d/charlie](<base>/d/charlie) | new |
| Echo <code>echo</code> | Samples/Story | created | [/d/echo](<base>/d/echo) | new |
| Fox <code>foxtrot</code> | Other | created | [/d/foxtrot](<base>/d/foxtrot) | new |

**Playlists:** 2 created

| Playlist | Narrative | Result | Detail |
|---|---|---|---|
| The sample story (other) | <code>other</code> | created | new |
| The sample story (sample) | <code>sample</code> | created | new |

"""

DIFF_COMMENT = """\
<!-- vobs diff -->
### vobs diff: 1 drifted, 2 changed, 1 new, 1 orphan, 1 unchanged

Against Grafana at <shown>. Publishing would apply what follows; drifted dashboards need a review and `--force`.

| Dashboard | Folder | Change | Changes |
|---|---|---|--:|
| Alpha <code>alpha</code> | Samples/Story | ⚠️ drifted | 1 |
| Bravo <code>bravo</code> | Samples/Story | changed | 3 |
| Echo <code>echo</code> | Samples/Story | changed | 2 |
| Delta <code>delta</code> | Samples/Story | new | — |
| Charlie <code>charlie</code> | Samples/Story | orphan | — |

<details><summary><b>Alpha</b> <code>alpha</code>: ⚠️ drifted, 1 change</summary>

Edited in Grafana since vobs last published it (or never published by vobs): `vobs publish` skips it without `--force`; <code>vobs pull --uid alpha</code> brings the edit back for review.

- panel 'Event rate': target A expr \\`sum(old_metric) \\| x\\` → \\`sum(rate(sample_events_total{environment=\\~"\\$environment"}\\[\\$\\_\\_rate_interval\\]))\\`

</details>

<details><summary><b>Bravo</b> <code>bravo</code>: changed, 3 changes</summary>

- panel 'Level' renamed to 'Level now'
- dashboard: \\['links'\\]\\[1\\]\\['title'\\] \\`charlie ▶\\` → \\`delta ▶\\`
- dashboard: \\['links'\\]\\[1\\]\\['url'\\] \\`/d/charlie\\` → \\`/d/delta\\`

</details>

<details><summary><b>Echo</b> <code>echo</code>: changed, 2 changes</summary>

- dashboard: \\['links'\\]\\[0\\]\\['title'\\] \\`◀ charlie\\` → \\`◀ delta\\`
- dashboard: \\['links'\\]\\[0\\]\\['url'\\] \\`/d/charlie\\` → \\`/d/delta\\`

</details>

<details><summary>1 unchanged dashboard</summary>

| Dashboard | Folder | Change | Changes |
|---|---|---|--:|
| Fox <code>foxtrot</code> | Other | unchanged | — |

</details>

**Playlists:** 1 changed, 1 unchanged

| Playlist | Narrative | Change | Detail |
|---|---|---|---|
| The sample story (sample) | <code>sample</code> | changed | chapter 3 \\`delta\\` added; \\`charlie\\` removed |

1 unchanged playlist(s) not listed.

"""
PUBLISH_SECOND = """\
<!-- vobs publish -->
### vobs publish: 1 created, 2 updated, 1 unchanged, 0 failed, 1 skipped-drift

To Grafana at <shown>.

**1 dashboard not published.** Drifted ones need a review and `--force`.

The live JSON of the 2 dashboards it replaced is backed up in <code>.vobs/backups/<stamp>/</code> on the machine that ran it.

**Orphaned: 1 dashboard of this project left in Grafana and no longer in code** (vobs deletes nothing; delete each you no longer want): Charlie <code>charlie</code> in Samples/Story.

| Dashboard | Folder | Result | URL | Detail |
|---|---|---|---|---|
| Alpha <code>alpha</code> | Samples/Story | skipped-drift | [/d/alpha](<base>/d/alpha) | edited in Grafana since vobs last published it (version 2): vobs pull --uid alpha to review, --force to overwrite |
| Delta <code>delta</code> | Samples/Story | created | [/d/delta](<base>/d/delta) | new |
| Bravo <code>bravo</code> | Samples/Story | updated | [/d/bravo](<base>/d/bravo) | content changed |
| Echo <code>echo</code> | Samples/Story | updated | [/d/echo](<base>/d/echo) | content changed |
| Fox <code>foxtrot</code> | Other | unchanged | [/d/foxtrot](<base>/d/foxtrot) |  |

**Playlists:** 1 updated, 1 unchanged

| Playlist | Narrative | Result | Detail |
|---|---|---|---|
| The sample story (other) | <code>other</code> | unchanged |  |
| The sample story (sample) | <code>sample</code> | updated | content changed |

"""


@pytest.mark.parametrize("statuses", [["failed"], ["skipped-drift"], ["skipped-owned"], ["failed", "skipped-owned"],
                                      ["skipped-drift", "skipped-owned"], ["failed", "skipped-drift", "skipped-owned"]])
def test_the_publish_summary_advises_as_the_text_line_does_for_the_statuses_present(statuses):
    """The Markdown summary gave the drift and "run again" advice whatever was left unpublished; the
    text line gave only what fits. Both now read one source: the same advice, set as Markdown."""
    from vertice_obs.cli.grafana_report import not_published

    entries = [PublishEntry(f"d{i}", f"D{i}", "F", s) for i, s in enumerate(statuses)]
    bold = next(line for line in publish_summary(entries, "Grafana").splitlines() if "not published.**" in line)
    said = bold.split("** ", 1)[1].rstrip(".").replace("`", "")
    line = not_published([(e.uid, e.status) for e in entries], [])
    assert line.split(": ", 1)[1].split("; ", 1)[1] == said[:1].lower() + said[1:], (bold, line)


def test_a_uid_in_code_is_left_whole_to_be_copied():
    """GitHub links no issue reference inside code (`markdown_check`): a uid `gh-12` in `<code>`, and the
    `vobs pull --uid` a reviewer copies, must be that uid — a word joiner in it made the copied command name
    no dashboard. Mentions and bare links are still broken there (the autolinker reads that text)."""
    assert md("gh-12 #3", code=True) == "gh-12 #3" and md_html("gh-12 #3", code=True) == "gh-12 #3"
    assert md("@team http://x", code=True) == md("@team http://x") != "@team http://x"
    summary = publish_summary([PublishEntry("gh-12", "Deploys GH-12", "", "failed", "refused")], "Grafana", "http://g",
                              commit="gh-1a2b", folders=[Folder("gh-7", "Core GH-7")])
    check_markdown(summary)  # no reference outside code: the titles' are broken
    for code in ("<code>gh-12</code>", "<code>gh-7</code>", "<code>gh-1a2b</code>"):
        assert code in summary, summary
    assert f"GH-{WJ}12" in summary and f"GH-{WJ}7" in summary


def test_md_code_is_the_one_code_span():
    """`md_code`: the `<code>` element every uid, path and command goes in — `#12` and `gh-12` left whole
    (copied, never linked), `<`/`&` still escaped (`md_html`'s in a `<summary>`), cut at `limit`, our own
    `prefix` written as is."""
    assert md_code("fix #12 gh-3") == "<code>fix #12 gh-3</code>"
    assert md_code("a<b & c|d") == "<code>a&lt;b &amp; c\\|d</code>" == f"<code>{md('a<b & c|d', code=True)}</code>"
    assert md_code("a<b>&#12", in_html=True) == "<code>a&lt;b&gt;&amp;#12</code>"
    assert md_code("@team") == f"<code>@{WORD_JOINER}team</code>"
    assert md_code("x" * 70, 60) == f"<code>{'x' * 59}…</code>"
    assert md_code("gh-12", 60, prefix="vobs pull --uid ") == "<code>vobs pull --uid gh-12</code>"
