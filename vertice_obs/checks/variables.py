"""Variable lints: a template variable defined and never used, or used and never defined. Pure.

References are found the way Grafana finds them (its `variableRegex`: `$v`, `${v}`, `${v:fmt}`,
`${v.field}`, `[[v]]`, `[[v:fmt]]`), plus the bare names of `repeat`. grafana/dashboard-linter
has no rule for either; its `template-*` rules check how the job/instance/datasource variables
are configured, not whether they are used.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from vertice_obs.checks import check
from vertice_obs.checks.custom_values import ALL, shown
from vertice_obs.checks.dashboard_style import dashboard_name
from vertice_obs.checks.walk import (
    VARIABLE_REF,
    as_dict,
    as_list,
    panel_id,
    pointer,
    references,
    repeated_by,
    strings,
    target_ref,
    text,
    texts,
    variables,
    walk_panels,
)
from vertice_obs.errors import closest, listing
from vertice_obs.finding import Location, Severity
from vertice_obs.guard.text import folded

# Applied by Grafana to every query of their datasource, never referenced by name.
AUTO_APPLIED = frozenset({"adhoc", "groupby"})
# Grafana's global variables and datasource macros all start with `__` ($__interval,
# $__rate_interval, $__range, $__from, $__to, $__dashboard, $__user, $__org, $__name,
# $__timeFilter, $__all, ${__field.name}, ${__data.fields…}, …); these are the older ones that do not.
LEGACY_GLOBALS = frozenset({"interval", "interval_ms", "timeFilter", "timeFilterMs"})
# The parts of a variable that hold its values, not references to other variables.
_VALUES = frozenset({"current", "options", "name", "label", "description"})
_TEMPLATING = frozenset({"templating"})
_LABEL_REPLACE = re.compile(r"\blabel_replace\s*\(")


def _variable_at(file: str, model: dict, name: str) -> Location:
    return Location(file=file, dashboard=dashboard_name(model), target=f"variable {name}")


def _referred(value: Any, skip: frozenset[str]) -> set[str]:
    """The names of the variables the strings under `value` refer to (keys in `skip` not entered)."""
    out: set[str] = set()
    for string in texts(value, skip):
        if "$" in string or "[[" in string:  # the test `references` makes, without a call per string
            out.update(references(string))
    return out


def _repeats(model: dict, panels: list[tuple[tuple, dict]]) -> Iterator[tuple[tuple, str]]:
    """The variables that panels (`walk_panels`) and legacy rows repeat over (`repeated_by`), with their paths."""
    for path, panel in panels:
        if text(panel.get("repeat")):
            yield path + ("repeat",), repeated_by(panel)
    for i, row in enumerate(as_list(model.get("rows"))):
        if isinstance(row, dict) and text(row.get("repeat")):
            yield ("rows", i, "repeat"), repeated_by(row)


@check("variable/unused", Severity.WARNING, scope="lint")
def unused(model: dict[str, Any], file: str):
    """A template variable that nothing uses: no panel query, title, link, repeat, datasource reference,
    annotation or other (used) variable refers to it. Readers see a dropdown whose choice changes
    nothing. Chained variables count as used only through a variable that is itself used (`$region`
    used only by an unused `$cluster` is reported, naming it). Ad hoc filters and group-by variables
    (applied to every query without a reference) are exempt, and so is every variable of a dashboard
    with library panel stubs whose queries are not in the file (an export's `__elements` holds them). An `includeVars` link passing every
    variable on is not a use on this dashboard (as in Grafana's own "not referenced" marker). No
    grafana/dashboard-linter equivalent."""
    defined = variables(model)
    if not defined:
        return
    panels = list(walk_panels(model))
    if any(p.get("libraryPanel") and not as_list(p.get("targets")) for _, p in panels):
        return
    names = {v["name"] for _, v in defined}
    outside = _referred(model, _TEMPLATING)
    outside |= {name for _, name in _repeats(model, panels)}
    inside = {v["name"]: _referred(v, _VALUES) - {v["name"]} for _, v in defined}
    live = outside & names
    frontier = list(live)
    while frontier:
        for name in inside.get(frontier.pop(), ()):
            if name in names and name not in live:
                live.add(name)
                frontier.append(name)
    for path, variable in defined:
        name = variable["name"]
        if name in live or text(variable.get("type")) in AUTO_APPLIED:
            continue
        users = sorted(other for other, refs in inside.items() if name in refs and other != name)
        why = (f"used only by {', '.join('$' + u for u in users)}, which {'is' if len(users) == 1 else 'are'} "
               "unused too" if users else "defined but never used: no query, title, link or repeat refers to it")
        yield (f"variable ${name} is {why} — remove it, or use it (a choice in it changes nothing)",
               _variable_at(file, model, name), {"json_path": pointer(path)})


@check("variable/undefined", Severity.WARNING, scope="lint")
def undefined(model: dict[str, Any], file: str):
    """A query, panel title, datasource, repeat, link or annotation refers to a variable the dashboard does
    not define: Grafana leaves `$name` in the text as it is, so the query asks for the literal "$name" (or
    does not parse) and the panel shows No data or an error. Grafana's globals and macros (`$__interval`,
    `$__rate_interval`, `$__range`, `$__from`, `$__to`, `$__dashboard`, `$__user`, `$__org`, `$__name`,
    `$__timeFilter`, `$__all`, `${__field…}`, any `$__…`; legacy `$interval`, `$timeFilter`), import inputs
    declared in `__inputs` (`${DS_PROMETHEUS}`), numbered references (`$1`), a panel query's refId in a
    server-side expression (`$A * 2`, datasource `__expr__`: Math names queries so), a `$` escaped for a regex
    (`\\$SYS`: left as it is, a literal `$` to the regex) and anything in the replacement
    argument of `label_replace()` (capture groups, `$name` included) are not variables. Text panels' content,
    descriptions, field config and transformations are not read (they hold `$` in prose and regex
    replacements). No grafana/dashboard-linter equivalent (its PromQL rule fails on such queries)."""
    defined = {v["name"] for _, v in variables(model)}
    defined |= {text(i.get("name")) for i in as_list(model.get("__inputs")) if isinstance(i, dict)}
    seen: set[tuple[Location, str]] = set()
    for path, value, where in _places(model, file):
        for name in _undefined_refs(value, defined):
            if (where, name) in seen or where.target and name in _expression_refs(model, path):
                continue
            seen.add((where, name))
            close = closest(name, defined)
            hint = f"did you mean ${close[0]}?" if close else (
                f"defined: {', '.join('$' + d for d in sorted(defined)[:8])}" if defined else "it defines no variables")
            yield (f"${name} is used but not defined: Grafana leaves it in the text as it is ({hint})", where,
                   {"json_path": pointer(path), "variable": name})


@check("variable/current-not-an-option", Severity.WARNING, scope="lint")
def current_not_an_option(model: dict[str, Any], file: str):
    """A custom variable's saved value (`current`) that none of the options of its `query` holds: Grafana
    parses the options from the query on every load, whatever the saved `options` say, and shows another
    value — the first option, or All when Include All is on (a multi-value variable keeps those of its
    values that are options; a value that is no option's but whose saved text is one's becomes that
    option). Readers never see the saved value, and vobs checks the panels with the one Grafana shows.
    Typically a `query` edited by hand without its `current`. Not judged: a saved value that is empty
    (Grafana shows the first option), a query that refers to variables or lists nothing (Grafana keeps
    the saved value then), query variables (their options come from the data source). No
    grafana/dashboard-linter equivalent."""
    for path, variable in variables(model):
        got = shown(variable)
        if got is None or got.saved in ("", []) or not got.replaced:
            continue
        name, values = variable["name"], [value for _, value in got.options]
        dropped = [x for x in (got.saved if isinstance(got.saved, list) else [got.saved]) if x not in values]
        multi = isinstance(got.value, list)
        if ALL in dropped:
            head = f"${name}'s saved value is All, but Include All is off"
        elif not multi and isinstance(got.saved, list):  # a multi-value variable's, left when Multi-value was unticked
            head = f"${name} takes one value, but its saved value is a list ({_some(got.saved, _said)})"
        elif len(dropped) == 1:
            head = f"${name}'s saved value {_said(dropped[0])} is not one of its options ({_some(values)})"
        else:
            head = f"${name}'s saved values {_some(dropped, _said)} are not among its options ({_some(values)})"
        kept = multi and any(isinstance(x, str) and x in values for x in _as_list(got.saved))  # those shown
        how = (f", the option whose text is {_said(as_dict(variable.get('current')).get('text'))}" if got.by_text
               else " (Include All)" if _value(got.value) == "All" else "" if kept else ", the first option")
        where = path + ("current",) if "current" in variable else path
        yield (f"{head}: Grafana shows {_value(got.value)}{how}, and vobs checks the panels with that — "
               "save an option as the value, or add the value to the query", _variable_at(file, model, name),
               {"json_path": pointer(where), "variable": name})


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _some(values: list, said: Any = None) -> str:
    """The first 8 of `values`, each as `said` writes it (at most 80 characters of it), by the one
    listing: `a, b, c and 4 more`."""
    return listing([(said or _bounded)(v) for v in values], shown=8)


def _bounded(value: Any) -> str:
    return folded(str(value), 80)


def _said(value: Any) -> str:
    return repr(value[:80]) if isinstance(value, str) else str(value)


def _value(value: Any) -> str:
    """A value Grafana shows, as a message says it: All, 'dev', 'dev', 'prod'."""
    if value == ALL or isinstance(value, list) and value[:1] == [ALL]:
        return "All"
    return ", ".join(_said(x) for x in _as_list(value))


# An equality matcher's operator and quoted value (`="…"`, `!="…"`; `=~`, `==`, `<=`, `>=` are not: no quote
# follows their `=`), and the label name written just before it
_EQUALITY = re.compile(r"""(!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)""")
_LABEL_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\Z")


@check("variable/multi-in-equality", Severity.WARNING, scope="lint")
def multi_in_equality(model: dict[str, Any], file: str):
    """A multi-value or Include All variable in an equality matcher (`job="$job"`, `job!="$job"`): with
    more than one value, or All, Grafana writes it as a regex (`(api|web)`, the allValue such as `.*`), and
    escapes each value for a regex (`10\\.0\\.0\\.1`: Grafana's "Formatting multi-value variables"), which
    `=` compares as text — the panel shows No data when the reader picks two values or All, or a value
    with a dot.
    Use `=~` (`!~`). A variable neither multi-value nor Include All is written as it is, and is fine.
    Panel, annotation and variable queries. No grafana/dashboard-linter equivalent."""
    several = {v["name"]: "multi-value" if v.get("multi") is True else "Include All" for _, v in variables(model)
               if text(v.get("type")) in ("query", "custom")
               and (v.get("multi") is True or v.get("includeAll") is True)}
    if not several:
        return
    said: set[tuple[Location, str, str]] = set()
    for path, value, where in _queries(model, file):
        for match in _EQUALITY.finditer(value):
            op, quoted = match.groups()
            if "$" not in quoted and "[[" not in quoted:
                continue
            named = _LABEL_BEFORE.search(value, 0, match.start())
            if named is None:
                continue
            label = named.group(1)
            for name in dict.fromkeys(references(quoted)):
                if name in several and (where, label, name) not in said:
                    said.add((where, label, name))
                    regex = "=~" if op == "=" else "!~"
                    # an Include All variable that is not multi-value never has two values: its one value is
                    # regex-escaped all the same (Grafana escapes for a regex whenever multi or includeAll)
                    how = ("two values as (a|b), All as its allValue or every value, each regex-escaped"
                           if several[name] == "multi-value" else
                           "All as its allValue or every value as (a|b), and any value regex-escaped")
                    yield (f"{label}{op}{quoted[:80]}: ${name} is {several[name]}, so Grafana writes it as a regex — "
                           f"{how} (a dot as \\.) — "
                           f"which {op} compares as text: the panel shows No data then; use {label}{regex}{quoted[:80]}",
                           where, {"json_path": pointer(path), "variable": name})


def _queries(model: dict, file: str) -> Iterator[tuple[tuple, str, Location]]:
    """(JSON path, text, location) of each panel target's `expr`, variable `query` and annotation `expr`
    that has an `=` and a reference in it: what a matcher can be in (`_places` reads every text)."""
    def wanted(value: Any) -> bool:
        return type(value) is str and "=" in value and ("$" in value or "[[" in value)

    uid = dashboard_name(model)
    for path, panel in walk_panels(model):
        for i, target in enumerate(as_list(panel.get("targets"))):
            if isinstance(target, dict) and wanted(expr := target.get("expr")):
                yield path + ("targets", i, "expr"), expr, Location(
                    file=file, dashboard=uid, panel=text(panel.get("title")), panel_id=panel_id(panel),
                    target=target_ref(target, i))
    for path, variable in variables(model):
        if wanted(query := variable.get("query")):
            yield path + ("query",), query, Location(file=file, dashboard=uid, target=f"variable {variable['name']}")
    for i, annotation in enumerate(as_list(as_dict(model.get("annotations")).get("list"))):
        if isinstance(annotation, dict) and wanted(expr := annotation.get("expr")):
            yield ("annotations", "list", i, "expr"), expr, Location(
                file=file, dashboard=uid, target=f"annotation {text(annotation.get('name')) or '?'}")


def _expression_refs(model: dict, path: tuple) -> set[str]:
    """The refIds of the panel's queries when the text at `path` is in a server-side expression's
    target (datasource `__expr__`): there `$A` is the query A (Math's `$A * 2`), no variable."""
    if "targets" not in path:
        return set()
    at = path.index("targets")
    owner: Any = model
    for key in path[:at]:  # a path the walk made: each step is there
        owner = owner[key] if isinstance(owner, dict) and key in owner or isinstance(owner, list) \
            and isinstance(key, int) and key < len(owner) else None
    targets = as_list(as_dict(owner).get("targets"))
    index = path[at + 1] if len(path) > at + 1 else None
    target = as_dict(targets[index]) if isinstance(index, int) and index < len(targets) else {}
    ds = target.get("datasource")
    if "__expr__" not in (ds, text(as_dict(ds).get("type")), text(as_dict(ds).get("uid"))):
        return set()
    return {text(t.get("refId")) for t in targets if isinstance(t, dict) and text(t.get("refId"))}


def _undefined_refs(value: str, defined: set[str]) -> list[str]:
    if "$" not in value and "[[" not in value:
        return []
    skip = _replacement_spans(value) if "label_replace" in value else []
    out = []
    for match in VARIABLE_REF.finditer(value):
        name = match.group(1) or match.group(2) or match.group(4)
        if (name in defined or name.startswith("__") or name in LEGACY_GLOBALS or name.isdigit()
                or value[match.start() - 1:match.start()] == "\\"  # `\$SYS` in a regex: a literal `$`, left as is
                or any(start <= match.start() < end for start, end in skip)):
            continue
        out.append(name)
    return out


def _places(model: dict, file: str) -> Iterator[tuple[tuple, str, Location]]:
    """(JSON path, text, location) of every text Grafana interpolates variables into and that holds
    references rather than prose: panel titles, datasources, repeats, min intervals, links and
    targets; variable queries and datasources; annotation queries; dashboard links. Only texts with a
    `$` or `[[` in them: no other can refer to a variable."""
    uid = dashboard_name(model)
    for path, panel in walk_panels(model):
        title = panel.get("title") if isinstance(panel.get("title"), str) else ""
        where = Location(file=file, dashboard=uid, panel=title, panel_id=panel_id(panel))
        for key in ("title", "datasource", "interval", "links"):
            for at, value in _referring(panel.get(key), path + (key,)):
                yield at, value, where
        if text(panel.get("repeat")):
            yield path + ("repeat",), "$" + repeated_by(panel), where
        for i, target in enumerate(as_list(panel.get("targets"))):
            if isinstance(target, dict):
                at_target = None  # made for the first text that needs it: most targets have none
                for at, value in _referring(target, path + ("targets", i)):
                    at_target = at_target or Location(file=file, dashboard=uid, panel=title,
                                                      panel_id=panel_id(panel), target=target_ref(target, i))
                    yield at, value, at_target
    for path, variable in variables(model):
        where = Location(file=file, dashboard=uid, target=f"variable {variable['name']}")
        for key in ("query", "datasource"):
            for at, value in _referring(variable.get(key), path + (key,)):
                yield at, value, where
    for i, annotation in enumerate(as_list(as_dict(model.get("annotations")).get("list"))):
        if isinstance(annotation, dict):
            where = Location(file=file, dashboard=uid, target=f"annotation {text(annotation.get('name')) or '?'}")
            for key in ("expr", "target", "datasource", "query"):
                for at, value in _referring(annotation.get(key), ("annotations", "list", i, key)):
                    yield at, value, where
    for i, link in enumerate(as_list(model.get("links"))):
        if isinstance(link, dict):
            for at, value in _referring(link.get("url"), ("links", i, "url")):
                yield at, value, Location(file=file, dashboard=uid)
    for i, row in enumerate(as_list(model.get("rows"))):
        if isinstance(row, dict):
            for key in ("title", "repeat"):
                if text(row.get(key)):
                    value = row[key] if key == "title" else "$" + repeated_by(row)
                    yield ("rows", i, key), value, Location(file=file, dashboard=uid, panel=text(row.get("title")))


def _referring(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    """The strings under `value` (`strings`) that may refer to a variable: with a `$` or `[[`."""
    if value is None:
        return
    if type(value) is str:  # a title, a datasource name, an interval (most values asked about): no walk
        if "$" in value or "[[" in value:
            yield path, value
        return
    for at, string in strings(value, path):
        if "$" in string or "[[" in string:
            yield at, string


def _replacement_spans(value: str) -> list[tuple[int, int]]:
    """Where the replacement (third) argument of each `label_replace(` call is written: its `$1`,
    `${1}`, `$name` are the regex's capture groups, not variables."""
    spans = []
    for call in _LABEL_REPLACE.finditer(value):
        i, depth, arg = call.end(), 0, 0
        while i < len(value):
            ch = value[i]
            if ch in "\"'`":
                end = _string_end(value, i)
                if depth == 0 and arg == 2:
                    spans.append((i, end))
                    break
                i = end
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                arg += 1
            i += 1
    return spans


def _string_end(value: str, start: int) -> int:
    quote, k = value[start], start + 1
    while k < len(value) and value[k] != quote:
        k += 2 if value[k] == "\\" and quote != "`" else 1
    return k + 1
