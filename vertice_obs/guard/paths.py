"""The one way a name from outside (a uid, a title, a folder segment, a run id) becomes a path."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Collection

from vertice_obs.errors import InputError, os_reason
from vertice_obs.files import not_over_a_special_file

# Grafana's rule for uids: at most 40 characters of [A-Za-z0-9_-].
UID_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")


class PathEscape(InputError):
    """A name from outside would leave the directory it was meant for."""


def safe_join(root: Path, *parts: str, what: str = "name") -> Path:
    """`root / parts…`, refusing anything that could leave `root`: absolute parts, `..`, empty or `.`
    segments, NUL, and symlinks inside `root` that point out of it. Raises `PathEscape`."""
    base = Path(os.path.abspath(root))
    candidate = base
    for part in parts:
        text = str(part)
        if not text or "\x00" in text or text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
            raise PathEscape(f"{what} {text!r} is not a safe file name")
        for segment in re.split(r"[/\\]", text):
            if segment in ("", ".", ".."):
                raise PathEscape(f"{what} {text!r} is not a safe file name")
        candidate = candidate / text
    if outside(base, candidate) is not None:
        raise PathEscape(f"{what} {'/'.join(map(str, parts))!r} leads outside {root}")
    return candidate


def outside(root: Path, path: Path) -> Path | None:
    """Where `path` really is (symlinks resolved) when that is outside `root`, else None: the one
    test of "inside", for names joined here and for paths a configuration gives."""
    resolved_root = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(path))
    return None if resolved == resolved_root or resolved_root in resolved.parents else resolved


LINKED_FOLDER = "a symlinked folder: not followed"
LINK_OUT = "a symlink leading out of the folder: not read"


def links_out(folder: Path, path: Path | str) -> bool:
    """Is `path`, met in a folder handed over, a symlink whose target is outside `folder`? Such a
    file is not read (`LINK_OUT`): the one test, for every file a folder's walk meets."""
    return os.path.islink(path) and outside(folder, Path(path)) is not None


def json_files(folder: Path, leave_out: Collection[str] = ()) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The one walk of a folder given from outside (`vobs validate`, `audit`, `import`): every
    `*.json` under `folder`, sorted, names in `leave_out` left out — and what was passed over, each
    with why (`LINKED_FOLDER`, `LINK_OUT`). A symlinked folder is never entered (a link out of the
    tree, or a loop); a symlinked file is read only when its target is inside `folder` — a folder
    handed over must not make vobs read `../secret.json` or /etc/passwd through a link in it. A
    symlink named on the command line is not walked here: the user asked for it, it is read."""
    found: list[Path] = []
    passed: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        passed.extend((Path(dirpath) / name, LINKED_FOLDER) for name in dirnames
                      if os.path.islink(os.path.join(dirpath, name)))
        for name in filenames:
            path = Path(dirpath) / name
            if not name.endswith(".json") or name in leave_out:
                continue
            if links_out(folder, path):
                passed.append((path, LINK_OUT))
            else:
                found.append(path)
    return sorted(found), sorted(passed)


def check_uid(uid: object, what: str = "uid") -> str:
    """A Grafana uid (at most 40 of [A-Za-z0-9_-]), else `InputError`."""
    if not isinstance(uid, str) or not UID_RE.fullmatch(uid):
        raise InputError(f"{what} {uid!r} is not a Grafana uid (at most 40 of A-Z a-z 0-9 _ -)")
    return uid


def check_writable(path: Path, *, folder: bool = False, shown: str | None = None, new_folders: bool = True) -> None:
    """Before anything is written (or a fault injected): `path` — a file, or a folder with
    `folder=True` — can be written. Its nearest existing ancestor must be a folder (not a file),
    writable and not on a read-only file system; missing folders below it can be created. Raises
    `InputError` as `path: reason`, naming the true cause. Checks only (but for the probe file below,
    created and removed at once); a file is written over only if it is a regular one.

    `new_folders=False` (a path the user names — `-o FILE`, `--journal FILE`: what Terraform's `-out`
    and a shell's `>` do; `-o DIR`: what `mkdir` without `-p` does): the folder it goes in must exist
    — never created, `cannot write new/x.html: the folder new does not exist …`; a folder named is
    made itself, but none above it — and a file must be creatable there, tried with an empty
    temporary file removed at once: a folder that exists but takes no file (`/proc`, where creating
    one is "no such file or folder", `/sys`) is `cannot write /proc/x.html: no file can be created in
    /proc (…)`, not a later, misleading error of the write."""
    label = shown or str(path)
    target = Path(os.path.abspath(path))
    if target.is_dir() and not folder:
        raise InputError("is a folder, not a file", label)
    if not folder:
        not_over_a_special_file(target, label)  # a symlink, FIFO or device would be replaced by the write
    if target.exists() and not target.is_dir() and folder:
        raise InputError("is a file, not a folder", label)
    nearest = target if (folder and target.is_dir()) else target.parent
    while not os.path.lexists(nearest) and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir():
        raise InputError(f"{nearest} is a file, not a folder", label)
    parent = os.path.dirname(label.rstrip("/")) or "."
    if not new_folders and nearest not in (target, target.parent):
        made = ("only the output folder it is given, not the folders above it" if folder
                else "no folder for a file it is given")
        raise InputError(f"cannot write {label}: the folder {parent} does not exist (vobs creates {made}: make it "
                         "first)")
    if not os.access(nearest, os.W_OK | os.X_OK) or (target.is_file() and not os.access(target, os.W_OK)):
        raise InputError(f"permission denied (cannot write in {nearest})", label)
    try:
        read_only = bool(os.statvfs(nearest).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        read_only = False
    if read_only:
        raise InputError(f"read-only file system ({nearest})", label)
    if not new_folders:
        inside = target if target.is_dir() else target.parent  # a folder named that exists: in it
        _try_a_file_in(inside, f"cannot write {label}: no file can be created in "
                               f"{label.rstrip('/') if inside == target else parent}")


def _try_a_file_in(folder: Path, said: str) -> None:
    """Create an empty temporary file in `folder` and remove it, else `InputError(said (reason))`:
    what `os.access` cannot tell (root may "write" in /proc, which creates no file)."""
    import tempfile

    try:
        fd, probe = tempfile.mkstemp(prefix=".vobs-probe.", dir=folder)
    except OSError as exc:
        raise InputError(f"{said} ({os_reason(exc)})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
