"""The one escape for untrusted text in Markdown that GitHub renders: pull-request comments and
step summaries. Titles, queries, uids and server messages come from code under review or from a
Grafana; in a comment they must stay text.

What could go wrong, and what `md` does about it, character by character (one pass, so nothing
is escaped twice):
- `|` would end a table cell and shift the columns; `<`, `>` would open HTML — `</details>`
  would close our block early, `<img>` would load a tracker; `&` would start an entity:
  all become numeric character references, which CommonMark treats as literal text, never as
  markup (the same in a table cell, in a list and inside an HTML block such as `<details>`).
- `` ` `` (code spans), `\\` (escapes), `*`, `_`, `~` (emphasis, strike-through), `[`, `]`, `!`
  (links, images), `$` (GitHub's math) likewise.
- `@team` would notify people: a word joiner after `@` keeps the text as it reads and stops the
  mention (and an e-mail address's link: `a@b.org`, `mailto:a@b.org`).
- A bare `http://…`, `https://…`, `ftp://…` or `www.…` would be a link (GitHub's autolink
  extension: text that becomes a link without any markup): the `:` before `//` and the `.` after
  `www` become numeric references, which GitHub's autolinker does not look through.
- Control characters, newlines and bidi overrides are made visible first by `guard.text.escape`
  (one line: a newline would end the table row or the list item).
Text is also cut to `limit` characters (before escaping, so no reference is split): one huge title
must not take a comment's whole budget.
"""

from __future__ import annotations

import re

from vertice_obs.guard.text import escape

_REFERENCES = {ord(c): f"&#{ord(c)};" for c in "&<>|`\\*_~[]!$"}
_REFERENCES[ord("@")] = "@&#8288;"  # WORD JOINER: invisible, and no longer a mention


def md(text: object, limit: int | None = 300) -> str:
    """`text` as inert Markdown on one line, at most `limit` characters of it (then `…`; None: all)."""
    shown = escape(text, one_line=True)
    if limit is not None and len(shown) > limit:
        shown = shown[: max(0, limit - 1)] + "…"
    return _AUTOLINK.sub(_unlinked, shown.translate(_REFERENCES))


_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9+.-])://|(?<![a-z0-9])www\.")


def _unlinked(match: re.Match) -> str:
    return "&#58;//" if match.group(0) == "://" else match.group(0)[:3] + "&#46;"


_BLOCK_START = re.compile(r"^([#>+=-]|\d+[.)])")


def md_paragraph(text: object, limit: int | None = 2000) -> str:
    """`text` as one inert Markdown paragraph, its lines kept as line breaks: each line through `md`,
    with what would start a block — a heading `#`, a list `-`/`+`/`1.`, a quote, a setext `=`/`-`
    underline, an indented code block — written as text (its first character a numeric reference,
    the indentation dropped)."""
    shown = escape(text)
    if limit is not None and len(shown) > limit:
        shown = shown[: max(0, limit - 1)] + "…"
    lines = []
    for line in shown.splitlines() or [""]:
        line = md(line.lstrip(), None)
        start = _BLOCK_START.match(line)
        if start:
            line = f"&#{ord(line[0])};{line[1:]}"
        lines.append(line)
    return "  \n".join(lines)  # two spaces: a hard line break inside the paragraph
