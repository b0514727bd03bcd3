"""`vobs publish`, and what the Grafana commands share: the target, the project's desired dashboards,
`--since`, the playlists' plan (`vobs diff`: `cli/diff.py`; `vobs pull`: `cli/pull.py`)."""

from __future__ import annotations

import contextlib
import sys

import click

from vertice_obs.cli.app import cli, say, say_error, sigterm_as_ctrl_c
from vertice_obs.cli.grafana_report import (
    STOPPED,
    adopted_json,
    backed_up,
    destination_json,
    failed_folders_json,
    failed_lines,
    folder_lines,
    folders_json,
    interrupted,
    not_published,
    orphan_advice,
    orphan_rows,
    orphaned_folders_json,
    playlist_md,
    said_twins,
    stopped_line,
    summary,
    table,
    unrecorded_folder_lines,
    unsure_lines,
    written_folders,
)
from vertice_obs.cli.grafana_report import show as _show
from vertice_obs.cli.options import (
    ALLOW_OUTSIDE,
    CONCURRENCY,
    ENV,
    GRAFANA_TIMEOUT,
    GRAFANA_TOKEN,
    GRAFANA_URL,
    NARRATIVE,
    ORG,
    SINCE,
    TLS,
    UID,
    changed_since,
    count,
    grafana_token_name,
    no_such,
    org_id_name,
    project_of,
    refuse_written_outside,
    timeout_name,
)
from vertice_obs.errors import (
    EXIT_INPUT,
    EXIT_PARTIAL,
    InputError,
    Interrupted,
)
from vertice_obs.finding import Severity
from vertice_obs.guard.http import DEFAULT_TIMEOUT
from vertice_obs.output import machine_json
from vertice_obs.project import Project

# diff and publish also speak Markdown: a pull-request comment, a job's step summary (grafana/markdown.py)
FORMAT_MD = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                         show_default=True, help="text for people, json for machines (stable keys, sorted), "
                                                 "markdown for a pull-request comment or a step summary.")


def grafana_target(ctx: click.Context, url, token, org_id, timeout: float = DEFAULT_TIMEOUT, concurrency: int = 16):
    """The destination, and — for a Grafana — which Grafana it is, asked once before anything else:
    an unreachable server, refused credentials, TLS or a login page are one line, before any
    dashboard is named."""
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.provisioning import ProvisioningFolder

    project = project_of(ctx, grafana_url=url, grafana_token=token, grafana_org_id=org_id)
    if project.grafana_url:
        return project, GrafanaDestination(project.grafana_url, project.grafana_token, project.grafana_org_id,
                                           timeout=timeout, connections=concurrency, env=project.env,
                                           timeout_name=timeout_name(ctx), token_name=grafana_token_name(project),
                                           org_name=org_id_name(project))
    project.require_declared("grafana_url")  # never the provisioning folder when a Grafana was asked for by name
    folder = f"{project.display(project.provisioning_dir)}/"
    _refuse_unmeant_folder(project, folder)
    return project, ProvisioningFolder(project.provisioning_dir, folder)


def _refuse_unmeant_folder(project: Project, folder: str) -> None:
    """No Grafana URL, yet a token for one: the provisioning folder would be written (and a CI
    job go green) where a Grafana was wanted — a workflow's `${{ vars.GRAFANA_URL }}` that is
    unset or misspelt arrives as an empty GRAFANA_URL, which (as for click) means no URL."""
    instead = f"vobs would write the provisioning folder {folder} instead"
    if project.grafana_token:
        raise InputError(f"a Grafana token is set ({grafana_token_name(project)}) but no Grafana URL (--grafana-url, GRAFANA_URL or "
                         f"vobs.yaml): {instead}; set the URL, or unset the token to use the folder")


def connect(target) -> None:
    """Ask a Grafana which it is (`info`), once, before any dashboard is read; a folder has nothing to ask."""
    info = getattr(target, "info", None)
    if info is not None:
        info()


def playlist_plan(target, plan, narratives, uids, force: bool, concurrency: int, markdown: bool = False,
                  verb: str = "published", project_id: str | None = None):
    """The narratives' playlists (grafana/playlists.py), planned with GETs only: (store, actions). A
    provisioning folder cannot hold playlists: said once, on stderr, and nothing fails."""
    from vertice_obs.grafana.playlists import (
        desired_playlists,
        plan_playlists,
        store_of,
    )

    desired, store = desired_playlists(plan.narratives, narratives, uids), store_of(target, project_id)
    if store is None:
        if desired:  # after the command's own output, which stays whole
            note = (f"vobs: note: {target.description} cannot hold playlists (Grafana keeps them in its "
                    f"database): {count(len(desired), 'narrative playlist')} not {verb}")
            lead = "\n" if markdown else ""  # where stderr follows the document (a terminal, a log), not in a table
            click.get_current_context().call_on_close(lambda: click.echo(lead + note, err=True))
        return None, []
    return store, plan_playlists(desired, store, force, concurrency)


def playlist_scope(plan, narratives, chosen, selection):
    """The narratives whose playlists a run keeps: those asked for — and under `--since`, only the
    ones holding a dashboard the change touched (None: no playlist at all, nothing asked)."""
    if selection is None or selection.everything:
        return narratives
    touched = {r.uid for r in chosen}
    ids = tuple(n.id for n in plan.narratives if (not narratives or n.id in narratives)
                and any(c.dashboard in touched for c in n.chapters))
    return ids or None


def desired_dashboards(project: Project, narratives, uids):
    """One build of the project: the dashboards chosen (`--narrative`, `--uid`) and the build plan.
    Nothing is sent to Grafana while a dashboard fails to render or a query does not parse."""
    from vertice_obs.build.plan import plan_build
    from vertice_obs.grafana.publish import select
    from vertice_obs.metrics.parallel import collect_parallel
    from vertice_obs.metrics.validation import DashboardFile

    plan = plan_build(project)
    if plan.failures:
        raise InputError(f"{plan.failures[0]} — nothing is sent to Grafana while a dashboard fails to render")
    parse_errors = [f for f in collect_parallel([DashboardFile(r.source, r.model) for r in plan.rendered],
                                                options=False).findings if f.severity >= Severity.ERROR]
    if parse_errors:  # every one, each at the call that made the query: one run names them all
        located = plan.in_modules(parse_errors)
        raise InputError.together(
            [InputError(f"{f.location}: {f.message} [{f.check}]" + (" — nothing is sent to Grafana while a query "
                                                                     "does not parse" if i == 0 else ""))
             for i, f in enumerate(located)])
    chosen = select(plan.rendered, narratives, uids)
    ids, rendered = [n.id for n in plan.narratives], sorted({r.uid for r in plan.rendered})
    unknown = ([no_such("narrative", n, ids) for n in dict.fromkeys(narratives) if n not in ids]
               + [no_such("dashboard", u, rendered) for u in dict.fromkeys(uids) if u not in rendered])
    if unknown:  # each name that is not the project's, even beside one that is (it was dropped silently)
        raise InputError.together(unknown)
    if narratives and not chosen:  # each name is the project's, but no dashboard asked for is the narrative's
        homes = {r.uid: r.narrative for r in plan.rendered}
        asked = uids or [c.dashboard for n in plan.narratives if n.id in narratives for c in n.chapters]
        whose = ", ".join(f"{u} is {homes[u]}'s" for u in dict.fromkeys(asked) if u in homes)
        raise InputError(f"narrative {', '.join(narratives)} has none of the dashboards asked for ({whose or 'none'}: "
                         "a dashboard goes with the first narrative, by id, with a chapter of it)")
    return chosen, plan


def since_filter(project: Project, plan, chosen, ref: str | None):
    """`--since REF`: only the chosen dashboards the change touched; the `Selection`, else None."""
    if ref is None:
        return chosen, None
    from vertice_obs.build.changes import layout_of_plan

    selection, _changes = changed_since(project, ref, layout_of_plan(plan, project))
    return [r for r in chosen if selection.everything or r.uid in selection.uids], selection


@contextlib.contextmanager
def _nothing_written_yet():
    """Ctrl-C while publish reads Grafana and plans, said as what it is: nothing was written."""
    try:
        yield
    except KeyboardInterrupt as exc:
        if isinstance(exc, Interrupted):
            raise
        raise Interrupted("interrupted while reading and planning, before any write: nothing was published") from None


@cli.command("publish")
@ENV
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@NARRATIVE
@UID
@SINCE
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write request (guaranteed and tested).")
@click.option("--force", is_flag=True, help="Overwrite dashboards edited in Grafana since vobs published them "
                                            "(their live JSON is backed up first, as for every update), set back "
                                            "folders renamed or moved there, and take over another project's.")
@CONCURRENCY
@FORMAT_MD
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@ALLOW_OUTSIDE
@GRAFANA_TIMEOUT
@TLS
@click.pass_context
def publish_(ctx, grafana_url, grafana_token, org_id, narratives, uids, since, dry_run, force, concurrency, fmt,
             progress, allow_outside, timeout) -> None:
    """Publish the narratives' dashboards to Grafana (CI runs this on merge).

    Plans everything first — nothing is written if any dashboard fails to render or a query does
    not parse — then creates each narrative's folder (nested folders too) before its dashboards,
    saves only what changed (zero writes when nothing did), with a message carrying the git
    commit and a content hash. Dashboards edited in Grafana since the last publish are not
    overwritten without --force; the live JSON of every dashboard replaced is saved under
    .vobs/backups/ first. 5xx and connection errors are retried with backoff, 429 Retry-After is
    honoured. With no Grafana configured, publishes to the provisioning folder (provisioning/).

    Exit codes: 0 done · 2 nothing written (bad input, unreachable Grafana, a token that cannot
    write, a folder another project owns or one renamed or moved in Grafana since vobs wrote it —
    refused before any write without --force — or every write it tried failed) · 3 some
    dashboards were not published, or a narrative has a second playlist (two publishes at once)
    (listed; run again to finish; one another project owns on this Grafana — tagged
    vertice-obs:<its id> — is skipped unless --force, one provisioned from a file always) · 130
    Ctrl-C or SIGTERM (one line says what was written; run again to finish). A write the token may not make (403) stops the publish
    there: one line naming it, nothing more sent. --dry-run exits as the real run would: 3 when
    its plan skips a drifted or another project's dashboard, or a drifted playlist.

    \b
    Examples:
      vobs publish --dry-run
      GRAFANA_URL=https://grafana.example.com GRAFANA_TOKEN=… vobs publish
      vobs publish --narrative dopamine --force
      vobs publish --format markdown >> "$GITHUB_STEP_SUMMARY"
      vobs publish --since HEAD~1                  # only what the merged commit changed
    """
    with sigterm_as_ctrl_c():  # SIGTERM (a cancelled CI job) is said as Ctrl-C is: what was written, exit 130
        _publish(ctx, grafana_url, grafana_token, org_id, narratives, uids, since, dry_run, force, concurrency, fmt,
                 progress, allow_outside, timeout)


def _publish(ctx, grafana_url, grafana_token, org_id, narratives, uids, since, dry_run, force, concurrency, fmt,
             progress, allow_outside, timeout) -> None:
    from vertice_obs.grafana.folder_orphans import find as find_folders
    from vertice_obs.grafana.folder_orphans import table_rows as folder_rows
    from vertice_obs.grafana.playlist_twins import checked, twins_json
    from vertice_obs.grafana.playlist_twins import markdown as twins_md
    from vertice_obs.grafana.publish import (
        SKIPPED,
        UNKNOWN,
        WRITES,
        WRITTEN,
        PublishPlan,
        adopted,
        check_folders,
        execute,
        git_commit,
        plan_publish,
        status_json,
    )
    from vertice_obs.grafana.survey import orphans as find_orphans
    from vertice_obs.grafana.survey import recorded, unrecorded_note

    with _nothing_written_yet():  # reads and plans: Ctrl-C here has written nothing
        project, target = grafana_target(ctx, grafana_url, grafana_token, org_id, timeout, concurrency)
        # the folder it writes (the provisioning folder, else the backups of what it replaces): checked first
        refuse_written_outside(project, "backup_dir" if project.grafana_url else "provisioning_dir", "publish",
                               allow_outside)
        chosen, built = desired_dashboards(project, narratives, uids)
        chosen, selection = since_filter(project, built, chosen, since)
        check_folders(built.rendered, target)  # a project error: before any request
        chosen = adopted(chosen, target)
        show = sys.stderr.isatty() if progress is None else progress
        nothing = selection is not None and not chosen
        # orphans, as diff finds them: only when the whole project is published (--since: among what it removed)
        removed = None if selection is None or selection.everything else selection.removed
        look = not narratives and not uids and removed != frozenset()
        hits = []
        if not nothing or look:
            connect(target)
            hits = target.search()  # one search: the plan's and the orphans'
        if nothing:
            plan = PublishPlan([], [])  # --since: nothing changed, nothing asked or sent (deletions never published)
        elif show:
            with click.progressbar(length=len(chosen), label="reading Grafana", file=sys.stderr) as bar:
                plan = plan_publish(chosen, target, force, concurrency, lambda _u: bar.update(1),
                                    project_id=project.project_id, hits=hits)
        else:
            plan = plan_publish(chosen, target, force, concurrency, project_id=project.project_id, hits=hits)
        lost, _, unrecorded = find_orphans(hits, {r.uid for r in built.rendered}, project.project_id, target.folders,
                                           target.description, removed, recorded(target)) if look else ([], [], [])
        # folders no narrative needs: only when every narrative is published (as playlists' orphans in diff)
        moving = {a.uid for a in plan.actions if a.kind in WRITES}  # each into its narrative's folder
        lost_folders = find_folders(target, built.narratives, project.project_id, hits, moving, plan.existing,
                                    plan.ledger) if look and removed is None else []
        scope = playlist_scope(built, narratives, chosen, selection)
        store, playlists = (None, []) if scope is None else playlist_plan(target, built, scope, uids, force,
                                                                          concurrency, fmt == "markdown",
                                                                          project_id=project.project_id)
    for note in plan.notes:  # a folder made beside a same-titled one of the user's: said before anything is sent
        say(f"vobs: warning: {note}", err=True)
    if unrecorded:  # tagged as ours, never saved by vobs (a "Save as" copy?): not orphans, no delete advice
        say(f"vobs: note: {unrecorded_note(unrecorded, target.description, _show)}", err=True)
    if dry_run:  # a narrative's second playlist (two publishes at once): said as the real run says it
        twins = said_twins(checked(store, [a.desired.narrative for a in playlists]))
        rows = [{"uid": a.uid, "status": a.kind, "detail": a.reason, "version": None} for a in plan.actions]
        planned = [{"narrative": a.desired.narrative, "title": a.desired.name, "uid": a.uid, "status": a.kind,
                    "detail": a.reason, "changes": a.changes} for a in playlists]
        if fmt == "markdown":
            click.echo(summary(chosen, [(a.uid, a.kind, a.reason) for a in plan.actions], target, True,
                               folders=[f for f in plan.folders if f.uid not in plan.updates], lost=lost,
                               adopted=[f for f in plan.records if f.uid in plan.adopted], lost_folders=lost_folders,
                               unrecorded=unrecorded)
                       + playlist_md([(p["narrative"], p["title"], p["status"], p["detail"]) for p in planned])
                       + twins_md(twins), nl=False)
        elif fmt == "json":
            click.echo(machine_json("publish", dry_run=True, destination=destination_json(target),
                                    folders=folders_json(plan.folders, plan.updates),
                                    dashboards=[status_json(r) for r in rows], playlists=planned,
                                    orphans=[o.to_dict() for o in lost],
                                    **({"unrecorded": unrecorded} if unrecorded else {}), **twins_json(twins),
                                    **adopted_json(plan.records, plan), **orphaned_folders_json(lost_folders)))
        else:
            adopting = [f for f in plan.records if f.uid in plan.adopted and f.uid not in plan.updates]
            for line in folder_lines([*plan.folders, *adopting], "create", plan.said, plan.adopted):
                click.echo(line)
            table([(r["uid"], r["status"], r["detail"]) for r in rows]
                   + [(f"playlist:{p['narrative']}", p["status"], p["detail"]) for p in planned] + orphan_rows(lost)
                   + folder_rows(lost_folders))
            for line in orphan_advice(lost, target, lost_folders):
                say(line)
            lists = sum(p["status"] in ("create", "update") for p in planned)
            writes = plan.writes + 2 * lists  # a playlist is two writes: it, then vobs' record of it (a folder too)
            two = " or ".join(w for w, n in (("a folder", set(plan.records) & set(plan.folders)), ("a playlist", lists)) if n)
            record = f" ({two} is two: it, and vobs' record of it, an annotation)" if two else ""
            click.echo(f"dry run: {writes} write(s) planned{record}, none sent — against {target.description}")
        # a gate exits as the real run would: 3 when it would leave some unpublished (drift, known now)
        kept = not_published([(a.uid, a.kind) for a in plan.actions if a.kind in SKIPPED],
                             [(p["narrative"], p["status"]) for p in planned if p["status"] == "skipped-drift"], True)
        if kept:
            say_error(kept)
        if kept or twins:
            ctx.exit(EXIT_PARTIAL)
        return
    commit = git_commit(project.root)
    created: list = []  # the folders created, as they are
    broken: list = []  # (folder, error) of each folder whose write failed, as they fail
    lacking: list = []  # (folder, error) of each folder in Grafana whose record as this project's failed
    results = None
    from vertice_obs.grafana.folder_writes import is_unsure_record
    from vertice_obs.grafana.playlist_report import tally_of
    from vertice_obs.grafana.playlists import execute_playlists

    try:  # Ctrl-C: no write is started after it, those in flight finish; one line says how far it got
        with (click.progressbar(length=len(plan.actions), label="publishing", file=sys.stderr)
              if show and not nothing else contextlib.nullcontext()) as bar:
            tick = None if bar is None else (lambda _r: bar.update(1))
            results = [] if nothing else execute(plan, target, commit, project.backup_dir, concurrency, tick,
                                                 created.append, lambda f, e: broken.append((f, e)),
                                                 lambda f, e: lacking.append((f, e)))
        stop = next((r.stop for r in results if r.stop is not None), None)
        # a new chapter dashboard not saved, or not known to be (its save was never answered): its playlist waits
        missing = {r.uid: r.status for r, a in zip(results, plan.actions) if r.status in ("failed", "unknown")
                   and a.live is None}
        played = execute_playlists(playlists, store, commit, missing, stop) if store is not None else []
    except KeyboardInterrupt as exc:
        raise Interrupted(interrupted(created, plan.actions, results, playlists, getattr(exc, "done", []))) from None
    stop = stop or next((p.stop for p in played if p.stop is not None), None)  # a playlist's 403 stops it too
    twins = said_twins(checked(store, [p.narrative for p in played]))  # read after its writes: see playlist_twins
    if lost_folders:  # what each still holds by what was written, not the plan: a move that failed stays in it
        lost_folders = find_folders(target, built.narratives, project.project_id, hits,
                                    {r.uid for r in results if r.status in WRITTEN}, plan.existing, plan.ledger)
    held = [p.stop is not None and p.status == "failed" for p in played]  # kept back by the stop
    # folders whose write went unanswered (they may exist): the dashboards into them were not sent
    unsure_folders = list(dict.fromkeys(r.unsure for r in results if r.unsure is not None))
    broken = [(f, e) for f, e in broken if not e.unknown and f not in unsure_folders]  # refused: not written
    failed = [r for r in results if r.status in ("failed", UNKNOWN, *SKIPPED)]
    unplayed = [p for p in played if p.status in ("failed", UNKNOWN, "skipped-drift")]
    unlisted = [(p.narrative, p.record_unknown) for p in played if not p.recorded]  # in Grafana, unrecorded: exit 3
    unfiled = {f.uid: e.unknown for f, e in lacking}  # the same, of folders (True: its record went unanswered)
    backups = backed_up(results, project)  # the live JSON of what it replaced: said, as the folders it made
    if fmt == "json":
        click.echo(machine_json("publish", dry_run=False, destination=destination_json(target),
                                folders=folders_json(written_folders(created, plan), plan.updates, unfiled),
                                dashboards=[r.to_dict() for r in results],
                                **adopted_json([*created, *(f for f, _ in lacking if f not in created)], plan, unfiled),
                                playlists=[{**p.to_dict(), "changes": a.changes} for p, a in zip(played, playlists)],
                                orphans=[o.to_dict() for o in lost], **orphaned_folders_json(lost_folders),
                                **({"unrecorded": unrecorded} if unrecorded else {}), **twins_json(twins),
                                **({"unknown_folders": folders_json(unsure_folders, {})} if unsure_folders else {}),
                                **failed_folders_json(broken, plan.updates)))
    elif fmt == "markdown":
        click.echo(summary(chosen, [(r.uid, r.status, r.detail, r.remedy) for r in results], target, False, commit,
                           stopped=bool(stop), folders=[f for f in created if f.uid not in (*plan.updates, *plan.adopted)],
                           backups=backups, lost=lost, unsure_folders=unsure_folders,
                           adopted=[f for f in created if f.uid in plan.adopted and f.uid not in unfiled], broken=broken,
                           lost_folders=lost_folders, unrecorded_folders=lacking, unrecorded=unrecorded)
                   + playlist_md([(p.narrative, p.name, p.status, p.detail) for p in played], True) + twins_md(twins),
                   nl=False)
    else:  # after a stop, each one it kept back is listed as such (exit 3 names them: trial 16); the error says why
        for line in (folder_lines(created, "created", plan.said, plan.adopted) + unrecorded_folder_lines(lacking)
                     + unsure_lines(unsure_folders) + failed_lines(broken)):
            click.echo(line)
        table([(r.uid, r.status, r.detail) if r.stop is None else (r.uid, STOPPED, "") for r in results]
              + [(f"playlist:{p.narrative}", STOPPED if h else p.status, "" if h else p.detail)
                 for p, h in zip(played, held)]
              + orphan_rows(lost) + folder_rows(lost_folders))
        for line in orphan_advice(lost, target, lost_folders):
            say(line)
        if backups[1]:
            click.echo(f"backed up the live JSON of {count(backups[1], 'dashboard')} it replaced to {_show(backups[0])}")
        statuses = [r.status if r.stop is None else STOPPED for r in results]
        tally = f"; playlists: {tally_of([STOPPED if h else p.status for p, h in zip(played, held)])}" if played else ""
        click.echo((", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses))) or "nothing published")
                   + f"{tally} — {target.description}")
    written = len(created) + sum(r.status in WRITTEN for r in [*results, *played])  # folders, dashboards, playlists
    # a write never answered (a dashboard's, a folder's, a playlist's) may have been applied: not "nothing written"
    # …and so may a record never answered: a folder's, sent before its update (then not sent: `broken`), an adopted
    # folder's or a playlist's (`record_unknown`)
    unsure = any(r.status == UNKNOWN for r in [*results, *played]) or bool(unsure_folders) or any(
        is_unsure_record(e) for _f, e in broken) or any(e.unknown for _f, e in lacking) or any(
        p.record_unknown for p in played)
    if stop is not None:  # one line: the cause, what was written before it; running again cannot help
        say_error(stopped_line(stop, written, sum(r.stop is not None for r in results), sum(held), unlisted, lacking))
        ctx.exit(EXIT_PARTIAL if written or unsure else EXIT_INPUT)
    if failed or unplayed or broken or unlisted or lacking:  # one line: folders, dashboards, then playlists
        # a folder's failure is advised as a dashboard's: its remedy when it has one, else to publish again
        advised = ([r.status for r in failed if not r.remedy] + [p.status for p in unplayed if not p.follows]
                   + ["failed" for _f, e in broken if not e.remedy])
        say_error(not_published([(r.uid, r.status) for r in failed], [(p.narrative, p.status) for p in unplayed],
                                advised=advised, remedies=[r.remedy for r in failed] + [e.remedy for _f, e in broken],
                                folders=unsure_folders, broken=broken, unrecorded=unlisted, unrecorded_folders=lacking))
        # 2 when nothing was written: every write it tried failed (skipped ones alone, drift: 3, as the dry run)
        tried = bool(broken) or any(r.status == "failed" for r in [*results, *played])
        ctx.exit(EXIT_INPUT if tried and not written and not unsure else EXIT_PARTIAL)
    if twins:  # drift-like: the publish did its work, Grafana holds what a person must delete (exit 3, as drift)
        ctx.exit(EXIT_PARTIAL)

