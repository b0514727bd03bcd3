"""`vobs chaos check|run|report`: Chaos Day as code, from pre-flight to the report."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

import click

from vertice_obs.cli.app import cli, say, say_error
from vertice_obs.cli.options import (
    BOTH_ENV,
    CATALOG,
    FORMAT,
    GRAFANA_TOKEN,
    GRAFANA_URL,
    ORG,
    PROMETHEUS,
    PROMETHEUS_ENV,
    PROMETHEUS_REQUIRED,
    TIMEOUT,
    TLS,
    Duration,
    check_output_folder,
    count,
    grafana_token_name,
    org_id_name,
    project_of,
    prometheus_auth,
    refuse_offline_with_url,
    timeout_option,
)
from vertice_obs.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, VobsError
from vertice_obs.guard.paths import check_writable
from vertice_obs.guard.secrets import redact_text, register_url
from vertice_obs.guard.text import escape
from vertice_obs.output import envelope, findings_json, findings_text

# Said by `chaos check` though they do not stop the run (the run says them on stderr at its start).
_SAID = ("chaos/scrape-unknown", "chaos/phase-unjudged", "chaos/probe-unsteady")


def _journals(project) -> Path:
    """The project's journals folder: where `chaos run` writes by default, and whose latest journal
    starts the steadiness check's lookback."""
    return project.root / "chaos" / "journals"


@cli.group("chaos")
def chaos_() -> None:
    """Chaos Day as code: fault scenarios with probes and expectations (chaos/*.yaml).

    \b
    Examples:
      vobs chaos check chaos/chaos-day-1.yaml
      vobs chaos run --help
    """


@chaos_.command("check")
@PROMETHEUS_ENV
@click.argument("run_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@PROMETHEUS
@CATALOG
@click.option("--offline", is_flag=True, help="Ask no Prometheus (PROMETHEUS_URL and vobs.yaml ignored): check the "
                                              "probes' metrics against the metric catalog.")
@FORMAT
@TIMEOUT
@click.option("--time-scale", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
              help="The time scale the run will use: probe windows shrink with it and must span 2 scrapes.")
@TLS
@click.pass_context
def chaos_check(ctx: click.Context, run_file: Path, prometheus_url, catalog_file, offline, fmt, timeout,
                time_scale) -> None:
    """Validate a Chaos Day file and check that every probe's metrics exist — before any fault.

    The file is schema-checked like a narrative (one-line errors with file and line). Then each
    probe's PromQL goes through the same metric validation as `vobs validate`: a probe on a
    missing metric would measure nothing, so it is reported and the check fails (exit 1). So is a
    probe whose window at --time-scale is shorter than 2 scrape intervals of its targets (read
    from Prometheus' /api/v1/targets): rate and increase would return nothing.

    Without a Prometheus (or with --offline) the probes are checked against the metric catalog
    (narratives/metrics.yaml, or --catalog FILE), which knows no scrape interval: each probe then
    says its windows went unchecked.

    \b
    Examples:
      vobs chaos check chaos/chaos-day-1.yaml
      vobs chaos check chaos/chaos-day-1.yaml --prometheus-url http://localhost:9090 --time-scale 0.1
      vobs chaos check chaos/chaos-day-1.yaml --offline --catalog team-metrics.yaml
    """
    from vertice_obs.build.narrative import narrative_ids
    from vertice_obs.chaos.preflight import (
        blocking,
        narrative_findings,
        not_ready,
        offline_scrape_check,
        preflight,
        scrape_check,
    )
    from vertice_obs.chaos.scenario import load_run
    from vertice_obs.chaos.scrape import ScrapeSource as PrometheusSource
    from vertice_obs.chaos.scrape import settle_findings
    from vertice_obs.chaos.steady import last_journal, steady_findings
    from vertice_obs.metrics.catalog import load_catalog
    from vertice_obs.metrics.evidence import CatalogSource

    refuse_offline_with_url(ctx, offline, prometheus_url)
    project = project_of(ctx, prometheus_url=prometheus_url,
                         catalog=catalog_file.resolve() if catalog_file is not None else None)
    if not offline:
        project.require_declared("prometheus_url")
    run = load_run(run_file, project.display(run_file))
    catalog_path = project.metric_catalog()
    catalog = load_catalog(catalog_path, project.display(catalog_path)) if catalog_path else None
    online = project.prometheus_url and not offline
    source = PrometheusSource(project.prometheus_url, timeout=timeout, **prometheus_auth(project)) if online else (
        CatalogSource(catalog) if catalog else None)
    if source is None:
        raise InputError(("--offline and no metric catalog to check the probes against (give --catalog FILE)"
                          if offline else "no Prometheus configured and no metric catalog to check the probes against")
                         + project.elsewhere())
    findings = preflight(run, source, catalog, time_scale) + narrative_findings(run, narrative_ids(project.narratives_dir))
    unknown = next((f for f in findings if f.check == "metric/unknown"), None)
    if unknown is not None:  # a server-wide failure: said once, before any per-probe output
        say_error(_server_failure(unknown.message))
    if isinstance(source, PrometheusSource) and unknown is None:
        intervals, windows = scrape_check(run, source, time_scale, findings)
        findings += windows + settle_findings(run, intervals, time_scale)
        findings += steady_findings(run, source, time_scale, intervals,  # not the probes refused above
                                    after=last_journal(_journals(project)), found=findings)
    elif unknown is None:
        findings += offline_scrape_check(run, time_scale, findings)
    stops = blocking(findings)
    if fmt == "json":
        click.echo(findings_json(findings, **envelope("chaos check", run=run.id, ready=not stops)))
    else:
        shown = [f for f in findings if f in stops and f.check != "metric/unknown"
                 or f.check in _SAID]  # said, though they do not stop it
        if shown:
            say(findings_text(shown))
        probes = sum(len(s.probes) for s in run.scenarios)
        state = "ready" if not stops else f"NOT ready: {not_ready(stops)}"
        say(f"{run.id}: {count(len(run.scenarios), 'scenario')}, {count(probes, 'probe')} — {state} "
            f"(checked against {source.description})")
    if unknown is not None:
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if stops else EXIT_OK)


@chaos_.command("run")
@BOTH_ENV
@click.argument("run_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target-url", required=True, metavar="URL",
              help="The system under test: `${target}` in the file's inject/revert actions (e.g. the simulator).")
@PROMETHEUS_REQUIRED
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON journal (default chaos/journals/<run>-<UTC time>.json, never over "
                   "another); its folder must exist, and an existing file is refused unless --force.")
@click.option("--force", is_flag=True, help="Write the journal over an existing --journal file.")
@click.option("--time-scale", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
              help="Multiply every baseline, hold and recover duration (rehearsals and tests run faster).")
@click.option("--timeout", type=Duration(), default=None,
              help="Stop (and revert) when the whole run takes longer (a duration: 30m, 2h). A plan longer than it is "
                   "refused before anything runs, and a step whose hold and recovery no longer fit is not injected.")
@click.option("--revert-retry", type=Duration(zero=True), default="1m", show_default=True,
              help="Retry a revert that failed (an error answer, a timeout, a command's non-zero exit) for this long, "
                   "1s, 2s, 4s … at most 10s apart; 0s: one attempt. When none succeeds, exit 3: the fault may "
                   "still be in place, and vobs says how to revert it by hand.")
@timeout_option("--http-timeout", "http_timeout")
@TLS
@click.pass_context
def chaos_run(ctx, run_file, target_url, prometheus_url, grafana_url, grafana_token, org_id, journal, force,
              time_scale, timeout, revert_retry, http_timeout) -> None:
    """Run a Chaos Day: per step baseline, inject, hold, revert, recover — and measure.

    Before anything is injected, every probe's metrics are checked (as `vobs chaos check`); a
    probe on a missing metric stops the run (exit 1). So does a target the faults cannot reach
    (one GET of --target-url, answered with any status) or a command that does not exist (exit 2). Faults are annotated in Grafana on the
    run's narratives' dashboards (tagged with the run id) when a Grafana is configured. Probes are
    sampled from Prometheus over each step. A run never leaves a fault injected: Ctrl-C, SIGTERM,
    an error or --timeout revert it first (exit 130, or 2 on error), keeping what the step measured
    until then; a revert that fails is retried (--revert-retry), and exit 3 says none succeeded.
    The journal records everything and `vobs chaos report` turns it into the report. A `command:` action is bounded
    like an HTTP one (--http-timeout; an inject also by what is left of --timeout).

    \b
    Examples:
      vobs simulate --all &
      vobs chaos run chaos/chaos-day-1.yaml --target-url http://127.0.0.1:9464 \\
          --prometheus-url http://127.0.0.1:9090 --time-scale 0.1
    """
    from vertice_obs.build.exports import ExportsDir
    from vertice_obs.build.narrative import narrative_ids
    from vertice_obs.chaos.annotations import GrafanaAnnotator, check_grafana
    from vertice_obs.chaos.preflight import (
        blocking,
        narrative_findings,
        not_ready,
        preflight,
        scrape_check,
    )
    from vertice_obs.chaos.progress import stderr_progress
    from vertice_obs.chaos.reach import check_reachable
    from vertice_obs.chaos.runner import Runner, Sampler, planned_seconds
    from vertice_obs.chaos.scenario import load_run
    from vertice_obs.chaos.scrape import ScrapeSource
    from vertice_obs.chaos.steady import last_journal, steady_findings
    from vertice_obs.chaos.stopped import left_in_place
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.metrics.catalog import load_catalog

    register_url(target_url)  # the target's credentials never reach a message or the journal
    if not target_url.lower().startswith(("http://", "https://")):
        raise InputError(f"--target-url {redact_text(target_url)!r} is not an http:// or https:// URL")
    project = project_of(ctx, prometheus_url=prometheus_url, grafana_url=grafana_url, grafana_token=grafana_token,
                       grafana_org_id=org_id)
    project.require_declared("prometheus_url", ", and a Chaos Day measures in Prometheus")
    if not project.prometheus_url:
        raise InputError("a Chaos Day measures in Prometheus: give --prometheus-url or PROMETHEUS_URL")
    run = load_run(run_file, project.display(run_file))
    planned = planned_seconds(run, time_scale)
    if timeout is not None and planned > timeout.total_seconds():
        raise InputError(f"{run.id} plans {planned:g}s of baselines, holds and recoveries at --time-scale {time_scale:g}, "
                         f"more than --timeout {timeout.total_seconds():g}s: not started, nothing was injected")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    journal_path = journal or _journals(project) / f"{run.id}-{stamp}.json"
    # before any fault is injected: a --journal FILE is an `-o FILE` (its folder never made); the
    # default one's folder, the project's chaos/journals/, is vobs' own and made when missing
    check_writable(journal_path, shown=from_here(journal_path), new_folders=journal is None)
    if journal is not None and journal.exists():
        if journal.resolve() == run_file.resolve():
            raise InputError("is the Chaos Day file being run: give the journal another name", from_here(journal))
        if not force:
            raise InputError("exists: give another --journal, or --force to write over it", from_here(journal))
    catalog_path = project.metric_catalog()
    catalog = load_catalog(catalog_path, project.display(catalog_path)) if catalog_path else None
    source = ScrapeSource(project.prometheus_url, timeout=http_timeout, **prometheus_auth(project),
                          timeout_name="--http-timeout")
    findings = preflight(run, source, catalog, time_scale) + narrative_findings(run, narrative_ids(project.narratives_dir))
    if any(f.check == "metric/unknown" for f in findings):
        raise InputError(_server_failure(next(f.message for f in findings if f.check == "metric/unknown")))
    scrape, windows = scrape_check(run, source, time_scale, findings)
    stops = blocking(findings + windows)
    if stops:
        say(findings_text(stops))
        say(f"{run.id}: not started — {not_ready(stops)}", err=True)
        ctx.exit(EXIT_FINDINGS)
    left = left_in_place(_journals(project), run.id)  # a killed run's fault would be measured as the baseline
    if left is not None:
        said = f": {left[1].by_hand}" if left[1].by_hand else ""
        say(redact_text(f"vobs: warning: the last run of {run.id} ({from_here(left[0])}) stopped with its fault "
                        f"{left[1].unreverted} injected and no revert recorded: if it is still in place, this run's "
                        f"baselines measure it — check the target and revert it by hand first{said}"), err=True)
    # before any fault (and since the last run this project recorded): is each probe steady?
    unsteady = steady_findings(run, source, time_scale, scrape, after=last_journal(_journals(project)),
                               found=findings + windows)
    for said in [f for f in windows if f.check == "chaos/scrape-unknown"] + unsteady:
        say(redact_text(str(said)), err=True)
    annotator = None
    if not project.grafana_url:
        say("no Grafana configured (--grafana-url or GRAFANA_URL): the faults will not be annotated", err=True)
    else:
        manifest = ExportsDir(project.exports_dir).manifest().get("dashboards", {})
        uids = sorted(uid for uid, d in manifest.items() if d.get("narrative") in run.narratives)
        grafana = GrafanaDestination(project.grafana_url, project.grafana_token, project.grafana_org_id,
                                     timeout=http_timeout, timeout_name="--http-timeout",
                                     token_name=grafana_token_name(project), org_name=org_id_name(project))
        unchecked = check_grafana(grafana, uids)  # before any fault: would Grafana take the annotations?
        if unchecked:
            say(f"vobs: warning: {unchecked}", err=True)
        annotator = GrafanaAnnotator(grafana, uids)
    sampler = Sampler(project.prometheus_url, timeout=http_timeout, **prometheus_auth(project))
    runner = Runner(run, target_url, sampler, journal_path, annotator,
                    time_scale, timeout, log=lambda message: say(redact_text(message), err=True),
                    http_timeout=http_timeout, scrape=scrape, progress=stderr_progress, unique_journal=journal is None,
                    revert_retry=revert_retry)
    check_reachable(run, runner.target, http_timeout)  # before the first baseline, not after it
    try:
        data = runner.execute()
    finally:
        journal_path = runner.journal.path  # a default name taken meanwhile: the next free one
        if journal_path.is_file():
            say(f"journal: {from_here(journal_path)}", err=True)
    steps = sum(len(s["steps"]) for s in data["scenarios"])
    missed = sum(e.get("kind") == "annotate-failed" for e in data["events"])
    said = (f"; {count(missed, 'Grafana annotation')} could not be written (said above, in the journal and the "
            "report)") if missed else ""
    say(f"{run.id}: completed {count(len(data['scenarios']), 'scenario')}, {count(steps, 'step')}; "
        f"no fault left injected{said}. Report: {report_command(from_here(journal_path))}")


def from_here(path: Path) -> str:
    """`path` as the user can use it from where vobs was run: relative to the current directory
    (`../proj/chaos/journals/…` under -C ../proj, which does not move into the project), not to the
    project root; absolute where no relative path leads to it (another drive)."""
    try:
        return os.path.relpath(path.parent.resolve() / path.name)
    except ValueError:
        return str(path.parent.resolve() / path.name)


def report_command(journal: str) -> str:
    """The command that reports on `journal`, quoted for a shell: copied as printed, it runs."""
    return f"vobs chaos report {shlex.quote(journal)}"


@chaos_.command("report")
@click.argument("journal", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for report.md, report.html and plots/ (default: next to the journal); made if "
                   "missing, but not the folders above it.")
@click.option("--fail-on", type=click.Choice(["never", "incomplete", "breach", "warning"]), default="never",
              show_default=True,
              help="Exit 1, after writing the report, when: incomplete — the run did not complete (failed, aborted, "
                   "killed); breach — that, or a budget breached that no expectation accepted (or a recovery slower "
                   "than its budget); warning — that, or a breach an expectation demanded that did not come. never: "
                   "exit 0 whatever the run found.")
@click.pass_context
def chaos_report(ctx: click.Context, journal: Path, output: Path | None, fail_on: str) -> None:
    """Turn a Chaos Day journal into a report: markdown and a self-contained HTML page.

    Per scenario: expected vs observed, deviations with severity and a priority (P0–P4, from
    severity × the phase that failed), the probes against their thresholds per phase, a plot of
    each probe across baseline, fault and recovery with the fault windows shaded, and
    recommendations derived from the deviations. Every number is computed from the journal.

    Exit 0 whatever the run found, unless --fail-on asks for 1 (the report is written either way;
    stderr says why in one line): a CI job gates a Chaos Day with --fail-on breach.

    \b
    Examples:
      vobs chaos report chaos/journals/chaos-day-1-20261124T140000Z.json
      vobs chaos report journal.json -o report/
      vobs chaos report journal.json --fail-on breach    # exit 1: an unaccepted breach, or a run cut short
    """
    from vertice_obs.chaos.report import (
        fails_on,
        previous_journal,
        read_journal,
        write_report,
    )
    from vertice_obs.chaos.stopped import stop_of

    _require_matplotlib()
    out = output or journal.with_name(journal.stem + "-report")
    check_output_folder(out)  # before reading or writing anything
    data = read_journal(journal, str(journal))
    previous = previous_journal(journal, data) if isinstance(data.get("run"), dict) else None
    written = write_report(data, out, str(journal), previous[1] if previous else None)
    say(f"wrote {out}/report.md, {out}/report.html and {count(len(written) - 2, 'plot')}"
        + (f", compared with {previous[0].name}" if previous else ""))
    stop = stop_of(data)
    if stop is not None:  # the report says it first; so does the command
        # one line: the reason and the step label are the journal's text, a newline in them forged a line
        say(escape(f"{stop.sentence} The report covers only what ran before it stopped.", one_line=True), err=True)
    failing = fails_on(data, fail_on)
    if failing is not None:
        say(escape(f"vobs: {failing}; --fail-on {fail_on}", one_line=True), err=True)
        ctx.exit(EXIT_FINDINGS)


@chaos_.command("compare")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for compare.md and compare.html (default: <OLD>-vs-<NEW>-compared beside NEW); made "
                   "if missing, but not the folders above it.")
@click.pass_context
def chaos_compare(ctx: click.Context, old: Path, new: Path, output: Path | None) -> None:
    """What improved and what regressed between two Chaos Days, per probe and step.

    A run that did not complete (aborted, failed) is compared only on what both runs measured,
    and said. Exit 0: nothing regressed and both runs completed; 1: something regressed, or a
    run did not complete; 2: bad input (OLD and NEW the same run, too), or nothing both runs measured.

    \b
    Examples:
      vobs chaos compare chaos/journals/day-1-old.json chaos/journals/day-1-new.json
    """
    from vertice_obs.chaos.compare import compare_files

    out = output or new.with_name(f"{old.stem}-vs-{new.stem}-compared")  # both runs: one NEW, several OLDs
    check_output_folder(out)
    improved, regressed, stopped, unlike = compare_files(old, new, out)
    say(f"wrote {out}/compare.md and {out}/compare.html: {improved} improved, {regressed} regressed"
        + "".join(f"; {escape(said, one_line=True)} — compared only what both runs measured" for said in stopped))
    for said in unlike:  # said on the terminal too, not only in the files
        say(f"vobs: warning: not like for like: {escape(said, one_line=True)}", err=True)
    ctx.exit(EXIT_FINDINGS if regressed or stopped else EXIT_OK)


def _require_matplotlib() -> None:
    """The report's plots need matplotlib, which is the `chaos` extra (three quarters of the whole
    install, for one command): without it, one line naming the extra, before anything is written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise VobsError("vobs chaos report draws its plots with matplotlib, which is not installed: "
                        "pip install 'vertice-obs[chaos]'") from None


def _server_failure(message: str) -> str:
    """A `metric/unknown` finding's message without its metric: the server's failure, once."""
    return message.split(": cannot tell whether it exists: ", 1)[-1]
