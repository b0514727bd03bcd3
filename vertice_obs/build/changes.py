"""`--since REF`: which dashboards a change touched — what a pull request asks vobs to look at.

Two halves. `select_changed` is pure: the paths a change touched (relative to the project root)
and the project's `Layout` (module → uids, export → uid, narrative → chapters) → a `Selection`.
`GitChanges` is the edge: the one place that runs git, and it only lists paths.

What selects what, and why:
- a dashboard module (`dashboards/x.py` that builds a dashboard) → the dashboards it builds;
- an export (`exports/<narrative>/<uid>.json`) → that uid; the manifest and rule files → nothing
  (the manifest changes whenever an export does, and is no dashboard);
- a narrative YAML → its chapters (a narrative's story and links live in its chapters' dashboards);
- anything every dashboard depends on → every dashboard, said with the path that caused it:
  another file under `dashboards/` (a `_helper.py`, data a module reads, a new module the layout
  does not know yet), any other Python file outside tests and `rules/` (vobs itself, `vertice_obs/
  panels.py` in its own repository, a package the modules import), `vobs.yaml`, `pyproject.toml`
  and the lock/requirements files (a grafanalib upgrade re-renders everything), the metric
  catalog and `.vobs-lint.yaml` (they judge every dashboard), an unknown narrative YAML;
- a deleted export whose uid the layout no longer has → `removed`: a dashboard taken out of code
  (a deleted module selects nothing itself: its export, deleted by `vobs build`, names the uid).
  `vobs diff --since` reports it as orphaned when Grafana still has it; `vobs publish` never
  deletes, with or without `--since`;
- anything else (README, tests, chaos/, rules/ — alert rules are no dashboard —, .github/) → nothing.

Paths outside the project folder are not seen at all (`git diff --relative`): a project in a
sub-folder of a monorepo is not re-checked for a change elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Collection, Iterable, Mapping, Sequence

from vertice_obs.build.exports import MANIFEST
from vertice_obs.errors import InputError
from vertice_obs.guard.text import escape
from vertice_obs.project import Project

if TYPE_CHECKING:  # the build (and grafanalib) only for the commands that build: validate reads exports
    from vertice_obs.build.plan import BuildPlan

# Files at the project root that every dashboard depends on: configuration and the dependencies
# that render (a new grafanalib changes every export).
SHARED_FILES = ("vobs.yaml", "pyproject.toml", "setup.cfg", "setup.py", "poetry.lock", "uv.lock", "Pipfile.lock")
LINT_CONFIG = ".vobs-lint.yaml"
# Python that no dashboard imports: tests, and alert rules as code (`rules/*.py`, not dashboards).
NOT_DASHBOARD_CODE = ("tests", "test", "rules")


@dataclass(frozen=True)
class Layout:
    """The project's plan of dashboards, in POSIX paths relative to the project root."""

    sources: Mapping[str, frozenset[str]]  # module → the uids it builds
    exports: Mapping[str, str]  # export file → its uid
    narratives: Mapping[str, frozenset[str]]  # narrative YAML → its chapters' uids
    dashboards_dir: str = "dashboards"
    narratives_dir: str = "narratives"
    exports_dir: str = "exports"
    catalog: str = "narratives/metrics.yaml"

    @property
    def uids(self) -> frozenset[str]:
        return frozenset(self.exports.values()).union(*self.sources.values(), *self.narratives.values())

    @classmethod
    def of(cls, dashboards: Iterable[tuple[str, str, str | None]], narratives: Iterable[tuple[str, Iterable[str]]],
           dashboards_dir: str, narratives_dir: str, exports_dir: str, catalog: str) -> "Layout":
        """From (uid, module, export file under exports/ or None) and (narrative file, chapter uids)."""
        sources: dict[str, set[str]] = {}
        exports: dict[str, str] = {}
        for uid, source, export in dashboards:
            sources.setdefault(_posix(source), set()).add(uid)
            if export:
                exports[_join(exports_dir, export)] = uid
        return cls({k: frozenset(v) for k, v in sources.items()}, exports,
                   {_posix(file): frozenset(chapters) for file, chapters in narratives},
                   _posix(dashboards_dir), _posix(narratives_dir), _posix(exports_dir), _posix(catalog))

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], **dirs: str) -> "Layout":
        """From `exports/manifest.json` (what `vobs validate` reads: the exports as built)."""
        entries = manifest.get("dashboards") if isinstance(manifest.get("dashboards"), dict) else {}
        rows = [(str(uid), str(e.get("source", "")), str(e.get("file", "")) or None)
                for uid, e in entries.items() if isinstance(e, dict)]
        narratives = manifest.get("narratives")  # a hand-edit may leave anything: only lists are read
        stories = [(str(n.get("file", "")), [c for c in n.get("chapters") if isinstance(c, str)]
                    if isinstance(n.get("chapters"), list) else [])
                   for n in (narratives if isinstance(narratives, list) else ()) if isinstance(n, dict)]
        return cls.of(rows, stories, **dirs)


def project_dirs(project: Project) -> dict[str, str]:
    """The project's folders as `Layout` wants them: relative to its root."""
    return {"dashboards_dir": project.display(project.dashboards_dir),
            "narratives_dir": project.display(project.narratives_dir),
            "exports_dir": project.display(project.exports_dir), "catalog": project.display(project.catalog)}


def layout_of_plan(plan: BuildPlan, project: Project) -> Layout:
    """The layout of a build (`vobs diff`, `vobs publish`): the code as it is now."""
    rendered = {r.uid: r.path for r in plan.rendered}
    return Layout.of([(m.uid, m.file, rendered.get(m.uid)) for m in plan.modules],
                     [(n.file, [c.dashboard for c in n.chapters]) for n in plan.narratives], **project_dirs(project))


def layout_of_exports(project: Project) -> Layout:
    """The layout `exports/manifest.json` records (`vobs validate` checks the exports as built).
    No manifest, or not one of vobs': an empty layout (changed JSON files still select themselves)."""
    try:
        manifest = json.loads((project.exports_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deeply to decode
        manifest = None
    return Layout.from_manifest(manifest if isinstance(manifest, dict) else {}, **project_dirs(project))


@dataclass(frozen=True)
class Selection:
    """What `--since` leaves to work on. `everything`: a shared file changed (`because` names it)."""

    uids: frozenset[str]
    everything: bool = False
    because: tuple[str, ...] = ()  # the changed paths that selected something
    removed: frozenset[str] = frozenset()  # uids whose export was deleted: taken out of code
    changed: int = 0  # paths the change touched in the project

    def describe(self, ref: str, total: int, files: Sequence[str] = ()) -> str:
        """One line for stderr: `--since origin/main: 1 of 8 dashboards changed (dashboards/a.py)`.
        `files`: dashboard JSON the change touched outside the project's layout (validate's PATHS),
        which are checked too."""
        head = f"--since {escape(ref, one_line=True)}"
        if self.everything:
            every = f"all {total} dashboards" if total else "every dashboard"  # no manifest yet: not counted
            return f"{head}: {every}, because {_listed(self.because)} changed and every dashboard depends on it"
        gone = f"; {len(self.removed)} removed ({_listed(sorted(self.removed))})" if self.removed else ""
        if files and not self.uids:
            return f"{head}: {len(files)} dashboard file{'s' if len(files) != 1 else ''} changed ({_listed(files)}){gone}"
        if not self.uids:
            touched = f"{self.changed} file{'s' if self.changed != 1 else ''} changed, none a dashboard's code, " \
                      "export or narrative"
            return f"{head}: no dashboard changed ({touched}){gone}"
        return f"{head}: {len(self.uids)} of {total} dashboards changed ({_listed(self.because)}){gone}"


def _listed(items: Iterable[str], most: int = 3) -> str:
    items = [escape(i, one_line=True) for i in items]
    return ", ".join(items[:most]) + (f", … ({len(items) - most} more)" if len(items) > most else "")


def select_changed(changed: Iterable[str], deleted: Collection[str], layout: Layout) -> Selection:
    """The dashboards `changed` paths touch (see the module docstring for the rules). Pure."""
    paths = sorted({_posix(p) for p in changed})
    deleted = {_posix(p) for p in deleted}
    chosen: set[str] = set()
    because: list[str] = []
    shared: list[str] = []
    removed: set[str] = set()
    for path in paths:
        uids = layout.sources.get(path) or _set(layout.exports.get(path)) or layout.narratives.get(path)
        if uids:
            chosen |= uids
            because.append(path)
        elif _shared(path, path in deleted, layout):
            shared.append(path)
        elif path in deleted and _under(path, layout.exports_dir) and path.endswith(".json"):
            removed.add(PurePosixPath(path).stem)
    if shared:
        return Selection(layout.uids, True, tuple(shared), frozenset(), len(paths))
    return Selection(frozenset(chosen), False, tuple(because), frozenset(removed - layout.uids), len(paths))


def _shared(path: str, deleted: bool, layout: Layout) -> bool:
    """Does every dashboard depend on `path` (not a dashboard's own file)?"""
    parts = PurePosixPath(path).parts
    if path in SHARED_FILES or path == layout.catalog or parts[-1] == LINT_CONFIG:
        return True
    if parts[-1].startswith("requirements") and parts[-1].endswith((".txt", ".in")):
        return True
    if _under(path, layout.dashboards_dir):
        # Every `dashboards/*.py` but `_private.py` is a dashboard module (`modules.discover`): a
        # deleted one took its dashboard with it, which leaves by its export (`removed`). Anything
        # else there — a helper, data a module reads, a module the layout does not know — is shared.
        name = PurePosixPath(path)
        module = name.parent.as_posix() == layout.dashboards_dir and name.suffix == ".py" and name.name[0] != "_"
        return not (deleted and module)
    if _under(path, layout.narratives_dir) and path.endswith((".yaml", ".yml")):
        return not deleted  # a deleted narrative's chapters leave by their exports
    if path.endswith(".py"):
        return not (parts[0] in NOT_DASHBOARD_CODE or parts[-1].startswith("test_") or parts[-1] == "conftest.py")
    return False


def _set(uid: str | None) -> frozenset[str]:
    return frozenset((uid,)) if uid else frozenset()


def _under(path: str, folder: str) -> bool:
    return folder not in ("", ".") and path.startswith(folder.rstrip("/") + "/")


def _posix(path: str) -> str:
    return PurePosixPath(str(path).replace(os.sep, "/")).as_posix()


def _join(folder: str, path: str) -> str:
    return _posix(f"{folder.rstrip('/')}/{path}" if folder not in ("", ".") else path)


@dataclass(frozen=True)
class ChangedFiles:
    """Paths changed since `ref`, relative to the project root: committed since the merge base,
    staged, unstaged and untracked (not ignored). `deleted`: those no longer in the work tree."""

    ref: str
    paths: tuple[str, ...]
    deleted: frozenset[str] = field(default_factory=frozenset)


class GitChanges:
    """The git edge of `--since`: what a pull request from HEAD into `ref` would touch.

    Merge-base semantics, as a pull request: `REF...HEAD` — what HEAD changed since it branched
    from REF, not what REF gained since. The work tree is included (staged, unstaged and
    untracked files), so a local run sees what is about to be pushed; in CI the tree is clean and
    it is exactly the pull request. Every failure is one `InputError` line: git missing, not a
    repository, an unknown ref (named), no common history (a shallow clone)."""

    def __init__(self, root: Path, git: str = "git", timeout: float = 60.0):
        self.root, self.git, self.timeout = Path(root), git, timeout

    def since(self, ref: str) -> ChangedFiles:
        check_ref(ref)
        self._run("rev-parse", "--show-toplevel",
                  failed=f"--since needs a git repository, and {escape(str(self.root), one_line=True)} is not in one")
        commit = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                           failed=f"--since {escape(ref, one_line=True)}: no such commit, branch or tag in this "
                                  "repository (in CI, fetch it: actions/checkout with fetch-depth: 0)").strip()
        base = self._run("merge-base", commit, "HEAD",
                         failed=f"--since {escape(ref, one_line=True)}: no common history with HEAD (a shallow "
                                "clone? fetch with fetch-depth: 0)").strip()
        tracked = self._run("diff", "--name-only", "--no-renames", "--relative", "-z", base, "--",
                            failed=f"--since {escape(ref, one_line=True)}: git diff failed")
        untracked = self._run("ls-files", "--others", "--exclude-standard", "-z", "--",
                              failed="--since: git ls-files failed")
        paths = sorted({p for p in (tracked + untracked).split("\0") if p})
        deleted = frozenset(p for p in paths if not os.path.lexists(self.root / p))
        return ChangedFiles(ref, tuple(paths), deleted)

    def _run(self, *args: str, failed: str) -> str:
        env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_OPTIONAL_LOCKS="0")
        try:
            done = subprocess.run([self.git, "-c", "core.quotePath=false", *args], cwd=self.root, env=env,
                                  capture_output=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise InputError("--since needs git, and git is not on PATH") from None
        except NotADirectoryError:
            raise InputError(f"--since: {escape(str(self.root), one_line=True)} is not a folder") from None
        except subprocess.TimeoutExpired:
            raise InputError(f"--since: git {args[0]} took longer than {self.timeout:g}s") from None
        if done.returncode != 0:
            raise InputError(failed)
        return done.stdout.decode("utf-8", "surrogateescape")


def check_ref(ref: str) -> None:
    """A ref is untrusted text: one starting with `-` would be an option to git, and control
    characters have no place in one. Refused before git runs."""
    shown = escape(ref, one_line=True)
    if not ref:
        raise InputError("--since needs a git ref (a branch, tag or commit), not an empty string")
    if ref.startswith("-"):
        raise InputError(f"--since {shown}: a git ref cannot start with '-'")
    if any(ord(c) < 32 or ord(c) == 127 for c in ref) or len(ref) > 1024:
        raise InputError(f"--since {shown}: not a git ref (control characters or too long)")
