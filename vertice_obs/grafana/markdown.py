"""Markdown for GitHub: `vobs diff` as a pull-request comment, `vobs publish` as a step summary. Pure.

The comment is what a reviewer reads before approving: a heading with the counts, a table of the
dashboards that change (dashboard, folder, kind, number of changes), one `<details>` block per
changed dashboard with the per-panel lines `vobs diff` prints, and the unchanged dashboards folded
away at the end. GitHub refuses a comment over 65,536 characters, so the comment is fitted to a
budget: the unchanged table goes first, then later `<details>` blocks, then later rows, and a note
says how many dashboards were left out and that `vobs diff` shows them all. Sizes are counted in
UTF-8 bytes, never fewer than GitHub's characters. Every untrusted string goes through
`guard.markdown.md`, the one escape (`md_html` in a `<summary>`, where Markdown is not read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from vertice_obs.grafana.diff import (
    ADDED,
    ADOPTED,
    CHANGED,
    ORPHANED,
    OWNED,
    REMOVED,
    UNCHANGED,
    DashboardDiff,
)
from vertice_obs.grafana.folders import Folder
from vertice_obs.grafana.publish import advice
from vertice_obs.grafana.survey import unrecorded_note
from vertice_obs.guard.markdown import md, md_code, md_html

COMMENT_LIMIT = 65_536  # GitHub: the largest issue or pull-request comment body
SUMMARY_LIMIT = 1_048_576  # GitHub: the largest $GITHUB_STEP_SUMMARY of one step (1 MiB)
DIFF_MARKER = "<!-- vobs diff -->"  # lets a workflow find and replace its earlier comment
PUBLISH_MARKER = "<!-- vobs publish -->"
MAX_CHANGES = 100  # per <details> block: one rewritten dashboard must not crowd out the others
_NOTE_RESERVE = 400  # bytes kept free for the truncation note

NEW, DRIFTED, ORPHAN, PROVISIONED = "new", "drifted", "orphan", "provisioned"
_KIND_ORDER = (DRIFTED, OWNED, PROVISIONED, CHANGED, NEW, ORPHAN, "removed", ADOPTED, UNCHANGED)


@dataclass(frozen=True)
class DiffEntry:
    """One dashboard of the comment: its diff, the folder it lives (or will live) in, and whether
    Grafana holds an edit made outside vobs — publish would skip it without `--force`."""

    diff: DashboardDiff
    folder: str = ""
    drifted: bool = False

    @property
    def kind(self) -> str:
        status = self.diff.status
        if status == CHANGED:
            return DRIFTED if self.drifted else CHANGED
        if self.diff.provisioned:
            return PROVISIONED
        return {ADDED: NEW, ORPHANED: ORPHAN, REMOVED: "removed"}.get(status, status)


@dataclass(frozen=True)
class PublishEntry:
    """One dashboard of the publish summary: what happened to it, and where it now lives."""

    uid: str
    title: str
    folder: str
    status: str  # created | updated | adopted | unchanged | skipped-drift | skipped-owned | failed | unknown, or a
    # dry run's action
    detail: str = ""
    remedy: str = ""  # a failure running again cannot finish: what can (`Result.remedy`)


TITLE_LIMIT, CHANGE_LIMIT = 150, 500  # a title, a change line: cut there (`guard.text.bounded`), in text diffs too


def size(text: str) -> int:
    """What a limit is checked against: UTF-8 bytes, never fewer than characters (or UTF-16 units)."""
    return len(text.encode("utf-8"))


# --- vobs diff ------------------------------------------------------------------------------------


def diff_comment(entries: Sequence[DiffEntry], against: str, limit: int = COMMENT_LIMIT,
                 max_changes: int = MAX_CHANGES) -> str:
    """The pull-request comment for a `vobs diff`, at most `limit` bytes."""
    ordered = sorted(entries, key=lambda e: _KIND_ORDER.index(e.kind) if e.kind in _KIND_ORDER else 0)
    moving = [e for e in ordered if e.kind != UNCHANGED]
    unchanged = [e for e in ordered if e.kind == UNCHANGED]
    counts = _counts([e.kind for e in ordered], _KIND_ORDER)
    head = [DIFF_MARKER, f"### vobs diff: {counts or 'no dashboards'}", "",
            f"Against {md(against, 200)}. "
            + ("Publishing would change nothing." if not moving else "Publishing would apply what follows"
               + "".join(advice for kind, advice in _SKIPPED_ADVICE.items() if any(e.kind == kind for e in moving))
               + "."), ""]
    rows = [_diff_row(e) for e in moving]
    details = [_details(e, max_changes) for e in moving if e.kind in (CHANGED, DRIFTED, OWNED, PROVISIONED)]
    quiet = [_diff_row(e) for e in unchanged]
    budget = limit - size("\n".join(head)) - _NOTE_RESERVE
    rows_kept, budget = _fit(rows, budget, size(_DIFF_HEADER) + 1)
    details_kept, budget = _fit(details, budget) if rows_kept == len(rows) else (0, budget)
    quiet_kept, budget = _fit(quiet, budget, size(_quiet_open(len(quiet))) + size(_DIFF_HEADER) + 20) \
        if details_kept == len(details) else (0, budget)

    out = list(head)
    if rows_kept:
        out += [_DIFF_HEADER, *rows[:rows_kept], ""]
    out += details[:details_kept]
    if quiet_kept:
        out += [_quiet_open(len(quiet)), "", _DIFF_HEADER, *quiet[:quiet_kept], "", "</details>", ""]
    left = _left_out(rows_kept, len(rows), details_kept, len(details), quiet_kept, len(quiet))
    if left:
        out += [left, ""]
    return "\n".join(out)


_DIFF_HEADER = "| Dashboard | Folder | Change | Changes |\n|---|---|---|--:|"
# what publish does not apply without --force, said after "Publishing would apply what follows" when there are some
_SKIPPED_ADVICE = {DRIFTED: "; drifted dashboards need a review and `--force`",
                   OWNED: "; another project's (owned) need another uid, or `--force` to take them over",
                   PROVISIONED: "; provisioned ones are Grafana's from a file, which publish never saves: change that "
                                "file, or remove them from provisioning"}


def _diff_row(e: DiffEntry) -> str:
    d = e.diff
    changes = str(len(d.changes)) if e.kind in (CHANGED, DRIFTED, OWNED, PROVISIONED) else "—"
    return f"| {_dashboard(d.title, d.uid)} | {md(e.folder, 120)} | {_KIND_LABEL.get(e.kind, md(e.kind))} | {changes} |"


_KIND_LABEL = {DRIFTED: "⚠️ drifted", OWNED: "⚠️ owned", PROVISIONED: "⚠️ provisioned", CHANGED: "changed", NEW: "new", ORPHAN: "orphan", ADOPTED: "adopted",
               UNCHANGED: "unchanged"}


def _details(e: DiffEntry, max_changes: int) -> str:
    d = e.diff
    shown = d.changes[:max_changes]
    lines = [f"<details><summary>{_dashboard(d.title, d.uid, summary=True)}: "
             f"{_KIND_LABEL[e.kind]}, {_plural(len(d.changes), 'change')}</summary>", ""]
    if e.kind == DRIFTED:
        lines += ["Edited in Grafana since vobs last published it (or never published by vobs): `vobs publish` "
                  f"skips it without `--force`; {md_code(d.uid, 60, prefix='vobs pull --uid ')} brings the edit "
                  "back for review.", ""]
    lines += [f"- {md(change, CHANGE_LIMIT)}" for change in shown]
    if len(d.changes) > len(shown):
        lines.append(f"- … and {len(d.changes) - len(shown)} more: {md_code(d.uid, 60, prefix='vobs diff --uid ')} "
                     "lists them all")
    return "\n".join([*lines, "", "</details>", ""])


def _quiet_open(n: int) -> str:
    return f"<details><summary>{_plural(n, 'unchanged dashboard')}</summary>"


def _left_out(rows_kept: int, rows: int, details_kept: int, details: int, quiet_kept: int, quiet: int) -> str:
    parts = []
    if rows_kept < rows:
        parts.append(f"{_plural(rows - rows_kept, 'changed dashboard')} left out of the table")
    if details_kept < details:
        parts.append(f"the changes of {_plural(details - details_kept, 'dashboard')} left out")
    if quiet_kept < quiet:
        parts.append(f"{_plural(quiet - quiet_kept, 'unchanged dashboard')} not listed")
    if not parts:
        return ""
    return (f"> [!NOTE]\n> Cut to fit GitHub's {COMMENT_LIMIT:,}-character comment limit: {'; '.join(parts)}. "
            "Run `vobs diff` locally to see every change.")


# --- vobs publish ---------------------------------------------------------------------------------

_RESULT_ORDER = ("failed", "unknown", "skipped-drift", "skipped-owned", "skipped-provisioned", "created", "updated", "adopted", "create", "update",
                 "adopt", "unchanged")


_SKIPS = ("skipped-drift", "skipped-owned", "skipped-provisioned")  # `publish.SKIPPED`: not published, by plan


def publish_summary(entries: Sequence[PublishEntry], against: str, base_url: str | None = None,
                    dry_run: bool = False, commit: str = "", limit: int = SUMMARY_LIMIT, stopped: bool = False,
                    folders: Sequence[Folder] = (), backups: tuple[str, int] = ("", 0),
                    orphans: Sequence[tuple[str, str, str]] = (), unsure_folders: Sequence[Folder] = (),
                    adopted: Sequence[Folder] = (), broken: Sequence[tuple[Folder, str, str]] = (),
                    paragraphs: Sequence[str] = ()) -> str:
    """The step summary of a `vobs publish` (or its dry run), at most `limit` bytes. `base_url`:
    the Grafana's address without credentials, for links to each dashboard (none for a
    provisioning folder). `stopped`: the publish stopped at an error every write would meet (a
    token that cannot write) — running it again does not help, so it is not advised. `folders`:
    those it created (or would create), parents first; `backups`: where the live JSON it replaced
    was saved, on the machine that ran it, and of how many dashboards. `orphans`: (uid, title, folder
    path) of this project's dashboards the destination holds and the code no longer defines. `unsure_folders`:
    those whose write went unanswered — they may exist — and whose dashboards were not sent. `adopted`:
    the folders it recorded (or would record) as this project's for the first time (`folder_owners`). `broken`:
    (folder, why, remedy) of each folder whose create, rename or move failed (remedy: what finishes
    it when running again cannot, else ""). `paragraphs`: more to say before the table (orphaned
    folders: `folder_orphans.markdown`), each as it is ("" left out)."""
    ordered = sorted(entries, key=lambda e: _RESULT_ORDER.index(e.status) if e.status in _RESULT_ORDER else 0)
    statuses = [e.status for e in ordered]
    if dry_run:
        counts = _counts(statuses, ("create", "update", "adopt", "unchanged", *_SKIPS))
        title = f"### vobs publish --dry-run: {counts or 'nothing to publish'}"
    else:
        fixed = {s: statuses.count(s) for s in ("created", "updated", "unchanged", "failed")}
        counts = ", ".join(f"{n} {s}" for s, n in fixed.items())
        for extra in ("unknown", "adopted", *_SKIPS):  # said only when there are any
            if extra in statuses:
                counts += f", {statuses.count(extra)} {extra}"
        title = f"### vobs publish: {counts}"
    at_commit = f" at commit {md_code(commit, 40)}" if commit not in ("", "unknown") and not dry_run else ""
    where = f"{'Planned against' if dry_run else 'To'} {md(against, 200)}{at_commit}."
    head = [PUBLISH_MARKER, title, "", where, ""]
    unsure = sum(e.status == "unknown" for e in ordered)  # a write never answered: Grafana may have applied it
    if unsure and not dry_run:
        head += [f"**{_plural(unsure, 'dashboard')} of unknown outcome.** The write was sent and never "
                 "answered: Grafana may have saved it; run `vobs diff` to see, then `vobs publish` again to finish.", ""]
    if unsure_folders and not dry_run:
        named = ", ".join(f"{md(f.title, 120)} {md_code(f.uid, 60)}" for f in unsure_folders[:50])
        more = f", and {len(unsure_folders) - 50} more" if len(unsure_folders) > 50 else ""
        head += [f"**{_plural(len(unsure_folders), 'folder')} of unknown outcome:** {named}{more}. The write was sent "
                 "and never answered: Grafana may have made it. The dashboards into it were not sent; run `vobs diff` "
                 "to see, then `vobs publish` again to finish.", ""]
    if broken and not dry_run:
        named = "; ".join(f"{md(f.title, 120)} {md_code(f.uid, 60)}: {md(why, 300)}" for f, why, _ in broken[:50])
        more = f"; and {len(broken) - 50} more" if len(broken) > 50 else ""
        remedies = list(dict.fromkeys(md(r, 300) for _, _, r in broken if r))
        then = " ".join(r[:1].upper() + r[1:] + "." for r in remedies) if remedies else "Then `vobs publish` again."
        head += [f"**{_plural(len(broken), 'folder')} not written:** {named}{more}. {then}", ""]
    not_published = [e for e in ordered if e.status in ("failed", *_SKIPS)]
    if not_published and not dry_run and stopped:
        head += [f"**{_plural(len(not_published), 'dashboard')} not published.** The publish stopped at an "
                 "error every write would meet (see the job's log): fix it, then publish again.", ""]
    elif not_published and not dry_run:  # the advice `vobs publish` prints, for the statuses present only
        then = "; ".join(advice((e.status for e in not_published if not e.remedy), code=lambda text: f"`{text}`",
                                remedies=[e.remedy for e in not_published]))
        head += [f"**{_plural(len(not_published), 'dashboard')} not published.** {then[:1].upper()}{then[1:]}.", ""]
    if folders:
        made = ", ".join(f"{md(f.title, 120)} {md_code(f.uid, 60)}" for f in folders[:50])
        more = f", and {len(folders) - 50} more" if len(folders) > 50 else ""
        head += [f"{'Folders to create' if dry_run else 'Folders created'}: {made}{more}.", ""]
    if adopted:
        named = ", ".join(f"{md(f.title, 120)} {md_code(f.uid, 60)}" for f in adopted[:50])
        more = f", and {len(adopted) - 50} more" if len(adopted) > 50 else ""
        head += [f"{'Folders to adopt' if dry_run else 'Folders adopted'} (recorded as this project's: no record said "
                 f"whose they were): {named}{more}.", ""]
    if backups[1]:
        head += [f"The live JSON of the {_plural(backups[1], 'dashboard')} it replaced is backed up in "
                 f"{md_code(backups[0], 300)} on the machine that ran it.", ""]
    if orphans:  # vobs deletes nothing: said where the reviewer reads, as the text table says it
        named = ", ".join(f"{_dashboard(title, uid)} in {md(folder, 120) if folder else 'the General folder'}"
                          for uid, title, folder in orphans[:50])
        more = f", and {len(orphans) - 50} more" if len(orphans) > 50 else ""
        head += [f"**Orphaned: {_plural(len(orphans), 'dashboard')} of this project left in Grafana and no longer "
                 f"in code** (vobs deletes nothing; delete each you no longer want): {named}{more}.", ""]
    head += [line for paragraph in paragraphs if paragraph for line in (paragraph, "")]
    rows = [_publish_row(e, base_url) for e in ordered]
    kept, _ = _fit(rows, limit - size("\n".join(head)) - _NOTE_RESERVE, size(_PUBLISH_HEADER) + 1)
    out = list(head)
    if kept:
        out += [_PUBLISH_HEADER, *rows[:kept], ""]
    if kept < len(rows):
        out += [f"> [!NOTE]\n> {_plural(len(rows) - kept, 'dashboard')} left out to fit GitHub's step summary "
                "limit; `vobs publish --format json` in the job's log lists every one.", ""]
    return "\n".join(out)


_PUBLISH_HEADER = "| Dashboard | Folder | Result | URL | Detail |\n|---|---|---|---|---|"
_LINKABLE = re.compile(r"https?://[A-Za-z0-9.\-:\[\]]+(?:/[A-Za-z0-9._~\-/]*)?")  # what a link may carry
_UID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _publish_row(e: PublishEntry, base_url: str | None) -> str:
    return (f"| {_dashboard(e.title, e.uid)} | {md(e.folder, 120)} | {md(e.status, 40)} | "
            f"{_url(e.uid, base_url)} | {md(e.detail, 300)} |")


def _url(uid: str, base_url: str | None) -> str:
    """`/d/<uid>` (Grafana's short link, which it redirects to the dashboard), linked when the base
    is a plain http(s) address: nothing in a link target comes from outside unchecked."""
    if not _UID.fullmatch(uid):
        return "—"
    path = f"/d/{uid}"
    base = (base_url or "").rstrip("/")
    if base and _LINKABLE.fullmatch(base):
        return f"[{md(path, 60)}]({base}{path})"
    return md_code(path, 60) if base_url is not None else "—"


# --- shared ---------------------------------------------------------------------------------------


def unrecorded_paragraph(unrecorded: Sequence[dict[str, str]], where: str) -> str:
    """`survey.unrecorded_note` (diff's and publish's note on stderr) in the comment and the step summary, in its
    words and bounded listing: the dashboards tagged as this project's that vobs never saved, each by title and uid
    through the one escape; no delete advice. A `> [!NOTE]` block; "" when there are none."""
    if not unrecorded:
        return ""
    titles = {u["uid"]: u["title"] for u in unrecorded}
    return f"> [!NOTE]\n> {unrecorded_note(unrecorded, md(where, 200), lambda uid: _dashboard(titles[uid], uid))}"


def _dashboard(title: str, uid: str, summary: bool = False) -> str:
    """Title and uid: in a table cell (Markdown), or, with `summary`, bold in a `<summary>`, the raw
    HTML block where Markdown is not read (`md_html`)."""
    text = md_html if summary else md
    name = text(title, TITLE_LIMIT) or "(untitled)"
    return f"{'<b>' + name + '</b>' if summary else name} {md_code(uid, 60, in_html=summary)}"


def _fit(pieces: Sequence[str], budget: int, overhead: int = 0) -> tuple[int, int]:
    """How many of `pieces`, in order, fit in `budget` bytes (each joined by a newline, plus
    `overhead` once when any is kept), and the budget left."""
    if not pieces or budget < overhead:
        return 0, budget
    left, kept = budget - overhead, 0
    for piece in pieces:
        need = size(piece) + 1
        if need > left:
            break
        left -= need
        kept += 1
    return (kept, left) if kept else (0, budget)


def _counts(kinds: Sequence[str], order: Sequence[str]) -> str:
    return ", ".join(f"{kinds.count(k)} {k}" for k in order if k in kinds)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
