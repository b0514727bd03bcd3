"""Walking any dashboard JSON for checks: panels with their JSON paths, variables, references. Pure.

Dashboard lints read dashboards nobody here wrote, of any age and shape: panels at the top, inside
rows (collapsed or not), in legacy `rows[].panels`, and parts of the wrong type (`panels` an
object, a panel a number). Everything here tolerates any shape — a part of the wrong type is
skipped, never a crash (`inventory/invalid` reports it) — and yields real JSON paths, so a
finding's `details.json_path` names the part in the file even when a list holds junk.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

JsonPath = tuple  # keys and indexes from the document's root

# Grafana's own variable syntax (public/app/features/variables/utils.ts, `variableRegex`):
# `$name`, `[[name]]`, `[[name:format]]`, `${name}`, `${name.field}`, `${name:format}`.
VARIABLE_REF = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}", re.ASCII)

# Datasources that are Grafana itself, not a data store: never "hard-coded".
BUILTIN_DATASOURCES = {"-- Grafana --", "-- Dashboard --", "-- Mixed --", "grafana", "__expr__", "Expression",
                       "dashboard", "-- Expression --"}


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def pointer(path: JsonPath) -> str:
    """A JSON pointer (RFC 6901) for a path of keys and indexes."""
    joined = "/".join(map(str, path))
    if "~" not in joined and joined.count("/") == len(path) - 1:  # nothing to escape (nearly always)
        return "/" + joined if path else ""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def panel_id(panel: dict) -> int | None:
    value = panel.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def target_ref(target: dict, index: int) -> str:
    """How a finding names a panel's query: its refId, else its place among the panel's targets
    (`#2`, counted from 1) — a query without a refId is still one a person can find."""
    return text(target.get("refId")) or f"#{index + 1}"


def repeated_by(owner: Any) -> str:
    """The variable a panel or row repeats by, bare: its `repeat` holds the name (`job`), or a
    reference to it as some dashboards write it (`$job`, `${job}`); "" when it repeats by none."""
    name = text(as_dict(owner).get("repeat"))
    refs = references(name)
    return refs[0] if refs else name


def library_panel(model: Any, panel: dict) -> tuple[JsonPath, dict] | None:
    """The model of the library panel a stub refers to, as a dashboard exported "for sharing
    externally" carries it (`__elements.<uid>.model`), with its JSON path; None for a panel that is
    no stub (Grafana 8 and 9 saved the whole model, targets included, beside the reference) or whose
    library model the file does not carry."""
    ref = panel.get("libraryPanel")
    if not isinstance(ref, dict) or panel.get("targets"):
        return None
    uid = ref.get("uid")
    elements = as_dict(as_dict(model).get("__elements"))
    keys = [uid] if isinstance(uid, str) and isinstance(elements.get(uid), dict) else \
        [k for k, e in elements.items() if isinstance(e, dict) and isinstance(uid, str) and e.get("uid") == uid]
    for key in keys[:1]:
        library = elements[key].get("model")
        if isinstance(library, dict):
            return ("__elements", key, "model"), library
    return None


def library_name(panel: dict) -> str:
    """The name a library panel stub gives its library panel (else its uid); "" for any other panel."""
    ref = as_dict(panel.get("libraryPanel"))
    return text(ref.get("name")) or text(ref.get("uid"))


def shown_panel(model: Any, path: JsonPath, panel: dict) -> tuple[JsonPath, dict]:
    """A panel as Grafana shows it, and where it is written. A library panel stub whose model the
    export carries is that model, at its place in `__elements` (the stub's id and gridPos kept; no
    `libraryPanel`: its queries and settings are all there). A stub without it keeps its path, and
    is named by its library panel when it has no title of its own. Any other panel is as it is."""
    if not isinstance(panel.get("libraryPanel"), dict):
        return path, panel  # no library panel (nearly always): nothing below applies
    found = library_panel(model, panel)
    if found is not None:
        path, library = found
        view = {**library, **{k: panel[k] for k in ("id", "gridPos") if k in panel}}
        view.pop("libraryPanel", None)
        if view.get("title") in (None, "") and (text(panel.get("title")) or library_name(panel)):
            view["title"] = text(panel.get("title")) or library_name(panel)
        return path, view
    if panel.get("title") in (None, "") and library_name(panel):
        return path, {**panel, "title": library_name(panel)}
    return path, panel


def unseen_library_panel(panel: dict) -> bool:
    """A library panel stub (as `shown_panel` gives it) whose model is not in the file: its title,
    description, unit and queries live in Grafana's library, out of sight."""
    return isinstance(panel.get("libraryPanel"), dict) and not panel.get("targets")


def repeat_copy(model: Any, panel: Any) -> bool:
    """A copy Grafana made of a repeated panel or row panel and saved with the dashboard
    (`repeatPanelId`; a repeat source only when `repeatedByRow`): Grafana removes every such copy
    when it loads a dashboard that has variables and is no snapshot (`DashboardModel.cleanUpRepeats`)
    and makes them anew from the source, so they are not read — counted, they doubled every finding
    of the source (trial 14: "5 panels" for one). A legacy `rows[]` row: `legacy_row_copy`."""
    if not isinstance(panel, dict) or not panel.get("repeatPanelId"):
        return False
    model = as_dict(model)
    has_variables = bool(as_list(as_dict(model.get("templating")).get("list")))
    return has_variables and not model.get("snapshot") and (not panel.get("repeat") or bool(panel.get("repeatedByRow")))


def legacy_row_copy(row: Any) -> bool:
    """A legacy `rows[]` row Grafana repeated when the dashboard was saved (`repeatIteration`):
    Grafana's schema-16 migration (`upgradeToGridLayout`) skips it whatever the variables, before
    any panel is made of it — one rule for the walk, the inventory and `vobs import`."""
    return isinstance(row, dict) and bool(row.get("repeatIteration"))


def walk_panels(model: Any) -> Iterator[tuple[JsonPath, dict]]:
    """(JSON path, panel) for every panel object, rows included, in document order: top-level
    `panels`, panels nested in rows at any depth, and legacy `rows[].panels`; each as Grafana shows
    it (`shown_panel`: a library panel an export carries is its model in `__elements`). Iterative:
    nesting depth comes from the file."""
    model = as_dict(model)
    roots: list[tuple[JsonPath, list]] = [(("panels",), as_list(model.get("panels")))]
    for i, row in enumerate(as_list(model.get("rows"))):
        if isinstance(row, dict) and not legacy_row_copy(row):
            roots.append((("rows", i, "panels"), as_list(row.get("panels"))))
    for root_path, root in roots:
        stack: list[tuple[JsonPath, Iterator]] = [(root_path, iter(enumerate(root)))]
        while stack:
            at, items = stack[-1]
            item = next(items, None)
            if item is None:
                stack.pop()
                continue
            index, panel = item
            if not isinstance(panel, dict) or repeat_copy(model, panel):  # (a copy's panels go with it)
                continue
            path = at + (index,)
            yield shown_panel(model, path, panel)
            inner = panel.get("panels")
            if inner:
                stack.append((path + ("panels",), iter(enumerate(as_list(inner)))))


def variables(model: Any) -> list[tuple[JsonPath, dict]]:
    """(JSON path, variable) for every named templating variable."""
    listing = as_list(as_dict(as_dict(model).get("templating")).get("list"))
    return [(("templating", "list", i), v) for i, v in enumerate(listing)
            if isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"]]


def strings(value: Any, path: JsonPath = (), skip: frozenset[str] = frozenset()) -> Iterator[tuple[JsonPath, str]]:
    """Every string value under `value` with its path (object keys in `skip` not entered), in document
    order. Iterative; a path is built only for a string or a container (most values are neither)."""
    if isinstance(value, str):
        yield path, value
        return
    stack = [(path, _members(value, skip))]
    while stack:
        at, members = stack[-1]
        for key, item in members:
            if isinstance(item, str):
                yield at + (key,), item
            elif isinstance(item, (dict, list)):
                stack.append((at + (key,), _members(item, skip)))
                break
        else:
            stack.pop()


def texts(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every string value under `value` (object keys in `skip` not entered), in no set order and
    without paths: for a question about all of them at once, at a third less than `strings`."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            # (isdisjoint: one C call for the dicts, nearly all, that hold no key to skip)
            node = node.values() if skip.isdisjoint(node) else [v for k, v in node.items() if k not in skip]
        elif not isinstance(node, list):
            if isinstance(node, str):
                yield node
            continue
        for item in node:
            if isinstance(item, str):
                yield item
            elif isinstance(item, (dict, list)):
                stack.append(item)


def _members(node: Any, skip: frozenset[str]) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, dict):
        return iter(node.items()) if skip.isdisjoint(node) else ((k, v) for k, v in node.items() if k not in skip)
    return enumerate(node) if isinstance(node, list) else iter(())


def references(value: str) -> list[str]:
    """The variable names `value` refers to, in Grafana's syntax, in order."""
    if "$" not in value and "[[" not in value:
        return []
    return [m.group(1) or m.group(2) or m.group(4) for m in VARIABLE_REF.finditer(value)]


def variable_name(ds: Any) -> str | None:
    """The variable a datasource reference names (`$ds`, `${ds}`, `[[ds]]`, `{uid: "${ds}"}`), else None."""
    if isinstance(ds, dict):
        ds = ds.get("uid")
    if not isinstance(ds, str):
        return None
    match = VARIABLE_REF.fullmatch(ds.strip())
    return (match.group(1) or match.group(2) or match.group(4)) if match else None


def is_builtin_datasource(ds: Any) -> bool:
    """Grafana's own pseudo-datasources (annotations and alerts, `-- Dashboard --`, Mixed, expressions)."""
    if isinstance(ds, dict):
        kind = text(ds.get("type")).lower()
        return kind in ("datasource", "grafana", "__expr__") or text(ds.get("uid")) in BUILTIN_DATASOURCES
    return isinstance(ds, str) and ds in BUILTIN_DATASOURCES


# Grafana's server-side expressions (math, reduce, resample, threshold, classic conditions, SQL): its
# `ExpressionDatasourceRef` {type: __expr__, uid: __expr__, name: Expression}, and the legacy `-100`.
_EXPRESSION = {"__expr__", "Expression", "-- Expression --", "-100"}


def is_expression(ds: Any) -> bool:
    """A reference to Grafana's server-side expressions datasource."""
    if isinstance(ds, dict):
        return text(ds.get("type")) in _EXPRESSION or text(ds.get("uid")) in _EXPRESSION
    return isinstance(ds, str) and ds in _EXPRESSION


def unrun_targets(targets: Any, panel_ds: Any = None) -> set[int]:
    """The indexes of a panel's targets Grafana never runs: hidden (`hide: true`) and not an input of
    an expression it runs. A hidden query an expression uses is still run (its result not drawn):
    Grafana keeps the hidden queries the visible expressions need, through hidden expressions too
    (`filterHiddenQueries`). An expression uses a query it names — `$A`, `${A}` (math), `A` (reduce,
    resample, threshold), `FROM A` (SQL), a classic condition's `query.params` — read generously:
    the refId as a word anywhere in its `expression`, so a query in doubt counts as run and is judged."""
    items = [(i, t) for i, t in enumerate(as_list(targets)) if isinstance(t, dict)]
    hidden = {i for i, t in items if t.get("hide") is True}
    if not hidden:
        return set()
    names = {text(t.get("refId")) for _, t in items} - {""}
    uses: dict[str, set[str]] = {}  # an expression's refId → the refIds it names
    todo: list[str] = []  # the refIds the visible expressions name
    for i, t in items:
        if is_expression(t.get("datasource") or panel_ds):
            uses[text(t.get("refId"))] = named = {n for n in names if _names(t, n)}
            if i not in hidden:
                todo.extend(named)
    needed: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref not in needed:
            needed.add(ref)
            todo.extend(uses.get(ref, ()))
    return {i for i, t in items if i in hidden and text(t.get("refId")) not in needed}


def _names(expression: dict, ref: str) -> bool:
    """Does an expression target name the query `ref`: in its `expression`, or as a classic condition's query."""
    if re.search(rf"(?<!\w){re.escape(ref)}(?!\w)", text(expression.get("expression"))):
        return True
    return any(ref in as_list(as_dict(as_dict(c).get("query")).get("params")) for c in as_list(expression.get("conditions")))
