"""`Narrative` and `Chapter`: storytelling over dashboards, loaded from `narratives/*.yaml`.

A narrative is an ordered story; each chapter names a dashboard (by uid) and says what a reader
should notice there. Loading is strict — unknown keys, wrong types, duplicate ids — and every error
is one line with file and line. Cross-file rules (missing dashboards, folder conflicts) live in
`check_references`, because they need the dashboards too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from vertice_obs.located_yaml import check_schema
from vertice_obs.errors import InputError
from vertice_obs.located_yaml import load_located

CATALOG_FILE = "metrics.yaml"


@dataclass(frozen=True)
class Chapter:
    dashboard: str
    title: str
    story: str
    line: int


@dataclass(frozen=True)
class Narrative:
    id: str
    title: str
    owner: str
    summary: str
    folder: str
    tags: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    file: str

    @property
    def folder_path(self) -> tuple[str, ...]:
        return tuple(self.folder.split("/"))


def load_narrative(path: Path, display: str | None = None) -> Narrative:
    doc = load_located(path, display)
    check_schema(doc, "narrative")
    data = doc.data
    if data["id"] != path.stem:
        raise doc.error(f"narrative id {data['id']!r} must match its file name {path.stem!r}", ("id",))
    chapters = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["chapters"]):
        line = doc.line(("chapters", index, "dashboard"))
        uid = raw["dashboard"]
        if uid in seen:
            raise InputError(f"dashboard {uid!r} is already chapter {seen[uid] + 1} of this narrative",
                             doc.file, line)
        seen[uid] = index
        chapters.append(Chapter(dashboard=uid, title=raw["title"].strip(), story=raw["story"].strip(), line=line))
    return Narrative(
        id=data["id"],
        title=data["title"].strip(),
        owner=data["owner"],
        summary=data["summary"].strip(),
        folder=data.get("folder", data["title"].strip().replace("/", "-")),
        tags=tuple(data.get("tags", ())),
        chapters=tuple(chapters),
        file=doc.file,
    )


def load_narratives(directory: Path, display: Callable[[Path], str] = str) -> list[Narrative]:
    """Every `*.yaml` in `directory` except the metric catalog, ordered by id."""
    if not directory.is_dir():
        raise InputError(f"narratives directory not found: {directory}")
    narratives = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == CATALOG_FILE:
            continue
        narratives.append(load_narrative(path, display(path)))
    return narratives


def check_references(narratives: Iterable[Narrative], known_uids: Iterable[str],
                     broken_modules: Sequence[str] = ()) -> None:
    """Every chapter names a known dashboard; a dashboard shared by narratives has one folder.

    While some dashboard modules failed to load (`broken_modules`, already reported), a chapter
    whose dashboard is unknown may be one of theirs: it is skipped rather than failing the build.
    """
    known = set(known_uids)
    home: dict[str, tuple[Narrative, Chapter]] = {}
    for narrative in narratives:
        for chapter in narrative.chapters:
            if chapter.dashboard not in known:
                if broken_modules:
                    continue
                raise InputError(f"chapter {chapter.title!r}: no dashboard with uid {chapter.dashboard!r} "
                                 f"(known: {', '.join(sorted(known)) or 'none'})", narrative.file, chapter.line)
            first = home.setdefault(chapter.dashboard, (narrative, chapter))
            if first[0].folder != narrative.folder:
                raise InputError(
                    f"dashboard {chapter.dashboard!r} is in narrative {first[0].id!r} with folder "
                    f"{first[0].folder!r} ({first[0].file}:{first[1].line}) but here with folder "
                    f"{narrative.folder!r}: a dashboard lives in one folder",
                    narrative.file, chapter.line)
