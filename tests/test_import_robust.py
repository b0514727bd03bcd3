"""`vobs import` under a new user's review (issue 17, follow-up): module names that collide, the
`__inputs` of Grafana.com exports, uids from non-ASCII titles, and the small CLI rough edges.
Each test here failed before its fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_import_cli import OPERATION, V3, vobs


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for folder in ("dashboards", "narratives"):
        (tmp_path / folder).mkdir()
    return tmp_path


def _write(project: Path, name: str, uid: str, title: str) -> None:
    panel = {"type": "timeseries", "title": f"{title} panel", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
             "targets": [{"expr": "up", "refId": "A"}]}
    (project / name).write_text(json.dumps({"uid": uid, "title": title, "panels": [panel]}))


def _uid_in(module: Path) -> str:
    text = module.read_text()
    return text.split("h.dashboard(\n", 1)[1].split(",", 1)[0].strip().strip("'\"")


def test_a_module_is_named_after_its_title(project: Path):
    """Trial 19: `vobs import` of the monitoring mixins wrote `d_3e97d1d02672cdd0861f4c97c64f89b2.py` (their
    uids are hashes); the module is named as people call the dashboard, its title — ASCII letters and
    digits (accents dropped), lowercase, `_` for the rest — and after its uid when the title has none
    (another script). A dashboard renamed since is imported again into its own module, found by its uid."""
    _write(project, "use.json", "3e97d1d02672cdd0861f4c97c64f89b2", "Node Exporter / USE Method / Cluster")
    _write(project, "cafe.json", "c1", "Café: déjà vu!")
    _write(project, "ru.json", "7d57716318ee", "Латентность")
    done = vobs(project, "import", "use.json", "cafe.json", "ru.json", "--narrative", "n")
    assert done.returncode == 0, done.stderr
    assert "use.json → dashboards/node_exporter_use_method_cluster.py (uid 3e97d1d02672cdd0861f4c97c64f89b2)" \
        in done.stdout
    assert sorted(p.name for p in (project / "dashboards").glob("*.py")) == [
        "cafe_deja_vu.py", "d_7d57716318ee.py", "node_exporter_use_method_cluster.py"]
    assert vobs(project, "build").returncode == 0
    _write(project, "use.json", "3e97d1d02672cdd0861f4c97c64f89b2", "USE / Cluster")  # renamed in Grafana
    again = vobs(project, "import", "use.json", "--force")
    assert again.returncode == 0, again.stderr
    assert "use.json → dashboards/node_exporter_use_method_cluster.py" in again.stdout
    assert "USE / Cluster" in (project / "dashboards" / "node_exporter_use_method_cluster.py").read_text()


@pytest.mark.parametrize("other", ["OVERVIEW", "Overview!"])
def test_titles_that_make_the_same_module_name_get_distinct_modules(project: Path, other: str):
    _write(project, "a.json", "newuid1", "Overview")
    _write(project, "c.json", "c2", other)
    done = vobs(project, "import", "a.json", "c.json")
    assert done.returncode == 0, done.stderr
    modules = sorted((project / "dashboards").glob("*.py"))
    assert len(modules) == 2 and {_uid_in(m) for m in modules} == {"newuid1", "c2"}
    assert _uid_in(project / "dashboards" / "overview.py") == "newuid1"
    built = vobs(project, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    # Stable: the same import again (with --force) writes the same two modules, nothing more.
    again = vobs(project, "import", "a.json", "c.json", "--force")
    assert again.returncode == 0, again.stderr
    assert sorted((project / "dashboards").glob("*.py")) == modules


def test_a_module_name_differing_only_in_case_is_taken(project: Path):
    """macOS and Windows file systems: `Overview.py` and `overview.py` are one file."""
    _write(project, "a.json", "newuid1", "Overview")
    (project / "dashboards" / "Overview.py").write_text("# someone else's dashboard\n")
    done = vobs(project, "import", "a.json")
    assert done.returncode == 0, done.stderr
    assert (project / "dashboards" / "Overview.py").read_text() == "# someone else's dashboard\n"
    assert [_uid_in(m) for m in (project / "dashboards").glob("overview_*.py")] == ["newuid1"]


def test_force_never_replaces_a_module_of_another_uid(project: Path):
    _write(project, "a.json", "newuid1", "Overview")
    _write(project, "c.json", "NEWUID1", "Overview")
    assert vobs(project, "import", "a.json").returncode == 0, "setup"
    first = (project / "dashboards" / "overview.py").read_text()
    done = vobs(project, "import", "c.json", "--force", "--explain")
    assert done.returncode == 0, done.stderr
    assert "overview.py is another dashboard's, so this one is overview_" in done.stdout
    assert (project / "dashboards" / "overview.py").read_text() == first
    others = list((project / "dashboards").glob("overview_*.py"))
    assert [_uid_in(m) for m in others] == ["NEWUID1"]
    # Its own module, found by its uid, is what --force replaces from now on.
    assert vobs(project, "import", "c.json", "--force").returncode == 0
    assert sorted((project / "dashboards").glob("*.py")) == sorted([project / "dashboards" / "overview.py", *others])


def test_datasource_inputs_become_datasource_variables_and_validate_finds_them_defined(project: Path):
    """Both swagger-stats exports query `${DS_PROMETHEUS}` and declare it only in `__inputs`."""
    shutil.copy(V3, project / "v3.json")
    shutil.copy(OPERATION, project / "operation.json")
    done = vobs(project, "import", "v3.json", "operation.json", "--narrative", "s", "--explain")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("  - __inputs DS_PROMETHEUS → datasource variable (type prometheus)") == 2
    assert vobs(project, "build").returncode == 0
    for path in (project / "exports" / "s").glob("*.json"):
        variables = json.loads(path.read_text())["templating"]["list"]
        assert variables[0] == {"type": "datasource", "name": "DS_PROMETHEUS", "query": "prometheus",
                                "label": "Prometheus"}
    checked = vobs(project, "validate", "exports")
    assert "DS_PROMETHEUS" in (project / "exports" / "s" / "IcqsUmcGz.json").read_text()
    assert "$DS_PROMETHEUS is used but not defined" not in checked.stdout + checked.stderr
    assert "[variable/undefined]" in checked.stdout  # the check ran: `$path` vs `$Path` is still found


def test_uids_made_from_titles_are_distinct_and_never_empty(project: Path):
    from vertice_obs.guard.paths import check_uid
    from vertice_obs.importer.migrate import fallback_uid

    titles = ["ドーパミン", "Ärger", "Ørger", "Arger", "A b", "a-b", "", "x" * 200, "\ud800 lone"]
    uids = [fallback_uid(t) for t in titles]
    assert len(set(uids)) == len(titles) and [check_uid(u, "uid") for u in uids] == uids
    assert all(len(u) <= 40 and u.strip("-") == u and u for u in uids)
    assert uids[1].startswith("arger-") and uids[0].startswith("d-") and fallback_uid("Ärger") == uids[1]
    for name, title in (("a.json", "Ärger"), ("b.json", "Ørger"), ("c.json", "ドーパミン")):
        panel = {"type": "text", "title": "t", "gridPos": {"h": 2, "w": 24, "x": 0, "y": 0}}
        (project / name).write_text(json.dumps({"title": title, "panels": [panel]}))
    done = vobs(project, "import", "a.json", "b.json", "c.json", "--format", "json")
    assert done.returncode == 0, done.stderr
    got = [d["uid"] for d in json.loads(done.stdout)["imported"]]
    assert got == [fallback_uid("Ärger"), fallback_uid("Ørger"), fallback_uid("ドーパミン")]
    assert len({d["module"] for d in json.loads(done.stdout)["imported"]}) == 3


def test_notes_never_quote_python_none():
    from vertice_obs.importer.migrate import migrate

    model = {"uid": "u", "title": "t", "panels": [
        {"type": "row", "gridPos": {"h": 2, "y": 0}, "panels": []},
        {"type": "stat", "title": "s", "libraryPanel": {"uid": "lib"}, "gridPos": {"h": 2, "w": 4, "x": 0, "y": 3}}]}
    _, notes = migrate(model)
    assert "schemaVersion (none) → 39" in notes
    assert any(n.startswith("library panel (none) (uid 'lib')") for n in notes)
    assert any("(none) was (none)×2" in n for n in notes), notes
    assert not [n for n in notes if "None" in n]


def test_chapter_title_without_narrative_is_a_usage_error(project: Path):
    shutil.copy(V3, project / "v3.json")
    done = vobs(project, "import", "v3.json", "--chapter-title", "T")
    assert done.returncode == 2 and "--chapter-title" in done.stderr and "--narrative" in done.stderr
    assert not list((project / "dashboards").iterdir())


def test_the_same_file_twice_is_one_dashboard(project: Path):
    shutil.copy(V3, project / "v3.json")
    (project / "pulled").mkdir()
    shutil.copy(V3, project / "pulled" / "v3.json")
    done = vobs(project, "import", "v3.json", "./v3.json", "--narrative", "n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("imported 1 dashboard\n") and done.stdout.count("→ dashboards/") == 1
    # A copy elsewhere is another file with the same uid: that is still a collision.
    again = vobs(project, "import", "v3.json", "pulled", "--force")
    assert again.returncode == 2 and "is also in v3.json" in again.stderr


def test_a_folder_is_read_recursively_skipping_what_is_not_a_dashboard(project: Path):
    pulled = project / "pulled"
    (pulled / "team-a" / "deeper").mkdir(parents=True)
    shutil.copy(V3, pulled / "team-a" / "v3.json")
    shutil.copy(OPERATION, pulled / "team-a" / "deeper" / "operation.json")
    (pulled / "inventory.json").write_text('{"dashboards": []}')
    (pulled / "team-a" / "manifest.json").write_text('{"dashboards": [], "files": {}}')
    (pulled / "team-a" / "rules.json").write_text('{"groups": []}')
    (pulled / "team-a" / "list.json").write_text('[1]')
    done = vobs(project, "import", "pulled", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sorted(d["source"] for d in json.loads(done.stdout)["imported"]) == [
        "pulled/team-a/deeper/operation.json", "pulled/team-a/v3.json"]
    assert done.stderr.splitlines() == [
        "vobs: note: pulled/team-a/list.json: is a JSON array, not a Grafana dashboard (an object with panels): skipped",
        "vobs: note: pulled/team-a/rules.json: is not a Grafana dashboard (no `panels`, `rows` or `title`): skipped"]
    # Named on the command line, the same file is an error.
    named = vobs(project, "import", "pulled/team-a/rules.json")
    assert named.returncode == 2 and "rules.json:1: is not a Grafana dashboard" in named.stderr
    # A folder of nothing but non-dashboards is an error, not "imported 0 dashboards".
    (project / "empty").mkdir()
    (project / "empty" / "rules.json").write_text('{"groups": []}')
    empty = vobs(project, "import", "empty")
    assert empty.returncode == 2 and "empty: holds no dashboard JSON file (1 JSON file, none a dashboard)" in empty.stderr


def test_a_folder_walk_skips_symlinks_leading_out_and_reads_one_named(project: Path, tmp_path_factory):
    """The walk `vobs validate` makes (found by a new-user trial): a symlinked file leading out of
    the folder is a note, never read — as a symlinked folder is — and a symlink named is read."""
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(OPERATION, outside / "secret.json")
    pulled = project / "pulled"
    pulled.mkdir()
    shutil.copy(V3, pulled / "v3.json")
    (pulled / "link.json").symlink_to(outside / "secret.json")
    (pulled / "dirlink").symlink_to(outside, target_is_directory=True)
    done = vobs(project, "import", "pulled", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert [d["source"] for d in json.loads(done.stdout)["imported"]] == ["pulled/v3.json"]
    assert done.stderr.splitlines() == [
        "vobs: note: pulled/dirlink: a symlinked folder: not followed (name it to import it)",
        "vobs: note: pulled/link.json: a symlink leading out of the folder: not read (name it to import it)"]
    (pulled / "v3.json").unlink()
    alone = vobs(project, "import", "pulled")
    assert alone.returncode == 2 and "pulled: holds no dashboard JSON file (" in alone.stderr, alone.stderr
    named = vobs(project, "import", "pulled/link.json", "--format", "json")
    assert named.returncode == 0, named.stderr
    assert [d["source"] for d in json.loads(named.stdout)["imported"]] == ["pulled/link.json"]


def test_explain_does_not_list_rows_as_dropped_when_they_became_row_panels(project: Path):
    shutil.copy(OPERATION, project / "operation.json")
    done = vobs(project, "import", "operation.json", "--explain")
    assert done.returncode == 0, done.stderr
    dropped = next(line for line in done.stdout.splitlines() if "dropped keys" in line)
    assert "legacy rows[] → row panels" in done.stdout and "rows" not in dropped.split(":", 1)[1].split(", ")


def test_constant_inputs_become_hidden_constant_variables(project: Path):
    """A Grafana.com export asks for a constant at import (`${VAR_JOB}`, default in `value`): the
    module defines it as a hidden constant variable holding that default, so the query resolves."""
    (project / "c.json").write_text(json.dumps({
        "__inputs": [{"name": "VAR_JOB", "type": "constant", "label": "Job", "value": "node"},
                     {"name": "VAR_BAD", "type": "constant"}],  # no default: nothing to hold
        "uid": "const", "title": "Const",
        "panels": [{"type": "timeseries", "title": "Up", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                    "targets": [{"expr": 'up{job="${VAR_JOB}"}', "refId": "A"}]}]}))
    done = vobs(project, "import", "c.json", "--narrative", "s", "--explain")
    assert done.returncode == 0, done.stderr
    assert "  - __inputs VAR_JOB → hidden constant variable 'node' (the input's default)" in done.stdout
    assert "VAR_BAD" not in done.stdout
    assert vobs(project, "build").returncode == 0
    variables = json.loads((project / "exports" / "s" / "const.json").read_text())["templating"]["list"]
    assert {"type": "constant", "name": "VAR_JOB", "query": "node", "hide": 2, "label": "Job"} in variables
    checked = vobs(project, "validate", "exports", "--offline")
    assert "VAR_JOB" not in checked.stdout + checked.stderr


def _legacy(row: dict, panel: dict) -> str:
    """A one-row legacy dashboard, its row's keys on line 2 and its panel's on line 3."""
    panel = {"type": "graph", "title": "p", "targets": [{"expr": "up", "refId": "A"}], **panel}
    return ('{"uid": "legacy", "title": "Legacy", "schemaVersion": 10, "rows": [{"showTitle": true, "title": "r",\n'
            + json.dumps(row)[1:-1] + (", " if row else "") + '"panels": [\n' + json.dumps(panel) + "]}]}")


@pytest.mark.parametrize(("row", "panel", "message"), [
    ({}, {"span": 1e308}, "rows[0].panels[0].span is 1e+308, not a span from 0 to 5,000 columns (10,000 grid units)"),
    ({"height": "9" * 400 + "px"}, {}, "rows[0].height is '" + "9" * 29 + "…99px', not a height "
                                       "from 0 to 380,000 px (10,000 grid units)"),
    ({"height": 1e308}, {}, "rows[0].height is 1e+308, not a height from 0 to 380,000 px (10,000 grid units)"),
    ({}, {"height": -1}, "rows[0].panels[0].height is -1, not a height from 0 to 380,000 px (10,000 grid units)"),
], ids=["span-1e308", "height-400-digits", "height-1e308", "panel-height-negative"])
def test_a_legacy_size_beyond_the_grid_is_one_line_at_its_place(project: Path, row: dict, panel: dict, message: str):
    """Crashed (`internal error: OverflowError`) on a span or height a float cannot round, and a
    1e308 px row height rendered `"h": 2631578…` (300 digits) with exit 0: the legacy sizes are held
    to gridPos's bound, in grid units, by the same check (`build/shape.py`)."""
    (project / "l.json").write_text(_legacy(row, panel))
    done = vobs(project, "import", "l.json")
    line = 2 if row else 3
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith(f"vobs: error: l.json:{line}:") and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr and "internal error" not in done.stderr
    assert not list((project / "dashboards").iterdir())


@pytest.mark.parametrize(("text", "message"), [
    ('{"title": "x", "panels": [{"gridPos": {"h": 1e308}}]}', "panels[0].gridPos.h is 1e308, not a number of grid units"),
    ('{"title": "x", "panels": [{"gridPos": {"w": -1.0E+5}}]}', "panels[0].gridPos.w is -1.0E+5, not a number"),
    ('{"dashboard": {"title": "x", "rows": [{"height": 2.5e30, "panels": [{"span": 1E308}]}]}}',
     "rows[0].height is 2.5e30, not a height"),
    ('{"title": "x", "rows": [{"panels": [{"span": 1E308}]}]}', "rows[0].panels[0].span is 1E308, not a span"),
    ('{"title": "x", "panels": [{"gridPos": {"h": 1' + "0" * 60 + '}}]}',
     "panels[0].gridPos.h is 1" + "0" * 29 + "…00000, not a number"),
], ids=["1e308", "negative-E+5", "api-shape", "span-1E308", "60-digits"])
def test_a_refused_number_is_quoted_as_the_file_writes_it(project: Path, text: str, message: str):
    """A trial: `"h": 1e308` was refused as `gridPos.h is 1e+308` — Python's spelling, found nowhere
    in the file. The number is quoted as written (cut short when hundreds of digits long)."""
    (project / "big.json").write_text(text)
    done = vobs(project, "import", "big.json")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "e+3" not in done.stderr.replace("E+5", "") and "internal error" not in done.stderr


def test_a_legacy_size_at_the_bound_is_imported_and_built(project: Path):
    (project / "l.json").write_text(_legacy({"height": "380000px"}, {"span": 5000}))
    assert vobs(project, "import", "l.json", "--narrative", "n").returncode == 0
    assert vobs(project, "build").returncode == 0
    [panel] = [p for p in json.loads((project / "exports" / "n" / "legacy.json").read_text())["panels"]
               if p["type"] != "text" and p["type"] != "row"]
    assert (panel["gridPos"]["w"], panel["gridPos"]["h"]) == (24, 10_000)


DASHBOARD_DS = {"type": "datasource", "uid": "-- Dashboard --"}


def _reading_panel_one(first_id: int = 1) -> dict:
    """k8s-mixin.json (a new user's trial), cut down: the third panel reads the first's results."""
    return {"uid": "reads", "title": "Reads", "panels": [
        {"id": first_id, "type": "timeseries", "title": "CPU", "gridPos": {"h": 16, "w": 12, "x": 0, "y": 0},
         "targets": [{"expr": "up", "refId": "A"}]},
        {"id": 2, "type": "stat", "title": "Other", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
         "targets": [{"expr": "up", "refId": "A"}]},
        {"id": 3, "type": "stat", "title": "Same data", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 8},
         "datasource": DASHBOARD_DS, "targets": [{"datasource": DASHBOARD_DS, "panelId": first_id, "refId": "A"}]}]}


def test_a_dashboard_datasource_query_follows_its_panel_to_the_id_the_build_gives_it(project: Path):
    """The build puts the narrative's story panel first as id 1: the panel read became id 2 while
    the query still said `panelId: 1`, so it read the story text — wrong data, silently."""
    (project / "k.json").write_text(json.dumps(_reading_panel_one()))
    done = vobs(project, "import", "k.json", "--narrative", "n", "--explain")
    assert done.returncode == 0, done.stderr
    assert ("queries of the `-- Dashboard --` datasource read the panel they named under its new id (panels are "
            "renumbered, a story panel first): 'Same data' reads 'CPU'") in done.stdout
    assert vobs(project, "build").returncode == 0
    panels = {p["title"]: p for p in json.loads((project / "exports" / "n" / "reads.json").read_text())["panels"]}
    assert panels["CPU"]["id"] == 2 and panels["Same data"]["targets"][0]["panelId"] == 2


def test_the_build_renumbers_dashboard_datasource_reads_with_the_panels():
    from vertice_obs.build.render import layout

    story = {"type": "text", "title": "story", "gridPos": {"h": 3, "w": 24}}
    read = {"id": 7, "type": "timeseries", "title": "read"}
    by_name = {"id": 8, "type": "stat", "datasource": "-- Dashboard --", "targets": [{"panelId": 7, "refId": "A"}]}
    mixed = {"id": 9, "type": "stat", "datasource": {"uid": "-- Mixed --"}, "targets": [
        {"datasource": DASHBOARD_DS, "panelId": 7}, {"datasource": {"uid": "prom"}, "panelId": 7}]}
    nowhere = {"type": "stat", "datasource": DASHBOARD_DS, "targets": [{"panelId": 42}]}
    row = {"type": "row", "collapsed": True, "panels": [by_name, mixed, nowhere]}
    placed = layout([story, read, row])
    assert placed[1]["id"] == 2
    inner = placed[2]["panels"]
    assert inner[0]["targets"] == [{"panelId": 2, "refId": "A"}]
    assert inner[1]["targets"] == [{"datasource": DASHBOARD_DS, "panelId": 2},
                                   {"datasource": {"uid": "prom"}, "panelId": 7}]
    assert inner[2]["targets"] == [{"panelId": 42}]  # no panel declared 42: left as it was
    assert by_name["targets"] == [{"panelId": 7, "refId": "A"}]  # the input is not modified


def test_a_dashboard_datasource_query_naming_no_panel_and_panel_links_are_noted():
    from vertice_obs.importer.migrate import migrate

    model = _reading_panel_one()
    model["panels"][2]["targets"][0]["panelId"] = 99
    model["panels"][1]["links"] = [{"title": "zoom", "url": "/d/reads/x?viewPanel=1"},
                                   {"title": "gone", "url": "?editPanel=98"}]
    model["panels"][0]["links"] = [{"title": "elsewhere", "url": "/d/other-dashboard?viewPanel=2"}]
    _, notes = migrate(model)
    assert ("queries of the `-- Dashboard --` datasource naming a panel id this dashboard does not have (no data in "
            "Grafana either; point panelId at a panel of the module): 'Same data' reads panel id 99") in notes
    assert ("links to a panel of this dashboard (viewPanel=, editPanel=) open the panel they named under its new id "
            "(panels are renumbered, a story panel first): 'Other' links to 'CPU'") in notes
    assert "links to a panel id this dashboard does not have (viewPanel=, editPanel=) kept as they are: 'Other' " \
           "links to panel id 98" in notes
    assert ("links naming a panel of another dashboard by id (viewPanel=, editPanel=) kept as they are, though vobs "
            "renumbers the panels of a dashboard it builds: check them after `vobs build` ('CPU')") in notes


def test_a_dashboard_datasource_query_in_legacy_rows_reads_its_panel(tmp_path: Path):
    from test_import_roundtrip import build_imported

    from vertice_obs.importer.codegen import module_text
    from vertice_obs.importer.migrate import migrate

    rows = [{"showTitle": True, "title": "r", "panels": [
        {"id": 5, "type": "graph", "title": "CPU", "span": 6, "targets": [{"expr": "up", "refId": "A"}]},
        {"id": 6, "type": "stat", "title": "Same data", "span": 6, "datasource": "-- Dashboard --",
         "targets": [{"panelId": 5, "refId": "A"}]}]}]
    model, notes = migrate({"uid": "legacy", "title": "Legacy", "schemaVersion": 10, "rows": rows})
    built = build_imported(module_text(model, "legacy.json", notes), "legacy", tmp_path)
    panels = {p.get("title"): p for p in built["panels"]}
    assert panels["Same data"]["targets"][0]["panelId"] == panels["CPU"]["id"] == 3


@given(st.text(st.characters(blacklist_categories=())))
def test_any_chapter_title_reads_back_from_the_yaml_and_is_shown_unless_invisible(title):
    """Every code point, surrogates and unassigned ones too: YAML reads the title back as it was;
    what is printable text stays as typed, and the line holds nothing invisible or breaking."""
    import unicodedata

    import yaml

    from vertice_obs.importer.chapters import chapter_text

    text = "chapters:\n" + chapter_text("u", title)
    assert yaml.safe_load(text)["chapters"][0]["title"] == title
    line = text.splitlines()[2]
    assert not [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Cn", "Zl", "Zp")]
    shown = [c for c in title if unicodedata.category(c)[0] in "LMNPS" and c not in '"\\']
    assert all(c in line for c in shown)


@pytest.mark.parametrize("title, said", [(None, "no title"), ("  ", "a blank title"),
                                         (["x"], "a title that is no text (a JSON array)")])
def test_a_dashboard_without_a_title_is_refused_and_nothing_is_written(project: Path, title, said):
    """Import wrote a module `vobs build` then refused (Grafana refuses an untitled dashboard): the
    file is refused at import, in one line, and the good file beside it is not half-imported."""
    _write(project, "good.json", "good", "Good")
    model = {"uid": "untitled", "panels": []} | ({} if title is None else {"title": title})
    (project / "bad.json").write_text(json.dumps(model))
    done = vobs(project, "import", "good.json", "bad.json", "--narrative", "n")
    first, summary = done.stderr.splitlines()
    assert done.returncode == 2 and first.startswith(f"vobs: error: bad.json: the dashboard has {said}:"), done.stderr
    assert summary.startswith("vobs: error: nothing was written: 1 of 2 dashboards refused (bad.json)")
    assert not list((project / "dashboards").iterdir()) and not list((project / "narratives").iterdir())


_NARRATIVE_PIECES = st.sampled_from(["chapters:\n", "  - dashboard: u\n", "  - dashboard: [u]\n", "  - uid: a\n", "    title: T\n", "title: x\n", "when: 2020-99-99\n",
                                     "at: 2001-12-14t21:59:43.10-05:00\n", "[", "]", "{", "}", "&a ", "*a", "!!binary ",
                                     "!!timestamp ", "!!int ", "!!float ", "- ", ": ", "'", '"', "\t", "\n", "%YAML 1.1\n",
                                     "---\n", "x", "1", "0x", "~"])


@settings(max_examples=200, deadline=2000, database=None)
@given(st.one_of(st.text(max_size=60), st.lists(_NARRATIVE_PIECES, max_size=25).map("".join)))
@example("chapters: []\nwhen: 2020-99-99\n")  # found: a date no calendar has raised ValueError
@example("[" * 5000)  # found: nesting past Python's recursion limit raised RecursionError
@example("chapters:\n  - dashboard: [u]\n")  # found: a uid that is a list raised TypeError (unhashable)
@example("chapters:\n  - !!timestamp x\n")  # found: PyYAML's own errors past YAMLError (AttributeError)
def test_chapters_are_appended_to_any_text_or_it_is_one_located_error(text):
    from vertice_obs.errors import InputError
    from vertice_obs.importer.chapters import append_chapters

    try:
        appended, skipped = append_chapters(text, "narratives/n.yaml", [("u", "T")])
    except InputError as exc:
        assert str(exc).startswith("narratives/n.yaml") and "\n" not in str(exc)
    else:
        assert "u" in appended and skipped in ([], ["u"])


def test_a_narrative_to_append_to_that_is_not_utf8_is_one_line(project: Path):
    shutil.copy(V3, project / "v3.json")
    (project / "narratives" / "n.yaml").write_bytes(b"chapters:\n  - uid: a\n    title: \xff\n")
    done = vobs(project, "import", "v3.json", "--narrative", "n")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "not UTF-8" in done.stderr and len(done.stderr.strip().splitlines()) == 1


_ANY = st.recursive(st.none() | st.booleans() | st.integers(-3, 30) | st.floats(allow_nan=False) | st.text(max_size=6)
                    | st.sampled_from(["graph", "row", "timeseries", "singlestat", "${DS}", "-- Dashboard --", "A",
                                       "datasource", "query", "custom", "constant", "prometheus"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
_PANEL_KEYS = st.sampled_from(["type", "title", "id", "gridPos", "targets", "panels", "datasource", "collapsed",
                               "libraryPanel", "options", "fieldConfig", "repeat", "span", "height", "links"])
_PANEL = st.dictionaries(_PANEL_KEYS, _ANY, max_size=6) | st.fixed_dictionaries(
    {"type": st.sampled_from(["graph", "row", "timeseries", "stat"]),
     "gridPos": st.fixed_dictionaries({"h": _ANY, "w": _ANY, "x": _ANY, "y": _ANY}) | _ANY,
     "targets": st.lists(st.dictionaries(st.sampled_from(["expr", "refId", "datasource", "panelId"]), _ANY,
                                         max_size=3), max_size=2) | _ANY})
_MODEL = st.fixed_dictionaries({}, optional={
    "uid": _ANY, "title": _ANY, "schemaVersion": _ANY, "panels": st.lists(_PANEL, max_size=3) | _ANY,
    "rows": st.lists(st.dictionaries(st.sampled_from(["panels", "title", "height", "collapse"]),
                                     st.lists(_PANEL, max_size=2) | _ANY, max_size=3), max_size=2) | _ANY,
    "templating": st.fixed_dictionaries({"list": st.lists(st.dictionaries(st.sampled_from(
        ["name", "type", "query", "current", "options", "datasource"]), _ANY, max_size=4), max_size=2) | _ANY}) | _ANY,
    "__inputs": st.lists(st.dictionaries(st.sampled_from(["name", "type", "pluginId", "value"]), _ANY, max_size=3),
                         max_size=2) | _ANY,
    "annotations": _ANY, "links": _ANY, "time": _ANY, "tags": _ANY})


@settings(max_examples=80, deadline=3000, database=None, suppress_health_check=[HealthCheck.too_slow])  # ~30 ms each
@given(_MODEL)
def test_any_dashboard_model_is_migrated_to_a_module_or_one_input_error(model):
    """`vobs import`'s reading of a dashboard's JSON model (`jsonpos` read the file): the shape problems
    it says one line each, else the module's text and one-line notes, or vobs' one-line refusal."""
    from vertice_obs.build.shape import shape_problems
    from vertice_obs.cli.importer import _convert
    from vertice_obs.errors import InputError

    problems = shape_problems(model)
    if problems:
        assert all(isinstance(why, str) and "\n" not in why for _, why in problems)
        return
    try:
        imported = _convert("x.json", model)
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(imported.text, str) and all(isinstance(n, str) for n in imported.notes)
