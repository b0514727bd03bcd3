"""A Grafana file-provisioning folder as a destination: `<dir>/<folder path>/<uid>.json`.

What vobs last wrote is remembered in `<dir>/.vobs-state.json` (uid → content hash; folder uid →
title and parent), so a file edited by hand is drift exactly as a dashboard edited in Grafana's
UI is. The state file is data from disk, not trusted: it is checked when read (shape, folder
names, no folder its own ancestor) and a poisoned one is reported as `file: reason`, never looped
on. Every file is written through `guard.paths.safe_join`: no folder title leaves `<dir>`.

A save is three writes — the state file records the intent (`pending`), the dashboard file is
written, the state file records it done — so a publish killed between any two of them is finished
by the next one, never taken for drift: a pending entry whose file holds exactly the intended
content was written (it counts as done); any other pending entry never happened (the old file and
entry stand, as `write_atomic` left them). Readers see the settled state; `recover` (called by
publish before it writes) makes it so on disk and removes the copy a move left behind.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from vertice_obs.build.render import to_json_text
from vertice_obs.errors import InputError
from vertice_obs.files import write_atomic
from vertice_obs.grafana.answers import DestinationError
from vertice_obs.grafana.folders import Folder, check_tree, walk_up
from vertice_obs.grafana.live import LiveDashboard
from vertice_obs.grafana.normalize import content_hash, normalize, unwrap
from vertice_obs.guard.paths import check_uid, safe_join
from vertice_obs.guard.text import escape, strict_json

STATE_FILE = ".vobs-state.json"


class ProvisioningFolder:
    nested_folders = True  # directories nest
    adopts_folders = False  # only vobs writes here: a narrative's `folder_uid:` names a Grafana's folder
    folder_titles_reserved = False  # the Grafana that reads it is unknown: its log says a refusal
    folder_titles_beside = False

    def __init__(self, directory: Path, display: str | None = None):
        self.dir = directory
        self.shown = shown = display or str(directory)  # as the project shows it
        self.description = f"provisioning folder {shown}"
        self.source = shown
        self._state_file = directory / STATE_FILE
        self._state_name = f"{shown.rstrip('/')}/{STATE_FILE}"
        self._lock = threading.Lock()

    # --- the state file ---------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        """The state as it stands after any interrupted save is settled (see the module doc)."""
        return self._settled(self._raw_state())[0]

    def _raw_state(self) -> dict[str, Any]:
        try:
            raw = self._state_file.read_bytes()
        except FileNotFoundError:
            return {"dashboards": {}, "folders": {}, "pending": {}}
        except OSError as exc:
            raise DestinationError(f"{self._state_name}: {exc.strerror}") from None
        try:
            state = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise DestinationError(f"{self._state_name}: not UTF-8") from None
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to decode
            raise DestinationError(f"{self._state_name}:{getattr(exc, 'lineno', 1)}: not valid JSON") from None
        self._check(state)
        return state

    def _check(self, state: Any) -> None:
        """Shape, folder names and a tree: a state file edited by hand or by a bug is reported."""
        def bad(reason: str) -> DestinationError:
            return DestinationError(f"{self._state_name}: {escape(reason, one_line=True)} "
                                    f"(fix or delete it; it is rebuilt by the next publish)")

        if not isinstance(state, dict) or any(not isinstance(state.get(key, {}), dict)
                                              for key in ("dashboards", "folders", "pending")):
            raise bad("not an object with 'dashboards' and 'folders' objects")
        for key in ("dashboards", "folders", "pending"):
            state.setdefault(key, {})
        for uid, entry in (*state["dashboards"].items(), *state["pending"].items()):
            if not isinstance(entry, dict) or not isinstance(entry.get("folder", ""), str):
                raise bad(f"dashboard {uid!r} is not an object with a 'folder' uid")
        for uid, entry in state["pending"].items():
            if not isinstance(uid, str) or not isinstance(entry.get("hash"), str):
                raise bad(f"pending dashboard {uid!r} is not an object with a 'hash'")
        folders: dict[str, Folder] = {}
        for uid, entry in state["folders"].items():
            title = entry.get("title") if isinstance(entry, dict) else None
            parent = entry.get("parent", "") if isinstance(entry, dict) else None
            if not isinstance(title, str) or not isinstance(parent, str):
                raise bad(f"folder {uid!r} is not an object with a 'title' and a 'parent'")
            if title.strip() in ("", ".", "..") or any(c in title for c in "/\\\x00"):
                raise bad(f"folder {uid!r} has the title {title!r}, which is not a folder name")
            folders[uid] = Folder(uid, title, parent)
        try:
            check_tree(folders, self._state_name)
        except InputError as exc:
            raise DestinationError(str(exc)) from None

    def _save_state(self, state: dict[str, Any]) -> None:
        if not state.get("pending"):
            state = {k: v for k, v in state.items() if k != "pending"}  # as an uninterrupted publish leaves it
        write_atomic(self._state_file, strict_json(state) + "\n")

    def _settled(self, state: dict[str, Any]) -> tuple[dict[str, Any], list[Path]]:
        """`state` with each pending save decided, and the files a finished move left behind. Pure
        but for reading the pending dashboards' files."""
        stale: list[Path] = []
        for uid, entry in list(state["pending"].items()):
            del state["pending"][uid]
            path = self._target(uid, entry.get("folder", ""), state["folders"])  # `_check`: a folder may be left out
            if path is None or not path.is_file():
                continue  # the dashboard file was never written: the old entry stands
            try:
                written = content_hash(self._read(path)) == entry["hash"]
            except DestinationError:
                written = False
            if written:
                state["dashboards"][uid] = entry
                stale += [p for p in self._all_paths(uid) if p != path]
        return state, stale

    def recover(self) -> None:
        """Finish what an interrupted publish left: the settled state on disk, stale copies removed."""
        with self._lock:
            raw = self._raw_state()
            if not raw.get("pending"):
                return
            state, stale = self._settled(raw)
            for path in stale:
                path.unlink(missing_ok=True)
            self._save_state(state)

    def _chain(self, folder_uid: str, folders: dict[str, Any]) -> list[str]:
        """`folder_uid` and its ancestors in the state's `folders`, nearest first (a cycle: `FolderCycle`)."""
        return walk_up(folder_uid, lambda u: folders[u].get("parent", "") if u in folders else "", self._state_name)

    def _target(self, uid: str, folder_uid: str, folders: dict[str, Any]) -> Path | None:
        """Where dashboard `uid` in folder `folder_uid` is written: `<dir>/<folder titles…>/<uid>.json`."""
        chain = self._chain(folder_uid, folders)
        titles = [folders[u]["title"] for u in reversed(chain) if u in folders]
        try:
            return safe_join(self.dir, *titles, f"{check_uid(uid, 'dashboard uid')}.json", what="folder path")
        except InputError:
            return None

    # --- the interface ----------------------------------------------------------------------------
    def _all_paths(self, uid: str) -> list[Path]:
        check_uid(uid, "dashboard uid")
        return sorted(p for p in self.dir.rglob(f"{uid}.json") if not p.name.startswith("."))

    def _path_of(self, uid: str, state: dict[str, Any] | None = None) -> Path | None:
        """The file of `uid`: where the state says it is, when it is there; else the first found."""
        found = self._all_paths(uid)
        entry = (state or {}).get("dashboards", {}).get(uid)
        expected = self._target(uid, entry.get("folder", ""), state["folders"]) if state and entry else None
        return expected if expected in found else (found[0] if found else None)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            model = unwrap(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise DestinationError(f"{path}: not valid JSON: {escape(exc, one_line=True)}") from None
        except OSError as exc:
            raise DestinationError(f"{path}: {exc.strerror}") from None
        if not isinstance(model, dict):
            raise DestinationError(f"{path}: not a dashboard (a JSON {type(model).__name__})")
        return model

    def get(self, uid: str, history: bool = True) -> LiveDashboard | None:
        state = self._state()
        path = self._path_of(uid, state)
        if path is None:
            return None
        model = self._read(path)
        entry = state["dashboards"].get(uid, {})
        version = entry.get("version")
        return LiveDashboard(uid, model, version if isinstance(version, int) else None, entry.get("folder", ""),
                             entry.get("hash") if isinstance(entry.get("hash"), str) else None)

    def with_history(self, live: LiveDashboard) -> LiveDashboard:
        return live  # the state file gave it already

    def newest_version(self, uid: str) -> None:
        """The state file cannot tell a file edited by hand: `get` reads the file (it is local)."""
        return None

    def listed(self) -> None:
        """Each file is read alone (`get`): it is local, and only the file shows a hand edit."""
        return None

    def existing_uids(self) -> set[str]:
        return {str(hit["uid"]) for hit in self.search()}

    def search(self, tags=(), folder_uids=(), uids=()) -> list[dict[str, Any]]:
        state = self._state()["dashboards"]
        hits = []
        for path in sorted(self.dir.rglob("*.json")):
            if path.name.startswith("."):
                continue
            model = self._read(path)
            uid = model.get("uid", path.stem)
            model_tags = model.get("tags") if isinstance(model.get("tags"), list) else []
            folder = state.get(uid, {}).get("folder", "") if isinstance(uid, str) else ""
            if set(tags) <= set(map(str, model_tags)) and (not uids or uid in uids) and \
                    (not folder_uids or folder in folder_uids):
                hits.append({"uid": uid, "title": model.get("title", ""), "tags": model_tags,
                             "folderUid": folder, "type": "dash-db"})
        return hits

    def folders(self) -> dict[str, Folder]:
        return {uid: Folder(uid, f["title"], f.get("parent", "")) for uid, f in self._state()["folders"].items()}

    def folder(self, uid: str) -> dict[str, Folder]:
        folders = self.folders()  # one state file: every folder, its parents among them
        return folders if uid in folders else {}

    def create_folder(self, folder: Folder) -> None:
        with self._lock:
            state = self._state()
            state["folders"][folder.uid] = {"title": folder.title, "parent": folder.parent_uid}
            self._check(state)
            self._save_state(state)

    def update_folder(self, folder: Folder, live: Folder) -> None:
        """The folder's new title and parent in the state, and each dashboard below it moved to its
        new path (written there, then the old file removed: an interruption leaves a copy that the
        next publish's `_path_of` still finds)."""
        with self._lock:
            state = self._state()
            folders = state["folders"]
            below = [uid for uid, entry in state["dashboards"].items()  # only these have a new path
                     if folder.uid in self._chain(entry.get("folder", ""), folders)]
            before = {uid: self._path_of(uid, state) for uid in below}
            folders[folder.uid] = {"title": folder.title, "parent": folder.parent_uid}
            self._check(state)
            self._save_state(state)
            for uid, old in before.items():
                new = self._target(uid, state["dashboards"][uid].get("folder", ""), folders)
                if old is not None and new is not None and new != old:
                    try:
                        write_atomic(new, old.read_text(encoding="utf-8"))
                        old.unlink()
                    except OSError as exc:
                        raise DestinationError(f"dashboard {uid}: could not move it into the {self.description}: "
                                               f"{exc.strerror}") from None

    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int:
        uid = check_uid(model.get("uid"), "dashboard uid")
        with self._lock:
            state = self._state()
            folders = state["folders"]
            chain = self._chain(folder_uid, folders)
            titles = [folders[u]["title"] for u in reversed(chain) if u in folders]
            try:
                target = safe_join(self.dir, *titles, f"{uid}.json", what="folder path")
            except InputError as exc:
                raise DestinationError(f"dashboard {uid}: {exc}") from None
            old = self._path_of(uid, state)
            previous = state["dashboards"].get(uid, {}).get("version")
            new_version = (previous if isinstance(previous, int) else 0) + 1
            entry = {"folder": folder_uid, "hash": content_hash(model), "version": new_version, "message": message}
            try:
                state["pending"][uid] = entry  # 1. the intent (see the module doc)
                self._save_state(state)
                write_atomic(target, to_json_text(normalize(model)))  # 2. the dashboard
                if old is not None and old != target:
                    old.unlink()
                del state["pending"][uid]
                state["dashboards"][uid] = entry  # 3. done
                self._save_state(state)
            except OSError as exc:  # a full disk, a read-only folder: what the next publish's recover settles
                raise DestinationError(f"dashboard {uid}: could not write it into the {self.description}: "
                                       f"{exc.strerror}") from None
            return new_version
