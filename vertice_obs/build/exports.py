"""`ExportsDir`: the filesystem edge of the build — compare with a plan, or apply it atomically.

Ownership: vobs deletes or overwrites only files it wrote. `exports/manifest.json` records every
file a build wrote with its content hash (`files`); a file is vobs' when the manifest lists it and
its bytes still have that hash. Anything else in the folder — a file another team put there, a
hand-edited export, a symlink, a FIFO — is left alone and reported (`LeftAlone`), never deleted,
never read through, never followed: the folder is walked without following symlinks, and every
path is joined through `guard.paths.safe_join` and checked with `lstat` before it is touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from vertice_obs.errors import InputError, WriteFailed, os_reason
from vertice_obs.files import kind_of, read_regular, write_atomic
from vertice_obs.guard.paths import PathEscape, safe_join
from vertice_obs.guard.text import strict_json

# A build's staging folder in exports/: `.vobs-build-<pid>-<random>` (before 0.2: no pid). Never
# listed as a file of the folder; a dead build's is removed by the next writing build.
_STAGING = re.compile(r"\.vobs-build-(?:(\d+)-)?[A-Za-z0-9_]+")
MANIFEST = "manifest.json"  # what was rendered, its folder, and every file written with its hash
GENERATOR = "vertice-obs"  # the manifest's mark (as `build.render.GENERATOR`)


@dataclass(frozen=True)
class Change:
    kind: str  # "changed" | "missing" | "extra"
    path: str  # relative to the exports directory


@dataclass(frozen=True)
class LeftAlone:
    """A path vobs did not touch because it is not vobs' to touch."""

    path: str  # relative to the exports directory
    reason: str
    planned: bool  # vobs meant to write here: the exports are not what the code renders


@dataclass
class Survey:
    changes: list[Change] = field(default_factory=list)
    left: list[LeftAlone] = field(default_factory=list)

    @property
    def blocked(self) -> list[LeftAlone]:
        return [item for item in self.left if item.planned]


class ExportsDir:
    def __init__(self, path: Path, shown: str | None = None):
        self.path = path
        self.shown = shown or str(path)  # how messages name it (relative to the project)
        self._folders: dict[str, Path] = {}  # export folder → safely joined (`_folder`)

    # --- what vobs owns -------------------------------------------------------------------------
    def manifest(self) -> dict:
        """The manifest as vobs wrote it, or {} (missing, a symlink, a FIFO, not JSON, not vobs')."""
        data = self._manifest_data()
        return data if isinstance(data, dict) else {}

    def _manifest_data(self) -> object:
        target = self.path / MANIFEST
        try:
            if not stat.S_ISREG(os.lstat(target).st_mode):
                return None
            data = json.loads(read_regular(target).decode("utf-8-sig"))
        except (OSError, InputError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None

    def owned(self) -> dict[str, str]:
        """Path under exports/ → the hash vobs wrote it with. Manifests before `files` existed list
        each dashboard's file and hash under `dashboards`; those count too."""
        manifest = self.manifest()
        out: dict[str, str] = {}
        dashboards = manifest.get("dashboards")
        for entry in (dashboards.values() if isinstance(dashboards, dict) else ()):
            if isinstance(entry, dict) and isinstance(entry.get("file"), str) and isinstance(entry.get("sha256"), str):
                out[entry["file"]] = entry["sha256"]
        files = manifest.get("files")
        for rel, digest in (files.items() if isinstance(files, dict) else ()):
            if isinstance(rel, str) and isinstance(digest, str):
                out[rel] = digest
        return out

    def entries(self) -> dict[str, int]:
        """Every non-folder entry below the exports folder (path → `st_mode` from `lstat`), walked
        without following symlinks: a symlinked folder is one entry, never entered."""
        out: dict[str, int] = {}
        if not os.path.isdir(self.path):
            return out
        for dirpath, dirnames, filenames in os.walk(self.path, followlinks=False):
            if dirpath == str(self.path):  # builds' staging folders are not the folder's files
                dirnames[:] = [d for d in dirnames if not (_STAGING.fullmatch(d) and not os.path.islink(
                    os.path.join(dirpath, d)))]
            for name in list(dirnames):
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    dirnames.remove(name)
                    filenames.append(name)
            for name in filenames:
                full = os.path.join(dirpath, name)
                try:
                    out[Path(os.path.relpath(full, self.path)).as_posix()] = os.lstat(full).st_mode
                except OSError:
                    continue  # gone meanwhile
        return out

    # --- compare and apply ----------------------------------------------------------------------
    def writer(self, write: bool = True) -> ExportsWriter:
        """Judge planned files one at a time (`put`), then `finish`: a build streams its dashboards
        through it and holds none of them. With `write`, files that differ are staged on the way
        and put in place at `finish` (nothing is in place before: `abort` leaves the folder as it was)."""
        self._folders.clear()  # each pass joins its folders afresh: a folder may have changed since
        return ExportsWriter(self, write)

    def survey(self, files: Mapping[str, str], complete: bool = True) -> Survey:
        """How the folder differs from `files`, and what vobs will not touch. With an incomplete
        plan, extras are not judged (a failed module's previous export is kept)."""
        return self._through(self.writer(write=False), files, complete)

    def compare(self, files: Mapping[str, str], complete: bool = True) -> list[Change]:
        """How the directory differs from `files` (what a build would change)."""
        return self.survey(files, complete).changes

    def apply(self, files: Mapping[str, str], complete: bool = True) -> Survey:
        """Write what differs (each file atomically) and, for a complete plan, delete the extras
        vobs owns. An incomplete plan keeps the manifest's story but records what it wrote."""
        return self._through(self.writer(write=True), files, complete)

    @staticmethod
    def _through(writer: ExportsWriter, files: Mapping[str, str], complete: bool) -> Survey:
        try:
            for rel, text in files.items():
                writer.put(rel, text)
        except BaseException:
            writer.abort()
            raise
        return writer.finish(complete)

    def _extras(self, planned: Mapping[str, str], owned: Mapping[str, str], survey: Survey) -> None:
        """What is in the folder but not planned: vobs' own files to delete, the rest left alone."""
        for rel, mode in sorted(self.entries().items()):
            if rel in planned:  # builds' staging folders, this one's too, are not among the entries
                continue
            if not stat.S_ISREG(mode):
                survey.left.append(LeftAlone(rel, f"is {kind_of(mode)}: skipped, not followed", False))
            elif rel not in owned:
                survey.left.append(LeftAlone(rel, "not written by vobs (not in the manifest): left alone", False))
            elif self._hash(rel) != owned[rel]:
                survey.left.append(LeftAlone(rel, "changed since vobs wrote it (hand-edited?): left alone", False))
            else:
                survey.changes.append(Change("extra", rel))

    def _folder(self, parent: str) -> Path:
        """The export folder `parent` (a narrative's), joined safely once per folder and run: each
        join resolves both paths, a dozen system calls, for every one of a build's files."""
        if not parent:
            return self.path
        joined = self._folders.get(parent)
        if joined is None:
            joined = self._folders[parent] = safe_join(self.path, parent, what="export folder")
        return joined

    def _planned_state(self, rel: str, data: bytes, owned: Mapping[str, str]) -> str | LeftAlone | None:
        """None when the file is as planned; "missing" or "changed" when vobs may write it; else why not."""
        parent, _, name = rel.rpartition("/")
        try:  # the folders on the way must stay inside; the file itself is looked at, not followed
            target = self._folder(parent) / name
        except PathEscape:
            return LeftAlone(rel, "a symlink on its path leads out of the exports folder: not followed", True)
        try:
            mode = os.lstat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return "missing"  # (under a file: writing it fails, naming the file)
        except OSError as exc:
            return LeftAlone(rel, f"cannot be checked: {os_reason(exc)}", True)
        if not stat.S_ISREG(mode):
            return LeftAlone(rel, f"is {kind_of(mode)}, which vobs did not write: left alone", True)
        current = self._bytes(rel)
        if current == data:
            return None
        digest = hashlib.sha256(current).hexdigest() if current is not None else None
        if rel == MANIFEST:
            if self._manifest_data() is None:
                return LeftAlone(rel, "is not a manifest vobs wrote: left alone", True)
            return "changed"
        if rel not in owned:
            return LeftAlone(rel, "differs and was not written by vobs (not in the manifest): left alone", True)
        if digest != owned[rel]:
            return LeftAlone(rel, "changed since vobs wrote it (hand-edited?): left alone", True)
        return "changed"

    def _bytes(self, rel: str) -> bytes | None:
        try:
            return read_regular(self.path / rel)
        except (OSError, InputError):
            return None

    def _hash(self, rel: str) -> str | None:
        data = self._bytes(rel)
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def _record(self, hashes: Mapping[str, str], written: list[str]) -> None:
        """After an incomplete build: add what it wrote to the manifest's `files`, so a later build
        still knows those files are vobs'. Nothing else in the manifest changes."""
        data = self._manifest_data()
        if not isinstance(data, dict):
            return  # no manifest yet (none is written from an incomplete build), or not vobs'
        manifest = dict(data)
        recorded = dict(manifest.get("files") or {}) if isinstance(manifest.get("files"), dict) else {}
        recorded.update({rel: hashes[rel] for rel in written})
        manifest["files"] = dict(sorted(recorded.items()))
        write_atomic(self.path / MANIFEST, strict_json(manifest) + "\n")

    def _shown(self, path: str) -> str:
        return self.shown + path[len(str(self.path)):] if path.startswith(str(self.path)) else path


class ExportsWriter:
    """One build's pass over the exports folder, a file at a time (`ExportsDir.writer`).

    `put` hashes a planned file, compares it with the disk and, when writing, stages it in a
    hidden folder inside exports/ (same file system: putting it in place is a rename); the text
    is not kept. `finish` judges the extras and puts the staged files in place in path order, as
    `apply` always did; `abort` removes the staging folder. Memory stays flat in the number of
    dashboards: a path and a hash each."""

    def __init__(self, exports: ExportsDir, write: bool):
        self.exports, self.write = exports, write
        self.owned = exports.owned()
        self.hashes: dict[str, str] = {}  # every planned path → sha256 of its content
        self._survey = Survey()
        self._staged: dict[str, str] = {}  # planned path → its staged copy
        self._staging: str | None = None
        self._count = 0  # files staged so far: the next one's name
        self._made_root = False

    def put(self, rel: str, text: str, digest: str | None = None) -> None:
        data = text.encode("utf-8")
        self.hashes[rel] = digest or hashlib.sha256(data).hexdigest()
        state = self.exports._planned_state(rel, data, self.owned)
        if isinstance(state, LeftAlone):
            self._survey.left.append(state)
        elif state is not None:
            self._survey.changes.append(Change(state, rel))
            if self.write:
                self._stage(rel, data)

    def _stage(self, rel: str, data: bytes) -> None:
        root = self.exports.path
        try:
            if self._staging is None:
                self._made_root = not os.path.isdir(root)
                os.makedirs(root, exist_ok=True)
                self._staging = tempfile.mkdtemp(prefix=f".vobs-build-{os.getpid()}-", dir=root)
            # Our own fresh folder: numbered names, each created exclusively (mkstemp's random
            # names cost more than the write).
            self._count += 1
            staged = os.path.join(self._staging, str(self._count))
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as stream:
                os.fchmod(stream.fileno(), 0o644)
                stream.write(data)
        except OSError as exc:
            failed = exc.filename if isinstance(exc.filename, str) and not self._in_staging(exc.filename) \
                else str(root / rel)
            raise WriteFailed(self.exports._shown(failed), os_reason(exc), [],
                              [f"{self.exports.shown}/{rel}"]) from None
        self._staged[rel] = staged

    def _in_staging(self, path: str) -> bool:
        return self._staging is not None and (path == self._staging or path.startswith(self._staging + os.sep))

    def abort(self) -> None:
        """Leave the folder as it was: drop the staged files (and exports/ if this build made it)."""
        if self._staging is not None:
            self._drop_staging()
            if self._made_root:
                with contextlib.suppress(OSError):
                    os.rmdir(self.exports.path)

    def _drop_staging(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def _sweep(self) -> None:
        """Remove the staging folders of builds that were killed (their process is gone): a
        build stopped by SIGKILL cannot clean up after itself. A live build's is left alone."""
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.exports.path):
                found = _STAGING.fullmatch(entry.name)
                if found and entry.is_dir(follow_symlinks=False) and entry.path != self._staging \
                        and not (found.group(1) and _alive(int(found.group(1)))):
                    shutil.rmtree(entry.path, ignore_errors=True)

    def finish(self, complete: bool = True) -> Survey:
        """The survey; when writing, the staged files put in place and vobs' extras deleted (for a
        complete plan). A failure names what was and was not written (`WriteFailed`)."""
        survey = Survey(sorted(self._survey.changes, key=lambda c: c.path),
                        sorted(self._survey.left, key=lambda item: item.path))
        if complete:
            self.exports._extras(self.hashes, self.owned, survey)
        if self.write:
            try:
                self._commit(survey.changes)
            finally:
                self._drop_staging()
                self._sweep()
            if not complete and any(c.kind != "extra" for c in survey.changes):
                self.exports._record(self.hashes, [c.path for c in survey.changes if c.kind != "extra"])
        return survey

    def _commit(self, changes: list[Change]) -> None:
        root, shown = self.exports.path, self.exports.shown
        done: list[str] = []
        for index, change in enumerate(changes):
            target = root / change.path
            try:
                if change.kind == "extra":
                    target.unlink()
                    parent = target.parent
                    if parent != root and not os.path.islink(parent) and not any(parent.iterdir()):
                        parent.rmdir()
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(self._staged[change.path], target)
            except OSError as exc:  # `path: reason`, and what was and was not written (exit 3 if anything was)
                failed = exc.filename if isinstance(exc.filename, str) and not self._in_staging(exc.filename) \
                    else str(target)
                raise WriteFailed(self.exports._shown(failed), os_reason(exc), done,
                                  [f"{shown}/{c.path}" for c in changes[index:]]) from None
            done.append(f"{shown}/{change.path}")


def _alive(pid: int) -> bool:
    """Is process `pid` running (on this machine)? Signal 0 asks without sending anything."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or a number no process has: not ours to judge
    return True
