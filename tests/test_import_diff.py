"""`vobs diff` against the original shows exactly the documented changes (issue 17), nothing else.

As a user does it: the ORIGINAL dashboard JSON is in Grafana (the spec-checked stand-in); `vobs
import` (from the file, or `--uid` from Grafana) into a fresh project as chapters of a narrative,
`vobs build`, `vobs diff`. Each change the diff reports is reduced to where it is (a panel and a
JSON path, or a dashboard path), and that set must equal what is predicted from two documented
sources only, never per dashboard by hand:

- the `vobs import --explain` notes: dropped top-level keys, each datasource `__inputs` entry made a
  datasource variable, the schemaVersion upgrade, each legacy
  panel type's migration (the legacy keys it carried over or dropped, the `fieldConfig.defaults` keys it carried,
  the `options` it set: the stat reducer and display, a graph's legend and tooltip), legacy rows[] → row panels (span/height → gridPos), reflowed positions;
- the narrative's additions: its story panel (which moves every panel down by its height), its
  chapter links and its tags.

Required changes must all appear; the carried `fieldConfig`/`options` keys may appear (a panel
whose legacy source had no unit gains none); anything else fails the test. The same predictor runs
in-process over the whole import corpus through the pure `grafana.diff.diff_dashboard` on what
`vobs build` renders, and the CLI's text is checked against that pure function for the same pair.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml
from grafana_standin import GrafanaStandIn
from test_import_cli import vobs
from test_import_roundtrip import CORPUS, NARRATIVE_TAGS, build_imported

from vertice_obs.build.render import MANAGED_TAG
from vertice_obs.build.render import without_narrative as narrative_set_aside
from vertice_obs.grafana.diff import diff_dashboard, moved
from vertice_obs.grafana.normalize import normalize
from vertice_obs.guard.text import escape

# What diff says first under a dashboard that exists in Grafana but was not published by vobs.
DRIFT_NOTE = "exists in Grafana but was not published by vobs: publish skips it without --force"
from vertice_obs.importer.codegen import module_text
from vertice_obs.importer.migrate import migrate

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"
TOKEN = "glsa_standin_token"
LEGACY_TYPES = {"graph": "graph → timeseries", "singlestat": "singlestat → stat"}
ROWS_RESIZED = "row panels drawn full-width and one cell high"


# --- what the diff says, reduced to where -------------------------------------------------------

_PANEL = re.compile(r"panel ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")(.*)", re.DOTALL)
_PATH = re.compile(r"((?:\[[^\]]*\])+)")


def where(change: str) -> tuple[str, ...]:
    """`panel 'CPU %': ['type'] `graph` → …` → ('CPU %', "['type']"); a list item of the dashboard's
    tags or links → the list (the narrative appends to them, sorted for tags)."""
    if change.startswith("dashboard: "):
        path = _PATH.match(change[len("dashboard: "):])
        assert path, change
        return ("dashboard", re.sub(r"^(\['(?:tags|links)'\])\[\d+\].*", r"\1", path.group(1)))
    variable = re.fullmatch(r"variable \$(\w+) added", change)
    if variable:
        return ("variable", variable.group(1), "added")
    found = _PANEL.fullmatch(change)
    if not found:
        return ("unexplained", change)
    title, rest = ast.literal_eval(found.group(1)), found.group(2)
    if rest.startswith(" renamed to "):  # explained only where a prediction names it
        return ("panel", title, "renamed")
    for word in ("added", "removed"):
        if rest == f" {word}":
            return ("panel", title, word)
    if rest.startswith((" moved: ", " placed at ")):  # placed: a legacy row's panel had no gridPos
        return ("panel", title, "moved")
    if rest.startswith(": ") and _PATH.match(rest[2:]):
        return ("panel", title, _PATH.match(rest[2:]).group(1))
    return ("unexplained", change)  # a renamed panel, a changed target: never documented


# --- what the documentation predicts ------------------------------------------------------------

@dataclass
class Prediction:
    required: set[tuple[str, ...]] = field(default_factory=set)
    optional: set[tuple[str, ...]] = field(default_factory=set)
    one_of: list[set[tuple[str, ...]]] = field(default_factory=list)  # each: at least one of them shows

    def check(self, changes: list[str]) -> None:
        seen = {where(c) for c in changes}
        allowed = self.required | self.optional | {w for alternatives in self.one_of for w in alternatives}
        missing, unexplained = self.required - seen, seen - allowed
        assert not unexplained, f"changes no note explains: {sorted(unexplained)}\nall changes: {changes}"
        assert not missing, f"documented changes the diff does not show: {sorted(missing)}"
        assert all(alternatives & seen for alternatives in self.one_of), (self.one_of, changes)


def _note(notes: list[str], prefix: str) -> str | None:
    return next((n for n in notes if n.startswith(prefix)), None)


def _listed(note: str | None, label: str) -> list[str]:
    """The comma-separated names after `label: ` in a note (up to the next `;`)."""
    found = re.search(re.escape(label) + r": ([^;]*)", note or "")
    return [n.strip() for n in found.group(1).split(",")] if found else []


def _live_panels(live: dict) -> list[tuple[dict, bool]]:
    """(panel, came from legacy rows[]) for every panel of the original, rows' children included."""
    out = []
    for panel in live.get("panels") or []:
        out.append((panel, False))
        out += [(child, False) for child in panel.get("panels") or []] if panel.get("type") == "row" else []
    out += [(p, True) for row in live.get("rows") or [] for p in row.get("panels") or []]
    return out


def predict(notes: list[str], live: dict, built: dict, story_title: str, narrative_tags: set[str],
            chapter_links: int) -> Prediction:
    """The changes `vobs diff` must show for `live` (the original, as Grafana has it) → `built`."""
    out = Prediction()
    # A dashboard vobs rendered: the note says its old narrative's additions were set aside — each
    # of its story panels is removed, and the rest is predicted from what remains.
    set_aside = _note(notes, "a dashboard vobs rendered: set aside what its narrative added")
    stripped, said = narrative_set_aside(live)
    assert bool(set_aside) == bool(said), (set_aside, said)
    removed = [p for p in live.get("panels") or [] if p not in stripped["panels"]] if said else []
    # the diff pairs the old story panel with the new one (same place, same kind): a rename, whose
    # story, description and height change — or, unpaired, a removal
    out.one_of += [{("panel", p["title"], "removed"), ("panel", p["title"], "renamed")} for p in removed]
    if removed:
        out.optional |= {("panel", story_title, k) for k in ("['description']", "['options']['content']", "moved")}
    if said and len(stripped.get("links") or []) != len(live.get("links") or []):
        out.required.add(("dashboard", "['links']"))
    live = stripped
    shift_up = sum(p["gridPos"]["h"] for p in removed)
    normal = normalize(live)
    # The narrative's additions.
    (out.one_of.append if removed else out.required.add)(
        {("panel", story_title, "added"), *(("panel", p["title"], "renamed") for p in removed)} if removed
        else ("panel", story_title, "added"))
    story = next(p for p in built["panels"] if p.get("title") == story_title)
    if not narrative_tags <= set(normal.get("tags") or []):
        out.required.add(("dashboard", "['tags']"))
    assert built["tags"] == sorted(set(live.get("tags") or []) | narrative_tags)
    if chapter_links:
        out.required.add(("dashboard", "['links']"))
    assert built.get("links", [])[:len(live.get("links") or [])] == (live.get("links") or [])
    assert len(built.get("links", [])) == len(live.get("links") or []) + chapter_links
    # Dashboard-level migrations.
    for key in _listed(_note(notes, "dropped keys"), "dropped keys Grafana 10/11 ignores or owns"):
        if key in normal:  # else normalisation already ignores it (`version`, a default value)
            out.required.add(("dashboard", f"['{key}']"))
    for note in (n for n in notes if n.startswith("__inputs ")):
        name = re.match(r"__inputs (\w+) → datasource variable", note).group(1)
        declared = next(i for i in live["__inputs"] if i.get("name") == name)
        variable = next(v for v in built["templating"]["list"] if v.get("name") == name)
        assert (variable["type"], variable["query"]) == ("datasource", declared["pluginId"]), variable
        out.required.add(("variable", name, "added"))
    if _note(notes, "schemaVersion "):
        out.required.add(("dashboard", "['schemaVersion']"))
    if _note(notes, "uid: the dashboard had none"):
        out.required.add(("dashboard", "['uid']"))
    rows_note = _note(notes, "legacy rows[] → row panels")
    if rows_note:  # rows[] gone, and not among the dropped keys: they became the row panels
        assert "rows" not in _listed(_note(notes, "dropped keys"), "dropped keys Grafana 10/11 ignores or owns")
        out.required.add(("dashboard", "['rows']"))
        shown = [r for r in live["rows"] if r.get("showTitle") or r.get("collapse")]
        assert f", {len(shown)} shown as a row panel" in rows_note
        out.required |= {("panel", r.get("title") or "", "added") for r in shown}
    reflowed = _note(notes, "positions reflowed") is not None
    # Panel by panel: the n-th of a title in reading order is the n-th of it in the build (a row
    # among rows, a panel among panels).
    built_panels: dict[tuple[str, bool], list[dict]] = {}
    for panel, _ in _live_panels(built):
        built_panels.setdefault((panel.get("title"), panel.get("type") == "row"), []).append(panel)
    def reading(item: tuple[dict, bool]) -> tuple[bool, int, int]:
        grid = item[0].get("gridPos") or {}
        return item[1], grid.get("y", 0), grid.get("x", 0)

    for panel, from_rows in sorted(_live_panels(live), key=reading):
        title, kind = panel.get("title"), panel.get("type")
        mine = normalize({"panels": [panel]})["panels"][0]
        after = built_panels[title, kind == "row"].pop(0)
        if from_rows:
            assert rows_note, f"{title!r}: a panel of rows[] with no rows note"
            out.required |= {("panel", title, f"['{k}']") for k in ("span", "height") if k in mine}
            out.optional.add(("panel", title, "moved"))  # span/height → gridPos, as the note says
        elif reflowed:
            out.optional.add(("panel", title, "moved"))
            size = (panel["gridPos"]["w"], panel["gridPos"]["h"])
            if kind == "row" and f"{title!r} was {size[0]}×{size[1]}" in (_note(notes, ROWS_RESIZED) or ""):
                size = (24, 1)  # the note says so: Grafana draws every row full-width, one cell high
            assert (after["gridPos"]["w"], after["gridPos"]["h"]) == size
        else:  # only the story panel above moved it (less the story panels set aside)
            shift = story["gridPos"]["h"] - shift_up
            if shift:
                out.required.add(("panel", title, "moved"))
            assert after["gridPos"] == dict(panel["gridPos"], y=panel["gridPos"]["y"] + shift)
        change = _note(notes, LEGACY_TYPES[kind]) if kind in LEGACY_TYPES else None
        if kind in LEGACY_TYPES:
            assert change, f"{title!r} is a {kind} panel and no note says it is migrated"
            out.required.add(("panel", title, "['type']"))
            gone = _listed(change, "legacy keys carried over") + _listed(change, "legacy keys dropped")
            for key in (k for k in gone if k in mine):
                if key == "options" and after.get("options"):  # the legacy options gave way to those set
                    out.required |= {("panel", title, f"['options']['{k}']") for k in mine["options"]
                                     if k not in after["options"]}
                else:
                    out.required.add(("panel", title, f"['{key}']"))
            carried = _listed(change, "carried into fieldConfig.defaults")
            out.optional |= {("panel", title, "['fieldConfig']"), ("panel", title, "['fieldConfig']['defaults']")}
            out.optional |= {("panel", title, f"['fieldConfig']['defaults']['{k}']") for k in carried}
            before = (mine.get("fieldConfig") or {}).get("defaults") or {}
            assert set((after.get("fieldConfig") or {}).get("defaults") or {}) <= set(carried) | set(before)
            rules = (after.get("fieldConfig") or {}).get("overrides") or []
            if "carried into fieldConfig.overrides" in change:
                out.optional.add(("panel", title, "['fieldConfig']['overrides']"))
            else:  # no rule gained that no note names
                assert rules == ((mine.get("fieldConfig") or {}).get("overrides") or []), title
            options = _listed(change, "options set")
            if options:
                out.optional |= {("panel", title, "['options']"),
                                 *(("panel", title, f"['options']['{k}']") for k in options)}
                assert set(after.get("options") or {}) <= set(options) | set(mine.get("options") or {}), title
    return out


# --- the whole corpus, in process ---------------------------------------------------------------

@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_the_diff_of_every_corpus_dashboard_is_exactly_its_explained_changes(path: Path, tmp_path: Path):
    original = json.loads(path.read_text(encoding="utf-8"))
    model, notes = migrate(original, "fallback-uid")
    built = build_imported(module_text(model, "corpus", notes), model["uid"], tmp_path)
    result = diff_dashboard(model["uid"], built, original)
    tags = set(NARRATIVE_TAGS)
    predict(notes, original, built, "Imported · 1/1: T", tags, 0).check(result.changes)


# --- as a user runs it: Grafana, import, build, diff --------------------------------------------

# (source file, imported how): the legacy-rows one has no uid: Grafana gives it one, and it is
# imported from there by uid, as a pulled dashboard would be.
CASES = [
    (PUBLIC / "swagger-stats dashboard v3.json", "file"),
    (PUBLIC / "swagger-stats API Operation dashboard.json", "uid"),
    (REPO / "exports" / "esgt" / "maximus-esgt-ignition.json", "file"),
    (REPO / "exports" / "dopamine" / "maximus-dopamine-overview.json", "file"),
    # Debian's ceph-grafana-dashboards (grafonnet, schemaVersion 16/22): ceph-cluster has no uid either
    *((path, "uid" if path.name == "ceph-cluster.json" else "file") for path in sorted((PUBLIC / "ceph").glob("*.json"))),
    # trial 8 #3, as Node Exporter Full has it: a collapsed row holding a panel "Network Traffic",
    # then a row "Network Traffic" — a row pairs with the row, the panel with the panel
    (REPO / "tests" / "data" / "rows-and-titles.json", "uid"),
]


def _explained(stdout: str) -> dict[str, list[str]]:
    """uid → its `--explain` notes, from the text a user reads."""
    out: dict[str, list[str]] = {}
    uid = None
    for line in stdout.splitlines():
        head = re.fullmatch(r".* → .* \(uid (.*)\)", line)
        if head:
            uid = head.group(1)
            out[uid] = []
        elif line.startswith("  - ") and uid is not None:
            out[uid].append(line[4:])
    return {u: [] if n == ["no migration: the dashboard is already in the house model"] else n for u, n in out.items()}


def _diff_text(stdout: str) -> dict[str, list[str]]:
    """uid → the change lines under it in `vobs diff`'s text (not the drift note: an adopted
    dashboard was not published by vobs, and diff says so first)."""
    out: dict[str, list[str]] = {}
    uid = None
    for line in stdout.splitlines():
        if line.startswith("      ") and uid is not None:
            if not line[6:].startswith(DRIFT_NOTE):
                out[uid].append(line[6:])
        else:
            head = re.match(r"[~+ !-] (\S+)\s", line)
            uid = head.group(1) if head and not head.group(1).startswith("playlist:") else None
            if uid is not None:
                out[uid] = []
    return out


@pytest.fixture(scope="module")
def user_run(tmp_path_factory) -> dict:
    project = tmp_path_factory.mktemp("adopt")
    (project / "dashboards").mkdir()
    with GrafanaStandIn() as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}
        files, uids, originals = [], [], {}
        for index, (source, how) in enumerate(CASES):
            model = json.loads(source.read_text(encoding="utf-8"))
            model.pop("id", None)
            saved = requests.post(f"{grafana.url}/api/dashboards/db", json={"dashboard": model, "overwrite": True},
                                  headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
            assert saved.status_code == 200, saved.text
            uid = saved.json()["uid"]
            originals[uid] = grafana.dashboards[uid]["model"]
            if how == "uid":
                uids += ["--uid", uid]
            else:
                files.append(f"original{index}.json")
                shutil.copy(source, project / files[-1])
        imported = vobs(project, "import", *files, *uids, "--narrative", "adopted", "--explain", env=env)
        assert imported.returncode == 0, imported.stderr
        built = vobs(project, "build")
        assert built.returncode == 0, built.stderr
        diffed = vobs(project, "diff", env=env)
        grafana.assert_no_violations()
    assert diffed.returncode == 1, diffed.stderr  # diff(1): differences
    return {"project": project, "originals": originals, "notes": _explained(imported.stdout),
            "diff": _diff_text(diffed.stdout), "stdout": diffed.stdout}


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0].name for c in CASES])
def test_vobs_diff_against_the_original_shows_exactly_the_documented_changes(user_run: dict, case: int):
    project, originals = user_run["project"], user_run["originals"]
    uid = list(originals)[case]
    live = originals[uid]
    assert uid in user_run["notes"] and uid in user_run["diff"], user_run["stdout"]
    narrative = yaml.safe_load((project / "narratives" / "adopted.yaml").read_text(encoding="utf-8"))
    chapters = narrative["chapters"]
    index = [c["dashboard"] for c in chapters].index(uid)
    story = f"{narrative['title']} · {index + 1}/{len(chapters)}: {chapters[index]['title']}"
    links = (index > 0) + (index + 1 < len(chapters)) + (index > 0)  # previous, next, first
    built = json.loads((project / "exports" / "adopted" / f"{uid}.json").read_text(encoding="utf-8"))
    tags = {MANAGED_TAG, "narrative:adopted", *(narrative.get("tags") or [])}
    changes = user_run["diff"][uid]
    # What the CLI printed is what the pure diff says of the same pair (Grafana's copy → the export),
    # and the move publish makes out of Grafana's root folder into the narrative's.
    folder = narrative.get("folder") or narrative["title"].strip().replace("/", "-")  # the default: its title
    assert changes == [escape(c, one_line=True)  # text prints a story's newlines escaped, on one line
                       for c in moved(diff_dashboard(uid, built, live), "General", folder).changes]
    changes = changes[:-1]
    head = next(i for i, line in enumerate(user_run["stdout"].splitlines()) if line.split()[1:3] == [uid, "drifted"])
    assert user_run["stdout"].splitlines()[head + 1].strip().startswith(DRIFT_NOTE)  # publish needs --force
    predict(user_run["notes"][uid], live, built, story, tags, links).check(changes)


def test_the_cases_cover_legacy_and_modern_dashboards(user_run: dict):
    notes = user_run["notes"]
    assert any(any(n.startswith("legacy rows[]") for n in ns) for ns in notes.values())
    assert any(any(n.startswith("graph → timeseries") for n in ns) for ns in notes.values())
    assert any(any(n.startswith("singlestat → stat") for n in ns) for ns in notes.values())
    assert any(not any(LEGACY_TYPES[k] in n for k in LEGACY_TYPES for n in ns) for ns in notes.values())
    # What the Ceph dashboards add: series overrides, value maps, a resized row, types kept whole.
    every = [n for ns in notes.values() for n in ns]
    assert any("carried into fieldConfig.overrides" in n for n in every)
    assert any(n.startswith("singlestat → stat") and "mappings" in n for n in every)
    assert any(n.startswith(ROWS_RESIZED) for n in every)
    assert any(n.startswith("kept as they are") for n in every)


# --- the diff's own behaviour that the guarantee rests on (pure, on one of the repository's exports) ---

MODEL = json.loads((REPO / "exports" / "esgt" / "maximus-esgt-ignition.json").read_text(encoding="utf-8"))


def _copy() -> dict:
    return json.loads(json.dumps(MODEL))


def test_a_panel_added_above_is_said_once_though_every_id_after_it_shifts():
    """Ids follow document order: pairing by id would call every panel after it renamed. The two
    'Kill switch latency' panels (a stat and a time series) keep their own partners."""
    desired = _copy()
    for panel in [p for top in desired["panels"] for p in [top, *top.get("panels", [])]]:
        panel["id"] += 1
    desired["panels"].insert(0, {"type": "text", "title": "A new story", "id": 1,
                                 "gridPos": {"h": 3, "w": 24, "x": 0, "y": 0}})
    assert diff_dashboard("x", desired, MODEL).changes == ["panel 'A new story' added"]


def test_a_rename_keeps_its_id_and_is_still_said_as_a_rename():
    live = _copy()
    live["panels"][2]["title"] = "Old name"
    assert diff_dashboard("x", MODEL, live).changes == ["panel 'Old name' renamed to 'Success ratio'"]


def test_each_changed_key_of_a_panel_is_named_never_the_whole_panel():
    """A legacy panel differs from its migration in most of its keys: deepdiff's default then calls
    the whole panel one changed value, which shows nothing of what changed."""
    live = _copy()
    legacy = ("colorBackground", "colorValue", "colors", "format", "gauge", "mappingType", "nullPointMode",
              "postfix", "prefix", "rangeMaps", "sparkline", "tableColumn", "valueFontSize", "valueMaps")
    live["panels"][1].update({key: "legacy" for key in legacy}, type="singlestat")
    name = "panel 'Full ignitions / min'"
    assert diff_dashboard("x", MODEL, live).changes == [f"{name}: ['{key}'] removed" for key in sorted(legacy)] + [
        f"{name}: ['type'] `singlestat` → `stat`"]


def test_export_only_keys_are_shown_and_empty_field_config_parts_are_not():
    live = _copy()
    live["__inputs"] = [{"name": "DS_PROMETHEUS", "type": "datasource"}]
    for panel in live["panels"]:
        config = panel.setdefault("fieldConfig", {})
        config.setdefault("defaults", {}).setdefault("custom", {})
        config.setdefault("overrides", [])
    assert diff_dashboard("x", MODEL, live).changes == ["dashboard: ['__inputs'] removed"]
    # Empty parts alone: still a change, as publish sees it (its content hash must not move).
    del live["__inputs"]
    assert normalize(live) != normalize(MODEL)
    result = diff_dashboard("x", MODEL, live)
    assert (result.status, result.changes) == ("changed", ["changed (key order or defaults only)"])


def test_legacy_row_panels_are_compared_with_their_migrations():
    live = _copy()
    live["rows"] = [{"title": "", "panels": [dict(p, span=6) for p in live.pop("panels")]}]
    changes = diff_dashboard("x", MODEL, live).changes
    assert not [c for c in changes if c.endswith((" added", "renamed"))], changes
    assert changes[-1] == "dashboard: ['rows'] removed"
