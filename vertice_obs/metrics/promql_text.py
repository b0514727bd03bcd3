"""PromQL as text, before and around the parser. Pure.

What every path that parses PromQL shares: the shape guard that refuses what the Rust parser
cannot take safely (`check_query_shape`), the one parse call (`parse_promql`: durations as
Prometheus reads them, raw strings quoted, `holt_winters` by its Prometheus 3 name), the lexical reading of string literals (`_mask_strings`
for the literal-indexed shapes) and the PromQL inside a Grafana variable query (`_variable_promql`,
`label_values_call`).
Imports only `metrics.durations`; `metrics.extract` builds the metric references on top.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import promql_parser as pp

from vertice_obs.metrics.durations import held

_LITERAL = "vobs_lit_"  # numbered stand-ins for string literals in indexed shapes (see analysis.py)


class ParseError(ValueError):
    pass


# The parser is a Rust extension: ~10,000 nested levels overflow its stack and kill the process
# (no exception to catch), and ~1,000 levels exhaust Python's recursion on the way back. Real
# queries stay far below these limits; anything beyond is refused before the parser sees it.
MAX_QUERY_CHARS = 64 * 1024
MAX_NESTING = 128  # ( [ { open at once
MAX_OPERATORS = 256  # operator characters and words outside `{…}` (each operator is a level of the syntax tree)
_OPERATOR_WORDS = frozenset({"and", "or", "unless", "atan2"})
_OPERATOR_CHARS = frozenset("+-*/%^<>=!")
_OPERATOR_WORD_RE = re.compile(r"(?i)and|or|unless|atan2")  # substrings too: an over-count, as a bound


def check_query_shape(text: str) -> None:
    """Raise `ParseError` when `text` is too long, too deeply nested or has too many operators to
    be parsed safely. Cheap (one lexical pass) and used by every path that parses PromQL:
    dashboards here, Chaos Day probes in `vertice_obs.chaos`."""
    if not isinstance(text, str):
        raise ParseError(f"a query must be text, not {type(text).__name__}")
    if len(text) > MAX_QUERY_CHARS:
        raise ParseError(f"query is {len(text):,} characters long, more than the {MAX_QUERY_CHARS:,} vobs parses")
    # Upper bounds counted in C: when even they are within the limits, the exact scan cannot find
    # more (every query a dashboard really has ends here). A text no longer than the nesting limit
    # cannot pass either: each bracket or operator is at least one character.
    if len(text) <= min(MAX_NESTING, MAX_OPERATORS):
        return
    opening = text.count("(") + text.count("[") + text.count("{")
    chars = sum(text.count(c) for c in _OPERATOR_CHARS)  # words: each of 2 characters or more, so first len // 2
    if opening <= MAX_NESTING and (chars + len(text) // 2 <= MAX_OPERATORS
                                   or chars + len(_OPERATOR_WORD_RE.findall(text)) <= MAX_OPERATORS):
        return
    depth = deepest = operators = matchers = 0  # matchers: inside a selector's `{…}`
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'`":
            i = _skip_string(text, i)
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
            matchers += ch == "{"
        elif ch in ")]}":
            depth -= 1
            matchers -= ch == "}" and matchers > 0
        elif matchers:
            pass  # `=`, `!=`, `=~`, `!~` and `or` between matchers are a flat list, not levels of the tree
        elif ch in _OPERATOR_CHARS:
            operators += 1  # `<=` counts twice: an over-count, never an under-count
        elif ch.isalpha() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")):
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_:"):
                j += 1
            operators += text[i:j].lower() in _OPERATOR_WORDS
            i = j
            continue
        i += 1
    if deepest > MAX_NESTING:
        raise ParseError(f"query nests brackets {deepest} deep, more than the {MAX_NESTING} vobs parses")
    if operators > MAX_OPERATORS:
        raise ParseError(f"query has {operators} operators, more than the {MAX_OPERATORS} vobs parses")


def _skip_string(text: str, start: int) -> int:
    """The index just past the string literal opening at `start` (or the end of `text`)."""
    quote, k, n = text[start], start + 1, len(text)
    while k < n and text[k] != quote:
        k += 2 if text[k] == "\\" and quote != "`" else 1
    return k + 1


def parse_promql(text: str) -> Any:
    """`promql_parser.parse(text)`: the one way vobs parses PromQL. Raw strings are handed to it
    double-quoted: promql-parser (0.12) reads escapes inside a backquoted string and refuses
    `` {code=~`5\\d\\d`} ``, which Prometheus parses — PromQL reads no escape there (a test holds
    the parse check against Prometheus' own: `tests/test_parse_differential.py`). `holt_winters(…)`
    is read as `double_exponential_smoothing(…)` (see `HOLT_WINTERS`); the parser's messages name it
    as written."""
    text = held(text)  # durations as Prometheus reads them (`metrics.durations`); raises past its range
    if "`" in text:
        text = _raw_strings_quoted(text)
    calls = smoothing_calls(text) if HOLT_WINTERS in text else ()
    if HOLT_WINTERS not in calls:
        return pp.parse(text)
    try:
        return pp.parse(_outside_lexemes(text, lambda part: _HOLT_WINTERS_CALL.sub(SMOOTHING, part)))
    except ValueError as exc:
        raise type(exc)(_as_written(str(exc), calls)) from None


# Prometheus 2's `holt_winters(v, sf, tf)` is Prometheus 3's `double_exponential_smoothing(v, sf, tf)`:
# one function, renamed in 3.0 (experimental there, behind --enable-feature=promql-experimental-functions)
# — 2.x and VictoriaMetrics know the old name only, 3.x the new one only, and the parser (0.12) the new
# one only. Each call of the old name is handed to it as the new one, outside strings and comments
# (where only a call can be written so). Nothing reported is of that text: a finding stands at its
# query's place in the file and quotes the query as written (`tests/test_holt_winters.py`).
HOLT_WINTERS, SMOOTHING = "holt_winters", "double_exponential_smoothing"
_HOLT_WINTERS_CALL = re.compile(r"(?<![\w:])holt_winters(?=\s*\()")
_SMOOTHING_CALL = re.compile(r"(?<![\w:])(holt_winters|double_exponential_smoothing)(?=\s*\()")


def smoothing_calls(text: str) -> tuple[str, ...]:
    """The names `text`'s double exponential smoothing calls are written with — `holt_winters`,
    `double_exponential_smoothing` —, in order; none inside a string or a comment."""
    if HOLT_WINTERS not in text and SMOOTHING not in text:
        return ()
    found: list[str] = []

    def read(part: str) -> str:
        found.extend(_SMOOTHING_CALL.findall(part))
        return part

    _outside_lexemes(text, read)
    return tuple(found)


def _as_written(error: str, calls: tuple[str, ...]) -> str:
    """The parser's message for a query read with its `holt_winters` calls renamed (`calls`: its
    `smoothing_calls`), naming them as written: the old name where it calls only the old one, both
    where it calls both."""
    both = SMOOTHING in calls
    return error.replace(f"'{SMOOTHING}'", f"'{HOLT_WINTERS}' or '{SMOOTHING}'" if both else f"'{HOLT_WINTERS}'")


def _outside_lexemes(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied to each part outside its string literals and comments (all of
    what follows an unterminated string left as it is, for the parser to report)."""
    out, i = [], 0
    for start, end, _ in _lexemes(text):
        out.append(change(text[i:start]))
        if end is None:
            i = start
            break
        out.append(text[start:end])
        i = end
    else:
        out.append(change(text[i:]))
        return "".join(out)
    out.append(text[i:])
    return "".join(out)


# The parser's messages, where their words read badly, as vobs says them (the parser's own text is
# what `metrics.metricsql` reads: only what a finding shows is reworded).
_REWORDED = (("must be preceded by an vector selector or matrix selector or a subquery",
              "must follow a vector selector, a range vector selector or a subquery"),)


def parser_message(error: str) -> str:
    """The parser's message `error` as a finding says it."""
    for said, meant in _REWORDED:
        error = error.replace(said, meant)
    return error


def _raw_strings_quoted(text: str) -> str:
    """`text` with each backquoted string written as the same string double-quoted (`\\` and `"`
    escaped, a newline as `\\n`); text outside strings, comments included, unchanged. An
    unterminated string is left as it is, for the parser to report."""
    out, i = [], 0
    for start, end, quote in _lexemes(text):
        if end is None:
            break
        if quote == "`":
            out.append(text[i:start])
            out.append('"' + text[start + 1:end - 1].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"')
            i = end
    out.append(text[i:])
    return "".join(out)


# A string literal from its opening quote — PromQL's three kinds (backslash escapes in the quoted two,
# none in backquotes), each up to its closing quote —, a comment to the end of its line, else a lone
# (unterminated) quote: one regex, so the scan is one C call per lexeme.
_LEXEME = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|#[^\n]*|["\'`]', re.S)


def _mask_strings(expr: str) -> tuple[str, list[str]] | None:
    """`expr` with every string literal replaced by a numbered stand-in (`"vobs_lit_0"`), and the
    literals; None if unsure.

    A lexical scan of quotes, escapes and comments — where strings are — not an analysis of
    PromQL; the parser still sees every query's structure."""
    out, literals, i = [], [], 0
    for found in _LEXEME.finditer(expr):  # `_lexemes`, inlined: ~35,000 calls a run
        start, end = found.span()
        quote = expr[start]
        if quote == "#" or end - start < 2:
            return None  # comments are rare, not worth reasoning about here; unterminated: the full path reports it
        out.append(expr[i:start])
        literals.append(expr[start:end])
        out.append(f"{quote}{_LITERAL}{len(literals) - 1}{quote}")
        i = end
    out.append(expr[i:])
    return "".join(out), literals


def _lexemes(text: str) -> Iterator[tuple[int, int | None, str]]:
    """Where `text`'s string literals and comments are, in order: (start, end, its first
    character — a quote, or `#`); a comment runs to the end of its line, and the scan stops at an
    unterminated string (end None). The one lexical reading of strings the rewrites above share."""
    for found in _LEXEME.finditer(text):
        start, end = found.span()
        first = text[start]
        if first != "#" and end - start < 2:
            yield start, None, first
            return
        yield start, end, first


_LABEL_VALUES_CALL = re.compile(r"label_values\s*\((.*)\)", re.S)


def label_values_call(query: str) -> tuple[str | None, str] | None:
    """Grafana's `label_values(q, label)` and `label_values(label)` variable queries, read one way for
    every reader (the PromQL in it, the label it lists, whether q is a selector): (q, label) as
    written between the parentheses, split at the last top-level comma — q None in the one-argument
    form; None for any other query."""
    match = _LABEL_VALUES_CALL.fullmatch(query.strip())
    if match is None:
        return None
    inner = match.group(1)
    split = _last_top_level_comma(inner)
    return (inner[:split], inner[split + 1:]) if split >= 0 else (None, inner)


def _variable_promql(query: str) -> str | None:
    """The PromQL inside a Grafana Prometheus variable query, or a `metrics(re)` marker, or None.

    label_values(label) and label_names() need no metric; label_values(q, label) and
    query_result(q) wrap PromQL; metrics(re) is a regex over metric names."""
    text = query.strip()
    for fn in ("label_values", "query_result", "metrics", "label_names"):
        if text.startswith(fn) and text[len(fn):].lstrip().startswith("("):
            inner = text[text.index("(") + 1:text.rindex(")")] if text.endswith(")") else ""
            if fn == "metrics":
                return "\x00metrics:" + inner.strip()
            if fn == "label_names":
                return inner.strip() or None
            if fn == "query_result":
                return inner.strip() or None
            parts = label_values_call(text)  # label_values(q, label): q, before the last top-level comma
            return (parts[0].strip() or None) if parts and parts[0] is not None else None
    return text  # a bare PromQL query used as a variable query


def _last_top_level_comma(text: str) -> int:
    depth, quote, split = 0, None, -1
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            split = i
    return split
