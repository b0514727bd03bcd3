"""The one way a name from outside (a uid, a title, a folder segment, a run id) becomes a path."""

from __future__ import annotations

import os
import re
from pathlib import Path

from vertice_obs.errors import InputError

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
    resolved_base = Path(os.path.realpath(base))
    resolved = Path(os.path.realpath(candidate))
    if resolved != resolved_base and resolved_base not in resolved.parents:
        raise PathEscape(f"{what} {'/'.join(map(str, parts))!r} leads outside {root}")
    return candidate


def check_uid(uid: object, what: str = "uid") -> str:
    """A Grafana uid (at most 40 of [A-Za-z0-9_-]), else `InputError`."""
    if not isinstance(uid, str) or not UID_RE.fullmatch(uid):
        raise InputError(f"{what} {uid!r} is not a Grafana uid (at most 40 of A-Z a-z 0-9 _ -)")
    return uid
