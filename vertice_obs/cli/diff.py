"""`vobs diff`: what publishing would change in Grafana, panel by panel; sends no write."""

from __future__ import annotations

import sys

import click

from vertice_obs.cli.app import cli, say
from vertice_obs.cli.grafana import (
    FORMAT_MD,
    connect,
    desired_dashboards,
    grafana_target,
    playlist_plan,
    playlist_scope,
    since_filter,
)
from vertice_obs.cli.grafana_report import destination_json
from vertice_obs.cli.grafana_report import show as _show
from vertice_obs.cli.options import (
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
    count,
)
from vertice_obs.errors import EXIT_FINDINGS, EXIT_OK
from vertice_obs.guard.text import bounded
from vertice_obs.output import machine_json


@cli.command("diff")
@ENV
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@NARRATIVE
@UID
@SINCE
@click.option("--unified", is_flag=True, help="Also show a unified diff of the normalised JSON (coloured on a terminal).")
@FORMAT_MD
@CONCURRENCY
@GRAFANA_TIMEOUT
@TLS
@click.pass_context
def diff_(ctx, grafana_url, grafana_token, org_id, narratives, uids, since, unified, fmt, concurrency,
          timeout) -> None:
    """Preview what publishing would change in Grafana, panel by panel. Sends no write.

    For each dashboard: added, changed, unchanged — and, for a changed one, what changed:
    panel "Dopamine spike rate": target A expr `old` → `new`; panel added, removed, moved;
    variable changed; title changed. This project's dashboards in Grafana that are no longer in
    code are reported as orphaned — with `project: ID` in vobs.yaml those tagged `vertice-obs:ID`
    (another project's are not), else those with the managed tag `vertice-obs` — and so are the
    playlists of narratives no longer in code, and the folders vobs made that no narrative's folder
    path needs any more (a whole-project diff). A uid of this project that
    Grafana holds as another project's (tagged `vertice-obs:OTHER`) is owned: publish skips it
    without --force (skipped-owned). A folder another project owns, or one renamed or moved in
    Grafana since vobs wrote it, is said too: publish refuses it before any write without --force.
    Compared after normalisation, so server-owned fields (id, version), key order and Grafana's
    defaults never show.

    Exit codes, as diff(1): 0 no differences · 1 differences · 2 error.

    \b
    Examples:
      vobs diff --grafana-url https://grafana.example.com      # GRAFANA_TOKEN from the environment
      vobs diff --narrative dopamine --unified
      vobs diff --format json | jq '.dashboards[] | select(.status != "unchanged")'
      vobs diff --format markdown > comment.md     # a pull-request comment, under GitHub's limit
      vobs diff --since origin/main                # only what this branch changed (and removed)
    """
    from vertice_obs.grafana import folder_report as fr
    from vertice_obs.grafana.diff import (
        ADOPTED,
        ORPHANED,
        OWNED,
        UNCHANGED,
        DashboardDiff,
        diff_dashboard,
        moved,
        owned,
        provisioned,
        with_change,
    )
    from vertice_obs.grafana.diff import unified as unified_diff
    from vertice_obs.grafana.folder_plan import folder_plan
    from vertice_obs.grafana.folder_plan import refolder as refolder_of
    from vertice_obs.grafana.folders import path_of
    from vertice_obs.grafana.markdown import CHANGE_LIMIT, TITLE_LIMIT
    from vertice_obs.grafana.publish import (
        TAKE_OVER,
        WRITES,
        adopted,
        adopting,
        check_folders,
        decide,
        other_owner,
        owned_by,
        reserved_refusals,
    )
    from vertice_obs.grafana.survey import orphans as find_orphans
    from vertice_obs.grafana.survey import recorded, survey, unrecorded_note

    project, target = grafana_target(ctx, grafana_url, grafana_token, org_id, timeout, concurrency)
    chosen, plan = desired_dashboards(project, narratives, uids)  # one build: its dashboards also tell orphans apart
    chosen, selection = since_filter(project, plan, chosen, since)
    check_folders(plan.rendered, target)  # a project error: before any request
    chosen = adopted(chosen, target)
    # --since: orphans only among the dashboards the change removed; nothing to ask, nothing asked
    removed = None if selection is None or selection.everything else selection.removed
    orphans = not narratives and not uids and removed != frozenset()
    if chosen or orphans:
        connect(target)
    hits = target.search() if chosen or orphans else []  # which exist (no request for a new one), orphans
    # Drifted dashboards are named in every format: the version history of one that differs is read
    # (as publish reads it) — never for a new or unchanged one.
    seen = survey(chosen, target, concurrency, history=True, hits=hits)
    scope = playlist_scope(plan, narratives, chosen, selection)
    store, playlists = (None, []) if scope is None else playlist_plan(target, plan, scope, uids, False, concurrency,
                                                                   fmt == "markdown", "compared", project.project_id)
    lives = [s.live for s in seen]
    folders = {str(h.get("uid")): str(h.get("folderTitle") or "") for h in hits}
    diffs = [DashboardDiff(s.rendered.uid, s.rendered.model.get("title", ""), ADOPTED, [adopting(s.live)])
             if s.adopt and s.live else
             DashboardDiff(s.rendered.uid, s.rendered.model.get("title", ""), UNCHANGED) if s.unchanged
             else diff_dashboard(s.rendered.uid, s.rendered.model, s.live.model if s.live else None) for s in seen]
    # another project's, which publish skips (skipped-owned) without --force: said so, as publish decides it
    owners = [other_owner(s.live.model, project.project_id) if s.live and not s.unchanged
              and s.live.provisioned is None else None for s in seen]
    diffs = [owned(d, f"{owned_by(owner)}: publish skips it without --force (skipped-owned) — {TAKE_OVER}")
             if owner is not None else d for d, owner in zip(diffs, owners)]
    # held by a provisioning file in Grafana, which refuses its save: publish never sends it, --force or not
    diffs = [provisioned(d, f"{s.live.provisioning} (publish skips it: skipped-provisioned)")
             if s.live and not s.unchanged and s.live.provisioned is not None else d for d, s in zip(diffs, seen)]
    moves = [bool(s.live and not s.unchanged and s.live.folder_uid != s.folder_uid) for s in seen]
    homes = {(s.rendered.folder, s.rendered.folder_uid) for s in seen}
    tree = target.folders() if homes else {}  # the path a dashboard moves from, not its folder's title only
    diffs = [moved(d, path_of(s.live.folder_uid, tree, target.description) or folders.get(d.uid)
                   or s.live.folder_uid or "General",  # an adopted folder by its path in Grafana, where known
                   s.rendered.folder_uid and path_of(s.folder_uid, tree, target.description) or s.rendered.folder,
                   s.live.folder_uid, s.folder_uid, adopted=bool(s.rendered.folder_uid)) if move else d
             for d, s, move in zip(diffs, seen, moves)]
    actions = [decide(s, False, project.project_id) for s in seen]
    # the folders publish would make, rename, move, adopt — or refuse: another project's, or drifted
    owned_folders = folder_plan(homes, target, tree, hits, project.project_id) if homes else None
    made, notes = owned_folders.made(a.folder_uid for a in actions if a.kind in WRITES) if owned_folders else ([], [])
    refolder = refolder_of(owned_folders, homes, target.nested_folders) if owned_folders else {}
    folder_rows = fr.diff_rows(owned_folders, made, project.project_id) if owned_folders else []
    notes += [f"publish would stop before any write: {refused}"
              for refused in (owned_folders.refusals(project.project_id) if owned_folders else [])]
    # what Grafana before 11.3 would refuse for its title: publish would stop on it before any write
    notes += [f"publish would stop before any write: {refused}" for refused in reserved_refusals(
        actions, tree, made, hits, chosen, target)]
    diffs = [with_change(d, refolder[s.rendered.folder]) if (s.live or s.unchanged) and not s.rendered.folder_uid
             and s.rendered.folder in refolder else d for d, s in zip(diffs, seen)]
    drifted = [bool(s.live and d.status == "changed" and s.live.drifted) for d, s in zip(diffs, seen)]
    # managed, published before project ids (`unowned`): whose, nothing tells (a project with an id only)
    # tagged as this project's but never saved by vobs (`unrecorded`: a "Save as" copy keeps the tags): not orphans
    lost, unowned, unrecorded = find_orphans(hits, {r.uid for r in plan.rendered}, project.project_id,
                                             lambda: tree or target.folders(), target.description, removed,
                                             recorded(target)) if orphans else ([], [], [])
    diffs += [DashboardDiff(o.uid, o.title, ORPHANED, [f"in Grafana with {_mark(project.project_id)}, but no longer "
                                                       "in code"]) for o in lost]
    drifted += [False] * (len(diffs) - len(drifted))  # orphans: nothing of theirs is published
    from vertice_obs.grafana import playlist_report as pr
    from vertice_obs.grafana import playlists as pl

    playlist_rows = [pr.diff_entry(a) for a in playlists] + (  # a narrative's orphan: only when all are diffed
        pl.orphaned(store, (n.id for n in plan.narratives), playlists) if orphans and removed is None and store else [])
    if orphans and removed is None:  # folders no narrative needs: only when every narrative is diffed
        from vertice_obs.grafana.folder_orphans import diff_row
        from vertice_obs.grafana.folder_orphans import find as find_folders

        folder_rows += [diff_row(o) for o in find_folders(target, plan.narratives, project.project_id, hits,
                                                          {a.uid for a in actions if a.kind in WRITES},
                                                          tree if homes else None,
                                                          owned_folders.ledger if owned_folders else None)]
    if fmt == "json":
        rows = [{**d.to_dict(), "drifted": flag} for d, flag in zip(diffs, drifted)]
        click.echo(machine_json("diff", destination=destination_json(target), dashboards=rows, playlists=playlist_rows,
                                folders=folder_rows, **({"unowned": unowned} if unowned else {}),
                                **({"unrecorded": unrecorded} if unrecorded else {})))
    elif fmt == "markdown":
        from vertice_obs.grafana.markdown import (
            COMMENT_LIMIT,
            DiffEntry,
            diff_comment,
            size,
            unrecorded_paragraph,
        )

        entries = [DiffEntry(d, s.rendered.folder, flag) for d, s, flag in zip(diffs, seen, drifted)]
        entries += [DiffEntry(d, o.folder) for d, o in zip(diffs[len(seen):], lost)]  # its whole path
        section = pr.markdown([(p["narrative"], p["title"], "⚠️ drifted" if p["drifted"] else p["status"],
                                "; ".join(p["changes"])) for p in playlist_rows])
        folder_section = fr.markdown(folder_rows)  # another project's, drifted, adopted: what a review acts on
        # tagged as this project's, never saved by vobs: said where the reviewer reads, as the note on stderr says it
        note = unrecorded_paragraph(unrecorded, target.description)
        note = f"\n{note}\n\n" if note else ""
        comment = diff_comment(entries, target.description, COMMENT_LIMIT - size(section + folder_section + note))
        changing = any(r["status"] != "orphaned" for r in fr.shown(folder_rows))  # publish leaves an orphan be
        what = " and ".join(w for w, part in (("folders", changing), ("playlists", section)) if part)
        if what:  # the dashboards' part does not know of playlists and folders
            comment = comment.replace("Publishing would change nothing.", f"Publishing would change {what} only.", 1)
        section = folder_section + section + note
        click.echo(comment + section, nl=False)
    else:
        width = max([len(_show(d.uid)) for d in diffs]  # the playlists' rows line up with the dashboards'
                    + [len(f"playlist:{_show(p['narrative'])}") for p in playlist_rows]
                    + [fr.label_width(folder_rows, _show)], default=0)
        wide = 11 if any(d.provisioned for d in diffs) else 9  # "provisioned" lines up with "unchanged"
        for d, live, drift in zip(diffs, lives + [None] * (len(diffs) - len(lives)), drifted):
            mark = {"added": "+", "changed": "~", "orphaned": "!", "removed": "-", ADOPTED: "=", OWNED: "x"}.get(
                d.status, " ")
            status = "drifted" if drift else "provisioned" if d.provisioned else d.status
            click.echo(f"{mark} {_show(d.uid):<{width}}  {status:<{wide}}  {bounded(d.title, TITLE_LIMIT)}".rstrip())
            if drift:  # what publish will say, and do
                click.echo(f"      {live.drift}: publish skips it without --force (vobs pull --uid {_show(d.uid)} "
                           "to review)")
            if d.status in ("changed", "orphaned", ADOPTED, OWNED):
                for change in d.changes:
                    click.echo(f"      {bounded(change, CHANGE_LIMIT)}")  # as the Markdown cuts it
            if unified and d.status in ("changed", "added", OWNED):
                desired = next((r.model for r in chosen if r.uid == d.uid), None)
                click.echo(unified_diff(d.uid, desired, live.model if live else None, color=sys.stdout.isatty()),
                           nl=False)
        for line in [*fr.text_lines(folder_rows, width, _show), *pr.text_lines(playlist_rows, width, _show)]:
            click.echo(line)
        counts = {s: sum(d.status == s for d in diffs) for s in ("added", "changed", "unchanged", "orphaned")}
        said = [f"{n} {s}" + (f" ({sum(drifted)} drifted)" if s == "changed" and any(drifted) else "")
                for s, n in counts.items()]
        kinds = ["provisioned" if d.provisioned else d.status for d in diffs]
        said += [f"{kinds.count(s)} {s}" for s in (ADOPTED, OWNED, "provisioned") if s in kinds]  # when some are
        tally = f"; folders: {fr.tally(folder_rows)}" if fr.tally(folder_rows) else ""  # as the lines: folders first
        tally += f"; playlists: {pr.diff_tally(playlist_rows)}" if playlist_rows else ""
        click.echo(", ".join(said) + f"{tally} — against {target.description}")
    for note in notes:  # a folder publish would make beside a same-titled one of the user's, a refusal
        say(f"vobs: warning: {note}", err=True)
    if unowned:  # information, not a difference: after the output, which stays whole
        shown = ", ".join(_show(u["uid"]) for u in unowned[:5]) + (", …" if len(unowned) > 5 else "")
        say(f"vobs: note: {count(len(unowned), 'dashboard')} in {target.description} carry only the tag vertice-obs "
            f"(published before project ids): not counted as this project's orphans — {shown}; publishing from "
            "its project tags each with its owner", err=True)
    if unrecorded:  # information, not a difference: nothing proves them this project's
        say(f"vobs: note: {unrecorded_note(unrecorded, target.description, _show)}", err=True)
    changed = any(row["status"] != "unchanged" for row in [*[d.to_dict() for d in diffs], *playlist_rows, *folder_rows])
    ctx.exit(EXIT_FINDINGS if changed else EXIT_OK)


def _mark(project_id: str | None) -> str:
    """The tag that makes a dashboard this project's, in words."""
    return f"this project's tag vertice-obs:{project_id}" if project_id else "the managed tag"
