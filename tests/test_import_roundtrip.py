"""`vobs import` round trip (issue 17): normalise(build(import(x))) == normalise(migrate(x)).

An imported module is generated (`importer.codegen`), loaded as `vobs build` loads every module
(`build.modules.load_one`) and rendered into a one-chapter narrative (`build.render`); with the
narrative's additions set aside (its story panel, its tags; one chapter has no chapter links), the
normalised JSON must equal the migrated original — every panel, target, variable, annotation and
link. The corpus: the repository's own exports and the real public dashboards in tests/data/public
(Debian's 13 Ceph dashboards in its ceph/ folder), each also checked field by field against the
original itself, read the way Grafana reads a legacy panel.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertice_obs.build.modules import load_one
from vertice_obs.build.narrative import Chapter, Narrative
from vertice_obs.build.render import Membership, layout, render_dashboard
from vertice_obs.build.render import without_narrative as narrative_set_aside
from vertice_obs.grafana.normalize import normalize
from vertice_obs.importer.codegen import module_text
from vertice_obs.importer.migrate import migrate

REPO = Path(__file__).resolve().parent.parent
# tests/data/public/ and its subfolders (ceph/: Debian's ceph-grafana-dashboards); see SOURCES.md there
CORPUS = sorted([*REPO.glob("exports/*/*.json"), *(REPO / "tests" / "data" / "public").rglob("*.json")])
NARRATIVE_TAGS = ("vertice-obs", "narrative:imported", "imported-tag")


def build_imported(text: str, uid: str, tmp_path: Path) -> dict:
    """The model `vobs build` renders for the module `text`, in a one-chapter narrative."""
    path = tmp_path / "dashboards" / "imported.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loaded = load_one(path, "dashboards/imported.py")
    assert not hasattr(loaded, "message"), str(loaded)
    narrative = Narrative(id="imported", title="Imported", owner="o", summary="s", folder="F",
                          tags=("imported-tag",), chapters=(Chapter(uid, "T", "A story.", 1),), file="n.yaml")
    return render_dashboard(loaded.model, [Membership(narrative, 0)], "dashboards/imported.py").model


def without_narrative(built: dict) -> dict:
    """The rendered dashboard minus the narrative's story panel, relaid out as the import laid it out."""
    out = dict(built)
    story, *panels = out["panels"]
    assert story["type"] == "text" and story["title"].startswith("Imported · 1/1")
    out["panels"] = layout(panels, out.get("uid"))  # links to its own panels follow them back too
    return out


def expected(original: dict) -> dict:
    model, _ = migrate(original, "fallback-uid")
    model = dict(model, tags=sorted(set(model.get("tags") or []) | set(NARRATIVE_TAGS)))
    return model


def roundtrip(original: dict, tmp_path: Path) -> tuple[dict, dict]:
    model, notes = migrate(original, "fallback-uid")
    built = build_imported(module_text(model, "corpus", notes), model["uid"], tmp_path)
    return normalize(without_narrative(built)), normalize(expected(original))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_dashboard_survives_the_round_trip(path: Path, tmp_path: Path):
    actual, wanted = roundtrip(json.loads(path.read_text(encoding="utf-8")), tmp_path)
    assert json.dumps(actual, sort_keys=True, indent=1) == json.dumps(wanted, sort_keys=True, indent=1)


HOSTILE_TITLES = ["it's \"quoted\"", '"""', "'''", "line\nbreak\r\n", "__import__('os').system('touch pwned')",
                  "\\", "{ENV} {{x}} %s", "Φ 🚀 \u2028 \u202e right-to-left", "\x00\x1b[31m", "'); import os #"]


def kitchen_sink() -> dict:
    """A modern dashboard using every field the import names, with hostile strings in every title."""
    def ts(title: str, **extra) -> dict:
        return {"type": "timeseries", "title": title, "description": f"about {title}",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": [{"expr": f'sum(rate(x_total{{title="{title}"}}[5m]))', "legendFormat": "{{job}}",
                             "refId": "A", "interval": "1m", "hide": True, "exemplar": True},
                            {"expr": "up", "refId": "B", "interval": "30s", "instant": True,
                             "datasource": {"type": "prometheus", "uid": "other"}},
                            {"expr": 'environment=~"$environment"', "refId": "C"},
                            {"expr": 'sum(y{environment=~"$environment", t="' + title + '"}) / '
                                     'environment=~"$environment"{environment=~"$environment"}', "refId": "D"}],
                "fieldConfig": {"defaults": {"unit": "reqps", "min": 0, "max": 1.5, "decimals": 2,
                                             "thresholds": {"mode": "absolute", "steps": [
                                                 {"color": "green", "value": None}, {"color": "red", "value": 80}]},
                                             "custom": {"fillOpacity": 20}},
                                "overrides": [{"matcher": {"id": "byName", "options": title},
                                               "properties": [{"id": "unit", "value": "s"}]}]},
                "options": {"legend": {"displayMode": "table"}, "tooltip": {"mode": "multi"}},
                "links": [{"title": title, "url": "https://example.org/?q=" + title}],
                "transformations": [{"id": "organize", "options": {"renameByName": {"a": title}}}],
                "repeat": "instance", "repeatDirection": "h", "maxPerRow": 4, "interval": "2m", **extra}
    panels, y = [], 0
    for index, title in enumerate(HOSTILE_TITLES):
        panels.append(dict(ts(title), gridPos={"h": 6 + index % 3, "w": 8 + 4 * (index % 3), "x": 0, "y": y}))
        y += 10
    panels.insert(3, {"type": "row", "title": "Expanded " + HOSTILE_TITLES[0], "collapsed": False, "panels": [],
                      "gridPos": {"h": 1, "w": 24, "x": 0, "y": 25}})
    panels.append({"type": "row", "title": HOSTILE_TITLES[3], "collapsed": True, "repeat": "env",
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": 500},
                   "panels": [dict(ts("inside " + HOSTILE_TITLES[4]), gridPos={"h": 5, "w": 6, "x": 0, "y": 501}),
                              {"type": "stat", "title": "percent thresholds", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 501},
                               "fieldConfig": {"defaults": {"thresholds": {"mode": "percentage", "steps": [
                                   {"color": "blue", "value": None}]}}}}]})
    panels.append({"type": "text", "title": "note", "options": {"mode": "markdown", "content": '"""\nx'},
                   "gridPos": {"h": 3, "w": 24, "x": 0, "y": 600}, "libraryPanel": {"uid": "lib-1", "name": "L"}})
    return {
        "uid": "kitchen-sink", "title": HOSTILE_TITLES[4], "description": HOSTILE_TITLES[1], "tags": ["b", "a", "b"],
        "schemaVersion": 39, "time": {"from": "now-1h", "to": "now"}, "refresh": "1m", "timezone": "utc",
        "graphTooltip": 1, "weekStart": "monday",
        "templating": {"list": [{"name": "instance", "type": "query", "query": "label_values(up, instance)",
                                 "datasource": {"type": "prometheus", "uid": "${datasource}"}, "multi": True,
                                 "current": {"text": HOSTILE_TITLES[5], "value": "$__all"}}]},
        "annotations": {"list": [{"name": HOSTILE_TITLES[2], "expr": "changes(x[5m]) > 0", "enable": True,
                                  "iconColor": "red"}]},
        "links": [{"title": HOSTILE_TITLES[6], "type": "dashboards", "tags": ["x"], "asDropdown": True}],
        "panels": panels,
    }


def test_every_named_field_survives_on_a_dashboard_using_all_of_them(tmp_path: Path):
    original = kitchen_sink()
    actual, wanted = roundtrip(original, tmp_path)
    assert json.dumps(actual, sort_keys=True, indent=1) == json.dumps(wanted, sort_keys=True, indent=1)
    # And migrate kept everything of this modern dashboard but positions and ids.
    migrated, notes = migrate(original)
    assert notes == ["library panel 'L' (uid 'lib-1') kept as a reference: its model lives in Grafana's library, "
                     "not in this module", "positions reflowed by the house layout (reading order and sizes kept)"]
    strip = lambda ps: [{k: v for k, v in p.items() if k not in ("gridPos", "id", "panels")}
                        | {"size": (p["gridPos"]["w"], p["gridPos"]["h"])} for p in ps]
    assert strip(migrated["panels"]) == strip(sorted(original["panels"], key=lambda p: p["gridPos"]["y"]))
    assert strip(migrated["panels"][-2]["panels"]) == strip(original["panels"][-2]["panels"])
    for key in ("templating", "annotations", "links", "time", "refresh", "timezone", "graphTooltip", "weekStart",
                "description", "title"):
        assert actual[key] == original[key], key


def test_hostile_strings_are_data_never_code(tmp_path: Path):
    """A title that tries to close the string or call __import__ is a string literal in the module."""
    import ast

    model, notes = migrate(kitchen_sink())
    text = module_text(model, "a'\"\"\"\nsource", notes)
    tree = ast.parse(text)
    calls = {node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
             for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert calls == {"dashboard", "panel", "prom", "row"}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert names == {"h", "dashboard", "DATASOURCE", "ENV", "QUERY_OVERRIDES"}
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert set(HOSTILE_TITLES) <= strings
    assert not (tmp_path / "pwned").exists()
    build_imported(text, "kitchen-sink", tmp_path)
    assert not Path("pwned").exists() and not (tmp_path / "dashboards" / "pwned").exists()


def test_generation_is_deterministic():
    model, notes = migrate(kitchen_sink())
    assert module_text(model, "s", notes) == module_text(migrate(kitchen_sink())[0], "s", notes)


def test_generated_modules_are_ruff_clean(tmp_path: Path):
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for index, original in enumerate([kitchen_sink(), *(json.loads(p.read_text(encoding="utf-8")) for p in CORPUS)]):
        model, notes = migrate(original, "fallback-uid")
        (tmp_path / f"m{index}.py").write_text(module_text(model, str(index), notes), encoding="utf-8")
    done = subprocess.run([ruff, "check", "--isolated", "--select", "F,E9,I,W", "--line-length", "120",
                           str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _flat_panels(panels: list) -> list[dict]:
    out = []
    for panel in panels:
        out.append(panel)
        out.extend(_flat_panels(panel.get("panels") or []) if panel.get("type") == "row" else [])
    return out


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_panel_of_the_original_survives_field_by_field(path: Path, tmp_path: Path):
    """Against the original itself, not its migration: each panel's title, every target's expr,
    legendFormat, refId and interval, its datasource, links, unit and repeat — legacy ones included."""
    # a dashboard vobs rendered (the repository's exports in the corpus) is compared without what its
    # narrative added: the import sets that aside, and the narrative it joins adds its own
    original, _ = narrative_set_aside(json.loads(path.read_text(encoding="utf-8")))
    legacy = [p for row in original.get("rows") or [] for p in row["panels"]]
    before = legacy or sorted(_flat_panels(original.get("panels") or []),
                              key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    model, notes = migrate(original, "fallback-uid")
    built = without_narrative(build_imported(module_text(model, "corpus", notes), model["uid"], tmp_path))
    after = [p for p in _flat_panels(built["panels"]) if p["type"] != "row" or not legacy]
    assert len(after) == len(before)
    # The dashboard's own parts, whole (a one-chapter narrative adds no dashboard links).
    # Variables: the original's, after one datasource variable per `__inputs` datasource it declared
    # (the documented migration: `${DS_X}` must resolve once `__inputs` is gone).
    inputs = [i["name"] for i in original.get("__inputs") or [] if i.get("type") == "datasource"]
    variables = (built.get("templating") or {}).get("list") or []
    assert [(v["name"], v["type"]) for v in variables[:len(inputs)]] == [(n, "datasource") for n in inputs]
    built = {**built, "templating": {**built["templating"], "list": variables[len(inputs):]}} if inputs else built
    for key in ("title", "description", "templating", "annotations", "links", "time", "refresh", "timezone"):
        assert _plain(built.get(key) or None) == _plain(original.get(key) or None), key

    def unit(p: dict) -> object:
        legacy_unit = p.get("format") or ((p.get("yaxes") or [{}])[0].get("format"))
        return legacy_unit or p.get("fieldConfig", {}).get("defaults", {}).get("unit")

    migrated = {"graph": "timeseries", "singlestat": "stat"}
    for old, new in zip(before, after):
        assert new["title"] == old["title"] and new["type"] == migrated.get(old["type"], old["type"])
        keys = ("expr", "legendFormat", "refId", "interval")
        # "" and [] are Grafana's defaults, dropped on import as normalisation ignores them
        assert [[t.get(k) or None for k in keys] for t in new.get("targets", [])] == \
               [[t.get(k) or None for k in keys] for t in old.get("targets", [])]
        for key in ("datasource", "links", "repeat", "transformations", "description"):
            assert (new.get(key) or None) == (old.get(key) or None), key
        assert new.get("fieldConfig", {}).get("defaults", {}).get("unit") == unit(old)
        assert_legacy_meaning_survives(old, new, sized=not legacy)
        # a type with no house call and no migration here: kept whole (above), and never silently
        if old["type"] == "grafana-piechart-panel" or (old["type"], "styles" in old) == ("table", True) or \
                (old["type"], "cards" in old) == ("heatmap", True):
            kept = next((n for n in notes if n.startswith("kept as they are")), "")
            assert f"{old['type']} (" in kept, f"{old['title']!r}: a legacy {old['type']} kept without a note"


def _number(value: object) -> object:
    try:
        number = float(value)  # legacy dashboards write bounds as strings too ("0", ".75")
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _plain(value: object) -> object:
    """Nulls and empty values dropped at every depth: Grafana reads them as absent, normalisation too."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, "", [], {})}
    return [_plain(v) for v in value] if isinstance(value, list) else value


def _whole(panel: dict) -> dict:
    """A panel but its place and what migrate documents as Grafana's defaults (nulls, empty values,
    `pluginVersion`, a target's `hide: false`, empty `fieldConfig` parts)."""
    plain = _plain
    out = {k: v for k, v in plain(panel).items() if k not in ("id", "gridPos", "panels", "pluginVersion")}
    if "targets" in out:
        out["targets"] = [{k: v for k, v in plain(t).items() if (k, v) != ("hide", False)} for t in out["targets"]]
    if "fieldConfig" in out:
        config = plain(out.pop("fieldConfig"))
        defaults = {k: v for k, v in plain(config.get("defaults") or {}).items() if v != {}}
        config = plain(dict(config, defaults=defaults))
        out.update({"fieldConfig": config} if config else {})
    return out


def assert_legacy_meaning_survives(old: dict, new: dict, sized: bool) -> None:
    """What a reader sees, read from the ORIGINAL panel the way Grafana reads it (written out here,
    not with the importer's code): size, min/max, threshold values, per-series overrides and value
    maps; a panel type the house style has no call for (old `table`, `heatmap`, a plugin) whole."""
    title, defaults = old["title"], new.get("fieldConfig", {}).get("defaults", {})
    rules = new.get("fieldConfig", {}).get("overrides", [])
    if sized and old["type"] != "row":
        assert (new["gridPos"]["w"], new["gridPos"]["h"]) == (old["gridPos"]["w"], old["gridPos"]["h"]), title
    old_defaults = (old.get("fieldConfig") or {}).get("defaults") or {}
    if old["type"] == "graph":
        axis = (old.get("yaxes") or [{}])[0]
        bounds = {k: _number(axis.get(k)) for k in ("min", "max")}
        steps = sorted(_number(t["value"]) for t in old.get("thresholds") or [] if _number(t.get("value")) is not None)
        aliases = [o["alias"] for o in old.get("seriesOverrides") or [] if isinstance(o, dict) and len(o) > 1]
        aliases += [a for a in old.get("aliasColors") or {} if a not in aliases]
        negative = {o["alias"] for o in old.get("seriesOverrides") or []
                    if isinstance(o, dict) and o.get("transform") == "negative-Y"}
        assert [r["matcher"]["options"] for r in rules] == aliases, title
        assert {r["matcher"]["options"] for r in rules if {"id": "custom.transform", "value": "negative-Y"}
                in r["properties"]} == negative, title
        assert (defaults.get("custom", {}).get("stacking", {}).get("mode") == "normal") == (old.get("stack") is True)
    elif old["type"] == "singlestat":
        gauge = old.get("gauge") or {}
        bounds = {"min": gauge.get("minValue"), "max": gauge.get("maxValue")} if gauge.get("show") else {}
        levels = [_number(v) for v in str(old.get("thresholds") or "").split(",") if v.strip()]
        # Grafana's migration: one step per color; a level that is not a number carries none
        steps = sorted(levels[:len(old.get("colors") or []) - 1]) if None not in levels else []
        kind = old.get("mappingType") or (1 if old.get("valueMaps") else 2)
        maps = old.get("valueMaps") if kind == 1 else old.get("rangeMaps")
        texts = sorted(str(m["text"]) for m in maps or [])
        shown = sorted(r["text"] for m in defaults.get("mappings", [])
                       for r in ([m["options"]["result"]] if "result" in m["options"] else m["options"].values()))
        assert shown == texts, title
    else:
        assert _whole(new) == _whole(old), title
        bounds = {k: old_defaults.get(k) for k in ("min", "max")}
        steps = sorted(s["value"] for s in (old_defaults.get("thresholds") or {}).get("steps", [])
                       if s.get("value") is not None)
        assert rules == ((old.get("fieldConfig") or {}).get("overrides") or []), title
    assert {k: defaults.get(k) for k in bounds} == {k: v for k, v in bounds.items()}, title
    assert sorted(s["value"] for s in defaults.get("thresholds", {}).get("steps", [])
                  if s.get("value") is not None) == steps, title


GOLDEN = REPO / "tests" / "golden" / "import"
PUBLIC_DIR = REPO / "tests" / "data" / "public"
PUBLIC = sorted(PUBLIC_DIR.rglob("*.json"))


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.relative_to(PUBLIC_DIR).as_posix())
def test_generated_python_is_pinned_by_golden_files(path: Path):
    """The generated module for each public dashboard (Ceph's as `ceph_<name>.py`), byte for byte:
    a change to the generator shows up as a reviewed diff of readable code. `UPDATE_GOLDEN=1`
    rewrites them."""
    import os
    import re

    relative = path.relative_to(PUBLIC_DIR)
    model, notes = migrate(json.loads(path.read_text(encoding="utf-8")),
                           re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-"))
    text = module_text(model, f"tests/data/public/{relative.as_posix()}", notes)
    golden = GOLDEN / (re.sub(r"[^a-z0-9]+", "_", relative.with_suffix("").as_posix().lower()) + ".py")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "generated code changed: review, then UPDATE_GOLDEN=1"


def test_query_keys_repeated_on_many_queries_are_written_once(tmp_path: Path):
    """grafonnet writes `format` and `intervalFactor` on every query: the module says them once, as
    `QUERY_OVERRIDES`; a query carrying other keys keeps its own literal, and one occurrence is
    not worth a constant. The built dashboard is the same either way."""
    common = {"format": "time_series", "intervalFactor": 1}
    original = {"uid": "q", "title": "Q", "schemaVersion": 39, "panels": [
        {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "targets": [
            {"expr": "up", "refId": "A", **common}, {"expr": "down", "refId": "B", **common}]},
        {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8}, "targets": [
            {"expr": "up", "refId": "A", "format": "table"}, {"expr": "x", "refId": "B"}]}]}
    model, notes = migrate(original, "q")
    text = module_text(model, "corpus", notes)
    assert "QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}" in text
    assert text.count("overrides=QUERY_OVERRIDES") == 2
    assert "overrides={'format': 'table'}" in text
    built, wanted = roundtrip(original, tmp_path)
    assert built == wanted

    once = json.loads(json.dumps(original))
    once["panels"][0]["targets"][1] = {"expr": "down", "refId": "B"}
    text = module_text(*migrate(once, "q")[:1], "corpus", [])
    assert "QUERY_OVERRIDES" not in text and text.count("overrides={'format': 'time_series'") == 1
