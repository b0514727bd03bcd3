"""`vobs pull`: live dashboards out of Grafana as normalised JSON files, one per uid.

A uid comes from the server: it becomes a file name only when it is a Grafana uid (at most 40 of
[A-Za-z0-9_-]) and only through `guard.paths.safe_join`. Any other (`../../x`, `/abs/x`, …) is
refused and reported, never written. So is a dashboard whose JSON names another uid than its own
(`"uid": "../x"`): its file would carry a uid `vobs import` refuses, or another dashboard's. A
valid uid whose `<uid>.json` is already a symlink, FIFO or device is not written through it either
(`files.not_over_a_special_file`), and said so.

`inventory.json` describes the folder: the dashboards this pull wrote, and those earlier pulls
into the same folder wrote whose files are still there (`merge_inventory`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.build.render import to_json_text
from vertice_obs.errors import InputError, Interrupted, VobsError
from vertice_obs.files import not_over_a_special_file, read_regular, write_atomic
from vertice_obs.grafana.answers import DestinationError
from vertice_obs.grafana.folders import (
    GENERAL,
    Folder,
    ambiguous,
    no_such_folder,
    paths,
    subtree,
)
from vertice_obs.grafana.live import Destination
from vertice_obs.grafana.normalize import normalize
from vertice_obs.guard.paths import check_uid, safe_join
from vertice_obs.jsonpos.strict import parse_json
from vertice_obs.located_yaml import decode_text


@dataclass
class PullResult:
    pulled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (uid, normalised model)
    folders: dict[str, str] = field(default_factory=dict)  # uid → the uid of its Grafana folder ("": General)
    missing: list[str] = field(default_factory=list)  # uids asked for by name and not found
    refused: list[object] = field(default_factory=list)  # uids from the server that are not Grafana uids
    vanished: list[str] = field(default_factory=list)  # listed by the search, gone when read (deleted, no access)
    clashing: list[str] = field(default_factory=list)  # uids whose file would be the inventory's
    not_over: list[tuple[str, str]] = field(default_factory=list)  # (uid, why): its file is a symlink, FIFO, …
    mislabelled: list[tuple[str, object]] = field(default_factory=list)  # (uid, the other uid its JSON says)
    stopped: VobsError | None = None  # the error that ended the run after some files were written


INVENTORY = "inventory.json"  # written beside the dashboards: what was pulled, its queries and metrics


FOLDERS_PER_SEARCH = 50  # folder uids in one search's query string: a deep tree is searched in parts


def folder_trees(destination: Destination, wanted: Sequence[str],
                 folders: Mapping[str, Folder] | None = None) -> list[str]:
    """The uids of the folders `--folder` names (each a uid or a path, `Team A/Backend`) and of every
    folder inside them: Grafana's search takes a folder's own dashboards only, and a person pulling
    "Team A" means Team A's tree, as Grafana's folder view shows it nested. One read of the folders;
    a name that matches none is an `InputError` naming it, with close matches; one that names two
    folders or more (`ambiguous`) is one naming each, never their trees merged. `general` (Grafana's
    root folder) is passed as it is: its tree would be every dashboard (`--all`). `folders`: the
    destination's, when the caller read them already."""
    if not wanted:
        return []
    folders = destination.folders() if folders is None else folders
    nested = destination.nested_folders
    out: list[str] = []
    for name in wanted:
        twice = ambiguous(name, folders, nested, destination.description) if name != GENERAL else ""
        if twice:
            raise InputError(f"--folder {twice}")
        tree = [GENERAL] if name == GENERAL else subtree(name, folders, nested, destination.description)
        if not tree:
            raise InputError(no_such_folder(name, folders, nested, destination.description))
        out += [uid for uid in tree if uid not in out]
    return out


def pull(destination: Destination, output: Path, *, tags: Sequence[str] = (), folder_uids: Sequence[str] = (),
         uids: Sequence[str] = ()) -> PullResult:
    """Search, fetch and write `output/<uid>.json` (normalised) for every dashboard that matches.
    `folder_uids`: each folder is searched alone (`folder_trees` gives a tree's)."""
    for uid in (*uids, *folder_uids):
        check_uid(uid)  # before any request: a non-uid could address another resource
    result = PullResult()
    hits, seen = [], set()
    for start in range(0, max(1, len(folder_uids)), FOLDERS_PER_SEARCH):  # a tree of hundreds of folders
        part = tuple(folder_uids[start:start + FOLDERS_PER_SEARCH])  # would not fit one query string
        for hit in destination.search(tags=tags, folder_uids=part, uids=uids):
            if repr(hit.get("uid")) not in seen:  # repr: a server's uid may be anything (refused below)
                seen.add(repr(hit.get("uid")))
                hits.append(hit)
    try:
        _fetch_and_write(destination, output, hits, result)
    except KeyboardInterrupt:  # Ctrl-C: what was written so far goes with it, for the caller to say
        raise Interrupted(done=[uid for uid, _ in result.pulled]) from None
    found = {h.get("uid") for h in hits} - set(result.vanished)
    result.missing = [u for u in uids if u not in found]
    return result


def _fetch_and_write(destination: Destination, output: Path, hits: list[dict], result: PullResult) -> None:
    """Read and write each dashboard `hits` names, into `result` as it goes."""
    for hit in hits:
        uid = hit.get("uid")
        try:
            name = f"{check_uid(uid)}.json"
        except InputError:
            result.refused.append(uid)
            continue
        try:  # a valid uid, but what is at its file's name is not a regular file: never written through
            not_over_a_special_file(output / name, name)  # first: safe_join would call a symlink "outside"
            target = safe_join(output, name, what="dashboard uid")
        except InputError as exc:
            result.not_over.append((uid, exc.message))
            continue
        if target.name.lower() == INVENTORY:  # a valid uid, but the inventory would overwrite it
            result.clashing.append(uid)
            continue
        try:
            live = destination.get(uid, history=False)
        except VobsError as exc:
            if not result.pulled:
                raise  # nothing written yet: the error alone
            result.stopped = exc  # said with what was written before it
            break
        if live is None:
            result.vanished.append(uid)
            continue
        if live.model.get("uid", uid) != uid:  # refused as a non-uid from the search is: nothing written
            result.mislabelled.append((uid, live.model.get("uid")))
            continue
        model = normalize(live.model)
        write_atomic(target, to_json_text(model))
        result.pulled.append((uid, model))
        result.folders[uid] = live.folder_uid if live.folder_uid != GENERAL else ""


def known_folders(destination: Destination, uids: Iterable[str], folders: Mapping[str, Folder],
                  unreadable: set[str] | None = None) -> dict[str, Folder]:
    """`folders` and, for each of `uids` (dashboards' folders) not among them, that folder and its
    parents looked up alone (`Destination.folder`): one request per distinct folder — never a walk of
    the whole tree for a few dashboards, and a folder the walk from the root cannot reach (its parent
    not readable with the token) is still found, its path as far as Grafana names it. One the token
    may not read (403) is left out, as one not there is, and its uid added to `unreadable`: a caller
    that must tell the two apart (an adopted folder) says which it is."""
    out = dict(folders)
    for uid in dict.fromkeys(uids):
        if uid and uid != GENERAL and uid not in out:
            try:
                out.update(destination.folder(uid))
            except DestinationError as exc:
                if exc.status != 403:
                    raise
                if unreadable is not None:
                    unreadable.add(uid)
    return out


def folder_entry(folder_uid: str, folders: Mapping[str, Folder], nested: bool, where: str) -> dict[str, str]:
    """A pulled dashboard's Grafana folder, as its inventory entry records it and `vobs import` adopts
    it: `folder_uid`, and `folder`, its path as a narrative writes it (`Platform/K8s`; a flat folder's
    title). Both "" for the General folder (the root, no folder; `""` or `general`)."""
    if not folder_uid or folder_uid == GENERAL:
        return {"folder": "", "folder_uid": ""}
    return {"folder": paths(folders, nested, where).get(folder_uid, ""), "folder_uid": folder_uid}


def earlier_inventory(output: Path, shown: str) -> list[dict[str, Any]]:
    """The entries of the `inventory.json` an earlier pull wrote into `output` ([] when there is
    none), read before this pull writes anything: a file of that name that is not such an inventory
    is an error, not overwritten (it may be someone's; and the dashboards it lists would be forgotten)."""
    path, label = output / INVENTORY, f"{shown}/{INVENTORY}"
    if not os.path.lexists(path):
        return []
    data = parse_json(decode_text(read_regular(path, label), label), label)
    entries = data.get("dashboards") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError('is not the inventory vobs pull writes (no "dashboards" list): move it away, or pull '
                         "into another folder", label)
    return [entry for entry in entries if isinstance(entry, dict)]


def merge_inventory(output: Path, earlier: list[dict[str, Any]], fresh: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `inventory.json` lists after a pull: what the folder holds of what vobs pull wrote. An
    earlier entry stays (in its place) while its file is still there; a dashboard pulled again
    takes its entry's place; one new to the folder comes after them."""
    pulled = {_file_name(entry): entry for entry in fresh}
    merged: dict[str, dict[str, Any]] = {}
    for entry in earlier:
        name = _file_name(entry)
        if name is None or name in merged:
            continue
        if name in pulled:
            merged[name] = pulled[name]
        elif (output / name).is_file():
            merged[name] = {**entry, "file": f"{output}/{name}"}  # as this run names the folder
    return [*merged.values(), *(entry for name, entry in pulled.items() if name not in merged)]


def _file_name(entry: dict[str, Any]) -> str | None:
    """The name of the dashboard file an inventory entry describes (`<uid>.json`), None when it names
    none a pull writes (an entry read from a file is input: its name must be a uid's)."""
    file = entry.get("file")
    name = file.replace("\\", "/").rsplit("/", 1)[-1] if isinstance(file, str) else ""
    stem = name.removesuffix(".json")
    if stem == name or name.lower() == INVENTORY:
        return None
    try:
        check_uid(stem)
    except InputError:
        return None
    return name
