"""What a change does to a live dashboard, said per panel. Pure functions over normalised models.

`panel "Dopamine spike rate": target A expr `old` → `new`` rather than a JSON path: each desired
panel is paired with its live one by `pairing` (a row with a row only, a panel in its own row
first, by title before id); what is left over is added or removed. deepdiff finds the remaining
differences inside a panel or the dashboard, key by key.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vertice_obs.finding import panel_label, panel_title
from vertice_obs.grafana.normalize import canonical_text, normalize
from vertice_obs.grafana.pairing import LEGACY, Placed, pairs, placed
from vertice_obs.guard.text import escape

ADDED, REMOVED, CHANGED, UNCHANGED, ORPHANED = "added", "removed", "changed", "unchanged", "orphaned"
ADOPTED = "adopted"  # the same as live, but not recorded as vobs': publish saves it once with vobs' record
OWNED = "owned"  # another project's (tagged `vertice-obs:<other id>`): publish skips it (skipped-owned) without --force


@dataclass
class DashboardDiff:
    uid: str
    title: str
    status: str
    changes: list[str] = field(default_factory=list)
    provisioned: bool = False  # OWNED by a provisioning file in Grafana: publish never saves it (`provisioned`)

    def to_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "title": self.title, "status": self.status, "changes": self.changes,
                **({"provisioned": True} if self.provisioned else {})}


def diff_dashboard(uid: str, desired: dict[str, Any] | None, live: dict[str, Any] | None) -> DashboardDiff:
    """`desired` is what the code renders, `live` what Grafana has (either may be None)."""
    if live is None:
        return DashboardDiff(uid, (desired or {}).get("title", ""), ADDED, ["dashboard will be created"])
    if desired is None:
        return DashboardDiff(uid, live.get("title", ""), REMOVED, ["dashboard is not in code"])
    a, b = normalize(live), normalize(desired)
    if a == b:
        return DashboardDiff(uid, b.get("title", ""), UNCHANGED)
    changes: list[str] = []
    if a.get("title") != b.get("title"):
        changes.append(f"title changed: {a.get('title')!r} → {b.get('title')!r}")
    changes += _variables(a, b)
    changes += _panels(a, b)
    rest_a = {k: v for k, v in a.items() if k not in ("title", "panels", "templating")}
    rest_b = {k: v for k, v in b.items() if k not in ("title", "panels", "templating")}
    changes += _generic("dashboard", rest_a, rest_b)
    return DashboardDiff(uid, b.get("title", ""), CHANGED, changes or ["changed (key order or defaults only)"])


def moved(d: DashboardDiff, live_folder: str, folder: str, live_uid: str = "", uid: str = "",
          adopted: bool = False) -> DashboardDiff:
    """`d` plus the move a publish makes when the live dashboard sits in another folder than its
    narrative's (a renamed or re-parented folder): a change, whatever the content says. Two folders
    of one path are told apart by their uids (`live_uid`, `uid`), and the way to stay said.
    `adopted`: the narrative adopts the folder `uid` (`folder_uid:`) — both folders are named by
    uid, and the way to stay is to change that line, not to add one."""
    if adopted:
        now = f"folder {live_folder!r} (uid {live_uid})" if live_uid else "the General folder"
        keep = (f": to keep it where it is, change the narrative's `folder_uid: {uid}` to `folder_uid: {live_uid}`"
                if live_uid else " (a narrative's dashboards live in its folder)")
        return with_change(d, f"moved from {now} into folder {folder!r} (uid {uid}), the folder its narrative "
                              f"adopts{keep}")
    if live_folder == folder and live_uid and uid and live_uid != uid:
        return with_change(d, f"moved from folder {live_folder!r} (uid {live_uid}) to another folder of that path, "
                              f"its narrative's (uid {uid}): add `folder_uid: {live_uid}` to the narrative to keep it "
                              "where it is")
    return with_change(d, f"moved from folder {live_folder!r} to its narrative's folder {folder!r}")


def owned(d: DashboardDiff, why: str) -> DashboardDiff:
    """`d` as another project's dashboard, which publish skips without --force (`skipped-owned`):
    `why` (whose it is, and what to do) first, then what --force would change."""
    return DashboardDiff(d.uid, d.title, OWNED, [why, *d.changes])


def provisioned(d: DashboardDiff, why: str) -> DashboardDiff:
    """`d` as a dashboard Grafana holds from a provisioning file and refuses to save through the API:
    publish skips it, --force too (`skipped-provisioned`) — `why` first, then what differs. `owned`
    (another owner holds the uid) in JSON, with `"provisioned": true`."""
    return DashboardDiff(d.uid, d.title, OWNED, [why, *d.changes], provisioned=True)


def with_change(d: DashboardDiff, change: str) -> DashboardDiff:
    """`d` plus a change a publish makes beyond the dashboard's content — a move (`moved`), or what
    it does to the folders the dashboard sits in (`folder 'web-shop' → 'Shop', moved into 'Web'`):
    a change, whatever the content says."""
    return DashboardDiff(d.uid, d.title, CHANGED if d.status in (UNCHANGED, ADOPTED) else d.status,
                         [*d.changes, change], d.provisioned)


def unified(uid: str, desired: dict[str, Any] | None, live: dict[str, Any] | None, color: bool = False) -> str:
    """A unified diff of the normalised JSON (live → desired), optionally coloured for a terminal."""
    before = canonical_text(live).splitlines(keepends=True) if live else []
    after = canonical_text(desired).splitlines(keepends=True) if desired else []
    # Control characters in the live JSON (JSON escapes C0 but not C1) are made visible first.
    lines = [escape(line) for line in difflib.unified_diff(before, after, f"grafana/{uid}.json", f"code/{uid}.json")]
    if not color:
        return "".join(lines)
    import click  # the CLI's styling, one mechanism for colour (click.echo strips it when not a terminal)

    paint = {"+": "green", "-": "red", "@": "cyan"}
    return "".join(click.style(l.rstrip("\n"), fg=paint[l[0]]) + "\n" * l.endswith("\n")
                   if l[:1] in paint and not l.startswith(("+++", "---")) else l for l in lines)


def _list(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list; anything else (a server's JSON may have any shape) holds none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _variables(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    va = {str(v.get("name")): v for v in _list(_dict(a.get("templating")).get("list"))}
    vb = {str(v.get("name")): v for v in _list(_dict(b.get("templating")).get("list"))}
    out = [f"variable ${name} added" for name in vb if name not in va]
    out += [f"variable ${name} removed" for name in va if name not in vb]
    for name in va.keys() & vb.keys():
        if va[name] != vb[name]:
            qa, qb = va[name].get("query"), vb[name].get("query")
            detail = f": query {_change(qa, qb)}" if qa != qb else ""
            out.append(f"variable ${name} changed{detail}")
    return sorted(out)


def _legacy_rows(model: dict[str, Any]) -> list[Any]:
    """The panels of a dashboard's legacy `rows[]` (schema < 16), normalised: so that the panels of
    a migrated dashboard are compared with their originals, not all said removed and added."""
    rows = [p for row in _list(model.get("rows")) for p in _list(row.get("panels"))]
    return _list(normalize({"panels": rows})["panels"])


def _panels(live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    old = [Placed(_shown(p.panel), p.section) for p in placed(live.get("panels"), _legacy_rows(live))]
    new = [Placed(_shown(p.panel), p.section) for p in placed(desired.get("panels"))]
    found, unmatched_old = pairs(old, new)
    out = []
    for pair in found:
        o, p = (pair.live.panel if pair.live else None), pair.desired.panel
        name = _label(p)
        if o is None:
            out.append(f"{name} added")
            continue
        if o.get("title") != p.get("title"):
            out.append(f"{_label(o)} renamed to {panel_title(p.get('title')) or 'no title'}")
        if pair.rows:
            out.append(f"{name} {_row_move(*pair.rows)}")
        if o == p:
            continue
        if o.get("gridPos") != p.get("gridPos"):
            out += _position(name, o, p, pair.live.section == LEGACY)
        out += _targets(name, _list(o.get("targets")), _list(p.get("targets")))
        rest_o = {k: v for k, v in o.items() if k not in ("title", "gridPos", "targets", "panels", "id")}
        rest_p = {k: v for k, v in p.items() if k not in ("title", "gridPos", "targets", "panels", "id")}
        out += _generic(name, rest_o, rest_p)
    out += [f"{_label(o.panel)} removed" for o in unmatched_old]
    return out


def _label(panel: dict[str, Any]) -> str:
    """`panel 'Latency'`; one without a title by its id (`panel #3`): what a reader finds it by."""
    return panel_label(panel.get("title"), None if panel_title(panel.get("title")) else panel.get("id"))


def _row_move(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """`moved from row 'A' to row 'B'`, `moved into row 'B'` (from the top level), `moved out of row 'A'`."""
    if before is None:
        return f"moved into {_row_name(after)}"
    return f"moved out of {_row_name(before)}" if after is None else \
        f"moved from {_row_name(before)} to {_row_name(after)}"


def _row_name(row: dict[str, Any]) -> str:
    """`row 'A'`; one without a title by its id (`row #3`), else `untitled row`: as `_label` names
    panels, never `row ''`."""
    title = panel_title(row.get("title"))
    if title is not None:
        return f"row {title}"
    return f"row #{row['id']}" if row.get("id") is not None else "untitled row"


def _position(name: str, old: dict[str, Any], new: dict[str, Any], legacy: bool) -> list[str]:
    """`moved: (0,0 12×8) → (0,8 12×8)` where both sides have a position; where one has none (a
    panel of a legacy `rows[]` is placed by span and height, no gridPos), what the other says."""
    a, b = _pos(old), _pos(new)
    if a and b:
        return [f"{name} moved: {a} → {b}"]
    if b:
        return [f"{name} placed at {b} (no position before{': a legacy row' if legacy else ''})"]
    if a:
        return [f"{name} position removed (was {a})"]
    return _generic(name, {"gridPos": old.get("gridPos")}, {"gridPos": new.get("gridPos")})


def _shown(panel: dict[str, Any]) -> dict[str, Any]:
    """The panel as the diff words it: without empty `fieldConfig` parts (`defaults.custom: {}`,
    `defaults: {}`, `overrides: []`), which Grafana's UI writes on a save and reads as absent. Only
    here, not in `normalize`: the content hash publish records must stay what it was, or every
    dashboard published before would look edited in Grafana. Such a difference alone is still a
    change (publish would save it): "changed (key order or defaults only)"."""
    config = panel.get("fieldConfig")
    if not isinstance(config, dict):
        return panel
    config = dict(config)
    if isinstance(config.get("defaults"), dict) and config["defaults"].get("custom") == {}:
        config["defaults"] = {k: v for k, v in config["defaults"].items() if k != "custom"}
    config = {k: v for k, v in config.items() if not (k in ("defaults", "overrides") and v in ({}, []))}
    out = {k: v for k, v in panel.items() if k != "fieldConfig"}
    return dict(out, fieldConfig=config) if config else out


def _targets(name: str, live: list[Any], desired: list[Any]) -> list[str]:
    ta = {str(t.get("refId")): t for t in live if isinstance(t, dict)}
    tb = {str(t.get("refId")): t for t in desired if isinstance(t, dict)}
    out = []
    for ref, t in tb.items():
        if ref not in ta:
            out.append(f"{name}: target {ref} added: {_short(t.get('expr'))}")
        elif ta[ref] != t:
            if ta[ref].get("expr") != t.get("expr"):
                out.append(f"{name}: target {ref} expr {_change(ta[ref].get('expr'), t.get('expr'))}")
            # `query` where both sides only repeat their `expr` (grafanalib writes both): else a
            # changed query was said twice, doubling a pull-request comment
            mirror = all(x.get("query") == x.get("expr") for x in (ta[ref], t))
            skip = ("expr", "query") if mirror else ("expr",)
            out += _generic(f"{name}: target {ref}", {k: v for k, v in ta[ref].items() if k not in skip},
                            {k: v for k, v in t.items() if k not in skip})
    out += [f"{name}: target {ref} removed" for ref in ta if ref not in tb]
    return out


def _generic(prefix: str, live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    if live == desired:
        return []
    # Lists of plain values (tags, a reducer's calcs) are said by value, not by deepdiff's index:
    # what it names an index is one of its edit script, not where a value is or what it was.
    by_value: list[str] = []
    desired = _plain_lists(live, desired, "", by_value)
    lists = [f"{prefix}: {change}" for change in sorted(by_value)]
    if live == desired:
        return lists
    # Each key that changed, never the whole object (deepdiff's default beyond a third changed), and
    # `__inputs`/`__requires` too (deepdiff skips `__` keys by default; normalisation keeps them).
    # Imported here: deepdiff brings numpy (~150 ms), paid only when a dashboard differs.
    from deepdiff import DeepDiff

    delta = DeepDiff(live, desired, ignore_order=False, verbose_level=2, threshold_to_diff_deeper=0,
                     ignore_private_variables=False)
    out = []
    for kind, items in sorted(delta.items()):
        for path, value in sorted(items.items()) if isinstance(items, dict) else []:
            where = path.removeprefix("root")
            if kind == "values_changed" or kind == "type_changes":
                out.append(f"{prefix}: {where} {_change(value.get('old_value'), value.get('new_value'))}")
            elif kind.endswith("_added"):
                out.append(f"{prefix}: {where} added")
            elif kind.endswith("_removed"):
                out.append(f"{prefix}: {where} removed")
    return out + lists or [f"{prefix}: changed"]


_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """A JSON list of plain values only (strings, numbers, booleans, nulls), an empty one too."""
    return isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value)


def _plain_lists(live: Any, desired: Any, path: str, out: list[str]) -> Any:
    """`desired` with each list of plain values that differs from `live`'s at the same path set to
    `live`'s, what changed in it said by value into `out` (`['tags'] added 'db', 'pg'`). A key only
    one side has is such a list from or to empty. Dicts are walked by key and other lists by index,
    as deepdiff pairs them, so what is left for deepdiff is what this did not say."""
    if isinstance(live, dict) and isinstance(desired, dict):
        kept: dict[str, Any] = {}
        for key, value in desired.items():
            where = f"{path}[{key!r}]"
            if key in live:
                kept[key] = _plain_lists(live[key], value, where, out)
            elif value and _plain(value):
                out.append(f"{where} {_by_value([], value)}")
            else:
                kept[key] = value
        for key, value in live.items():
            if key not in desired and value and _plain(value):
                out.append(f"{path}[{key!r}] {_by_value(value, [])}")
                kept[key] = value
        return kept
    if _plain(live) and _plain(desired):
        if live != desired:
            out.append(f"{path} {_by_value(live, desired)}")
        return live
    if isinstance(live, list) and isinstance(desired, list):
        return [_plain_lists(a, b, f"{path}[{i}]", out) for i, (a, b) in enumerate(zip(live, desired))] + \
            desired[len(live):]
    return desired


def _by_value(old: list[Any], new: list[Any]) -> str:
    """`added 'a', 'b'; removed 'c'` (each as often as it was added or removed), or — the same values
    in another order, which Grafana shows — `reordered: 'a', 'b' → 'b', 'a'`."""
    added, removed = _minus(new, old), _minus(old, new)
    if not added and not removed:
        return f"reordered: {_values(old)} → {_values(new)}"
    return "; ".join([f"added {_values(added)}"] * bool(added) + [f"removed {_values(removed)}"] * bool(removed))


def _minus(values: list[Any], other: list[Any]) -> list[Any]:
    """The values not matched one for one in `other`, in their order."""
    left = Counter(other)
    out = []
    for v in values:
        if left[v]:
            left[v] -= 1
        else:
            out.append(v)
    return out


def _values(values: list[Any], limit: int = 200) -> str:
    """`'a', 'b', 3`, each value cut to 60 characters, and as many as fit in `limit`: `… and 4 more`."""
    shown = []
    for v in values:
        text = repr(v) if isinstance(v, str) else json.dumps(v)
        shown.append(text[:58] + "…" + text[0] if isinstance(v, str) and len(text) > 60 else text)
    kept = len(shown)
    while kept > 1 and len(", ".join(shown[:kept])) > limit:
        kept -= 1
    return ", ".join(shown[:kept]) + (f", … and {len(shown) - kept} more" if kept < len(shown) else "")


def _pos(p: dict[str, Any]) -> str | None:
    """`(x,y w×h)`, a part that is missing as `?` and any other as JSON (a number as written); None where
    the panel has no position (no gridPos, or none of its four parts)."""
    g = _dict(p.get("gridPos"))
    if all(g.get(k) is None for k in "xywh"):
        return None
    x, y, w, h = ("?" if v is None else json.dumps(v, ensure_ascii=False) for v in (g.get(k) for k in "xywh"))
    return f"({x},{y} {w}×{h})"


def _as_text(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _short(value: Any, limit: int = 200) -> str:
    text = _as_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…`"


def _change(old: Any, new: Any, limit: int = 200) -> str:
    """`old → new`, each cut to `limit` characters. Two long values that differ only past that
    would read alike ("chapter 1 of 2 …" → the same): those are cut around their first difference
    instead, so the change is what shows."""
    a, b = _short(old, limit), _short(new, limit)
    if a != b:
        return f"{a} → {b}"
    a, b = _as_text(old), _as_text(new)
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    # both were cut alike: their first `limit - 1` characters are the same, so the window starts
    # past the beginning and its `…` always says so
    start = first - limit // 4
    return f"{_window(a, start, limit)} → {_window(b, start, limit)}"


def _window(text: str, start: int, limit: int) -> str:
    piece = text[start:start + limit]
    return "…" + piece + ("…" if start + limit < len(text) else "")
