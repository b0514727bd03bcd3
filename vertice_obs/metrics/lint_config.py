"""Which checks are off, and where: `--disable CHECK` for a run, `.vobs-lint.yaml` for dashboards and panels.

The file follows grafana/dashboard-linter's `.lint` file — check id → optional reason and entries,
each entry naming where the check is off (a dashboard, a panel, a query) — with vobs' check ids:

    exclusions:
      promql/job-matcher:                    # off for every dashboard this file governs
      promql/rate-interval:
        reason: Top 10s are meant for the shown range.
        entries:
          - dashboard: ceph-cluster          # uid or title
            panel: Top 10 slowest OSDs       # title, or the panel id (a number)
          - file: "rgw-*.json"               # a glob over the path from this file's folder
            target: B                        # a query's refId, `variable x` or `annotation y`

An entry matches a finding when every field it names matches; `reason` is for readers. A file
governs the dashboards in its folder and below (`.lint` only its own folder); the one in the
project root governs every dashboard of the run. Per panel, the file names the panel — an in-JSON
marker would be lost on the next save from Grafana's UI, and cannot be added to dashboards one does
not own. dashboard-linter's `warnings:` (downgrade instead of exclude) is not supported.

The file is input from anyone who can commit to the repository: it is schema-checked, every check
id is checked against the registry, and each problem is one error at `file:line`, every file's in
one run.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from vertice_obs.checks import CHECKS, finding
from vertice_obs.errors import InputError, closest
from vertice_obs.finding import Finding, Location
from vertice_obs.guard.paths import LINK_OUT, links_out
from vertice_obs.guard.text import escape
from vertice_obs.located_yaml import LocatedDocument, load_located, schema_problems

CONFIG_NAME = ".vobs-lint.yaml"
_SELECTORS = ("file", "dashboard", "panel", "target")


def known_check(check_id: str) -> str | None:
    """None when `check_id` is registered, else why not (with the closest ids)."""
    if check_id in CHECKS:
        return None
    if len(check_id) > 80:  # from a file or a flag: quote a little, compare nothing
        return f"unknown check {check_id[:40]!r}… ({len(check_id):,} characters; `vobs checks` lists them)"
    close = closest(check_id, CHECKS, n=3)
    tail = check_id.rsplit("/", 1)[-1]
    close += [c for c in sorted(CHECKS) if c.endswith("/" + tail) and c not in close][:3 - len(close)]
    hint = f"did you mean {', '.join(close)}?" if close else "`vobs checks` lists them"
    return f"unknown check {check_id!r} ({hint})"


def resolve_disabled(ids: Iterable[str]) -> frozenset[str]:
    """The `--disable` ids, each checked against the registry: an unknown one is a usage error."""
    for check_id in ids:
        problem = known_check(check_id)
        if problem:
            raise InputError(f"--disable: {problem}")
    return frozenset(ids)


@dataclass(frozen=True)
class Exclusion:
    check: str
    scope: str  # the folder of the file, as shown ("" for the project root: everywhere)
    file: str | None = None
    dashboard: str | None = None
    panel: str | int | None = None
    target: str | None = None

    def matches(self, f: Finding, titles: Mapping[str, str]) -> bool:
        loc = f.location
        shown = loc.file or ""
        if self.scope and not shown.startswith(self.scope + "/"):
            return False
        if self.file is not None and not fnmatch.fnmatchcase(shown[len(self.scope) + 1:] if self.scope else shown,
                                                             self.file):
            return False
        if self.dashboard is not None and self.dashboard not in (loc.dashboard, titles.get(shown)):
            return False
        if isinstance(self.panel, int) and not isinstance(self.panel, bool):
            if loc.panel_id != self.panel:
                return False
        elif self.panel is not None and loc.panel != self.panel:
            return False
        return self.target is None or loc.target == self.target


@dataclass(frozen=True)
class LintPolicy:
    disabled: frozenset[str] = frozenset()
    exclusions: tuple[Exclusion, ...] = ()
    passed: tuple[tuple[Path, str], ...] = ()  # files not read, each with why (`guard.paths.LINK_OUT`)

    def skipped(self, display: Callable[[Path], str]) -> list[Finding]:
        """An `input/skipped` warning per file not read, at the file as `display` shows it."""
        return [finding("input/skipped", f"{why} (copy the file in to use it)", Location(file=display(path)))
                for path, why in self.passed]

    def keeps(self, f: Finding, titles: Mapping[str, str]) -> bool:
        return f.check not in self.disabled and not any(
            e.check == f.check and e.matches(f, titles) for e in self.exclusions)

    def apply(self, findings: Iterable[Finding], dashboards: Sequence[Any] = ()) -> list[Finding]:
        """`findings` without those switched off. `dashboards` (with `file` and `model`) give titles."""
        titles = {d.file: d.model.get("title") for d in dashboards if isinstance(d.model, dict)
                  and isinstance(d.model.get("title"), str)}
        return [f for f in findings if self.keeps(f, titles)]


def parse_config(doc: LocatedDocument, scope: str) -> list[Exclusion]:
    """The exclusions of one `.vobs-lint.yaml` (its folder shown as `scope`). Raises `InputError` at
    file:line carrying every problem of the file (in `also`), in file order."""
    if doc.data is None:
        return []  # an empty file switches nothing off
    errors: list[InputError] = []
    exclusions = doc.data.get("exclusions") if isinstance(doc.data, dict) else None
    for check_id in exclusions if isinstance(exclusions, dict) else ():
        problem = known_check(str(check_id))  # at the key's own line, with the closest ids
        if problem:
            errors.append(doc.error(escape(problem, one_line=True), ("exclusions", check_id)))
    # a check id's shape is said above, as an unknown check: the schema's word on it would be a second line
    schema = [p for p in schema_problems(doc, "lint") if p.kind != "propertyNames"]
    errors += [p.error for p in schema]
    flagged = {p.path for p in schema}
    out = []
    for check_id, rule in exclusions.items() if isinstance(exclusions, dict) else ():
        entries = rule.get("entries") if isinstance(rule, dict) else None
        for i, entry in enumerate(entries if isinstance(entries, list) else [{}]):
            where = ("exclusions", check_id, "entries", i)
            if not isinstance(entry, dict):
                continue  # the schema said so
            said = any(path[:len(where)] == where for path in flagged)  # `dashbord: x` names none, said once
            if entries and not said and not any(k in entry for k in _SELECTORS):
                errors.append(doc.error(f"entry names none of: {', '.join(_SELECTORS)} (say where the check is off, "
                                        "or drop `entries` to switch it off everywhere)", where))
            problem = _glob_problem(entry.get("file"))
            if problem:
                errors.append(doc.error(problem, (*where, "file")))
            out.append(Exclusion(check_id, scope, **{k: entry[k] for k in _SELECTORS if k in entry}))
    if errors:
        errors.sort(key=lambda error: error.line or 0)  # stable: at one line, the check id's first
        raise InputError.together(errors)
    return out


def _glob_problem(glob: Any) -> str | None:
    """Why a `file:` glob can match no dashboard this file governs (None when it can): a `[` that
    fnmatch would read as itself, a path out of the file's folder, or an absolute one. Such an
    entry would leave its check on, with nothing to say why."""
    if not isinstance(glob, str):
        return None
    if glob.startswith(("/", "\\")) or (len(glob) > 1 and glob[1] == ":"):
        return f"file {glob!r} is absolute: a file glob is a path from this file's folder"
    if ".." in glob.replace("\\", "/").split("/"):
        return f"file {glob!r} leaves this file's folder: it governs that folder and below only"
    depth = 0
    for c in glob:
        depth = depth + 1 if c == "[" and depth == 0 else (0 if c == "]" else depth)
    if depth:
        return f"file {glob!r} has a '[' that is never closed (write [[] for a literal '[')"
    return None


def config_folders(paths: Sequence[Path], root: Path) -> list[tuple[Path, Path | None]]:
    """Where `.vobs-lint.yaml` files are looked for: the project root; each PATH's folder (a file's
    parent) and its parents up to the root when it is inside; every folder under a PATH (symlinked
    folders not entered, as when dashboards are read). Each with the PATH folder whose walk met it,
    or for a named file its own folder (None: the root and the parents): a file met there is read
    through a symlink only when it stays inside that folder, as `guard.paths.json_files` reads JSON —
    naming one file of a folder handed over must not read what walking the folder would not."""
    found: dict[str, tuple[Path, Path | None]] = {}

    def add(folder: Path, walked: Path | None = None) -> None:
        key = str(folder.resolve())
        if key not in found or (walked is not None and found[key][1] is None):
            found[key] = (folder, walked)

    add(root)
    real_root = root.resolve()
    for path in paths:
        folder = path if path.is_dir() else path.parent
        add(folder, folder)
        try:
            inside = folder.resolve().relative_to(real_root)
        except ValueError:
            inside = None
        if inside is not None:
            for depth in range(len(inside.parts)):
                add(root.joinpath(*inside.parts[:depth]))
        if path.is_dir():
            for dirpath, dirnames, _ in os.walk(path, followlinks=False):
                dirnames.sort()
                for name in dirnames:
                    if not os.path.islink(os.path.join(dirpath, name)):
                        add(Path(dirpath) / name, path)
    return list(found.values())


def load_policy(paths: Sequence[Path], root: Path, display: Callable[[Path], str],
                disable: Iterable[str] = ()) -> LintPolicy:
    """The policy of a run: `--disable` ids, and every `.vobs-lint.yaml` governing its PATHS."""
    disabled = resolve_disabled(disable)
    exclusions: list[Exclusion] = []
    errors: list[InputError] = []
    passed: list[tuple[Path, str]] = []
    for folder, walked in config_folders(paths, root):
        config = folder / CONFIG_NAME
        if not os.path.lexists(config):
            continue
        if walked is not None and links_out(walked, config):
            passed.append((config, LINK_OUT))  # a folder handed over must not read a file from anywhere
            continue
        scope = display(folder)
        scope = "" if scope in (".", "") else scope.rstrip("/")
        try:
            exclusions.extend(parse_config(load_located(config, display(config)), scope))
        except InputError as exc:  # every file's problems in one run, not one file per run
            errors += [exc, *exc.also]
    if errors:
        raise InputError.together(errors)
    return LintPolicy(disabled, tuple(exclusions), tuple(passed))
