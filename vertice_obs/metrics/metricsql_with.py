"""MetricsQL's WITH templates, read far enough to count the arguments of the calls they run, and the
bracket reading `metrics.metricsql` shares. Pure.

`WITH (x = q, f(a, b) = q2) expr`: VictoriaMetrics expands the templates `expr` uses (and those they
use) and refuses the query when a MetricsQL function there is given a count it does not take —
`WITH (f(a) = range_quantile(a)) f(x)`. A template nothing uses is never expanded (answered as
written), a template may take a function's name (`WITH (range_quantile(a) = a) …`: the template is
called), a parameter is not the template of its name (`WITH (f(x) = rate(x[5m]), x = …) f(y)`: `x` in
f is y), and a template's name stands for one argument however it expands (VictoriaMetrics 1.79.5,
each held in `tests/test_metricsql_arity.py`). Only WITH at the query's start is read (several in a
row: `WITH (…) WITH (…) expr`); a query with one elsewhere is not counted.

Owns: WITH's reading, `masked`, `closing`, `arguments`. May import: `metrics.metricsql_arity`.
"""

from __future__ import annotations

import re

from vertice_obs.metrics.metricsql_arity import miscount

STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', re.S)
_HEAD = re.compile(r"\s*WITH\s*\(", re.I)
_ANOTHER = re.compile(r"(?<![\w:])WITH\s*\(", re.I)
# the spaces before a parameter list are inside its optional group: `\s*(…)?\s*` around none took a long run of
# spaces in every split of it (60,000: seconds)
_DEFINITION = re.compile(r"\s*([A-Za-z_][\w:]*)(?:\s*\(([^()]*)\))?\s*=(?![=~])")
_NAME = re.compile(r"(?<![\w:.])[A-Za-z_][\w:]*")
_CALL = re.compile(r"(?<![\w:])([A-Za-z_][\w:]*)\s*(?:(?:by|without)\s*\([^()]*\)\s*)?\(", re.I)


def with_miscounted(masked: str) -> tuple[str, int, int, int] | None:
    """In a query that starts with WITH templates (`masked`: its string literals blanked), the first
    call VictoriaMetrics runs of a MetricsQL function given a count it does not take: (the function
    as written, the count, where the call starts, where it closes); None when there is none — or the
    query is not read (a WITH elsewhere, a definition not read)."""
    read = _read(masked)
    if read is None:
        return None
    templates, main, parameters = read
    spans, used = [main], {main}
    for start, end in spans:  # the templates the query uses, and those they use in turn (appended as met)
        for name in _NAME.findall(masked, start, end):  # a template's parameter is not the template of its name
            if (name in templates and templates[name] not in used
                    and name not in parameters.get((start, end), ())):  # a set: thousands of templates, no square
                spans.append(templates[name])
                used.add(templates[name])
    for start, end in sorted(spans):
        for found in _CALL.finditer(masked, start, end):
            closed = closing(masked, found.end() - 1)
            if found.group(1) in templates or not start <= closed < end:
                continue
            given = len(arguments(masked, found.end(), closed))
            if miscount(found.group(1), given):
                return found.group(1), given, found.start(), closed
    return None


def _read(masked: str) -> tuple[dict[str, tuple[int, int]], tuple[int, int], dict[tuple[int, int], set[str]]] | None:
    """Each template's body (where it starts and ends, by its name), the expression after them, and each
    body's parameters (`f(a, b) = …`: a and b)."""
    templates: dict[str, tuple[int, int]] = {}
    parameters: dict[tuple[int, int], set[str]] = {}
    at = 0
    while head := _HEAD.match(masked, at):
        closed = closing(masked, head.end() - 1)
        if closed < 0:
            return None
        for start, end in arguments(masked, head.end(), closed):
            definition = _DEFINITION.match(masked, start, end)
            if definition is None:
                return None
            templates[definition.group(1)] = (definition.end(), end)
            parameters[(definition.end(), end)] = {p.strip() for p in (definition.group(2) or "").split(",")}
        at = closed + 1
    if not templates or _ANOTHER.search(masked, at):
        return None
    return templates, (at, len(masked)), parameters


def masked(text: str) -> str:
    """`text` with each string literal's contents blanked (`"a(b"` → `"___"`): the same length, no bracket."""
    return STRINGS.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[-1], text)


def closing(masked: str, opened: int) -> int:
    """Where the bracket opened at `opened` closes (-1: never)."""
    depth = 0
    for i in range(opened, len(masked)):
        if masked[i] in "([{":
            depth += 1
        elif masked[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def arguments(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the arguments between `start` and `end`, split at the top-level commas."""
    spans, depth, at = [], 0, start
    for i in range(start, end):
        if masked[i] in "([{":
            depth += 1
        elif masked[i] in ")]}":
            depth -= 1
        elif masked[i] == "," and depth == 0:
            spans.append((at, i))
            at = i + 1
    spans.append((at, end))
    if len(spans) > 1 and not masked[at:end].strip():
        spans.pop()  # a trailing comma, which MetricsQL takes: `label_set(x, "a", "b",)`
    return [] if len(spans) == 1 and not masked[start:end].strip() else spans
