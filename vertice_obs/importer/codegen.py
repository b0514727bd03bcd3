"""A migrated dashboard model → the text of a dashboard module. Pure and deterministic.

Safety: no text of the dashboard is ever spliced into code. Every string is written with `repr()`
(a Python literal whatever it holds: quotes, `\"\"\"`, newlines, `__import__('os')`, any unicode), every
key of an `overrides` dict too, and no identifier is made from the input — the code's names are
the kit's own. Numbers are written as `repr` of finite ints and floats; NaN and infinity refused.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from vertice_obs.build.render import dashboard_references, panel_links
from vertice_obs.build.shape import MAX_DEPTH
from vertice_obs.errors import InputError

LINE = 110
_PANEL_FIELDS = ("type", "title", "description", "datasource", "targets", "interval", "repeat", "repeatDirection",
                 "maxPerRow", "links", "transformations", "gridPos", "id", "fieldConfig")
_DASHBOARD_FIELDS = ("uid", "title", "description", "tags", "templating", "annotations", "links", "time",
                     "refresh", "timezone", "schemaVersion", "panels")


def literal(value: Any, indent: int = 0, depth: int = 0) -> str:
    """Python source for plain JSON data, on one line when it fits in `LINE` columns."""
    if depth > MAX_DEPTH:
        raise InputError(f"the dashboard is nested more than {MAX_DEPTH} levels deep")
    flat = _flat(value, depth)
    if indent + len(flat) <= LINE or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{str(k)!r}: {literal(v, indent + 4, depth + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{literal(v, indent + 4, depth + 1)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _flat(value: Any, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise InputError(f"the dashboard is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str, int)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{value!r} is not a JSON number")
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{str(k)!r}: {_flat(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v, depth + 1) for v in value) + "]"
    raise InputError(f"a {type(value).__name__} is not JSON data")


ENV_SELECTOR = 'environment=~"$environment"'  # as `vertice_obs.panels.ENV_SELECTOR`


class _Shared:
    """Module constants the calls refer to: the datasource most panels and queries name (when two
    or more do) as `DATASOURCE`, the target keys the house call has no argument for when two or
    more queries carry the same ones (grafonnet writes `format` and `intervalFactor` on every
    query) as `QUERY_OVERRIDES`, and the environment selector as `ENV` when a query uses it."""

    def __init__(self, datasource: Any = None, query_overrides: dict[str, Any] | None = None,
                 read: frozenset[int] = frozenset()):
        self.datasource = datasource
        self.query_overrides = query_overrides
        self.read = read  # the ids `-- Dashboard --` queries read and own links open: those panels keep theirs
        self.env_used = False

    def overrides_code(self, rest: dict[str, Any], indent: int, depth: int) -> str:
        return "QUERY_OVERRIDES" if rest == self.query_overrides else literal(rest, indent, depth)

    def datasource_code(self, value: Any, indent: int, depth: int) -> str:
        return "DATASOURCE" if self.datasource is not None and value == self.datasource else literal(value, indent,
                                                                                                   depth)

    def expr_code(self, expr: str) -> str:
        """The query, with the environment selector written as `ENV` (each other piece a literal)."""
        if ENV_SELECTOR not in expr:
            return repr(expr)
        self.env_used = True
        pieces = expr.split(ENV_SELECTOR)
        code = " + ENV + ".join(repr(p) for p in pieces)
        if code.startswith("'' + "):
            code = code[len("'' + "):]
        return code[:-len(" + ''")] if code.endswith(" + ''") else code


class _Call:
    """`name(positional…, keyword=value…)`, laid out on one line or one argument per line."""

    def __init__(self, name: str):
        self.name, self.args = name, []

    def arg(self, code: str | None) -> _Call:
        if code is not None:
            self.args.append(code)
        return self

    def text(self, indent: int) -> str:
        one = f"{self.name}({', '.join(self.args)})"
        if indent + len(one) <= LINE and "\n" not in one:
            return one
        pad = " " * (indent + 4)
        return f"{self.name}(\n" + "".join(f"{pad}{a},\n" for a in self.args) + " " * indent + ")"


def _kw(call: _Call, name: str, value: Any, indent: int, depth: int) -> None:
    if value is not None:
        call.arg(f"{name}={literal(value, indent + 4, depth)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _steps(thresholds: Any) -> list[tuple[Any, str]] | None:
    """Absolute thresholds as `(value, color)` pairs, or None when they say more than that."""
    if not isinstance(thresholds, dict) or set(thresholds) != {"mode", "steps"} or thresholds["mode"] != "absolute":
        return None
    steps = thresholds["steps"]
    if not isinstance(steps, list) or not steps:
        return None
    out = []
    for step in steps:
        if not isinstance(step, dict) or not set(step) <= {"color", "value"} or not isinstance(step.get("color"), str):
            return None
        value = step.get("value")
        if value is not None and not _is_number(value):
            return None
        out.append((value, step["color"]))
    return out


def _target(target: Any, indent: int, depth: int, shared: _Shared) -> str:
    if not isinstance(target, dict) or not isinstance(target.get("expr"), str):
        return literal(target, indent, depth)
    rest = _query_rest(target)
    call = _Call("h.prom").arg(shared.expr_code(target["expr"]))
    legend = target.get("legendFormat")
    call.arg(repr(legend) if isinstance(legend, str) else None)
    for key, name in (("refId", "ref_id"), ("interval", "interval")):
        _kw(call, name, target.get(key), indent, depth + 1)
    if target.get("datasource") is not None:
        call.arg("datasource=" + shared.datasource_code(target["datasource"], indent + 4, depth + 1))
    if rest:
        call.arg("overrides=" + shared.overrides_code(rest, indent + 4, depth + 1))
    return call.text(indent)


def _query_rest(target: dict[str, Any]) -> dict[str, Any]:
    """A query's keys that `h.prom` has no argument for (its `overrides`)."""
    rest = {k: v for k, v in target.items() if k not in ("expr", "refId", "interval")}
    if rest.get("legendFormat", "") is None or isinstance(rest.get("legendFormat"), str):
        rest.pop("legendFormat", None)
    if rest.get("datasource") is not None:
        rest.pop("datasource")
    return rest


def panel_code(panel: dict[str, Any], indent: int, depth: int = 1, shared: _Shared | None = None) -> str:
    """One panel as one `h.panel(...)` (or `h.row(...)` with its panels) call."""
    shared = shared or _Shared()
    if panel.get("type") == "row":
        return _row(panel, [], indent, depth, shared)
    rest = {k: v for k, v in panel.items() if k not in _PANEL_FIELDS}
    if panel.get("id") in shared.read:  # renumbered by the build: the queries reading it and links opening it follow
        rest = {"id": panel["id"], **rest}
    call = _Call("h.panel").arg(repr(panel.get("type"))).arg(repr(panel.get("title")))
    targets = panel.get("targets")
    if isinstance(targets, list):
        inner = " " * (indent + 8)
        items = [_target(t, indent + 8, depth + 2, shared) for t in targets]
        one = "[" + ", ".join(items) + "]"
        call.arg(one if len(one) + indent + 4 <= LINE and "\n" not in one else
                 "[\n" + "".join(f"{inner}{i},\n" for i in items) + " " * (indent + 4) + "]")
    elif targets is not None:
        rest["targets"] = targets
    _kw(call, "description", panel.get("description"), indent, depth)
    if panel.get("datasource") is not None:
        call.arg("datasource=" + shared.datasource_code(panel["datasource"], indent + 4, depth))
    config = panel.get("fieldConfig")
    if isinstance(config, dict):
        config = dict(config)
        defaults = dict(config.get("defaults")) if isinstance(config.get("defaults"), dict) else None
        if defaults is not None:
            if isinstance(defaults.get("unit"), str):
                _kw(call, "unit", defaults.pop("unit"), indent, depth)
            for bound in ("min", "max"):
                if _is_number(defaults.get(bound)):
                    _kw(call, bound, defaults.pop(bound), indent, depth)
            steps = _steps(defaults.get("thresholds"))
            if steps is not None:
                del defaults["thresholds"]
                call.arg("thresholds=[" + ", ".join(f"({_flat(v, depth)}, {c!r})" for v, c in steps) + "]")
            config["defaults"] = defaults
            if not defaults:
                del config["defaults"]
        if isinstance(config.get("overrides"), list) and config["overrides"]:
            _kw(call, "field_overrides", config.pop("overrides"), indent, depth)
        if config:
            rest["fieldConfig"] = config
    elif config is not None:
        rest["fieldConfig"] = config
    grid = panel.get("gridPos")
    if isinstance(grid, dict) and set(grid) <= {"x", "y", "w", "h"} and all(
            isinstance(grid.get(k), int) and not isinstance(grid.get(k), bool) for k in ("w", "h")):
        call.arg(f"width={grid['w']!r}").arg(f"height={grid['h']!r}")
    elif grid is not None:
        rest["gridPos"] = grid
    for key, name in (("interval", "interval"), ("repeat", "repeat"), ("repeatDirection", "repeat_direction"),
                      ("maxPerRow", "max_per_row"), ("links", "links"), ("transformations", "transformations")):
        _kw(call, name, panel.get(key), indent, depth)
    _kw(call, "overrides", rest or None, indent, depth)
    return call.text(indent)


def _row(panel: dict[str, Any], children: list[dict[str, Any]], indent: int, depth: int, shared: _Shared) -> str:
    rest = {k: v for k, v in panel.items() if k not in ("type", "title", "collapsed", "panels", "gridPos", "id",
                                                         "repeat")}
    collapsed = panel.get("collapsed") is True
    inner = [p for p in panel.get("panels") or [] if isinstance(p, dict)] if collapsed else children
    call = _Call("h.row").arg(repr(panel.get("title")))
    pad = " " * (indent + 8)
    call.arg("[\n" + "".join(f"{pad}{panel_code(p, indent + 8, depth + 2, shared)},\n" for p in inner)
             + " " * (indent + 4) + "]" if inner else "[]")
    if collapsed:
        call.arg("collapsed=True")
    _kw(call, "repeat", panel.get("repeat"), indent, depth)
    _kw(call, "overrides", rest or None, indent, depth)
    return call.text(indent)


def module_text(model: dict[str, Any], source: str, notes: list[str]) -> str:
    """The module for a migrated dashboard model (`migrate.migrate`'s output)."""
    rest = {k: v for k, v in model.items() if k not in _DASHBOARD_FIELDS}
    call = _Call("h.dashboard").arg(repr(model["uid"])).arg(repr(model.get("title")))
    indent = 0
    for key in ("description", "tags"):
        _kw(call, key, model.get(key), indent, 1)
    for key, name in (("templating", "variables"), ("annotations", "annotations")):
        block = model.get(key)
        if isinstance(block, dict) and set(block) == {"list"} and isinstance(block["list"], list):
            _kw(call, name, block["list"], indent, 1)
        elif block is not None:
            rest[key] = block
    for key in ("links", "time", "refresh", "timezone"):
        _kw(call, key, model.get(key), indent, 1)
    version = model.get("schemaVersion")
    if version != 39:
        _kw(call, "schema_version", version, indent, 1)
    _kw(call, "overrides", rest or None, indent, 1)
    panels = [p for p in model.get("panels") or [] if isinstance(p, dict)]
    shared = _shared_of(panels, model["uid"])
    call.arg("panels=[\n" + "".join(f"        {code},\n" for code in _panels_code(panels, 8, shared)) + "    ]")
    doc = repr(f"{model.get('title') or model['uid']}: imported by `vobs import` from {source}.")
    lines = [doc, "", "# House-style migrations applied on import (`vobs import --explain`):"]
    lines += [line for n in notes for line in textwrap.wrap(_comment(n), LINE, initial_indent="# - ",
                                                            subsequent_indent="#   ", break_on_hyphens=False)]
    lines += [] if notes else ["# - none"]
    lines += ["", "from vertice_obs.importer import house as h", ""]
    if shared.datasource is not None:
        lines += [f"DATASOURCE = {literal(shared.datasource, 0, 1)}"]
    if shared.query_overrides is not None:
        lines += [f"QUERY_OVERRIDES = {literal(shared.query_overrides, 0, 1)}"]
    if shared.env_used:
        lines += [f"ENV = {ENV_SELECTOR!r}"]
    lines += [""] if shared.datasource is not None or shared.query_overrides is not None or shared.env_used else []
    lines += [f"dashboard = {call.text(0)}", ""]
    return "\n".join(lines)


def _comment(text: str) -> str:
    """Text for a `#` comment: one line, printable (a note may quote a uid or a title)."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _shared_of(panels: list[dict[str, Any]], uid: str) -> _Shared:
    """The module constants: the datasource named most often by panels and queries, and the
    leftover query keys carried most often, each if at least twice."""
    datasources: list[Any] = []
    rests: list[Any] = []
    read: set[int] = set()

    def visit(panel: dict[str, Any]) -> None:
        read.update(dashboard_references(panel), panel_links(panel, uid))
        datasources.append(panel.get("datasource"))
        for target in panel.get("targets") or []:
            if isinstance(target, dict):
                datasources.append(target.get("datasource"))
                rests.append(_query_rest(target) if isinstance(target.get("expr"), str) else None)
        for child in panel.get("panels") or []:
            if isinstance(child, dict):
                visit(child)

    for panel in panels:
        visit(panel)
    return _Shared(_most_common(datasources), _most_common(rests), frozenset(read))


def _most_common(values: list[Any]) -> Any:
    """The value (not None, not empty) found most often, if at least twice; ties go to the first
    in repr order, so the module is the same whatever dict order the JSON had."""
    counts: dict[str, int] = {}
    found: dict[str, Any] = {}
    for value in values:
        if value is not None and value != {}:
            key = repr(value)
            counts[key] = counts.get(key, 0) + 1
            found[key] = value
    best = max(sorted(counts), key=lambda k: counts[k], default=None)
    return found[best] if best is not None and counts[best] >= 2 else None


def _panels_code(panels: list[dict[str, Any]], indent: int, shared: _Shared) -> list[str]:
    """Top-level panels; an expanded row takes the panels that follow it up to the next row."""
    out: list[str] = []
    index = 0
    while index < len(panels):
        panel = panels[index]
        index += 1
        if panel.get("type") != "row":
            out.append(panel_code(panel, indent, 1, shared))
            continue
        children: list[dict[str, Any]] = []
        if panel.get("collapsed") is not True:
            while index < len(panels) and panels[index].get("type") != "row":
                children.append(panels[index])
                index += 1
        out.append(_row(panel, children, indent, 1, shared))
    return out
