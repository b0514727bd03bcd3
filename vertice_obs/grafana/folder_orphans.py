"""Folders vobs wrote that no narrative needs any more — orphaned, as dashboards (`survey.orphans`)
and playlists (`playlists.orphaned`) are. A narrative's `folder:` changed (`MAXIMUS/Dopamine` →
`MAXIMUS/Neuro`), or a narrative removed, leaves its old folder in Grafana, perhaps empty: a
whole-project `vobs diff` and `vobs publish` name it, with what it still holds. vobs deletes nothing.

A folder is this project's orphan when the newest of vobs' records of its uid (`folder_owners`) is
this project's (tagged `vertice-obs:<id>`; untagged, for a project without an id — as a dashboard
with the managed tag only is such a project's), and no narrative of the project needs it: not as a
folder of its path's chain (`folders.folder_chain`: a parent is needed while a folder under it is),
not as the folder it adopts (`folder_uid:`), and not as one holding a needed folder (deleting it in
Grafana would delete that one too). No request of its own: the folders, the search of every
dashboard and the records are what diff and publish read anyway — the records are read (once, see
`FolderRecords.read`) only when some folder no narrative needs exists. Pure but for that read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping, Sequence

from vertice_obs.grafana.folder_owners import held_by, mine, project_words, records_of
from vertice_obs.grafana.folders import Folder, folder_chain, paths, walk_up

ORPHANED = "orphaned"


@dataclass(frozen=True)
class OrphanFolder:
    uid: str
    title: str
    parent_uid: str  # as Grafana has it: "" at the top level
    path: str  # its whole path in Grafana, as a narrative writes it (`MAXIMUS/Dopamine`)
    dashboards: int  # the dashboards in it and in folders inside it that stay there (of those the search lists)
    subfolders: int  # the folders inside it, at any depth
    others: str = ""  # other projects whose dashboards it holds, in words (`project 'beta'`): "" none
    moving: int = 0  # this project's dashboards in it that the publish moves to their narrative's folder

    def to_dict(self) -> dict[str, Any]:
        """One of publish's `orphaned_folders` (schemas/output/publish.schema.json)."""
        return {"uid": self.uid, "title": self.title, "parent_uid": self.parent_uid or None, "path": self.path,
                "dashboards": self.dashboards, "subfolders": self.subfolders, "detail": self.detail}

    @property
    def contents(self) -> str:
        """`empty`, `3 dashboards and 1 folder`."""
        said = [_plural(self.dashboards, "dashboard")] if self.dashboards else []
        said += [_plural(self.subfolders, "folder")] if self.subfolders else []
        return " and ".join(said) or "empty"

    @property
    def detail(self) -> str:
        """Why it is an orphan, and what it holds: publish's table row, diff's first line."""
        holds = "it is empty" if self.contents == "empty" else f"it holds {self.contents}"
        if self.others:
            holds += f", among them {self.others}'s (that project may still use it)"
        if self.moving:
            holds += (f" once publish has moved this project's {_plural(self.moving, 'dashboard')} in it to "
                      "their narrative's folder")
        return f"folder {self.path!r}: this project's, and no narrative's folder path needs it any more; {holds}"

    @property
    def delete(self) -> str:
        return DELETE.replace("<uid>", self.uid)


HOW = ("the folder's Delete in Grafana's folder view, or DELETE /api/folders/<uid> with a token that may delete it; "
       "deleting a folder deletes what it holds: move out first any dashboard you keep")
DELETE = f"vobs deletes nothing: delete it in Grafana if you no longer want it ({HOW})"


def needed(narratives: Iterable[Any], nested: bool, adopts: bool) -> set[str]:
    """The uids of every folder the project's narratives need on this target: each folder of a
    `folder:` path's chain, or the folder a narrative adopts (`folder_uid:`, where the target adopts
    folders; a provisioning folder places it by its path)."""
    out: set[str] = set()
    for n in narratives:
        if n.folder_uid and adopts:
            out.add(n.folder_uid)
        else:
            out.update(f.uid for f in folder_chain(n.folder, nested))
    return out


def orphans(existing: Mapping[str, Folder], wanted: set[str], read: Any, project_id: str | None,
            hits: Sequence[Mapping[str, Any]], nested: bool, where: str, moving: Collection[str] = ()
            ) -> list[OrphanFolder]:
    """This project's folders in `existing` (the target's folders) that no narrative needs (`wanted`,
    `needed`'s), by path. `read`: the records, asked (`FolderRecords.read`) only when some folder is
    not needed; `hits`: the search of every dashboard, whose folders count what each holds — but for
    the dashboards the publish writes (`moving`: each goes to its narrative's folder, never an orphan)."""
    parent = {uid: f.parent_uid for uid, f in existing.items()}
    keep = {u for uid in wanted if uid in existing for u in walk_up(uid, lambda u: parent.get(u, ""), where)}
    candidates = sorted(uid for uid in existing if uid not in keep)
    if not candidates:
        return []
    records, own = read(), mine(project_id)
    ours = [uid for uid in candidates if records.get(uid) and records[uid][0].owners == own]
    if not ours:
        return []
    children: dict[str, list[str]] = {}
    for uid, up in parent.items():
        if up in existing and up != uid:
            children.setdefault(up, []).append(uid)
    held: dict[str, int] = {}
    moved: dict[str, int] = {}
    for hit in hits:
        folder, tally = hit.get("folderUid"), moved if str(hit.get("uid")) in moving else held
        if isinstance(folder, str) and folder:
            tally[folder] = tally.get(folder, 0) + 1
    out, others, named = [], held_by(hits, project_id), paths(existing, nested, where)
    for uid in ours:
        inside, queue = set(), list(children.get(uid, []))
        while queue:  # server data: a visited set, never an endless walk
            child = queue.pop()
            if child not in inside and child != uid:
                inside.add(child)
                queue += children.get(child, [])
        f, here = existing[uid], {uid, *inside}
        whose = {tag for u in here for tag in others.get(u, ())}
        out.append(OrphanFolder(uid, f.title, f.parent_uid, named[uid],
                                sum(held.get(u, 0) for u in here), len(inside), project_words(whose) if whose else "",
                                sum(moved.get(u, 0) for u in here)))
    return sorted(out, key=lambda o: (o.path, o.uid))


def find(target: Any, narratives: Iterable[Any], project_id: str | None, hits: Sequence[Mapping[str, Any]],
         moving: Collection[str], existing: Mapping[str, Folder] | None = None, ledger: Any = None
         ) -> list[OrphanFolder]:
    """`orphans` of a destination: its folders (`existing`, when the caller read them; else read
    here), its records (`ledger`, the plan's `FolderRecords`, read once; else the target's). A
    destination that keeps no records (a provisioning folder) has none: nothing is asked."""
    ledger = ledger if ledger is not None else records_of(target, project_id)
    if ledger is None:
        return []
    existing = target.folders() if existing is None else existing
    return orphans(existing, needed(narratives, target.nested_folders, target.adopts_folders), ledger.read,
                   project_id, hits, target.nested_folders, target.description, moving)


def diff_row(o: OrphanFolder) -> dict[str, Any]:
    """One of `vobs diff --format json`'s `folders` (`folder_report.diff_rows`' keys, status
    `orphaned`): title and parent as Grafana has them, plus `path`, `dashboards` and `subfolders`."""
    return {"uid": o.uid, "title": o.title, "parent_uid": o.parent_uid or None, "status": ORPHANED,
            "changes": [o.detail, o.delete], "drifted": False, "path": o.path, "dashboards": o.dashboards,
            "subfolders": o.subfolders}


def table_rows(lost: Sequence[OrphanFolder]) -> list[tuple[str, str, str]]:
    """`orphaned` rows of publish's table, after the dashboards' (`folder:<uid>`, as diff labels it)."""
    return [(f"folder:{o.uid}", ORPHANED, o.detail) for o in lost]


def advice(lost: Sequence[OrphanFolder], where: str) -> str:
    """The line after publish's table when folders are orphaned (as `orphan_advice` is for dashboards)."""
    full = sum(o.contents != "empty" for o in lost)
    holding = f"{full} not empty" if full else "empty" if len(lost) == 1 else "all empty"
    return (f"orphaned: {_plural(len(lost), 'folder')} of this project's left in {where} ({holding}) and needed by no "
            f"narrative's folder path: vobs deletes nothing — delete each you no longer want ({HOW})")


def markdown(lost: Sequence[OrphanFolder]) -> str:
    """The step summary's paragraph of orphaned folders, "" when there are none."""
    from vertice_obs.guard.markdown import md, md_code

    if not lost:
        return ""
    named = ", ".join(f"{md(o.path, 150)} {md_code(o.uid, 60)} ({o.contents})"
                      for o in lost[:50]) + (f", and {len(lost) - 50} more" if len(lost) > 50 else "")
    return (f"**Orphaned: {_plural(len(lost), 'folder')} of this project left in Grafana and needed by no narrative's "
            "folder path** (vobs deletes nothing; delete each you no longer want in Grafana — deleting a folder "
            f"deletes what it holds): {named}.")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
