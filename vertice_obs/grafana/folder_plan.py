"""The folders a publish makes, renames, moves, adopts or refuses — planned with reads only, for
`vobs publish` (`publish.plan_publish`) and `vobs diff`, so that both say the same.

A narrative's folder path is a chain of folders (`folders.folder_chain`); each one the target has
is judged by vobs' records of whose it is (`folder_owners`): another project's, or one changed in
Grafana since vobs last wrote it, is refused before any write unless `--force`; one made before
the records is adopted. A folder that adopts (`folder_uid:`) is used as it is, never judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.errors import InputError
from vertice_obs.grafana.folder_owners import (
    ADOPT,
    REFUSED,
    Verdict,
    judge_all,
    records_of,
    refusal,
)
from vertice_obs.grafana.folders import (
    Folder,
    folder_chain,
    needed,
    to_update,
    twins,
    update_words,
)
from vertice_obs.grafana.live import Destination
from vertice_obs.grafana.pull import known_folders


@dataclass
class FolderPlan:
    folders: list[Folder]  # to create or update, parents first
    updates: dict[str, Folder]  # of those, the existing ones: uid → as they are
    said: dict[str, str]  # uid → what its update changes, in words
    notes: dict[str, str]  # uid → a warning: a folder made beside a same-titled one (`twins`)
    verdicts: list[Verdict] = field(default_factory=list)  # every folder the paths need, parents first
    paths: dict[str, str] = field(default_factory=dict)  # uid → the (first) folder path that needs it
    ledger: Any = None  # where its records go (`folder_owners.FolderRecords`), None: the target keeps none

    def made(self, written: Iterable[str]) -> tuple[list[Folder], list[str]]:
        """The folders a publish writing dashboards into the folders `written` (uids) makes
        (`folders.needed`: a folder to create only when a dashboard goes into it), and the warnings
        of those."""
        kept = needed(self.folders, self.updates, written)
        uids = {f.uid for f in kept}
        return kept, [note for uid, note in self.notes.items() if uid in uids]

    def to_record(self, made: Sequence[Folder]) -> list[Folder]:
        """Of the folders made (`made`), those publish records as this project's, and every one it
        adopts (recorded, written or not), parents first."""
        uids = {f.uid for f in made}
        return [v.folder for v in self.verdicts if self.ledger is not None and (v.folder.uid in uids or v.kind == ADOPT)]

    def adopted(self) -> dict[str, str]:
        """uid → why it is adopted, for each folder publish records as this project's for the first time."""
        return {v.folder.uid: v.reason for v in self.verdicts if v.kind == ADOPT}

    def refusals(self, project_id: str | None) -> list[str]:
        """Why publish refuses this plan, one line per folder (`folder_owners.refusal`): [] when it does not."""
        return [refusal(v, self.paths[v.folder.uid], update_words(v.folder, v.live, self.titles), project_id)
                for v in self.verdicts if v.kind in REFUSED and v.live is not None]

    @property
    def titles(self) -> dict[str, str]:
        return {v.folder.uid: v.folder.title for v in self.verdicts}


def folder_plan(homes: Iterable[tuple[str, str]], target: Destination, existing: dict[str, Folder] | None = None,
                hits: Sequence[Mapping[str, Any]] = (), project_id: str | None = None, force: bool = False
                ) -> FolderPlan:
    """For the narratives' folders (`homes`: (path, adopted uid or "")): the folders to create or
    update, parents first; of those the existing ones as they are (uid → folder); what an update
    changes, in words (uid → `folder 'web-shop' → 'Shop', moved into 'Web'`); warnings by uid (a
    folder to create beside an existing one of its title, `twins`, where the target makes such a
    twin — one that refuses it refuses the plan, `publish.reserved_refusals`); and whose each
    existing one is (`folder_owners.judge_all`: `hits`, the search of every dashboard, tells whose
    an unrecorded one holds). An adopted folder is used as it is; one the target does not have (not
    in its folders, nor found looked up alone) is an `InputError`, before any write — one the token
    may not read (403) said as such, not as gone. One read of the target's folders, unless
    `existing` is that read already; one of the records, when a folder wanted exists."""
    homes = sorted(set(homes))
    nested = target.nested_folders
    # an adopted folder the walk from the root does not reach (its parent not readable): asked alone
    unreadable: set[str] = set()
    existing = known_folders(target, (uid for _, uid in homes if uid),
                             target.folders() if existing is None else existing, unreadable)
    gone = [(path, uid) for path, uid in homes if uid and uid not in existing]
    if gone and gone[0][1] in unreadable:
        raise InputError(f"folder_uid {gone[0][1]!r} (folder {gone[0][0]!r}): the token may not read that folder in "
                         f"{target.description} (403, a permission: Grafana does not say whether it exists) — give "
                         "the token's service account View on it (Edit to publish into it), or remove folder_uid so "
                         "vobs makes its own folder")
    if gone:
        raise InputError(f"folder_uid {gone[0][1]!r} (folder {gone[0][0]!r}): {target.description} has no folder of "
                         "that uid — vobs adopts an existing folder and never makes one of another's uid: create it "
                         "in Grafana (or pull and import again), or remove folder_uid so vobs makes its own folder")
    paths = [path for path, uid in homes if not uid]
    needs = {f.uid: path for path in reversed(paths) for f in folder_chain(path, nested)}  # the first path's
    wanted = list(dict.fromkeys(f for path in paths for f in folder_chain(path, nested)))  # parents first
    updates = to_update(wanted, existing, nested)
    titles = {f.uid: f.title for f in wanted}
    ledger = records_of(target, project_id)
    records = None if ledger is None else ledger.read() if any(f.uid in existing for f in wanted) else {}
    verdicts = judge_all(wanted, existing, nested, records, project_id, hits, force)
    said = {uid: update_words(f, updates[uid], titles) for f in wanted if (uid := f.uid) in updates}
    said.update((v.folder.uid, f"{said[v.folder.uid]} ({v.reason})") for v in verdicts if v.folder.uid in said and v.reason)
    # a twin is a warning where Grafana makes it (11.3 on); before, it refuses it: `reserved_refusals` says that
    twin_folders = twins(wanted, existing, nested)  # (the version is asked only when there is a twin to say)
    notes = {f.uid: f"folder {f.title!r} (uid {f.uid}) would be made beside the existing folder {live.title!r} "
             f"(uid {live.uid}), which vobs did not make: to publish into that one, add `folder_uid: {live.uid}` to "
             "its narrative (vobs import writes it for pulled dashboards)"
             for f, live in (twin_folders if twin_folders and not target.folder_titles_reserved else ())}
    return FolderPlan([f for f in wanted if f.uid not in existing or f.uid in updates], updates, said, notes,
                      verdicts, needs, ledger)


def refolder(plan: FolderPlan, homes: Iterable[tuple[str, str]], nested: bool) -> dict[str, str]:
    """For diff: by narrative folder path, what publishing renames or moves among its folders (an
    adopted folder is never changed)."""
    out = {path: "; ".join(plan.said[f.uid] for f in folder_chain(path, nested) if f.uid in plan.said)
           for path, adopted in sorted(set(homes)) if not adopted}
    return {path: words for path, words in out.items() if words}
