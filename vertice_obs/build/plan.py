"""The build pipeline: narratives + dashboard modules → the exact files `exports/` should hold.

`plan_build` reads the project and renders in memory; it writes nothing. `ExportsDir` (in
`exports.py`) compares that plan with the disk (`--check`) or applies it (`vobs build`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from vertice_obs import checks
from vertice_obs.build.exports import MANIFEST
from vertice_obs.build.modules import (
    DashboardModule,
    ModuleFailure,
    discover,
    load_dashboards,
)
from vertice_obs.build.narrative import Narrative, check_references, load_narratives
from vertice_obs.build.render import (
    RenderedDashboard,
    manifest,
    memberships_by_uid,
    render_dashboard,
    to_json_text,
)
from vertice_obs.build.rules import load_rule_files
from vertice_obs.checks import finding
from vertice_obs.finding import Finding, Location
from vertice_obs.project import Project


@dataclass
class BuildPlan:
    narratives: list[Narrative]
    modules: list[DashboardModule]
    rendered: list[RenderedDashboard]
    failures: list[ModuleFailure]
    findings: list[Finding] = field(default_factory=list)
    rule_files: dict[str, str] = field(default_factory=dict)  # rules/<name>.yaml → Prometheus rule file

    @cached_property
    def files(self) -> dict[str, str]:
        """Relative path under exports/ → file content. The manifest only when the plan is complete:
        a manifest without a failed module's dashboard would tell publishers it was deleted.
        Computed once: the manifest hashes every file, and the CLI reads `files` twice."""
        out = {r.path: r.text for r in self.rendered}
        out.update(self.rule_files)
        if self.complete:
            out[MANIFEST] = to_json_text(manifest(self.rendered, self.narratives, files=dict(out)))
        return out

    @property
    def complete(self) -> bool:
        """False when a module failed: its previous export is kept and the manifest is not rewritten."""
        return not self.failures


def plan_build(project: Project, progress: Callable[[str], None] | None = None) -> BuildPlan:
    """Load and render everything; raise `InputError` for invalid narratives (nothing rendered)."""
    narratives = load_narratives(project.narratives_dir, project.display)
    modules, failures = load_dashboards(discover(project.dashboards_dir), project.display, progress)
    rule_files, rule_failures = load_rule_files(project.root / "rules", project.display)
    failures += rule_failures
    check_references(narratives, [m.uid for m in modules], [f.file for f in failures])

    findings = [finding("module/load", f.message, Location(file=f.file, line=f.line)) for f in failures]
    memberships = memberships_by_uid(narratives)
    rendered = []
    for module in modules:
        where = Location(file=module.file, dashboard=module.uid)
        if module.printed:
            first = module.printed.strip().splitlines()[0] if module.printed.strip() else ""
            findings.append(finding("module/stdout", f"module printed to stdout while loading: {first[:120]!r}", where))
        if module.uid not in memberships:
            findings.append(finding("dashboard/no-narrative",
                                    "dashboard is in no narrative, so it is not rendered: add it as a chapter", where))
            continue
        result = render_dashboard(module.model, memberships[module.uid], module.file)
        rendered.append(result)
        findings.extend(finding("export/non-finite", note, where) for note in result.notes)
        findings.extend(checks.run_dashboard_checks(result.model, module.file))
    return BuildPlan(narratives=narratives, modules=modules, rendered=rendered, failures=failures,
                     findings=findings, rule_files=rule_files)
