"""What `vobs diff` and `vobs publish` print of narrative playlists: diff rows, their text lines and
tallies, and the Markdown section. Pure: plain rows in, text out; imports `playlists` for its
statuses and `guard` for escaping."""

from __future__ import annotations

from typing import Any, Sequence

from vertice_obs.grafana.playlists import (
    DIFF_STATUS,
    DRIFT,
    ORPHANED,
    UNCHANGED,
    UNKNOWN,
    PlaylistAction,
)


def text_lines(rows: Sequence[dict[str, Any]], width: int, show: Any) -> list[str]:
    """`vobs diff`'s text lines for playlist rows, aligned with the dashboards' (`show` escapes)."""
    out = []
    for p in rows:
        mark = {"added": "+", "changed": "~", ORPHANED: "!"}.get(p["status"], " ")
        label = f"playlist:{show(p['narrative'])}"
        out.append(f"{mark} {label:<{width}}  {shown_status(p):<9}  {show(p['title'])}".rstrip())
        out += [f"      {show(change)}" for change in p["changes"]]
    return out


def shown_status(row: dict[str, Any]) -> str:
    """A diff row's status for people: `drifted` for a changed playlist publish will skip."""
    return "drifted" if row.get("drifted") else row["status"]


def diff_tally(rows: Sequence[dict[str, Any]]) -> str:
    """`vobs diff`'s playlist tally: `2 changed (1 drifted), 3 unchanged`, as the dashboards' reads."""
    tally, drifted = tally_of([p["status"] for p in rows]), sum(bool(p.get("drifted")) for p in rows)
    return tally.replace(" changed", f" changed ({drifted} drifted)", 1) if drifted else tally


def diff_entry(a: PlaylistAction) -> dict[str, Any]:
    """One of `vobs diff --format json`'s `playlists`: the dashboards' keys (uid, title, status,
    changes, drifted) and the `narrative`."""
    lines = ([a.reason] if a.kind == DRIFT else []) + (a.changes if a.kind != UNCHANGED else [])
    return {"narrative": a.desired.narrative, "uid": a.uid, "title": a.desired.name,
            "status": DIFF_STATUS[a.kind], "changes": lines, "drifted": a.kind == DRIFT}


def markdown(rows: Sequence[tuple[str, str, str, str]], publish: bool = False) -> str:
    """A `Playlists` section for the pull-request comment (only what changes) or the publish summary
    (every playlist): rows of (narrative, name, status, detail). Empty when there is nothing to say."""
    from vertice_obs.guard.markdown import md, md_code

    shown = [r for r in rows if publish or r[2] != "unchanged"]
    if not shown:
        return ""
    quiet, unsure = len(rows) - len(shown), sum(r[2] == UNKNOWN for r in rows) if publish else 0
    lines = ["", f"**Playlists:** {tally_of([r[2] for r in rows])}", ""]
    lines += [f"**{unsure} playlist{'' if unsure == 1 else 's'} of unknown outcome.** The write was sent and never "
              "answered: Grafana may have saved it; run `vobs diff` to see, then `vobs publish` again to finish "
              "(it reads the playlist there and makes no second one).", ""] if unsure else []
    lines += ["| Playlist | Narrative | " + ("Result" if publish else "Change") + " | Detail |", "|---|---|---|---|"]
    lines += [f"| {md(name, 150) or '(untitled)'} | {md_code(narrative, 60)} | {md(status, 40)} | "
              f"{md(detail, 500)} |" for narrative, name, status, detail in shown]
    if quiet:
        lines += ["", f"{quiet} unchanged playlist(s) not listed."]
    return "\n".join(lines + ["", ""])


_ORDER = ("failed", UNKNOWN, "skipped-drift", "added", "changed", ORPHANED, "create", "update", "created", "updated",
          "unchanged")


def tally_of(statuses: Sequence[str]) -> str:
    """`2 changed, 1 orphaned, 5 unchanged`: each status counted, the ones to act on first."""
    known = [s for s in _ORDER if s in statuses] + sorted(set(statuses) - set(_ORDER))
    return ", ".join(f"{statuses.count(s)} {s}" for s in known)
