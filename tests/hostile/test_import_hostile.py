"""Hostile input for `vobs import` (issue 17), one row per case: bad JSON, JSON that is no
dashboard, a uid that walks out of dashboards/, titles that try to become code, nesting too deep,
an existing module without --force, and narrative ids and files that cannot take chapters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hostile.harness import REPO, Case, Sandbox, cases_param, check, write_files

V3 = (REPO / "tests" / "data" / "public" / "swagger-stats dashboard v3.json").read_text()
EVIL = ["x'); __import__('os').system('touch ../outside/pwned') #", '""" + __import__("os").getcwd() + """',
        "line\nbreak", "\x1b[31mred\x1b[0m", "{__import__('os')}", "\\", "Φ 🚀 \u2028 \u202e"]


def _dashboard(**fields) -> str:
    panel = {"type": "timeseries", "title": EVIL[0], "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
             "targets": [{"expr": EVIL[1], "refId": EVIL[2], "legendFormat": EVIL[4]}]}
    return json.dumps({"uid": "evil", "title": EVIL[0], "panels": [panel], **fields})


def importing(files: dict[str, str | bytes], *args: str):
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"dashboards/.keep": "", **files})
        return ["import", *args]
    return setup


def building_after_import(text: str):
    """Import a dashboard full of hostile strings (outside the case), then the case builds it: a string
    spliced into code would run `touch ../outside/pwned` here."""
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"dashboards/.keep": "", "evil.json": text})
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-m", "vertice_obs", "import", "evil.json", "--narrative", "evil"],
                              cwd=box.project, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return ["build"]
    return setup


def _nested(depth: int) -> str:
    return '{"uid": "deep", "panels": [], "junk": ' + "[" * depth + "]" * depth + "}"


CASES = [
    Case("import-bad-json", importing({"bad.json": '{\n  "uid": "x",\n  "panels": [,]\n}'}, "bad.json"), 2,
         where="bad.json:3", message="invalid JSON"),
    Case("import-json-list", importing({"list.json": "[1, 2]"}, "list.json"), 2, where="list.json:1",
         message="is a JSON array, not a Grafana dashboard"),
    Case("import-panels-not-objects", importing({"p.json": '{"title": "x",\n "panels": [\n  null, 3, "s"]}'}, "p.json"),
         2, where="p.json:3:3", message="panels[0] is JSON null, not a panel (an object)", error_lines=3),
    Case("import-panel-a-number", importing({"p.json": '{"title": "x", "panels": [{"type": "text"},\n 3]}'}, "p.json"),
         2, where="p.json:2:2", message="panels[1] is a JSON number, not a panel (an object)"),
    Case("import-panels-an-object", importing({"p.json": '{"title": "x",\n "panels": {"a": 1}}'}, "p.json"), 2,
         where="p.json:2:12", message="`panels` must be a list of panels, not a JSON object"),
    Case("import-row-child-a-string",
         importing({"p.json": '{"title": "x", "panels": [{"type": "row", "panels": [{}, "s"]}]}'}, "p.json"), 2,
         where="p.json:1:", message="panels[0].panels[1] is a JSON string, not a panel"),
    Case("import-legacy-row-an-array", importing({"p.json": '{"title": "x",\n"rows": [[]]}'}, "p.json"), 2,
         where="p.json:2:10", message="rows[0] is a JSON array, not a row (an object)"),
    Case("import-wrapped-panels-not-objects",
         importing({"p.json": '{"meta": {},\n "dashboard": {"title": "x",\n  "panels": [true]}}'}, "p.json"), 2,
         where="p.json:3:14", message="panels[0] is a JSON boolean"),
    # accepted once, then build, list and publish crashed on the module written (a hostile-input probe)
    Case("import-grid-a-string", importing({"p.json": '{"title": "x", "panels": [{"gridPos": "abc"}]}'}, "p.json"), 2,
         where="p.json:1:", message="panels[0].gridPos is a JSON string, not an object"),
    Case("import-grid-huge", importing({"p.json": '{"title": "x", "panels": [{"gridPos": {"h": 1e300}}]}'}, "p.json"),
         2, where="p.json:1:", message="panels[0].gridPos.h is 1e300, not a number of grid units from 0 to 10,000"),  # as written
    Case("import-grid-null", importing({"p.json": '{"title": "x", "panels": [{"type": "row", "panels": '
                                                  '[{"gridPos": {"w": null}}]}]}'}, "p.json"),
         2, where="p.json:1:", message="panels[0].panels[0].gridPos.w is JSON null, not a number"),
    Case("import-targets-a-number", importing({"p.json": '{"title": "x", "panels": [{"targets": 1}]}'}, "p.json"), 2,
         where="p.json:1:", message="panels[0].targets must be a list of targets, not a JSON number"),
    Case("import-tag-a-number", importing({"p.json": '{"title": "x", "tags": [1.5, "a"], "panels": []}'}, "p.json"), 2,
         where="p.json:1:", message="tags[0] is a JSON number, not a string"),
    Case("import-links-a-number", importing({"p.json": '{"title": "x", "links": 0, "panels": []}'}, "p.json"), 2,
         where="p.json:1:", message="links must be a list of links, not a JSON number"),
    Case("import-variables-an-object", importing({"p.json": '{"title": "x", "templating": {"list": {"a": 1}}}'},
                                                 "p.json"), 2, where="p.json:1:",
         message="templating.list must be a list of variables, not a JSON object"),
    Case("import-variable-null", importing({"p.json": '{"title": "x", "templating": {"list": [null]}}'}, "p.json"), 2,
         where="p.json:1:", message="templating.list[0] is JSON null, not a variable (an object)"),
    Case("import-variable-name-a-list", importing({"p.json": '{"title": "x", "templating": {"list": [{"name": ["a"]}]}}'},
                                                  "p.json"), 2, where="p.json:1:",
         message="templating.list[0].name is a JSON array, not a name (a string)"),
    Case("import-json-string", importing({"s.json": '"dashboard"'}, "s.json"), 2, where="s.json:1",
         message="not a Grafana dashboard"),
    Case("import-not-a-dashboard-object", importing({"o.json": '{"name": "x"}'}, "o.json"), 2, where="o.json:1",
         message="is not a Grafana dashboard"),
    Case("import-uid-dot-dot", importing({"evil.json": _dashboard(uid="../../outside/x")}, "evil.json"), 2,
         where="evil.json", message="is not a Grafana uid"),
    Case("import-uid-absolute", importing({"evil.json": _dashboard(uid="/etc/passwd")}, "evil.json"), 2,
         where="evil.json", message="is not a Grafana uid"),
    Case("import-nesting-beyond-the-parser", importing({"deep.json": _nested(100_000)}, "deep.json"), 2,
         where="deep.json", message="nested"),
    Case("import-nesting-beyond-codegen", importing({"deep.json": _nested(300)}, "deep.json"), 2,
         where="deep.json", message="nested more than 100 levels deep"),
    Case("import-not-utf8", importing({"latin.json": b'{"uid": "x", "title": "caf\xe9", "panels": []}'},
                                      "latin.json"), 2, where="latin.json:1:", message="not UTF-8"),
    Case("import-not-utf8-later-line", importing({"l.json": b'{"uid": "x",\n "title": "ok",\n "x": "\xff"}'}, "l.json"),
         2, where="l.json:3:8", message="not UTF-8 text (byte 0xff"),
    Case("import-existing-module-without-force",
         importing({"v3.json": V3, "dashboards/swagger_stats_dashboard_v3.py": "import h\ndashboard = h.dashboard('IcqsUmcGz')\n"},
                   "v3.json"), 2,
         where="v3.json", message="dashboards/swagger_stats_dashboard_v3.py exists already: pass --force"),
    Case("import-same-uid-twice", importing({"a.json": V3, "b.json": V3}, "a.json", "b.json"), 2,
         where="b.json", message="is also in a.json"),
    Case("import-narratives-is-a-file-writes-no-module",
         importing({"v3.json": V3, "narratives": "not a folder"}, "v3.json", "--narrative", "n"), 2,
         where="narratives/n.yaml", message="is a file, not a folder"),
    Case("import-cli-uid-dot-dot", importing({}, "--uid", "../admin"), 2, message="is not a Grafana uid"),
    Case("import-narrative-id-dot-dot", importing({"v3.json": V3}, "v3.json", "--narrative", "../../outside/n"), 2,
         message="a narrative id is lowercase letters"),
    Case("import-narrative-chapters-not-last",
         importing({"v3.json": V3, "narratives/n.yaml": "id: n\nchapters:\n  - dashboard: a\n    title: A\n"
                                                           "    story: S\ntitle: N\nowner: o\nsummary: s\n"},
                   "v3.json", "--narrative", "n"), 2, where="narratives/n.yaml:2", message="must be the last"),
    Case("import-hostile-titles-are-data", importing({"evil.json": _dashboard()}, "evil.json", "--narrative", "e"),
         # the title names the module only as its letters and digits, inside dashboards/
         0, error_line=False, writes=("project/dashboards/x_import_os_system_touch_outside_pwned.py",
                                      "project/narratives/")),
    Case("build-of-imported-hostile-titles-runs-no-code", building_after_import(_dashboard()), 0,
         error_line=False, writes=("project/exports/",)),
]


@cases_param(CASES)
def test_import_hostile(case: Case, tmp_path: Path) -> None:
    out = check(case, tmp_path)
    assert not (tmp_path / "outside" / "pwned").exists() and not (tmp_path / "project" / "pwned").exists()
    if case.exit_code == 2:
        assert not any(k.startswith("project/dashboards/") and k != "project/dashboards/" for k in out.written)
