"""Old Grafana dashboards someone hands over (schemaVersion 14, legacy `rows[].panels`, `graph` and
`singlestat` side by side, `${DS_PROMETHEUS}` inputs): kube-prometheus' 2017–2018 dashboards in
`tests/data/old-schema/` (Apache-2.0, see SOURCES.md), audited and validated as a user runs vobs on
them, offline.

Found auditing them: the audit's panel lists said one entry per query, so a graph and a singlestat
of one title (`'CPU Cores'`, both query A) read as one panel under "2 panels", and one panel with two
queries (`'Active Streams'` A and B) as two; and the datasource advice told the user to add a
variable of the import input's name, which the next run then said to rename (the input wins).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OLD = REPO / "tests" / "data" / "old-schema"


def vobs(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("PROMETHEUS_URL", None)
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def audit_text() -> str:
    result = vobs("audit", "tests/data/old-schema", "--offline")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _block(text: str, metric: str) -> list[str]:
    """The lines of the problem block of `metric` in the text audit (heading to blank line)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{metric} — MISSING"))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


# (metric, its block's heading count, the dashboard's line of panels): each panel once, all its queries
PANEL_LISTS = [
    # a graph (#1) and a singlestat (#2), both titled 'CPU Cores', both query A: was "'CPU Cores' (A)"
    ("kube_node_status_allocatable_cpu_cores", "2 panels in 1 dashboard",
     "Resource Requests: 'CPU Cores' #1 (A), 'CPU Cores' #2 (A)"),
    ("kube_pod_container_resource_requests_cpu_cores", "2 panels in 1 dashboard",
     "Resource Requests: 'CPU Cores' #1 (B), 'CPU Cores' #2 (A)"),
    # one panel, two queries: was "'Active Streams' (A), 'Active Streams' (B), 'RPC Rate' (B)"
    ("grpc_server_handled_total", "2 panels in 1 dashboard", "etcd: 'Active Streams' (A, B), 'RPC Rate' (B)"),
    ("node_memory_Buffers", "2 panels in 1 dashboard", "Nodes: 'Memory usage' #4 (C, E), 'Memory usage' #5 (A)"),
    ("etcd_server_has_leader", "1 panel in 1 dashboard", "etcd: 'Up' (A)"),  # the plain case, as it was
    ("node_boot_time", "1 variable or annotation in 1 dashboard", "Nodes: variable server"),
]


@pytest.mark.parametrize("metric,count,panels", PANEL_LISTS, ids=[c[0] for c in PANEL_LISTS])
def test_audit_lists_each_panel_once_with_all_its_queries(audit_text: str, metric: str, count: str, panels: str):
    block = _block(audit_text, metric)
    assert block[0].endswith(count), block
    assert f"  {panels}" in block, block


def test_markdown_audit_lists_panels_the_same_way():
    """The same words; in Markdown each `#<id>` (a same-title panel, a finding's `panel 'Up' (#28)`)
    has a word joiner after the `#` — invisible, and GitHub does not make it a reference to issue
    28, with a "mentioned this" event on that issue, when the audit is posted as a comment."""
    result = vobs("audit", "tests/data/old-schema", "--offline", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "- `Resource Requests`: 'CPU Cores' #\u20601 (A), 'CPU Cores' #\u20602 (A)\n" in result.stdout
    assert "- `etcd`: 'Active Streams' (A, B), 'RPC Rate' (B)\n" in result.stdout
    assert "→ panel 'Up' (#\u206028): warning:" in result.stdout  # "Other findings"
    prose = re.sub(r"(`+).*?\1", "", result.stdout)  # GitHub links no reference inside a code span
    assert not re.search(r"(?i)(?:#|gh-)[0-9]", prose), re.search(r".{40}(?:#|gh-)[0-9].{10}", prose, re.I)[0]
    text = vobs("audit", "tests/data/old-schema", "--offline").stdout  # text output: as it was
    assert "  Resource Requests: 'CPU Cores' #1 (A), 'CPU Cores' #2 (A)\n" in text and "\u2060" not in text


def _advised(findings: list[dict]) -> list[tuple[str, str, str, bool]]:
    """(json_path, variable, type, drop it from __inputs?) as each datasource finding advises."""
    out = []
    for f in findings:
        add = re.search(r"add a datasource variable named (\S+) of type (\S+?),? ", f["message"])
        assert add, f["message"]  # these dashboards have no datasource variable: the advice adds one
        dropped = f"drop {add[1]} from __inputs" in f["message"]
        out.append((f["details"]["json_path"], add[1], add[2], dropped))
    return out


def _set(model: dict, pointer: str, value: object) -> None:
    *parents, last = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    node = model
    for p in parents:
        node = node[p]
    node[last] = value


@pytest.mark.parametrize("name", ["node-dashboard.json", "etcd-dashboard.json", "resource-requests-dashboard.json"])
def test_following_the_datasource_advice_leaves_no_datasource_finding(tmp_path: Path, name: str):
    """Do what datasource/not-variable says, literally; the next run must not say the opposite (it
    said "add a variable named DS_PROMETHEUS", then "rename the variable $DS_PROMETHEUS")."""
    result = vobs("validate", str(OLD / name), "--offline", "--format", "json")
    findings = [f for f in json.loads(result.stdout)["findings"] if f["check"] == "datasource/not-variable"]
    assert findings, result.stdout
    model = json.loads((OLD / name).read_text())
    added = set()
    for pointer, variable, kind, dropped in _advised(findings):
        _set(model, pointer, f"${{{variable}}}")
        if variable not in added:
            added.add(variable)
            model["templating"]["list"].insert(0, {"name": variable, "type": "datasource", "query": kind,
                                                   "current": {}, "hide": 0, "options": [], "refresh": 1})
        if dropped:
            model["__inputs"] = [i for i in model["__inputs"] if i.get("name") != variable]
    fixed = tmp_path / name
    fixed.write_text(json.dumps(model, indent=2))
    again = vobs("validate", str(fixed), "--offline", "--format", "json")
    left = [f["message"] for f in json.loads(again.stdout)["findings"] if f["check"] == "datasource/not-variable"]
    assert left == []
