"""Real public dashboards (issue 11): Grafana dashboards a registry package ships, nobody here wrote.

`tests/data/public/` holds swagger-stats' Prometheus dashboards (npm, MIT; see SOURCES.md). `vobs
validate` runs on them as a user runs it, and its query count and every finding's line:column are
checked against an independent walk of the same JSON (`json_walk`: the standard library's scanner,
no code of vobs). The same files minified must give the same findings on line 1, at their columns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from json_walk import expected_place, line_column, panels_with_paths, value_offsets

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"
FILES = sorted(PUBLIC.glob("*.json"))


def vobs(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("PROMETHEUS_URL", None)  # offline: the repository's catalog, narratives/metrics.yaml
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def count_queries(model: dict) -> int:
    """Prometheus queries, counted by hand: these dashboards use only `${DS_PROMETHEUS}` for their
    panels, variables and annotations, but for Grafana's built-in annotation."""
    panels = sum(1 for _, p in panels_with_paths(model) for t in p.get("targets") or []
                 if isinstance(t.get("expr"), str) and t["expr"].strip())
    variables = sum(1 for v in (model.get("templating") or {}).get("list") or []
                    if v.get("type") == "query" and str(v.get("query") or "").strip())
    annotations = sum(1 for a in (model.get("annotations") or {}).get("list") or [] if a.get("expr"))
    return panels + variables + annotations


def check_every_finding(folder: Path, shown: str) -> dict:
    result = vobs("validate", shown, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    texts = {f"{shown}/{path.name}": path.read_text() for path in sorted(folder.glob("*.json"))}
    assert payload["dashboards"] == len(texts) == 2
    assert payload["queries"] == sum(count_queries(json.loads(t)) for t in texts.values()) == 28
    assert payload["findings"], "the catalog knows none of swagger-stats' metrics: there must be findings"
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
        (tmp_path / path.name).write_text(json.dumps(json.loads(path.read_text()), separators=(",", ":")))
    payload = check_every_finding(tmp_path, str(tmp_path))  # outside the project: shown as given
    assert {f["location"]["line"] for f in payload["findings"]} == {1}
    assert len({f["location"]["column"] for f in payload["findings"]}) >= 20


def test_public_dashboards_in_sarif_are_repository_relative():
    result = vobs("validate", "tests/data/public", "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"tests/data/public/swagger-stats%20API%20Operation%20dashboard.json",
                    "tests/data/public/swagger-stats%20dashboard%20v3.json"}
    assert all(r["locations"][0]["physicalLocation"]["region"]["startColumn"] >= 1 for r in run["results"])
