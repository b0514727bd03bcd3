"""The build pipeline: narratives + dashboard modules → the exact files `exports/` should hold.

`stream_build` is the pipeline, one dashboard at a time: load its module, render it, serialise
and hash it, hand the text to `put`, drop it. What it keeps per dashboard is a manifest entry and
its findings, so memory stays flat in the number of dashboards (issue 12: it grew 0.225 MiB per
dashboard, 1.19 GB at 5,000). `vobs build` streams into `ExportsDir.writer` (in `exports.py`),
which compares with the disk (`--check`) or stages and applies. `plan_build` runs the same
pipeline and keeps everything, for the commands that need the models (`list`, `diff`, `publish`).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from vertice_obs import checks
from vertice_obs.build.exports import MANIFEST, ExportsDir
from vertice_obs.build.modules import (
    DashboardModule,
    ModuleFailure,
    Places,
    discover,
    iter_dashboards,
)
from vertice_obs.build.narrative import (
    Narrative,
    check_references,
    is_todo,
    load_narratives,
)
from vertice_obs.build.render import (
    RenderedDashboard,
    content_hash,
    first_panel_id,
    manifest,
    manifest_entry,
    memberships_by_uid,
    render_dashboard,
    to_json_text,
)
from vertice_obs.build.rules import load_rule_files
from vertice_obs.checks import finding
from vertice_obs.errors import InputError
from vertice_obs.finding import Finding, Location
from vertice_obs.guard.paths import PathEscape, safe_join
from vertice_obs.project import Project

_SOURCE_READ = 1 << 20  # characters of a failed module read for the uids it names
Put = Callable[[str, str, str], None]  # (path under exports/, its text, its sha256)


@dataclass
class BuildResult:
    """What a streamed build leaves behind: no dashboard, only counts, failures and findings."""

    narratives: list[Narrative]
    failures: list[ModuleFailure]
    findings: list[Finding]
    dashboards: int  # rendered
    files: int  # handed to `put`, the manifest included
    titles: dict[str, str] = field(default_factory=dict)  # a rendered dashboard's module (as shown) → its title
    kept: dict[str, list[str]] = field(default_factory=dict)  # a failed module → its previous exports (`_kept`)

    @property
    def complete(self) -> bool:
        """False when a module failed: its previous export is kept and the manifest is not rewritten."""
        return not self.failures


@dataclass
class BuildPlan:
    narratives: list[Narrative]
    modules: list[DashboardModule]
    rendered: list[RenderedDashboard]
    failures: list[ModuleFailure]
    findings: list[Finding] = field(default_factory=list)
    # Relative path under exports/ → file content, the manifest only when the plan is complete:
    # a manifest without a failed module's dashboard would tell publishers it was deleted.
    files: dict[str, str] = field(default_factory=dict)
    kept: dict[str, list[str]] = field(default_factory=dict)  # a failed module → its previous exports (`_kept`)

    @property
    def complete(self) -> bool:
        """False when a module failed: its previous export is kept and the manifest is not rewritten."""
        return not self.failures

    def in_modules(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings about rendered dashboards (located by file, dashboard, panel and target — a
        query check's, say) at the call sites in their modules, as the build's own findings are."""
        memberships = memberships_by_uid(self.narratives)
        by_file = {m.file: m for m in self.modules if m.uid in memberships}
        out: list[Finding] = []
        for f in findings:
            module = by_file.get(f.location.file)
            out.extend([f] if module is None else
                       in_module([f], module.file, module.places, first_panel_id(memberships[module.uid])))
        return out


def _printed(text: str, where: Location) -> Finding:
    """`module/stdout`: what a module printed while loading, its first line (stdout is the CLI's)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return finding("module/stdout", f"module printed to stdout while loading: {first[:120]!r}", where)


def in_module(findings: Iterable[Finding], file: str, places: Places, first_id: int) -> Iterator[Finding]:
    """Findings about the rendered dashboard of the module `file`, at the line and column of the call
    that made their target, panel or dashboard (the rendered JSON keeps no trace of the code: the
    loader's `places` do). `first_id` is the id `layout` gives the module's first panel."""
    for f in findings:
        where = f.location
        place = None
        if where.file == file and where.line is None:
            if where.panel_id is None:
                place = places.dashboard if where.panel is None else None
            elif 0 <= where.panel_id - first_id < len(places.panels):
                panel, queries = places.panels[where.panel_id - first_id]
                place = dict(queries).get(where.target, panel) if where.target else panel
            place = place or places.dashboard  # a panel no house call made (raw grafanalib): its dashboard's call
        yield f if place is None else f.at(place.line, place.column)


def stream_build(project: Project, put: Put, progress: Callable[[str], None] | None = None,
                 keep: Callable[[DashboardModule, RenderedDashboard | None], None] | None = None) -> BuildResult:
    """Load, render and hand over each dashboard, then the rule files and (for a complete build)
    the manifest. Raises `InputError` for invalid narratives — before any dashboard for a
    narrative file, after them for a chapter naming no dashboard: a caller that writes must stage
    what `put` gets until this returns (`ExportsDir.writer` does). `keep` sees every module and
    its rendering (None: in no narrative), for `plan_build`."""
    narratives = load_narratives(project.folder("narratives_dir"), project.display)
    memberships = memberships_by_uid(narratives)
    failures: list[ModuleFailure] = []
    findings: list[Finding] = []
    entries: dict[str, dict[str, Any]] = {}  # uid → its manifest entry
    hashes: dict[str, str] = {}  # every file handed over → its sha256, for the manifest
    uids: list[str] = []
    titles: dict[str, str] = {}
    homes = FolderTitles()
    taken: list[InputError] = []  # two dashboards of one title in one folder: Grafana before 11.3 refuses one
    findings.extend(finding("narrative/story-todo", f"chapter {c.title!r}: the story is still a TODO",
                            Location(file=n.file, line=c.line, dashboard=c.dashboard))
                    for n in narratives for c in n.chapters if is_todo(c.story))
    findings.extend(finding("narrative/todo", f"narrative {n.id!r}: its {key} is still a TODO",
                            Location(file=n.file, line=line)) for n in narratives for key, line in n.todos)

    def hand_over(path: str, text: str) -> str:
        digest = content_hash(text)
        hashes[path] = digest
        put(path, text, digest)
        return digest

    paths = discover(project.folder("dashboards_dir"))
    recorded = _recorded_sources(project)
    for module in iter_dashboards(paths, project.display, progress, recorded):
        if isinstance(module, ModuleFailure):
            failures.append(module)
            if module.printed:  # what it printed before failing is often why: reported as for any module
                findings.append(_printed(module.printed, Location(file=module.file, line=module.line)))
            continue
        uids.append(module.uid)
        where = Location(file=module.file, dashboard=module.uid)
        if module.printed:
            findings.append(_printed(module.printed, where))
        if module.uid not in memberships:
            findings.extend(in_module([finding("dashboard/no-narrative", "dashboard is in no narrative, so it is not "
                                               "rendered: add it as a chapter", where)], module.file, module.places, 1))
            if keep is not None:
                keep(module, None)
            continue
        result = render_dashboard(module.model, memberships[module.uid], module.file, project.project_id)
        entries[result.uid] = manifest_entry(result, hand_over(result.path, result.text))
        if isinstance(title := result.model.get("title"), str):
            titles[module.file] = title
            said = homes.clash(result.uid, module.file, title, result.folder, result.folder_uid)
            if said is not None:
                at = module.places.dashboard
                taken.append(InputError(said, module.file, at.line if at else None, at.column if at else None))
        findings.extend(finding("export/non-finite", note, where) for note in result.notes)
        findings.extend(in_module(checks.run_dashboard_checks(result.model, module.file), module.file,
                                  module.places, first_panel_id(memberships[module.uid])))
        if keep is not None:
            keep(module, result)

    rule_files, rule_failures = load_rule_files(project.root / "rules", project.display)
    broken = _broken(failures, {project.display(p): p for p in paths}, recorded, narratives)
    kept: dict[str, list[str]] = {}
    if failures or rule_failures:  # what each keeps of the last build: only its error says it
        loaded = set(uids)
        homes = {uid: f"{m[0].narrative.id}/{uid}.json" for uid, m in memberships.items() if uid not in loaded}
        kept = _kept(project, failures, rule_failures, broken, homes)
    failures += rule_failures
    try:
        check_references(narratives, uids, broken)
    except InputError as exc:  # nothing is written: say the modules that failed too, each once
        if not failures:
            raise
        raise InputError.together([*(InputError(f.message, f.file, f.line) for f in failures), exc, *exc.also])
    if taken:  # every pair in one run, before anything is written or sent
        raise InputError.together(taken)
    for path, text in rule_files.items():
        hand_over(path, text)
    if not failures:
        put(MANIFEST, to_json_text(manifest(entries, narratives, hashes)), "")
    loaded = [finding("module/load", f.message, Location(file=f.file, line=f.line)) for f in failures]
    return BuildResult(narratives=narratives, failures=failures, findings=loaded + findings,
                       dashboards=len(entries), files=len(hashes) + (not failures), titles=titles, kept=kept)


# gosimple/slug's English substitutions (its `defaultSub` and `enSub`), made before it transliterates
_GOSIMPLE = str.maketrans({'"': "", "'": "", "\u2019": "", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
                           "&": "and", "@": "at"})


def title_key(title: str) -> str:
    """A title as Grafana before 11.3 tells two apart within a folder: by slug, as gosimple/slug
    makes it (Grafana 9.x's; 10.1's own slugify collapses fewer titles into one): quotes dropped,
    `&` "and", `@` "at", accents transliterated, lowercased, every run of other characters but `_`
    one `-`, `-` and `_` trimmed — `Sample A` is `sample  a!`, `Café` is `cafe`, but `A & B` is not
    `A B`, nor `a_b` `a b`. A title of letters beyond Latin accents (which gosimple transliterates by
    a table vobs does not have) or of no letter or digit is compared whole, case aside: a refusal
    here must never stop a project that Grafana takes."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", title.strip().translate(_GOSIMPLE))
                     if not unicodedata.combining(c))
    if not folded.isascii():
        return title.strip().casefold()
    return re.sub(r"[^a-z0-9_]+", "-", folded.lower()).strip("-_") or title.strip().casefold()


class FolderTitles:
    """Grafana before 11.3 keeps one dashboard of a title per folder (titles as `title_key` tells
    them apart, a folder by its adopted uid or else by its path, case aside) and refuses the second
    save (412 name-exists). The one rule for `vobs build`, which refuses such a project, and `vobs
    import`, which refuses to write one: the dashboards claimed so far, the first of a title keeping it."""

    ADVICE = "give one another title, or its narrative another folder"

    def __init__(self) -> None:
        self._homes: dict[tuple[str, str], tuple[str, str]] = {}  # (folder, title key) → (uid, file)

    def clash(self, uid: str, file: str, title: str, folder: str, folder_uid: str = "",
              advice: str = ADVICE) -> str | None:
        """None when dashboard `uid` (from `file`) may have `title` in its folder — it is now its
        there — else why not, naming the dashboard (and file) that has it, ending with `advice`."""
        other = self._homes.setdefault((folder_uid or folder.casefold(), title_key(title)), (uid, file))
        if other[0] == uid:
            return None
        return (f"dashboard {uid!r} has the title {title!r} of dashboard {other[0]!r} ({other[1]}), both in folder "
                f"{folder_uid or folder!r}: Grafana before 11.3 keeps one dashboard of a title per folder and refuses "
                f"the second save (412 name-exists) — {advice}")


def _broken(failures: list[ModuleFailure], paths: dict[str, Path], recorded: dict[str, str],
            narratives: list[Narrative]) -> dict[str, set[str]]:
    """Each dashboard module that failed (as shown) → the uids it defines or likely defines: its own
    when it got as far as a dashboard, those the last build rendered from it, and any chapter's uid
    its source has in quotes (a module that fails at import still names its uid)."""
    chapters = {c.dashboard for n in narratives for c in n.chapters}
    broken: dict[str, set[str]] = {}
    for failure in failures:
        uids = broken.setdefault(failure.file, {u for u, source in recorded.items() if source == failure.file})
        uids |= {failure.uid} if failure.uid else set()
        path = paths.get(failure.file)
        with contextlib.suppress(OSError):
            if path is not None and path.is_file():  # a regular file (a FIFO would block the build)
                with path.open(encoding="utf-8", errors="replace") as source:
                    text = source.read(_SOURCE_READ)
                uids |= {uid for uid in chapters if f'"{uid}"' in text or f"'{uid}'" in text}
    return broken


def _kept(project: Project, failures: list[ModuleFailure], rule_failures: list[ModuleFailure],
          broken: dict[str, set[str]], homes: dict[str, str]) -> dict[str, list[str]]:
    """Each failed module (as shown) → its previous exports still under exports/, what a failed build
    keeps: the files the last complete build rendered from it (the manifest's `source`), and those of
    the uids only it may define (`_broken`; `homes`: such a uid → `<narrative>/<uid>.json`) that a
    vobs build wrote (owned); a rules module's `rules/<name>.yaml`. A module no build rendered (a new
    one) has none, and its error does not say "its previous export is kept" (trial 20)."""
    exports = ExportsDir(project.exports_dir)
    recorded = exports.manifest().get("dashboards")
    entries = [(uid, entry["file"], entry.get("source")) for uid, entry in
               (recorded.items() if isinstance(recorded, dict) else ())
               if isinstance(entry, dict) and isinstance(entry.get("file"), str)]
    owned = exports.owned()

    def there(rel: str) -> bool:
        try:
            path = safe_join(exports.path, rel, what="manifest path")
        except PathEscape:  # a manifest vobs did not write: it names nothing kept
            return False
        return path.is_file() and not path.is_symlink()

    kept = {f.file: [rel for uid, rel, source in entries if source == f.file
                     or (uid == f.uid and uid in homes)]  # its uid, renamed, not a loaded module's (a copy's)
            for f in failures}
    for f in failures:
        kept[f.file] += [homes[uid] for uid in sorted(broken.get(f.file, ())) if homes.get(uid) in owned]
    kept.update({f.file: [f"rules/{Path(f.file).stem}.yaml"] for f in rule_failures})
    return {file: sorted({rel for rel in rels if rel in owned and there(rel)}) for file, rels in kept.items()}


def _recorded_sources(project: Project) -> dict[str, str]:
    """uid → the module the last build rendered it from, as its manifest says (a manifest that is
    not vobs' or not of this shape says nothing): which of two modules defining a uid is the copy."""
    dashboards = ExportsDir(project.exports_dir).manifest().get("dashboards")
    return {uid: entry["source"] for uid, entry in (dashboards.items() if isinstance(dashboards, dict) else ())
            if isinstance(uid, str) and isinstance(entry, dict) and isinstance(entry.get("source"), str)}


def plan_build(project: Project, progress: Callable[[str], None] | None = None) -> BuildPlan:
    """The whole build in memory (it writes nothing); raise `InputError` for invalid narratives."""
    modules: list[DashboardModule] = []
    rendered: list[RenderedDashboard] = []
    files: dict[str, str] = {}

    def keep(module: DashboardModule, result: RenderedDashboard | None) -> None:
        modules.append(module)
        if result is not None:
            rendered.append(result)

    result = stream_build(project, lambda path, text, _digest: files.__setitem__(path, text), progress, keep)
    return BuildPlan(narratives=result.narratives, modules=modules, rendered=rendered, failures=result.failures,
                     findings=result.findings, files=files, kept=result.kept)
