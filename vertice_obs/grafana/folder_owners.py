"""Whose a Grafana folder is: vobs' records of the folders it writes, so that publish never renames
or moves another project's folder, nor one a person changed in Grafana, unasked — the protection
dashboards (their version messages, `vertice-obs:<id>` tags) and playlists (`playlists`) have.

Why records, and where. Grafana keeps nothing on a folder that could mark it across the versions
vobs supports: the folder API's answer (`Folder` in the 11.4 spec) is a uid, a title, a parent and
who touched it when; `description` is taken by create and update from 10 on but answered by none
of them, and 9.5 keeps none. So, as for playlists, every folder vobs writes is recorded as an
organisation annotation tagged `vobs-folder`, `vobs-folder-<uid>` and the project's
`vertice-obs:<id>` (none for a project without an id), with the text
`vobs publish <commit> folder <uid> sha256:<hash of its title and parent>` — recorded just before
an update (one that then fails leaves what an older record holds: no false drift; a rename and a
move are two requests, so a record of both also holds the state between them, `halfway sha256:…`)
and just after a create (a record lost there is no harm: the next publish adopts the folder).

What the records say of a folder the code wants (`judge`), by the newest record of its uid:
- another project's → that project's: used as it is when it already is what the code wants, else
  `owned` (publish refuses before any write; `--force` takes it over);
- this project's → ours when its title and parent hash as one of our records (then updated if the
  code changed), else changed in Grafana since vobs last wrote it: `drifted` (refused; `--force`
  sets it back) — or `adopt`ed (recorded once) when it already is what the code wants;
- none (made by a vobs before these records), or only untagged ones while the project has an id
  (a vobs before project ids: anyone's, as playlists' untagged records are) → adopted, recorded as
  this project's (and renamed or moved as before, when its path changed) — unless it holds
  another project's dashboards (tagged `vertice-obs:<other>`): then it is that project's.
A destination that keeps no records (a provisioning folder: only vobs writes there) has none:
every folder is vobs'. Every record is read (`FolderRecords.read`: page by page, newest first, at most
`MOST_RECORDS`), once per run, and only when a folder the code wants already exists — or, for a
whole-project diff or publish, a folder no narrative needs does (`folder_orphans`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.build.render import OWNER_PREFIX, owner_tag
from vertice_obs.grafana.answers import DestinationError
from vertice_obs.grafana.folders import Folder, folder_uid, to_update
from vertice_obs.grafana.live import MESSAGE_PREFIX
from vertice_obs.guard.text import escape

RECORD_TAG = "vobs-folder"
RECORD_PAGE = 5000  # folder records asked for at once (`limit`), newest first; older ones page by page (`to`)
MOST_RECORDS = 50_000  # more is refused: from part of them another project's folder could read as no one's
CREATE, UPDATE, UNCHANGED, ADOPT, OWNED, DRIFT = "create", "update", "unchanged", "adopt", "owned", "drifted"
REFUSED = (OWNED, DRIFT)  # publish refuses its plan for them without --force, before any write
_RECORD = re.compile(rf"{re.escape(MESSAGE_PREFIX)} \S+ folder ([A-Za-z0-9_-]{{1,40}}) sha256:([0-9a-f]{{64}})"
                     r"(?: halfway sha256:([0-9a-f]{64}))?")


@dataclass(frozen=True)
class Record:
    uid: str
    digests: tuple[str, ...]  # the state it records (and the one between a rename and a move)
    owners: frozenset[str]  # its `vertice-obs:<id>` tags: none for a project without an id


@dataclass(frozen=True)
class Verdict:
    """What publish does with a folder the code wants, and why (`reason`, in words)."""

    folder: Folder  # as the code wants it
    live: Folder | None  # as Grafana has it
    kind: str  # CREATE UPDATE UNCHANGED ADOPT, or OWNED DRIFT (refused)
    reason: str = ""
    owner: str = ""  # OWNED, or UNCHANGED as another project's: whose, in words (`project 'alpha'`)


def state(folder: Folder, nested: bool) -> str:
    """The hash a record keeps of a folder: its title and (nested) its parent — what vobs writes."""
    text = json.dumps([folder.title, folder.parent_uid if nested else ""], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def record_text(commit: str, uid: str, digest: str, halfway: str = "") -> str:
    return f"{MESSAGE_PREFIX} {commit} folder {uid} sha256:{digest}" + (f" halfway sha256:{halfway}" if halfway else "")


def parse_record(text: object) -> tuple[str, tuple[str, ...]] | None:
    """(uid, the hashes it records) of one of vobs' folder records, or None for any other text."""
    match = _RECORD.fullmatch(text) if isinstance(text, str) else None
    return (match.group(1), tuple(h for h in match.group(2, 3) if h)) if match else None


def owners_of(tags: object) -> frozenset[str]:
    return frozenset(t for t in tags if isinstance(t, str) and t.startswith(OWNER_PREFIX)) \
        if isinstance(tags, list) else frozenset()


def mine(project_id: str | None) -> frozenset[str]:
    """The owner tags this project's records carry."""
    return frozenset({owner_tag(project_id)}) if project_id else frozenset()


def project_words(tags: Iterable[str]) -> str:
    """`project 'alpha'` (its owner tags, several joined), escaped: a record is server data."""
    ids = sorted(t[len(OWNER_PREFIX):] for t in tags)
    return "project " + " and ".join(repr(escape(i, one_line=True)) for i in ids)


def this_project(project_id: str | None) -> str:
    return f"this project ({project_id!r})" if project_id else "this project (no `project:` id in vobs.yaml)"


def held_by(hits: Iterable[Mapping[str, Any]], project_id: str | None) -> dict[str, frozenset[str]]:
    """Folder uid → the owner tags of other projects whose dashboards it holds (the search's hits)."""
    out: dict[str, set[str]] = {}
    own = mine(project_id)
    for hit in hits:
        folder, others = hit.get("folderUid"), owners_of(hit.get("tags")) - own
        if isinstance(folder, str) and folder and others:
            out.setdefault(folder, set()).update(others)
    return {uid: frozenset(tags) for uid, tags in out.items()}


def judge(folder: Folder, live: Folder | None, nested: bool, history: Sequence[Record], own: frozenset[str],
          held: frozenset[str], force: bool) -> Verdict:
    """One folder the code wants (`live`: the same uid in Grafana; `history`: its records, newest
    first; `own`: this project's owner tags; `held`: other projects' whose dashboards it holds)."""
    if live is None:
        return Verdict(folder, None, CREATE)
    differs = bool(to_update([folder], {folder.uid: live}, nested))
    newest = history[0] if history else None
    if newest is not None and newest.owners and newest.owners != own:
        return _other(folder, live, differs, force, project_words(newest.owners), "vobs recorded it as that project's")
    if newest is not None and newest.owners == own:
        if state(live, nested) in {d for r in history if r.owners == own for d in r.digests}:
            return Verdict(folder, live, UPDATE if differs else UNCHANGED)  # (an update: its path changed)
        if not differs:
            return Verdict(folder, live, ADOPT, "changed in Grafana since vobs last wrote it, to what the code says: "
                                                "recorded again as this project's")
        if force:
            return Verdict(folder, live, UPDATE, "overwriting a change made in Grafana (--force)")
        return Verdict(folder, live, DRIFT, "renamed or moved in Grafana since vobs last wrote it")
    if held:  # no record it is anyone's: whose dashboards it holds tells
        return _other(folder, live, differs, force, project_words(held),
                      "it holds that project's dashboards, and no record says whose it is")
    return Verdict(folder, live, ADOPT, "no record of vobs' says whose it is (made by a vobs before folder records, "
                                        "or its record failed): recorded as this project's")


def _other(folder: Folder, live: Folder, differs: bool, force: bool, owner: str, why: str) -> Verdict:
    if not differs:  # already what this project wants: its dashboards go in, the folder stays the other's
        return Verdict(folder, live, UNCHANGED, f"belongs to {owner} ({why}): this project's dashboards go in, the "
                                                "folder is left as it is", owner)
    if force:
        return Verdict(folder, live, UPDATE, f"taking it over from {owner} (--force)", owner)
    return Verdict(folder, live, OWNED, why, owner)


def judge_all(wanted: Sequence[Folder], existing: Mapping[str, Folder], nested: bool,
              records: Mapping[str, Sequence[Record]] | None, project_id: str | None,
              hits: Iterable[Mapping[str, Any]], force: bool) -> list[Verdict]:
    """`judge` for each folder wanted (parents first). `records` None: the destination keeps none
    (a provisioning folder) — every folder there is vobs': created, updated or unchanged."""
    if records is None:
        changed = to_update(wanted, existing, nested)
        return [Verdict(f, existing.get(f.uid), CREATE if f.uid not in existing else UPDATE if f.uid in changed
                        else UNCHANGED) for f in wanted]
    held, own = held_by(hits, project_id), mine(project_id)
    return [judge(f, existing.get(f.uid), nested, records.get(f.uid, ()), own, held.get(f.uid, frozenset()), force)
            for f in wanted]


def refusal(v: Verdict, path: str, change: str, project_id: str | None) -> str:
    """Why publish refuses a folder (`v`, OWNED or DRIFT), in one line: the folder, whose it is or what
    happened to it, what publishing `path` (the narrative folder path that needs it) would do to it
    (`change`, `update_words`), and what helps."""
    live = v.live or v.folder
    said = f"folder {escape(live.title, one_line=True)!r} (uid {v.folder.uid})"
    if v.kind == OWNED:
        return (f"{said} belongs to {v.owner} ({v.reason}), not to {this_project(project_id)}: publishing folder path "
                f"{path!r} would change it ({change}) — give that narrative another folder path, or --force to take "
                "the folder over")
    keep = (f", or add `folder_uid: {v.folder.uid}` to the narrative to keep the folder as it is"
            if v.folder.uid == folder_uid(path) else "")
    return (f"{said} was {v.reason}: publishing folder path {path!r} would change it back ({change}) — review it in "
            f"Grafana, then --force to set it back{keep}")


class FolderRecords:
    """The folder records of a Grafana (`GrafanaDestination`): read through its `request`, written
    through its `add_annotation` (deadline, retries, answer shapes — and a 403 that stops the publish)."""

    def __init__(self, destination: Any, project_id: str | None = None):
        self.d, self.owner = destination, sorted(mine(project_id))
        self._read: dict[str, list[Record]] | None = None

    def read(self) -> dict[str, list[Record]]:
        """Every folder's records, newest first (by time, then by id: two in one millisecond) — read
        once: diff and publish judge the folders the code wants and find orphans from one read."""
        if self._read is None:
            found = []
            for a in self._every():
                record = parse_record(a.get("text"))
                when, at = a.get("time"), a.get("id")
                if record:
                    found.append(((when if isinstance(when, int) else 0, at if isinstance(at, int) else 0),
                                  Record(*record, owners_of(a.get("tags")))))
            self._read = {}
            for _key, record in sorted(found, key=lambda f: f[0], reverse=True):
                self._read.setdefault(record.uid, []).append(record)
        return self._read

    def _every(self) -> list[dict[str, Any]]:
        """Every annotation tagged `vobs-folder`, page by page. Grafana answers the newest `limit` (by
        time) and filters by time only when given both `from` and `to` (ms; `to` inclusive), so each
        page after the first asks `to` = the oldest time of the one before: the records of that
        millisecond come twice, and are kept once, by id. A full page of one millisecond (never seen:
        one record per folder write) is stepped past. More than `MOST_RECORDS` is one error."""
        params: dict[str, Any] = {"tags": RECORD_TAG, "type": "annotation", "limit": RECORD_PAGE}
        found: dict[Any, dict[str, Any]] = {}
        for _page in range(MOST_RECORDS // RECORD_PAGE + 1):
            page = [a for a in self.d.request("folder records", "GET", "/annotations", list, params=params)
                    if isinstance(a, dict)]
            for a in page:
                found.setdefault(a["id"] if isinstance(a.get("id"), int) else ("no id", len(found)), a)
            if len(found) > MOST_RECORDS:
                break
            times, to = [t for a in page if isinstance(t := a.get("time"), int)], params.get("to")
            if to is not None and max(times, default=0) > to:  # never an endless walk: one error
                raise DestinationError(f"{self.d.description} answered folder records newer than the `to` asked "
                                       "for: it ignores `to`, so vobs cannot read the older ones", server_wide=True)
            oldest = min(times, default=0)
            step = oldest if to is None or oldest < to else to - 1
            if len(page) < RECORD_PAGE or step < 1:
                return list(found.values())
            params = {**params, "from": 1, "to": step}
        raise DestinationError(f"{self.d.description} holds more than {MOST_RECORDS:,} folder records (organisation "
                               f"annotations tagged {RECORD_TAG}): vobs reads at most that many, and from part of "
                               "them could take another project's folder for no one's — delete the records of "
                               "folders that no longer exist (DELETE /api/annotations/<id>), then run it again",
                               server_wide=True)

    def record(self, folder: Folder, commit: str, was: Folder | None = None) -> None:
        """`folder` (as vobs is about to write it, or adopts it) recorded as this project's; `was`: as it
        is, for an update — renamed and moved, it is renamed first (`update_folder`), so the state
        between the two is recorded too: a move that fails then is no drift."""
        nested = self.d.nested_folders
        halfway = (state(Folder(folder.uid, folder.title, was.parent_uid), nested) if was is not None and nested
                   and was.title != folder.title and was.parent_uid != folder.parent_uid else "")
        self.d.add_annotation(record_text(commit, folder.uid, state(folder, nested), halfway),
                              [RECORD_TAG, f"{RECORD_TAG}-{folder.uid}", *self.owner], int(time.time() * 1000),
                              None, None)


def records_of(target: Any, project_id: str | None = None) -> FolderRecords | None:
    """The folder records of a destination, or None when it keeps none (a provisioning folder)."""
    return FolderRecords(target, project_id) if hasattr(target, "request") else None
