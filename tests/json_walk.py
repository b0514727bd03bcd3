"""An independent way to find where each value of a JSON text starts, to check vobs' positions against.

Recursive descent driven by the standard library's own scanner (`json.decoder.scanstring` for keys,
`JSONDecoder.raw_decode` to read each scalar), keyed by paths of keys and indexes — it shares no
code and no idea (regular expressions, JSON pointers) with `vertice_obs.jsonpos`. For test data
only: it recurses.
"""

from __future__ import annotations

import json
from json.decoder import scanstring
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def value_offsets(text: str) -> dict[tuple, int]:
    """Path (keys and indexes) → offset where that value's text starts; a repeated key keeps its last."""
    out: dict[tuple, int] = {}

    def skip(i: int) -> int:
        while i < len(text) and text[i] in _SPACE:
            i += 1
        return i

    def value(i: int, path: tuple) -> int:
        i = skip(i)
        out[path] = i
        if text[i] == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                assert text[i] == '"'
                key, i = scanstring(text, i + 1)
                i = skip(i)
                assert text[i] == ":"
                i = skip(value(i + 1, path + (key,)))
                if text[i] == "}":
                    return i + 1
                assert text[i] == ","
                i = skip(i + 1)
        if text[i] == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = skip(value(i, path + (index,)))
                index += 1
                if text[i] == "]":
                    return i + 1
                assert text[i] == ","
                i += 1
        _, end = _DECODER.raw_decode(text, i)
        return end

    value(0, ())
    return out


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (code points) of `offset`, counted the plain way."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def panels_with_paths(model: dict, base: tuple = ()) -> list[tuple[tuple, dict]]:
    """Every panel object (top level, nested in rows, legacy `rows[].panels`) with its path."""
    out = []
    work = [(base + ("panels", i), p) for i, p in enumerate(model.get("panels") or [])]
    work += [(base + ("rows", r, "panels", i), p) for r, row in enumerate(model.get("rows") or [])
             for i, p in enumerate(row.get("panels") or [])]
    while work:
        path, panel = work.pop(0)
        out.append((path, panel))
        work += [(path + ("panels", i), p) for i, p in enumerate(panel.get("panels") or [])]
    return out


def expected_place(model: dict, location: dict[str, Any], check: str, base: tuple = (),
                   json_path: str | None = None) -> tuple:
    """The path a finding at `location` must point at: a query's text, or (for a finding about the
    part itself) the panel's, target's, variable's or annotation's object; for a part of the wrong
    type, the part its `json_path` names."""
    if json_path is not None:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in json_path.split("/")[1:]]
        return base + tuple(int(p) if p.isdigit() else p for p in parts)
    about_part = check in ("inventory/datasource-skipped", "inventory/library-panel")
    target = location.get("target") or ""
    if target.startswith(("variable ", "annotation ")):
        kind, name = target.split(" ", 1)
        key = "templating" if kind == "variable" else "annotations"
        [(i, entry)] = [(i, e) for i, e in enumerate(model[key]["list"]) if e.get("name") == name]
        path = base + (key, "list", i)
        if about_part:
            return path
        if kind == "variable":
            return path + (("query", "query") if isinstance(entry.get("query"), dict) else ("query",))
        return path + (("expr",) if entry.get("expr") else ("target", "expr"))
    [(path, panel)] = [(p, x) for p, x in panels_with_paths(model, base)
                       if x.get("id") == location.get("panel_id") and x.get("title", "") == location.get("panel")]
    if not target or check == "inventory/library-panel":
        return path
    [i] = [i for i, t in enumerate(panel["targets"]) if (t.get("refId") or f"#{i + 1}") == target]
    return path + ("targets", i) if about_part else path + ("targets", i, "expr")
