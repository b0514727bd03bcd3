"""Publishing: plan everything first, then write only what changed — and lose nothing.

`plan_publish` reads the target (GETs only, as few as `survey` can: one search, then one small
read per unchanged dashboard) and decides, per dashboard: create, update, unchanged, adopt (unchanged, but
not recorded as vobs': saved once with vobs' message, so the next change is no drift),
skipped-drift (edited in Grafana since our last publish; overwritten only with `force`), or
skipped-owned (the uid is another project's on this Grafana: tagged `vertice-obs:<other id>`;
taken over only with `force`). A folder another project owns, or one renamed or moved in Grafana since
vobs wrote it, refuses the whole plan without `force` (`folder_plan`, `folder_owners`). `execute` creates
folders parents-first (recording each as this project's), then saves dashboards with bounded
concurrency; before any update the live JSON is saved under the backup folder, in a folder of this
run's own (`<UTC time>-<destination slug>/<uid>.json`, claimed by an exclusive mkdir: two runs, in the
same second to the same Grafana or not, never share one; `BACKUP_RECORD` there names the source). A dashboard that
fails does not stop the others; the result says exactly which were not published. A server-wide
error that is not retryable (`DestinationError.server_wide`: a write the token may not make, refused
credentials) stops every write not yet sent — those are `failed`, "not sent", and carry it as
`Result.stop` — since each would meet it again. A publish
killed between any two writes is finished by the next one, without `--force` and without drift
(`Destination.recover`, and the provisioning folder's intent entries).
"""

from __future__ import annotations

import itertools
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from vertice_obs.build.render import OWNER_PREFIX, RenderedDashboard, to_json_text
from vertice_obs.errors import InputError, Interrupted
from vertice_obs.files import write_new
from vertice_obs.grafana.answers import NOT_SENT, DestinationError, stops
from vertice_obs.grafana.folder_plan import folder_plan
from vertice_obs.grafana.folder_writes import unsure_home, write_folders
from vertice_obs.grafana.folders import (
    Folder,
    check_adoptions,
    check_unique,
    folder_chain,
    folder_uid,
)
from vertice_obs.grafana.live import Destination, LiveDashboard, publish_message
from vertice_obs.grafana.normalize import normalize
from vertice_obs.grafana.reserved import folder_refusals, title_refusals
from vertice_obs.grafana.survey import Seen, survey

CREATE, UPDATE, UNCHANGED, DRIFT, OWNED, ADOPT = "create", "update", "unchanged", "skipped-drift", "skipped-owned", "adopt"
PROVISIONED = "skipped-provisioned"  # Grafana holds it from a provisioning file and refuses its save: never sent
DONE = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DRIFT: DRIFT, OWNED: OWNED, ADOPT: "adopted",
        PROVISIONED: PROVISIONED}
SKIPPED = (DRIFT, OWNED, PROVISIONED)  # refused in the plan (the first two without `force`): publish exits 3
WRITES = (CREATE, UPDATE, ADOPT)
WRITTEN = tuple(DONE[kind] for kind in WRITES)  # what those are once done: created, updated, adopted
UNKNOWN = "unknown"  # a write sent, never answered: Grafana may have applied it, or not (answers.OUTCOME_UNKNOWN)


@dataclass
class Action:
    uid: str
    kind: str
    model: dict[str, Any]
    folder_uid: str
    live: LiveDashboard | None
    reason: str = ""
    digest: str = ""  # the model's content hash, computed once by the survey


@dataclass
class PublishPlan:
    folders: list[Folder]  # to create or update, parents first
    actions: list[Action]
    updates: dict[str, Folder] = field(default_factory=dict)  # of those, the existing ones: uid → as they are
    said: dict[str, str] = field(default_factory=dict)  # uid → what its update changes, in words
    notes: list[str] = field(default_factory=list)  # warnings: a folder made beside a same-titled one (`twins`)
    records: list[Folder] = field(default_factory=list)  # to record as this project's, parents first (`folder_owners`)
    adopted: dict[str, str] = field(default_factory=dict)  # of those, uid → why adopted (made before the records)
    ledger: Any = None  # where those records go: the target's `FolderRecords` (read once, for orphans too)
    existing: dict[str, Folder] | None = None  # the target's folders, as the plan read them (None: not read)

    @property
    def writes(self) -> int:
        return len(self.folders) + len(self.records) + sum(a.kind in WRITES for a in self.actions)


@dataclass
class Result:
    uid: str
    status: str  # created | updated | adopted | unchanged | skipped-drift | skipped-owned | failed | unknown
    detail: str = ""
    version: int | None = None
    stop: DestinationError | None = field(default=None, repr=False, compare=False)  # what stopped the publish
    backup: Path | None = field(default=None, repr=False, compare=False)  # the live JSON it replaced, saved there
    remedy: str = field(default="", repr=False, compare=False)  # when running again cannot finish it: what can
    unsure: Folder | None = field(default=None, repr=False, compare=False)  # not sent: its folder (`folder_writes.unsure_home`)

    def to_dict(self) -> dict[str, Any]:
        """One of `vobs publish --format json`'s `dashboards` (schemas/output/publish.schema.json)."""
        return status_json({"uid": self.uid, "status": self.status, "detail": self.detail, "version": self.version})


def status_json(row: dict[str, Any]) -> dict[str, Any]:
    """A dashboard's row of `--format json`, its status one schema_version 1 knows: a provisioned one is
    `skipped-owned` (held by another owner, not written) with the optional `"provisioned": true`."""
    return {**row, "status": OWNED, "provisioned": True} if row["status"] == PROVISIONED else row


__all__ = ["Action", "NOT_SENT", "PROVISIONED", "status_json", "UNKNOWN", "advice", "decide", "reserved_refusals", "SKIPPED", "WRITES", "WRITTEN", "adopting", "PublishPlan", "Result", "execute", "stops", "folder_chain",
           "folder_uid", "git_commit",
           "plan_publish", "select"]


def adopted(rendered: Sequence[RenderedDashboard], target: Destination) -> list[RenderedDashboard]:
    """`rendered` as `target` places them: a destination that adopts no folders (a provisioning
    folder: only vobs writes there, by path) puts a narrative that adopts a Grafana folder
    (`folder_uid:`) where its `folder:` path says, as it would any other narrative's."""
    if target.adopts_folders:
        return list(rendered)
    return [replace(r, folder_uid="") if r.folder_uid else r for r in rendered]


def check_folders(rendered: Sequence[RenderedDashboard], target: Destination) -> None:
    """Before any request, for every dashboard of the project (not only those chosen: publishing one
    narrative alone must not change the folder another adopts): `folders.check_adoptions`, as
    `target` places them (`adopted`); and two folder paths that would share a uid (`check_unique`),
    which `vobs diff` planned as if publish would take them (trial 16)."""
    placed = adopted(rendered, target)
    check_unique(r.folder for r in placed if not r.folder_uid)
    check_adoptions((r.narrative, r.folder, r.folder_uid) for r in placed)


def plan_publish(rendered: Sequence[RenderedDashboard], target: Destination, force: bool = False,
                 workers: int = 8, on_fetched: Callable[[str], None] | None = None,
                 project_id: str | None = None, hits: Sequence[dict[str, Any]] | None = None) -> PublishPlan:
    """With nested folders each narrative path is a chain of folders; without (Grafana 9.5/10.x)
    one root folder per path (see `folders`). Either way a dashboard's folder uid is the same. A
    narrative that adopts a folder (`folder_uid:`) publishes into it: none of its folders is made.
    `project_id` (vobs.yaml's `project:`): a live dashboard tagged as another project's is skipped; a
    folder another project's, or changed in Grafana since vobs wrote it, refuses the plan (`folder_plan`).
    `hits`: the search of every dashboard, when the caller made it (for orphans too)."""
    homes = sorted({(r.folder, r.folder_uid) for r in rendered})
    check_unique(path for path, adopted in homes if not adopted)  # before any request: a project error
    existing = target.folders()
    hits = target.search() if hits is None else hits
    owned = folder_plan(homes, target, existing, hits, project_id, force)
    refused = [InputError(message) for message in owned.refusals(project_id)]
    if not refused:
        seen = survey(rendered, target, workers, history=True, hits=hits, on_fetched=on_fetched)
        actions = [decide(one, force, project_id) for one in seen]
        # none for a narrative nothing is written of
        folders, notes = owned.made(a.folder_uid for a in actions if a.kind in WRITES)
        refused = reserved_refusals(actions, existing, folders, hits, rendered, target)
    if refused:  # before any write: a refusal mid-run would leave it half-applied
        raise InputError.together([InputError(f"{e.message}; nothing was published", e.file) for e in refused])
    return PublishPlan(folders, actions, owned.updates, owned.said, notes, owned.to_record(folders), owned.adopted(),
                       owned.ledger, existing)


def reserved_refusals(actions: Sequence[Action], existing: dict[str, Folder], folders: Sequence[Folder],
                      hits: Sequence[dict[str, Any]], rendered: Sequence[RenderedDashboard],
                      target: Destination) -> list[InputError]:
    """What Grafana before 11.3 would refuse of this plan for its titles (`reserved`): the folders
    to make (`folders`, of which those not `existing`) and the dashboards to save — none for a
    Grafana that has no such rule. Publish stops on them before any write; diff says them."""
    if not folders and not any(a.kind in WRITES for a in actions) or not target.folder_titles_reserved:
        return []  # nothing to write: nothing asked of the target (its version) either
    new = [f for f in folders if f.uid not in existing]
    root = {str(h.get("uid")): str(h.get("title", "")) for h in hits
            if not h.get("folderUid") and h.get("type", "dash-db") == "dash-db"}
    # not a dashboard already there of its title in its folder: Grafana's lookup takes ONE row of the
    # slug, and when that is the dashboard itself (the older row) it saves it
    saved = {a.uid: (str(a.model.get("title", "")), a.folder_uid) for a in actions if a.kind in WRITES and not (
        a.live is not None and a.live.folder_uid == a.folder_uid and a.live.model.get("title") == a.model.get("title"))}
    sources = {r.uid: r.source for r in rendered}
    return ([InputError(message) for message in folder_refusals(new, existing, target.nested_folders, root,
                                                                 target.description)]
            + [InputError(message, sources.get(uid)) for uid, message in
               title_refusals(saved, {**existing, **{f.uid: f for f in folders}}, target.description,
                              target.folder_titles_beside, target.nested_folders)])


def other_owner(model: dict[str, Any], project_id: str | None) -> str | None:
    """The project whose `vertice-obs:<id>` tag the live `model` carries when it is not `project_id`'s
    (the first, sorted, when there are several), or None: this project's, or no project's."""
    tags = model.get("tags")
    owners = sorted({t[len(OWNER_PREFIX):] for t in tags if isinstance(t, str) and t.startswith(OWNER_PREFIX)}
                    if isinstance(tags, list) else ())
    return owners[0] if owners and project_id not in owners else None


def advice(statuses: Iterable[str], dry_run: bool = False, code: Callable[[str], str] = str,
           remedies: Iterable[str] = ()) -> list[str]:
    """What to do about the dashboards and playlists a publish left unpublished (`statuses`: theirs),
    only for the statuses present — running it again finishes a failed write, never takes a skipped
    one — in the words of its text line and its Markdown summary (`code`: how a command is set).
    A failure running again cannot finish (a folder title Grafana keeps for another) is not in
    `statuses`: its `Result.remedy` is in `remedies`, each said once, instead of "again"."""
    statuses, remedies = set(statuses), list(dict.fromkeys(r for r in remedies if r))
    then = [f"run {code('vobs publish')} again to finish"] if not dry_run and statuses - set(SKIPPED) else []
    then[:0] = [f"{code('vobs diff')} shows whether those of unknown outcome were saved"] if UNKNOWN in statuses else []
    then += remedies
    if DRIFT in statuses:
        then.append(f"review the drifted ones, then {code('--force')} to overwrite them" if dry_run
                    else f"drifted ones need a review and {code('--force')}")
    if OWNED in statuses:
        then.append(f"another project's ({OWNED}) need another uid, or {code('--force')} to take them over")
    if PROVISIONED in statuses:
        then.append("provisioned ones are Grafana's from a file, which no API save may change: change that file, or "
                    "remove them from provisioning, or give the code's another uid")
    return then


TAKE_OVER = "give this one another uid, or --force to take it over"  # for another project's: publish's, diff's


def owned_by(owner: str) -> str:
    """Whose dashboard a live one is when another project's (`other_owner`), in publish's and diff's words."""
    return f"project {owner!r}'s dashboard (tagged {OWNER_PREFIX}{owner})"


def decide(seen: Seen, force: bool, project_id: str | None = None) -> Action:
    r, live, folder = seen.rendered, seen.live, seen.folder_uid
    if seen.unchanged and seen.adopt and live is not None:
        return Action(r.uid, ADOPT, r.model, folder, live, adopting(live), seen.digest)
    if seen.unchanged:
        return Action(r.uid, UNCHANGED, r.model, folder, live, digest=seen.digest)
    if live is None:
        return Action(r.uid, CREATE, r.model, folder, None, "new", seen.digest)
    if live.provisioned is not None:  # Grafana would refuse the save (400), --force or not: never sent
        return Action(r.uid, PROVISIONED, r.model, folder, live, live.provisioning, seen.digest)
    owner = other_owner(live.model, project_id)
    if owner is not None and not force:  # another project's on this Grafana: never overwritten unasked
        return Action(r.uid, OWNED, r.model, folder, live, f"{owned_by(owner)}: {TAKE_OVER}", seen.digest)
    same_content = normalize(live.model) == normalize(r.model)
    if live.drifted and not force:
        return Action(r.uid, DRIFT, r.model, folder, live,
                      f"{live.drift} (version {live.version}): vobs pull --uid {r.uid} to review, --force to overwrite",
                      seen.digest)
    reason = "content changed" if not same_content else "moved to its narrative's folder"
    reason += " (overwriting a drifted edit)" if live.drifted else ""
    reason += f" (taking it over from project {owner!r})" if owner is not None else ""
    return Action(r.uid, UPDATE, r.model, folder, live, reason, seen.digest)


def adopting(live: LiveDashboard) -> str:
    """What publish does to a dashboard already the code's but not recorded as vobs' (`Seen.adopt`),
    in the words of its plan, its result and `vobs diff`."""
    version = f" (version {live.version})" if live.version is not None else ""
    return (f"the same as in Grafana, last saved outside vobs{version}: saved once with vobs' record, so later "
            "changes in code publish without --force")


def execute(plan: PublishPlan, target: Destination, commit: str, backup_dir: Path, workers: int = 8,
            on_done: Callable[[Result], None] | None = None,
            on_folder: Callable[[Folder], None] | None = None,
            on_folder_failed: Callable[[Folder, DestinationError], None] | None = None,
            on_folder_unrecorded: Callable[[Folder, DestinationError], None] | None = None) -> list[Result]:
    """`on_folder`: told of each folder created, updated or adopted (`plan.adopted`: only recorded);
    `on_folder_failed`: of each folder whose create, rename or move failed — said even when no
    dashboard of this run goes into it (a rename of a parent whose children are unchanged);
    `on_folder_unrecorded`: of each in Grafana whose record as this project's failed (`folder_writes`).
    A folder is recorded as this project's (`plan.records`) just before it is updated, just after it
    is made — the two one step Ctrl-C never cuts. After an error that `stops`, no write is sent (those in flight finish): every dashboard
    still to write is `failed` with `NOT_SENT` and `stop` set. Ctrl-C while the dashboards are
    written: the same, then `Interrupted` with the results finished (`done`) — each save is one
    whole write, and the next publish finishes the rest."""
    results: dict[str, Result] = {}
    target.recover()  # what an interrupted publish left half-written is finished first
    failed_folders, stop = write_folders(plan, target, commit, on_folder, on_folder_failed, on_folder_unrecorded)
    stopped: list[DestinationError] = [stop] if stop is not None else []  # the first error that `stops`, once met
    now = datetime.now(timezone.utc)
    folder: Path | OSError | None = None  # this run's backup folder, or why it could not be made
    if not stopped and any(a.kind in (UPDATE, ADOPT) and a.live is not None for a in plan.actions):
        try:
            folder = backup_folder(backup_dir, target, commit, now)
        except OSError as exc:
            folder = exc

    def run(action: Action) -> Result:
        if action.kind in (UNCHANGED, *SKIPPED):
            return Result(action.uid, DONE[action.kind], action.reason)
        if stopped:
            return Result(action.uid, "failed", NOT_SENT, stop=stopped[0])
        if action.folder_uid in failed_folders:  # not sent; a folder whose write went unanswered is `unsure`
            home, why = failed_folders[action.folder_uid]
            said = unsure_home(home, why) if why.unknown else f"its folder could not be created: {why}"
            return Result(action.uid, "failed", said, remedy=why.remedy, unsure=home if why.unknown else None)
        backup = None
        if action.live is not None:
            if not isinstance(folder, Path):  # the run's backup folder could not be made: nothing replaced
                return Result(action.uid, "failed", f"could not write the backup: {_reason(folder)}")
            try:  # lose nothing: the JSON we are about to replace is saved first, never over another backup
                backup = write_new(folder / f"{action.uid}.json", to_json_text(action.live.model))
            except OSError as exc:
                return Result(action.uid, "failed", f"could not write the backup: {_reason(exc)}")
        try:
            version = target.save(action.model, action.folder_uid, publish_message(commit, action.model, action.digest),
                                  action.live.version if action.live else None)
            return Result(action.uid, DONE[action.kind], action.reason, version, backup=backup)
        except DestinationError as exc:
            if stops(exc):
                stopped.append(exc)
                return Result(action.uid, "failed", str(exc), stop=exc, backup=backup)
            return Result(action.uid, UNKNOWN if exc.unknown else "failed", str(exc), backup=backup, remedy=exc.remedy)
        except OSError as exc:  # a destination that let one through: this dashboard failed, not the run
            return Result(action.uid, "failed", f"could not write it: {exc.strerror}", backup=backup)

    finished: list[Result] = []  # as they finish: what an interrupted publish did

    def run_and_report(action: Action) -> Result:
        result = run(action)
        finished.append(result)
        if on_done:
            on_done(result)
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        for result in pool.map(run_and_report, plan.actions):
            results[result.uid] = result
    except KeyboardInterrupt:  # Ctrl-C: no write is started after it; those in flight finish, whole
        pool.shutdown(wait=True, cancel_futures=True)
        raise Interrupted(done=finished) from None
    finally:
        pool.shutdown(wait=True)
    return [results[a.uid] for a in plan.actions]


GITIGNORE = "# Written by vobs when it made this folder: live dashboards' backups stay out of git.\n*\n"


def _reason(exc: OSError | None) -> str:
    return (exc.strerror or str(exc)) if exc is not None else "no backup folder"


BACKUP_RECORD = "backup.source.json"  # beside the `<uid>.json`s: a uid holds no dot, so it is no dashboard's


def backup_slug(source: str) -> str:
    """A destination's `source` (a redacted URL: `https://grafana.example.com/grafana`) as a part of a
    folder name: `grafana.example.com-grafana` — scheme dropped, any run of other characters than
    letters, digits and dots one `-`, at most 60 characters; `destination` when nothing is left."""
    text = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", source)
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")[:60].strip("-.") or "destination"


def backup_folder(backup_dir: Path, target: Destination, commit: str, now: datetime) -> Path:
    """This run's own folder under `backup_dir`, `<UTC time>-<slug of the destination>`, `….1`, `….2`
    when taken: claimed by `mkdir`, which one caller wins even among processes, so no two runs (the
    same second, the same Grafana or two) write into one. `BACKUP_RECORD` in it says where its
    dashboards came from (`target.source`, redacted: no credential, no query string), when, and the
    commit that replaced them."""
    make_backup_dir(backup_dir)
    base = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{backup_slug(target.source)}"
    for n in itertools.count():
        folder = backup_dir / (f"{base}.{n}" if n else base)
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        record = {"source": target.source, "destination": target.description, "commit": commit,
                  "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        write_new(folder / BACKUP_RECORD, to_json_text(record))
        return folder
    raise AssertionError("unreachable")  # itertools.count() never ends


def make_backup_dir(backup_dir: Path) -> None:
    """Make `backup_dir`. A `.vobs/` folder it makes on the way gets a `.gitignore` of `*` (as pytest
    does for its cache), so `git add -A` never commits a live dashboard's backup; a `.vobs/` that
    was there is left as it is. A folder that cannot be made is said per dashboard, by its backup."""
    try:
        home = next((f for f in reversed((backup_dir, *backup_dir.parents)) if f.name == ".vobs"), None)
        if home is not None and not home.exists():
            home.mkdir(parents=True)  # FileExistsError when another made it meanwhile: not ours
            with open(home / ".gitignore", "x", encoding="utf-8") as ignore:
                ignore.write(GITIGNORE)
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def select(rendered: Iterable[RenderedDashboard], narratives: Sequence[str], uids: Sequence[str]
           ) -> list[RenderedDashboard]:
    """Filter by narrative id and/or uid (no filter: everything)."""
    return [r for r in rendered if (not narratives or r.narrative in narratives) and (not uids or r.uid in uids)]
