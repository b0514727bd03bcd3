"""Real public dashboards (issue 11): Grafana dashboards a registry package ships, nobody here wrote.

`tests/data/public/` holds swagger-stats' Prometheus dashboards (npm, MIT) and, in `ceph/`, the 13
dashboards of Debian's `ceph-grafana-dashboards` (LGPL-2.1; grafonnet-generated, schemaVersion
16/22, `$datasource` variables; see SOURCES.md). `vobs validate` runs on them as a user runs it,
on the folder and on each file alone, and its query count and every finding's line:column are
checked against an independent walk of the same JSON (`json_walk`: the standard library's scanner,
no code of vobs); so is the line of every metric use `vobs audit` reports. The same files minified
must give the same findings on line 1, at their columns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from json_walk import expected_place, line_column, panels_with_paths, value_offsets

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"
FILES = sorted(PUBLIC.rglob("*.json"))
CEPH = sorted((PUBLIC / "ceph").glob("*.json"))


def vobs(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("PROMETHEUS_URL", None)  # offline: the repository's catalog, narratives/metrics.yaml
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def count_queries(model: dict) -> int:
    """Prometheus queries, counted by hand: these dashboards use only Prometheus (`${DS_PROMETHEUS}`,
    Ceph's `$datasource`) for their panels, variables and annotations, but for Grafana's built-in
    annotation; Ceph's `datasource`, `interval` and `custom` variables have no query."""
    panels = sum(1 for _, p in panels_with_paths(model) for t in p.get("targets") or []
                 if isinstance(t.get("expr"), str) and t["expr"].strip())
    variables = sum(1 for v in (model.get("templating") or {}).get("list") or []
                    if v.get("type") == "query" and str(v.get("query") or "").strip())
    annotations = sum(1 for a in (model.get("annotations") or {}).get("list") or [] if a.get("expr"))
    return panels + variables + annotations


def check_every_finding(folder: Path, shown: str, files: int = 15, queries: int = 28 + 224) -> dict:
    """`files` and `queries` by hand: swagger-stats' 2 dashboards and 28 queries, Ceph's 13 and 224."""
    result = vobs("validate", shown, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    paths = [folder] if folder.is_file() else sorted(folder.rglob("*.json"))
    texts = {shown if folder.is_file() else f"{shown}/{path.relative_to(folder).as_posix()}": path.read_text()
             for path in paths}
    assert payload["dashboards"] == len(texts) == files
    assert payload["queries"] == sum(count_queries(json.loads(t)) for t in texts.values()) == queries
    assert payload["findings"], "the catalog knows none of these metrics: there must be findings"
    assert {f["location"]["file"] for f in payload["findings"]} == set(texts)
    for f in payload["findings"]:
        text = texts[f["location"]["file"]]
        path = expected_place(json.loads(text), f["location"], f["check"], (),
                              (f.get("details") or {}).get("json_path"))
        want = line_column(text, value_offsets(text)[path])
        assert (f["location"]["line"], f["location"]["column"]) == want, f
    return payload


def test_public_dashboards_every_finding_at_its_own_line_and_column():
    payload = check_every_finding(PUBLIC, "tests/data/public")
    checks = {f["check"] for f in payload["findings"]}
    assert {"metric/missing", "inventory/datasource-skipped"} <= checks  # queries, and Grafana's annotation
    lines = {(f["location"]["file"], f["location"]["line"]) for f in payload["findings"]
             if f["check"] == "metric/missing"}
    assert len(lines) >= 20  # one line per query that uses a missing metric, not the first match's line


def test_public_dashboards_minified_keep_their_columns(tmp_path):
    for path in FILES:
        (tmp_path / path.relative_to(PUBLIC)).parent.mkdir(exist_ok=True)
        (tmp_path / path.relative_to(PUBLIC)).write_text(json.dumps(json.loads(path.read_text()), separators=(",", ":")))
    payload = check_every_finding(tmp_path, str(tmp_path))  # outside the project: shown as given
    assert {f["location"]["line"] for f in payload["findings"]} == {1}
    assert len({f["location"]["column"] for f in payload["findings"]}) >= 20


def test_public_dashboards_in_sarif_are_repository_relative():
    result = vobs("validate", "tests/data/public", "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"tests/data/public/swagger-stats%20API%20Operation%20dashboard.json",
                    "tests/data/public/swagger-stats%20dashboard%20v3.json",
                    *(f"tests/data/public/ceph/{path.name}" for path in CEPH)}
    assert all(r["locations"][0]["physicalLocation"]["region"]["startColumn"] >= 1 for r in run["results"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PUBLIC).as_posix())
def test_each_public_dashboard_alone_every_finding_at_its_own_line_and_column(path: Path):
    text = path.read_text()
    shown = path.relative_to(REPO).as_posix()
    payload = check_every_finding(path, shown, 1, count_queries(json.loads(text)))
    assert "metric/missing" in {f["check"] for f in payload["findings"]}


def test_ceph_dashboards_counted_by_hand():
    """The independent count is itself pinned: 224 queries in Ceph's 13 dashboards."""
    assert len(CEPH) == 13
    assert sum(count_queries(json.loads(p.read_text())) for p in CEPH) == 224


def test_audit_puts_every_metric_use_at_its_query_line():
    """`vobs audit` on the public folder: each use of each metric at the line of its query's text
    (a panel target's `expr`, a variable's query), by the same independent walk; Ceph's metrics
    as one family over all 13 of its dashboards."""
    result = vobs("audit", "tests/data/public", "--format", "json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    texts = {f"tests/data/public/{p.relative_to(PUBLIC).as_posix()}": p.read_text() for p in FILES}
    uses = [use for metric in payload["metrics"] for use in metric["uses"]]
    assert {use["file"] for use in uses} == set(texts)
    for use in uses:
        text = texts[use["file"]]
        location = {"panel": use["panel"], "panel_id": use["panel_id"], "target": use["target"]}
        path = expected_place(json.loads(text), location, "metric/missing")
        assert use["line"] == line_column(text, value_offsets(text)[path])[0], use
    [ceph] = [f for f in payload["families"] if f["prefix"] == "ceph_"]
    assert ceph["dashboards"] == len(CEPH)


@pytest.mark.parametrize("fmt, head", [("text", ""), ("markdown", "### ")])
def test_audit_entries_of_one_metric_read_apart(fmt, head):
    """A metric of a missing family with several problems (Ceph's `ceph_rgw_metadata`: its panels, and
    two dropdowns whose panels show No data for a reason of their own) has an entry per problem; each
    said only "see 1. ceph_* above", so three entries read the same but for their places. Each entry
    whose heading's metric has another entry says its own reason, after the family's pointer."""
    result = vobs("audit", "tests/data/public", "--format", fmt)
    assert result.returncode == 0, result.stderr
    fix = result.stdout[result.stdout.index("to fix, in the order above"):]
    reasons: dict[str, list[str]] = {}
    for block in fix.split("\n\n")[1:]:
        heading, *lines = block.strip("\n").splitlines() or [""]
        if heading.startswith(head) and " — MISSING — " in heading and lines and "see 1." in lines[0]:
            reasons.setdefault(heading.split(" — ")[0], []).append(lines[1] if len(lines) > 1 else "")
    twice = {metric: said for metric, said in reasons.items() if len(said) > 1}
    assert any("ceph_rgw_metadata" in metric for metric in twice), sorted(reasons)[:5]
    for metric, said in twice.items():
        assert all(line.lstrip("- ").startswith("not in the metric catalog") for line in said), (metric, said)
        assert len(set(said)) == len(said), (metric, said)
