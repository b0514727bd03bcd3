"""Hostile FILE inputs (issue 9): narratives, dashboard modules, dashboard JSON, YAML, PromQL,
chaos files and journals — each a row, run as a user runs vobs and held to the harness' four rules.

Where the right answer is a finding (wrong types in dashboard JSON, an unparsable query), the case
says `error_line=False` and `AFTER` checks that the finding is there, located.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from typing import Callable

from sample_project import DASHBOARD_A, NARRATIVE, make_project

from hostile.harness import Case, Outcome, Sandbox, cases_param, check, write_files

EXPORTS = ("project/exports",)
BOMB = "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
               for p, c in zip("abcdefgh", "bcdefghi"))
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + BOMB

CATALOG = """
metrics:
  - name: sample_level
    type: gauge
    unit: ratio
    help: Level.
    owner: team-sample
  - name: sample_events_total
    type: counter
    unit: events
    help: Events.
    owner: team-sample
"""

CHAOS = """
id: day
title: Day
owner: me
scenarios:
  - id: lat
    title: Latency
    fault:
      kind: latency
      hold: 1s
      steps: [100ms]
      inject: {http: {method: POST, url: "${target}/x"}}
      revert: {http: {method: POST, url: "${target}/y"}}
    probes:
      - id: lvl
        title: Level
        query: QUERY
        unit: ratio
        threshold: {op: "<", value: VALUE}
    expectations:
      - {probe: lvl, phase: baseline, holds: true}
"""


# --- dashboard modules -------------------------------------------------------------------------------

def module(source: str, *args: str, rules: bool = False) -> Callable[[Sandbox], list[str]]:
    """The sample project plus `dashboards/bad.py` (or `rules/bad.py`) holding `source`."""
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        write_files(box.project, {("rules/bad.py" if rules else "dashboards/bad.py"): source})
        return list(args) or ["build"]
    return setup


def module_case(id: str, source: str, line: int, message: str | None = None, args: tuple = ("build",),
                rules: bool = False) -> Case:
    where = f"{'rules' if rules else 'dashboards'}/bad.py:{line}"
    return Case(f"module-{id}", module(source, *args, rules=rules), exit_code=2, where=where, message=message,
                writes=EXPORTS)


NAN_PANEL = '''
from vertice_obs import panels as p

dashboard = p.dashboard(
    "nan", "Nan", description="d.", environment_metric="x",
    panels=[p.stat("S", "x", description="d.", unit="s", thresholds=[(None, "green"), (float("nan"), "red")])],
)
'''

MODULE_CASES = [
    module_case("sys-exit-0", "import sys\nsys.exit(0)\n", 2, "sys.exit(0)"),
    module_case("sys-exit-0-check", "import sys\nsys.exit(0)\n", 2, "sys.exit(0)", ("build", "--check")),
    module_case("system-exit-text", "x = 0\nraise SystemExit('bye')\n", 2, "sys.exit('bye')"),
    module_case("system-exit-3", "raise SystemExit(3)\n", 1, "sys.exit(3)"),
    module_case("sys-exit-none", "import sys\n\nsys.exit()\n", 3, "sys.exit(None)"),
    module_case("builtin-exit", "exit(5)\n", 1, "sys.exit(5)"),
    module_case("generator-exit", "x = 1\nraise GeneratorExit\n", 2, "GeneratorExit"),
    module_case("custom-base-exception", "class Boom(BaseException):\n    pass\n\nraise Boom('down')\n", 4,
                "Boom: down"),
    module_case("self-raised-keyboard-interrupt", "raise KeyboardInterrupt\n", 1, "not a Ctrl-C"),
    module_case("infinite-recursion", "def f():\n    return f()\n\n\nf()\n", 2, "RecursionError"),
    module_case("missing-import", "import no_such_module_for_vobs\n", 1, "ModuleNotFoundError"),
    module_case("syntax-error", "dashboard = (\n", 1, "SyntaxError"),
    module_case("zero-division", "x = 0\n\nx = 1 / 0\n", 3, "ZeroDivisionError"),
    module_case("memory-error", "raise MemoryError\n", 1, "MemoryError"),
    module_case("escape-in-message", "raise ValueError('\\x1b]0;owned\\x07\\x1b[2J')\n", 1, "ValueError"),
    module_case("unprintable-exception", "class E(Exception):\n    def __str__(self):\n        raise ValueError\n\n"
                "raise E()\n", 5, "unprintable"),
    module_case("exit-in-converter", "class D:\n    def to_json_data(self):\n        raise SystemExit(0)\n\n\n"
                "dashboard = D()\n", 3, "sys.exit(0)"),
    module_case("nan-threshold", NAN_PANEL, 5, "finite"),
    module_case("number-title", NAN_PANEL.replace('p.stat("S"', "p.stat(42").replace('float("nan")', "1"), 5,
                "TypeError: stat(): title must be text (a str), not int 42"),
    module_case("inf-dict", 'dashboard = {"uid": "inf", "title": "Inf",\n'
                '             "panels": [{"fieldConfig": {"max": float("inf")}}]}\n', 1, "infinity"),
    Case("module-no-dashboard", module("x = 1\n"), exit_code=2, where="dashboards/bad.py",
         message="defines no module-level", writes=EXPORTS),
    module_case("wrong-type", "dashboard = 42\n", 1, "not int"),
    module_case("rules-sys-exit", "import sys\nsys.exit(0)\n", 2, "sys.exit(0)", rules=True),
    module_case("rules-generator-exit", "raise GeneratorExit\n", 1, "GeneratorExit", rules=True),
    Case("module-fd1-json", module("import os\nos.write(1, b'{\"not\": json\\n')\n"
                                   + DASHBOARD_A.replace("sample-a", "sample-x"), "build", "--format", "json"),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("module-buffer-json", module("import sys\nsys.stdout.buffer.write(b'garbage')\n"
                                      + DASHBOARD_A.replace("sample-a", "sample-x"), "build", "--format", "json"),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("module-child-process-json", module("import subprocess\nsubprocess.run(['echo', 'from a child'])\n"
                                             + DASHBOARD_A.replace("sample-a", "sample-x"),
                                             "build", "--format", "json"),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("module-huge-output-json", module("import os\nprint('x' * 5_000_000)\nos.write(1, b'y' * 3_000_000)\n"
                                           + DASHBOARD_A.replace("sample-a", "sample-x"),
                                           "build", "--format", "json"),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("module-chdir", module("import os\nos.chdir('/')\n" + DASHBOARD_A.replace("sample-a", "sample-x")),
         exit_code=0, error_line=False, writes=EXPORTS),
]


# --- narratives and YAML --------------------------------------------------------------------------

def narrative(text: str | bytes, *args: str, extra: dict | None = None) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project, narratives={})
        write_files(box.project, {"narratives/sample.yaml": text, **(extra or {})})
        return list(args) or ["build"]
    return setup


def folder(value: str) -> str:
    return NARRATIVE.replace("folder: Samples/Story", f"folder: {value}")


def line_of(text: str, needle: str) -> int:
    text = textwrap.dedent(text).lstrip()
    return text[:text.index(needle)].count("\n") + 1


FOLDER_LINE = line_of(NARRATIVE, "folder:")
N = textwrap.dedent(NARRATIVE).lstrip()  # as written to disk


def narrative_case(id: str, text: str | bytes, line: int | None, message: str | None = None) -> Case:
    where = f"narratives/sample.yaml:{line}" if line else "narratives/sample.yaml"
    return Case(f"narrative-{id}", narrative(text), exit_code=2, where=where, message=message)


NARRATIVE_CASES = [
    narrative_case("folder-dotdot", folder('".."'), FOLDER_LINE, "'..'"),
    narrative_case("folder-dotdot-inside", folder("A/../B"), FOLDER_LINE, "'..'"),
    narrative_case("folder-dot", folder("A/./B"), FOLDER_LINE, "'.'"),
    narrative_case("folder-empty-segment", folder('"A//B"'), FOLDER_LINE),
    narrative_case("folder-blank-segment", folder('"A/ "'), FOLDER_LINE, "empty segments"),
    narrative_case("folder-escape", folder('"A/\\e[31mred"'), FOLDER_LINE, "control"),
    narrative_case("folder-rtl-override", folder('"A/\\u202Eevil"'), FOLDER_LINE, "control"),
    narrative_case("folder-division-slash", folder('"A\u2215B"'), FOLDER_LINE, "slash"),
    narrative_case("folder-fullwidth-slash", folder('"A\uff0fB"'), FOLDER_LINE, "slash"),
    narrative_case("folder-backslash", folder('"A\\\\..\\\\B"'), FOLDER_LINE, "slash"),
    # 100 × "ド" is 100 characters but 300 bytes: past a file system's 255 per name, it wedged the
    # provisioning folder; and Grafana refuses a 5th level after creating the first four
    narrative_case("folder-too-many-bytes", folder('"Samples/' + "\u30c9" * 100 + '"'), FOLDER_LINE,
                   "segment is 300 bytes in UTF-8 (at most 200"),
    narrative_case("folder-too-deep", folder("A/B/C/D/E"), FOLDER_LINE, "5 levels deep; Grafana nests folders 4 deep"),
    narrative_case("title-dotdot-default-folder",
                   NARRATIVE.replace("folder: Samples/Story\n", "").replace("title: The sample story", 'title: ".."'),
                   line_of(NARRATIVE, "title:"), "give a `folder`"),
    narrative_case("alias-bomb", NARRATIVE + BOMB, None, "alias bomb"),
    narrative_case("not-utf8", N.encode().replace(b"Notice", b"\xff\xfeNotice"),
                   line_of(NARRATIVE, "Notice"), "not UTF-8"),
    narrative_case("latin1", N.replace("A story", "Caf\u00e9 story").encode("latin-1"),
                   line_of(NARRATIVE, "A story"), "not UTF-8"),
    narrative_case("deep-nesting", NARRATIVE + "x: " + "[" * 5000 + "]" * 5000 + "\n",
                   line_of(NARRATIVE, "Latency") + 1, "nested"),
    narrative_case("huge-integer", NARRATIVE.replace("owner: team-sample", "owner: " + "9" * 5000),
                   line_of(NARRATIVE, "owner:"), "cannot be read"),
    narrative_case("impossible-date", NARRATIVE.replace("owner: team-sample", "owner: 2024-13-45"),
                   line_of(NARRATIVE, "owner:"), "cannot be read"),
    narrative_case("empty-int-tag", NARRATIVE.replace("owner: team-sample", "owner: !!int "),
                   line_of(NARRATIVE, "owner:"), "cannot be read"),  # found by tests/test_fuzz_parsers.py
    narrative_case("raw-escape-byte", NARRATIVE.replace("A story", "A \x1b[2J story"),
                   line_of(NARRATIVE, "A story"), "not allowed"),
    narrative_case("merge-key", NARRATIVE + "base: &b {x: 1}\nother:\n  <<: *b\n", None, "merge"),
    narrative_case("chapters-a-string", NARRATIVE[:NARRATIVE.index("chapters:")] + "chapters: lots\n",
                   line_of(NARRATIVE, "chapters:"), None),
    Case("narrative-bom-is-fine", narrative(b"\xef\xbb\xbf" + textwrap.dedent(NARRATIVE).lstrip().encode()),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("narrative-non-ascii-folder-is-fine", narrative(folder("MAXIMUS/\u30c9\u30fc\u30d1\u30df\u30f3")),
         exit_code=0, error_line=False, writes=EXPORTS),
    Case("vobs-yaml-not-utf8", narrative(NARRATIVE, extra={"vobs.yaml": b"exports_dir: \xff\n"}),
         exit_code=2, where="vobs.yaml:1", message="not UTF-8"),
    Case("vobs-yaml-alias-bomb", narrative(NARRATIVE, extra={"vobs.yaml": BOMB}),
         exit_code=2, where="vobs.yaml:", message="alias bomb"),
    Case("catalog-not-utf8", narrative(NARRATIVE, "validate", extra={
        "narratives/metrics.yaml": b"metrics:\n  - name: \xc3\x28\n"}),
         exit_code=2, where="narratives/metrics.yaml:2", message="not UTF-8"),
    Case("catalog-alias-bomb", narrative(NARRATIVE, "validate", extra={"narratives/metrics.yaml": BOMB}),
         exit_code=2, where="narratives/metrics.yaml:", message="alias bomb"),
]


# --- dashboard JSON --------------------------------------------------------------------------------

def dashboard_json(content: str | bytes | dict, *more: str) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        text = json.dumps(content, indent=2) if isinstance(content, dict) else content
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "d/x.json": text})
        return ["validate", "d/x.json", *more]
    return setup


def panel(**fields) -> dict:
    return {"uid": "x", "title": "X", "panels": [{"id": 1, "title": "P", "type": "timeseries", **fields}]}


def invalid_case(id: str, model: dict | str, line: int, json_path: str) -> Case:
    return Case(f"json-{id}", dashboard_json(model, "--format", "json"), exit_code=1, error_line=False,
                where=f"{json_path}@{line}")


JSON_INVALID = [
    invalid_case("expr-number", panel(targets=[{"refId": "A", "expr": 12345}]), 12, "/panels/0/targets/0/expr"),
    invalid_case("panels-object", {"uid": "x", "panels": {"a": {"targets": []}}}, 3, "/panels"),
    invalid_case("targets-null", panel(targets=None), 9, "/panels/0/targets"),
    invalid_case("targets-object", panel(targets={"expr": "up"}), 9, "/panels/0/targets"),
    invalid_case("panel-number", {"uid": "x", "panels": [7]}, 4, "/panels/0"),
    invalid_case("target-string", panel(targets=["up"]), 10, "/panels/0/targets/0"),
    invalid_case("datasource-number", panel(datasource=5, targets=[{"expr": "up"}]), 9, "/panels/0/datasource"),
    invalid_case("row-panels-string", {"uid": "x", "panels": [{"type": "row", "title": "R", "panels": "x"}]}, 7,
                 "/panels/0/panels"),
    invalid_case("rows-string", {"uid": "x", "rows": "nope"}, 3, "/rows"),
    invalid_case("templating-list", {"uid": "x", "panels": [], "templating": ["x"]}, 4, "/templating"),
    invalid_case("variable-query-list", {"uid": "x", "panels": [], "templating": {"list": [
        {"type": "query", "name": "v", "query": ["up"]}]}}, 9, "/templating/list/0/query"),
    invalid_case("annotations-list-string", {"uid": "x", "panels": [], "annotations": {"list": "x"}}, 5,
                 "/annotations/list"),
    invalid_case("api-shape", {"dashboard": {"uid": "x", "panels": {"a": 1}}, "meta": {}}, 4, "/panels"),
    invalid_case("minified", '{"uid":"x","panels":[{"targets":[{"expr":1}]}]}', 1, "/panels/0/targets/0/expr"),
    invalid_case("expr-nan", '{"uid": "x",\n "panels": [{"targets": [{"expr": NaN}]}]}', 2,
                 "/panels/0/targets/0/expr"),
]


def parse_case(id: str, expr: str) -> Case:
    return Case(f"json-promql-{id}", dashboard_json(panel(targets=[{"refId": "A", "expr": expr}]), "--format", "json"),
                exit_code=1, error_line=False, where="promql/parse@12")


JSON_PROMQL = [
    parse_case("10000-parens", "(" * 10_000 + "sample_level" + ")" * 10_000),
    parse_case("1000-parens", "(" * 1_000 + "sample_level" + ")" * 1_000),
    parse_case("1000-sums", "sum(" * 1_000 + "sample_level" + ")" * 1_000),
    parse_case("1000-or", " or ".join(["sample_level"] * 1_000)),
    parse_case("10000-unary-minus", "-" * 10_000 + "sample_level"),
    parse_case("200k-characters", 'sample_level{a="' + "b" * 200_000 + '"}'),
    parse_case("escape-sequences", "sample_level{a=\"\x1b[31m\x07\"} +"),
    parse_case("deep-brackets-in-variable", "[" * 5_000),
    Case("json-promql-escape-text-output", dashboard_json(panel(targets=[{"refId": "A", "expr": "up{a=\"\x1b]0;x\x07\"} +"}])),
         exit_code=1, error_line=False),
]


def json_error_case(id: str, content: str | bytes, where: str, message: str) -> Case:
    """A dashboard file vobs cannot use: one `file/invalid` error finding at its line (and column),
    exit 1 — the run goes on with every other file (see test_offline_validation)."""
    return Case(f"json-file-{id}", dashboard_json(content), exit_code=1, where=where, message=message,
                finding="file/invalid")


JSON_FILES = [
    json_error_case("not-utf8", b'{"uid": "x",\n"title": "\xff\xfe",\n"panels": []}', "d/x.json:2:11", "not UTF-8"),
    json_error_case("latin1", '{"uid": "x", "title": "Caf\u00e9", "panels": []}'.encode("latin-1"), "d/x.json:1",
                    "not UTF-8"),
    json_error_case("invalid", '{"uid": "x",\n"panels": [,]}', "d/x.json:2:12", "invalid JSON"),
    json_error_case("deeply-nested", '{"uid": "x", "panels": ' + "[" * 100_000 + "]" * 100_000 + "}", "d/x.json:1:100023",
                    "nested too deeply to read (100,001 levels deep here)"),
    json_error_case("huge-integer", '{"uid": "x", "version": ' + "9" * 5_000 + ', "panels": []}', "d/x.json",
                    "invalid JSON"),
    Case("json-bom-is-fine", dashboard_json(b"\xef\xbb\xbf" + json.dumps(panel(targets=[{"expr": "sample_level"}]))
                                            .encode()), exit_code=0, error_line=False),
    Case("json-huge-float-is-fine", dashboard_json('{"uid": "x", "version": 1e999, "panels": '
                                                   '[{"targets": [{"expr": "sample_level"}]}]}'),
         exit_code=0, error_line=False),
    Case("json-uid-a-list", dashboard_json({"uid": ["a"], "title": {"t": 1}, "tags": 5, "panels": [
        {"id": "x", "title": ["t"], "targets": [{"refId": 5, "expr": "sample_level"}]}]}),
         exit_code=1, error_line=False),
    # wrongly typed fields the checks compare against sets of names: one crashed the whole run (a trial)
    Case("json-panel-type-a-list", dashboard_json(panel(type=[], targets=[{"expr": "sample_level"}])),
         exit_code=0, error_line=False),
    Case("json-variable-type-an-object", dashboard_json({"uid": "x", "title": "X", "panels": [],
                                                         "templating": {"list": [{"name": "v", "type": {}}]}}),
         exit_code=0, error_line=False),
    Case("json-datasource-query-an-object", dashboard_json({"uid": "x", "title": "X", "panels": [], "templating": {
        "list": [{"name": "ds", "type": "datasource", "query": {"a": 1}}]}}), exit_code=0, error_line=False),
    Case("json-variable-name-a-list", dashboard_json({"uid": "x", "title": "X", "templating": {"list": [
        {"name": ["a"], "type": "query", "query": "up"}]}, "panels": [
        {"id": 1, "type": "stat", "targets": [{"expr": 'sample_level{a="$a"}'}]}]}), exit_code=1, error_line=False),
    Case("json-deep-rows", dashboard_json('{"uid": "x", "panels": ' + '[{"type": "row", "panels": ' * 300
                                          + '[{"targets": [{"expr": "sample_level"}]}]' + "}]" * 300 + "}"),
         exit_code=0, error_line=False),
]


# --- chaos files and journals ------------------------------------------------------------------------

def chaos(text: str | bytes, query: str = "sample_level", value: str = "0.5") -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        body = text if isinstance(text, bytes) else text.replace("QUERY", query).replace("VALUE", value)
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "chaos/day.yaml": body})
        return ["chaos", "check", "chaos/day.yaml"]
    return setup


def chaos_case(id: str, setup: Callable, needle: str, message: str | None, text: str = CHAOS) -> Case:
    return Case(f"chaos-{id}", setup, exit_code=2, where=f"chaos/day.yaml:{line_of(text, needle)}", message=message)


CHAOS_CASES = [
    chaos_case("nan-threshold", chaos(CHAOS, value=".nan"), "threshold:", "finite"),
    chaos_case("inf-threshold", chaos(CHAOS, value="-.inf"), "threshold:", "finite"),
    chaos_case("overflowing-threshold", chaos(CHAOS, value="1.0e+400"), "threshold:", "finite"),
    chaos_case("scenario-id-traversal", chaos(CHAOS.replace("id: lat", 'id: "../../x"')), "id: lat", None),
    chaos_case("run-id-traversal", chaos(CHAOS.replace("id: day", 'id: "../x"')), "id: day", None),
    chaos_case("probe-10000-parens", chaos(CHAOS, query='"' + "(" * 10_000 + "sample_level" + ")" * 10_000 + '"'),
               "query:", "nests brackets"),
    chaos_case("probe-1000-or", chaos(CHAOS, query='"' + " or ".join(["sample_level"] * 1_000) + '"'),
               "query:", "operators"),
    chaos_case("probe-huge-query", chaos(CHAOS, query='"' + "a" * 100_000 + '"'), "query:", "characters"),
    chaos_case("endless-duration", chaos(CHAOS.replace("hold: 1s", "hold: 99999999999999h")), "hold:", "duration"),
    chaos_case("week-long-hold", chaos(CHAOS.replace("hold: 1s", "hold: 9999h")), "hold:", "days"),
    Case("chaos-alias-bomb", chaos(CHAOS + BOMB), exit_code=2, where="chaos/day.yaml:", message="alias bomb"),
    Case("chaos-not-utf8", chaos(textwrap.dedent(CHAOS).lstrip().replace("QUERY", "sample_level")
                                 .replace("VALUE", "1").replace("Latency", "Lat\udcffency")
                                 .encode("utf-8", "surrogateescape")),
         exit_code=2, where=f"chaos/day.yaml:{line_of(CHAOS, 'Latency')}", message="not UTF-8"),
    Case("chaos-valid-is-ready", chaos(CHAOS), exit_code=0, error_line=False),
]


def _journal(scenario_id: str = "lat", probe_id: str = "lvl") -> dict:
    t = ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:10+00:00", "2026-01-01T00:00:20+00:00",
         "2026-01-01T00:00:30+00:00"]
    return {"run": {"id": "day", "title": "Day", "file": "chaos/day.yaml", "owner": "me"}, "status": "completed",
            "started": t[0], "ended": t[3], "settle_seconds": 0,
            "scenarios": [{"id": scenario_id, "title": "Latency", "kind": "latency",
                           "probes": [{"id": probe_id, "title": "Level", "query": "sample_level", "unit": "ratio",
                                       "threshold": {"op": "<", "value": 0.5}}],
                           "expectations": [{"probe": probe_id, "phase": "baseline", "holds": True}],
                           "steps": [{"label": "100ms", "phases": {"baseline": t[0:2], "fault": t[1:3],
                                                                   "recover": t[2:4]},
                                      "probes": {probe_id: {"series": [[1767225600 + 5, 0.1],
                                                                       [1767225600 + 15, 0.9]]}}}]}]}


def journal(content: dict | str | bytes | Callable[[dict], object]) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        if callable(content):
            data = _journal()
            content(data)
            text: str | bytes = json.dumps(data)
        else:
            text = json.dumps(content) if isinstance(content, dict) else content
        write_files(box.project, {"j.json": text})
        return ["chaos", "report", "j.json", "-o", "out"]
    return setup


def journal_case(id: str, content, message: str | None = None, where: str = "j.json") -> Case:
    return Case(f"journal-{id}", journal(content), exit_code=2, where=where, message=message)


def _set(path: tuple, value) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


S0 = ("scenarios", 0)
STEP = S0 + ("steps", 0)
JOURNAL_CASES = [
    journal_case("scenario-id-traversal", _journal("../../../outside/pwned"), "scenarios[0].id"),
    journal_case("probe-id-traversal", _journal(probe_id="../../x"), "scenarios[0].probes[0].id"),
    journal_case("absolute-scenario-id", _journal("/tmp/x"), "scenarios[0].id"),
    journal_case("nan-threshold", _set(S0 + ("probes", 0, "threshold", "value"), float("nan")), "threshold.value"),
    journal_case("inf-series-value", _set(STEP + ("probes", "lvl", "series"), [[1767225605, float("inf")]]),
                 "series[0] value"),
    journal_case("huge-series-value", _set(STEP + ("probes", "lvl", "series"), [[1767225605, 1e300]]),
                 "series[0] value"),
    journal_case("huge-integer", '{"run": {}, "scenarios": [], "x": ' + "9" * 5000 + "}", "invalid JSON"),
    journal_case("scenarios-object", {"run": {}, "scenarios": {"a": 1}}, "scenarios: expected a list"),
    journal_case("run-a-list", {"run": [], "scenarios": []}, "run: expected an object"),
    journal_case("step-a-string", _set(S0 + ("steps",), ["x"]), "steps[0]"),
    journal_case("phase-missing", _set(STEP + ("phases",), {"baseline": ["a", "b"]}), "phases.baseline"),
    journal_case("not-iso-time", _set(STEP + ("phases", "fault"), ["yesterday", "today"]), "phases.fault"),
    journal_case("holds-a-string", _set(S0 + ("expectations", 0, "holds"), "yes"), "holds"),
    journal_case("unknown-op", _set(S0 + ("probes", 0, "threshold", "op"), "~="), "threshold.op"),
    journal_case("series-sample-object", _set(STEP + ("probes", "lvl", "series"), [{"t": 1}]), "series[0]"),
    journal_case("settle-negative", _set(("settle_seconds",), -5), "settle_seconds"),
    journal_case("not-utf8", b'{"run": {},\n"scenarios": [], "t": "\xff"}', "not UTF-8", where="j.json:2"),
    journal_case("deeply-nested", '{"run": {}, "scenarios": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON"),
    journal_case("not-a-journal", '{"hello": 1}', "not a Chaos Day journal"),
    Case("journal-valid-writes-only-its-output", journal(_journal()), exit_code=0, error_line=False,
         writes=("project/out",)),
]

CASES = MODULE_CASES + NARRATIVE_CASES + JSON_INVALID + JSON_PROMQL + JSON_FILES + CHAOS_CASES + JOURNAL_CASES


def _after(case: Case, out: Outcome) -> None:
    """What a case whose answer is output (not an error line) must show."""
    if case.id in {"module-fd1-json", "module-buffer-json", "module-child-process-json", "module-huge-output-json"}:
        payload = json.loads(out.stdout)  # stdout is exactly one JSON document
        assert [f["check"] for f in payload["findings"] if f["check"] == "module/stdout"] == ["module/stdout"]
    if case.id.startswith("json-") and not case.error_line and case.where:
        json_path, line = case.where.split("@")
        payload = json.loads(out.stdout)
        if json_path == "promql/parse":
            [found] = [f for f in payload["findings"] if f["check"] == "promql/parse"]
        else:
            [found] = [f for f in payload["findings"] if f["check"] == "inventory/invalid"]
            assert found["details"]["json_path"] == json_path
        assert found["location"]["file"] == "d/x.json" and found["location"]["line"] == int(line), found


@cases_param(CASES)
def test_hostile_file_input(case: Case, tmp_path: Path) -> None:
    where = case.where if case.error_line or case.finding else None
    out = check(dataclasses.replace(case, where=where), tmp_path)
    _after(case, out)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)


def test_a_real_ctrl_c_while_a_module_loads_still_stops_the_run(tmp_path: Path) -> None:
    """A module that raises KeyboardInterrupt itself is a module/load error (above); a real SIGINT
    while a module runs is the user stopping vobs: "interrupted", exit 130, nothing rendered."""
    import os
    import signal
    import subprocess
    import sys
    import time

    marker = tmp_path / "loading"
    make_project(tmp_path)
    write_files(tmp_path, {"dashboards/slow.py": f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\n"
                                             "time.sleep(60)\n"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_"))}
    proc = subprocess.Popen([sys.executable, "-m", "vertice_obs", "build"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the module never started loading"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "vobs: interrupted" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "exports").exists()
