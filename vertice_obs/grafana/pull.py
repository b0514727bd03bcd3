"""`vobs pull`: live dashboards out of Grafana as normalised JSON files, one per uid.

A uid comes from the server: it becomes a file name only when it is a Grafana uid (at most 40 of
[A-Za-z0-9_-]) and only through `guard.paths.safe_join`. Any other (`../../x`, `/abs/x`, …) is
refused and reported, never written. So is a dashboard whose JSON names another uid than its own
(`"uid": "../x"`): its file would carry a uid `vobs import` refuses, or another dashboard's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from vertice_obs.build.render import to_json_text
from vertice_obs.errors import InputError, VobsError
from vertice_obs.files import write_atomic
from vertice_obs.grafana.live import Destination
from vertice_obs.grafana.normalize import normalize
from vertice_obs.guard.paths import check_uid, safe_join


@dataclass
class PullResult:
    pulled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (uid, normalised model)
    missing: list[str] = field(default_factory=list)  # uids asked for by name and not found
    refused: list[object] = field(default_factory=list)  # uids from the server that are not Grafana uids
    vanished: list[str] = field(default_factory=list)  # listed by the search, gone when read (deleted, no access)
    clashing: list[str] = field(default_factory=list)  # uids whose file would be the inventory's
    mislabelled: list[tuple[str, object]] = field(default_factory=list)  # (uid, the other uid its JSON says)
    stopped: VobsError | None = None  # the error that ended the run after some files were written


INVENTORY = "inventory.json"  # written beside the dashboards: what was pulled, its queries and metrics


def pull(destination: Destination, output: Path, *, tags: Sequence[str] = (), folder_uids: Sequence[str] = (),
         uids: Sequence[str] = ()) -> PullResult:
    """Search, fetch and write `output/<uid>.json` (normalised) for every dashboard that matches."""
    for uid in (*uids, *folder_uids):
        check_uid(uid)  # before any request: a non-uid could address another resource
    result = PullResult()
    hits = destination.search(tags=tags, folder_uids=folder_uids, uids=uids)
    for hit in hits:
        uid = hit.get("uid")
        try:
            target = safe_join(output, f"{check_uid(uid)}.json", what="dashboard uid")
        except InputError:
            result.refused.append(uid)
            continue
        if target.name.lower() == INVENTORY:  # a valid uid, but the inventory would overwrite it
            result.clashing.append(uid)
            continue
        try:
            live = destination.get(uid, history=False)
        except VobsError as exc:
            if not result.pulled:
                raise  # nothing written yet: the error alone
            result.stopped = exc  # said with what was written before it
            break
        if live is None:
            result.vanished.append(uid)
            continue
        if live.model.get("uid", uid) != uid:  # refused as a non-uid from the search is: nothing written
            result.mislabelled.append((uid, live.model.get("uid")))
            continue
        model = normalize(live.model)
        write_atomic(target, to_json_text(model))
        result.pulled.append((uid, model))
    found = {h.get("uid") for h in hits} - set(result.vanished)
    result.missing = [u for u in uids if u not in found]
    return result
