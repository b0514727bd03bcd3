"""Where `vobs import` puts the dashboards it imports, decided before anything is written: each
one's module (`place`: a uid's own module with --force, else a name of its own) and whether the
titles fit the Grafana folders their narratives give them (`title_problems`: `vobs build`'s rule).
The project's modules are read, never run: importing runs code, and these checks must not.
"""

from __future__ import annotations

import ast
import hashlib
import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from vertice_obs.errors import InputError
from vertice_obs.guard.paths import safe_join


@dataclass
class Imported:
    source: str
    uid: str
    title: str
    module: Path | None
    text: str
    notes: list[str] = field(default_factory=list)


_NAME_CHARS = 60  # a module name from a long title is cut at a word before this


def module_name(title: str, uid: str) -> str:
    """A module file name from a dashboard's title, as people call it (`Node Exporter / USE Method /
    Cluster` → `node_exporter_use_method_cluster`): its ASCII letters and digits (accents dropped),
    lowercase, `_` for the rest, cut at a word within 60 characters; from the uid (a Grafana uid
    already) when the title has no such character (another script). Only [a-z0-9_] ever reaches
    the file name, and it goes through `safe_join`."""
    name = _slug(title)
    if len(name) > _NAME_CHARS:
        name = name[:_NAME_CHARS + 1].rsplit("_", 1)[0] if "_" in name[:_NAME_CHARS + 1] else name[:_NAME_CHARS]
    name = name or _slug(uid) or "imported"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "d_" + name
    return name


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def _defined(directory: Path) -> dict[str, tuple[Path, str | None]]:
    """uid → (module, title), for the modules whose `dashboard(...)` call names its uid as a literal
    (the title too when it is one: the kit's and `vertice_obs.panels`' `dashboard(uid, title, …)`)."""
    found: dict[str, tuple[Path, str | None]] = {}
    for path in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "dashboard" \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                titled = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "title")]
                title = next((t.value for t in titled if isinstance(t, ast.Constant) and isinstance(t.value, str)),
                             None)
                found.setdefault(node.args[0].value, (path, title))
    return found


def place(imported: list[Imported], project, force: bool) -> dict[str, tuple[Path, str | None]]:
    """Decide every module path before anything is written, and return what the project's modules
    define (uid → (module, its literal title or None)), for `title_problems`. A uid some module already defines goes
    to THAT module, and only with --force: --force never replaces a module of another uid (so a
    dashboard renamed since keeps its module). Any other is named after its title (`module_name`);
    two dashboards whose titles make the same module name (`Overview`, `overview!`), or a name an
    existing module of another dashboard holds, compared case-insensitively as macOS and Windows
    file systems compare them, get a short stable hash of the exact uid appended instead."""
    seen: dict[str, str] = {}
    for item in imported:
        if item.uid in seen:
            raise InputError(f"dashboard uid {item.uid!r} is also in {seen[item.uid]}: import one of them", item.source)
        seen[item.uid] = item.source
    directory = project.dashboards_dir
    found = _defined(directory)
    defined = {uid: module for uid, (module, _) in found.items()}
    existing = {p.name.casefold() for p in directory.glob("*.py")} if directory.is_dir() else set()
    taken: set[str] = set()
    for item in (i for i in imported if i.uid in defined):
        own = defined[item.uid]
        if not force and own.name == module_name(item.title, item.uid) + ".py":
            raise InputError(f"{project.display(own)} exists already: pass --force to overwrite it", item.source)
        if not force:
            raise InputError(f"dashboard uid {item.uid!r} is already defined in {project.display(own)}: "
                             "pass --force to replace that module", item.source)
        item.module = own
        taken.add(own.name.casefold())
    for item in (i for i in imported if i.module is None):
        base = module_name(item.title, item.uid)
        digest = hashlib.sha256(item.uid.encode("utf-8", "surrogatepass")).hexdigest()
        name = next(n for n in [base, *(f"{base}_{digest[:k]}" for k in (6, 12, 64))]
                    if (n + ".py").casefold() not in taken | existing)
        item.module = safe_join(directory, name + ".py", what="module name")
        taken.add(item.module.name.casefold())
        if name != base:
            item.notes.append(f"module name: {base}.py is another dashboard's, so this one is {name}.py "
                              "(a stable hash of its uid appended)")
    return found


def title_problems(imported: list[Imported], project, narrative: tuple[Path, str] | None,
                   defined: dict[str, tuple[Path, str | None]]) -> list[InputError]:
    """One error per imported dashboard that `vobs build` would refuse for its title (another
    dashboard of the title in the Grafana folder of its narrative: `importer.chapters.title_clashes`),
    with `narrative` (its file, the text import is about to write there) as it will be. The
    project's dashboards are known by the title their module writes as a literal (`defined`, as
    `place` read them), else by the one their last build rendered (the manifest). A narrative that does not load is left out: the build
    says what is wrong with it."""
    from vertice_obs.build.exports import ExportsDir
    from vertice_obs.build.narrative import CATALOG_FILE, load_narrative
    from vertice_obs.importer.chapters import title_clashes

    directory = project.narratives_dir
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if narrative is not None and narrative[0] not in paths:
        paths.append(narrative[0])
    narratives = []
    for path in (p for p in paths if p.name != CATALOG_FILE):
        try:
            narratives.append(load_narrative(path, project.display(path),
                                             narrative[1] if narrative is not None and path == narrative[0] else None))
        except InputError:
            continue
    built = ExportsDir(project.exports_dir).manifest().get("dashboards")
    existing = {uid: (entry["source"], entry["title"]) for uid, entry in (built.items() if isinstance(built, dict)
                                                                         else ())
                if isinstance(entry, dict) and isinstance(entry.get("source"), str)
                and isinstance(entry.get("title"), str)}
    for uid, (module, title) in defined.items():
        if title is not None:
            existing[uid] = (project.display(module), title)
    return title_clashes(narratives, existing, [(i.uid, i.source, i.title) for i in imported])
