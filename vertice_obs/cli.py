"""`vobs`: the command line. The I/O edge: it loads, calls the pure core, prints, and picks exit codes.

Exit codes (for CI): 0 success · 1 the check found something (stale exports, missing metrics,
differences) · 2 bad input, bad usage or an unreachable dependency · 3 a write failed part-way.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from . import __version__
from .build import BuildPlan, plan_build
from .checks import CHECKS
from .checks.dashboard_style import iter_panels
from .dashboard_modules import discover
from .audit import audit_json, audit_text, build_audit
from .catalog import load_catalog
from .errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, VobsError
from .exports import ExportsDir
from .finding import Severity
from .output import findings_json, findings_sarif, findings_text
from .project import Project, load_project
from .simulator import DEFAULT_LEAVE_OUT, Simulator
from .sources import CatalogSource, PrometheusSource
from .validation import collect, load_dashboard_files, narratives_of, validate, with_lines

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for machines (stable keys, sorted).")


class VobsGroup(click.Group):
    """Turns every `VobsError` into one line on stderr and its exit code — never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VobsError as exc:
            click.echo(f"vobs: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("vobs: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug in vobs: one line, the traceback only on request
            if os.environ.get("VOBS_DEBUG"):
                traceback.print_exc()
            click.echo(f"vobs: internal error: {type(exc).__name__}: {exc} (set VOBS_DEBUG=1 for the traceback)",
                       err=True)
            ctx.exit(EXIT_INPUT)


@click.group(cls=VobsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vobs")
@click.option("-C", "--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Project root (holds dashboards/, narratives/, exports/). Default: the current directory.")
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """Observability as code for Vértice and MAXIMUS.

    Dashboards are Python (dashboards/*.py, grafanalib), told as narratives (narratives/*.yaml),
    rendered deterministically into exports/ and checked before they reach Grafana.

    \b
    Typical loop:
      vobs build            render every narrative into exports/
      vobs build --check    CI: fail if exports/ is not what the code renders
      vobs list             narratives → chapters → dashboards → panels

    Configuration: flags, then GRAFANA_URL / GRAFANA_TOKEN / PROMETHEUS_URL, then vobs.yaml or
    [tool.vobs] in pyproject.toml. Exit codes: 0 ok, 1 findings, 2 bad input or unreachable
    server, 3 partial failure of a write.
    """
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


def _project(ctx: click.Context, **overrides: Any) -> Project:
    return load_project(ctx.obj.get("root"), overrides)


def _plan(project: Project, show_progress: bool) -> BuildPlan:
    if not show_progress:
        return plan_build(project)
    total = len(discover(project.dashboards_dir))
    with click.progressbar(length=total, label="loading dashboards", file=sys.stderr, show_pos=True) as bar:
        return plan_build(project, progress=lambda _file: bar.update(1))


def _report_findings(plan: BuildPlan, fmt: str) -> None:
    shown = [f for f in plan.findings if f.severity >= Severity.WARNING]
    if shown and fmt == "text":
        click.echo(findings_text(shown), err=True)


@cli.command()
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and list the stale files if exports/ differs from what the code renders.")
@FORMAT
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.pass_context
def build(ctx: click.Context, check: bool, fmt: str, progress: bool | None) -> None:
    """Render every narrative's dashboards into exports/<narrative>/<uid>.json.

    Output is deterministic — sorted keys, 2-space indent, stable panel ids and positions — and
    each file is written atomically, with exports/manifest.json listing what was rendered.
    A dashboard module that fails to load is reported with its file and line; the others still
    render and the failed one keeps its previous export (exit 2). An invalid narrative stops the
    build before anything is written (exit 2).

    \b
    Examples:
      vobs build
      vobs build --check            # in CI, after the tests
      vobs build --check --format json
    """
    project = _project(ctx)
    plan = _plan(project, sys.stderr.isatty() if progress is None else progress)
    exports = ExportsDir(project.exports_dir)
    shown_root = project.display(project.exports_dir)
    changes = exports.compare(plan.files, plan.complete) if check else exports.apply(plan.files, plan.complete)
    _report_findings(plan, fmt)
    failed = bool(plan.failures)

    if fmt == "json":
        click.echo(json.dumps({
            "check": check,
            "exports": shown_root,
            "dashboards": len(plan.rendered),
            "narratives": len(plan.narratives),
            "changes": [{"kind": c.kind, "path": f"{shown_root}/{c.path}"} for c in changes],
            "findings": [f.to_dict() for f in plan.findings],
        }, indent=2, sort_keys=True, ensure_ascii=False))
    elif check:
        if changes:
            click.echo(f"{shown_root}/ is stale: {len(changes)} file(s) differ from what the code renders")
            for c in changes:
                click.echo(f"  {c.kind:8} {shown_root}/{c.path}")
            click.echo("run `vobs build` and commit exports/")
        else:
            click.echo(f"{shown_root}/ is up to date ({_count(len(plan.rendered), 'dashboard')}, "
                       f"{_count(len(plan.narratives), 'narrative')})")
    else:
        written = sum(c.kind != "extra" for c in changes)
        deleted = sum(c.kind == "extra" for c in changes)
        click.echo(f"rendered {_count(len(plan.rendered), 'dashboard')} in {_count(len(plan.narratives), 'narrative')} → "
                   f"{shown_root}/ ({written} written, {deleted} deleted, "
                   f"{len(plan.files) - written} unchanged)")
    if failed:
        click.echo(f"vobs: error: {len(plan.failures)} dashboard module(s) failed to load; "
                   "their previous exports are kept", err=True)
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if check and changes else EXIT_OK)


@cli.command("list")
@FORMAT
@click.option("--panels/--no-panels", default=True, show_default=True, help="Show each dashboard's panels.")
@click.pass_context
def list_(ctx: click.Context, fmt: str, panels: bool) -> None:
    """Show narratives → chapters → dashboards → panels, as rendered.

    \b
    Examples:
      vobs list
      vobs list --no-panels
      vobs list --format json | jq '.[].chapters[].dashboard.uid'
    """
    project = _project(ctx)
    plan = plan_build(project)
    by_uid = {r.uid: r for r in plan.rendered}
    tree = []
    for narrative in plan.narratives:
        chapters = []
        for index, chapter in enumerate(narrative.chapters, 1):
            rendered = by_uid.get(chapter.dashboard)
            dashboard: dict[str, Any] = {"uid": chapter.dashboard}
            if rendered is not None:
                dashboard.update(title=rendered.model.get("title", ""), source=rendered.source,
                                 export=f"{project.display(project.exports_dir)}/{rendered.path}")
                if panels:
                    dashboard["panels"] = [_panel_summary(p) for p in iter_panels(rendered.model)]
            chapters.append({"index": index, "title": chapter.title, "dashboard": dashboard})
        tree.append({"id": narrative.id, "title": narrative.title, "owner": narrative.owner,
                     "folder": narrative.folder, "file": narrative.file, "chapters": chapters})
    if fmt == "json":
        click.echo(json.dumps(tree, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        for n in tree:
            click.secho(f"{n['id']}", bold=True, nl=False)
            click.echo(f"  {n['title']}  (folder {n['folder']}, owner {n['owner']})")
            for c in n["chapters"]:
                d = c["dashboard"]
                click.echo(f"  {c['index']}. {c['title']} → {d['uid']}"
                           + (f" ({d['source']})" if "source" in d else " (not rendered)"))
                for p in d.get("panels", []):
                    click.echo(f"       #{p['id']:<3} {p['type']:<10} {p['title']}")
    _report_findings(plan, fmt)
    ctx.exit(EXIT_INPUT if plan.failures else EXIT_OK)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def _panel_summary(panel: dict[str, Any]) -> dict[str, Any]:
    return {"id": panel.get("id"), "type": panel.get("type"), "title": panel.get("title", ""),
            "queries": [t.get("expr") for t in panel.get("targets", []) if t.get("expr")]}


@cli.command("checks")
@FORMAT
def checks_(fmt: str) -> None:
    """List every check vobs runs: its id, severity and what it means."""
    rows = [{"id": c.id, "severity": str(c.severity), "doc": c.doc} for c in sorted(CHECKS.values(), key=lambda c: c.id)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.secho(f"{row['id']}", bold=True, nl=False)
        click.echo(f"  [{row['severity']}]\n    {row['doc']}")


def main() -> None:
    cli(prog_name="vobs")


# --- metric existence ------------------------------------------------------------------------------

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
LOOKBACK = click.option("--lookback", type=Duration(), default="7d", show_default=True,
                        help="How far back to look for metrics that are absent now (missing vs disappeared).")


def _metric_run(ctx: click.Context, paths: tuple[Path, ...], prometheus_url: str | None, lookback: timedelta,
                show_progress: bool | None):
    project = _project(ctx, prometheus_url=prometheus_url)
    catalog = load_catalog(project.catalog, project.display(project.catalog)) if project.catalog.is_file() else None
    dashboards = load_dashboard_files(list(paths) or [project.exports_dir], project.display)
    if not dashboards:
        raise InputError(f"no dashboard JSON found in {', '.join(map(str, paths or [project.exports_dir]))}")
    if project.prometheus_url:
        source = PrometheusSource(project.prometheus_url)
    elif catalog is not None:
        source = CatalogSource(catalog)
    else:
        raise InputError("no Prometheus configured (--prometheus-url or PROMETHEUS_URL) and no metric catalog "
                         f"at {project.display(project.catalog)} to check against")
    if show_progress if show_progress is not None else sys.stderr.isatty():
        with click.progressbar(length=len(dashboards), label="reading queries", file=sys.stderr) as bar:
            collected = collect(dashboards, lambda _f: bar.update(1))
    else:
        collected = collect(dashboards)
    result = validate(collected, source, catalog, lookback)
    result.findings = with_lines(result.findings, dashboards)
    return result, dashboards, catalog


@cli.command("validate")
@PATHS
@PROMETHEUS
@LOOKBACK
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at least this severe. Missing required metrics and "
                   "unparsable queries are errors; other missing metrics are warnings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text for people, json for machines, sarif for code-scanning UIs.")
@click.option("-v", "--verbose", is_flag=True, help="Also show info findings (present metrics, skipped queries).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.pass_context
def validate_(ctx: click.Context, paths, prometheus_url, lookback, fail_on, fmt, verbose, progress) -> None:
    """Check that every metric the dashboards query exists — the CI gate.

    Reads every PromQL query in PATHS (default: exports/; any folder of Grafana dashboard JSON
    works), interpolates Grafana variables, parses the query with a real PromQL parser and asks
    Prometheus — in at most a handful of requests — which metrics exist. Each (metric, panel) gets
    a reason: present, missing, disappeared (last seen …), produced by a recording rule, only an
    `or` fallback, intentionally absent. With no Prometheus configured it checks against the
    metric catalog (narratives/metrics.yaml).

    Exit codes: 0 nothing at --fail-on or worse · 1 findings · 2 Prometheus unreachable (metrics
    are then "unknown", never "missing") or bad input.

    \b
    Examples:
      vobs validate                                   # exports/ against the catalog
      vobs validate --prometheus-url http://localhost:9090
      vobs validate dashboards-from-grafana/ --format sarif > vobs.sarif
      vobs validate --fail-on warning --lookback 30d
    """
    result, _dashboards, _catalog = _metric_run(ctx, paths, prometheus_url, lookback, progress)
    threshold = Severity.parse(fail_on)
    if fmt == "sarif":
        click.echo(findings_sarif(result.findings, __version__))
    elif fmt == "json":
        click.echo(findings_json(result.findings, source=result.evidence.source, dashboards=result.dashboards,
                                 queries=result.queries, available=result.evidence.available))
    else:
        shown = [f for f in result.findings if verbose or f.severity >= Severity.WARNING]
        if shown:
            click.echo(findings_text(shown))
        click.echo(_validation_summary(result))
    if not result.evidence.available:
        click.echo(f"vobs: error: {result.evidence.error}: metric existence is unknown", err=True)
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK)


def _validation_summary(result) -> str:
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.check] = counts.get(f.check, 0) + 1
    parts = [f"{n} {check.split('/', 1)[1]}" for check, n in sorted(counts.items()) if check.startswith(("metric/",
                                                                                                        "promql/"))]
    return (f"checked {_count(result.queries, 'query', 'queries')} ({_count(result.uses, 'metric use')}) in "
            f"{_count(result.dashboards, 'dashboard')} against {result.evidence.source}: "
            + (", ".join(parts) or "nothing to check"))


@cli.command("audit")
@PATHS
@PROMETHEUS
@LOOKBACK
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="The report's format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to a file instead of stdout.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.pass_context
def audit_(ctx: click.Context, paths, prometheus_url, lookback, fmt, output, progress) -> None:
    """Report which metrics the dashboards need that Prometheus does not have, and why.

    Grouped by metric → narratives → dashboards → panels, most actionable first, with the reason
    and the last-seen time of metrics that disappeared; headed by the catalog's required metrics.
    It is a report, not a gate: exit 0 unless Prometheus is unreachable (2). Use `vobs validate`
    in CI.

    \b
    Examples:
      vobs audit --prometheus-url http://localhost:9090
      vobs audit --format markdown -o metric-audit.md
    """
    result, dashboards, catalog = _metric_run(ctx, paths, prometheus_url, lookback, progress)
    report = build_audit(result.findings, narratives_of(dashboards), catalog, result.evidence.source)
    text = audit_json(report) if fmt == "json" else audit_text(report, markdown=fmt == "markdown")
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if not result.evidence.available:
        click.echo(f"vobs: error: {result.evidence.error}: metric existence is unknown", err=True)
        ctx.exit(EXIT_INPUT)


@cli.command("simulate")
@click.option("--port", type=click.IntRange(0, 65535), default=9464, show_default=True,
              help="Port to serve /metrics on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--leave-out", "leave_out", multiple=True, metavar="METRIC",
              help="A catalog metric not to serve (repeatable). Default: maximus_dopamine_spike_events_total.")
@click.option("--all", "serve_all", is_flag=True, help="Serve every catalog metric (leave nothing out).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed, the same run.")
@click.option("--environment", default="dev", show_default=True, help="Value of the `environment` label.")
@click.pass_context
def simulate_(ctx: click.Context, port, host, leave_out, serve_all, seed, environment) -> None:
    """Serve the catalog's MAXIMUS metrics with plausible dynamics, for demos and tests.

    Dopamine spikes that fade as skills are learned, arousal states, ESGT ignitions with
    coherence and failures, skill learning curves and kill-switch latency, at /metrics. By
    default maximus_dopamine_spike_events_total is left out, as in the kick-off, so that
    `vobs audit` has something to find. Stop with Ctrl-C.

    \b
    Examples:
      vobs simulate                       # http://127.0.0.1:9464/metrics
      vobs simulate --all --port 9500
      vobs simulate --leave-out maximus_esgt_coherence --leave-out maximus_phi_proxy
    """
    project = _project(ctx)
    catalog = load_catalog(project.catalog, project.display(project.catalog))
    chosen = set() if serve_all else (set(leave_out) if leave_out else set(DEFAULT_LEAVE_OUT))
    try:
        simulator = Simulator(catalog, leave_out=chosen, seed=seed, environment=environment)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    try:
        bound = simulator.serve(port, host)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    left = ", ".join(sorted(chosen)) or "nothing"
    click.echo(f"serving {len(simulator.specs)} MAXIMUS metrics at http://{host}:{bound}/metrics "
               f"(left out: {left}); Ctrl-C to stop", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        simulator.stop()
