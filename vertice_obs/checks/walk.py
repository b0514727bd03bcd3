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


def walk_panels(model: Any) -> Iterator[tuple[JsonPath, dict]]:
    """(JSON path, panel) for every panel object, rows included, in document order: top-level
    `panels`, panels nested in rows at any depth, and legacy `rows[].panels`. Iterative: nesting
    depth comes from the file."""
    model = as_dict(model)
    roots: list[tuple[JsonPath, list]] = [(("panels",), as_list(model.get("panels")))]
    for i, row in enumerate(as_list(model.get("rows"))):
        if isinstance(row, dict):
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
            if not isinstance(panel, dict):
                continue
            path = at + (index,)
            yield path, panel
            if panel.get("panels"):
                stack.append((path + ("panels",), iter(enumerate(as_list(panel.get("panels"))))))


def variables(model: Any) -> list[tuple[JsonPath, dict]]:
    """(JSON path, variable) for every named templating variable."""
    listing = as_list(as_dict(as_dict(model).get("templating")).get("list"))
    return [(("templating", "list", i), v) for i, v in enumerate(listing)
            if isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"]]


def strings(value: Any, path: JsonPath = (), skip: frozenset[str] = frozenset()) -> Iterator[tuple[JsonPath, str]]:
    """Every string value under `value` with its path (object keys in `skip` not entered). Iterative."""
    stack = [(path, value)]
    while stack:
        at, node = stack.pop()
        if isinstance(node, str):
            yield at, node
        elif isinstance(node, dict):
            stack.extend((at + (k,), v) for k, v in reversed(list(node.items())) if k not in skip)
        elif isinstance(node, list):
            stack.extend((at + (i,), v) for i, v in reversed(list(enumerate(node))))


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
