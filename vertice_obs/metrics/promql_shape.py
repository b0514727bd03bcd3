"""Query shapes for the parser: a query with its string literals replaced by numbered stand-ins
(`promql_text._mask_strings`), parsed once for every query that differs only inside them. Pure.

What makes a shape's parse tell the truth about the query's own: each literal checked on its own
(`fills_shape`), selectors that may lack a name read in full (`may_stand_nameless`), and regex
matchers parsed as equality, their ops put back by the reader (`plain_matchers`: the parser compiles
every regex value, a stand-in's too). `tree_without_values` is the tree for readers that read no
matcher value (the PromQL lints). Imports only `metrics.promql_text`.
"""

from __future__ import annotations

import re
from typing import Any

from vertice_obs.metrics.promql_text import (
    _LITERAL,
    _mask_strings,
    check_query_shape,
    parse_promql,
)

_LITERALS: dict[str, bool] = {}  # literal text → does it parse as a regex matcher's value
_CACHE_LIMIT = 100_000


def plain_matchers(shape: str) -> tuple[str, frozenset[int]]:
    """A masked shape (`_mask_strings`) with each regex matcher on a stand-in (`=~"vobs_lit_3"`,
    `!~`) written as equality (`="vobs_lit_3"`, `!=`), and the indices of those stand-ins. The parser
    compiles every regex matcher's value, a stand-in's too (~50 µs a matcher, most of a shape's
    parse); a stand-in has nothing to compile, so the shape is parsed without, and its readers put
    the regex back where the index says (`analysis`). Only the op changes: a stand-in is a valid
    value either way, so the shape parses exactly when it did. Outside strings a `~` can only be
    one of these ops (a shape has no comment: `_mask_strings` refuses them)."""
    if "~" not in shape:
        return shape, frozenset()
    found: list[int] = []

    def plain(match: re.Match[str]) -> str:
        found.append(int(match.group(4)))
        return f"{'=' if match.group(1) == '=' else '!='}{match.group(2)}"

    return _REGEX_ON_STAND_IN.sub(plain, shape), frozenset(found)


_REGEX_ON_STAND_IN = re.compile(r'([=!])~(\s*(["\'`])' + _LITERAL + r'(\d+)\3)')


# Where a selector may stand without a name (`{job=~".*"}`, `x or {…}`, `x > bool{…}`,
# `group_left {…}`): a `{` after no name, or after a keyword. Such a selector needs a matcher that
# cannot match the empty string — Prometheus refuses `{job=~".*"}` — and a stand-in never matches
# it, so the shape would parse where the query does not: the full path reads these (rare) queries.
# A superset (`x {…}` with a space too).
_KEYWORD_AT_END = re.compile(r"(?<![\w:])(?i:and|or|unless|bool|atan2|group_left|group_right)\Z")
_KEYWORD_CHARS = 12  # the longest keyword, and the character before it


def may_stand_nameless(shape: str) -> bool:
    """May a selector of `shape` stand without a name? Looked for at each `{` alone (one regex
    search over the whole text tried its alternatives at every character: ~10 µs a query)."""
    pieces = shape.split("{")
    for before in pieces[:-1]:
        before = before.rstrip()
        if not before or not (before[-1].isalnum() or before[-1] in "_:"):
            return True
        if _KEYWORD_AT_END.search(before[-_KEYWORD_CHARS:]):  # the slice keeps the character before it
            return True
    return False


def fills_shape(literal: str) -> bool:
    """Can the shape path take this (interpolated) literal? As `analysis._by_shape` asks of every literal."""
    return "\\" not in literal and "__name__" not in literal and _parses(literal)


def _parses(literal: str) -> bool:
    """Does the parser accept `literal` as a regex matcher's value (escapes, RE2 syntax)? Remembered."""
    ok = _LITERALS.get(literal)
    if ok is None:
        probe = f"vobs_probe{{vobs_probe=~{literal}}}"
        try:
            check_query_shape(probe)
            parse_promql(probe)
            ok = True
        except (ValueError, RuntimeError):  # ParseError is a ValueError
            ok = False
        if len(_LITERALS) < _CACHE_LIMIT:
            _LITERALS[literal] = ok
    return ok


def clear_literals() -> None:
    """Forget which literals parse (benchmarks measure cold runs)."""
    _LITERALS.clear()


def tree_without_values(text: str) -> Any | None:
    """The syntax tree of `text`'s shape with its regex matchers parsed as equality — for readers
    that read no matcher value and no matcher op, only names, labels, functions and ranges (the
    PromQL lints) — or None where it might not tell them what `text`'s own tree does: `__name__`
    (a value that is a name), a literal that is not a matcher's value (`by ("a.b")`,
    `label_replace(…, "le", …)`), one the parser would refuse, a selector that may lack a name, or
    no literal at all (nothing to gain). Raises what `parse_promql` raises, as `text`'s parse would."""
    if "__name__" in text or "~" not in text:
        return None  # without a regex matcher the shape costs what the query does
    masked = _mask_strings(text)
    if masked is None:
        return None
    shape, literals = masked
    if (len(_MATCHER_VALUES.findall(shape)) != len(literals) or may_stand_nameless(shape)
            or not all(map(fills_shape, literals))):
        return None
    check_query_shape(shape)
    return parse_promql(plain_matchers(shape)[0])


# A stand-in as a matcher's value: after `=`, `!=`, `=~` or `!~` (a comparison `==` cannot take a string).
_MATCHER_VALUES = re.compile(r'(?:[=!]~|!=|=)\s*(["\'`])' + _LITERAL + r'\d+\1')
