"""`vobs validate`, `vobs audit`, `vobs simulate`: metric existence against Prometheus or the catalog.

The commands: flags, output formats and exit codes. The run validate and audit share (source,
`--since`, reading and validating the queries) is `cli/metric_run.py`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

import vertice_obs
from vertice_obs.cli.app import cli, say, say_error
from vertice_obs.cli.metric_run import DISABLE, NoDashboards, metric_run
from vertice_obs.cli.options import (
    CATALOG,
    LOOKBACK,
    OUTPUT_FILE,
    PATHS,
    PROMETHEUS,
    PROMETHEUS_ENV,
    SINCE,
    TIMEOUT,
    TLS,
    check_output,
    count,
    project_of,
    refuse_offline_with_url,
    write_output,
)
from vertice_obs.errors import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    InputError,
)
from vertice_obs.finding import Severity
from vertice_obs.guard.text import escape, json_safe
from vertice_obs.output import (
    envelope,
    findings_sarif,
    findings_text,
    write_findings_json,
)


@cli.command("validate")
@PROMETHEUS_ENV
@PATHS
@PROMETHEUS
@CATALOG
@LOOKBACK
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at least this severe. Missing required metrics and "
                   "unparsable queries are errors; other missing metrics are warnings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github", "junit"]), default="text",
              show_default=True, help="text for people, json for machines, sarif for code-scanning UIs, github for "
                                      "pull-request annotations, junit for GitLab and Jenkins test reports.")
@click.option("--offline", is_flag=True, help="Ask no Prometheus (PROMETHEUS_URL and vobs.yaml ignored): check "
                                              "against the metric catalog, if any. What the pre-commit hook runs.")
@SINCE
@click.option("-v", "--verbose", is_flag=True, help="Also show info findings (present metrics, skipped queries); "
                                                   "--fail-on info shows them too; --format junit always lists them, "
                                                   "as passing testcases.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@TIMEOUT
@TLS
@DISABLE
@click.pass_context
def validate_(ctx: click.Context, paths, prometheus_url, catalog_file, lookback, fail_on, fmt, offline, since,
              verbose, progress, timeout, disable) -> None:
    """Check that every metric the dashboards query exists — the CI gate.

    Reads every PromQL query in PATHS (default: exports/; any folder of Grafana dashboard JSON
    works), interpolates Grafana variables, parses the query with a real PromQL parser and asks
    Prometheus — in at most a handful of requests — which metrics exist. Each (metric, panel) gets
    a reason: present, missing, disappeared (last seen …), produced by a recording rule, only an
    `or` fallback, intentionally absent. With no Prometheus configured it checks against the
    metric catalog (narratives/metrics.yaml, or --catalog FILE); with neither — say, a folder of
    someone else's dashboards outside any project — every check that needs no metric source runs.
    A file that is not JSON is one file/invalid error; the other files are still checked.

    Switching checks off: --disable CHECK for the run; per dashboard, panel or query, a
    .vobs-lint.yaml beside the dashboards (or in a folder above them), e.g.
    `exclusions: {promql/rate-interval: {entries: [{dashboard: my-uid, panel: Top 10}]}}`;
    what it switched off is counted in the summary ("N findings excluded by .vobs-lint.yaml").

    Exit codes: 0 nothing at --fail-on or worse · 1 findings · 2 Prometheus unreachable (said
    once, first; metrics are then "unknown", never "missing") or bad input.

    \b
    Examples:
      vobs validate                                   # exports/ against the catalog
      vobs validate --prometheus-url http://localhost:9090
      vobs validate dashboards-from-grafana/ --format sarif > vobs.sarif
      vobs validate --format github                   # annotations on the pull request
      vobs validate --format junit > vobs-junit.xml   # GitLab / Jenkins test report
      vobs validate --since origin/main --offline     # only what this branch changed
      vobs validate --fail-on warning --lookback 30d
      vobs validate ~/Downloads/ceph-dashboards/ --catalog team-metrics.yaml
    """
    refuse_offline_with_url(ctx, offline, prometheus_url)
    try:
        result, dashboards, _catalog, failure = metric_run(ctx, paths, prometheus_url, catalog_file, lookback, progress,
                                                           timeout, disable=disable, offline=offline, since=since)
    except NoDashboards as exc:  # still an error (exit 2); SARIF's reader gets a log saying so, never an empty file
        if fmt == "sarif":
            click.echo(findings_sarif([], vertice_obs.__version__, *_sarif_places(ctx), failed=str(exc)))
        raise
    threshold = Severity.parse(fail_on)
    verbose = verbose or threshold <= Severity.INFO  # what fails the run is shown: --fail-on info shows info
    down = result.checked and not result.evidence.available  # the source could not answer: exit 2
    failed = f"{result.evidence.error}: metric existence is unknown" if down else None
    if failed and failure is None:  # a server-wide failure after the first answer: said once
        say_error(failed)
    if fmt == "sarif":
        click.echo(findings_sarif(_reported(result, verbose), vertice_obs.__version__, *_sarif_places(ctx), failed=failed))
    elif fmt == "junit":
        from vertice_obs.ci import findings_junit

        # every finding, -v or not: info findings are the passing testcases (what was checked), which a
        # CI server's test report counts — a report of failures only would show no test passing
        click.echo(findings_junit(_reported(result, True), [d.file for d in dashboards]), nl=False)
    elif fmt == "json":
        write_findings_json(lambda text: click.echo(text, nl=False), result.findings, **envelope(
            "validate", schema=VALIDATE_SCHEMA, source=result.evidence.source, dashboards=result.dashboards,
            queries=result.queries, unreadable=result.unreadable, checked=result.checked,
            available=result.evidence.available, excluded=result.excluded))
        click.echo()
    else:
        shown = [f for f in _reported(result, verbose) if f.check != "metric/unknown"]  # said above, once
        if shown and fmt == "github":
            from vertice_obs.ci import findings_github

            click.echo(findings_github(shown, _workspace_relative(ctx)))
        elif shown:
            say(findings_text(shown))
        say(_validation_summary(result))
        if fmt == "github":  # more annotations than GitHub shows: said last, a plain line of the log
            from vertice_obs.ci import github_overflow

            beyond = github_overflow(shown)
            if beyond:
                say(beyond)
    ctx.exit(EXIT_INPUT if failed else EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings)
             else EXIT_OK)


def _reported(result, verbose: bool) -> list:
    """What every report for people and CI shows (text, GitHub annotations, SARIF; JSON keeps all,
    JUnit all but as below): warnings and worse, info too with -v (`verbose`) — a SARIF note is an
    open code-scanning alert — and, when the metric source could not answer, one finding for it in place of a
    `metric/unknown` per metric (it would read as that many broken panels)."""
    from vertice_obs.finding import Finding, Location

    shown = [f for f in result.findings if (verbose or f.severity >= Severity.WARNING)]
    unknown = [f for f in shown if f.check == "metric/unknown"]
    if not unknown or result.evidence.available:
        return shown
    about = Finding("metric/unknown", unknown[0].severity, f"{result.evidence.error}: whether {len(unknown)} "
                    f"metric use{'s' if len(unknown) != 1 else ''} exist is unknown", Location())
    return [f for f in shown if f.check != "metric/unknown"] + [about]


NOT_CHECKED = "no metric source (metric existence not checked: no --prometheus-url, no --catalog)"
VALIDATE_SCHEMA = "vobs.validate/1"  # kept beside `schema_version` for the consumers of 0.1 (README: Machine output)


def _sarif_places(ctx: click.Context):
    """%SRCROOT% — the git top level of the project (`-C`), else the current directory — and the
    absolute path of a file as findings show it (relative to the project root when inside it, else
    as given)."""
    from vertice_obs.files import repository_root

    project = project_of(ctx)

    def where(file: str) -> Path:
        path = Path(file)
        if not path.is_absolute():
            inside = project.root / path
            path = inside if os.path.lexists(inside) else Path.cwd() / path
        return Path(os.path.abspath(path))

    top = repository_root(project.root)
    return (top if os.path.lexists(top / ".git") else Path(os.path.abspath(Path.cwd()))), where


def _workspace_relative(ctx: click.Context):
    """A finding's file relative to the workspace GitHub resolves `file=` against
    (GITHUB_WORKSPACE, else the git top level, else the current directory); as shown when outside."""
    git_root, where = _sarif_places(ctx)
    root = Path(os.path.abspath(os.environ.get("GITHUB_WORKSPACE") or git_root))

    def relative(file: str) -> str:
        path = where(file)
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else file

    return relative


def _validation_summary(result) -> str:
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.check] = counts.get(f.check, 0) + 1
    from vertice_obs.metrics.lints import is_lint, lint_summary

    lints = {f.check for f in result.findings if is_lint(f)}
    parts = [f"{n} {check.split('/', 1)[1]}" for check, n in sorted(counts.items())
             if check.startswith(("metric/", "promql/")) and check not in lints]
    # a variable's series-level findings (an option that empties panels, a dropdown that stays empty), by full id
    parts += [f"{n} {check}" for check, n in sorted(counts.items()) if check.startswith("variable/") and check not in lints]
    degraded = "".join(f"; {capability} not checked: {why}" for capability, why in result.evidence.degraded)
    said = [f"{count(result.unreadable, 'file')} unreadable"] * bool(result.unreadable) + \
        [f"{result.skipped} skipped"] * bool(result.skipped)
    unreadable = f" ({', '.join(said)})" if said else ""
    checked = (f"{count(result.queries, 'query', 'queries')} ({count(result.uses, 'metric use')}) in "
               f"{count(result.dashboards, 'dashboard')}{unreadable}")
    linted = lint_summary(result.findings, result.dashboards)
    excluded = f"; {count(result.excluded, 'finding')} excluded by .vobs-lint.yaml" if result.excluded else ""
    if not result.checked:
        return (f"checked {checked}: " + (", ".join(parts) + "; " if parts else "") + (linted[2:] + "; " if linted else "")
                + "metric existence not checked: no Prometheus (--prometheus-url, PROMETHEUS_URL) and no "
                  "metric catalog (--catalog)" + excluded)
    return (f"checked {checked} against {result.evidence.source}: " + (", ".join(parts) or "nothing to check")
            + linted + degraded + excluded)


@cli.command("audit")
@PROMETHEUS_ENV
@PATHS
@PROMETHEUS
@CATALOG
@LOOKBACK
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text",
              show_default=True, help="The report's format (html: one self-contained page, sortable tables).")
@OUTPUT_FILE
@click.option("--offline", "offline_only", is_flag=True,
              help="Ask no Prometheus (PROMETHEUS_URL and vobs.yaml ignored): audit against the metric catalog, if any.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@TIMEOUT
@TLS
@DISABLE
@click.pass_context
def audit_(ctx: click.Context, paths, prometheus_url, catalog_file, lookback, fmt, output, offline_only, progress,
           timeout, disable) -> None:
    """Report what to fix so that the dashboards show data, most impact first.

    Opens with what could not be checked (unreadable files, parse errors, server problems), then
    what to do, ranked by the panels and dashboards affected; then the catalog's required metrics
    (when the dashboards query them), missing metrics grouped by family and likely exporter
    ("redis_* — 14 metrics, 31 panels: is the Redis exporter scraped?"), each metric's dashboards
    and panels, and a count of present metrics. It is a report, not a gate: exit 0 unless
    Prometheus is unreachable (2). Use `vobs validate` in CI.

    \b
    Examples:
      vobs audit --prometheus-url http://localhost:9090
      vobs audit --format markdown -o metric-audit.md
      vobs audit grafana-dump/ --format html -o audit.html
      vobs audit grafana-dump/ --offline --catalog team-metrics.yaml
    """
    from vertice_obs.metrics.audit import (
        audit_html,
        audit_json,
        audit_text,
        build_audit,
    )
    from vertice_obs.metrics.evidence import CatalogSource
    from vertice_obs.metrics.validation import narratives_of

    refuse_offline_with_url(ctx, offline_only, prometheus_url)
    check_output(output)  # before asking anything: a report that cannot be written is said first
    result, dashboards, catalog, _ = metric_run(ctx, paths, prometheus_url, catalog_file, lookback, progress,
                                                timeout, fail_fast=True, disable=disable,  # "unknown": no report
                                                offline=offline_only)
    if result.checked and not result.evidence.available:  # one line, nothing written
        raise InputError(f"{result.evidence.error}: metric existence is unknown")
    offline = not result.checked or (catalog is not None and result.evidence.source == CatalogSource(catalog).description)
    titles = {d.uid: d.model["title"] for d in dashboards if isinstance(d.model.get("title"), str)}
    source = result.evidence.source if result.checked else NOT_CHECKED
    from vertice_obs.metrics.lints import is_lint

    # Info-level lints (a job matcher missing on every query) would bury the report; `vobs validate -v` has them.
    findings = [f for f in result.findings if not (is_lint(f) and f.severity < Severity.WARNING)]
    report = build_audit(findings, narratives_of(dashboards), catalog, source, names=result.evidence.names,
                         titles=titles, offline=offline, unchecked=None if result.checked else result.names)
    report.excluded = result.excluded
    text = (json_safe(audit_json(report)) if fmt == "json" else escape(audit_html(report)) if fmt == "html"
            else escape(audit_text(report, markdown=fmt == "markdown")))
    if output:
        write_output(output, text)
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
    try:
        catalog = load_catalog(project.catalog, project.display(project.catalog))
    except InputError as exc:
        if project.catalog.exists() or project.narratives_dir.is_dir():
            raise
        # Outside a project: say where the catalog is looked for, not only that it is not there.
        raise InputError(exc.message + (project.elsewhere() or " — not a vobs project (no narratives/ here): run "
                                         "vobs simulate from the project's root, or give -C ROOT"),
                         exc.file, exc.line, exc.column) from None
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
