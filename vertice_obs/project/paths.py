"""The project's path settings, checked: where vobs reads, as a project file (or a flag) names it.

Owns: which settings are paths (`PATH_KEYS`), where each leads (`resolved`: the setting joined to
the root, else its default) and which of them vobs reads from (`READ_KEYS`); that a file's path
setting is a path (not null, not empty); that what vobs reads stays inside the project, symlinks
resolved — a file's setting, or a default through a symlink; that a configured folder to read is a
folder and a configured catalog a file; and that a run which stops on one path setting's problem
says every other's beside it, in the file's order (`said_with`): a vobs.yaml with three wrong paths
takes one run, not three. `vertice_obs.project` loads the settings and asks here. The folders vobs
writes (`exports_dir`, `provisioning_dir`, `backup_dir`) are refused outside the project by the
command that writes them (`cli.options.refuse_written_outside`, which says these beside).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from vertice_obs.errors import InputError
from vertice_obs.guard.paths import outside
from vertice_obs.guard.text import escape

if TYPE_CHECKING:
    from vertice_obs.project import Project

PATH_KEYS = ("dashboards_dir", "narratives_dir", "exports_dir", "catalog", "provisioning_dir", "backup_dir")
# What vobs reads from and publishes: a project file may name these only inside the project.
READ_KEYS = ("dashboards_dir", "narratives_dir", "catalog")


def resolved(root: Path, settings: Mapping[str, Any]) -> dict[str, Path]:
    """The project's paths: each setting joined to the root (an absolute one stays), else its default."""
    def path(key: str, default: str) -> Path:
        value = Path(settings.get(key, default))
        return value if value.is_absolute() else root / value

    # the catalog's default is relative to the narratives setting, joined to the root once (not twice: `-C x`)
    catalog = str(Path(settings.get("narratives_dir", "narratives")) / "metrics.yaml")
    return {"dashboards_dir": path("dashboards_dir", "dashboards"),
            "narratives_dir": path("narratives_dir", "narratives"),
            "exports_dir": path("exports_dir", "exports"),
            "catalog": path("catalog", catalog),
            "provisioning_dir": path("provisioning_dir", "provisioning"),
            "backup_dir": path("backup_dir", ".vobs/backups")}


def must_be_a_path(key: str, value: Any, shown: str, where: str, at: tuple) -> None:
    """A file's path setting is a path: not null, not empty (`exports_dir: ""` would write into the
    project root)."""
    if key in PATH_KEYS and (value is None or not value.strip()):
        raise InputError(f"{shown} must be a path, not {'null' if value is None else 'empty'} (leave the setting "
                         "out for its default)", where, *at)


def inside(root: Path, key: str, value: str, where: str, at: tuple) -> None:
    """A path a project file gives vobs to read (`READ_KEYS`) must stay in the project, symlinks
    resolved — as written paths must: a configuration from a pull request must not read `/etc` or
    `../../secrets` into exports and on to Grafana. A flag (`--catalog`) may point anywhere."""
    led = outside(root, root / value)  # an absolute value stays absolute
    if led is not None:
        raise InputError(f"{key} {value!r} leads outside the project (to {led}): a project file may name only "
                         "paths inside the project", where, *at)


def defaults_outside(root: Path, settings: Mapping[str, Any], paths: Mapping[str, Path]) -> list[InputError]:
    """A default read path (`dashboards/`, `narratives/`, the catalog beside the narratives) that a
    symlink leads out of the project is refused as a project file's setting is: each one's error (the
    catalog's not beside the narratives', whose link it follows)."""
    errors: list[InputError] = []
    for key in READ_KEYS:
        default = paths[key]
        chosen = key in settings or key == "catalog" and "narratives_dir" in settings  # its default follows that
        led = None if chosen else outside(root, default)  # a default, through a symlink
        if led is not None and not (key == "catalog" and outside(root, paths["narratives_dir"]) is not None):
            errors.append(InputError(f"{key} {str(default.relative_to(root))!r} (the default) leads outside the "
                                     f"project through a symlink (to {led}): vobs reads only inside the project"))
    return errors


def folder_problem(project: Project, key: str) -> InputError | None:
    """A folder vobs reads (`dashboards_dir`, `narratives_dir`) that a project file names and that
    is not there: an error at that setting (a default's absence is for its reader to explain)."""
    path: Path = getattr(project, key)
    if project.origins.get(key) and not _is(path, Path.is_dir):
        default = key.removesuffix("_dir") + "/"
        return project.setting_error(key, f"no folder at {_shown(project, path)} (fix the setting, or leave it out "
                                          f"for {default})")
    return None


def catalog_problem(project: Project) -> InputError | None:
    """A configured metric catalog that is not a file: a typo in `catalog:` must not switch every
    metric check off and pass. The default (`narratives/metrics.yaml`) may be absent."""
    if _is(project.catalog, Path.is_file):
        return None
    where = project.origins.get("catalog")
    if where == "the command line":
        return InputError(f"no metric catalog at {_shown(project, project.catalog)} (--catalog)")
    if where:
        shown = _shown(project, project.catalog)
        return project.setting_error("catalog", f"no metric catalog at {shown} (a file of metrics: fix the setting, "
                                                "or leave it out for narratives/metrics.yaml)")
    return None


def read_problems(project: Project) -> list[InputError]:
    """Every configured read path that is not what it must be (a folder, the catalog a file), in
    the file's order."""
    found = (folder_problem(project, "dashboards_dir"), folder_problem(project, "narratives_dir"),
             catalog_problem(project))
    return in_file_order([problem for problem in found if problem is not None])


def said_with(project: Project, problem: InputError) -> InputError:
    """`problem` — a path setting's, met by the command — carrying every read path setting's problem
    besides (raise it): the user fixes them all after one run. In the file's order."""
    said = str(problem)
    return InputError.together(in_file_order([problem, *(p for p in read_problems(project) if str(p) != said)]))


def in_file_order(errors: list[InputError]) -> list[InputError]:
    """`errors` with vobs.yaml's sorted by line and column, after those it cannot place (pyproject.toml's
    `[tool.vobs]`, a flag, a default): stable, so each group keeps its own order."""
    def place(error: InputError) -> tuple[int, int, int]:
        located = error.file == "vobs.yaml"
        return (1, error.line or 0, error.column or 0) if located else (0, 0, 0)

    return sorted(errors, key=place)


def _is(path: Path, kind) -> bool:
    """`path.is_dir()` or `.is_file()`, a path the system cannot look at (a name too long) being neither."""
    try:
        return bool(kind(path))
    except (OSError, ValueError):
        return False


def _shown(project: Project, path: Path) -> str:
    """A configured path in a message: as the user sees it, on one line (a YAML `"\\n"` is a newline)."""
    return escape(project.display(path), one_line=True)
