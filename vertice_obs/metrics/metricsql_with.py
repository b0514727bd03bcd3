"""MetricsQL's WITH templates, read far enough to count the arguments of the calls they run, and the
bracket and string reading `metrics.metricsql` shares. Pure.

`WITH (x = q, f(a, b) = q2) expr`: VictoriaMetrics expands the templates `expr` uses (and those they
use) and refuses the query when a template there is called with a count of arguments other than its
parameters' — `WITH (f(a) = a) f(x, y)`: `invalid number of args for "f"; got 2; want 1` (a template
without parameters wants none, `x(1)`; so does a parameter called as a template, `WITH (g(f) = f(1)) …`)
— or, when it runs the expansion, a MetricsQL function there is given a count it does not take —
`WITH (f(a) = range_quantile(a)) f(x)`. A template nothing uses is never expanded (answered as
written), a template may take a function's name (`WITH (range_quantile(a) = a) …`: the template is
called, with its own count), a parameter is not the template of its name (`WITH (f(x) = rate(x[5m]),
x = …) f(y)`: `x` in f is y), template names are case-sensitive, and a template's name stands for one
argument however it expands (VictoriaMetrics 1.79.5, each held in `tests/test_metricsql_arity.py`). Only
WITH at the query's start is read (several in a row: `WITH (…) WITH (…) expr`); a query with one
elsewhere is not counted.

Owns: WITH's reading, `masked`, `outside_strings`, `closing`, `arguments`, `CALL`. May import:
`metrics.metricsql_arity`.
"""

from __future__ import annotations

import re
from typing import Callable

from vertice_obs.metrics.metricsql_arity import Miscounted, Takes, miscount

STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', re.S)
_HEAD = re.compile(r"\s*WITH\s*\(", re.I)
_ANOTHER = re.compile(r"(?<![\w:])WITH\s*\(", re.I)
# the spaces before a parameter list are inside its optional group: `\s*(…)?\s*` around none took a long run of
# spaces in every split of it (60,000: seconds)
_DEFINITION = re.compile(r"\s*([A-Za-z_][\w:]*)(?:\s*\(([^()]*)\))?\s*=(?![=~])")
_NAME = re.compile(r"(?<![\w:.])[A-Za-z_][\w:]*")
# a call, with an aggregation's `by`/`without` clause before its arguments
CALL = re.compile(r"(?<![\w:])([A-Za-z_][\w:]*)\s*(?:(?:by|without)\s*\([^()]*\)\s*)?\(", re.I)


def with_miscounted(masked: str) -> Miscounted | None:
    """In a query that starts with WITH templates (`masked`: its string literals blanked), the first call
    VictoriaMetrics refuses where it runs them: a template called with a count other than its parameters'
    (found when it expands them, so before any function's), else a MetricsQL function given a count it
    does not take; its `call` is `masked`'s text. None when there is none — or the query is not read (a
    WITH elsewhere, a definition not read)."""
    read = _read(masked)
    if read is None:
        return None
    templates, main, parameters = read
    kept = {span: frozenset(names) for span, names in parameters.items()}  # sets: thousands of them, no square
    spans, used = [main], {main}
    for start, end in spans:  # the templates the query uses, and those they use in turn (appended as met)
        for name in _NAME.findall(masked, start, end):  # a template's parameter is not the template of its name
            if name in templates and templates[name] not in used and name not in kept.get((start, end), ()):
                spans.append(templates[name])
                used.add(templates[name])
    for start, end in spans:  # the expansion: a template's count, innermost call first (as VictoriaMetrics meets them)
        calls = [(closing(masked, found.end() - 1), found) for found in CALL.finditer(masked, start, end)]
        for closed, found in sorted(((c, f) for c, f in calls if start <= c < end), key=lambda call: call[0]):
            own, name = kept.get((start, end), frozenset()), found.group(1)
            wanted = () if name in own else parameters[templates[name]] if name in templates else None
            given = len(arguments(masked, found.end(), closed))
            if wanted is not None and given != len(wanted):
                template = (f"{name} (a parameter of the WITH template {_signature(templates, parameters, start, end)})"
                            if name in own else f"the WITH template {_shown(name, wanted)}")
                return _miscounted(masked, found, closed, given, Takes(len(wanted), len(wanted), False,
                                                                      ", ".join(wanted)), template)
    for start, end in sorted(spans):
        for found in CALL.finditer(masked, start, end):
            closed = closing(masked, found.end() - 1)
            if found.group(1) in templates or not start <= closed < end:
                continue
            given = len(arguments(masked, found.end(), closed))
            if takes := miscount(found.group(1), given):
                return _miscounted(masked, found, closed, given, takes)
    return None


def _miscounted(masked: str, found: re.Match[str], closed: int, given: int, takes: Takes,
                template: str = "") -> Miscounted:
    return Miscounted(found.group(1), given, takes, found.start() + 1, masked[found.start():closed + 1], template)


def _signature(templates: dict[str, tuple[int, int]], parameters: dict[tuple[int, int], tuple[str, ...]],
               start: int, end: int) -> str:
    """`g(f)`: the template whose body is `start`…`end`, with its parameters."""
    return _shown(next(name for name, body in templates.items() if body == (start, end)), parameters[(start, end)])


def _shown(name: str, parameters: tuple[str, ...]) -> str:
    return f"{name}({', '.join(parameters)})" if parameters else name


def _read(masked: str) -> tuple[dict[str, tuple[int, int]], tuple[int, int], dict[tuple[int, int], tuple[str, ...]]] | None:
    """Each template's body (where it starts and ends, by its name), the expression after them, and each
    body's parameters (`f(a, b) = …`: a and b; `x = …` and `f() = …`: none)."""
    templates: dict[str, tuple[int, int]] = {}
    parameters: dict[tuple[int, int], tuple[str, ...]] = {}
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
            parameters[(definition.end(), end)] = tuple(
                p.strip() for p in (definition.group(2) or "").split(",") if p.strip())
        at = closed + 1
    if not templates or _ANOTHER.search(masked, at):
        return None
    return templates, (at, len(masked)), parameters


def masked(text: str) -> str:
    """`text` with each string literal's contents blanked (`"a(b"` → `"___"`): the same length, no bracket."""
    return STRINGS.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[-1], text)


def outside_strings(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied to each part outside its string literals."""
    out, at = [], 0
    for found in STRINGS.finditer(text):
        out += [change(text[at:found.start()]), found.group()]
        at = found.end()
    out.append(change(text[at:]))
    return "".join(out)


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
