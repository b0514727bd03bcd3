"""Findings about a panel of a Python dashboard module are at the module's `file:line:col`: the call
that made the panel (`vertice_obs.panels` or `importer.house`), recorded in a side table while the
module loads, never in the rendered JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from sample_project import make_project

from vertice_obs import callsite
from vertice_obs.build.modules import Places, import_attribute, load_one, to_plain
from vertice_obs.build.plan import in_module
from vertice_obs.callsite import Place
from vertice_obs.cli import cli
from vertice_obs.finding import Finding, Location, Severity

CEPH = Path(__file__).parent / "data" / "public" / "ceph" / "pool-overview.json"

HAND_WRITTEN = '''\
from vertice_obs import panels as p
level = lambda title: p.stat(title, "sample_level", description="Level.", unit="")  # noqa: E731

def quiet(title):
    return p.stat(title, "sample_level", description="", unit="percentunit")


dashboard = p.dashboard(
    "lines", "Lines", description="Where findings point.", environment_metric="sample_level",
    panels=[
        p.text("Notes ✓ é", "ok", description="d"), p.stat("Level", "sample_level", description="", unit=""),
        p.row("Details", [
            p.gauge("Gauge", "sample_level",
                    description="Level.", unit=""),
        ], collapsed=True),
        quiet("Helper"),
        level("From a lambda"),
    ],
)
'''

NARRATIVE = "id: n\ntitle: N\nowner: o\nsummary: s\nchapters:\n  - dashboard: {uid}\n    title: t\n    story: s\n"


def _build(root: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["findings"]


def _at(findings: list[dict], check: str) -> dict[str, tuple]:
    return {f["location"]["panel"]: (f["location"]["file"], f["location"].get("line"), f["location"].get("column"))
            for f in findings if f["check"] == check}


def test_a_hand_written_module_s_panel_findings_are_at_the_call_that_made_the_panel(tmp_path):
    make_project(tmp_path, dashboards={"lines.py": HAND_WRITTEN},
                 narratives={"n.yaml": NARRATIVE.format(uid="lines")})
    findings = _build(tmp_path)
    file = "dashboards/lines.py"
    # Columns in code points: "✓ é" before the second call on line 11 are one each, not their bytes.
    assert _at(findings, "panel/unit") == {"Level": (file, 11, 53), "Gauge": (file, 13, 13),
                                           "From a lambda": (file, 2, 23)}
    assert _at(findings, "panel/description") == {"Level": (file, 11, 53), "Helper": (file, 5, 12)}
    text = CliRunner().invoke(cli, ["-C", str(tmp_path), "build", "--check"]).output
    assert "dashboards/lines.py:13:13 → dashboard lines → panel 'Gauge' (#5): warning: numeric panel has no unit" in text


def test_an_imported_module_s_panel_findings_are_at_its_house_call(tmp_path):
    make_project(tmp_path, dashboards={}, narratives={})
    shutil.copy(CEPH, tmp_path / "pool-overview.json")
    imported = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(tmp_path / "pool-overview.json"), "--narrative", "x"])
    assert imported.exit_code == 0, imported.output
    module = tmp_path / "dashboards" / "ceph_pools_overview.py"
    lines = module.read_text(encoding="utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if line.strip() == "'Pool Overview',")
    call = max(i for i in range(title) if lines[i].strip() == "h.panel(")
    assert title - call == 2  # h.panel(\n 'table',\n 'Pool Overview',
    at = ("dashboards/ceph_pools_overview.py", call + 1, lines[call].index("h.panel(") + 1)
    findings = _build(tmp_path)
    assert _at(findings, "panel/unit")["Pool Overview"] == at
    assert _at(findings, "panel/description")["Pool Overview"] == at
    dashboard_line = next(i for i, line in enumerate(lines) if line.startswith("dashboard = h.dashboard(")) + 1
    env = [f["location"] for f in findings if f["check"] == "dashboard/environment-variable"]
    assert env == [{"file": "dashboards/ceph_pools_overview.py", "line": dashboard_line, "column": 13, "dashboard": "z99hzWtmk"}]


def test_recording_changes_no_byte_of_the_model_and_leaves_nothing_behind(tmp_path):
    make_project(tmp_path, dashboards={"lines.py": HAND_WRITTEN}, narratives={})
    path = tmp_path / "dashboards" / "lines.py"
    loaded = load_one(path, "lines.py")
    unrecorded, _printed = import_attribute(path, "lines.py", "dashboard", to_plain)
    assert json.dumps(loaded.model, sort_keys=True) == json.dumps(unrecorded, sort_keys=True)
    assert loaded.places.panels and all(place is not None for place, _ in loaded.places.panels)
    assert callsite._TABLE.get() is None  # the table lived for that one module only
    made = object()
    assert callsite.record(made) is made  # outside a load: nothing is kept


def test_a_target_finding_is_at_its_query_s_call_and_export_findings_keep_theirs():
    places = Places(dashboard=Place(3, 1), panels=((Place(5, 9), (("A", Place(6, 13)),)), (None, ())))
    found = [Finding("x", Severity.WARNING, "m", Location(file="m.py", dashboard="d", panel="p", panel_id=2,
                                                          target=t)) for t in (None, "A", "B")]
    found += [Finding("x", Severity.WARNING, "m", Location(file="m.py", dashboard="d", panel="q", panel_id=3)),
              Finding("x", Severity.WARNING, "m", Location(file="exports/n/d.json", dashboard="d", panel="p",
                                                           panel_id=2)),
              Finding("x", Severity.WARNING, "m", Location(file="m.py", dashboard="d")),
              Finding("x", Severity.WARNING, "m", Location(file="m.py", line=40, dashboard="d", panel="p",
                                                           panel_id=2))]
    placed = [(f.location.line, f.location.column) for f in in_module(found, "m.py", places, first_id=2)]
    # a panel no house call made (raw grafanalib, `q`) is at its dashboard's call: a line to go to,
    # not the file alone (a new-user trial); another file's finding and one already placed keep theirs
    assert placed == [(5, 9), (6, 13), (5, 9), (3, 1), (None, None), (3, 1), (40, None)]


def test_the_house_kit_still_runs_on_its_own_without_vobs(tmp_path):
    """A generated module needs only `house.py` and the standard library: without vobs there is no
    call-site table, and the kit's calls return the same dicts."""
    import subprocess
    import sys

    import vertice_obs.importer.house as h

    shutil.copy(h.__file__, tmp_path / "house.py")
    code = ("import sys, json, house; assert 'vertice_obs' not in sys.modules; "
            "print(json.dumps(house.panel('stat', 'x', [house.prom('up')], unit='s'), sort_keys=True))")
    done = subprocess.run([sys.executable, "-E", "-S", "-s", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == json.dumps(h.panel("stat", "x", [h.prom("up")], unit="s"), sort_keys=True) + "\n"


def test_panels_under_an_expanded_row_are_placed_as_layout_numbers_them(tmp_path):
    """`layout` lifts an expanded row's panels to the top level; ids (and so places) still follow
    the module's order: the row, then its panels, then what comes after."""
    module = '''\
from vertice_obs import panels as p

dashboard = p.dashboard("rows", "Rows", description="d", environment_metric="m", panels=[
    p.row("Open", [p.stat("Inside", "m", description="d", unit="")]),
    p.stat("After", "m", description="d", unit=""),
])
'''
    make_project(tmp_path, dashboards={"rows.py": module}, narratives={"n.yaml": NARRATIVE.format(uid="rows")})
    units = [(f["location"]["panel"], f["location"]["panel_id"], f["location"]["line"], f["location"]["column"])
             for f in _build(tmp_path) if f["check"] == "panel/unit"]
    assert units == [("Inside", 3, 4, 20), ("After", 4, 5, 5)]


def test_a_dashboard_in_no_narrative_is_at_its_dashboard_call(tmp_path):
    make_project(tmp_path, dashboards={"lines.py": HAND_WRITTEN},
                 narratives={"n.yaml": NARRATIVE.format(uid="other")})
    (tmp_path / "dashboards" / "other.py").write_text(HAND_WRITTEN.replace('"lines", "Lines"', '"other", "Other"'))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build", "--format", "json"])
    [alone] = [f for f in json.loads(result.stdout)["findings"] if f["check"] == "dashboard/no-narrative"]
    line = HAND_WRITTEN.splitlines().index("dashboard = p.dashboard(") + 1
    assert (alone["location"]["file"], alone["location"]["line"], alone["location"]["column"]) == \
        ("dashboards/lines.py", line, 13), alone
