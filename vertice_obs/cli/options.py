"""Options and helpers shared by the command groups: formats, durations, servers, selection, progress."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from vertice_obs.guard.http import DEFAULT_TIMEOUT
from vertice_obs.project import Project, load_project

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for machines (stable keys, sorted).")


class Duration(click.ParamType):
    """`7d`, `12h`, `30m`, `90s` → timedelta."""

    name = "duration"
    _UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        text = str(value).strip()
        if len(text) >= 2 and text[:-1].isdigit() and text[-1] in self._UNITS:
            return timedelta(seconds=int(text[:-1]) * self._UNITS[text[-1]])
        self.fail(f"{value!r} is not a duration like 7d, 12h, 30m or 90s", param, ctx)


PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
PROMETHEUS = click.option("--prometheus-url", metavar="URL", default=None,
                          help="Prometheus to check against (else PROMETHEUS_URL, vobs.yaml; "
                               "else the offline metric catalog).")
CATALOG = click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       metavar="FILE", help="The metric catalog (default: narratives/metrics.yaml in the project, "
                                            "if any). Without one and without a Prometheus, only the checks that "
                                            "need no metric source run.")
LOOKBACK = click.option("--lookback", type=Duration(), default="7d", show_default=True,
                        help="How far back to look for metrics that are absent now (missing vs disappeared).")


GRAFANA_URL = click.option("--grafana-url", metavar="URL", default=None,
                           help="Grafana to talk to (else GRAFANA_URL, vobs.yaml; else the provisioning folder).")
GRAFANA_TOKEN = click.option("--grafana-token", metavar="TOKEN", default=None, envvar="GRAFANA_TOKEN",
                             show_envvar=True, help="Service-account token (Authorization: Bearer). Never printed.")
ORG = click.option("--org-id", type=int, default=None, help="Grafana organisation (X-Grafana-Org-Id).")
NARRATIVE = click.option("--narrative", "narratives", multiple=True, metavar="ID", help="Only this narrative (repeatable).")
UID = click.option("--uid", "uids", multiple=True, metavar="UID", help="Only this dashboard (repeatable).")


def timeout_option(flag: str = "--timeout", dest: str = "timeout"):
    """The total deadline of each HTTP exchange (connect, headers and the whole body), in seconds."""
    return click.option(flag, dest, type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
                        metavar="SECONDS",
                        help="Deadline for each HTTP exchange with a server: connect, headers and the whole body.")


TIMEOUT = timeout_option()
CONCURRENCY = click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
                           help="Requests in flight at once.")
SINCE = click.option("--since", metavar="REF", default=None,
                     help="Only the dashboards whose module, export or narrative changed since the git REF "
                          "(from the merge base, as a pull request; uncommitted changes too), e.g. origin/main. "
                          "A change to shared code or configuration selects every dashboard.")


def changed_since(project: Project, ref: str, layout) -> tuple[Any, Any]:
    """`--since REF`: the `Selection` of dashboards the change touched, said on stderr, and the
    `ChangedFiles` (build/changes.py)."""
    from vertice_obs.build.changes import GitChanges, select_changed

    changes = GitChanges(project.root).since(ref)
    selection = select_changed(changes.paths, changes.deleted, layout)
    click.echo(selection.describe(ref, len(layout.uids)), err=True)
    return selection, changes




def project_of(ctx: click.Context, **overrides: Any) -> Project:
    """The project at `-C` (else the current directory), with flags overriding its configuration."""
    return load_project(ctx.find_root().obj.get("root"), overrides)


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def show_progress(flag: bool | None) -> bool:
    """--progress/--no-progress, else a bar only when stderr is a terminal."""
    return sys.stderr.isatty() if flag is None else flag
