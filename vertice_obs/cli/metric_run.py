"""The run `vobs validate` and `vobs audit` share: their `--disable` option, and `metric_run` —
load the project and the lint policy, choose the metric source (Prometheus, else the catalog),
narrow to `--since`, read every dashboard's queries (on several processes) and validate them.
The commands themselves, their output and exit codes, are in `cli/metrics.py`."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import timedelta
from pathlib import Path

import click

from vertice_obs.cli.app import say_error
from vertice_obs.cli.options import changed_since, project_of, prometheus_auth
from vertice_obs.errors import InputError


def _complete_check(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from vertice_obs.checks import CHECKS

    return sorted(check for check in CHECKS if check.startswith(incomplete))


DISABLE = click.option("--disable", multiple=True, metavar="CHECK", shell_complete=_complete_check,
                       help="Switch a check off for this run (repeatable; `vobs checks` lists the ids). Per dashboard "
                            "and per panel: .vobs-lint.yaml.")


class NoDashboards(InputError):
    """No dashboard JSON in the paths asked for: an error, exit 2 — and `--format sarif` still writes
    its log (an empty run that failed, saying why), as code-scanning uploads read a log, never nothing."""


def metric_run(ctx: click.Context, paths: tuple[Path, ...], prometheus_url: str | None, catalog_file: Path | None,
               lookback: timedelta, show_progress: bool | None, timeout: float, fail_fast: bool = False,
               disable: tuple[str, ...] = (), offline: bool = False, since: str | None = None):
    """Load, collect and validate. Works anywhere: inside a project its catalog is the default source;
    outside one (or with neither a Prometheus nor a catalog) every check that needs no source runs.
    A server-wide failure is said once, first — before reading any dashboard — and the run goes on
    with the checks that need no server. `offline`: no Prometheus, whatever the configuration says.
    `since`: only the dashboards changed since that git ref (nothing changed: nothing asked).
    Returns (result, dashboards, catalog, failure)."""
    from vertice_obs.checks.datasources import Backend
    from vertice_obs.metrics.catalog import load_catalog
    from vertice_obs.metrics.evidence import CatalogSource, SourceUnavailable
    from vertice_obs.metrics.lint_config import load_policy
    from vertice_obs.metrics.lints import lint_dashboard, lint_run, under
    from vertice_obs.metrics.parallel import collect_parallel, jobs_wanted
    from vertice_obs.metrics.prometheus import PrometheusSource
    from vertice_obs.metrics.validation import (
        at_json_paths,
        load_dashboard_files,
        validate,
    )

    project = project_of(ctx, prometheus_url=prometheus_url,
                         catalog=catalog_file.resolve() if catalog_file is not None else None)
    if not offline:
        project.require_declared("prometheus_url", " (add it to the environment, or give --offline to check "
                                                    "against the catalog)")
    catalog_path = project.metric_catalog()
    jobs = jobs_wanted()  # a bad VOBS_JOBS is said before any work
    policy = load_policy(list(paths) or [project.exports_dir], project.root, project.display, disable)
    catalog = load_catalog(catalog_path, project.display(catalog_path)) if catalog_path else None
    keep = _since_filter(project, since, paths) if since is not None else None  # a bad ref: said first
    hint = project.unbuilt() if not paths and not project.exports_dir.exists() else ""
    if hint:  # not built yet (its broken catalog said first), or run from a project's subfolder
        raise InputError(f"no such file or directory: {project.exports_dir}{hint}")
    source = None
    if project.prometheus_url and not offline:
        source = PrometheusSource(project.prometheus_url, timeout=timeout, **prometheus_auth(project))
    elif catalog is not None:
        source = CatalogSource(catalog)
    if keep is not None and keep.nothing:
        return _nothing_checked(source), [], catalog, None
    failure, backend = None, None
    if isinstance(source, PrometheusSource):
        try:
            source.names()  # remembered: the run asks once, and fails fast when the server cannot answer
            # what answered: a VictoriaMetrics answers MetricsQL, whatever plugin the dashboards name
            backend = Backend(source.description, source.kind == "VictoriaMetrics")
        except SourceUnavailable as exc:
            failure = f"{exc}: metric existence is unknown"
            if fail_fast:
                raise InputError(failure) from None
            say_error(failure)
    found: list = []  # unreadable files, FIFOs never read, JSON Grafana would refuse: at file:line:col
    dashboards = load_dashboard_files(list(paths) or [project.exports_dir], project.display, found)
    if not dashboards and not any(f.check == "file/invalid" for f in found):  # skipped FIFOs are not files
        skipped = "; ".join(f"{f.location.file}: {f.message}" for f in found if f.check == "input/skipped")
        raise NoDashboards(f"no dashboard JSON found in {', '.join(map(str, paths or [project.exports_dir]))}"
                         + (f" ({skipped})" if skipped else "") + ("" if paths else project.unbuilt()))
    if keep is not None:  # before any query is read or asked about: the work itself is limited
        dashboards = [d for d in dashboards if keep(d)]
        found = [f for f in found if keep.selection.everything or f.location.file in keep.paths]
    found.extend(policy.skipped(project.display))  # a lint file met in a folder that links out of it
    ours = under(project.display(project.exports_dir))
    lints = lambda d, queries, known: lint_dashboard(d, queries, ours, policy.disabled, known, backend)  # noqa: E731
    judged = source is not None and failure is None  # selectors will be judged: options are made as parts are read
    shown = show_progress if show_progress is not None else sys.stderr.isatty()
    bar = click.progressbar(length=len(dashboards), label="reading queries", file=sys.stderr) if shown else None
    with bar if bar is not None else contextlib.nullcontext():
        collected = collect_parallel(dashboards, jobs, (lambda _f: bar.update(1)) if bar is not None else None,
                                     judged=judged, options=judged, per_dashboard=lints, backend=backend)
    collected.findings.extend(found)
    collected.findings.extend(lint_run(dashboards, policy.disabled))
    if shown and source is not None and failure is None:  # the bar is done; the source's answers and the judging follow
        click.echo(f"checking {len(collected.uses):,} metric uses and their series against {source.description}", err=True)
    result = validate(collected, source, catalog, lookback)
    kept = policy.apply(result.findings, dashboards)
    # switched off by a .vobs-lint.yaml exclusion (a `--disable`d check is one the user named: not counted)
    result.excluded = sum(f.check not in policy.disabled for f in result.findings) - len(kept)
    result.findings = at_json_paths(kept, dashboards)
    return result, dashboards, catalog, failure


class _Since:
    """`--since REF` for validate: keeps a dashboard file whose uid the change selected, or that
    the change touched itself (a folder of JSON outside `exports/`). `nothing`: neither can be,
    so nothing is read or asked about."""

    def __init__(self, selection, changes, roots: list[str]):
        self.selection, self.paths = selection, frozenset(changes.paths)
        self.nothing = not (selection.everything or selection.uids or self.touched(changes, roots))

    @staticmethod
    def touched(changes, roots: list[str]) -> list[str]:
        """The dashboard JSON files under `roots` the change touched itself (deleted ones aside)."""
        return sorted(p for p in frozenset(changes.paths) - changes.deleted if p.endswith(".json")
                      and not p.endswith("/manifest.json")
                      and any(r in (".", "", p) or p.startswith(r.rstrip("/") + "/") for r in roots))

    def __call__(self, dashboard) -> bool:
        return self.selection.everything or dashboard.uid in self.selection.uids or dashboard.file in self.paths


def _since_filter(project, ref: str, paths) -> _Since:
    from vertice_obs.build.changes import layout_of_exports

    roots = [project.display(p).replace(os.sep, "/") for p in (list(paths) or [project.exports_dir])]
    layout = layout_of_exports(project)

    def outside(changes) -> list[str]:  # said with the selection: files it cannot name a dashboard of
        return [p for p in _Since.touched(changes, roots) if p not in layout.exports]
    return _Since(*changed_since(project, ref, layout, outside), roots)


def _nothing_checked(source):
    """The result of checking no dashboard: the same shape, nothing asked of the source."""
    from vertice_obs.metrics.classify import Evidence
    from vertice_obs.metrics.validation import ValidationResult

    if source is None:
        return ValidationResult([], Evidence(source="no metric source", names=None), 0, 0, 0, checked=False)
    return ValidationResult([], Evidence(source=source.description, names=frozenset()), 0, 0, 0)
