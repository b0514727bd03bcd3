"""Publish's folder writes: each folder of the plan made, renamed or moved, and recorded as this
project's (`folder_owners.FolderRecords`), parents first, one at a time — each as one whole step that
Ctrl-C or SIGTERM never cuts in two (`held_interrupts`): a folder made is recorded, or its record's
failure said, before the interrupt is. A folder in Grafana whose record failed is said (`on_unrecorded`),
never lost: the next publish adopts it. `execute` (`publish`) runs this before the dashboards."""

from __future__ import annotations

from typing import Any, Callable

from vertice_obs.errors import held_interrupts
from vertice_obs.grafana.answers import OUTCOME_UNKNOWN, DestinationError, stops
from vertice_obs.grafana.folders import Folder
from vertice_obs.guard.text import escape

UNSURE_HOME = "not sent: the write of folder {!r}, which it goes in, was never answered: it may exist or not"

Failed = dict[str, tuple[Folder, DestinationError]]  # folder uid → the folder whose write failed, and why


class UnsureRecord(DestinationError):
    """An update not sent because its record, written first, was never answered (`_intent`): the folder is as it
    was — failed, not of unknown outcome — but the record may be in Grafana (publish's JSON: `record_unknown`)."""


def is_unsure_record(error: BaseException) -> bool:
    """Whether a folder's failed write is one not sent because its record went unanswered (`UnsureRecord`): the
    folder is as it was, but its record may be in Grafana — the one test publish's text, JSON and exit code use."""
    return isinstance(error, UnsureRecord)


def write_folders(plan: Any, target: Any, commit: str, on_folder: Callable[[Folder], None] | None = None,
                  on_failed: Callable[[Folder, DestinationError], None] | None = None,
                  on_unrecorded: Callable[[Folder, DestinationError], None] | None = None
                  ) -> tuple[Failed, DestinationError | None]:
    """`plan.folders` written and `plan.records` recorded (a `publish.PublishPlan`), parents first: the
    folders whose write failed (a child of one is not sent, and fails with it), and the error that `stops`
    the publish when one did (nothing more is sent). `on_folder`: each created, updated or adopted;
    `on_failed`: each whose create, rename or move failed; `on_unrecorded`: each in Grafana (made now, or
    adopted) whose record then failed — a folder made is told to `on_folder` first: Grafana has it."""
    failed: Failed = {}
    recorded, written = {f.uid for f in plan.records}, {f.uid for f in plan.folders}
    for folder in [*plan.folders, *(f for f in plan.records if f.uid not in written)]:
        if folder.parent_uid in failed and folder.uid in written:  # children need their parent
            failed[folder.uid] = failed[folder.parent_uid]
            continue
        with held_interrupts(f"finishing folder '{escape(folder.title, one_line=True)}' and its record"):  # both, or neither
            stop = _write(plan, target, commit, folder, folder.uid in recorded, folder.uid in written, failed,
                          on_folder, on_failed, on_unrecorded)
        if stop is not None:
            return failed, stop
    return failed, None


def _write(plan: Any, target: Any, commit: str, folder: Folder, recorded: bool, written: bool, failed: Failed,
           on_folder, on_failed, on_unrecorded) -> DestinationError | None:
    there, made = not written, False  # an adopted one is there: only its record is written
    try:
        if recorded and folder.uid in plan.updates:
            _intent(plan, folder, commit)
        if folder.uid in plan.updates:
            target.update_folder(folder, plan.updates[folder.uid])
        elif not there:
            target.create_folder(folder)
            made = True
        there = True
        if recorded and folder.uid not in plan.updates:  # once it exists
            plan.ledger.record(folder, commit)
    except DestinationError as exc:
        if not there:
            failed[folder.uid] = folder, exc
            if on_failed:
                on_failed(folder, exc)
        else:  # there all the same (adopted, or just made): only its record is lacking — said, never lost
            if made and on_folder:
                on_folder(folder)
            if on_unrecorded:
                on_unrecorded(folder, exc)
        return exc if stops(exc) else None
    if on_folder:
        on_folder(folder)
    return None


def _intent(plan: Any, folder: Folder, commit: str) -> None:
    """`folder`'s record as this project's, before its update (one that then fails leaves the state an
    older record holds: no drift). A record never answered is no folder of unknown outcome: the update
    was not sent (`UnsureRecord`: its record may have landed)."""
    try:
        plan.ledger.record(folder, commit, plan.updates[folder.uid])
    except DestinationError as exc:
        if not exc.unknown:
            raise
        raise UnsureRecord(f"{exc} — so it was not renamed or moved (vobs records it first)", exc.status) from None


def unsure_home(home: Folder, why: DestinationError) -> str:
    """A dashboard's detail when its folder's write went unanswered: it was not sent — so not the folder's
    "Grafana may have saved it" (`OUTCOME_UNKNOWN`), which is the folder's, not the dashboard's."""
    return f"{UNSURE_HOME.format(home.title)}: {str(why).removesuffix(f' — {OUTCOME_UNKNOWN}')}"
