"""What `vobs diff` says of the folders a publish would make, change, adopt or refuse (`folder_plan`),
and of those no narrative needs any more (`folder_orphans`): its JSON rows (`folders`), and — for
the ones to act on (another project's, drifted, adopted, orphaned), as the dashboards' rows already
say a folder made, renamed or moved — its text lines and Markdown section. Pure: a plan in, rows
and text out."""

from __future__ import annotations

from typing import Any, Sequence

from vertice_obs.grafana.folder_orphans import ORPHANED
from vertice_obs.grafana.folder_owners import (
    ADOPT,
    CREATE,
    DRIFT,
    OWNED,
    UNCHANGED,
    UPDATE,
)
from vertice_obs.grafana.folder_plan import FolderPlan
from vertice_obs.grafana.folders import Folder

ADDED, CHANGED, ADOPTED = "added", "changed", "adopted"
SHOWN = (ADOPTED, OWNED, ORPHANED)  # with drifted ones: the rows text and Markdown show (what to act on)


def diff_rows(plan: FolderPlan, made: Sequence[Folder], project_id: str | None) -> list[dict[str, Any]]:
    """One of `vobs diff --format json`'s `folders` per folder the narratives' paths need, parents
    first — the dashboards' keys (uid, title, status, changes, drifted) and `parent_uid`. A folder to
    create that publish would not make (no dashboard is written into it) is left out."""
    refused = dict(zip([v.folder.uid for v in plan.verdicts if v.kind in (OWNED, DRIFT) and v.live is not None],
                       plan.refusals(project_id)))
    making, rows = {f.uid for f in made}, []
    for v in plan.verdicts:
        uid = v.folder.uid
        if v.kind == CREATE and uid not in making:
            continue
        status, changes = {CREATE: (ADDED, ["folder will be created"]),
                           UPDATE: (CHANGED, [plan.said.get(uid, "")]),
                           ADOPT: (CHANGED if uid in plan.updates else ADOPTED, [plan.said.get(uid, v.reason)]),
                           UNCHANGED: (UNCHANGED, [v.reason] if v.reason else []),
                           OWNED: (OWNED, [refused.get(uid, v.reason)]),
                           DRIFT: (CHANGED, [refused.get(uid, v.reason)])}[v.kind]
        rows.append({"uid": uid, "title": v.folder.title, "parent_uid": v.folder.parent_uid or None, "status": status,
                     "changes": [c for c in changes if c], "drifted": v.kind == DRIFT})
    return rows


def shown(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows text and Markdown show: another project's, drifted, adopted, orphaned."""
    return [r for r in rows if r["status"] in SHOWN or r["drifted"]]


def text_lines(rows: Sequence[dict[str, Any]], width: int, show: Any) -> list[str]:
    """`vobs diff`'s text lines for folder rows (`shown`), aligned with the dashboards' (`show` escapes)."""
    out = []
    for r in shown(rows):
        mark = {CHANGED: "~", ADOPTED: "=", OWNED: "x", ORPHANED: "!"}.get(r["status"], " ")
        status = "drifted" if r["drifted"] else r["status"]
        out.append(f"{mark} {'folder:' + show(r['uid']):<{width}}  {status:<9}  {show(r['title'])}".rstrip())
        out += [f"      {show(change)}" for change in r["changes"]]
    return out


def label_width(rows: Sequence[dict[str, Any]], show: Any) -> int:
    return max((len(f"folder:{show(r['uid'])}") for r in shown(rows)), default=0)


def tally(rows: Sequence[dict[str, Any]]) -> str:
    """`1 drifted, 2 adopted, 1 orphaned`: the shown rows counted, "" when there are none."""
    statuses = ["drifted" if r["drifted"] else r["status"] for r in shown(rows)]
    return ", ".join(f"{statuses.count(s)} {s}" for s in ("drifted", OWNED, ADOPTED, ORPHANED) if s in statuses)


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """A `Folders` section for the pull-request comment: the shown rows; "" when there are none."""
    from vertice_obs.guard.markdown import md, md_code

    rows = shown(rows)
    if not rows:
        return ""
    lines = ["", f"**Folders:** {tally(rows)}", "", "| Folder | uid | Change | Detail |", "|---|---|---|---|"]
    lines += [f"| {md(r['title'], 150)} | {md_code(r['uid'], 60)} | "
              f"{'⚠️ drifted' if r['drifted'] else md(r['status'], 40)} | {md('; '.join(r['changes']), 500)} |"
              for r in rows]
    return "\n".join(lines + ["", ""])
