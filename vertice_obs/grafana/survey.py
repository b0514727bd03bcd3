"""What the target holds for each rendered dashboard, with the fewest reads: shared by publish and diff.

One search lists every dashboard with its folder (page by page), so a new dashboard costs no
request at all. For one that exists, its newest version is read first — number and message, a
few hundred bytes: when that message is vobs' own and carries the content hash of the code's
dashboard, and the search puts it in the narrative's folder, it is **unchanged** and nothing
more is read. This is exact, not a guess: every save in Grafana (a UI edit, an API save by
another tool, a restore) adds a newer version with its own message, so a hand edit after our
publish always fails the check and the full model is read, compared and — for publish — judged
for drift as before. Only what is not decided that way is read whole (`get`); its version history
is read only when publish needs it, i.e. when the content or folder differs and the newest
version already read does not say who saved it.

Requests per dashboard against a Grafana: new 0 · unchanged 1 (small) · changed since our own
publish 2 · edited in Grafana 3 (the history names our last publish: drift, for publish and diff).
A provisioning folder cannot tell a hand-edited file from its state alone: it is always read.

**Adopt**: the code's content in the code's folder, but no record of vobs' says so — the newest
version was saved outside vobs (a UI edit the code has since taken in, a restore, a dashboard made
by hand as the code makes it), or the provisioning state records another hash. Nothing differs, yet
the next code change would read as drift, so publish saves it once with vobs' message (`adopt`);
the read costs what a changed dashboard's does (2), and an unchanged dashboard still costs 1.

From Grafana 12, when at least `LIST_WORTH` of the code's dashboards exist and they are at least
half of what the search lists, one list of every dashboard whole (`Destination.listed`, pages of
~2 MiB) replaces those small reads: a dashboard whose listed content and folder are the code's
is **unchanged**, as it is when its full read shows the same (`same_place`), so an unchanged
publish costs a few requests in all. Every other dashboard takes the reads above, as before:
the list only ever says "unchanged", never what to write or whether it drifted. The list carries no
version message, so only a dashboard listed exactly as vobs sent it is taken as unchanged from the
list alone (Grafana stores a save as it was sent; a UI save rewrites the JSON); one the same only by
content has its newest version read, as before 12, to know whether it needs adopting.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Collection, Mapping, Sequence

from vertice_obs.build.render import OURS, UNOWNED, RenderedDashboard, ownership
from vertice_obs.grafana.folders import Folder, home_uid, path_of
from vertice_obs.grafana.live import Destination, LiveDashboard, recorded_hash
from vertice_obs.grafana.normalize import content_hash, normalize
from vertice_obs.grafana.resources import Listed
from vertice_obs.guard.paths import UID_RE

LIST_WORTH = 16  # fewer existing dashboards: their small reads go out in one concurrent wave anyway


@dataclass(frozen=True)
class Seen:
    rendered: RenderedDashboard
    digest: str  # content_hash of the code's model when the survey needed it ("": computed when it is written)
    folder_uid: str
    unchanged: bool  # the same content in the same folder: nothing to write (unless `adopt`)
    live: LiveDashboard | None  # read when `unchanged` could not be decided from the newest version
    adopt: bool = False  # unchanged, but not recorded as vobs': publish saves it once with its message


def survey(rendered: Sequence[RenderedDashboard], target: Destination, workers: int = 8, history: bool = True,
           hits: Sequence[dict[str, Any]] | None = None,
           on_fetched: Callable[[str], None] | None = None) -> list[Seen]:
    """One `Seen` per rendered dashboard, in order. `hits`: the search of every dashboard, when the
    caller has it already (diff uses it for orphans too)."""
    found = {str(h["uid"]): h for h in (target.search() if hits is None else hits)}
    existing = sum(r.uid in found for r in rendered)
    whole = (target.listed() if existing >= LIST_WORTH and 2 * existing >= len(found) else None) or {}

    def look(r: RenderedDashboard) -> Seen:
        seen = _look(r, found.get(r.uid), target, history, whole.get(r.uid))
        if on_fetched:
            on_fetched(r.uid)
        return seen

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(look, rendered))


def same_place(r: RenderedDashboard, live: LiveDashboard) -> bool:
    return normalize(live.model) == normalize(r.model) and live.folder_uid == home_uid(r.folder, r.folder_uid)


def _look(r: RenderedDashboard, hit: dict[str, Any] | None, target: Destination, history: bool,
          listed: Listed | None) -> Seen:
    folder = home_uid(r.folder, r.folder_uid)
    if hit is None:  # new: its hash is computed when it is written, among the concurrent saves
        return Seen(r, "", folder, False, None)
    in_place = listed is not None and listed.folder_uid == folder
    if in_place and listed.holds(r.model):
        return Seen(r, "", folder, True, None)  # no hash: an unchanged dashboard writes no message
    digest = content_hash(r.model)  # the same by content only: someone else saved it, the newest version says who
    newest = target.newest_version(r.uid) if str(hit.get("folderUid") or "") == folder else None
    if newest is not None and recorded_hash(newest.message) == digest:
        return Seen(r, digest, folder, True, None)
    live = target.get(r.uid, history=False)
    if live is None:  # deleted since the search
        return Seen(r, digest, folder, False, None)
    if same_place(r, live):  # recorded as ours (the provisioning state), or to adopt: the newest version was not
        # a provisioned one is not adopted: Grafana refuses the save, and nothing differs to write
        return Seen(r, digest, folder, True, live, adopt=live.provisioned is None and not (
            live.latest_is_ours and live.recorded_hash == digest))
    if history:
        if newest is not None and newest.version == live.version and recorded_hash(newest.message):
            # The newest version is ours: its message is the last publish's record, no history needed.
            live = replace(live, recorded_hash=recorded_hash(newest.message), latest_is_ours=True,
                           latest_message=newest.message)
        else:
            live = target.with_history(live)
    return Seen(r, digest, folder, False, live)


@dataclass(frozen=True)
class Orphan:
    """A dashboard of this project's in the destination that its code no longer defines."""

    uid: str
    title: str
    folder: str  # its folder's whole path, as a narrative writes it (`Samples/Story`); "" the General folder

    def to_dict(self) -> dict[str, str]:
        return {"uid": self.uid, "title": self.title, "folder": self.folder}


def orphans(hits: Sequence[dict[str, Any]], in_code: Collection[str], project_id: str | None,
            tree: Callable[[], Mapping[str, Folder]], where: str, among: Collection[str] | None = None,
            saved_by_vobs: Callable[[str], bool | None] | None = None
            ) -> tuple[list[Orphan], list[dict[str, str]], list[dict[str, str]]]:
    """From the search of every dashboard (`hits`): this project's (`build.render.ownership`) that
    no uid in code (`in_code`) is — only those `among` when given (`--since`: the uids it removed) —
    each with its folder's whole path (`tree`: the destination's folders, read only when there is
    an orphan); those only the managed tag marks (published before project ids: `unowned`); and
    those tagged as this project's that vobs is not known to have saved (`unrecorded`).

    A tag is no proof: Grafana's "Save as" copies the tags into the copy (a new uid, a new history
    that starts at version 1 with the copier's message), so another team's copy of one of ours is
    tagged as ours. `saved_by_vobs(uid)` (`recorded`: a version of it holds vobs' publish message, or
    the provisioning state records it) is the proof; None: gone since the search. A tagged dashboard
    without it is never called an orphan, never "delete it": it may be a copy — or one of ours whose
    history Grafana pruned; nothing tells them apart."""
    found: list[dict[str, Any]] = []
    unowned: list[dict[str, str]] = []
    for hit in hits:
        uid = str(hit.get("uid"))
        if uid in in_code or among is not None and uid not in among:
            continue
        whose = ownership(hit.get("tags"), project_id)
        if whose == OURS:
            found.append(hit)
        elif whose == UNOWNED:
            unowned.append({"uid": uid, "title": str(hit.get("title", ""))})
    unrecorded: list[dict[str, str]] = []
    if found and saved_by_vobs is not None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            proofs = list(pool.map(lambda h: saved_by_vobs(str(h.get("uid"))), found))
        unrecorded = [{"uid": str(h.get("uid")), "title": str(h.get("title", ""))}
                      for h, proof in zip(found, proofs) if proof is False]
        found = [h for h, proof in zip(found, proofs) if proof]
    folders = tree() if found else {}
    return [Orphan(str(h.get("uid")), str(h.get("title", "")),
                   path_of(str(h.get("folderUid") or ""), folders, where) or str(h.get("folderTitle") or ""))
            for h in found], unowned, unrecorded


def recorded(target: Destination) -> Callable[[str], bool | None]:
    """`orphans`' proof for `target`: did vobs save dashboard `uid` (some version of it carries vobs'
    publish message, `recorded_hash`; a provisioning folder's state records it)? None: gone. Two
    reads per dashboard found tagged as ours and not in code, none when there is none."""
    def saved(uid: str) -> bool | None:
        if not UID_RE.fullmatch(uid):  # no Grafana uid (a hostile search answer): vobs never saved it
            return False
        live = target.get(uid, history=True)
        return None if live is None else bool(live.recorded_hash)
    return saved


def unrecorded_note(unrecorded: Sequence[dict[str, str]], where: str, show: Callable[[str], str] = str) -> str:
    """The one line (after `vobs: note: `) on the dashboards `orphans` found tagged as this project's
    that vobs never saved, as diff and publish say it: no delete advice, for nothing proves them ours."""
    one = len(unrecorded) == 1
    named = ", ".join(show(u["uid"]) for u in unrecorded[:5]) + (", …" if len(unrecorded) > 5 else "")
    return (f"{len(unrecorded)} dashboard{'' if one else 's'} in {where} not in code {'is' if one else 'are'} tagged "
            f"as this project's but not known to vobs: no version of {'it' if one else 'them'} was saved by vobs (a "
            "copy made in Grafana with Save as keeps the tags; or Grafana pruned old versions) — not counted as "
            f"orphaned: check whose {'it is' if one else 'each is'} before deleting — {named}")
