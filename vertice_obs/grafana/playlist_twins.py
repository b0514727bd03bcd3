"""A narrative's second playlist, said by `vobs publish` itself (trial 22 L6).

Two publishes at once (two CI jobs) each find no playlist and make one: Grafana assigns a
playlist's uid, so nothing refuses the second, and both runs end `created`. vobs takes no lock;
instead every publish that keeps playlists reads vobs' records once more after its writes (one
`GET /annotations`, as a whole-project `vobs diff` does for orphans) and says each narrative it kept
whose records name more than one playlist still in Grafana. Of the two racing runs at least one
reads after both records were written, so at least one says it, as does every later publish.

Which is kept: the newest record's playlist still in Grafana — the one every later run reads
(`playlists.look`). A uid another narrative's newest record names is that narrative's, never a
twin. One GET per uid only for a narrative with more than one recorded uid (an update keeps the
uid: normally none). Said, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from vertice_obs.grafana.answers import DestinationError
from vertice_obs.guard.text import bounded


@dataclass(frozen=True)
class Twin:
    narrative: str
    uid: str  # the second playlist: vobs leaves it
    title: str
    kept: str  # the playlist vobs keeps for the narrative

    def to_dict(self) -> dict[str, str]:
        """One of `vobs publish --format json`'s `duplicate_playlists` (optional, within schema_version 1)."""
        return {"narrative": self.narrative, "uid": self.uid, "title": self.title, "kept": self.kept}


def twins(store: Any, narratives: Iterable[str]) -> list[Twin]:
    """The second playlists of `narratives` (those the run kept) by vobs' records, oldest kept last."""
    wanted = set(narratives)
    if store is None or not wanted:
        return []
    recorded = store.recorded()
    out = []
    for narrative in sorted(wanted & set(recorded)):
        others = {uids[0] for n, uids in recorded.items() if n != narrative and uids}
        live = [(uid, answer) for uid in recorded[narrative] if uid not in others
                for answer in [store.get(uid)] if answer is not None] if len(recorded[narrative]) > 1 else []
        out += [Twin(narrative, uid, str(answer.get("name", "")), live[0][0]) for uid, answer in live[1:]]
    return out


def checked(store: Any, narratives: Iterable[str]) -> tuple[list[Twin], str]:
    """(`twins`, "") — or ([], why) when that read failed: the publish is done, it is said as a note."""
    try:
        return twins(store, narratives), ""
    except DestinationError as exc:
        return [], f"could not check for a second playlist of a narrative (two publishes at once): {exc}"


def twins_json(found: list[Twin]) -> dict[str, list[dict[str, str]]]:
    """`duplicate_playlists` in publish's `--format json`, when some (optional, within schema_version 1)."""
    return {"duplicate_playlists": [t.to_dict() for t in found]} if found else {}


def warning(found: list[Twin]) -> str:
    """The one line a publish says of them, in every format (on stderr): each, and how to delete it.
    Escaped, each value bounded as a diff's title is (`guard.text.bounded`)."""
    each = ", ".join(f"playlist:{bounded(t.narrative, 60)} {bounded(repr(t.title), 150)} uid {bounded(t.uid, 60)} "
                     f"(vobs keeps {bounded(t.kept, 60)})" for t in found)
    return (f"{len(found)} second playlist{'' if len(found) == 1 else 's'} of a narrative in Grafana (two publishes "
            f"at once?): {each}; vobs deletes nothing: delete each extra one in Grafana (Dashboards → Playlists → "
            "Delete, or DELETE /api/playlists/<uid>)")


def markdown(found: list[Twin]) -> str:
    """The publish summary's paragraph for them, the same words; "" when there are none."""
    from vertice_obs.guard.markdown import md

    return f"\n**{md(warning(found), None)}**\n\n" if found else ""
