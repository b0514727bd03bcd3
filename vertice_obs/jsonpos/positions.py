"""Where each value of a JSON text is written: JSON pointer (RFC 6901) → offset → line:column.

Why not search a query's text in the file: the same query in two panels, or a query that is part
of another, would point at the first place the text appears. Why not a library (json-source-map):
it is recursive (a deep file is a RecursionError), does not escape `/` and `~` in pointers nor
decode escaped keys, and has not been released since 2022.

The values themselves come from `jsonpos.strict.parse_json` (Python's C decoder, with its notes on
what strict readers refuse); this is one pass over the same text, after that decoder accepted it,
with one regular expression and a stack — no recursion, so nesting depth is no concern — into a
tree of the containers (objects and arrays, with array items of any kind). An object's scalar
members (`"expr": "…"`, most of a dashboard's tokens) are skipped by the regular expression in C
and found only when one is asked for, by a pass over that one object's own members (its nested
containers jumped over by their known ends). Memory is linear in the file. A key written twice
keeps its last position, as `json.loads` keeps the last value.

Lines count `\\n` (so `\\r\\n` is one line break, as SARIF's default `newlineSequences` say);
columns count Unicode code points from 1 (SARIF `columnKind` `unicodeCodePoints`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from typing import Any, Mapping

from vertice_obs.jsonpos.strict import parse_json

# One match per container token, eating before it — in C, not in the Python loop — the whitespace,
# commas and object members with a scalar value (found later, only if asked for: `_members`):
# an object member whose value is a container — its key and opening bracket — (groups 1, 2), an
# opening bracket (3), a closing one (4), or a scalar in an array or alone (5). Strings are an
# unrolled loop and every loop is possessive (no backtracking); a bare word is a number, true,
# false, null, NaN or ±Infinity.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_WORD = r'[^ \t\n\r{}\[\],:"]++'
_SPACE = r'[ \t\n\r]*+'
_SKIPPED = rf'[ \t\n\r,]*+(?:{_STRING}{_SPACE}:{_SPACE}(?:{_STRING}|{_WORD})[ \t\n\r,]*+)*+'
_TOKEN = re.compile(rf'{_SKIPPED}(?:({_STRING}){_SPACE}:{_SPACE}([{{\[])|([{{\[])|([}}\]])|({_STRING}|{_WORD}))')
# One object member: its key (group 1), and its value when that is a scalar (2), else its opening bracket (3).
_MEMBER = re.compile(rf'[ \t\n\r,]*+({_STRING}){_SPACE}:{_SPACE}(?:({_STRING}|{_WORD})|([{{\[]))')
_NEWLINE = re.compile("\n")
_SCALAR = re.compile(f"{_STRING}|{_WORD}")


def escape_key(key: str) -> str:
    """One reference token of a JSON pointer: `~` → `~0`, `/` → `~1`."""
    return key.replace("~", "~0").replace("/", "~1") if ("~" in key or "/" in key) else key


def pointer(path: tuple | list) -> str:
    """A JSON pointer for a path of keys and indexes: `("panels", 0, "expr")` → `/panels/0/expr`."""
    return "".join("/" + escape_key(str(part)) for part in path)


class Positions:
    """The offset of every value (and of every object member's key) of one JSON text, by JSON pointer.

    Values are nodes of a tree (a dict of members per object, a list per array), not a map of pointer
    strings: memory stays linear in the file's size however deep it nests (pointer strings would
    grow with depth, and their total with its square). Build it only from text that `json.loads`
    accepts (`read_json` does both): on anything else the answers are unspecified, but it never
    raises and never recurses."""

    __slots__ = ("_offsets", "_key_offsets", "_children", "_ends", "_read", "_root", "_text", "_newlines",
                 "_shift", "_places")

    def __init__(self, text: str):
        self._shift = 1 if text.startswith("\ufeff") else 0  # parse_json drops a byte-order mark: so do we
        self._offsets, self._key_offsets, self._children, self._ends = _scan(text, self._shift)
        self._read: set[int] = set()  # the objects whose scalar members are read (`_members`)
        self._root = 0 if self._offsets else -1
        self._text = text
        self._newlines: list[int] | None = None  # found when a position is first asked for
        self._places: Mapping[str, str] | None = None

    def within(self, prefix: str) -> "Positions":
        """The same positions seen from the value at `prefix` (e.g. `/dashboard` in Grafana's API shape)."""
        view = object.__new__(Positions)
        for name in self.__slots__:
            setattr(view, name, getattr(self, name))
        node, complete = self._walk(prefix)
        view._root = node if complete else -1
        return view

    def translated(self, places: Mapping[str, str]) -> "Positions":
        """The same positions asked by the pointers of another model read from this text: each pointer's
        longest prefix in `places` is replaced by the pointer it maps to (a schema v2 dashboard read as
        the classic model: `/panels/0/targets/0/expr` → `/spec/elements/panel-1/…/spec/expr`)."""
        view = self.within("")
        view._places = places
        return view

    def offset(self, ptr: str) -> int | None:
        """The character offset in the text where the value at `ptr` starts."""
        node, complete = self._walk(ptr)
        return self._offsets[node] if complete else None

    def value(self, ptr: str) -> tuple[int, int] | None:
        """(line, column), both from 1, where the value at `ptr` starts; None if there is no such value."""
        found = self.offset(ptr)
        return None if found is None else self.line_column(found)

    def written(self, ptr: str) -> str | None:
        """The text of the scalar value at `ptr` as written (`1e308`, `"a\\u00e9"`, `true`); None for
        a container or no such value."""
        node, complete = self._walk(ptr)
        if not complete or self._children[node] is not None:
            return None
        found = _SCALAR.match(self._text, self._offsets[node])
        return found.group() if found else None

    def key(self, ptr: str) -> tuple[int, int] | None:
        """(line, column) of the key (its opening quote) of the object member at `ptr`."""
        node, complete = self._walk(ptr)
        return self.line_column(self._key_offsets[node]) if complete and self._key_offsets[node] >= 0 else None

    def near(self, ptr: str) -> tuple[int, int]:
        """The position of the value at `ptr`, else of its closest ancestor that exists (a path into
        a part that was dropped or rewritten still lands on the part around it)."""
        node, _ = self._walk(ptr)
        return self.line_column(self._offsets[node] if node >= 0 else self._shift)

    def near_path(self, path: tuple | list) -> tuple[int, int]:
        """`near(pointer(path))`, without writing the pointer and reading it back (a path of keys and
        indexes is what the walks know)."""
        if self._places is not None:
            return self.near(pointer(path))
        node, _ = self._descend(path)
        return self.line_column(self._offsets[node] if node >= 0 else self._shift)

    def _walk(self, ptr: str) -> tuple[int, bool]:
        """The node at `ptr` and True; else the deepest node on its way and False."""
        if self._places is not None:
            ptr = _translate(ptr, self._places)
        if self._root < 0 or (ptr and not ptr.startswith("/")):
            return self._root, False
        tokens = ptr.split("/")[1:] if ptr else ()
        return self._descend([t.replace("~1", "/").replace("~0", "~") if "~" in t else t for t in tokens])

    def _descend(self, tokens: tuple | list) -> tuple[int, bool]:
        """The node at the keys and indexes `tokens` (an index as a number or its digits) and True;
        else the deepest node on its way and False."""
        node = self._root
        if node < 0:
            return node, False
        children = self._children
        for token in tokens:
            kids = children[node]
            kind = type(token)
            if kind is not str and kind is not int:
                token, kind = str(token), str
            child = None
            if type(kids) is dict:
                key = token if kind is str else str(token)
                child = kids.get(key)
                if node not in self._read and (child is None or not self._kept(node, child, key)):
                    self._read.add(node)  # its scalar members, and which of a repeated key's values is kept
                    kids = children[node] = _members(self._text, node, self._offsets, self._key_offsets,
                                                     children, self._ends)
                    child = kids.get(key)
            elif type(kids) is list:
                index = token if kind is int else int(token) if token.isascii() and token.isdigit() else -1
                if 0 <= index < len(kids):
                    child = kids[index]
            if child is None:
                return node, False
            node = child
        return node, True

    def _kept(self, node: int, child: int, key: str) -> bool:
        """Is the container member `child` of the object at `node` the value `json.loads` keeps for
        `key`, without reading the object's other members? Yes when nothing after it in the object
        can be `key` again: `"key"` is not written there, nor any escape (a key can be written
        escaped)."""
        after, end = self._ends.get(self._offsets[child], -1), self._ends.get(self._offsets[node], -1)
        text = self._text
        return after >= 0 and end >= 0 and '"' not in key and "\\" not in key \
            and text.find(f'"{key}"', after, end) < 0 and text.find("\\", after, end) < 0

    def line_column(self, offset: int) -> tuple[int, int]:
        """(line, column), both from 1, of a character offset in the text."""
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self._text)]
        newlines = self._newlines
        line = bisect_left(newlines, offset)  # the newlines before `offset`
        start = newlines[line - 1] + 1 if line else self._shift
        return line + 1, offset - start + 1


def _translate(ptr: str, places: Mapping[str, str]) -> str:
    """`ptr` with its longest prefix (whole tokens) that `places` maps replaced by what it maps to."""
    end = len(ptr)
    while True:
        found = places.get(ptr[:end])
        if found is not None:
            return found + ptr[end:]
        if end <= 0:
            return ptr
        end = ptr.rfind("/", 0, end)
        end = max(end, 0)


def _scan(text: str, start: int) -> tuple[list[int], list[int], list[Any], dict[int, int]]:
    """One pass over the container tokens of valid JSON `text`. Node 0 is the document; for each
    node: the offset of its value, of its key (-1 outside objects), and its children (a dict of
    members by name — only those whose value is a container, until `_members` reads the others —,
    a list of items, None for a scalar). And where each container ends: its opening bracket's offset
    → the offset just past its closing one."""
    offsets: list[int] = []
    key_offsets: list[int] = []
    children: list[Any] = []
    ends: dict[int, int] = {}
    stack: list[int] = []  # the open containers' nodes
    holder: Any = None  # the children of the innermost open container (None outside any)
    for match in _TOKEN.finditer(text, start):
        kind = match.lastindex  # which group matched: no tuple of all five, no substring not needed
        if kind == 4:  # a closing bracket
            if stack:
                ends[offsets[stack.pop()]] = match.end()
                holder = children[stack[-1]] if stack else None
            continue
        node = len(offsets)
        if kind == 2:  # an object member whose value is a container: its key (1) and bracket (2)
            if type(holder) is not dict:
                continue  # not JSON: never raise
            key = match.group(1)
            holder[json.loads(key) if "\\" in key else key[1:-1]] = node  # a repeated key: the last wins
            key_offsets.append(match.start(1))
        else:  # an opening bracket (3) or a scalar (5), in an array or alone
            if type(holder) is list:
                holder.append(node)
            elif holder is not None:
                continue  # not JSON: never raise
            key_offsets.append(-1)
        offset = match.start(kind)
        offsets.append(offset)
        if kind == 5:
            children.append(None)
        else:
            holder = {} if text[offset] == "{" else []
            children.append(holder)
            stack.append(node)
    return offsets, key_offsets, children, ends


def _members(text: str, node: int, offsets: list[int], key_offsets: list[int], children: list[Any],
             ends: dict[int, int]) -> dict[str, int]:
    """All the members of the object at `node`, by name: one pass over its own members, a scalar's
    node made here, a container's the scan's (its value jumped over to its end)."""
    scanned = children[node]
    members: dict[str, int] = {}
    at = offsets[node] + 1
    while True:
        member = _MEMBER.match(text, at)
        if member is None:
            break  # the object's end (or not JSON)
        key = member.group(1)
        key = json.loads(key) if "\\" in key else key[1:-1]
        if member.lastindex == 3:  # a container: the scan's node, jumped over
            value = member.start(3)
            at = ends.get(value, -1)
            child = scanned.get(key)
            if child is not None and offsets[child] == value:
                members[key] = child  # else a container whose key comes again: the last wins
            if at < 0:
                break  # never closed: not JSON
            continue
        members[key] = len(offsets)  # a repeated key: the last wins
        offsets.append(member.start(2))
        key_offsets.append(member.start(1))
        children.append(None)
        at = member.end()
    return members


def read_json(text: str, file: str, notes: list[tuple[int | None, int | None, str]] | None = None) -> tuple[Any, Positions]:
    """`text` as JSON — exactly as `jsonpos.strict.parse_json` reads it, errors and notes included —
    and the position of each of its values."""
    data = parse_json(text, file, notes)
    return data, Positions(text)
