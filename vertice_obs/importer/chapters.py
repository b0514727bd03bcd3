"""Chapters for imported dashboards, appended to a narrative's YAML text. Pure: text in, text out.

The text is appended, not re-dumped, so the author's comments and layout stay. The story is a
TODO that `vobs build` reports (`narrative/story-todo`) until someone writes it: an imported
dashboard has panels but no story yet, and the build says so rather than pretending.
"""

from __future__ import annotations

import unicodedata
from typing import Mapping, Sequence

from vertice_obs.build.narrative import Narrative, folder_problem
from vertice_obs.build.plan import FolderTitles
from vertice_obs.build.render import memberships_by_uid
from vertice_obs.errors import InputError
from vertice_obs.located_yaml import parse_located

TODO = "TODO: tell the story of this chapter: what should a reader notice here, and why does it matter?"


# Written as an escape, never raw: what is invisible or not text (controls, line and paragraph
# separators, bidi and other format characters, surrogates, unassigned code points and U+FFFE/F,
# which YAML refuses raw).
_ESCAPED = ("Cc", "Cf", "Cs", "Cn", "Zl", "Zp")
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar, its text in UTF-8 as typed (`"Platform — DB overview"`, not
    `\\u2014`): `"` and `\\` escaped, and each character that is invisible or not text as a `\\u`
    (`\\U`) escape, so the file shows the title as it is and YAML reads back exactly it."""
    def one(ch: str) -> str:
        if ch in _SHORT:
            return _SHORT[ch]
        if unicodedata.category(ch) not in _ESCAPED:
            return ch
        return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"

    return '"' + "".join(one(ch) for ch in text) + '"'


def chapter_text(uid: str, title: str, indent: str = "  ") -> str:
    return (f"{indent}- dashboard: {_quoted(uid)}\n{indent}  title: {_quoted(title)}\n"
            f"{indent}  story: |\n{indent}    {TODO}\n")


def adopted_folder(homes: Mapping[str, tuple[str, str]], uids: Sequence[str]) -> tuple[str, str] | None:
    """The Grafana folder a new narrative of the dashboards `uids` adopts, (path, uid), from where
    `homes` (uid → (path, folder uid), as `vobs pull`'s inventory or Grafana says) puts them; None
    when it says nothing of them, or they were in the General folder (the root, no folder to adopt).
    Dashboards from several folders are an `InputError`: a narrative's dashboards share one folder,
    so publishing would move some out of the folder they are in."""
    known: dict[tuple[str, str], int] = {}
    for uid in uids:
        if uid in homes:
            known[homes[uid]] = known.get(homes[uid], 0) + 1
    if len(known) > 1:
        said = ", ".join(f"{path or 'General'!r}" + (f" (uid {folder})" if folder else "") + f": {n}"
                         for (path, folder), n in sorted(known.items()))
        raise InputError(f"the dashboards are in {len(known)} Grafana folders ({said}) and a narrative's dashboards "
                         "share one folder: publishing would move some out of theirs — import each folder's into its "
                         "own narrative (name its files: inventory.json gives each one's folder_uid); nothing was "
                         "written")
    home = next(iter(known), None)
    return home if home is not None and home[1] else None


def new_narrative(narrative_id: str, chapters: Sequence[tuple[str, str]], folder: tuple[str, str] | None = None) -> str:
    """`folder`: (path, uid) of the Grafana folder it adopts (`adopted_folder`): written as `folder:`
    and `folder_uid:`, so publish keeps the dashboards where they are. A path a narrative cannot
    hold (`folder_problem`) is left out: the uid alone places them."""
    adopt = ""
    if folder is not None:
        path, uid = folder
        adopt = (f"folder: {_quoted(path)}\n" if path and folder_problem(path) is None else "") + \
            f"folder_uid: {_quoted(uid)}\n"
    head = (f"id: {narrative_id}\ntitle: {_quoted(narrative_id)}\n{adopt}owner: {_quoted('TODO')}\n"
            f"summary: |\n  TODO: who is this narrative for, and what should they learn from it?\n"
            f"chapters:\n")
    return head + "".join(chapter_text(uid, title) for uid, title in chapters)


def title_clashes(narratives: Sequence[Narrative], existing: Mapping[str, tuple[str, str]],
                  imported: Sequence[tuple[str, str, str]]) -> list[InputError]:
    """What `vobs build` would refuse of an import for its titles (`FolderTitles`: one dashboard of a
    title per Grafana folder), one error per imported dashboard (uid, source, title) that would take
    the title of another in the folder of its narrative: an earlier imported one, or one of the
    project's (`existing`: uid → (module, title)). `narratives` are as they will be after the import;
    a dashboard in none is not rendered, so its title is free, and a clash the project already had
    is the build's to say."""
    homes = memberships_by_uid(narratives)
    folders = FolderTitles()
    new = {uid for uid, _, _ in imported}
    for uid, (module, title) in existing.items():
        if uid not in new and uid in homes:
            home = homes[uid][0].narrative
            folders.clash(uid, module, title, home.folder, home.folder_uid)
    clashes = []
    for uid, source, title in imported:
        if uid in homes:
            home = homes[uid][0].narrative
            said = folders.clash(uid, source, title, home.folder, home.folder_uid,
                                 "give one another title, or import it into a narrative of another folder")
            clashes += [InputError(said, source)] if said else []
    return clashes


def append_chapters(text: str, file: str, chapters: Sequence[tuple[str, str]]) -> tuple[str, list[str]]:
    """`text` with `chapters` (uid, title) appended, and the uids already chapters (left alone).
    `chapters:` must be the file's last top-level key: the new items are written after it."""
    data = parse_located(text, file).data  # as `vobs build` reads it: any mistake is one located line
    if not isinstance(data, dict) or not isinstance(data.get("chapters"), list):
        raise InputError("not a narrative (no `chapters:` list) to append chapters to", file, 1)
    lines = text.splitlines()
    top = [i for i, line in enumerate(lines) if line[:1].strip() and not line.startswith(("#", "-", "..."))]
    if not top or not lines[top[-1]].startswith("chapters:"):
        at = next((i for i in top if lines[i].startswith("chapters:")), 0)
        raise InputError("`chapters:` must be the last top-level key to append imported chapters after it",
                         file, at + 1)
    if lines[top[-1]].strip() != "chapters:":
        raise InputError("write `chapters:` as a block list (one `- dashboard:` per line) to append to it",
                         file, top[-1] + 1)
    items = [line for line in lines[top[-1] + 1:] if line.lstrip().startswith("- ")]
    indent = items[0][:len(items[0]) - len(items[0].lstrip())] if items else "  "
    known = {c.get("dashboard") for c in data["chapters"] if isinstance(c, dict) and isinstance(c.get("dashboard"), str)}
    kept = [(uid, title) for uid, title in chapters if uid not in known]
    out = text if text.endswith("\n") or not text else text + "\n"
    out += "".join(chapter_text(uid, title, indent) for uid, title in kept)
    check = parse_located(out, file).data
    if not isinstance(check, dict) or not isinstance(check.get("chapters"), list) or \
            len(check["chapters"]) != len(data["chapters"]) + len(kept):
        raise InputError("could not append chapters without changing the file's meaning", file)
    return out, [uid for uid, _ in chapters if uid in known]
