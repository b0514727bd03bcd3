"""Narrative folder paths → Grafana folders: stable, unique uids; nested or flat; walks that end. Pure.

A narrative's `folder: MAXIMUS/Dopamine` is a path. With nested folders (Grafana 11+, or 10 with
the `nestedFolders` toggle) it becomes a chain — `MAXIMUS`, then `Dopamine` inside it. Without
them (9.5, 10.x by default) it becomes ONE folder at the root titled `MAXIMUS / Dopamine`. In both
modes the folder a dashboard lands in has the same uid (`folder_uid(path)`), so a dashboard's
place does not depend on the server's version.

Uids are `vobs-<slug of the path>`; when a segment slugs to nothing (`ドーパミン`) or the slug is
too long, a short sha256 of the full path is appended, so a child never takes its parent's uid.
`check_unique` refuses two paths of one project that would share a uid, before anything is sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from vertice_obs.errors import InputError, closest

FLAT_SEPARATOR = " / "


@dataclass(frozen=True)
class Folder:
    uid: str
    title: str
    parent_uid: str = ""


class FolderCycle(InputError):
    """A walk over folder data (a server's answers or a state file) came back to where it had been."""


def segments(path: str) -> list[str]:
    """The segments of a folder path; empty, `.` and `..` segments are refused (a path from a
    narrative is validated with file:line when it is loaded; this is the last line of defence)."""
    parts = str(path).split("/")
    for part in parts:
        if not part.strip() or part.strip() in (".", ".."):
            raise InputError(f"folder path {path!r}: empty, '.' and '..' segments are not folder names")
    return parts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def folder_uid(path: str) -> str:
    """A deterministic, valid Grafana uid (≤ 40 of [a-z0-9-]) for a folder path."""
    parts = segments(path)
    slugs = [_slug(p) for p in parts]
    uid = "vobs-" + "-".join(s for s in slugs if s)
    if all(slugs) and len(uid) <= 40:
        return uid
    digest = hashlib.sha256(path.encode()).hexdigest()
    if not all(slugs):  # a segment with no ASCII letter or digit: the hash tells it from its parent
        return f"{uid[:29].rstrip('-')}-{digest[:10]}" if uid != "vobs-" else f"vobs-{digest[:12]}"
    return f"{uid[:31]}-{digest[:8]}"


def folder_chain(path: str, nested: bool = True) -> list[Folder]:
    """'MAXIMUS/Dopamine' → nested: the folders MAXIMUS and MAXIMUS/Dopamine (parents first);
    flat: one root folder 'MAXIMUS / Dopamine'. The last folder is where the dashboards go."""
    parts = segments(path)
    if not nested:
        return [Folder(folder_uid(path), FLAT_SEPARATOR.join(p.strip() for p in parts), "")]
    chain: list[Folder] = []
    parent = ""
    for depth in range(1, len(parts) + 1):
        uid = folder_uid("/".join(parts[:depth]))
        if uid == parent:
            raise InputError(f"folder path {path!r}: {uid} would be its own parent")
        chain.append(Folder(uid, parts[depth - 1].strip(), parent))
        parent = uid
    return chain


def check_unique(paths: Iterable[str]) -> None:
    """Distinct folder paths (and their parents) must have distinct uids: else one folder would
    silently take the dashboards of another. Every clash is said in one `InputError` (in `also`)."""
    seen: dict[str, str] = {}
    clashes: dict[tuple[str, str], InputError] = {}  # a clash of parents is said once, not per child
    for path in sorted(set(paths)):
        parts = segments(path)
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            uid = folder_uid(prefix)
            other = seen.setdefault(uid, prefix)
            if other != prefix and (other, prefix) not in clashes:
                clashes[other, prefix] = InputError(f"folder paths {other!r} and {prefix!r} would share the Grafana "
                                                    f"folder uid {uid}: rename one of them")
    if clashes:
        raise InputError.together(list(clashes.values()))


def walk_up(start: str, parent_of: Callable[[str], str], where: str) -> list[str]:
    """`start` and its ancestors, nearest first, following `parent_of` until it answers "".
    Server and state data are not trusted to be a tree: a cycle is a `FolderCycle` naming `where`."""
    chain, uid = [], start
    while uid:
        if uid in chain:
            loop = " → ".join([*chain[chain.index(uid):], uid])
            raise FolderCycle(f"{where}: folder {uid!r} is its own ancestor ({loop})")
        chain.append(uid)
        uid = parent_of(uid)
    return chain


def path_of(uid: str, folders: Mapping[str, Folder], where: str) -> str:
    """The path of folder `uid` as a narrative writes it (`Platform/Core`), from every folder of a
    destination (`folders()`); "" for one not among them (the General folder)."""
    chain = walk_up(uid, lambda u: folders[u].parent_uid if u in folders else "", where)
    return "/".join(folders[u].title for u in reversed(chain) if u in folders)


def check_adoptions(homes: Iterable[tuple[str, str, str]]) -> None:
    """No narrative's own folder path may need the uid of a folder another adopts: publish would
    rename or move that folder to its path, and vobs never changes an adopted folder. `homes`:
    (narrative id, `folder:` path, adopted uid or ""), every narrative of the project, so that
    publishing one of them alone is refused too. Said by the nested chain (every parent's uid): a
    project is one project on every Grafana version. Every clash in one `InputError` (in `also`)."""
    homes = sorted(set(homes))
    adopters: dict[str, list[str]] = {}
    for narrative, _path, adopted in homes:
        if adopted:
            adopters.setdefault(adopted, []).append(narrative)
    errors = []
    for narrative, path, adopted in homes:
        if adopted:
            continue
        for folder in folder_chain(path):
            for other in adopters.get(folder.uid, []):
                errors.append(InputError(
                    f"narrative {other} adopts the folder of uid {folder.uid} (folder_uid:), which narrative "
                    f"{narrative}'s folder {path!r} would make vobs' own folder {folder.title!r}: publishing "
                    f"{narrative} would rename or move the folder {other} adopted — give {narrative} another folder path, or "
                    f"remove {other}'s folder_uid if vobs made that folder for its path"))
    if errors:
        raise InputError.together(errors)


def from_answer(answer: Mapping[str, Any], uid: str, nested: bool) -> dict[str, Folder]:
    """A `GET /api/folders/{uid}` answer as folders by uid: the folder and, where folders nest, the
    `parents` it names (root first: Grafana 11+, or 10 with `nestedFolders`), each the child of the
    one before — enough for `path_of`. A parent it does not name (one the token may not read) ends
    the path there. Server data: {} when the answer is not that folder; `parents` that are not a
    chain of distinct folders are left out (its own parent still names where it is)."""
    title = answer.get("title")
    if answer.get("uid") != uid or not isinstance(title, str):
        return {}
    parent = answer.get("parentUid") if nested and isinstance(answer.get("parentUid"), str) else ""
    out = {uid: Folder(uid, title, parent)}
    chain = answer.get("parents") if nested else None
    if isinstance(chain, list) and all(isinstance(p, dict) and isinstance(p.get("uid"), str) and p["uid"]
                                       and isinstance(p.get("title"), str) for p in chain):
        uids = [p["uid"] for p in chain]
        if len(set(uids)) == len(uids) and uid not in uids:
            out.update((p["uid"], Folder(p["uid"], p["title"], uids[i - 1] if i else "")) for i, p in enumerate(chain))
    return out


def check_tree(folders: Mapping[str, Folder], where: str) -> None:
    """Every folder's parent chain ends at the root (a folder that is its own parent, or any
    cycle, is a `FolderCycle`); unknown parents end a chain."""
    for uid in sorted(folders):
        walk_up(uid, lambda u: folders[u].parent_uid if u in folders else "", where)


def to_update(wanted: Iterable[Folder], existing: Mapping[str, Folder], nested: bool) -> dict[str, Folder]:
    """The folders a narrative path needs whose uid exists with another title or parent — a path
    renamed to one of the same slug (`web-shop` → `Web/Shop`, `Dopamine` → `dopamine`) — as
    {uid: the live folder}. Publish renames and moves them; left alone, the dashboards would stay
    under the old name while diff and publish said "unchanged". Without nested folders only the
    title counts (there are no parents)."""
    out: dict[str, Folder] = {}
    for folder in wanted:
        live = existing.get(folder.uid)
        if live is not None and (live.title != folder.title or nested and live.parent_uid != folder.parent_uid):
            out[folder.uid] = live
    return out


def needed(folders: Iterable[Folder], updates: Mapping[str, Folder], homes: Iterable[str]) -> list[Folder]:
    """Of the folders to create or update (parents first), those a publish makes: every update (a
    renamed or moved folder of vobs' is made right whatever is written), and a folder to create only
    when a dashboard is written into it or into a folder inside it (`homes`: the folder uids of the
    dashboards to write) or an update moves a folder into it — a narrative whose dashboards are all
    skipped (another project's, drifted) or unchanged gets no empty folder (trial: 10.4)."""
    folders = list(folders)
    by_uid, keep = {f.uid: f for f in folders}, set()
    for uid in [*homes, *updates]:
        while uid in by_uid and uid not in keep:  # the folder, then its parents to create
            keep.add(uid)
            uid = by_uid[uid].parent_uid
    return [f for f in folders if f.uid in keep]


def update_words(folder: Folder, live: Folder, titles: Mapping[str, str]) -> str:
    """`folder 'web-shop' → 'Shop', moved into 'Web'` — `titles`: uid → title, for parents."""
    said = [f"folder {live.title!r}" + (f" → {folder.title!r}" if folder.title != live.title else "")]
    if folder.parent_uid != live.parent_uid:
        said.append(f"moved into {titles.get(folder.parent_uid, folder.parent_uid)!r}" if folder.parent_uid
                    else "moved to the top level")
    return ", ".join(said)


GENERAL = "general"  # Grafana's uid for the root ("General") folder in a search: no folder of its own


def paths(folders: Mapping[str, Folder], nested: bool, where: str) -> dict[str, str]:
    """Every folder's path as a narrative writes it (`MAXIMUS/Dopamine`), by uid. Without nested
    folders a path is one root folder's title, `MAXIMUS / Dopamine` (`folder_chain`)."""
    if nested:
        return {uid: path_of(uid, folders, where) for uid in folders}
    return {uid: "/".join(p.strip() for p in f.title.split(FLAT_SEPARATOR)) for uid, f in folders.items()}


def subtree(wanted: str, folders: Mapping[str, Folder], nested: bool, where: str) -> list[str]:
    """The uids of the folder `wanted` names — by uid, or by path (`Team A`, `Team A/Backend`) — and
    of every folder inside it, at any depth, by path; [] when none matches. With nested folders
    "inside" is the parent chain (`parentUid`); without them a flat folder `Team A / Backend` is
    inside `Team A` as `folder_chain` makes it, so a selection means the same on every version."""
    named = paths(folders, nested, where)
    if nested:
        def inside(uid: str) -> bool:
            chain = walk_up(uid, lambda u: folders[u].parent_uid if u in folders else "", where)
            return any(u == wanted or named.get(u) == wanted for u in chain)
    else:
        tops = {wanted, *([named[wanted]] if wanted in named else [])}

        def inside(uid: str) -> bool:
            return uid == wanted or any(named[uid] == top or named[uid].startswith(top + "/") for top in tops)
    return sorted((uid for uid in folders if inside(uid)), key=lambda uid: (named[uid], uid))


def ambiguous(wanted: str, folders: Mapping[str, Folder], nested: bool, where: str, few: int = 5) -> str:
    """Why `wanted` (a `--folder`) cannot be taken, in one line, when it names more than one folder — two
    of one path (the same title in the same place, or under parents of one title; a title holding a `/`
    is the path of a folder inside another), or one by its uid and another by its path — else "".
    Taken, their trees would be merged into one selection without a word."""
    named = paths(folders, nested, where)
    matches = sorted((uid for uid in folders if uid == wanted or named[uid] == wanted), key=lambda u: (named[u], u))
    if len(matches) < 2:
        return ""
    listed = ", ".join(f"{named[u]!r} (uid {u})" for u in matches[:few]) + (", …" if len(matches) > few else "")
    return (f"{wanted!r} names {len(matches)} folders in {where}: {listed} — vobs does not merge them: give the "
            "one you mean by its uid, or by a full path (Parent/Child) only it has")


def no_such_folder(wanted: str, folders: Mapping[str, Folder], nested: bool, where: str, few: int = 12) -> str:
    """Why `wanted` selects nothing, in one line: the close matches among the folders' uids and paths,
    and — when there are `few` — every folder, so the next try is the right one."""
    named = paths(folders, nested, where)
    close = closest(wanted, [*named, *named.values()])
    said = f"no folder {wanted!r} in {where} (by uid, or by path: Parent/Child)"
    if close:
        said += f"; did you mean {close[0]!r}?"
    if not folders:
        return said + "; it has no folders"
    if len(folders) <= few:
        listed = ", ".join(f"{named[u]!r} (uid {u})" for u in sorted(folders, key=lambda u: (named[u], u)))
        return said + f"; its folders: {listed}"
    return said


def home_uid(path: str, adopted: str = "") -> str:
    """The uid of the folder a narrative's dashboards go to: the folder it adopts (`folder_uid:`),
    else vobs' own for its path."""
    return adopted or folder_uid(path)


def titled_like_folders(saved: Mapping[str, tuple[str, str]], folders: Iterable[Folder], beside: bool,
                        nested: bool) -> dict[str, Folder]:
    """Of the dashboards to save (uid → (title, folder uid; "" the General folder)), those Grafana
    before 11.3 surely refuses (400 name-match): titled exactly (both trimmed, as Grafana saves
    them) like a folder of the organisation (`folders`) — wherever it lives before 10.4, and from
    10.4 (`beside`, grafana/grafana#77076) only one in the dashboard's own folder (at the root, for
    a dashboard of the General folder; every folder is at the root without `nested`) — each with
    the folder (the first by uid). Titles Grafana's database may take for one (MySQL ignores case)
    and the slugs 9.5.6 and older compared are left to the save, whose refusal is said as a title
    clash: a refusal here must never stop a publish Grafana would take."""
    by_place: dict[tuple[str, str], Folder] = {}
    for folder in sorted(folders, key=lambda f: f.uid):
        place = (folder.parent_uid if nested else "") if beside else ""
        by_place.setdefault((place, folder.title.strip()), folder)
    out = {}
    for uid, (title, folder_uid) in sorted(saved.items()):
        found = by_place.get((folder_uid if beside else "", title.strip())) if title.strip() else None
        if found is not None:
            out[uid] = found
    return out


def root_title_clashes(new: Iterable[Folder], nested: bool, root: Mapping[str, str]) -> list[tuple[Folder, tuple[str, str]]]:
    """Of the folders to make (`new`), each at the root titled exactly like a dashboard there (`root`:
    uid → title of the General folder's dashboards), with that dashboard (the first by uid): Grafana
    before 11.3 looks a new folder up as it does a dashboard (`getExistingDashboardByTitleAndFolder`,
    `slug=? AND (is_folder OR folder_id=?)`) and refuses it (`ErrDashboardFolderWithSameNameAsDashboard`).
    Exact titles only, as `titled_like_folders`: what only slugs alike is left to the server."""
    by_title: dict[str, str] = {}
    for uid, title in sorted(root.items()):
        by_title.setdefault(title.strip(), uid)
    return [(f, (by_title[f.title.strip()], f.title.strip())) for f in new
            if not (nested and f.parent_uid) and f.title.strip() in by_title]


def twins(wanted: Iterable[Folder], existing: Mapping[str, Folder], nested: bool,
          exact: bool = False) -> list[tuple[Folder, Folder]]:
    """Each folder `wanted` that publish would create (its uid is not there) beside an existing one of
    the same title in the same place (its parent, or the root) — a folder vobs did not make, such as
    the one its dashboards were in before they were adopted: (to create, the existing one). Grafana
    would then show two folders of one title, the dashboards moved out of the one they lived in.
    Titles are trimmed and compared without case for that warning; `exact` (what Grafana before
    11.3 surely refuses: `title=?`, case-sensitive on SQLite and Postgres) with it."""
    def key(title: str) -> str:
        return title.strip() if exact else title.strip().casefold()

    out = []
    for folder in wanted:
        if folder.uid in existing:
            continue
        parent = folder.parent_uid if nested else ""
        same = sorted(uid for uid, live in existing.items()
                      if key(live.title) == key(folder.title) and (live.parent_uid if nested else "") == parent)
        if same:
            out.append((folder, existing[same[0]]))
    return out
