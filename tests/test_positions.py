"""Exact positions (issue 11): every query, panel, variable and annotation at its own line:column.

Expected places come from `json_walk` (recursive descent with the standard library's scanner), never
from the code under test. The reader is fuzzed against `json.loads`."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from json.decoder import scanstring
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_walk import expected_place, line_column, value_offsets

from vertice_obs.errors import InputError
from vertice_obs.jsonpos import Positions, read_json
from vertice_obs.jsonpos.positions import pointer
from vertice_obs.metrics.validation import DashboardFile, collect, load_dashboard_files

REPO = Path(__file__).resolve().parent.parent
CATALOG = (REPO / "narratives" / "metrics.yaml").read_text()
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def target(expr: str, ref: str = "A") -> dict:
    return {"refId": ref, "expr": expr}


def panel(pid: int, title: str, *targets: dict, **more) -> dict:
    return {"id": pid, "title": title, "type": "timeseries", "targets": list(targets), **more}


def located(model: dict, text: str, root: tuple = ()) -> list:
    """(finding or query location, the place it must point at) for every query and finding."""
    dashboard = DashboardFile("d.json", model if not root else model["dashboard"], text, pointer(root))
    collected = collect([dashboard])
    offsets = value_offsets(text)
    out = []
    for f in collected.findings:
        path = expected_place(dashboard.model, f.location.to_dict(), f.check, root, dict(f.details).get("json_path"))
        out.append((f.check, (f.location.line, f.location.column), line_column(text, offsets[path])))
    return out, collected


def queries_at(model: dict, text: str) -> dict[str, list[tuple[int, int]]]:
    """expr → the (line, column) of each of its queries, as the inventory located them."""
    from vertice_obs.metrics.inventory import inventory

    queries, _ = inventory(model, "d.json", Positions(text))
    out: dict[str, list] = {}
    for q in queries:
        out.setdefault(q.expr, []).append((q.location.line, q.location.column))
    return out


def where_written(text: str, path: tuple) -> tuple[int, int]:
    return line_column(text, value_offsets(text)[path])


# --- the cases the issue names ----------------------------------------------------------------------

REPEATED = {"uid": "r", "title": "R", "panels": [
    panel(1, "First", target("sum(rate(http_requests_total[5m]))")),
    panel(2, "Second", target("sum(rate(http_requests_total[5m]))")),
]}


def test_the_same_query_in_two_panels_has_two_lines():
    text = json.dumps(REPEATED, indent=2)
    [first, second] = queries_at(REPEATED, text)["sum(rate(http_requests_total[5m]))"]
    assert first == where_written(text, ("panels", 0, "targets", 0, "expr"))
    assert second == where_written(text, ("panels", 1, "targets", 0, "expr"))
    assert first[0] != second[0]


def test_a_query_that_is_part_of_another_has_its_own_line():
    # The longer query comes first in the file: searching for the shorter one's text finds it there.
    model = {"uid": "s", "title": "S", "panels": [panel(1, "Sum", target("sum(rate(x_total[5m]))")),
                                                   panel(2, "Rate", target("rate(x_total[5m])"))]}
    text = json.dumps(model, indent=2)
    at = queries_at(model, text)
    assert at["rate(x_total[5m])"] == [where_written(text, ("panels", 1, "targets", 0, "expr"))]
    assert at["sum(rate(x_total[5m]))"] == [where_written(text, ("panels", 0, "targets", 0, "expr"))]
    assert at["rate(x_total[5m])"][0][0] > at["sum(rate(x_total[5m]))"][0][0]


def test_minified_json_has_one_line_and_a_column_per_query():
    text = json.dumps(REPEATED, separators=(",", ":"))
    [first, second] = queries_at(REPEATED, text)["sum(rate(http_requests_total[5m]))"]
    assert first[0] == second[0] == 1
    assert first == where_written(text, ("panels", 0, "targets", 0, "expr"))
    assert second == where_written(text, ("panels", 1, "targets", 0, "expr"))
    assert text[first[1] - 1:].startswith('"sum(rate(') and text[second[1] - 1:].startswith('"sum(rate(')


EVERY_PART = {
    "uid": "every", "title": "Every part",
    "panels": [
        {"id": 10, "type": "row", "title": "Collapsed", "collapsed": True, "panels": [
            panel(11, "In a collapsed row", target('up{job="a"}'), target("nope", "B") | {"datasource": "loki"}),
        ]},
        panel(12, "Library", libraryPanel={"uid": "lib", "name": "Shared"}),
        panel(13, "Broken", target("rate(x[5m]")),
        panel(14, "Bad type", {"refId": "A", "expr": 5}),
    ],
    "templating": {"list": [
        {"name": "job", "type": "query", "query": "label_values(up, job)"},
        {"name": "inst", "type": "query", "query": {"query": "label_values(up{job=\"$job\"}, instance)"}},
        {"name": "logs", "type": "query", "datasource": {"type": "loki"}, "query": "x"},
    ]},
    "annotations": {"list": [
        {"name": "Deploys", "datasource": "prometheus", "expr": "changes(deploy_total[5m])"},
        {"name": "Old form", "datasource": "prometheus", "target": {"expr": "resets(deploy_total[5m])"}},
        {"name": "Built in", "datasource": "-- Grafana --", "builtIn": 1},
    ]},
}


@pytest.mark.parametrize("layout", ["indented", "minified", "api-shape", "tabs-and-crlf"])
def test_every_finding_points_at_its_own_part(layout):
    model = {"dashboard": EVERY_PART, "meta": {"slug": "x"}} if layout == "api-shape" else EVERY_PART
    text = {"indented": json.dumps(model, indent=2), "minified": json.dumps(model, separators=(",", ":")),
            "api-shape": json.dumps(model, indent=1),
            "tabs-and-crlf": json.dumps(model, indent="\t", separators=(" ,", " : ")).replace("\n", "\r\n")}[layout]
    pairs, collected = located(model, text, ("dashboard",) if layout == "api-shape" else ())
    checks = {check for check, _, _ in pairs}
    assert {"promql/parse", "inventory/datasource-skipped", "inventory/library-panel", "inventory/invalid"} <= checks
    for check, got, want in pairs:
        assert got == want, (check, got, want)
    assert collected.queries == 6  # up, rate(x, two variables, two annotations


def test_each_query_kind_is_located_at_its_text():
    text = json.dumps(EVERY_PART, indent=2)
    at = queries_at(EVERY_PART, text)
    assert at['up{job="a"}'] == [where_written(text, ("panels", 0, "panels", 0, "targets", 0, "expr"))]
    assert at["label_values(up, job)"] == [where_written(text, ("templating", "list", 0, "query"))]
    assert at['label_values(up{job="$job"}, instance)'] == [where_written(text, ("templating", "list", 1, "query",
                                                                                  "query"))]
    assert at["changes(deploy_total[5m])"] == [where_written(text, ("annotations", "list", 0, "expr"))]
    assert at["resets(deploy_total[5m])"] == [where_written(text, ("annotations", "list", 1, "target", "expr"))]


def test_a_part_left_out_of_a_list_does_not_shift_the_others():
    """`[7, {panel}]`: the cleaned model has the panel at index 0; its place is still the file's index 1."""
    model = {"uid": "x", "title": "X", "panels": [7, panel(1, "P", target("up"))]}
    text = json.dumps(model, indent=2)
    assert queries_at(model, text)["up"] == [where_written(text, ("panels", 1, "targets", 0, "expr"))]


def test_findings_render_file_line_column(tmp_path):
    (tmp_path / "narratives").mkdir()
    (tmp_path / "narratives" / "metrics.yaml").write_text(CATALOG)
    (tmp_path / "d.json").write_text(json.dumps(REPEATED, separators=(",", ":")))
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "validate", "d.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if "[metric/missing]" in line]
    columns = sorted(where_written(REPEATED_TEXT_MINI, ("panels", i, "targets", 0, "expr"))[1] for i in (0, 1))
    assert [line.split(" ")[0] for line in lines] == [f"d.json:1:{c}" for c in columns], done.stdout


REPEATED_TEXT_MINI = json.dumps(REPEATED, separators=(",", ":"))


# --- SARIF ------------------------------------------------------------------------------------------

def _sarif(cwd: Path, *paths: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "validate", *paths, "--format", "sarif"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


def _repository_with_project(repo: Path, folder: str) -> Path:
    """A git work tree `repo` whose project is `ops/`, with a catalog and `folder`/r.json."""
    project = repo / "ops"
    (project / "narratives").mkdir(parents=True)
    (project / "narratives" / "metrics.yaml").write_text(CATALOG)
    (project / folder).mkdir()
    (project / folder / "r.json").write_text(json.dumps(REPEATED, indent=2))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return project


def test_sarif_regions_and_repository_relative_uris(tmp_path):
    repo = tmp_path / "my repo"
    project = _repository_with_project(repo, "dash boards")
    log = _sarif(project, "dash boards")
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    text = (project / "dash boards" / "r.json").read_text()
    regions = []
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "ops/dash%20boards/r.json", "uriBaseId": "%SRCROOT%"}
        if result["ruleId"].startswith("metric/"):  # the query findings (lints point at panels too)
            regions.append((physical["region"]["startLine"], physical["region"]["startColumn"]))
    want = {where_written(text, ("panels", i, "targets", 0, "expr")) for i in (0, 1)}
    assert set(regions) == want and len(want) == 2
    assert _sarif(project, "dash boards") == log  # deterministic


def test_sarif_with_c_is_relative_to_the_projects_repository_not_the_current_folder(tmp_path):
    """`vobs -C ../repo/ops validate …` run from elsewhere: the URIs are the project's repository's,
    as code scanning resolves them, not absolute `file:` URIs from the current folder."""
    repo = tmp_path / "repo"
    project = _repository_with_project(repo, "d")
    (tmp_path / "elsewhere").mkdir()
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "-C", str(project), "validate", str(project / "d"),
                           "--format", "sarif"], cwd=tmp_path / "elsewhere", capture_output=True, text=True, timeout=120)
    run = json.loads(done.stdout)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {"ops/d/r.json"}


def test_sarif_outside_a_git_work_tree_is_relative_to_the_current_folder(tmp_path):
    (tmp_path / "narratives").mkdir()
    (tmp_path / "narratives" / "metrics.yaml").write_text(CATALOG)
    (tmp_path / "r.json").write_text(json.dumps(REPEATED))
    if any((parent / ".git").exists() for parent in tmp_path.parents):
        pytest.skip("the temporary folder is inside a git work tree")
    run = _sarif(tmp_path, "r.json")["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {"r.json"}


# --- the reader -------------------------------------------------------------------------------------

FAST = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.text(max_size=6) | st.sampled_from(["a/b", "~", "~1", "", "é", "\"", "\\", "\u2028", "😀", "expr"])
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=30)
LAYOUTS = st.sampled_from([{}, {"indent": 2}, {"indent": 0}, {"indent": "\t"}, {"separators": (",", ":")},
                           {"separators": (" ,\r\n", " :\t")}, {"indent": 1, "ensure_ascii": False}])


def _paths(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@FAST
@given(VALUES, LAYOUTS, st.sampled_from(["", " ", "\n\t ", "\ufeff"]))
def test_reader_agrees_with_json_loads_and_points_at_every_value(value, layout, lead):
    text = lead + json.dumps(value, **layout)
    data, positions = read_json(text, "f.json")
    assert data == json.loads(text.lstrip("\ufeff"))
    decoder = json.JSONDecoder()
    independent = value_offsets(text[1:] if lead == "\ufeff" else text)
    shift = 1 if lead == "\ufeff" else 0
    for path, sub in _paths(data):
        offset = positions.offset(pointer(path))
        assert offset is not None, path
        assert _same(decoder.raw_decode(text, offset)[0], sub), path  # the value's text starts there
        assert offset == independent[path] + shift
        line, column = positions.value(pointer(path))
        assert _offset_of(text, line, column, shift) == offset  # a byte-order mark is not a column
        if path and isinstance(path[-1], str):  # a member's key: at its opening quote
            key_offset = _offset_of(text, *positions.key(pointer(path)), shift)
            assert text[key_offset] == '"' and scanstring(text, key_offset + 1)[0] == path[-1]


@FAST
@given(VALUES, LAYOUTS, st.lists(st.integers(-1, 5) | KEYS | st.sampled_from(["0", "01", "-1", "²"]), max_size=3))
def test_near_path_is_near_of_the_paths_pointer(value, layout, beyond):
    """`near_path` (used for every query's place) answers as `near` does for the pointer of the path,
    for each value's path and for paths past it (a missing key, an index past the end, a key on a list)."""
    _, positions = read_json(json.dumps(value, **layout), "f.json")
    views = [positions, positions.within("/0"), positions.translated({"/x": "/0"})]
    for path, _ in _paths(value):
        for asked in (path, path + tuple(beyond)):
            for view in views:
                assert view.near_path(asked) == view.near(pointer(asked)), asked


def _offset_of(text: str, line: int, column: int, shift: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1 + (shift if line == 1 else 0)


def test_a_repeated_key_is_where_its_kept_value_is():
    text = '{"a": [1, 2], "b": 0, "a": {"c": 3}}'
    data, positions = read_json(text, "f.json")
    assert data == {"a": {"c": 3}, "b": 0}
    assert text[positions.offset("/a"):].startswith('{"c"') and text[positions.offset("/a/c"):].startswith("3")


def test_a_repeated_key_with_a_container_and_a_scalar_is_where_its_kept_value_is():
    for text, kept in (('{"a": {"x": [1]}, "b": 0, "a": 5}', "5"), ('{"a": 5, "b": {}, "a": {"x": 1}}', '{"x"'),
                       ('{"a": {"x": 1}, "a": [2], "a": {"y": 3}}', '{"y"'), ('{"a": [1], "\\u0061": 2}', "2"),
                       ('{"a": [1], "b": "\\"a\\""}', "[1]")):
        _, positions = read_json(text, "f.json")
        assert text[positions.offset("/a"):].startswith(kept), text
        if '"b"' in text:
            assert positions.offset("/b") == text.index('"b"') + 5, text


def test_scalar_members_are_read_only_for_the_objects_asked_about():
    """Most of a dashboard's values are scalar members (`"expr": "…"`, `"w": 12`), and a run asks for
    few of them: the scan makes nodes for containers only, and an object's scalars when one is asked."""
    text = json.dumps({"panels": [{"id": i, "type": "stat", "gridPos": {"x": 0, "y": i, "w": 6, "h": 4},
                                   "targets": [{"refId": "A", "expr": f"up{i}"}]} for i in range(50)]}, indent=2)
    positions = Positions(text)
    made = len(positions._offsets)
    assert made == 1 + 1 + 50 * 4  # the document, panels, and per panel: itself, gridPos, targets, its target
    assert text[positions.offset("/panels/7/targets/0/expr"):].startswith('"up7"')
    assert len(positions._offsets) == made + 2  # its target's refId and expr: no other scalar


def test_escaped_keys_and_pointer_escapes():
    text = '{"a\\/b": {"~x": [true]}, "\\u00e9": "v"}'
    _, positions = read_json(text, "f.json")
    assert text[positions.offset("/a~1b/~0x/0"):].startswith("true")
    assert text[positions.offset("/é"):].startswith('"v"')
    assert positions.key("/é") == (1, text.index('"\\u00e9"') + 1)
    assert positions.value("/nope") is None and positions.near("/a~1b/~0x/7/z") == positions.value("/a~1b/~0x")


def test_deep_nesting_never_recurses():
    deep = "[" * 200_000 + "]" * 200_000
    positions = Positions(deep)  # no RecursionError: one loop and a stack
    assert positions.value("/0" * 199_999) == (1, 200_000)
    with pytest.raises(InputError):  # the value itself is refused, at the file, by the one JSON reader
        read_json(deep, "deep.json")


def test_lone_surrogates_and_constants_keep_their_notes_and_positions():
    text = '{"a": "\\ud800", "b": NaN, "c": [1e999]}'
    notes: list = []
    data, positions = read_json(text, "f.json", notes)
    assert data["a"] == "\ufffd" and math.isnan(data["b"]) and len(notes) == 3
    assert text[positions.offset("/b"):].startswith("NaN") and text[positions.offset("/c/0"):].startswith("1e999")


def test_load_dashboard_files_reads_grafana_api_shape_at_its_place(tmp_path):
    (tmp_path / "api.json").write_text(json.dumps({"meta": {}, "dashboard": REPEATED}, indent=2))
    [dashboard] = load_dashboard_files([tmp_path / "api.json"])
    text = (tmp_path / "api.json").read_text()
    assert dashboard.positions().value("/panels/1/targets/0/expr") == where_written(
        text, ("dashboard", "panels", 1, "targets", 0, "expr"))


def test_findings_are_placed_one_files_positions_at_a_time(tmp_path, monkeypatch):
    """The positions of every file at once held ~30 MB per 1,000 dashboards at the end of a run: a
    file's positions are dropped before the next file's are read."""
    import gc
    import json

    from vertice_obs.checks import finding
    from vertice_obs.finding import Location
    from vertice_obs.jsonpos import Positions
    from vertice_obs.metrics.validation import (
        DashboardFile,
        at_json_paths,
        load_dashboard_files,
    )

    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"uid": name, "panels": [{"id": 1, "title": "P"}]}, indent=2))
    dashboards = load_dashboard_files([tmp_path])
    held, real = [], DashboardFile.positions

    def positions(self):
        gc.collect()
        held.append(sum(isinstance(o, Positions) for o in gc.get_objects()))
        return real(self)

    monkeypatch.setattr(DashboardFile, "positions", positions)
    found = [finding("panel/description", "no description", Location(file=d.file), json_path="/panels/0")
             for d in dashboards]
    placed = at_json_paths(found, dashboards)
    assert [f.location.line for f in placed] == [4, 4, 4]  # the panel object, under "panels": [
    assert held == [0, 1, 1]  # at most the previous file's, until the next replaces it


def test_a_scalar_is_read_back_as_written():
    """`Positions.written`: a value's text as the file has it — what an error quotes (`1e308`, not
    Python's `1e+308`); None for a container or a path to nothing."""
    text = '{"a": [1e308, -0.0E-0, "x\\"y", true],\n "b": {"c": 10000000000000000000000, "a": null}, "a2": 1}'
    positions = Positions(text)
    assert [positions.written(f"/a/{i}") for i in range(4)] == ["1e308", "-0.0E-0", '"x\\"y"', "true"]
    assert (positions.written("/b/c"), positions.written("/b/a"), positions.written("/a2")) == \
        ("10000000000000000000000", "null", "1")
    assert positions.written("/b") is None and positions.written("/a") is None and positions.written("/zz") is None
    assert Positions('{"d": {"h": 1E5}}').within("/d").written("/h") == "1E5"
