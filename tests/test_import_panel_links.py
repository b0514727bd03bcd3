"""A link to a panel of its own dashboard (`viewPanel=`, `editPanel=`) follows the panel to the id
the build gives it, as a `-- Dashboard --` query does (trial 17, L2). VictoriaMetrics' own
dashboard links its overview stats to their detail panels (`/d/wNf0q_kZk_vm?viewPanel=154&…`, nine
such data links); the import renumbers the panels and the build puts a story panel first, so after
import + build every one of them named an id no panel had."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from test_import_roundtrip import roundtrip

from vertice_obs.build.render import layout
from vertice_obs.cli import cli

VM = Path(__file__).resolve().parent / "data" / "trial17" / "victoriametrics-single-node.json"


def _panels(panels: list) -> dict[int, dict]:
    """Every panel by id, a collapsed row's own too."""
    out: dict[int, dict] = {}
    for panel in panels:
        out.setdefault(panel["id"], panel)
        out.update(_panels(panel.get("panels") or []))
    return out


def _opened(model: dict) -> list[tuple[str, str]]:
    """(title of the panel linking, title of the panel its link opens), for every viewPanel link."""
    by_id = _panels(model["panels"])
    return [(panel.get("title"), by_id[int(m.group(1))].get("title") if int(m.group(1)) in by_id else None)
            for panel in by_id.values()
            for m in re.finditer(r"viewPanel=(\d+)", json.dumps(panel.get("fieldConfig", {})))]


def test_victoriametrics_links_open_the_panels_they_opened_after_import_and_build(tmp_path: Path):
    original = json.loads(VM.read_text(encoding="utf-8"))
    wanted = _opened(original)
    assert len(wanted) == 9 and all(opens for _, opens in wanted)
    (tmp_path / "vm.json").write_text(VM.read_text(encoding="utf-8"), encoding="utf-8")
    done = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(tmp_path / "vm.json"), "--narrative", "vm",
                                    "--explain"])
    assert done.exit_code == 0, done.output
    assert ("links to a panel of this dashboard (viewPanel=, editPanel=) open the panel they named under its new id "
            "(panels are renumbered, a story panel first): 'Logging rate' links to 'Logging rate', ") in done.output
    built = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert built.exit_code == 0, built.output
    rendered = json.loads((tmp_path / "exports" / "vm" / "wNf0q_kZk_vm.json").read_text(encoding="utf-8"))
    assert _opened(rendered) == wanted
    assert "viewPanel=154&" not in json.dumps(rendered)  # the id it had: no panel has it now


def test_the_vm_dashboard_still_round_trips(tmp_path: Path):
    actual, wanted = roundtrip(json.loads(VM.read_text(encoding="utf-8")), tmp_path)
    assert json.dumps(actual, sort_keys=True, indent=1) == json.dumps(wanted, sort_keys=True, indent=1)


def _linking(*urls: str, where: str = "links") -> dict:
    links = [{"title": f"l{i}", "url": url} for i, url in enumerate(urls)]
    if where == "links":
        return {"id": 9, "type": "stat", "title": "linking", "links": links}
    if where == "defaults":
        return {"id": 9, "type": "stat", "title": "linking", "fieldConfig": {"defaults": {"links": links}}}
    return {"id": 9, "type": "stat", "title": "linking", "fieldConfig": {"defaults": {}, "overrides": [
        {"matcher": {"id": "byName", "options": "x"}, "properties": [{"id": "links", "value": links}]}]}}


def _urls(panel: dict) -> list[str]:
    return re.findall(r'"url": "([^"]*)"', json.dumps(panel))


def test_the_build_renumbers_links_to_the_dashboards_own_panels():
    story = {"type": "text", "title": "story", "gridPos": {"h": 3, "w": 24}}
    target = {"id": 7, "type": "timeseries", "title": "detail"}
    for where in ("links", "defaults", "overrides"):
        linking = _linking("/d/own?viewPanel=7&var-job=${__field.labels.job}&${__url_time_range}",
                           "https://grafana.example.com/sub/d/own/a-slug?orgId=1&editPanel=7#top",
                           "?viewPanel=panel-7", "d/${__dashboard.uid}?viewPanel=7",
                           "/d/other?viewPanel=7", "/d/own-2?viewPanel=7", "/d/own?viewPanel=8", "/d/own?viewPanel=70",
                           "/d/own?viewPanel=$panel", "/d/own?x=1&viewPanel=7", where=where)
        before = json.dumps(linking)
        placed = layout([story, target, linking], "own")
        assert placed[1]["id"] == 2
        assert _urls(placed[2]) == [
            "/d/own?viewPanel=2&var-job=${__field.labels.job}&${__url_time_range}",
            "https://grafana.example.com/sub/d/own/a-slug?orgId=1&editPanel=2#top",
            "?viewPanel=panel-2", "d/${__dashboard.uid}?viewPanel=2",
            "/d/other?viewPanel=7", "/d/own-2?viewPanel=7",  # another dashboard's panel: as it was
            "/d/own?viewPanel=8", "/d/own?viewPanel=70", "/d/own?viewPanel=$panel",  # no panel declared these
            "/d/own?x=1&viewPanel=2"], where
        assert json.dumps(linking) == before  # the input is not modified


def test_a_collapsed_rows_panels_link_to_each_other_and_a_dashboard_without_ids_is_left_alone():
    row = {"id": 3, "type": "row", "collapsed": True, "panels": [
        {"id": 30, "type": "stat", "title": "a", "links": [{"url": "/d/u?viewPanel=31"}]},
        {"id": 31, "type": "stat", "title": "b", "links": [{"url": "/d/u?viewPanel=30"}]}]}
    placed = layout([row], "u")
    inner = placed[0]["panels"]
    assert [p["id"] for p in inner] == [2, 3]
    assert inner[0]["links"] == [{"url": "/d/u?viewPanel=3"}] and inner[1]["links"] == [{"url": "/d/u?viewPanel=2"}]
    plain = {"type": "stat", "title": "no id", "links": [{"url": "/d/u?viewPanel=1"}]}
    assert layout([plain], "u")[0]["links"] == [{"url": "/d/u?viewPanel=1"}]


def test_an_absurd_panel_number_in_a_link_is_text_not_a_crash():
    huge = "9" * 5000  # int() of it would raise: Python caps conversions at 4,300 digits
    panel = {"id": 1, "type": "stat", "title": "x", "links": [{"url": f"/d/u?viewPanel={huge}"}]}
    assert layout([{"type": "text"}, panel], "u")[1]["links"] == [{"url": f"/d/u?viewPanel={huge}"}]
