"""Where each value of a JSON text is written: JSON pointer (RFC 6901) → offset → line:column.

Why not search a query's text in the file: the same query in two panels, or a query that is part
of another, would point at the first place the text appears. Why not a library (json-source-map):
it is recursive (a deep file is a RecursionError), does not escape `/` and `~` in pointers nor
decode escaped keys, and has not been released since 2022.

The values themselves come from `located_yaml.parse_json` (Python's C decoder, with its notes on
what strict readers refuse); this is one pass over the same text, after that decoder accepted it,
with one regular expression and a stack — no recursion, so nesting depth is no concern. A key
written twice keeps its last position, as `json.loads` keeps the last value.

Lines count `\\n` (so `\\r\\n` is one line break, as SARIF's default `newlineSequences` say);
columns count Unicode code points from 1 (SARIF `columnKind` `unicodeCodePoints`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from typing import Any, Iterator

from vertice_obs.located_yaml import parse_json

# One match per JSON token that matters, eating the whitespace and commas before it (so the C
# engine skips them, not the Python loop): an object member — its key, and its value when that is a
# scalar — (groups 1, 2), an opening bracket (3), a closing one (4), or a scalar in an array or
# alone (5). Strings are an unrolled loop (no backtracking); a bare word is a number, true, false,
# null, NaN or ±Infinity.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_WORD = r'[^ \t\n\r{}\[\],:"]+'
_TOKEN = re.compile(rf'[ \t\n\r,]*(?:({_STRING})[ \t\n\r]*:[ \t\n\r]*(?:({_STRING}|{_WORD}))?'
                    rf'|([{{\[])|([}}\]])|({_STRING}|{_WORD}))')
_NEWLINE = re.compile("\n")


def escape_key(key: str) -> str:
    """One reference token of a JSON pointer: `~` → `~0`, `/` → `~1`."""
    return key.replace("~", "~0").replace("/", "~1") if ("~" in key or "/" in key) else key


def pointer(path: tuple | list) -> str:
    """A JSON pointer for a path of keys and indexes: `("panels", 0, "expr")` → `/panels/0/expr`."""
    return "".join("/" + escape_key(str(part)) for part in path)


class Positions:
    """The offset of every value (and of every object key) of one JSON text, by JSON pointer.

    Build it only from text that `json.loads` accepts (`read_json` does both): on anything else the
    answers are unspecified, but it never raises and never recurses."""

    __slots__ = ("_values", "_keys", "_text", "_newlines", "_prefix", "_shift")

    def __init__(self, text: str):
        self._shift = 1 if text.startswith("\ufeff") else 0  # parse_json drops a byte-order mark: so do we
        self._values, self._keys = _scan(text, self._shift)
        self._text = text
        self._newlines: list[int] | None = None  # found when a position is first asked for
        self._prefix = ""

    def within(self, prefix: str) -> "Positions":
        """The same positions seen from the value at `prefix` (e.g. `/dashboard` in Grafana's API shape)."""
        view = object.__new__(Positions)
        for name in self.__slots__:
            setattr(view, name, getattr(self, name))
        view._prefix = self._prefix + prefix
        return view

    def offset(self, ptr: str) -> int | None:
        """The character offset in the text where the value at `ptr` starts."""
        return self._values.get(self._prefix + ptr)

    def value(self, ptr: str) -> tuple[int, int] | None:
        """(line, column), both from 1, where the value at `ptr` starts; None if there is no such value."""
        found = self._values.get(self._prefix + ptr)
        return None if found is None else self.line_column(found)

    def key(self, ptr: str) -> tuple[int, int] | None:
        """(line, column) of the key (its opening quote) of the object member at `ptr`."""
        found = self._keys.get(self._prefix + ptr)
        return None if found is None else self.line_column(found)

    def near(self, ptr: str) -> tuple[int, int]:
        """The position of the value at `ptr`, else of its closest ancestor that exists (a path into
        a part that was dropped or rewritten still lands on the part around it)."""
        while True:
            found = self._values.get(self._prefix + ptr)
            if found is not None or not ptr:
                return self.line_column(found if found is not None else self._shift)
            ptr = ptr[:ptr.rfind("/")]

    def pointers(self) -> Iterator[str]:
        """Every located value's pointer (relative to this view), in no particular order."""
        n = len(self._prefix)
        return (p[n:] for p in self._values if p.startswith(self._prefix) and (len(p) == n or p[n] == "/"))

    def line_column(self, offset: int) -> tuple[int, int]:
        """(line, column), both from 1, of a character offset in the text."""
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self._text)]
        newlines = self._newlines
        line = bisect_left(newlines, offset)  # the newlines before `offset`
        start = newlines[line - 1] + 1 if line else self._shift
        return line + 1, offset - start + 1


def _scan(text: str, start: int) -> tuple[dict[str, int], dict[str, int]]:
    """One pass over the tokens of valid JSON `text`: the offset of each value and each key."""
    values: dict[str, int] = {}
    keys: dict[str, int] = {}
    stack: list[list[Any]] = []  # one frame per open container: [its pointer, is an object, next index]
    top: list[Any] | None = None
    member = ""  # the pointer of the object member whose key was read last
    for match in _TOKEN.finditer(text, start):
        key, member_scalar, opening, closing, scalar = match.groups()
        if key is not None:
            if top is None:
                continue  # not JSON: never raise
            name = json.loads(key) if "\\" in key else key[1:-1]
            member = top[0] + "/" + escape_key(name)
            keys[member] = match.start(1)
            if member_scalar is not None:
                values[member] = match.start(2)
            continue  # a container value comes next, as its own token, and takes `member`
        if closing is not None:
            if stack:
                stack.pop()
            top = stack[-1] if stack else None
            continue
        if top is None:
            at = ""
        elif top[1]:
            at = member
        else:
            at = top[0] + "/" + str(top[2])
            top[2] += 1
        if opening is not None:
            values[at] = match.start(3)
            top = [at, opening == "{", 0]
            stack.append(top)
        else:
            values[at] = match.start(5)
    return values, keys


def read_json(text: str, file: str, notes: list[tuple[int | None, str]] | None = None) -> tuple[Any, Positions]:
    """`text` as JSON — exactly as `located_yaml.parse_json` reads it, errors and notes included —
    and the position of each of its values."""
    data = parse_json(text, file, notes)
    return data, Positions(text)
