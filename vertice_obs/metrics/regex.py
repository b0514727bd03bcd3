"""PromQL's regex semantics for the regexes users write (`__name__=~"…"`, label matchers, variables).

Prometheus evaluates regex matchers with Go's RE2: linear time, fully anchored (`^(?:…)$`), and
— since Prometheus 3 — `.` matching newlines too. Python's backtracking `re` differs in both
cost (`(a+)+b` against a long name runs for hours) and syntax (it accepts back-references and
look-arounds that Prometheus rejects). So every user regex goes through RE2 (google-re2) here,
with the same anchoring; a pattern RE2 rejects is one Prometheus would reject too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import re2

MAX_PATTERN = 64 * 1024  # longer patterns are refused before compiling (RE2 has its own memory budget too)


class RegexError(ValueError):
    """A pattern Prometheus would reject (not RE2 syntax, or too large)."""


@lru_cache(maxsize=4096)
def _compiled(pattern: str):
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own parse errors to stderr
    options.dot_nl = True
    try:
        # The pattern alone first, as Prometheus parses it before anchoring: `a)|(b` (or `)\\`) is only
        # valid once wrapped — and wrapped, `a)|(b` would match unanchored.
        re2.compile(pattern, options=options)
        return re2.compile(f"^(?:{pattern})$", options=options)
    except re2.error as exc:
        message = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexError(message) from None


def matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate: does a whole value match `pattern` as Prometheus would? Raises `RegexError`."""
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"pattern is {len(pattern):,} characters (at most {MAX_PATTERN:,})")
    compiled = _compiled(pattern)
    return lambda value: compiled.search(value) is not None

