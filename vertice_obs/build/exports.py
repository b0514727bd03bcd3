"""`ExportsDir`: the filesystem edge of the build — compare with a plan, or apply it atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from vertice_obs.errors import WriteFailed, os_reason
from vertice_obs.files import write_atomic

MANIFEST = "manifest.json"  # what was rendered, its folder and content hash


@dataclass(frozen=True)
class Change:
    kind: str  # "changed" | "missing" | "extra"
    path: str  # relative to the exports directory


class ExportsDir:
    def __init__(self, path: Path, shown: str | None = None):
        self.path = path
        self.shown = shown or str(path)  # how messages name it (relative to the project)

    def existing(self) -> set[str]:
        """Files we own: the manifest, every `<narrative>/<uid>.json` and `rules/<name>.yaml`."""
        if not self.path.is_dir():
            return set()
        owned = {p.relative_to(self.path).as_posix() for p in self.path.glob("*/*.json")}
        owned |= {p.relative_to(self.path).as_posix() for p in self.path.glob("rules/*.yaml")}
        if (self.path / MANIFEST).is_file():
            owned.add(MANIFEST)
        return owned

    def manifest(self) -> dict:
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def compare(self, files: Mapping[str, str], complete: bool = True) -> list[Change]:
        """How the directory differs from `files`; with an incomplete plan, extras are not judged."""
        changes = []
        for rel, text in sorted(files.items()):
            target = self.path / rel
            if not target.is_file():
                changes.append(Change("missing", rel))
            elif _read(target) != text:
                changes.append(Change("changed", rel))
        if complete:
            changes.extend(Change("extra", rel) for rel in sorted(self.existing() - set(files)))
        return changes

    def apply(self, files: Mapping[str, str], complete: bool = True) -> list[Change]:
        """Write what differs (each file atomically) and, for a complete plan, delete extras."""
        changes = self.compare(files, complete)
        done: list[str] = []
        for index, change in enumerate(changes):
            target = self.path / change.path
            try:
                if change.kind == "extra":
                    target.unlink()
                    if target.parent != self.path and not any(target.parent.iterdir()):
                        target.parent.rmdir()
                else:
                    write_atomic(target, files[change.path])
            except OSError as exc:  # `path: reason`, and what was and was not written (exit 3 if anything was)
                failed = exc.filename if isinstance(exc.filename, str) else str(target)
                shown = self.shown + failed[len(str(self.path)):] if failed.startswith(str(self.path)) else failed
                raise WriteFailed(shown, os_reason(exc), done, [f"{self.shown}/{c.path}" for c in changes[index:]]) from None
            done.append(f"{self.shown}/{change.path}")
        return changes


def _read(path: Path) -> str | None:
    """A file's text, or None when it is not UTF-8 (then it differs from any rendering)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
