"""The project's path settings, checked: where vobs reads, as a project file (or a flag) names it.

Owns: which settings are paths (`PATH_KEYS`) and which of them vobs reads from (`READ_KEYS`); that
a file's path setting is a path (not null, not empty); that what vobs reads stays inside the
project, symlinks resolved — a file's setting, or a default through a symlink; that a configured
folder to read is a folder and a configured catalog a file. `vertice_obs.project` loads the
settings and asks here. The folders vobs writes (`exports_dir`, `provisioning_dir`, `backup_dir`)
are refused outside the project by the command that writes them (`cli.options.refuse_written_outside`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from vertice_obs.errors import InputError
from vertice_obs.guard.paths import outside

if TYPE_CHECKING:
    from vertice_obs.project import Project

PATH_KEYS = ("dashboards_dir", "narratives_dir", "exports_dir", "catalog", "provisioning_dir", "backup_dir")
# What vobs reads from and publishes: a project file may name these only inside the project.
READ_KEYS = ("dashboards_dir", "narratives_dir", "catalog")


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


def defaults_inside(root: Path, settings: Mapping[str, Any], paths: Mapping[str, Path]) -> None:
    """A default read path (`dashboards/`, `narratives/`, the catalog beside the narratives) that a
    symlink leads out of the project is refused as a project file's setting is."""
    for key in READ_KEYS:
        default = paths[key]
        chosen = key in settings or key == "catalog" and "narratives_dir" in settings  # its default follows that
        led = None if chosen else outside(root, default)  # a default, through a symlink
        if led is not None:
            raise InputError(f"{key} {str(default.relative_to(root))!r} (the default) leads outside the project "
                             f"through a symlink (to {led}): vobs reads only inside the project")


def folder_problem(project: Project, key: str) -> InputError | None:
    """A folder vobs reads (`dashboards_dir`, `narratives_dir`) that a project file names and that
    is not there: an error at that setting (a default's absence is for its reader to explain)."""
    path: Path = getattr(project, key)
    if project.origins.get(key) and not path.is_dir():
        default = key.removesuffix("_dir") + "/"
        return project.setting_error(key, f"no folder at {project.display(path)} (fix the setting, or leave it out "
                                          f"for {default})")
    return None


def catalog_problem(project: Project) -> InputError | None:
    """A configured metric catalog that is not a file: a typo in `catalog:` must not switch every
    metric check off and pass. The default (`narratives/metrics.yaml`) may be absent."""
    if project.catalog.is_file():
        return None
    where = project.origins.get("catalog")
    if where == "the command line":
        return InputError(f"no metric catalog at {project.display(project.catalog)} (--catalog)")
    if where:
        return project.setting_error("catalog", f"no metric catalog at {project.display(project.catalog)} (a file of "
                                                "metrics: fix the setting, or leave it out for narratives/metrics.yaml)")
    return None
