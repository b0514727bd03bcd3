"""Rendering: dashboard models + narratives → deterministic Grafana dashboard JSON. Pure functions.

Determinism is the contract `exports/` and `vobs build --check` rely on: the same code renders the
same bytes on every machine. Panel ids are assigned in document order and grid positions come from
a flow layout of the declared order, so no id or position depends on anything but the code.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Mapping, Sequence

from vertice_obs.build.narrative import Chapter, Narrative
from vertice_obs.checks.walk import as_list
from vertice_obs.guard.text import strict_json

MANAGED_TAG = "vertice-obs"  # on every dashboard vobs renders
OWNER_PREFIX = "vertice-obs:"  # `vertice-obs:<project>`: also on those of a project with an id (`project:`)
OURS, UNOWNED = "ours", "unowned"
GENERATOR = "vertice-obs"  # the manifest's mark: a manifest.json without it is not vobs'
GRID_WIDTH = 24
# Server-owned or legacy top-level keys that grafanalib emits and Grafana 10/11 ignores or owns.
_DROPPED_KEYS = ("id", "version", "__inputs", "rows", "style", "hideControls", "sharedCrosshair", "gnetId")


@dataclass(frozen=True)
class Membership:
    """A dashboard's place in one narrative: chapter `index` of `narrative`."""

    narrative: Narrative
    index: int

    @property
    def chapter(self) -> Chapter:
        return self.narrative.chapters[self.index]


@dataclass(frozen=True)
class RenderedDashboard:
    uid: str
    narrative: str  # the home narrative: exports/<narrative>/<uid>.json
    folder: str
    model: dict[str, Any]
    source: str
    folder_uid: str = ""  # the Grafana folder its narrative adopts (`folder_uid:`); "": vobs' own for `folder`

    @property
    def path(self) -> str:
        return f"{self.narrative}/{self.uid}.json"

    @property
    def text(self) -> str:
        return self._serialised[0]

    @property
    def notes(self) -> list[str]:
        """What the strict serialisation changed (a NaN written as null, …): reported as findings."""
        return self._serialised[1]

    @cached_property
    def _serialised(self) -> tuple[str, list[str]]:
        notes: list[str] = []
        return to_json_text(self.model, notes), notes


def to_json_text(model: Any, notes: list[str] | None = None) -> str:
    """The one serialisation of exports (and of pulled dashboards, inventories, provisioning):
    sorted keys, 2-space indent, UTF-8, trailing newline, and strict (`guard.text.strict_json`:
    NaN and ±Infinity become null, each noted in `notes`)."""
    return strict_json(model, notes=notes) + "\n"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def memberships_by_uid(narratives: Iterable[Narrative]) -> dict[str, list[Membership]]:
    """uid → its chapters across narratives, in narrative-id then chapter order."""
    out: dict[str, list[Membership]] = {}
    for narrative in sorted(narratives, key=lambda n: n.id):
        for index, chapter in enumerate(narrative.chapters):
            out.setdefault(chapter.dashboard, []).append(Membership(narrative, index))
    return out


def owner_tag(project_id: str) -> str:
    return OWNER_PREFIX + project_id


def ownership(tags: object, project_id: str | None) -> str | None:
    """Whose a live dashboard is, by its tags, for the project `project_id` (None: one without an id).
    OURS: it carries this project's `vertice-obs:<id>` — or, for a project without an id, the managed
    tag and no project's. UNOWNED (a project with an id only): the managed tag alone, as a vobs before
    project ids published it — this project's or another's, nothing tells. None: not vobs', or
    another project's."""
    tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    owners = {t[len(OWNER_PREFIX):] for t in tags if t.startswith(OWNER_PREFIX)}
    if owners:
        return OURS if project_id in owners else None
    if MANAGED_TAG not in tags:
        return None
    return UNOWNED if project_id else OURS


def render_dashboard(model: dict[str, Any], memberships: Sequence[Membership], source: str,
                     project_id: str | None = None) -> RenderedDashboard:
    """One dashboard as its narratives tell it: story panels, chapter links, narrative tags, layout.
    `project_id` (vobs.yaml's `project:`) adds the tag `vertice-obs:<id>` that tells the project's
    dashboards from another project's on one Grafana (`ownership`)."""
    if not memberships:
        raise ValueError(f"dashboard {model.get('uid')!r} is in no narrative")
    # Shallow copies only: layout and the lines below build new lists/dicts and never mutate `model`.
    out = {k: v for k, v in model.items() if k not in _DROPPED_KEYS}
    story_panels = [_story_panel(m) for m in memberships]
    out["panels"] = layout(story_panels + list(out.get("panels", [])), out.get("uid"))
    out["links"] = list(out.get("links", [])) + [link for m in memberships for link in _chapter_links(m)]
    tags = set(out.get("tags", [])) | {MANAGED_TAG} | ({owner_tag(project_id)} if project_id else set())
    for m in memberships:
        tags |= {f"narrative:{m.narrative.id}", *m.narrative.tags}
    out["tags"] = sorted(tags)
    home = memberships[0].narrative
    return RenderedDashboard(uid=out["uid"], narrative=home.id, folder=home.folder, model=out, source=source,
                             folder_uid=home.folder_uid)


def first_panel_id(memberships: Sequence[Membership]) -> int:
    """The id `layout` gives a module's first panel: its story panels, one per chapter, come first.
    The module's panels follow in `modules.module_panels` order (a row, then the panels it holds)."""
    return len(memberships) + 1


def layout(panels: list[dict[str, Any]], uid: Any = None) -> list[dict[str, Any]]:
    """Flow panels left to right, top to bottom, in declared order; number them 1, 2, 3…

    Each panel keeps its own width and height (`gridPos.w`/`h`); a row starts on a new line and
    spans the grid. Panels inside a collapsed row are laid out below the row as Grafana expects.
    A `-- Dashboard --` query reading a panel by the id it declared reads it by its new id, and so
    does a link to a panel of the dashboard itself (`uid`: `panel_links`).
    """
    flow = _Flow()
    next_id = itertools.count(1)
    renumbered: dict[int, int] = {}

    def numbered(panel: dict[str, Any], grid: dict[str, int]) -> dict[str, Any]:
        out = dict(panel, id=next(next_id), gridPos=grid)
        if _is_id(panel.get("id")):
            renumbered.setdefault(panel["id"], out["id"])  # Grafana reads the first panel of an id
        return out

    placed = []
    for panel in panels:
        if panel.get("type") != "row":
            placed.append(numbered(panel, flow.place(*_size(panel))))
            continue
        panel = numbered(panel, flow.row())
        children = panel.get("panels") or []
        if panel.get("collapsed"):
            # Grafana keeps a collapsed row's panels inside it, positioned as if expanded below it.
            inner = _Flow(y=panel["gridPos"]["y"] + 1)
            panel["panels"] = [numbered(c, inner.place(*_size(c))) for c in children]
            placed.append(panel)
        else:
            # An expanded row owns the panels that follow it at the top level.
            panel["panels"] = []
            placed.append(panel)
            placed.extend(numbered(c, flow.place(*_size(c))) for c in children)
    return [_with_references(p, renumbered, uid) for p in placed]


DASHBOARD_DATASOURCE = "-- Dashboard --"


def dashboard_references(panel: dict[str, Any]) -> list[int]:
    """The panel ids a panel's `-- Dashboard --` queries read (Grafana's dashboard datasource: the
    query is another panel's results, named by its id in `panelId`)."""
    return [t["panelId"] for t in as_list(panel.get("targets"))
            if isinstance(t, dict) and _is_id(t.get("panelId")) and _reads_dashboard(t, panel)]


def _with_references(panel: dict[str, Any], renumbered: Mapping[int, int], uid: Any = None) -> dict[str, Any]:
    """`panel` with its `-- Dashboard --` queries reading the new ids of the panels they read, and
    its links to panels of its own dashboard (`uid`) naming their new ids."""
    if panel.get("type") == "row":
        children = as_list(panel.get("panels"))
        return dict(panel, panels=[_with_references(c, renumbered, uid) if isinstance(c, dict) else c
                                   for c in children]) if children else panel
    if renumbered and any(i in renumbered and renumbered[i] != i for i in panel_links(panel, uid)):
        panel = _relinked(panel, renumbered, uid)
    if not any(i in renumbered and renumbered[i] != i for i in dashboard_references(panel)):
        return panel
    return dict(panel, targets=[dict(t, panelId=renumbered.get(t["panelId"], t["panelId"]))
                                if isinstance(t, dict) and _is_id(t.get("panelId")) and _reads_dashboard(t, panel)
                                else t for t in panel["targets"]])


# `viewPanel=5` / `editPanel=5` (Grafana 11's scenes also write `viewPanel=panel-5`) in a link's query
_PANEL_PARAM = re.compile(r"([?&](?:viewPanel|editPanel)=(?:panel-)?)([0-9]{1,18})(?=[&#]|$)")
_OWN_UID = "${__dashboard.uid}"  # Grafana's variable for the dashboard a link is on


def panel_links(panel: dict[str, Any], uid: Any) -> list[int]:
    """The panel ids a panel's links (its panel links, data links, and the data links of its field
    overrides) name with `viewPanel=` or `editPanel=` on its own dashboard: a link to `/d/<uid>`
    (or `/d/${__dashboard.uid}`), or one relative to the dashboard (`?viewPanel=5`)."""
    return [int(m.group(2)) for url in link_urls(panel) if _PANEL_PARAM.search(url) and is_own(url, uid)
            for m in _PANEL_PARAM.finditer(url)]


def is_own(url: str, uid: Any) -> bool:
    """Whether the link `url` opens the dashboard `uid` itself: `/d/<uid>`, or relative (`?…`)."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    return path == "" or any(re.search(r"(?:^|/)d/" + re.escape(own) + r"(?:/|$)", path)
                             for own in (uid, _OWN_UID) if isinstance(own, str) and own)


def link_urls(panel: dict[str, Any]) -> list[str]:
    """The urls of a panel's links, data links, and the data links of its field overrides."""
    config = panel.get("fieldConfig") if isinstance(panel.get("fieldConfig"), dict) else {}
    defaults = config.get("defaults") if isinstance(config.get("defaults"), dict) else {}
    found = [panel.get("links"), defaults.get("links")]
    found += [p.get("value") for o in as_list(config.get("overrides")) if isinstance(o, dict)
              for p in as_list(o.get("properties")) if isinstance(p, dict) and p.get("id") == "links"]
    return [link["url"] for links in found if isinstance(links, list) for link in links
            if isinstance(link, dict) and isinstance(link.get("url"), str)]


def _relinked(panel: dict[str, Any], renumbered: Mapping[int, int], uid: Any) -> dict[str, Any]:
    """`panel`, copied where it changes, with its links to its own dashboard's panels renumbered."""
    def url(text: str) -> str:
        return _PANEL_PARAM.sub(lambda m: m.group(1) + str(renumbered[int(m.group(2))])
                                if int(m.group(2)) in renumbered else m.group(0), text) if is_own(text, uid) else text

    def links(value: Any) -> Any:
        return [dict(link, url=url(link["url"])) if isinstance(link, dict) and isinstance(link.get("url"), str)
                else link for link in value] if isinstance(value, list) else value

    out = dict(panel, links=links(panel["links"])) if isinstance(panel.get("links"), list) else dict(panel)
    config = panel.get("fieldConfig")
    if isinstance(config, dict):
        config = dict(config)
        if isinstance(config.get("defaults"), dict) and isinstance(config["defaults"].get("links"), list):
            config["defaults"] = dict(config["defaults"], links=links(config["defaults"]["links"]))
        if isinstance(config.get("overrides"), list):
            config["overrides"] = [dict(o, properties=[dict(p, value=links(p["value"])) if isinstance(p, dict)
                                                       and p.get("id") == "links" and "value" in p else p
                                                       for p in o["properties"]])
                                   if isinstance(o, dict) and isinstance(o.get("properties"), list) else o
                                   for o in config["overrides"]]
        out["fieldConfig"] = config
    return out


def _reads_dashboard(target: dict[str, Any], panel: dict[str, Any]) -> bool:
    source = target.get("datasource") if target.get("datasource") is not None else panel.get("datasource")
    return source == DASHBOARD_DATASOURCE or (isinstance(source, dict) and source.get("uid") == DASHBOARD_DATASOURCE)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Flow:
    """A cursor over Grafana's 24-column grid."""

    def __init__(self, y: int = 0):
        self.x, self.y, self.line_height = 0, y, 0

    def place(self, w: int, h: int) -> dict[str, int]:
        w = max(1, min(w, GRID_WIDTH))
        if self.x + w > GRID_WIDTH:
            self.newline()
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.line_height = max(self.line_height, h)
        return pos

    def row(self) -> dict[str, int]:
        self.newline()
        pos = {"h": 1, "w": GRID_WIDTH, "x": 0, "y": self.y}
        self.y += 1
        return pos

    def newline(self) -> None:
        if self.x:
            self.y += self.line_height
        self.x, self.line_height = 0, 0


def _size(panel: dict[str, Any]) -> tuple[int, int]:
    grid = panel.get("gridPos") or {}
    return int(grid.get("w", 12)), int(grid.get("h", 8))


_STORY_DESCRIPTION = "The story of this chapter, from "
_CHAPTER_TOOLTIPS = ("Previous chapter of ", "Next chapter of ", "Back to the first chapter of ")


def without_narrative(model: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A dashboard `render_dashboard` made (it carries the managed tag), without what its narratives
    added — its leading story panels, its chapter links, its `narrative:` tags, the managed tag and
    its project's `vertice-obs:<id>` —
    and what was set aside, in words (empty: nothing; any other dashboard is returned as it is).
    Tags a narrative declared cannot be told from the dashboard's own, and stay. For `vobs import`
    of a vobs dashboard (a `vobs pull`): another project's narrative adds its own."""
    tags = model.get("tags")
    if not isinstance(tags, list) or MANAGED_TAG not in tags:
        return model, []
    panels = model.get("panels") if isinstance(model.get("panels"), list) else []
    stories = 0
    while stories < len(panels) and _is_story(panels[stories]):
        stories += 1
    links = model.get("links") if isinstance(model.get("links"), list) else []
    kept_links = [link for link in links if not _is_chapter_link(link)]
    dropped_tags = [t for t in tags if t == MANAGED_TAG or (isinstance(t, str) and t.startswith(("narrative:",
                                                                                                   OWNER_PREFIX)))]
    out = dict(model, panels=panels[stories:], links=kept_links, tags=[t for t in tags if t not in dropped_tags])
    said = ([f"{stories} story panel{'s' if stories != 1 else ''}"] if stories else []) + (
        [f"{len(links) - len(kept_links)} chapter link{'s' if len(links) - len(kept_links) != 1 else ''}"]
        if len(kept_links) < len(links) else []) + [f"tags {', '.join(map(str, dropped_tags))}"]
    return out, said


def _is_story(panel: Any) -> bool:
    return (isinstance(panel, dict) and panel.get("type") == "text" and panel.get("transparent") is True
            and isinstance(panel.get("description"), str) and panel["description"].startswith(_STORY_DESCRIPTION))


def _is_chapter_link(link: Any) -> bool:
    return (isinstance(link, dict) and isinstance(link.get("tooltip"), str) and isinstance(link.get("url"), str)
            and link["url"].startswith("/d/") and link["tooltip"].startswith(_CHAPTER_TOOLTIPS))


def _story_panel(m: Membership) -> dict[str, Any]:
    chapter, narrative = m.chapter, m.narrative
    total = len(narrative.chapters)
    content = (f"{chapter.story}\n\n---\n*{narrative.title}* — chapter {m.index + 1} of {total}. "
               f"Owner: {narrative.owner}.")
    lines = sum(1 + len(line) // 160 for line in content.splitlines())
    return {
        "type": "text",
        "title": f"{narrative.title} · {m.index + 1}/{total}: {chapter.title}",
        "description": f"{_STORY_DESCRIPTION}{narrative.file}.",
        "gridPos": {"h": max(3, min(12, lines + 2)), "w": GRID_WIDTH},
        "options": {"mode": "markdown", "content": content},
        "transparent": True,
    }


def _chapter_links(m: Membership) -> list[dict[str, Any]]:
    narrative, chapters = m.narrative, m.narrative.chapters
    links = []
    if m.index > 0:
        links.append(_link(f"◀ {chapters[m.index - 1].title}", chapters[m.index - 1].dashboard,
                           f"{_CHAPTER_TOOLTIPS[0]}{narrative.title}"))
    if m.index + 1 < len(chapters):
        links.append(_link(f"{chapters[m.index + 1].title} ▶", chapters[m.index + 1].dashboard,
                           f"{_CHAPTER_TOOLTIPS[1]}{narrative.title}"))
    if m.index > 0:
        links.append(_link(f"⏮ {narrative.title}", chapters[0].dashboard,
                           f"{_CHAPTER_TOOLTIPS[2]}{narrative.title}"))
    return links


def _link(title: str, uid: str, tooltip: str) -> dict[str, Any]:
    return {
        "title": title,
        "type": "link",
        "url": f"/d/{uid}",
        "tooltip": tooltip,
        "icon": "dashboard",
        "keepTime": True,
        "includeVars": True,
        "asDropdown": False,
        "targetBlank": False,
        "tags": [],
    }


def manifest_entry(r: RenderedDashboard, digest: str) -> dict[str, Any]:
    """A dashboard's line in the manifest (`digest`: the sha256 of `r.text`)."""
    return {"file": r.path, "folder": r.folder, "narrative": r.narrative, "source": r.source,
            "title": r.model.get("title", ""), "sha256": digest}


def manifest(dashboards: Mapping[str, Mapping[str, Any]], narratives: Sequence[Narrative],
             files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What was rendered, for publishing and for `--check`: no timestamps, so it is deterministic.
    `dashboards` maps each uid to its `manifest_entry`; `files` maps every file vobs writes beside
    the manifest (path under exports/) to its content hash: the record of what vobs owns there,
    so a build deletes or overwrites nothing else."""
    return {
        "files": dict(sorted((files or {}).items())),
        "generator": GENERATOR,
        "dashboards": {uid: dict(entry) for uid, entry in sorted(dashboards.items())},
        "narratives": [
            {"id": n.id, "title": n.title, "owner": n.owner, "folder": n.folder, "file": n.file,
             "chapters": [c.dashboard for c in n.chapters]}
            for n in sorted(narratives, key=lambda n: n.id)
        ],
    }
