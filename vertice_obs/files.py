"""The filesystem edge shared by every stage: atomic writes, and reads that cannot hang.

Owns: how vobs writes a file (never half a file; a backup never over another file) and how it
reads one it was pointed at (only a
regular file: a FIFO, socket or device is refused before a byte is read, so a FIFO cannot block
the run). Imports only `vertice_obs.errors`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from vertice_obs.errors import InputError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symlink"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class NotAFile(InputError):
    """A path vobs was to read is a folder, FIFO, socket or device: callers that walk a folder skip it."""


def kind_of(mode: int) -> str:
    """What a `st_mode` names, in words: "a file", "a folder", "a symlink", "a FIFO", …"""
    if stat.S_ISREG(mode):
        return "a file"
    return next((word for test, word in _KINDS if test(mode)), "a special file")


def read_regular(path: Path, shown: str | None = None) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), else `InputError` naming what
    it is. Opened non-blocking and checked on the open descriptor: a FIFO is refused at once, even
    one swapped in after a check, instead of waiting for a writer that never comes."""
    label = shown or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"cannot read: {(exc.strerror or type(exc).__name__).lower()}", label) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFile(f"is {kind_of(mode)}, not a regular file", label)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(fd)


def write_atomic(target: Path, text: str, new_folders: bool = True) -> None:
    """Write via a temporary file in the same directory and rename: readers never see half a file.
    Missing folders above `target` are created, unless `new_folders=False` (an `-o FILE`). Only over
    a regular file or nothing (`not_over_a_special_file`): the rename would replace a symlink (its
    target untouched) or, as root, a device such as /dev/null with a regular file."""
    if new_folders:
        target.parent.mkdir(parents=True, exist_ok=True)
    not_over_a_special_file(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def not_over_a_special_file(target: Path, shown: str | None = None) -> None:
    """`NotAFile` when `target` exists as anything but a regular file — a symlink (never written
    through: where it leads is not what was named), a FIFO, a device, a socket, a folder."""
    try:
        mode = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(mode):
        raise NotAFile(f"is {kind_of(mode)}, not a regular file: not written over (name a regular file)",
                       shown or str(target))


def write_new(target: Path, text: str) -> Path:
    """Write `text` under `target`'s name, or — when a file of that name exists — the first free of
    `<stem>.1<suffix>`, `<stem>.2<suffix>`, …; the path written. Never over an existing file (two
    backups made in the same second both survive): each name is claimed by an exclusive create
    (`O_EXCL`: one writer wins it, even among processes), then filled by `write_atomic`, so the
    file is never half written. A claimed name that could not be filled is given back."""
    target.parent.mkdir(parents=True, exist_ok=True)
    name, n = target, 0
    while True:
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            n += 1
            name = target.with_name(f"{target.stem}.{n}{target.suffix}")
            continue
        try:
            write_atomic(name, text)
        except BaseException:
            name.unlink(missing_ok=True)
            raise
        return name


def repository_root(start: Path) -> Path:
    """The top level of the git work tree holding `start` (the nearest folder with a `.git` folder
    or file, as in a linked worktree), else `start` itself: what SARIF URIs are relative to."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return start
