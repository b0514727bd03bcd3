"""Strict-JSON-aware reading: `parse_json`, for every JSON file vobs reads (dashboard JSON,
journals, the manifest, pulled dashboards).

What Python's `json` accepts but strict readers (Grafana's Go, `jq`) do not — `NaN`, `Infinity`,
numbers no 64-bit float holds, lone surrogates, a leading byte-order mark — is an error at its
`file:line`, or (asked for `notes`) read and noted where it is: never an internal error later.
Part of `jsonpos`, the shared kernel; imports only `vertice_obs.errors`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from vertice_obs.errors import InputError


class _NotStrict(Exception):
    """A value Python's json reads but strict JSON readers refuse; `token` is how it is written."""

    def __init__(self, token: str, why: str):
        super().__init__(why)
        self.token, self.why = token, why


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s{}\[\]:,"]+')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NOTES = 5  # per file: the first few are enough to find and fix them
BOM_NOTE = "starts with a byte-order mark, which Grafana's JSON reader refuses (save it as UTF-8 without BOM)"


# What a YAML document opens with and JSON never does: `---`, `key:` or `- item` on its first line
# (a JSON document with a typo starts with `{` or `[`, and is not YAML's to fix).
_YAML_START = re.compile(r"\A\s*(?:#[^\n]*\n\s*)*(?:---|[A-Za-z_][\w.-]*\s*:(?:\s|$)|- )")


def parse_json(text: str, file: str, notes: list[tuple[int | None, int | None, str]] | None = None) -> Any:
    """`text` as JSON, or `InputError` at `file:line`. Python's json also reads what strict readers
    (Grafana's Go, `jq`) refuse: `NaN`/`Infinity`, numbers no 64-bit float holds, lone surrogates
    (`"\\ud800"`). Without `notes` each of those is an error at its line; with `notes`, the file is
    read as Python reads it — but a lone surrogate becomes U+FFFD, so the text can be printed and
    written — and each such value is appended to `notes` as `(line, column, message)`. An integer of more
    than 4,300 digits is always an error. A leading byte-order mark is read past, and noted (line
    1): Grafana's Go JSON readers (file provisioning, the HTTP API) refuse it."""
    found: list[_NotStrict] = []

    def flag(token: str, why: str) -> None:
        bad = _NotStrict(token, why)
        if notes is None:
            raise bad
        found.append(bad)

    def constant(name: str) -> float:
        flag(name, f"{name} is not JSON (Grafana and other strict readers refuse it)")
        return float(name)

    def number(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            flag(token, f"number {_short(token)} is too large for a 64-bit float")
        return value

    def integer(token: str) -> int:
        if len(token.lstrip("-")) > 4300:
            raise _NotStrict(token, f"number {_short(token)} has more than 4,300 digits")
        value = int(token)
        if value.bit_length() > 1024:
            flag(token, f"number {_short(token)} is too large for a 64-bit float")
        return value

    if text.startswith("\ufeff"):  # a byte-order mark, as decode_text drops it
        text = text[1:]
        if notes is not None:
            notes.append((1, 1, BOM_NOTE))
    try:
        data = json.loads(text, parse_constant=constant, parse_float=number, parse_int=integer)
    except _NotStrict as bad:
        raise InputError(f"invalid JSON: {bad.why}", file, *_position_of(text, lambda t: t == bad.token)) from None
    except json.JSONDecodeError as exc:
        why = " (it reads as YAML: vobs reads Grafana's dashboard JSON; convert it first, e.g. `yq -o json`)" \
            if _YAML_START.match(text) else ""  # a dashboard kept as YAML (grizzly's, a Kubernetes resource)
        raise InputError(f"invalid JSON: {exc.msg}{why}", file, exc.lineno, exc.colno) from None
    except RecursionError:  # at its deepest point, as every other file/invalid is at a line and column
        depth, line, column = _deepest(text)
        raise InputError(f"invalid JSON: nested too deeply to read ({depth:,} levels deep here)", file, line,
                         column) from None
    seen: set[str] = set()
    for bad in found:
        if bad.token not in seen and len(seen) < MAX_NOTES:
            seen.add(bad.token)
            notes.append((*_position_of(text, lambda t, token=bad.token: t == token), bad.why))  # type: ignore[union-attr]
    if _SURROGATE_ESCAPE.search(text):
        line, column = _position_of(text, lambda t: t.startswith('"') and bool(_SURROGATE_ESCAPE.search(t))
                                    and bool(_SURROGATE.search(json.loads(t))))
        if line is not None:
            why = "a string holds a lone surrogate (an escape like \\ud800), which is not Unicode text"
            if notes is None:
                raise InputError(f"invalid JSON: {why}", file, line, column)
            notes.append((line, column, f"{why}: read as U+FFFD"))
            data = _without_surrogates(data)
    return data


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _short(token: str) -> str:
    return token if len(token) <= 24 else f"{token[:12]}…({len(token)} characters)"


_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{\]}]')


def _deepest(text: str) -> tuple[int, int, int]:
    """How deep the text's JSON nests, and the line and column (from 1, in code points) of the bracket
    that first opens that level; strings are read past, so a bracket in one is not counted."""
    depth = deepest = 0
    at = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest, at = depth, match.start()
        elif token in ("]", "}"):
            depth -= 1
    return deepest, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def _position_of(text: str, wanted: Callable[[str], bool]) -> tuple[int | None, int | None]:
    """The line and column (1-based, in characters) of the first JSON token (a string with its
    quotes, or a bare word) `wanted` accepts: a minified dashboard is one line, so the column is
    what finds it (trial 15)."""
    for match in _JSON_TOKEN.finditer(text):
        if wanted(match.group()):
            start = match.start()
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return None, None

