"""`vobs build`, `vobs list`, `vobs checks`: render narratives into exports/ and show what was rendered."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from vertice_obs.cli.app import cli, say, say_error
from vertice_obs.cli.options import (
    ALLOW_OUTSIDE,
    FORMAT,
    count,
    project_of,
    refuse_written_outside,
    shown_folder,
)
from vertice_obs.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError
from vertice_obs.finding import Location, Severity
from vertice_obs.guard.paths import check_writable
from vertice_obs.guard.text import escape
from vertice_obs.output import findings_text, machine_json
from vertice_obs.project.paths import said_with

if TYPE_CHECKING:
    from vertice_obs.build.plan import BuildPlan, BuildResult, Put
    from vertice_obs.project import Project


def _stream(project: Project, put: Put, show_progress: bool) -> BuildResult:
    from vertice_obs.build.modules import discover
    from vertice_obs.build.plan import stream_build

    if not show_progress:
        return stream_build(project, put)
    total = len(discover(project.folder("dashboards_dir")))
    with click.progressbar(length=total, label="loading dashboards", file=sys.stderr, show_pos=True) as bar:
        return stream_build(project, put, progress=lambda _file: bar.update(1))


def _report_findings(plan: BuildPlan | BuildResult, fmt: str) -> None:
    """Warnings and errors found on the way, as text. A module that failed is not among them: its
    `vobs: error:` line says it (`_say_failures`), and a trial read every such error twice."""
    shown = [f for f in plan.findings if f.severity >= Severity.WARNING and f.check != "module/load"]
    if shown and fmt == "text":
        say(findings_text(shown), err=True)


def _say_failures(plan: BuildPlan | BuildResult) -> None:
    """One error line per module that failed, at its file and line: the first with how many failed
    and what became of their exports (`--format json` has them as `module/load` findings too). A
    previous export is said kept only where there is one: a new module has none (trial 20); when
    some have one and some not, each line says its own."""
    failed = len(plan.failures)
    has = [bool(plan.kept.get(f.file)) for f in plan.failures]

    def own(i: int) -> str:
        return "its previous export is kept" if has[i] else "it has no previous export to keep"

    fate = own(0) if failed == 1 or len(set(has)) > 1 else (
        "their previous exports are kept" if has[0] else "none has a previous export to keep")
    say_error(f"{plan.failures[0]} ({count(failed, 'module')} failed to load; {fate})")
    for i, failure in enumerate(plan.failures[1:], 1):
        say_error(f"{failure} ({own(i)})" if len(set(has)) > 1 else failure)


@cli.command()
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and list the stale files if exports/ differs from what the code renders.")
@ALLOW_OUTSIDE
@FORMAT
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.pass_context
def build(ctx: click.Context, check: bool, allow_outside: bool, fmt: str, progress: bool | None) -> None:
    """Render every narrative's dashboards into exports/<narrative>/<uid>.json.

    Output is deterministic — sorted keys, 2-space indent, stable panel ids and positions — and
    each file is written atomically, with exports/manifest.json listing every file written and its
    hash. A build deletes or overwrites only files it wrote: anything else in exports/ (a file
    vobs did not write, a hand-edited export, a symlink, a FIFO) is a warning and left alone.
    A dashboard module that fails to load is reported with its file and line; the others still
    render and the failed one keeps its previous export, if it has one (exit 2). An invalid narrative stops the
    build before anything is written (exit 2).

    \b
    Examples:
      vobs build
      vobs build --check            # in CI, after the tests
      vobs build --check --format json
    """
    from vertice_obs.build.exports import ExportsDir
    from vertice_obs.checks import finding
    from vertice_obs.metrics.lint_config import load_policy

    project = project_of(ctx)
    shown_root = shown_folder(project, project.exports_dir)
    if not check:  # before rendering anything: outside the project, a file there, or no permission —
        refuse_written_outside(project, "exports_dir", "build", allow_outside)  # said with every path setting's
        try:
            check_writable(project.exports_dir, folder=True, shown=shown_root)
        except InputError as exc:
            raise said_with(project, exc) from None
    # What .vobs-lint.yaml switches off (the root's, and those among the modules): before any work
    policy = load_policy([project.folder("dashboards_dir")], project.root, project.display)
    # Streamed: each dashboard is rendered, compared (and staged) and dropped; nothing is in place
    # until the whole build has passed (an invalid narrative found at the end writes nothing).
    writer = ExportsDir(project.exports_dir, shown_root).writer(write=not check)
    try:
        plan = _stream(project, writer.put, sys.stderr.isatty() if progress is None else progress)
    except BaseException:
        writer.abort()
        raise
    survey = writer.finish(plan.complete)
    changes = survey.changes
    plan.findings.extend(finding("exports/left-alone", f"{item.reason}", Location(file=f"{shown_root}/{item.path}"))
                         for item in survey.left)
    plan.findings.extend(policy.skipped(project.display))  # a lint file among the modules that links out
    found = len(plan.findings)
    plan.findings[:] = [f for f in plan.findings if policy.keeps(f, plan.titles)]
    excluded = found - len(plan.findings)  # counted, never silent, as validate and audit count it
    said_excluded = f"; {count(excluded, 'finding')} excluded by .vobs-lint.yaml" if excluded else ""
    _report_findings(plan, fmt)
    failed = bool(plan.failures)
    stale = [(c.kind, c.path) for c in changes] + [("left", item.path) for item in survey.blocked]

    if fmt == "json":
        click.echo(machine_json(
            "build",
            check=check,
            exports=shown_root,
            dashboards=plan.dashboards,
            narratives=len(plan.narratives),
            changes=[{"kind": c.kind, "path": f"{shown_root}/{c.path}"} for c in changes],
            left_alone=[{"path": f"{shown_root}/{item.path}", "reason": item.reason, "planned": item.planned}
                        for item in survey.left],
            findings=[f.to_dict() for f in plan.findings],
            excluded=excluded,
            failed=[{"file": f.file, "kept": [f"{shown_root}/{rel}" for rel in plan.kept.get(f.file, [])]}
                    for f in plan.failures],
        ))
    elif check:
        if stale:
            say(f"{shown_root}/ is stale: {len(stale)} file(s) differ from what the code renders{said_excluded}")
            for kind, path in stale:
                say(f"  {kind:8} {shown_root}/{path}")
            first = ([f"fix the {count(len(plan.failures), 'module')} that failed to load (below)"] if failed else []) + (
                [f"move away (or restore) the {count(len(survey.blocked), 'file')} marked `left` — not what vobs wrote "
                 "there —"] if survey.blocked else [])  # what `vobs build` needs first, or it fails as well
            click.echo(f"{', and '.join(first)}, then run `vobs build` and commit exports/" if first
                       else "run `vobs build` and commit exports/")
        elif not failed:  # with a module that did not load, what it would render is unknown
            say(f"{shown_root}/ is up to date ({count(plan.dashboards, 'dashboard')}, "
                f"{count(len(plan.narratives), 'narrative')}){said_excluded}")
    else:
        written = sum(c.kind != "extra" for c in changes)
        deleted = sum(c.kind == "extra" for c in changes)
        kept = f", {len(survey.left)} left alone" if survey.left else ""
        # a build with a module that failed is not "rendered N" as if complete (trial 20): it failed
        lead = (f"build failed ({count(len(plan.failures), 'module')} failed to load, below): rendered only the other "
                if failed else "rendered ")
        say(f"{lead}{count(plan.dashboards, 'dashboard')} in {count(len(plan.narratives), 'narrative')} → "
                   f"{shown_root}/ ({written} written, {deleted} deleted, "
                   f"{plan.files - written - len(survey.blocked)} unchanged{kept}){said_excluded}")
    if failed:
        _say_failures(plan)
        ctx.exit(EXIT_INPUT)
    if survey.blocked and not check:
        first = survey.blocked[0]
        say_error(f"{shown_root}/{first.path}: {first.reason}; {len(survey.blocked)} file(s) vobs should write "
                  "are not its own, so exports/ is not what the code renders (move them away and rerun)")
        ctx.exit(EXIT_INPUT)
    ctx.exit(EXIT_FINDINGS if check and stale else EXIT_OK)


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
      vobs list --format json | jq '.narratives[].chapters[].dashboard.uid'
    """
    from vertice_obs.build.plan import plan_build
    from vertice_obs.checks.dashboard_style import iter_panels

    project = project_of(ctx)
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
        click.echo(machine_json("list", narratives=tree))
    else:
        for n in tree:
            click.secho(escape(n["id"], one_line=True), bold=True, nl=False)
            say(f"  {escape(n['title'], one_line=True)}  (folder {escape(n['folder'], one_line=True)}, "
                f"owner {escape(n['owner'], one_line=True)})")
            for c in n["chapters"]:
                d = c["dashboard"]
                say(f"  {c['index']}. {escape(c['title'], one_line=True)} → {escape(d['uid'], one_line=True)}"
                    + (f" ({escape(d['source'], one_line=True)})" if "source" in d else " (not rendered)"))
                for p in d.get("panels", []):
                    say(f"       #{p['id']!s:<3} {escape(p['type'], one_line=True):<10} "
                        f"{escape(p['title'], one_line=True)}")
    _report_findings(plan, fmt)
    if plan.failures:
        _say_failures(plan)
    ctx.exit(EXIT_INPUT if plan.failures else EXIT_OK)


def _panel_summary(panel: dict[str, Any]) -> dict[str, Any]:
    return {"id": panel.get("id"), "type": panel.get("type"), "title": panel.get("title", ""),
            "queries": [t.get("expr") for t in panel.get("targets", []) if t.get("expr")]}


@cli.command("checks")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="text for people, json for machines (stable keys, sorted), markdown: the reference page "
                   "docs/checks.md.")
def checks_(fmt: str) -> None:
    """List every check vobs runs: its id, severity and what it means.

    Each check's documentation is also at its heading of docs/checks.md, which SARIF rules link
    to (`helpUri`); `--format markdown` writes that page.

    \b
    Examples:
      vobs checks
      vobs checks --format json | jq -r '.checks[] | select(.severity == "error") | .id'
      vobs checks --format markdown > docs/checks.md
    """
    from vertice_obs.checks import CHECKS
    from vertice_obs.checks.reference import help_uri, reference_markdown

    if fmt == "markdown":
        click.echo(reference_markdown(), nl=False)
        return
    rows = [{"id": c.id, "severity": str(c.severity), "doc": c.doc, "help_uri": help_uri(c.id)}
            for c in sorted(CHECKS.values(), key=lambda c: c.id)]
    if fmt == "json":
        click.echo(machine_json("checks", checks=rows))
        return
    for row in rows:
        click.secho(f"{row['id']}", bold=True, nl=False)
        click.echo(f"  [{row['severity']}]\n    {row['doc']}")
