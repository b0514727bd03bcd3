"""`vobs pull`: live dashboards out of Grafana as normalised JSON files, one per uid."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from vertice_obs.build.render import to_json_text
from vertice_obs.files import write_atomic
from vertice_obs.grafana.destinations import Destination
from vertice_obs.grafana.normalize import normalize


@dataclass
class PullResult:
    pulled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (uid, normalised model)
    missing: list[str] = field(default_factory=list)  # uids asked for by name and not found


def pull(destination: Destination, output: Path, *, tags: Sequence[str] = (), folder_uids: Sequence[str] = (),
         uids: Sequence[str] = ()) -> PullResult:
    """Search, fetch and write `output/<uid>.json` (normalised) for every dashboard that matches."""
    result = PullResult()
    hits = destination.search(tags=tags, folder_uids=folder_uids, uids=uids)
    for hit in hits:
        live = destination.get(hit["uid"])
        if live is None:
            continue
        model = normalize(live.model)
        write_atomic(output / f"{hit['uid']}.json", to_json_text(model))
        result.pulled.append((hit["uid"], model))
    found = {h["uid"] for h in hits}
    result.missing = [u for u in uids if u not in found]
    return result
