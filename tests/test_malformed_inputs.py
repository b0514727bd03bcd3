"""Malformed narratives and dashboard modules: each is one error line naming file and line, exit 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sample_project import DASHBOARD_A, DASHBOARD_B, NARRATIVE, make_project

from vertice_obs.cli import cli

OTHER_NARRATIVE = """
id: other
title: Another story
owner: team-other
summary: Shares a dashboard.
folder: Elsewhere
chapters:
  - dashboard: sample-a
    title: Borrowed
    story: Same dashboard, other folder.
"""

# (case id, narrative files, expected "file:line", expected message fragment)
NARRATIVE_CASES = [
    ("unknown-chapter-key", {"sample.yaml": NARRATIVE.replace("    story: Latency", "    stroy: Latency")},
     "narratives/sample.yaml:15", "unknown key 'stroy' in chapters[1] (did you mean 'story'? allowed: dashboard, story, title)"),
    ("unknown-top-key", {"sample.yaml": NARRATIVE.replace("owner: team-sample", "owner: team-sample\ncolour: red")},
     "narratives/sample.yaml:4", "unknown key 'colour'"),
    ("missing-title", {"sample.yaml": NARRATIVE.replace("title: The sample story\n", "")},
     "narratives/sample.yaml:1", "'title' is required"),
    ("chapter-missing-story", {"sample.yaml": NARRATIVE.replace("    story: Latency tells the rest.\n", "")},
     "narratives/sample.yaml:13", "'story' is required in chapters[1]"),
    ("chapters-not-a-list", {"sample.yaml": NARRATIVE.split("chapters:")[0] + "chapters: all of them\n"},
     "narratives/sample.yaml:8", "is not of type 'array' in chapters"),
    ("invalid-yaml", {"sample.yaml": NARRATIVE.replace("tags: [sample]", "tags: [sample")},
     "narratives/sample.yaml:8", "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence started at line 7)"),
    ("duplicate-yaml-key", {"sample.yaml": NARRATIVE.replace("owner: team-sample", "owner: team-sample\nowner: again")},
     "narratives/sample.yaml:4", "duplicate key 'owner'"),
    ("id-not-file-name", {"sample.yaml": NARRATIVE.replace("id: sample", "id: sampel")},
     "narratives/sample.yaml:1", "narrative id 'sampel' must match its file name 'sample'"),
    ("missing-dashboard", {"sample.yaml": NARRATIVE.replace("dashboard: sample-b", "dashboard: sample-c")},
     "narratives/sample.yaml:13", "no dashboard with uid 'sample-c'"),
    ("duplicate-chapter-uid", {"sample.yaml": NARRATIVE.replace("dashboard: sample-b", "dashboard: sample-a")},
     "narratives/sample.yaml:13", "already chapter 1 of this narrative"),
    ("conflicting-folders", {"sample.yaml": NARRATIVE, "zz-other.yaml": OTHER_NARRATIVE.replace("id: other", "id: zz-other")},
     "narratives/zz-other.yaml:7", "a dashboard lives in one folder"),
    ("empty-folder-part", {"sample.yaml": NARRATIVE.replace("folder: Samples/Story", "folder: Samples//Story")},
     "narratives/sample.yaml:6", "must be a folder path"),
    ("bad-uid-characters", {"sample.yaml": NARRATIVE.replace("dashboard: sample-b", "dashboard: sample b!")},
     "narratives/sample.yaml:13", "must be a dashboard uid"),
    ("id-with-capitals", {"Sample.yaml": NARRATIVE.replace("id: sample", "id: Sample")},
     "narratives/Sample.yaml:1", "must be lowercase letters, digits and dashes"),
    ("owner-yaml-reads-as-false", {"sample.yaml": NARRATIVE.replace("owner: team-sample", "owner: no")},
     "narratives/sample.yaml:3", "no (YAML reads it as false) is not of type 'string' in owner"),
    ("unknown-key-yaml-reads-as-true", {"sample.yaml": NARRATIVE.replace("owner: team-sample", "owner: team-sample\non: x")},
     "narratives/sample.yaml:4", "unknown key on (YAML reads it as true) (allowed: chapters, folder"),
    ("not-a-mapping", {"sample.yaml": "- just\n- a list\n"},
     "narratives/sample.yaml:1", "is not of type 'object'"),
]


@pytest.mark.parametrize("case,narratives,where,message", NARRATIVE_CASES, ids=[c[0] for c in NARRATIVE_CASES])
def test_malformed_narrative_is_one_located_line(tmp_path, case, narratives, where, message):
    make_project(tmp_path, narratives=narratives)
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"vobs: error: {where}: "), lines[0]
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "exports").exists(), "an invalid narrative must stop the build before any write"


BROKEN_MODULE = '''
from vertice_obs import panels as p

THRESHOLD = 0.5
dashboard = p.dashboard("sample-b", "B", description="d", environment_metric="m",
                        panels=[p.stat("S", "m", description="d", unit=undefined_unit)])
'''

# (case id, contents of dashboards/b.py, expected "file:line", expected message fragment)
MODULE_CASES = [
    ("syntax-error", "from vertice_obs import panels as p\ndashboard = p.dashboard(\n  'x',,\n)\n",
     "dashboards/b.py:3", "SyntaxError"),
    ("raises-at-import", BROKEN_MODULE, "dashboards/b.py:5", "NameError: name 'undefined_unit' is not defined"),
    ("no-uid", "from grafanalib.core import Dashboard\n\ndashboard = Dashboard(title='no uid')\n",
     "dashboards/b.py:3", "the dashboard has no uid"),
    ("duplicate-uid", DASHBOARD_A, "dashboards/b.py:3", "dashboard uid 'sample-a' is already defined in dashboards/a.py"),
    ("wrong-type", "dashboard = 42\n", "dashboards/b.py:1", "must be a grafanalib Dashboard or a dict, not int"),
    ("not-a-grafana-uid", "from grafanalib.core import Dashboard\n\ndashboard = Dashboard(title='t', uid='latência ü')\n",
     "dashboards/b.py:3", "dashboard uid 'latência ü' is not a Grafana uid"),
    ("uid-too-long", f"dashboard = {{'uid': '{'u' * 41}', 'title': 't'}}\n", "dashboards/b.py:1", "is not a Grafana uid"),
    # a new-user trial: a uid of the wrong kind was "has no uid"; a `def dashboard()` had no line
    ("uid-list", "dashboard = {'uid': ['x'], 'title': 't'}\n", "dashboards/b.py:1",
     "the dashboard's uid must be text (a str), not list ['x']"),
    ("function", "import os\n\n\ndef dashboard():\n    return {'uid': 'x', 'title': 't'}\n",
     "dashboards/b.py:4", "must be a grafanalib Dashboard or a dict, not function: assign the dashboard itself"),
]


@pytest.mark.parametrize("case,module,where,message", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_broken_dashboard_module_is_located_and_others_still_render(tmp_path, case, module, where, message):
    make_project(tmp_path, dashboards={"a.py": DASHBOARD_A, "b.py": module})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    located = [line for line in result.stderr.splitlines() if line.startswith(f"vobs: error: {where}: ")]
    assert len(located) == 1 and message in located[0], result.stderr
    # a new module (the first build): it had no export to keep (trial 20: "its previous export is kept")
    assert located[0].endswith(" (1 module failed to load; it has no previous export to keep)"), located
    # said once: a new-user trial read it twice, as a `module/load` finding and as the error line
    assert result.stderr.count(message) == 1, result.stderr
    assert "Traceback" not in result.output
    # The other dashboard still renders; no manifest is written from an incomplete build.
    assert (tmp_path / "exports" / "sample" / "sample-a.json").is_file()
    assert not (tmp_path / "exports" / "manifest.json").exists()


def test_a_copy_whose_file_sorts_first_is_the_duplicate_and_the_original_export_is_kept(tmp_path):
    """A new-user trial: a second module defining an existing uid, its file sorting first (a_dup.py
    before b.py), won — its dashboard replaced the original's export and the error blamed the
    original. The module the last build rendered the uid from (the manifest's `source`) is the
    original: the copy is the failure, and the export is byte for byte what it was."""
    make_project(tmp_path)
    assert CliRunner().invoke(cli, ["-C", str(tmp_path), "build"]).exit_code == 0
    export = tmp_path / "exports" / "sample" / "sample-b.json"
    before = export.read_bytes()
    (tmp_path / "dashboards" / "a_dup.py").write_text(DASHBOARD_B.replace('"Sample B"', '"Copy"'))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    located = [line for line in result.stderr.splitlines() if line.startswith("vobs: error: dashboards/")]
    assert len(located) == 1 and located[0].startswith("vobs: error: dashboards/a_dup.py:"), result.stderr
    assert "dashboard uid 'sample-b' is already defined in dashboards/b.py" in located[0]
    assert export.read_bytes() == before


def test_a_dashboard_moved_to_a_module_that_sorts_first_renders_from_there(tmp_path):
    """The other side of the rule above: when the recorded module no longer defines the uid (the
    dashboard moved to another file), the module that does is no copy, whatever their order."""
    make_project(tmp_path)
    assert CliRunner().invoke(cli, ["-C", str(tmp_path), "build"]).exit_code == 0
    (tmp_path / "dashboards" / "a_moved.py").write_text(DASHBOARD_B.replace('"Sample B"', '"Moved B"'))
    (tmp_path / "dashboards" / "b.py").write_text("dashboard = {'uid': 'unlisted', 'title': 'Elsewhere'}\n")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "exports" / "sample" / "sample-b.json").read_text())["title"] == "Moved B"
    manifest = json.loads((tmp_path / "exports" / "manifest.json").read_text())
    assert manifest["dashboards"]["sample-b"]["source"] == "dashboards/a_moved.py"


def test_module_without_dashboard_names_its_file(tmp_path):
    make_project(tmp_path, dashboards={"a.py": DASHBOARD_A, "b.py": DASHBOARD_B, "c.py": "x = 1\n"})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2
    assert "vobs: error: dashboards/c.py: defines no module-level `dashboard` (1 module failed" in result.stderr


def test_every_narrative_problem_is_listed_in_one_run(tmp_path):
    """A new-user trial fixed a narrative with four mistakes in four runs, one error each. Each file's
    schema problems, and every file's, are one line each in one run; a misspelt key is said once (not
    again as the key it leaves missing), with the key it probably meant."""
    broken = NARRATIVE.replace("owner: team-sample", "owner: team-sample\ntgas: [x]").replace(
        "    story: Latency", "    stroy: Latency")
    other = NARRATIVE.replace("id: sample", "id: other").replace("folder: Samples/Story", 'folder: "A//B"')
    make_project(tmp_path, narratives={"sample.yaml": broken, "other.yaml": other})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("vobs: error: narratives/") for line in lines), lines
    assert [line.removeprefix("vobs: error: ").split(":")[0] for line in lines] == [
        "narratives/other.yaml", "narratives/sample.yaml", "narratives/sample.yaml"], lines
    assert "unknown key 'tgas' (did you mean 'tags'?" in lines[1]
    assert "unknown key 'stroy' in chapters[1] (did you mean 'story'?" in lines[2]
    assert not (tmp_path / "exports").exists()


def _errors(result) -> list[str]:
    return [line.removeprefix("vobs: error: ") for line in result.stderr.strip().splitlines()]


def test_every_missing_key_is_listed_in_one_run(tmp_path):
    """A new-user trial: `id: x` alone said 'title' is required; fixed, the next run said 'owner',
    then 'summary', then 'chapters' — four runs. The schema check kept one error per line, and
    every missing key of a mapping is at the mapping's line. Now each is its own line, at once."""
    make_project(tmp_path, narratives={"x.yaml": "id: x\n"})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    assert _errors(result) == [f"narratives/x.yaml:1: {key!r} is required"
                               for key in ("title", "owner", "summary", "chapters")]


def test_an_unknown_key_hides_no_missing_key_it_does_not_misspell(tmp_path):
    """A misspelt key is said once, as the key it probably meant; any other missing key is said too
    (the unknown key `colour` spells no missing key; `titel` spells `title`), and so is every unknown key."""
    make_project(tmp_path, narratives={"x.yaml": "id: x\ntitel: T\ncolour: red\nfont: serif\nowner: o\nsummary: s\n"
                                                 "chapters:\n  - {dashbord: sample-a, title: t}\n"})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    errors = _errors(result)
    assert [e.split(": ", 1)[0] for e in errors] == [f"narratives/x.yaml:{n}" for n in (2, 3, 4, 8, 8)], errors
    assert "unknown key 'titel' (did you mean 'title'?" in errors[0] and "unknown key 'colour'" in errors[1]
    assert "unknown key 'font'" in errors[2]
    assert "unknown key 'dashbord' in chapters[0] (did you mean 'dashboard'?" in errors[3]
    assert errors[4].endswith("'story' is required in chapters[0]")
    assert not any("'title' is required" in e or "'dashboard' is required" in e for e in errors), errors


def test_the_rules_beyond_the_schema_are_listed_with_its_problems(tmp_path):
    """The checks the schema cannot say (id against file name, a folder segment, the playlist
    interval, a dashboard twice) stopped at the first, and ran only once the schema passed."""
    narrative = ('id: y\nowner: o\nsummary: s\nfolder: "A/../B"\nplaylist: {interval: 5x}\nchapters:\n'
                 "  - {dashboard: sample-a, title: t, story: s}\n  - {dashboard: sample-a, title: t}\n")
    make_project(tmp_path, narratives={"x.yaml": narrative})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    assert _errors(result) == [
        "narratives/x.yaml:1: 'title' is required",
        "narratives/x.yaml:1: narrative id 'y' must match its file name 'x'",
        "narratives/x.yaml:4: folder 'A/../B': segment '..' is not a folder name ('.' and '..' name other folders)",
        "narratives/x.yaml:5: playlist interval '5x': write a whole number and a unit, s, m or h "
        "(e.g. '30s', '5m', '1h')",
        "narratives/x.yaml:8: 'story' is required in chapters[1]",
        "narratives/x.yaml:8: dashboard 'sample-a' is already chapter 1 of this narrative",
    ]
    assert not (tmp_path / "exports").exists()


def test_every_cross_narrative_problem_is_listed_in_one_run(tmp_path):
    """The checks across narratives (a chapter naming no dashboard, a dashboard two narratives put in
    different folders) stopped at the first: a user fixed three problems in three runs. Each is one
    located line, in narrative and chapter order, in one run."""
    sample = NARRATIVE.replace("dashboard: sample-b", "dashboard: sample-ghost")
    other = OTHER_NARRATIVE + """  - dashboard: sample-b
    title: Also borrowed
    story: And this one.
  - dashboard: sample-nowhere
    title: Lost
    story: Names no dashboard.
"""
    third = OTHER_NARRATIVE.replace("id: other", "id: zz-third").replace("folder: Elsewhere", "folder: Third")
    make_project(tmp_path, narratives={"sample.yaml": sample, "other.yaml": other, "zz-third.yaml": third})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = _errors(result)
    assert [e.split(": ", 1)[0] for e in errors] == [
        "narratives/other.yaml:13", "narratives/sample.yaml:9", "narratives/sample.yaml:13",
        "narratives/zz-third.yaml:7"], errors
    assert "chapter 'Lost': no dashboard with uid 'sample-nowhere'" in errors[0]
    assert ("dashboard 'sample-a' is in narrative 'other' with folder 'Elsewhere' (narratives/other.yaml:7) but "
            "here with folder 'Samples/Story': a dashboard lives in one folder") in errors[1]
    assert "chapter 'The end': no dashboard with uid 'sample-ghost'" in errors[2]
    assert "but here with folder 'Third': a dashboard lives in one folder" in errors[3]
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize("folder", ["General", "MAXIMUS/general", " GENERAL "])
def test_a_folder_titled_general_is_refused_at_build(tmp_path, folder):
    """Trial 16: every Grafana refuses a folder titled General, in any case and trimmed
    (`strings.EqualFold(title, RootFolderName)`: 400 "a folder with that name already exists"), yet
    build passed and publish --dry-run planned it — the publish failed at its first folder."""
    narrative = ('id: x\ntitle: X\nowner: o\nsummary: s\nfolder: "%s"\nchapters:\n'
                 "  - {dashboard: sample-a, title: t, story: s}\n") % folder
    make_project(tmp_path, narratives={"x.yaml": narrative})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2, result.output
    segment = repr(next(s for s in folder.split("/") if s.strip().lower() == "general"))
    assert _errors(result) == [f"narratives/x.yaml:5: folder {folder!r}: segment {segment} is the title Grafana keeps "
                               "for its root folder: every version refuses a folder titled General, in any case (a "
                               "dashboard with no folder is in General)"]
