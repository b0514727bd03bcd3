"""`Narrative` and `Chapter`: storytelling over dashboards, loaded from `narratives/*.yaml`.

A narrative is an ordered story; each chapter names a dashboard (by uid) and says what a reader
should notice there. Loading is strict — unknown keys, wrong types, duplicate ids — and every error
is one line with file and line. Cross-file rules (missing dashboards, folder conflicts) live in
`check_references`, because they need the dashboards too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Iterable, Mapping

from vertice_obs.errors import InputError, listing
from vertice_obs.located_yaml import (
    excerpt,
    load_located,
    parse_located,
    schema_problems,
)

CATALOG_FILE = "metrics.yaml"
# Characters that read as a path separator without being `/`: backslash, fraction slash, division
# slash, fullwidth solidus, big solidus, and the reverse forms.
_SLASH_LIKE = re.compile("[\\\\\u2044\u2215\uff0f\u29f8\u29f9\u29f5\ufe68\uff3c]")
MAX_FOLDER_SEGMENT = 120
# A segment is also a directory of a provisioning folder: file systems allow 255 bytes per name, and
# non-ASCII letters take 2–4 each (100 × "ド" is 300 bytes). Grafana nests folders 4 deep at most
# (MaxNestedFolderDepth): a 5th would be refused after the first four were created.
MAX_FOLDER_SEGMENT_BYTES = 200
MAX_FOLDER_DEPTH = 4
# The narrative's playlist (`playlist: {interval: 5m}`): how long Grafana shows each chapter.
DEFAULT_PLAYLIST_INTERVAL = "5m"
_INTERVAL = re.compile(r"([1-9][0-9]{0,5})([smh])")
_SECONDS = {"s": 1, "m": 60, "h": 3600}
GENERAL_UID = "general"  # Grafana's root: no folder to adopt
MIN_INTERVAL, MAX_INTERVAL = 10, 24 * 3600  # seconds: faster than a dashboard loads, slower than a day


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
    playlist_interval: str = DEFAULT_PLAYLIST_INTERVAL
    # the narrative's own fields still holding the TODO `vobs import` wrote, with their lines
    todos: tuple[tuple[str, int | None], ...] = ()
    # `folder_uid:` — an existing Grafana folder the narrative adopts (vobs import writes it): its
    # dashboards go there, and vobs never creates, renames or moves it. "": vobs' own folder for `folder`.
    folder_uid: str = ""

    @property
    def folder_path(self) -> tuple[str, ...]:
        return tuple(self.folder.split("/"))


def is_todo(text: str) -> bool:
    """Still the placeholder `vobs import` writes (a chapter's story, a narrative's owner or
    summary): `vobs build` warns until someone writes it."""
    return text.strip().startswith("TODO")


def load_narrative(path: Path, display: str | None = None, text: str | None = None) -> Narrative:
    """The narrative in `path` (or `text`, what it is about to hold), or `InputError` carrying every
    problem the file has (in `also`), in file order: the schema's, and the rules it cannot say, for
    each value the schema accepts."""
    doc = load_located(path, display) if text is None else parse_located(text, display or str(path))
    schema = schema_problems(doc, "narrative")
    errors = [p.error for p in schema]
    flagged = {p.path for p in schema}
    data = doc.data if isinstance(doc.data, dict) else {}

    def fine(*where) -> bool:  # the schema accepted this value (and reported any problem of it)
        return where not in flagged and isinstance(_at(data, where), str)

    if fine("id") and data["id"] != path.stem:
        errors.append(doc.error(f"narrative id {data['id']!r} must match its file name {path.stem!r}", ("id",)))
    chapters = []
    seen: dict[str, int] = {}
    raw_chapters = data.get("chapters") if isinstance(data.get("chapters"), list) else []
    for index, raw in enumerate(raw_chapters):
        line = doc.line(("chapters", index, "dashboard"))
        if not fine("chapters", index, "dashboard"):
            continue
        uid = raw["dashboard"]
        if uid in seen:
            errors.append(InputError(f"dashboard {uid!r} is already chapter {seen[uid] + 1} of this narrative",
                                     doc.file, line))
            continue
        seen[uid] = index
        if fine("chapters", index, "title") and fine("chapters", index, "story"):
            chapters.append(Chapter(dashboard=uid, title=raw["title"].strip(), story=raw["story"].strip(), line=line))
    folder = ""
    if "folder" in data:
        if fine("folder"):  # one spelling of a title: NFC, as most editors write it (trial 16: an NFD
            folder = unicodedata.normalize("NFC", data["folder"])  # 'Café' made a second folder of it)
            problem = folder_problem(folder)
            if problem:
                errors.append(doc.error(f"folder {folder!r}: {problem}", ("folder",)))
    elif fine("title"):
        folder = unicodedata.normalize("NFC", data["title"].strip().replace("/", "-"))
        problem = folder_problem(folder)
        if problem:
            errors.append(doc.error(f"the title {folder!r} is the default folder, but {problem}: give a `folder`",
                                    ("title",)))
    adopted = data["folder_uid"] if fine("folder_uid") else ""
    if adopted.lower() == GENERAL_UID:
        errors.append(doc.error("folder_uid 'general' is Grafana's root, no folder: remove folder_uid (vobs then "
                                "makes the narrative's folder)", ("folder_uid",)))
    interval = DEFAULT_PLAYLIST_INTERVAL
    if fine("playlist", "interval"):
        try:
            interval = _interval(doc, data["playlist"]["interval"])
        except InputError as exc:
            errors.append(exc)
    if errors:
        errors.sort(key=lambda error: error.line or 0)  # stable: at one line, the schema's first
        raise InputError.together(errors)
    return Narrative(
        id=data["id"],
        title=data["title"].strip(),
        owner=data["owner"],
        summary=data["summary"].strip(),
        folder=folder,
        tags=tuple(data.get("tags", ())),
        chapters=tuple(chapters),
        file=doc.file,
        playlist_interval=interval,
        folder_uid=adopted,
        todos=tuple((key, doc.line((key,))) for key in ("owner", "summary")
                    if is_todo(str(data[key]))),
    )


def _excused(unknown: list[str], broken: Mapping[str, Collection[str]]) -> set[str]:
    """The unknown uids a broken module may define (see `check_references`)."""
    named = {uid for uids in broken.values() for uid in uids} & set(unknown)
    rest = [uid for uid in unknown if uid not in named]
    unnamed = sum(1 for uids in broken.values() if not set(uids) & set(unknown))
    return named | (set(rest) if len(rest) <= unnamed else set())


def _place(narrative: Narrative) -> str:
    """A narrative's folder in words: `'Platform'`, or `'Platform' (adopted uid plat)`."""
    return repr(narrative.folder) + (f" (adopted uid {narrative.folder_uid})" if narrative.folder_uid else "")


def _at(data: dict, where: tuple) -> object:
    """The value at `where` in `data` (keys and list indexes), or None when there is none."""
    for step in where:
        if isinstance(data, dict) and not isinstance(step, int):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return None
    return data


def _interval(doc, value: str) -> str:
    """A playlist interval Grafana plays as meant: a whole number of s, m or h (as its UI writes
    them), from 10 s (a chapter must load before the next) to 24 h."""
    match = _INTERVAL.fullmatch(value)
    where = ("playlist", "interval")
    if match is None:
        raise doc.error(f"playlist interval {excerpt(value)}: write a whole number and a unit, s, m or h "
                        "(e.g. '30s', '5m', '1h')", where)
    seconds = int(match.group(1)) * _SECONDS[match.group(2)]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise doc.error(f"playlist interval {excerpt(value)} is {seconds:,}s: it must be from {MIN_INTERVAL}s to 24h", where)
    return value


def folder_problem(folder: str) -> str | None:
    """Why `folder` (a `/`-separated Grafana folder path) is unusable, or None.

    Each segment becomes a Grafana folder and, for provisioning, a directory: an empty, `.` or
    `..` segment would name the parent (or leave `provisioning/`), a control character would
    reach terminals and file names, and a slash look-alike would read as nesting that is not."""
    if folder.count("/") >= MAX_FOLDER_DEPTH:
        return (f"{folder.count('/') + 1} levels deep; Grafana nests folders {MAX_FOLDER_DEPTH} deep at most "
                "(it would refuse the rest after creating the first ones)")
    for segment in folder.split("/"):
        shown = repr(segment)
        if not segment.strip():
            return "a folder path has no empty segments (write 'A/B', not 'A//B' or 'A/ ')"
        if segment.strip() in (".", ".."):
            return f"segment {shown} is not a folder name ('.' and '..' name other folders)"
        if segment.strip().casefold() == "general":  # Grafana: strings.EqualFold(title, RootFolderName), trimmed
            return (f"segment {shown} is the title Grafana keeps for its root folder: every version refuses a "
                    "folder titled General, in any case (a dashboard with no folder is in General)")
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in segment):
            return f"segment {shown} contains a control or invisible formatting character"
        if _SLASH_LIKE.search(segment):
            return f"segment {shown} contains a character that looks like a slash; use '/' to nest folders"
        if len(segment) > MAX_FOLDER_SEGMENT:
            return f"segment is {len(segment)} characters long (at most {MAX_FOLDER_SEGMENT})"
        if len(segment.encode()) > MAX_FOLDER_SEGMENT_BYTES:
            return (f"segment is {len(segment.encode())} bytes in UTF-8 (at most {MAX_FOLDER_SEGMENT_BYTES}: it is "
                    "also a directory name of a provisioning folder)")
    return None


def narrative_ids(directory: Path) -> set[str] | None:
    """The ids of the narratives in `directory` (a narrative's id is its file's name), without reading
    them; None when there is no such folder."""
    if not directory.is_dir():
        return None
    return {path.stem for path in directory.glob("*.yaml") if path.name != CATALOG_FILE}


def load_narratives(directory: Path, display: Callable[[Path], str] = str) -> list[Narrative]:
    """Every `*.yaml` in `directory` except the metric catalog, ordered by id."""
    if not directory.is_dir():
        above = next((d for d in directory.parent.parents if (d / directory.name).is_dir()), None)
        hint = (f" — the project looks to be {above}: run vobs there, or give -C {above}" if above is not None
                else " — run vobs from the project's root (it holds narratives/ and dashboards/), or give -C ROOT")
        raise InputError(f"narratives directory not found: {directory}{hint}")
    narratives, errors = [], []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == CATALOG_FILE:
            continue
        try:
            narratives.append(load_narrative(path, display(path)))
        except InputError as exc:  # every file's problems in one run, not one file per run
            errors += [exc, *exc.also]
    if errors:
        raise InputError.together(errors)
    return narratives


def check_references(narratives: Iterable[Narrative], known_uids: Iterable[str],
                     broken: Mapping[str, Collection[str]] | None = None) -> None:
    """Every chapter names a known dashboard; a dashboard shared by narratives has one folder.
    Raises one `InputError` carrying every such problem (in `also`), in narrative and chapter
    order: three problems across narratives take one run, not three, as a file's own do.

    While some dashboard modules failed to load (`broken`: each, as shown, → the uids it defines or
    likely defines; already reported), a chapter whose dashboard is unknown may be one of theirs. It
    is excused when a broken module names its uid; the other unknown uids are excused only while
    the broken modules that name none of them are as many (each defines one dashboard): a chapter
    that no module could define is reported as in a build where every module loaded.
    """
    narratives = list(narratives)
    known = set(known_uids)
    unknown = list(dict.fromkeys(c.dashboard for n in narratives for c in n.chapters if c.dashboard not in known))
    excused = _excused(unknown, broken or {})
    not_loaded = f"; not loaded: {listing(list(broken))}" if broken else ""
    home: dict[str, tuple[Narrative, Chapter]] = {}
    errors: list[InputError] = []
    for narrative in narratives:
        for chapter in narrative.chapters:
            if chapter.dashboard not in known:
                if chapter.dashboard not in excused:
                    errors.append(InputError(f"chapter {chapter.title!r}: no dashboard with uid {chapter.dashboard!r} "
                                             f"(known: {', '.join(sorted(known)) or 'none'}{not_loaded})",
                                             narrative.file, chapter.line))
                continue
            first = home.setdefault(chapter.dashboard, (narrative, chapter))
            if (first[0].folder, first[0].folder_uid) != (narrative.folder, narrative.folder_uid):
                errors.append(InputError(
                    f"dashboard {chapter.dashboard!r} is in narrative {first[0].id!r} with folder "
                    f"{_place(first[0])} ({first[0].file}:{first[1].line}) but here with folder "
                    f"{_place(narrative)}: a dashboard lives in one folder",
                    narrative.file, chapter.line))
    if errors:
        raise InputError.together(errors)
