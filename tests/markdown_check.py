"""What every Markdown document vobs writes for GitHub must be, checked by parsing it as GitHub does
(CommonMark with GFM tables, by markdown-it-py) and by reading the HTML that comes out.

`check_markdown(text)` asserts: within the size limit; raw HTML only the tags vobs writes itself,
every `<details>`/`<summary>` closed and properly nested; every table row with exactly its
header's number of cells (counted on the raw line: markdown-it pads or drops cells silently, as
GitHub does); the rendered HTML holds no other element than the document's own (no `<img>`,
`<script>`, links only to http(s)); no `@name` that GitHub would turn into a notification, and no
`#12`, `owner/repo#12` or `GH-12` it would turn into an issue reference (a "mentioned this" event
on that issue) outside code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt

RAW_TAGS = {"details", "summary", "code", "b"}
RENDERED_TAGS = RAW_TAGS | {"h3", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "blockquote",
                            "a", "strong", "em"}
_RAW_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")
_CELL_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")  # a pipe after no backslash or an even run of them
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_REFERENCE = re.compile(r"(?i)(?:#|\bgh-)[0-9]")  # GitHub links none inside code
_PARSER = MarkdownIt("commonmark").enable("table")


@dataclass
class Parsed:
    tables: list[list[list[str]]] = field(default_factory=list)  # rows of cell texts, header first
    details: list[str] = field(default_factory=list)  # the text of each <summary>
    text: str = ""  # all text of the rendered HTML, entities decoded
    links: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self.open: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.summary: list[str] | None = None
        self.text: list[str] = []
        self.prose: list[str] = []  # the text outside code

    def handle_starttag(self, tag, attrs):
        assert tag in RENDERED_TAGS, f"element <{tag}> in the rendered comment"
        for name, value in attrs:
            assert tag == "a" and name == "href" or tag in ("th", "td") and name == "style", \
                f"attribute {name}={value!r} on <{tag}>"
            if tag == "a":
                assert re.match(r"https?://", value or ""), f"link to {value!r}"
                self.parsed.links.append(value)
        self.open.append(tag)
        if tag == "table":
            self.parsed.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "summary":
            self.summary = []

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()
        if tag in ("td", "th"):
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.parsed.tables[-1].append(self.row)
        elif tag == "summary":
            self.parsed.details.append("".join(self.summary))
            self.summary = None

    def handle_data(self, data):
        self.text.append(data)
        if "code" not in self.open:
            self.prose.append(data)
        for part in (self.cell, self.summary):
            if part is not None:
                part.append(data)


def check_markdown(text: str, limit: int = 65_536) -> Parsed:
    assert len(text.encode("utf-8")) <= limit, f"{len(text.encode('utf-8'))} bytes, over {limit}"
    _check_raw_html(text)
    _check_table_lines(text)
    _check_no_bare_autolink(text)
    reader = _Reader()
    reader.feed(_PARSER.render(text))
    reader.close()
    assert not reader.open, f"unclosed elements {reader.open}"
    parsed = reader.parsed
    parsed.text = "".join(reader.text)
    assert not _MENTION.search(parsed.text), "an @mention GitHub would notify"
    reference = _REFERENCE.search("".join(reader.prose))
    assert not reference, \
        f"an issue reference GitHub would link: {reference.string[max(0, reference.start() - 40):reference.end() + 40]!r}"
    return parsed


_OWN_LINK = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)")  # [text](destination): the document's own links
_BARE_AUTOLINK = re.compile(r"(?i)(?:https?|ftp)://|www\.")


def _check_no_bare_autolink(text: str) -> None:
    """GitHub also links bare `http://…`, `https://…` and `www.…` in text (GFM's autolink
    extension, which markdown-it's commonmark preset lacks): outside the document's own links,
    none may stand written as such — a title must not add a link."""
    bare = _BARE_AUTOLINK.search(_OWN_LINK.sub("", text))
    assert not bare, f"a bare link GitHub would make clickable: {text[max(0, bare.start() - 40):bare.end() + 40]!r}"


def _check_raw_html(text: str) -> None:
    stack: list[str] = []
    for match in _RAW_TAG.finditer(text):
        closing, tag = match.group(1), match.group(2).lower()
        assert tag in RAW_TAGS, f"raw HTML <{closing}{tag}> in the markdown"
        if closing:
            assert stack and stack[-1] == tag, f"</{tag}> closes {stack[-1:] or 'nothing'}"
            stack.pop()
        else:
            stack.append(tag)
    assert not stack, f"never closed: {stack}"
    assert text.count("<!--") == text.count("-->") <= 1, "comments other than the marker"


def _check_table_lines(text: str) -> None:
    columns = None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = len(_CELL_PIPE.findall(line)) - 1  # a `|` in text is written `\|`: it splits no cell
        if columns is None:
            columns = cells
        assert cells == columns, f"{cells} cells under a {columns}-column header: {line[:200]!r}"
