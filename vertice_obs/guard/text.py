"""The one escape for untrusted text: titles, queries, uids and server messages before they are printed.

Control characters (ESC, OSC, BEL, CR, C1 controls, …) would let a dashboard title or a server's
error message move the cursor, rewrite earlier lines, set the window title or ring the bell. They
are shown as visible escapes instead (`\\x1b`); newlines become `\\n` in one-line contexts.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape(text: object, *, one_line: bool = False) -> str:
    """`text` with control characters made visible; with `one_line`, newlines and tabs too."""
    return (_CONTROL_AND_NEWLINES if one_line else _CONTROL).sub(_visible, str(text))


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with the controls json leaves raw
    (DEL, C1, line separators, bidi overrides) written as `\\uXXXX` escapes: still the same JSON,
    but nothing in it can drive a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
