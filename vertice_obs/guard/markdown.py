"""The one escape for untrusted text in Markdown that GitHub renders: pull-request comments, step
summaries, reports pasted into an issue. Titles, queries, uids and server messages come from code
under review or from a Grafana; in Markdown they must stay text — and stay readable as typed in
the raw Markdown too (a chat or a ticket shows it unrendered), so the escape is GitHub's own, the
backslash, and only where a character could be markup.

What could go wrong, and what `md` does about it, character by character (one pass, so nothing
is escaped twice):
- `<` would open HTML — `</details>` would close our block early, `<img>` would load a tracker —
  and `&` would start an entity: they become `&lt;` and `&amp;`, which CommonMark and HTML read
  as the characters themselves. (`>` alone opens nothing.)
- `|` would end a table cell; `` ` `` open a code span; `[`, `]` make links and images (`![`);
  `$` GitHub's math: each gets a backslash, which GitHub removes (in a table cell too).
- `*`, `_`, `~` (emphasis, strike-through) get one unless their run could not be markup: spaces
  on both sides (`a * b`), or, for `_`, letters or digits on both sides — inside a word
  (`prometheus_http_requests_total`), where CommonMark never reads it as emphasis.
- `\\` gets one when it would escape what follows (a punctuation character, or the end: the
  caller's own markup comes next); `\\x1b` stays as it is. A final `!` gets one (before a
  caller's `[`, it would make an image).
- `@team` would notify people: a word joiner after `@` keeps the text as it reads and stops the
  mention (and an e-mail address's link: `a@b.org`, `mailto:a@b.org`).
- A bare `http://…`, `https://…`, `ftp://…` or `www.…` would be a link (GitHub's autolink
  extension, and chat tools: text that becomes a link without any markup): a word joiner after
  the `:` of `://` and after `www` — invisible, and no autolinker looks through it.
- `#12`, `owner/repo#12` and `GH-12` (any case) would be a reference to an issue or pull request:
  a link, and a "mentioned this" event on that issue's timeline — a side effect on another issue,
  like a mention. A word joiner between the `#` or `GH-` and the digit keeps the text as it reads
  and stops the reference (`panel 'CPU' (#3)` from a finding, a title `Fix #12`).
- Control characters, newlines and bidi overrides are made visible first by `guard.text.escape`
  (one line: a newline would end the table row or the list item).
Text is also cut to `limit` characters (before escaping, so no escape is split): one huge title
must not take a comment's whole budget.

Inside a raw HTML block (`<details><summary>…` on one line) Markdown is not read, so a backslash
would show: text there goes through `md_html` instead (HTML escapes, the same mention, link and
reference breaks).
"""

from __future__ import annotations

import html
import re

from vertice_obs.guard.text import bounded, escape

WORD_JOINER = "\u2060"
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# What GitHub would turn into a link, a mention or an issue reference: `://`, a bare `www.`, `@`,
# `#1`, `GH-1` — broken by a word joiner after it (before the digit: GitHub's references are ASCII digits).
# Inside a `<code>` element GitHub links no reference (its filters skip code; `md_code`, `code=True`): a uid or a
# command there is copied, and must be the uid — `vobs pull --uid gh-12`, not one with a word joiner in it.
_LINKS = r":(?=//)|(?<![a-z0-9])www(?=\.)|@"
_LINKING = rf"{_LINKS}|#(?=[0-9])|gh-(?=[0-9])"
_REST = r"(?P<run>\*+|_+|~+)|(?P<ch>[\\`\[\]|$<&!])"
_TOKENS = re.compile(rf"(?i)(?P<link>{_LINKING})|{_REST}")
_CODE_TOKENS = re.compile(rf"(?i)(?P<link>{_LINKS})|{_REST}")
_ENTITY = {"<": "&lt;", "&": "&amp;"}


def _shown(text: object, limit: int | None) -> str:
    return bounded(text, limit)


def md(text: object, limit: int | None = 300, code: bool = False) -> str:
    """`text` as inert Markdown on one line, at most `limit` characters of it (then `…`; None: all);
    `code`: inside a `<code>` element, issue references left whole (GitHub links none there)."""
    shown = _shown(text, limit)

    def inert(match: re.Match) -> str:
        token, start, end = match.group(0), match.start(), match.end()
        if match.group("link"):
            return token + WORD_JOINER
        if match.group("run"):
            before, after = shown[start - 1: start], shown[end: end + 1]
            if before.isspace() and after.isspace() or token[0] == "_" and before.isalnum() and after.isalnum():
                return token
            return "".join("\\" + c for c in token)
        if token in _ENTITY:
            return _ENTITY[token]
        if token == "\\":
            return "\\\\" if end == len(shown) or shown[end] in _PUNCT else token
        if token == "!":
            return "\\!" if end == len(shown) else token
        return "\\" + token

    return (_CODE_TOKENS if code else _TOKENS).sub(inert, shown)


_HTML_TOKENS = re.compile(rf"(?i){_LINKING}")
_HTML_CODE_TOKENS = re.compile(rf"(?i){_LINKS}")


def md_html(text: object, limit: int | None = 300, code: bool = False) -> str:
    """`text` inside a raw HTML block of a Markdown document (a `<summary>`), where Markdown is not
    read: HTML-escaped, mentions, bare links and issue references broken as `md` breaks them (`code`:
    as `md`'s); one line, cut at `limit`."""
    tokens = _HTML_CODE_TOKENS if code else _HTML_TOKENS
    return tokens.sub(lambda m: m.group(0) + WORD_JOINER, html.escape(_shown(text, limit), quote=False))


def md_code(text: object, limit: int | None = 300, in_html: bool = False, prefix: str = "") -> str:
    """`text` as a `<code>` element: `md(…, code=True)` inside it (`in_html`: `md_html`'s, for a raw HTML
    block such as a `<summary>`), so a uid or a command keeps its `#12`/`gh-12` whole — GitHub links no
    reference in code, and the reader copies it — while `<`, `&` and mentions are still made inert.
    `prefix`: our own text (a command such as `vobs pull --uid `), written as is before the escaped one."""
    return f"<code>{prefix}{(md_html if in_html else md)(text, limit, code=True)}</code>"


_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d+(?=[.)]))")


def md_paragraph(text: object, limit: int | None = 2000) -> str:
    """`text` as one inert Markdown paragraph, its lines kept as line breaks: each line through `md`,
    with what would start a block — a heading `#`, a list `-`/`+`/`1.`, a quote, a setext `=`/`-`
    underline, an indented code block — written as text (a backslash before its marker, the
    indentation dropped)."""
    shown = escape(text)
    if limit is not None and len(shown) > limit:
        shown = shown[: max(0, limit - 1)] + "…"
    lines = []
    for line in shown.splitlines() or [""]:
        line = md(line.lstrip(), None)
        start = _BLOCK_START.match(line)
        if start:
            marker = start.end() if start.group(0)[0].isdigit() else 0
            line = f"{line[:marker]}\\{line[marker:]}"
        lines.append(line)
    return "  \n".join(lines)  # two spaces: a hard line break inside the paragraph
