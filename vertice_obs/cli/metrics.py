"""`vobs validate`, `vobs audit`, `vobs simulate`: metric existence against Prometheus or the catalog."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import click

from vertice_obs import __version__
from vertice_obs.cli.app import cli, say, say_error
from vertice_obs.cli.options import (
    LOOKBACK,
    PATHS,
    PROMETHEUS,
    TIMEOUT,
    count,
    project_of,
)
from vertice_obs.errors import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    InputError,
    WriteFailed,
    os_reason,
)
from vertice_obs.finding import Severity
from vertice_obs.guard.paths import check_writable
from vertice_obs.guard.text import escape, json_safe
from vertice_obs.output import findings_json, findings_sarif, findings_text

DISABLE = click.option("--disable", multiple=True, metavar="CHECK",
                       help="Switch a check off for this run (repeatable; `vobs checks` lists the ids). Per dashboard "
                            "and per panel: .vobs-lint.yaml.")


def _metric_run(ctx: click.Context, paths: tuple[Path, ...], prometheus_url: str | None, lookback: timedelta,
                show_progress: bool | None, timeout: float, disable: tuple[str, ...] = ()):
    from vertice_obs.metrics.catalog import load_catalog
    from vertice_obs.metrics.evidence import CatalogSource
    from vertice_obs.metrics.lint_config import load_policy
    from vertice_obs.metrics.lints import lint, under
    from vertice_obs.metrics.prometheus import PrometheusSource
    from vertice_obs.metrics.validation import (
        collect,
        load_dashboard_files,
        validate,
        with_lines,
    )

    project = project_of(ctx, prometheus_url=prometheus_url)
    policy = load_policy(list(paths) or [project.exports_dir], project.root, project.display, disable)
    catalog = load_catalog(project.catalog, project.display(project.catalog)) if project.catalog.is_file() else None
    skipped: list = []  # FIFOs never read, JSON Grafana would refuse: warnings at file:line
    dashboards = load_dashboard_files(list(paths) or [project.exports_dir], project.display, skipped)
    if not dashboards:
        raise InputError(f"no dashboard JSON found in {', '.join(map(str, paths or [project.exports_dir]))}")
    if project.prometheus_url:
        source = PrometheusSource(project.prometheus_url, timeout=timeout)
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
    collected.findings.extend(skipped)
    collected.findings.extend(lint(dashboards, under(project.display(project.exports_dir)), policy.disabled))
    result = validate(collected, source, catalog, lookback)
    result.findings = with_lines(policy.apply(result.findings, dashboards), dashboards)
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
@TIMEOUT
@DISABLE
@click.pass_context
def validate_(ctx: click.Context, paths, prometheus_url, lookback, fail_on, fmt, verbose, progress, timeout,
              disable) -> None:
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
    result, _dashboards, _catalog = _metric_run(ctx, paths, prometheus_url, lookback, progress, timeout, disable)
    threshold = Severity.parse(fail_on)
    if not result.evidence.available:  # a server-wide failure: said once, before any per-dashboard output
        say_error(f"{result.evidence.error}: metric existence is unknown")
    if fmt == "sarif":
        click.echo(findings_sarif(result.findings, __version__))
    elif fmt == "json":
        click.echo(findings_json(result.findings, source=result.evidence.source, dashboards=result.dashboards,
                                 queries=result.queries, available=result.evidence.available))
    else:
        shown = [f for f in result.findings if (verbose or f.severity >= Severity.WARNING)
                 and f.check != "metric/unknown"]  # "unknown" everywhere is the one error line above
        if shown:
            say(findings_text(shown))
        say(_validation_summary(result))
    if not result.evidence.available:
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK)


def _validation_summary(result) -> str:
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.check] = counts.get(f.check, 0) + 1
    from vertice_obs.metrics.lints import is_lint, lint_summary

    lints = {f.check for f in result.findings if is_lint(f)}
    parts = [f"{n} {check.split('/', 1)[1]}" for check, n in sorted(counts.items()) if check.startswith(("metric/",
                                                                                                        "promql/"))
             and check not in lints]
    degraded = "".join(f"; {capability} not checked: {why}" for capability, why in result.evidence.degraded)
    return (f"checked {count(result.queries, 'query', 'queries')} ({count(result.uses, 'metric use')}) in "
            f"{count(result.dashboards, 'dashboard')} against {result.evidence.source}: "
            + (", ".join(parts) or "nothing to check") + lint_summary(result.findings) + degraded)


@cli.command("audit")
@PATHS
@PROMETHEUS
@LOOKBACK
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="The report's format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to a file instead of stdout.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@TIMEOUT
@DISABLE
@click.pass_context
def audit_(ctx: click.Context, paths, prometheus_url, lookback, fmt, output, progress, timeout, disable) -> None:
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
    from vertice_obs.files import write_atomic
    from vertice_obs.metrics.audit import audit_json, audit_text, build_audit
    from vertice_obs.metrics.validation import narratives_of

    if output:  # before asking anything: a report that cannot be written is said first
        check_writable(output)
    result, dashboards, catalog = _metric_run(ctx, paths, prometheus_url, lookback, progress, timeout, disable)
    if not result.evidence.available:  # a report of "unknown" everywhere is no report: one line, nothing written
        raise InputError(f"{result.evidence.error}: metric existence is unknown")
    from vertice_obs.metrics.lints import is_lint

    # Info-level lints (a job matcher missing on every query) would bury the report; `vobs validate -v` has them.
    findings = [f for f in result.findings if not (is_lint(f) and f.severity < Severity.WARNING)]
    report = build_audit(findings, narratives_of(dashboards), catalog, result.evidence.source)
    text = json_safe(audit_json(report)) if fmt == "json" else escape(audit_text(report, markdown=fmt == "markdown"))
    if output:
        try:
            write_atomic(output, text)
        except OSError as exc:
            raise WriteFailed(str(output), os_reason(exc)) from None
        say(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


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
    from vertice_obs.metrics.catalog import load_catalog
    from vertice_obs.simulator import DEFAULT_LEAVE_OUT, Simulator

    project = project_of(ctx)
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
