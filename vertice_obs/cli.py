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
from .chaos.preflight import blocking, preflight
from .chaos.report import write_report
from .chaos.runner import GrafanaAnnotator, Runner, Sampler
from .chaos.scenario import load_run
from .checks import CHECKS
from .checks.dashboard_style import iter_panels
from .dashboard_modules import discover
from .audit import audit_json, audit_text, build_audit
from .catalog import load_catalog
from .dashboard_diff import ORPHANED, DashboardDiff, diff_dashboard
from .dashboard_diff import unified as unified_diff
from .errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_PARTIAL, InputError, VobsError
from .exports import write_atomic
from .extract import uses_of
from .interpolate import variables_from_dashboard
from .inventory import inventory
from .normalize import normalize
from .publish import execute, git_commit, plan_publish, select
from .render import MANAGED_TAG, to_json_text
from .targets import DirectoryTarget, GrafanaTarget
from .exports import ExportsDir
from .finding import Severity
from .output import findings_json, findings_sarif, findings_text
from .project import Project, load_project
from .simulator import DEFAULT_LEAVE_OUT, Simulator
from .sources import CatalogSource, PrometheusSource
from .validation import DashboardFile, collect, load_dashboard_files, narratives_of, validate, with_lines

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


# --- Grafana: diff, publish, pull --------------------------------------------------------------------

GRAFANA_URL = click.option("--grafana-url", metavar="URL", default=None,
                           help="Grafana to talk to (else GRAFANA_URL, vobs.yaml; else the provisioning folder).")
GRAFANA_TOKEN = click.option("--grafana-token", metavar="TOKEN", default=None, envvar="GRAFANA_TOKEN",
                             show_envvar=True, help="Service-account token (Authorization: Bearer). Never printed.")
ORG = click.option("--org-id", type=int, default=None, help="Grafana organisation (X-Grafana-Org-Id).")
NARRATIVE = click.option("--narrative", "narratives", multiple=True, metavar="ID", help="Only this narrative (repeatable).")
UID = click.option("--uid", "uids", multiple=True, metavar="UID", help="Only this dashboard (repeatable).")
CONCURRENCY = click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
                           help="Requests in flight at once.")


def _grafana(ctx: click.Context, url, token, org_id):
    project = _project(ctx, grafana_url=url, grafana_token=token, grafana_org_id=org_id)
    if project.grafana_url:
        return project, GrafanaTarget(project.grafana_url, project.grafana_token, project.grafana_org_id)
    target = DirectoryTarget(project.provisioning_dir)
    target.description = f"provisioning folder {project.display(project.provisioning_dir)}/"
    return project, target


def _desired(project: Project, narratives, uids):
    plan = plan_build(project)
    if plan.failures:
        raise InputError(f"{plan.failures[0]} — nothing is sent to Grafana while a dashboard fails to render")
    parse_errors = [f for f in collect(DashboardFile(r.source, r.model) for r in plan.rendered).findings
                    if f.severity >= Severity.ERROR]
    if parse_errors:
        raise InputError(f"{parse_errors[0]} — nothing is sent to Grafana while a query does not parse")
    chosen = select(plan.rendered, narratives, uids)
    unknown = [u for u in uids if u not in {r.uid for r in plan.rendered}]
    if unknown or (narratives and not chosen):
        raise InputError(f"no such dashboard or narrative: {', '.join(unknown or narratives)}")
    return chosen, plan


@cli.command("diff")
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@NARRATIVE
@UID
@click.option("--unified", is_flag=True, help="Also show a unified diff of the normalised JSON (coloured on a terminal).")
@FORMAT
@CONCURRENCY
@click.pass_context
def diff_(ctx, grafana_url, grafana_token, org_id, narratives, uids, unified, fmt, concurrency) -> None:
    """Preview what publishing would change in Grafana, panel by panel. Sends no write.

    For each dashboard: added, changed, unchanged — and, for a changed one, what changed:
    panel "Dopamine spike rate": target A expr `old` → `new`; panel added, removed, moved;
    variable changed; title changed. Dashboards in Grafana with the managed tag `vertice-obs`
    that are no longer in code are reported as orphaned. Compared after normalisation, so
    server-owned fields (id, version), key order and Grafana's defaults never show.

    Exit codes, as diff(1): 0 no differences · 1 differences · 2 error.

    \b
    Examples:
      vobs diff --grafana-url https://grafana.example.com      # GRAFANA_TOKEN from the environment
      vobs diff --narrative dopamine --unified
      vobs diff --format json | jq '.[] | select(.status != "unchanged")'
    """
    from concurrent.futures import ThreadPoolExecutor

    project, target = _grafana(ctx, grafana_url, grafana_token, org_id)
    chosen, _ = _desired(project, narratives, uids)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        lives = list(pool.map(lambda r: target.get(r.uid), chosen))
    diffs = [diff_dashboard(r.uid, r.model, live.model if live else None) for r, live in zip(chosen, lives)]
    if not narratives and not uids:
        in_code = {r.uid for r in _desired(project, (), ())[1].rendered}
        for hit in target.search(tags=(MANAGED_TAG,)):
            if hit["uid"] not in in_code:
                diffs.append(DashboardDiff(hit["uid"], hit.get("title", ""), ORPHANED,
                                           ["in Grafana with the managed tag, but no longer in code"]))
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in diffs], indent=2, ensure_ascii=False))
    else:
        width = max((len(d.uid) for d in diffs), default=0)
        for d, live in zip(diffs, lives + [None] * (len(diffs) - len(lives))):
            mark = {"added": "+", "changed": "~", "orphaned": "!", "removed": "-"}.get(d.status, " ")
            click.echo(f"{mark} {d.uid:<{width}}  {d.status:<9}  {d.title}".rstrip())
            if d.status in ("changed", "orphaned"):
                for change in d.changes:
                    click.echo(f"      {change}")
            if unified and d.status in ("changed", "added"):
                desired = next((r.model for r in chosen if r.uid == d.uid), None)
                click.echo(unified_diff(d.uid, desired, live.model if live else None, color=sys.stdout.isatty()),
                           nl=False)
        counts = {s: sum(d.status == s for d in diffs) for s in ("added", "changed", "unchanged", "orphaned")}
        click.echo(", ".join(f"{n} {s}" for s, n in counts.items()) + f" — against {target.description}")
    ctx.exit(EXIT_FINDINGS if any(d.status != "unchanged" for d in diffs) else EXIT_OK)


@cli.command("publish")
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@NARRATIVE
@UID
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write request (guaranteed and tested).")
@click.option("--force", is_flag=True, help="Overwrite dashboards edited in Grafana since vobs published them "
                                            "(their live JSON is backed up first, as for every update).")
@CONCURRENCY
@FORMAT
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.pass_context
def publish_(ctx, grafana_url, grafana_token, org_id, narratives, uids, dry_run, force, concurrency, fmt,
             progress) -> None:
    """Publish the narratives' dashboards to Grafana (CI runs this on merge).

    Plans everything first — nothing is written if any dashboard fails to render or a query does
    not parse — then creates each narrative's folder (nested folders too) before its dashboards,
    saves only what changed (zero writes when nothing did), with a message carrying the git
    commit and a content hash. Dashboards edited in Grafana since the last publish are not
    overwritten without --force; the live JSON of every dashboard replaced is saved under
    .vobs/backups/ first. 5xx and connection errors are retried with backoff, 429 Retry-After is
    honoured. With no Grafana configured, publishes to the provisioning folder (provisioning/).

    Exit codes: 0 done · 2 nothing written (bad input, unreachable Grafana) · 3 some dashboards
    were not published (listed; run again to finish).

    \b
    Examples:
      vobs publish --dry-run
      GRAFANA_URL=https://grafana.example.com GRAFANA_TOKEN=… vobs publish
      vobs publish --narrative dopamine --force
    """
    project, target = _grafana(ctx, grafana_url, grafana_token, org_id)
    chosen, _ = _desired(project, narratives, uids)
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        with click.progressbar(length=len(chosen), label="reading Grafana", file=sys.stderr) as bar:
            plan = plan_publish(chosen, target, force, concurrency, lambda _u: bar.update(1))
    else:
        plan = plan_publish(chosen, target, force, concurrency)
    if dry_run:
        rows = [{"uid": a.uid, "action": a.kind, "detail": a.reason} for a in plan.actions]
        if fmt == "json":
            click.echo(json.dumps({"dry_run": True, "folders": [f.__dict__ for f in plan.folders],
                                   "dashboards": rows}, indent=2, ensure_ascii=False))
        else:
            for f in plan.folders:
                click.echo(f"create folder {f.title!r} (uid {f.uid}{', in ' + f.parent_uid if f.parent_uid else ''})")
            _table([(r["uid"], r["action"], r["detail"]) for r in rows])
            click.echo(f"dry run: {plan.writes} write(s) planned, none sent — against {target.description}")
        return
    commit = git_commit(project.root)
    if show:
        with click.progressbar(length=len(plan.actions), label="publishing", file=sys.stderr) as bar:
            results = execute(plan, target, commit, project.backup_dir, concurrency, lambda _r: bar.update(1))
    else:
        results = execute(plan, target, commit, project.backup_dir, concurrency)
    failed = [r for r in results if r.status in ("failed", "skipped-drift")]
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in results], indent=2, ensure_ascii=False))
    else:
        _table([(r.uid, r.status, r.detail) for r in results])
        counts = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" — {target.description}")
    if failed:
        click.echo(f"vobs: error: {len(failed)} dashboard(s) not published: "
                   f"{', '.join(f'{r.uid} ({r.status})' for r in failed)}; run vobs publish again to finish "
                   "(drifted ones need a review and --force)", err=True)
        ctx.exit(EXIT_PARTIAL)


def _table(rows) -> None:
    width = max((len(r[0]) for r in rows), default=0)
    for uid, status, detail in rows:
        click.echo(f"{uid:<{width}}  {status:<13}  {detail}".rstrip())


@cli.command("pull")
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@UID
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only dashboards with this tag (repeatable: all of them).")
@click.option("--folder", "folders", multiple=True, metavar="UID", help="Only dashboards in this folder (repeatable).")
@click.option("--all", "pull_all", is_flag=True, help="Every dashboard.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("pulled"),
              show_default=True, help="Folder to write the JSON and inventory.json to.")
@click.pass_context
def pull_(ctx, grafana_url, grafana_token, org_id, uids, tags, folders, pull_all, output) -> None:
    """Export live dashboards as normalised JSON, with an inventory of their queries and metrics.

    The curation step before turning an existing dashboard into a narrative chapter, and the way
    to bring an edit made in Grafana's UI back for review. inventory.json lists dashboard →
    panels → queries → metrics; `vobs validate OUTPUT` then checks those metrics.

    \b
    Examples:
      vobs pull --uid maximus-dopamine-overview -o review/
      vobs pull --tag maximus -o pulled/
      vobs pull --all
    """
    if not (uids or tags or folders or pull_all):
        raise click.UsageError("say what to pull: --uid, --tag, --folder or --all")
    _project_, target = _grafana(ctx, grafana_url, grafana_token, org_id)
    hits = target.search(tags=tags, folder_uids=folders, uids=uids)
    inventory_out = []
    for hit in hits:
        live = target.get(hit["uid"])
        if live is None:
            continue
        model = normalize(live.model)
        write_atomic(output / f"{hit['uid']}.json", to_json_text(model))
        inventory_out.append(_inventory_of(f"{output}/{hit['uid']}.json", model))
    missing = [u for u in uids if u not in {h["uid"] for h in hits}]
    write_atomic(output / "inventory.json", to_json_text({"dashboards": inventory_out}))
    click.echo(f"pulled {_count(len(inventory_out), 'dashboard')} from {target.description} → {output}/")
    if missing:
        raise InputError(f"not found in {target.description}: {', '.join(missing)}")


def _inventory_of(file: str, model: dict) -> dict:
    queries, _ = inventory(model, file)
    variables = variables_from_dashboard(model)
    panels: dict = {}
    for q in queries:
        uses, findings = uses_of(q, variables)
        key = q.location.panel if q.location.panel is not None else q.location.target
        panels.setdefault(key, []).append({"target": q.location.target, "expr": q.expr,
                                           "metrics": sorted({u.metric for u in uses}),
                                           "errors": [f.message for f in findings]})
    return {"uid": model.get("uid"), "title": model.get("title"), "file": file,
            "panels": [{"panel": k, "queries": v} for k, v in panels.items()]}


# --- Chaos Day ---------------------------------------------------------------------------------------

@cli.group("chaos")
def chaos_() -> None:
    """Chaos Day as code: fault scenarios with probes and expectations (chaos/*.yaml)."""


@chaos_.command("check")
@click.argument("run_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@PROMETHEUS
@FORMAT
@click.pass_context
def chaos_check(ctx: click.Context, run_file: Path, prometheus_url, fmt) -> None:
    """Validate a Chaos Day file and check that every probe's metrics exist — before any fault.

    The file is schema-checked like a narrative (one-line errors with file and line). Then each
    probe's PromQL goes through the same metric validation as `vobs validate`: a probe on a
    missing metric would measure nothing, so it is reported and the check fails (exit 1).

    \b
    Examples:
      vobs chaos check chaos/chaos-day-1.yaml
      vobs chaos check chaos/chaos-day-1.yaml --prometheus-url http://localhost:9090
    """
    project = _project(ctx, prometheus_url=prometheus_url)
    run = load_run(run_file, project.display(run_file))
    catalog = load_catalog(project.catalog, project.display(project.catalog)) if project.catalog.is_file() else None
    source = PrometheusSource(project.prometheus_url) if project.prometheus_url else (
        CatalogSource(catalog) if catalog else None)
    if source is None:
        raise InputError("no Prometheus configured and no metric catalog to check the probes against")
    findings = preflight(run, source, catalog)
    stops = blocking(findings)
    if fmt == "json":
        click.echo(findings_json(findings, run=run.id, ready=not stops))
    else:
        if stops:
            click.echo(findings_text(stops))
        probes = sum(len(s.probes) for s in run.scenarios)
        state = "ready" if not stops else f"NOT ready: {_count(len(stops), 'probe metric')} would measure nothing"
        click.echo(f"{run.id}: {_count(len(run.scenarios), 'scenario')}, {_count(probes, 'probe')} — {state} "
                   f"(checked against {source.description})")
    if any(f.check == "metric/unknown" for f in findings):
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if stops else EXIT_OK)


@chaos_.command("run")
@click.argument("run_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target-url", required=True, metavar="URL",
              help="The system under test: `${target}` in the file's inject/revert actions (e.g. the simulator).")
@PROMETHEUS
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON journal (default chaos/journals/<run>-<UTC time>.json).")
@click.option("--time-scale", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
              help="Multiply every baseline, hold and recover duration (rehearsals and tests run faster).")
@click.option("--timeout", type=Duration(), default=None, help="Stop (and revert) when the run takes longer.")
@click.pass_context
def chaos_run(ctx, run_file, target_url, prometheus_url, grafana_url, grafana_token, org_id, journal, time_scale,
              timeout) -> None:
    """Run a Chaos Day: per step baseline, inject, hold, revert, recover — and measure.

    Before anything is injected, every probe's metrics are checked (as `vobs chaos check`); a
    probe on a missing metric stops the run (exit 1). Faults are annotated in Grafana on the
    run's narratives' dashboards (tagged with the run id) when a Grafana is configured. Probes are
    sampled from Prometheus over each step. A run never leaves a fault injected: Ctrl-C, SIGTERM,
    an error or --timeout revert it first (exit 130, or 2 on error). The journal records
    everything and `vobs chaos report` turns it into the report.

    \b
    Examples:
      vobs simulate --all &
      vobs chaos run chaos/chaos-day-1.yaml --target-url http://127.0.0.1:9464 \\
          --prometheus-url http://127.0.0.1:9090 --time-scale 0.1
    """
    project = _project(ctx, prometheus_url=prometheus_url, grafana_url=grafana_url, grafana_token=grafana_token,
                       grafana_org_id=org_id)
    if not project.prometheus_url:
        raise InputError("a Chaos Day measures in Prometheus: give --prometheus-url or PROMETHEUS_URL")
    run = load_run(run_file, project.display(run_file))
    catalog = load_catalog(project.catalog, project.display(project.catalog)) if project.catalog.is_file() else None
    findings = preflight(run, PrometheusSource(project.prometheus_url), catalog)
    if any(f.check == "metric/unknown" for f in findings):
        raise InputError(next(f.message for f in findings if f.check == "metric/unknown"))
    stops = blocking(findings)
    if stops:
        click.echo(findings_text(stops))
        click.echo(f"{run.id}: not started — {_count(len(stops), 'probe metric')} would measure nothing", err=True)
        ctx.exit(EXIT_FINDINGS)
    annotator = None
    if project.grafana_url:
        manifest = ExportsDir(project.exports_dir).manifest().get("dashboards", {})
        uids = sorted(uid for uid, d in manifest.items() if d.get("narrative") in run.narratives)
        annotator = GrafanaAnnotator(GrafanaTarget(project.grafana_url, project.grafana_token,
                                                   project.grafana_org_id), uids)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    journal_path = journal or project.root / "chaos" / "journals" / f"{run.id}-{stamp}.json"
    runner = Runner(run, target_url, Sampler(project.prometheus_url), journal_path, annotator, time_scale, timeout,
                    log=lambda message: click.echo(message, err=True))
    try:
        data = runner.execute()
    finally:
        click.echo(f"journal: {project.display(journal_path)}", err=True)
    steps = sum(len(s["steps"]) for s in data["scenarios"])
    click.echo(f"{run.id}: completed {_count(len(data['scenarios']), 'scenario')}, {_count(steps, 'step')}; "
               f"no fault left injected. Report: vobs chaos report {project.display(journal_path)}")


@chaos_.command("report")
@click.argument("journal", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for report.md, report.html and plots/ (default: next to the journal).")
def chaos_report(journal: Path, output: Path | None) -> None:
    """Turn a Chaos Day journal into a report: markdown and a self-contained HTML page.

    Per scenario: expected vs observed, deviations with severity and a priority (P0–P4, from
    severity × the phase that failed), the probes against their thresholds per phase, a plot of
    each probe across baseline, fault and recovery with the fault windows shaded, and
    recommendations derived from the deviations. Every number is computed from the journal.

    \b
    Examples:
      vobs chaos report chaos/journals/chaos-day-1-20261124T140000Z.json
      vobs chaos report journal.json -o report/
    """
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", str(journal), exc.lineno) from None
    if not isinstance(data, dict) or "scenarios" not in data or "run" not in data:
        raise InputError("not a Chaos Day journal (no run and scenarios)", str(journal))
    out = output or journal.with_name(journal.stem + "-report")
    try:
        written = write_report(data, out)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed journal: {type(exc).__name__}: {exc}", str(journal)) from None
    click.echo(f"wrote {out}/report.md, {out}/report.html and {_count(len(written) - 2, 'plot')}")
