"""The one escape for untrusted text: titles, queries, uids and server messages before they are printed.

Control characters (ESC, OSC, BEL, CR, C1 controls, …) would let a dashboard title or a server's
error message move the cursor, rewrite earlier lines, set the window title or ring the bell. They
are shown as visible escapes instead (`\\x1b`); newlines become `\\n` in one-line contexts.
"""

from __future__ import annotations

import html
import json
import math
import re
from itertools import islice
from json.encoder import (
    encode_basestring as _json_string,  # C, when built (as json.dumps uses it)
)
from typing import Callable, Iterable, Mapping

import orjson

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape(text: object, *, one_line: bool = False) -> str:
    """`text` with control characters made visible; with `one_line`, newlines and tabs too."""
    return (_CONTROL_AND_NEWLINES if one_line else _CONTROL).sub(_visible, str(text))


def bounded(text: object, limit: int | None) -> str:
    """`text` on one line as `escape(one_line=True)` shows it, at most `limit` characters of that (then
    `…`; None: all) — the one cut of a long value, for a terminal line and a Markdown cell alike."""
    shown = escape(text, one_line=True)
    return shown if limit is None or len(shown) <= limit else shown[: max(0, limit - 1)] + "…"


def folded(text: str, limit: int = 240) -> str:
    """`text` on one line (whitespace runs folded to a space), cut to `limit` characters with `…`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_text(text: object, *, one_line: bool = False) -> str:
    """`text` for an HTML page: markup escaped (quotes too, so it may stand in an attribute) and
    control characters and bidi overrides made visible, as `escape` shows them."""
    return html.escape(escape(text, one_line=one_line), quote=True)


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with the controls json leaves raw
    (DEL, C1, line separators, bidi overrides) written as `\\uXXXX` escapes: still the same JSON,
    but nothing in it can drive a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FLOAT64_BITS = 1024  # an integer this long has no float64 (Grafana's, JavaScript's) value


def strict_json(value: object, *, indent: int | None = 2, sort_keys: bool = True,
                notes: list[str] | None = None, notes_key: str | None = None) -> str:
    """The one serialisation of every JSON vobs writes or prints: JSON any strict parser (Go's,
    Grafana's, `jq`) reads. Python's `json` would write `NaN`/`Infinity`, which no such parser
    accepts, and lone surrogates, which cannot even be encoded as UTF-8. Here a non-finite number
    (or an integer no 64-bit float can hold) becomes `null` and a lone surrogate U+FFFD, each
    with a note (`/json/pointer: NaN written as null`) appended to `notes`, and also — with
    `notes_key`, for documents vobs owns (journals, reports) — stored in the document under that
    key. `allow_nan=False` underneath proves no such number got through; `json_safe` escapes the
    controls json leaves raw."""
    fast = _fast_json(value, indent, sort_keys)
    if fast is not None:  # nothing to clean, so nothing to note
        return fast
    found: list[str] = []
    clean = _strict(value, "", found)
    if found and notes_key is not None and isinstance(clean, dict):
        clean = {**clean, notes_key: list(clean.get(notes_key) or []) + found}
    if notes is not None:
        notes.extend(found)
    return json_safe(json.dumps(clean, indent=indent, sort_keys=sort_keys, ensure_ascii=False, allow_nan=False))


_ORJSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME)
# A number orjson writes otherwise than Python's repr: exponents (`1e16` for `1e+16`) and small
# decimals (`0.00001` for `1e-05`). Searched for cheaply, then confirmed on its line: a number token
# is a line's last value (after `": ` or alone in a list), which text inside a string never is.
_EXPONENT = re.compile(rb"e[-+]?[0-9]")  # orjson writes a lower-case e; a literal first: a fast scan
_ODD_LINE = re.compile(rb' *(?:".*": )?-?(?:[0-9.]+e[-+]?[0-9]+|0\.0000[0-9]*),?')


def _odd_number(out: bytes) -> bool:
    starts = [m.start() for m in _EXPONENT.finditer(out) if m.start() and out[m.start() - 1] in b"0123456789."]
    at = out.find(b"0.0000")
    while at >= 0:
        starts.append(at)
        at = out.find(b"0.0000", at + 1)
    for at in starts:
        start = out.rfind(b"\n", 0, at) + 1
        end = out.find(b"\n", at)
        if _ODD_LINE.fullmatch(out, start, len(out) if end < 0 else end):
            return True
    return False


# `_JSON_UNSAFE`'s characters as UTF-8, each pattern starting with a literal byte (a fast scan; one
# character class over the text cost 0.25 ms per dashboard): `json_safe` runs only when one is there.
_UNSAFE_UTF8 = (re.compile(b"\x7f"), re.compile(b"\xc2[\x80-\x9f]"), re.compile(b"\xe2\x80[\xa8-\xae]"),
                re.compile(b"\xe2\x81[\xa6-\xa9]"))


def _fast_json(value: object, indent: int | None, sort_keys: bool) -> str | None:
    """`json_safe(json.dumps(value, indent=2, sort_keys=…, ensure_ascii=False))` by orjson, or None
    (see `json_bytes`)."""
    if indent != 2:
        return None
    out = json_bytes(value, sort_keys)
    if out is None:
        return None
    text = out.decode("utf-8")
    return json_safe(text) if _unsafe(out) else text


def _unsafe(out: bytes) -> bool:
    """Whether orjson's UTF-8 holds what `json_safe` escapes (it writes those characters raw)."""
    return any(p.search(out) for p in _UNSAFE_UTF8)


def json_bytes(value: object, sort_keys: bool = True) -> bytes | None:
    """`json.dumps(value, indent=2, sort_keys=…, ensure_ascii=False)` as UTF-8, by orjson (its
    encoder is in Rust; Python's pure-Python indenting encoder was a third of a build), or None
    when orjson's text could differ from it or `_strict` has something to clean: orjson refuses
    lone surrogates, integers beyond 64 bits, subclasses and non-string keys (None: the careful
    path handles them); numbers it writes differently are found in its output; with a `null`
    there, the C encoder checks the value for a NaN or infinity (`allow_nan=False`). Byte-identical
    to json: a property test holds it."""
    try:
        out = orjson.dumps(value, option=_ORJSON_OPTIONS | (orjson.OPT_SORT_KEYS if sort_keys else 0))
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    if _odd_number(out):
        return None
    if b"null" in out:  # perhaps a NaN orjson wrote as null without a word
        try:
            json.dumps(value, allow_nan=False, check_circular=False)
        except (ValueError, TypeError, RecursionError):
            return None
    return out


def strict_json_stream(head: Mapping[str, object], list_key: str, items: Iterable[object],
                       write: Callable[[str], None], notes_key: str = "notes", batch: int = 512) -> None:
    """`strict_json({**head, list_key: [*items]}, notes_key=notes_key)`, the same text byte for byte
    (a test holds it), written in pieces with `batch` items in memory at a time: a validation of
    20,000 queries has over 100,000 findings, and building their whole document first cost ~400 MB.
    Each batch is one orjson call where its bytes are json's (one call per item cost ~10 µs each);
    a batch orjson cannot write exactly goes item by item."""
    if notes_key in head or list_key in head or notes_key < list_key:  # notes would precede the list
        write(strict_json({**head, list_key: list(items)}, notes_key=notes_key))
        return
    found: list[str] = []
    clean = _strict(dict(head), "", found)
    keys = sorted([*clean, list_key])
    pointer = "/" + list_key.replace("~", "~0").replace("/", "~1")
    written = 0

    def field(key: str, text: str) -> None:
        nonlocal written
        write(json_safe(("{\n" if not written else ",\n") + "  " + _dump(key) + ": " + text))
        written += 1

    notes_done = False

    def notes_now() -> None:
        nonlocal notes_done
        if found and not notes_done:
            field(notes_key, _dump(found).replace("\n", "\n  "))
            notes_done = True

    for key in keys:
        if key != list_key:
            if key > notes_key:
                notes_now()
            field(key, _dump(clean[key]).replace("\n", "\n  "))
            continue
        count = 0
        iterator = iter(items)
        while chunk := list(islice(iterator, batch)):
            text = _batch_text(chunk)  # already safe
            if text is None:
                text = json_safe(",\n    ".join(_item_text(item, f"{pointer}/{count + i}", found)
                                              for i, item in enumerate(chunk)))
            if count == 0:
                field(key, "[\n    ")
                write(text)
            else:
                write(",\n    " + text)
            count += len(chunk)
        if count == 0:
            field(key, "[]")
        else:
            write("\n  ]")
    notes_now()
    write("\n}" if written else "{}")


class _Unusual(Exception):
    """A value `_indented` leaves to json (a non-string key, a type json may refuse)."""


def _batch_text(items: list[object]) -> str | None:
    """The items of one batch as they stand in the streamed list, each at depth 2, joined by
    `,\n    ` — one orjson call — or None when orjson's bytes could differ from json's (`json_bytes`)."""
    out = json_bytes(items, True)
    if out is None:
        return None
    if _unsafe(out):
        return json_safe(out.decode("utf-8"))[4:-2].replace("\n", "\n  ")  # the items of `[\n  …\n]`
    # the same, indented as bytes before decoding: ~0.15 s less over 122,000 findings (67 MB) than on the text
    return out[4:-2].replace(b"\n", b"\n  ").decode("utf-8")


def _item_text(item: object, at: str, notes: list[str]) -> str:
    """One list item of a streamed document, as `_dump(_strict(item))` at depth 2 writes it."""
    fast = _fast_json(item, 2, True)
    if fast is not None:  # nothing to clean, so nothing to note
        return fast.replace("\n", "\n    ")
    mark = len(notes)
    try:
        return _indented(item, at, notes, "\n    ")
    except (_Unusual, TypeError):
        del notes[mark:]
        return _dump(_strict(item, at, notes)).replace("\n", "\n    ")


def _indented(value: object, at: str, notes: list[str], newline: str) -> str:
    """`json.dumps(_strict(value), indent=2, sort_keys=True, ensure_ascii=False)` in one walk, for
    the plain data findings are (str keys; str, int, float, bool, None, list, dict), the same text
    (a test holds it): json's indenting encoder is pure Python, and this is what 100,000 findings
    cost most. `newline` is a newline and the current indentation. Anything else: `_Unusual`."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            value = _strict(value, at, notes)
        return _json_string(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, (int, float)):
        value = _strict(value, at, notes)
        return "null" if value is None else (int.__repr__(value) if isinstance(value, int) else float.__repr__(value))
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        fields = []
        for key, item in value.items():  # in insertion order, as `_strict` notes them
            if not isinstance(key, str) or _SURROGATE.search(key):
                raise _Unusual
            pointer = f"{at}/{key.replace('~', '~0').replace('/', '~1')}"
            fields.append((key, _json_string(key) + ": " + _indented(item, pointer, notes, inner)))
        fields.sort(key=lambda field: field[0])
        return "{" + inner + ("," + inner).join(text for _, text in fields) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [_indented(item, f"{at}/{index}", notes, inner) for index, item in enumerate(value)]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    raise _Unusual


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _strict(value: object, at: str, notes: list[str]) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        word = "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        notes.append(f"{at or '/'}: {word} written as null (JSON has no NaN or Infinity)")
        return None
    if isinstance(value, int):
        if value.bit_length() <= _FLOAT64_BITS:
            return value
        notes.append(f"{at or '/'}: an integer of {value.bit_length()} bits written as null (too large for JSON readers)")
        return None
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        notes.append(f"{at or '/'}: a lone surrogate written as U+FFFD (not Unicode text)")
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = _strict(key, at, notes) if isinstance(key, str) else key
            out[name] = _strict(item, f"{at}/{str(name).replace('~', '~0').replace('/', '~1')}", notes)
        return out
    if isinstance(value, (list, tuple)):
        return [_strict(item, f"{at}/{index}", notes) for index, item in enumerate(value)]
    return value
