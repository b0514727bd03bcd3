"""How `vobs publish` prints what it plans and did: its tables, the folders it creates, where the
backups went, its Markdown summary and the JSON of its folders (the commands: `cli/grafana.py`)."""

from __future__ import annotations

import click

from vertice_obs.cli.options import count
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import escape


def show(text: object) -> str:
    """Untrusted text (titles, uids, server messages) fit for one line of a terminal."""
    return escape(text, one_line=True)


def folder_lines(folders, verb: str, said=None, adopted=None) -> list[str]:
    """`create folder 'Core' (uid vobs-platform-core, in vobs-platform)`, one per folder, parents
    first; a folder in `said` (uid → its update in words) is an update: `update folder 'web-shop' →
    'Shop', moved into 'Web' (uid vobs-web-shop)`; one only in `adopted` (uid → why) is recorded as
    this project's, not written: `adopt folder 'Core' (uid …): made by a vobs before folder records: …`."""
    said, adopted = said or {}, adopted or {}
    updated, adopt = ("update", "adopt") if verb == "create" else ("updated", "adopted")
    return [f"{updated} {show(said[f.uid])} (uid {show(f.uid)})" if f.uid in said else
            f"{adopt} folder {show(repr(f.title))} (uid {show(f.uid)}): {show(adopted[f.uid])}" if f.uid in adopted else
            f"{verb} folder {show(repr(f.title))} (uid {show(f.uid)}{', in ' + show(f.parent_uid) if f.parent_uid else ''})"
            for f in folders]


UNSURE_FOLDER = "sent, never answered: Grafana may have made it"  # a folder whose write went unanswered


def unsure_lines(folders) -> list[str]:
    """`folder 'Core' (uid vobs-platform-core): outcome unknown (sent, never answered: …)`, one per folder whose
    write went unanswered: it may exist, and the dashboards into it were not sent."""
    return [f"folder {show(repr(f.title))} (uid {show(f.uid)}): outcome unknown ({UNSURE_FOLDER}); its dashboards "
            "were not sent" for f in folders]


def failed_lines(folders) -> list[str]:
    """`folder 'Core' (uid vobs-platform-core): not written: …`, one per folder whose create, rename or
    move failed (not one of unknown outcome: `unsure_lines`) — said even when no dashboard goes in it."""
    return [f"folder {show(repr(f.title))} (uid {show(f.uid)}): not written: {why}" for f, why in folders]


def written_folders(folders, plan) -> list:
    """Of `folders` (a plan's, or those a publish got through), those created or updated: not one
    only adopted (recorded as this project's, not written)."""
    return [f for f in folders if f.uid in plan.updates or f.uid not in plan.adopted]


def adopted_json(folders, plan, unrecorded=()) -> dict[str, list[dict[str, object]]]:
    """`adopted_folders` in publish's `--format json`, when some: the folders recorded as this project's
    for the first time (no record of vobs' said whose they were), written or not — `"recorded": false`
    on those whose record failed (`unrecorded`: `record_json`)."""
    rows = [{"uid": f.uid, "title": f.title, "parent_uid": f.parent_uid or None, "detail": plan.adopted[f.uid],
             **record_json(f.uid, unrecorded)} for f in folders if f.uid in plan.adopted]
    return {"adopted_folders": rows} if rows else {}


def record_json(uid: str, unrecorded) -> dict[str, bool]:
    """`"recorded": false` on a folder in Grafana whose record as this project's failed (`unrecorded`: uid → True when
    that record was sent and never answered), and `"record_unknown": true` then: Grafana may hold it, or not."""
    return {"recorded": False, **({"record_unknown": True} if unrecorded[uid] else {})} if uid in unrecorded else {}


def failed_folders_json(broken, updates) -> dict[str, list[dict[str, object]]]:
    """`failed_folders` in publish's `--format json`, when some: (folder, error) of each whose create, rename or move
    failed — `"record_unknown": true` on one whose update was not sent because its record, written first, was never
    answered (`folder_writes.UnsureRecord`): as it was, its record perhaps in Grafana."""
    from vertice_obs.grafana.folder_writes import is_unsure_record

    return {"failed_folders": [{**folders_json([f], updates)[0], "error": str(e),
                                **({"record_unknown": True} if is_unsure_record(e) else {})}
                               for f, e in broken]} if broken else {}


def backed_up(results, project) -> tuple[str, int]:
    """Where the live JSON a publish replaced was saved (`.vobs/backups/<UTC time>-<destination>/`), and of how
    many dashboards: ("", 0) when none. Only those it did replace: an update that failed after its backup
    was written replaced nothing (its file stays, in case the save landed though its answer was lost)."""
    from vertice_obs.grafana.publish import WRITTEN

    saved = [r.backup for r in results if r.backup is not None and r.status in WRITTEN]
    return ", ".join(sorted({project.display(path.parent) + "/" for path in saved})), len(saved)


def not_published(dashboards, playlists, dry_run: bool = False, advised=None, remedies=(), folders=(),
                  broken=(), unrecorded=(), unrecorded_folders=()) -> str:
    """The one line of a publish that leaves some unpublished — (uid, status) of the dashboards,
    (narrative, status) of the playlists — or of a dry run that foresees it (the drifted ones);
    "" when there are none. `advised`: the statuses advice is given for (all, unless said) — not
    those of failures running again cannot finish, whose `remedies` are said instead (`advice`). A
    dashboard or playlist `unknown` (its write was sent, never answered) is said apart: Grafana may have saved
    it — and so, first, are `folders` whose write went unanswered (the dashboards into them were not sent), and
    `broken` folders whose write failed ((folder, why): a rename or move not done is said too). Last, the
    playlists in Grafana whose record as this project's failed (`unrecorded`: (narrative, unanswered) pairs, `unrecorded_clause`), and
    the folders (`unrecorded_folders`: `unrecorded_folder_clause`)."""
    verb = "would not be published" if dry_run else "not published"
    unsure = [u for u, s in dashboards if s == "unknown"]  # a write never answered: maybe published, maybe not
    dashboards = [(u, s) for u, s in dashboards if s != "unknown"]
    unsure_lists = [n for n, s in playlists if s == "unknown"]
    playlists = [(n, s) for n, s in playlists if s != "unknown"]
    lost = [f"{count(len(folders), 'folder')} of unknown outcome ({UNSURE_FOLDER}): "
            f"{', '.join(show(f.uid) for f in folders)}"] if folders else []
    lost += [f"{count(len(broken), 'folder')} not written: {', '.join(show(f.uid) + unsure_record(e) for f, e in broken)}"
             ] if broken else []
    lost += [unrecorded_folder_clause(unrecorded_folders)] if unrecorded_folders else []
    lost += [f"{len(dashboards)} dashboard(s) {verb}: {', '.join(f'{u} ({s})' for u, s in dashboards)}"] if dashboards else []
    lost += [f"{len(unsure)} dashboard(s) of unknown outcome (sent, never answered: Grafana may have saved it): "
             f"{', '.join(unsure)}"] if unsure else []
    lost += [f"{count(len(playlists), 'playlist')} {verb}: {', '.join(f'{n} ({s})' for n, s in playlists)}"] if playlists else []
    lost += [f"{count(len(unsure_lists), 'playlist')} of unknown outcome (sent, never answered: Grafana may have saved "
             f"it): {', '.join(unsure_lists)}"] if unsure_lists else []
    lost += [unrecorded_clause(unrecorded)] if unrecorded else []
    if not lost:
        return ""
    # the advice the Markdown summary gives too, for the statuses present only
    from vertice_obs.grafana.publish import advice

    then = ["publishing exits 3 as this dry run does"] if dry_run else []
    statuses = advised if advised is not None else [s for _u, s in dashboards] + [s for _n, s in playlists]
    statuses = [*statuses, *(["unknown"] if unsure or unsure_lists or folders else [])]
    return "; ".join(lost + then + advice(statuses, dry_run, remedies=remedies))


def unsure_record(error) -> str:
    """` (its record, sent first, was never answered: …)` after the uid of a folder not renamed or moved because its
    record went unanswered (`folder_writes.is_unsure_record`): the folder is as it was, the record may be in Grafana;
    "" for any other error."""
    from vertice_obs.grafana.folder_writes import is_unsure_record

    return " (its record, sent first, was never answered: Grafana may have saved it)" if is_unsure_record(error) else ""


STOPPED = "not published (stopped)"  # a write a stop kept back, in the text tally


def stopped_line(stop, written: int, dashboards: int, playlists: int, unrecorded=(), unrecorded_folders=()) -> str:
    """The one line of a publish stopped by an error every later write would meet (a 403): the
    error, how many writes were done before it, the dashboards and playlists it kept back, and the
    folders and playlists in Grafana whose record the stop refused (`unrecorded_folders`, `unrecorded`)."""
    kept = " and ".join(count(n, noun) for n, noun in ((dashboards, "dashboard"), (playlists, "playlist")) if n)
    return (f"{stop}; publish stopped there, nothing more sent: {written} write(s) done before it, "
            f"{kept + ' not published' if kept else 'nothing else left to write'}"
            + (f"; {unrecorded_folder_clause(unrecorded_folders)}" if unrecorded_folders else "")
            + (f"; {unrecorded_clause(unrecorded)}" if unrecorded else ""))


def unrecorded_folder_clause(folders) -> str:
    """The folders a publish left in Grafana (made, or there to adopt) without their record as this project's
    (the annotation failed; `folder_writes`), by uid: never said `failed` — they are there. Those whose record
    was sent and never answered are said apart: it may be in Grafana (`UNSURE_RECORD`)."""
    return _unrecorded_apart("folder", [(show(f.uid), e.unknown) for f, e in folders], "adopts {them}",
                             "adopts {them} if Grafana did not record {them}")


def _unrecorded_apart(noun: str, named: list[tuple[str, bool]], next_run: str, unsure_next: str) -> str:
    """`_unrecorded` of those whose record failed, then of those whose record went unanswered (True: it may be in
    Grafana, `UNSURE_RECORD`), each clause only when some."""
    failed, unsure = [n for n, u in named if not u], [n for n, u in named if u]
    return "; ".join([_unrecorded(noun, failed, next_run)] * bool(failed)
                     + [_unrecorded(noun, unsure, unsure_next, UNSURE_RECORD)] * bool(unsure))


UNSURE_RECORD = ("not known to be recorded as this project's (its record, an annotation, was sent and never "
                 "answered: Grafana may have saved it)")


def unrecorded_folder_lines(folders) -> list[str]:
    """`folder 'Core' (uid …): in Grafana, not recorded as this project's: …`, one per folder whose record failed
    (`not known to be recorded` when the record went unanswered)."""
    return [f"folder {show(repr(f.title))} (uid {show(f.uid)}): in Grafana, {'not known to be' if why.unknown else 'not'}"
            f" recorded as this project's: {why}" for f, why in folders]


def unrecorded_clause(playlists) -> str:
    """The playlists a publish left in Grafana without their record as this project's (the annotation
    failed; `playlists.unrecorded`), by (narrative, whether that record went unanswered): never said `failed` —
    they are there."""
    return _unrecorded_apart("playlist", [(show(n), unsure) for n, unsure in playlists],
                             "finds {them} by name and records {them}",
                             "finds {them} by name and records {them} if Grafana did not record {them}")


def _unrecorded(noun: str, named: list[str], next_run: str,
                record: str = "not recorded as this project's (its record, an annotation, failed)") -> str:
    """`2 playlists in Grafana but not recorded as this project's (…): a, b; the next vobs publish …`."""
    them = "it" if len(named) == 1 else "them"
    return f"{count(len(named), noun)} in Grafana but {record}: {', '.join(named)}; the next vobs publish " \
           f"{next_run.format(them=them)}"


def interrupted(folders, actions, results, playlists, done) -> str:
    """`vobs publish`'s one line for Ctrl-C during its writes: what was written — `folders`; of the
    dashboards to write (`actions`), those finished (`results`, or `done` when they were being written:
    `results` is None); of the playlists, `done` — and that running it again finishes the job."""
    # imported here: the publish module loads only once a publish runs
    from vertice_obs.grafana.publish import WRITES, WRITTEN

    def of(finished, planned, noun: str) -> str:
        total = sum(a.kind in WRITES for a in planned)
        written = sum(r.status in WRITTEN for r in finished)
        return f"{written:,} of {total:,} {noun}{'' if total == 1 else 's'}" if total else ""

    parts = [count(len(folders), "folder") if folders else "", of(done if results is None else results, actions,
                                                                  "dashboard")]
    parts = [p for p in parts + ([of(done, playlists, "playlist")] if results is not None else []) if p]
    said = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + (parts[-1] if parts else "")
    return (f"interrupted {'after publishing ' + said if said else 'before any write'}; nothing is half-written — "
            "run it again to finish")


def orphan_rows(lost) -> list[tuple[str, str, str]]:
    """`orphaned` rows of publish's table: this project's dashboards the destination holds and the code
    no longer defines (`survey.Orphan`), each with its folder's whole path."""
    return [(o.uid, "orphaned", f"{o.title!r} in folder {o.folder!r}: no longer in code" if o.folder else
             f"{o.title!r} in the General folder: no longer in code") for o in lost]


def orphan_advice(lost, target, lost_folders=()) -> list[str]:
    """The lines after publish's table when there are orphans — dashboards (`lost`), then folders
    (`lost_folders`, `folder_orphans.advice`): vobs deletes nothing, how to delete them."""
    from vertice_obs.grafana.folder_orphans import advice

    return ([_dashboard_advice(lost, target)] if lost else []) + (
        [advice(lost_folders, target.description)] if lost_folders else [])


def _dashboard_advice(lost, target) -> str:
    how = ("in Grafana: the dashboard's settings → Delete, or DELETE /api/dashboards/uid/<uid> with a token "
           "that may delete it" if isinstance(getattr(target, "url", None), str) else
           f"its file {getattr(target, 'shown', '')}<folder path>/<uid>.json")
    return (f"orphaned: {count(len(lost), 'dashboard')} of this project's left in {target.description} and no "
            f"longer in code: vobs deletes nothing — delete each you no longer want ({how})")


def orphaned_folders_json(lost_folders) -> dict[str, list[dict[str, object]]]:
    """`orphaned_folders` in publish's `--format json`, when some (`folder_orphans.OrphanFolder`)."""
    return {"orphaned_folders": [o.to_dict() for o in lost_folders]} if lost_folders else {}


def destination_json(target) -> dict[str, str]:
    """`destination` in diff's and publish's `--format json`: a Grafana's URL (scheme, host, port
    and base path: no `user:pass@`, no query string) through the one redaction, or the
    provisioning folder's path as the project shows it."""
    url = getattr(target, "url", None)
    if isinstance(url, str):
        return {"kind": "grafana", "url": redact_text(url)}
    return {"kind": "provisioning-folder", "path": target.shown}


def folders_json(folders, updates, unrecorded=()) -> list[dict[str, object]]:  # those a publish creates or updates
    return [{"uid": f.uid, "title": f.title, "parent_uid": f.parent_uid or None,  # parents first
             **({"was": {"title": updates[f.uid].title, "parent_uid": updates[f.uid].parent_uid or None}}
                if f.uid in updates else {}), **record_json(f.uid, unrecorded)} for f in folders]


def summary(chosen, rows, target, dry_run: bool, commit: str = "", stopped: bool = False, folders=(),
            backups: tuple[str, int] = ("", 0), lost=(), unsure_folders=(), adopted=(), broken=(),
            lost_folders=(), unrecorded_folders=(), unrecorded=()) -> str:
    """`unrecorded`: the dashboards tagged as this project's that vobs never saved (`survey.orphans`): a note."""
    from vertice_obs.grafana.folder_orphans import markdown as orphaned_folders
    from vertice_obs.grafana.markdown import (
        PublishEntry,
        publish_summary,
        unrecorded_paragraph,
    )

    by_uid = {r.uid: r for r in chosen}
    entries = [PublishEntry(uid, str(by_uid[uid].model.get("title", "")), by_uid[uid].folder, status, detail, *remedy)
               for uid, status, detail, *remedy in rows]  # (uid, status, detail[, remedy])
    return publish_summary(entries, target.description, getattr(target, "url", None), dry_run, commit,
                           stopped=stopped, folders=folders, backups=backups,
                           orphans=[(o.uid, o.title, o.folder) for o in lost], unsure_folders=unsure_folders,
                           adopted=adopted, broken=[(f, str(why), why.remedy) for f, why in broken],
                           paragraphs=[orphaned_folders(lost_folders),
                                       f"**{unrecorded_folder_clause(unrecorded_folders)}**." if unrecorded_folders else "",
                                       unrecorded_paragraph(unrecorded, target.description)])


def said_twins(found) -> list:
    """A narrative's second playlists (`playlist_twins.checked`: (twins, why the read failed)): said on
    stderr in every format — a warning, or a note when the read failed — then returned."""
    from vertice_obs.grafana.playlist_twins import warning

    twins, why = found
    if twins or why:
        click.echo(escape(f"vobs: warning: {warning(twins)}" if twins else f"vobs: note: {why}"), err=True)
    return twins


def playlist_md(rows, publish: bool = False) -> str:
    from vertice_obs.grafana.playlist_report import markdown

    return markdown(rows, publish)


def table(rows) -> None:
    width = max((len(show(r[0])) for r in rows), default=0)
    for uid, status, detail in rows:
        click.echo(f"{show(uid):<{width}}  {status:<13}  {show(detail)}".rstrip())
