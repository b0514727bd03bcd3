"""Narrative playlists: one Grafana playlist per narrative, its chapters in order (issue 13).

A narrative is a story to walk through in order, so `vobs publish` also keeps a playlist of its
chapters' dashboards (`dashboard_by_uid` items, in chapter order), named after the narrative's
title, each shown for the narrative's `playlist: {interval: …}` (default 5m). Planned, diffed,
drift-checked and dry-run like dashboards, and written after them.

Identity and drift. Grafana assigns a playlist's uid (its create command takes none: the spec's
`CreatePlaylistCommand`) and keeps no version history, so vobs records each playlist it writes as
an organisation annotation tagged `vobs-playlist` and `vobs-playlist-<narrative id>`, with the text
`vobs publish <commit> playlist <uid> sha256:<content hash>` — the way a dashboard's version
message records its publish. The newest record names the narrative's playlist (so a retitled
narrative keeps it); with no record, by name. Records carry the project's `vertice-obs:<id>` tag:
a playlist another project recorded is its (drift, `--force` takes it over). A live playlist is
vobs' when its content hashes as one of its recent records; else it was edited since. An update
is recorded just before it is sent (a write that then fails leaves content an older record holds:
no false drift), a create just after (its uid is known then; if that record fails, the playlist is
`created` all the same, `recorded=False`, and the next run finds it by name, the same content,
unchanged, and records it). A provisioning folder has no playlists.

Grafana 9.0 moved playlists to uids (grafana/grafana#49609; vobs supports 9.5 on). Items of other
types (`dashboard_by_tag`, `dashboard_by_id`) in a live playlist are compared as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol, Sequence

from vertice_obs.build.narrative import Narrative
from vertice_obs.build.render import OWNER_PREFIX, owner_tag
from vertice_obs.errors import Interrupted, held_each
from vertice_obs.grafana.answers import NOT_SENT, DestinationError, stops
from vertice_obs.grafana.live import MESSAGE_PREFIX
from vertice_obs.guard.paths import UID_RE, check_uid
from vertice_obs.guard.text import escape
from vertice_obs.guard.urls import segment

CREATE, UPDATE, UNCHANGED, DRIFT = "create", "update", "unchanged", "skipped-drift"
UNKNOWN = "unknown"  # its create or update was sent and never answered: Grafana may have applied it, or not
DONE = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DRIFT: "skipped-drift"}
DIFF_STATUS = {CREATE: "added", UPDATE: "changed", DRIFT: "changed", UNCHANGED: "unchanged"}
ITEM = "dashboard_by_uid"
RECORD_TAG = "vobs-playlist"
RECORDS = 100  # the newest records read per narrative: its last publishes
ALL_RECORDS = 5000  # the newest records of every narrative, read once by a whole-project diff for orphans
ORPHANED = "orphaned"
WRITE = "write playlists"  # a 403 to it: no other playlist write would fare better (`stops`)
_RECORD = re.compile(rf"{re.escape(MESSAGE_PREFIX)} \S+ playlist ([A-Za-z0-9_-]{{1,40}}) sha256:([0-9a-f]{{64}})")


@dataclass(frozen=True)
class Desired:
    """The playlist the code wants for one narrative."""

    narrative: str
    name: str
    interval: str
    dashboards: tuple[str, ...]

    @property
    def content(self) -> dict[str, Any]:
        return {"name": self.name, "interval": self.interval,
                "items": [{"type": ITEM, "value": uid} for uid in self.dashboards]}


@dataclass(frozen=True)
class Live:
    uid: str
    content: dict[str, Any]
    recorded: bool  # found through vobs' record (else by name)
    ours: bool  # its content hashes as one of vobs' records of this playlist
    owner: str = ""  # found by name, recorded by another vobs project: its `vertice-obs:<id>` tag


@dataclass
class PlaylistAction:
    desired: Desired
    kind: str
    live: Live | None
    reason: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return self.live.uid if self.live else ""


@dataclass
class PlaylistResult:
    narrative: str
    name: str
    uid: str
    status: str  # created | updated | unchanged | skipped-drift | failed | unknown, or a dry run's action
    detail: str = ""
    stop: DestinationError | None = field(default=None, repr=False, compare=False)  # what stopped the publish
    follows: bool = field(default=False, repr=False, compare=False)  # failed only as a chapter dashboard did
    recorded: bool = True  # False: in Grafana, but its record as this project's (the annotation) failed
    record_unknown: bool = False  # with recorded False: that record was sent and never answered (it may be there)

    def to_dict(self) -> dict[str, Any]:
        """One of `vobs publish --format json`'s `playlists` (with the action's `changes`); `recorded:
        false` only when its record failed, `record_unknown: true` beside it when that record went unanswered
        (both optional, added within schema_version 1)."""
        return {"narrative": self.narrative, "title": self.name, "uid": self.uid, "status": self.status,
                "detail": self.detail, **({} if self.recorded else {"recorded": False}),
                **({"record_unknown": True} if self.record_unknown and not self.recorded else {})}


def unrecorded(exc: DestinationError) -> str:
    """The detail of a playlist in Grafana whose record failed — or went unanswered (`exc.unknown`: Grafana may
    hold it): what happened, and what the next run does."""
    if exc.unknown:
        return (f"not known to be recorded as this project's ({exc}): the next vobs publish finds it by its name "
                "and records it if Grafana did not")
    return f"not recorded as this project's ({exc}): the next vobs publish finds it by its name and records it"


class Store(Protocol):
    def records(self, narrative: str) -> tuple[list[tuple[str, str]], dict[str, str]]: ...

    def find(self, name: str) -> str | None: ...

    def get(self, uid: str) -> dict[str, Any] | None: ...

    def create(self, content: dict[str, Any]) -> str: ...

    def update(self, uid: str, content: dict[str, Any]) -> None: ...

    def record(self, narrative: str, uid: str, digest: str, commit: str) -> None: ...

    def recorded(self) -> dict[str, tuple[str, ...]]: ...


# --- pure --------------------------------------------------------------------------------------------


def desired_playlists(narratives: Iterable[Narrative], narrative_ids: Sequence[str] = (),
                      uids: Sequence[str] = ()) -> list[Desired]:
    """The playlists a run keeps: every narrative's, or those of `--narrative`; none with `--uid`
    (a selection of dashboards, not of stories). Named after the narrative's title — with its id
    when another narrative has the same title, so that no two playlists share a name."""
    if uids:
        return []
    every = list(narratives)
    shared = {n.title for n in every if sum(m.title == n.title for m in every) > 1}
    return [Desired(n.id, f"{n.title} ({n.id})" if n.title in shared else n.title, n.playlist_interval,
                    tuple(c.dashboard for c in n.chapters))
            for n in every if not narrative_ids or n.id in narrative_ids]


def content_of(answer: dict[str, Any]) -> dict[str, Any]:
    """What is compared of a playlist Grafana returned: name, interval, and each item's type and
    value in order (other keys — ids, order, title, which some versions add — are Grafana's)."""
    items = answer.get("items") if isinstance(answer.get("items"), list) else []
    return {"name": str(answer.get("name", "")), "interval": str(answer.get("interval", "")),
            "items": [{"type": str(i.get("type", "")), "value": str(i.get("value", ""))}
                      for i in items if isinstance(i, dict)]}


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def record_text(commit: str, uid: str, content_digest: str) -> str:
    return f"{MESSAGE_PREFIX} {commit} playlist {uid} sha256:{content_digest}"


def parse_record(text: object) -> tuple[str, str] | None:
    """(uid, content hash) of one of vobs' records, or None for any other text."""
    match = _RECORD.fullmatch(text) if isinstance(text, str) else None
    return (match.group(1), match.group(2)) if match else None


def changes(live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """What an update would change, one line each: name, interval, chapters added, removed, reordered."""
    out = []
    if live["name"] != desired["name"]:
        out.append(f"name {_short(live['name'])} → {_short(desired['name'])}")
    if live["interval"] != desired["interval"]:
        out.append(f"interval {_short(live['interval'])} → {_short(desired['interval'])}")
    old, new = [_item(i) for i in live["items"]], [_item(i) for i in desired["items"]]
    out += [f"chapter {new.index(i) + 1} {i} added" for i in new if i not in old]
    out += [f"{i} removed" for i in old if i not in new]
    kept_old, kept_new = [i for i in old if i in new], [i for i in new if i in old]
    if kept_old != kept_new:
        out.append(f"chapters reordered: {', '.join(kept_old)} → {', '.join(kept_new)}")
    return out or ["changed"]


def _item(item: dict[str, str]) -> str:
    shown = _short(item["value"], 60)
    return shown if item["type"] == ITEM else f"{_short(item['type'], 30)} {shown}"


def _short(value: str, limit: int = 120) -> str:
    text = escape(value, one_line=True)
    return f"`{text if len(text) <= limit else text[:limit - 1] + '…'}`"


def decide(desired: Desired, live: Live | None, force: bool) -> PlaylistAction:
    if live is None:
        return PlaylistAction(desired, CREATE, None, "new", [f"playlist will be created: {len(desired.dashboards)} "
                                                             f"chapter(s), every {desired.interval}"])
    if live.content == desired.content:
        return PlaylistAction(desired, UNCHANGED, live)
    lines = changes(live.content, desired.content)
    if not live.ours and not force:
        why = ("edited in Grafana since vobs last published it" if live.recorded else f"another vobs project's "
               f"playlist (recorded with the tag {live.owner}): give this narrative another title, or" if live.owner
               else "exists in Grafana (found by its name) but was not published by vobs")
        advice = " --force to take it over" if live.owner else ": review it in Grafana, --force to overwrite"
        return PlaylistAction(desired, DRIFT, live, why + advice, lines)
    return PlaylistAction(desired, UPDATE, live, "content changed" + ("" if live.ours else " (overwriting a drifted edit)"),
                          lines)


# --- against a Grafana -------------------------------------------------------------------------------


def look(desired: Desired, store: Store) -> Live | None:
    """The narrative's live playlist: by its newest record, else by name."""
    records, foreign = store.records(desired.narrative)
    uid = records[0][0] if records else None
    answer = store.get(uid) if uid else None
    recorded = answer is not None
    if answer is None:  # never published by this project, or deleted in Grafana since
        uid = store.find(desired.name)
        answer = store.get(uid) if uid else None
    if answer is None or uid is None:
        return None
    ours = digest(content := content_of(answer)) in {h for u, h in records if u == uid}
    return Live(uid, content, recorded, ours, "" if recorded or ours else foreign.get(uid, ""))


def plan_playlists(desired: Sequence[Desired], store: Store, force: bool = False, workers: int = 8
                   ) -> list[PlaylistAction]:
    """Reads only (GETs): one record query and one or two playlist reads per narrative."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(desired) or 1))) as pool:
        return list(pool.map(lambda d: decide(d, look(d, store), force), desired))


def execute_playlists(actions: Sequence[PlaylistAction], store: Store, commit: str,
                      missing: Mapping[str, str] | Iterable[str] = (), stopped: DestinationError | None = None
                      ) -> list[PlaylistResult]:
    """Writes what the plan says, after the dashboards: `missing` are chapter dashboards whose
    create failed or went unanswered (uid → `failed` or `unknown`) — their narrative's playlist waits for
    the next run rather than point at nothing.
    `stopped`: what stopped the dashboards' publish (`stops`: a 403) — nothing is written. A write
    of its own (a playlist, or its record) that `stops` stops it the same way, as a dashboard's
    does. After a stop each write is `failed`, `NOT_SENT`, with the error as its `stop`. A playlist's own
    write (its create or update) sent and never answered is `UNKNOWN` (`answers.outcome_unknown`)."""
    absent = dict(missing) if isinstance(missing, Mapping) else dict.fromkeys(missing, "failed")
    out: list[PlaylistResult] = []
    try:
        return _execute(actions, store, commit, absent, stopped, out)
    except KeyboardInterrupt:  # Ctrl-C: said with what was written (a record without its write is never drift)
        raise Interrupted(done=out) from None


def _execute(actions: Sequence[PlaylistAction], store: Store, commit: str, absent: Mapping[str, str],
             stopped: DestinationError | None, out: list[PlaylistResult]) -> list[PlaylistResult]:
    said = lambda a: f"finishing playlist '{escape(a.desired.name, one_line=True)}' and its record"  # noqa: E731
    for a in held_each(actions, said):  # each playlist's write, its record and its result: one step Ctrl-C never cuts
        d = a.desired
        if stopped and a.kind not in (UNCHANGED, DRIFT):
            out.append(PlaylistResult(d.narrative, d.name, a.uid, "failed", NOT_SENT, stop=stopped))
            continue
        if a.kind == UNCHANGED and not stopped and a.live is not None and not a.live.recorded:
            try:  # found by its name (e.g. the narrative's id was renamed): recorded as this narrative's
                store.record(d.narrative, a.live.uid, digest(d.content), commit)
            except DestinationError as exc:  # unchanged all the same; the next run records it
                stopped = exc if stops(exc) else None
                out.append(PlaylistResult(d.narrative, d.name, a.uid, DONE[a.kind], unrecorded(exc), stopped,
                                          recorded=False, record_unknown=exc.unknown))
                continue
        if a.kind in (UNCHANGED, DRIFT):
            out.append(PlaylistResult(d.narrative, d.name, a.uid, DONE[a.kind], a.reason))
            continue
        lacking = [uid for uid in d.dashboards if uid in absent]
        if lacking:
            said = ("is not known to be in Grafana (its save was never answered)" if absent[lacking[0]] == "unknown"
                    else "is not in Grafana (its publish failed)")
            out.append(PlaylistResult(d.narrative, d.name, a.uid, "failed", f"chapter dashboard {lacking[0]} {said}",
                                      follows=True))
            continue
        content, content_digest, sent = d.content, digest(d.content), False  # sent: the playlist's own write
        try:
            if a.live is not None:
                store.record(d.narrative, a.live.uid, content_digest, commit)  # the intent, first
                sent = True
                store.update(a.live.uid, content)
                uid = a.live.uid
            else:
                sent = True
                uid = store.create(content)
        except DestinationError as exc:  # only the playlist's own write can be unknown: a record's failure before
            # an update is its record's (the update is then not sent)
            stopped = exc if stops(exc) else None
            out.append(PlaylistResult(d.narrative, d.name, a.uid, UNKNOWN if sent and exc.unknown else "failed", str(exc),
                                      stopped))
            continue
        if a.live is None:
            try:  # made: recorded as this project's now that its uid is known
                store.record(d.narrative, uid, content_digest, commit)
            except DestinationError as exc:  # created all the same (never `failed`); found by its name next time
                stopped = exc if stops(exc) else None
                out.append(PlaylistResult(d.narrative, d.name, uid, DONE[a.kind], unrecorded(exc), stopped,
                                          recorded=False, record_unknown=exc.unknown))
                continue
        out.append(PlaylistResult(d.narrative, d.name, uid, DONE[a.kind], a.reason))
    return out


class GrafanaPlaylists:
    """`Store` over a `GrafanaDestination`: every request through its `request` (deadline, retries,
    answer shapes), every uid checked before it enters a path."""

    def __init__(self, destination: Any, project_id: str | None = None):
        self.d, self.owner = destination, [owner_tag(project_id)] if project_id else []  # `project:`'s tag

    def records(self, narrative: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """This project's records of the narrative's playlist, newest first (and untagged ones), and the
        playlists other projects recorded for a narrative of that id (uid → their owner tag)."""
        answer = self.d.request(f"playlist records of narrative {narrative}", "GET", "/annotations", list, params={
            "tags": [RECORD_TAG, f"{RECORD_TAG}-{narrative}"], "type": "annotation", "limit": RECORDS})
        own, foreign = [], {}
        for a in (a for a in answer if isinstance(a, dict)):
            record = parse_record(a.get("text"))
            tags = a.get("tags") if isinstance(a.get("tags"), list) else []
            owners = sorted({t for t in tags if isinstance(t, str) and t.startswith(OWNER_PREFIX)})
            if record and owners in (self.owner, []):  # untagged: a vobs before project ids, anyone's to adopt
                own.append(record)
            elif record:
                foreign.setdefault(record[0], escape(", ".join(owners) or "of a project without an id", one_line=True))
        return own, foreign

    def find(self, name: str) -> str | None:
        answer = self.d.request("playlists", "GET", "/playlists", list, params={"query": name})
        for hit in answer:
            if isinstance(hit, dict) and hit.get("name") == name:
                return self._uid(hit.get("uid"))
        return None

    def get(self, uid: str) -> dict[str, Any] | None:
        try:
            return self.d.request(f"playlist {uid}", "GET", f"/playlists/{segment(check_uid(uid, 'playlist uid'))}", dict)
        except DestinationError as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, content: dict[str, Any]) -> str:
        """A create is not idempotent: a lost answer (a reset, a 5xx from a proxy) may hide a playlist
        that was made. Before each retry a playlist of its name is looked for, and only when there is
        none is it sent again (a create is decided when none was found by name, so one found now is
        this one). When no attempt is answered, nor the look, its outcome is unknown (`outcome_unknown`)."""
        def made() -> dict[str, Any] | None:
            uid = self.find(content["name"])
            return None if uid is None else {"uid": uid}

        reply = self.d.request(f"playlist {content['name']!r}", "POST", "/playlists", dict, forbidden=WRITE,
                               settled=made, json=content)
        return self._uid(reply.get("uid"))

    def update(self, uid: str, content: dict[str, Any]) -> None:
        self.d.request(f"playlist {uid}", "PUT", f"/playlists/{segment(check_uid(uid, 'playlist uid'))}", dict,
                       forbidden=WRITE, json=content)

    def _uid(self, value: object) -> str:
        """A uid the server sent, before it enters a path or a record."""
        if isinstance(value, str) and UID_RE.fullmatch(value):
            return value
        raise DestinationError(f"{self.d.description} answered a playlist uid that is not a Grafana uid: "
                               f"{escape(repr(value), one_line=True)[:60]}", server_wide=True)

    def record(self, narrative: str, uid: str, content_digest: str, commit: str) -> None:
        self.d.add_annotation(record_text(commit, uid, content_digest), [RECORD_TAG, f"{RECORD_TAG}-{narrative}",
                                                                          *self.owner], int(time.time() * 1000), None, None)

    def recorded(self) -> dict[str, tuple[str, ...]]:
        """Every narrative vobs recorded a playlist for → the uids its records name, newest first: the
        first is its playlist, any other one it had (one request: the newest `ALL_RECORDS` records; a
        narrative recorded only before them is not seen). Only this project's records: tagged with
        its `vertice-obs:<id>`; untagged ones for a project without an id."""
        answer = self.d.request("playlist records", "GET", "/annotations", list,
                                params={"tags": RECORD_TAG, "type": "annotation", "limit": ALL_RECORDS})
        out: dict[str, dict[str, None]] = {}
        for a in (a for a in answer if isinstance(a, dict) and isinstance(a.get("tags"), list)):
            record = parse_record(a.get("text"))
            names = [t[len(RECORD_TAG) + 1:] for t in a["tags"] if isinstance(t, str) and t.startswith(RECORD_TAG + "-")]
            owners = {t for t in a["tags"] if isinstance(t, str) and t.startswith(OWNER_PREFIX)}
            if record and names and owners == set(self.owner):
                out.setdefault(names[0], {})[record[0]] = None  # newest first: the first record of a narrative names it
        return {narrative: tuple(uids) for narrative, uids in out.items()}


def orphaned(store: Store, in_code: Iterable[str], actions: Sequence[PlaylistAction]) -> list[dict[str, Any]]:
    """Diff rows (`diff_entry`'s keys, status `orphaned`) for the playlists vobs published that no
    narrative in code has: a narrative's no longer in code, and a narrative's second playlist — two
    publishes at once each found none and made one (Grafana assigns a playlist's uid, so nothing
    refuses the second); the one its plan uses is kept. One read of the records, one GET per
    candidate (a narrative's older uids are mostly one: an update keeps the uid). A playlist a
    narrative in code uses (`actions`: e.g. a renamed narrative found its playlist by name) is that
    narrative's, never an orphan. Reported, never deleted — as orphaned dashboards are."""
    known, used, rows = set(in_code), {a.uid for a in actions if a.uid}, []
    kept = {a.desired.narrative: a.uid for a in actions if a.uid}
    for narrative, uids in sorted(store.recorded().items()):
        if narrative in known:  # its playlist is its action's: any other it had that is still there
            candidates = [u for u in uids if u not in used] if narrative in kept else []
        else:
            candidates = uids[:1] if uids[0] not in used else []
        for uid in candidates:
            live = store.get(uid)
            if live is not None:
                why = ("its narrative is no longer in code" if narrative not in known else
                       f"a second playlist of this narrative (two publishes at once?); vobs keeps {kept[narrative]}")
                rows.append({"narrative": narrative, "uid": uid, "title": str(live.get("name", "")), "status": ORPHANED,
                             "changes": [f"{why}; vobs deletes nothing: delete the playlist in Grafana"
                                         + ("" if narrative in known else ", or restore the narrative")],
                             "drifted": False})
    return rows


def store_of(target: Any, project_id: str | None = None) -> Store | None:
    """The playlists of a destination, or None when it cannot hold any (a provisioning folder)."""
    return GrafanaPlaylists(target, project_id) if hasattr(target, "request") else None
