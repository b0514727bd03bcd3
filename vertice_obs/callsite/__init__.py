"""Where in a dashboard module each panel, row, query and dashboard was made: its call's line and column.

A finding about a panel of a Python dashboard module should say `file:line:col`, but the rendered
JSON has no memory of the code that made it, and must not get one (exports are byte-identical).
So the house kits (`vertice_obs.panels`, `vertice_obs.importer.house`) call `record(obj)` on what
they return, and the module loader, while one module runs and its `dashboard` is converted, holds
a side table (`recording(file)`): object identity → the object itself (kept alive, so no id is
reused while the table lives) and the place of the first frame in that module's own file — the
author's call, even when it went through a helper. Outside `recording` (tests, a notebook, a
generated module run on its own) `record` costs one context-variable read and keeps nothing.

A `ContextVar` rather than a module global: it is set and reset around one module, so nothing
leaks into the next module, another thread or a test. Part of the shared kernel; imports only the
standard library (`importer.house` imports it optionally and works without it).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from dataclasses import dataclass
from typing import Any, Iterator, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Place:
    """A call in a module: `line` from 1, `column` from 1 in Unicode code points (as `Location`)."""

    line: int
    column: int | None = None


class Table:
    """One module's side table: id(obj) → (obj, the place of the call that made it)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.made: dict[int, tuple[Any, Place]] = {}
        self._positions: dict[Any, list] = {}  # code object → its instructions' positions, read once
        self._lines: list[bytes] | None = None  # the module's source, read once, only for a column

    def place_of(self, obj: Any) -> Place | None:
        hit = self.made.get(id(obj))
        return hit[1] if hit is not None and hit[0] is obj else None

    def place(self, frame: Any) -> Place:
        """The line and column of the instruction `frame` is at (the call), the column in code points."""
        code = frame.f_code
        positions = self._positions.get(code)
        if positions is None:
            positions = self._positions[code] = list(code.co_positions())
        index = frame.f_lasti // 2  # one (line, end line, column, end column) per 2-byte code unit
        line, _end, byte_column, _ = positions[index] if 0 <= index < len(positions) else (None,) * 4
        if line is None:
            return Place(frame.f_lineno)
        return Place(line, None if byte_column is None else self._code_points(line, byte_column) + 1)

    def _code_points(self, line: int, byte_column: int) -> int:
        """A UTF-8 byte offset in a source line as a count of code points (Python's are bytes)."""
        if self._lines is None:
            try:
                with open(self.file, "rb") as source:
                    self._lines = source.read().splitlines()
            except OSError:
                self._lines = []
        if not 0 < line <= len(self._lines):
            return byte_column
        return len(self._lines[line - 1][:byte_column].decode("utf-8", "replace"))


_TABLE: contextvars.ContextVar[Table | None] = contextvars.ContextVar("vobs_callsite_table", default=None)


@contextlib.contextmanager
def recording(file: str) -> Iterator[Table]:
    """Record, while the block runs, where the module at `file` (its path as Python compiled it)
    makes each recorded object."""
    table = Table(file)
    token = _TABLE.set(table)
    try:
        yield table
    finally:
        _TABLE.reset(token)


def record(obj: T) -> T:
    """`obj`, remembered at its caller's place in the module being recorded, if any."""
    table = _TABLE.get()
    if table is None:
        return obj
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != table.file:
        frame = frame.f_back
    if frame is not None:
        table.made[id(obj)] = (obj, table.place(frame))
    return obj
