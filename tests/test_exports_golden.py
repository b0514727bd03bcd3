"""The committed exports/ is exactly what the repository's dashboards and narratives render.

`UPDATE_GOLDEN=1` rewrites exports/ (the same as `vobs build`); review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vertice_obs.build.exports import ExportsDir
from vertice_obs.build.plan import plan_build
from vertice_obs.project import load_project

REPO = Path(__file__).resolve().parent.parent


def test_committed_exports_match_the_code():
    project = load_project(REPO, environ={})
    plan = plan_build(project)
    assert plan.complete, [str(f) for f in plan.failures]
    exports = ExportsDir(project.exports_dir)
    if os.environ.get("UPDATE_GOLDEN"):
        exports.apply(plan.files)
    stale = exports.compare(plan.files)
    assert stale == [], "exports/ is stale: run `vobs build` (or UPDATE_GOLDEN=1) and commit"


def test_repository_dashboards_follow_the_house_style():
    plan = plan_build(load_project(REPO, environ={}))
    assert [str(f) for f in plan.findings] == []
    ids = {n.id for n in plan.narratives}
    assert {"dopamine", "esgt", "skill-learning"} <= ids
    for narrative in plan.narratives:
        assert len(narrative.chapters) >= 2, narrative.id
    for rendered in plan.rendered:
        content = [p for p in rendered.model["panels"][1:] if p["type"] not in ("row", "text")]
        content += [c for p in rendered.model["panels"] if p["type"] == "row" for c in p.get("panels", [])]
        assert len(content) >= 5, f"{rendered.uid} has fewer than 5 panels"
        variables = {v["name"] for v in rendered.model["templating"]["list"]}
        assert {"datasource", "environment"} <= variables


def test_spike_metric_is_queried_by_the_dopamine_narrative():
    """The kick-off's audited metric must be on the dopamine dashboards (issue 3 audits it)."""
    manifest = json.loads((REPO / "exports" / "manifest.json").read_text())
    dopamine = [d for d in manifest["dashboards"].values() if d["narrative"] == "dopamine"]
    texts = [(REPO / "exports" / d["file"]).read_text() for d in dopamine]
    assert sum("maximus_dopamine_spike_events_total" in t for t in texts) >= 1
