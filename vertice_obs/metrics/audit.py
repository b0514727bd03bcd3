"""The metric audit: findings regrouped as metric → narratives → dashboards → panels. Pure.

The observability team reads it top-down: first the headline for the catalog's `required`
metrics, then every metric that is not simply present, each with the panels that need it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from vertice_obs.finding import Finding
from vertice_obs.guard.text import strict_json
from vertice_obs.metrics.catalog import MetricCatalog

# Most actionable first: every `metric/…` check has its place (a test holds it).
STATUS_ORDER = ("missing", "disappeared", "recording-rule", "label-missing", "no-matching-series", "unknown",
                "rate-on-gauge", "counter-without-rate", "fallback-only", "intentionally-absent",
                "group-label-missing", "present")


def status_of(f: Finding) -> str:
    return f.check.split("/", 1)[1]


@dataclass
class MetricAudit:
    metric: str
    status: str
    required: bool
    reason: str
    last_seen: str | None = None
    # narrative → dashboard uid → [(panel title, target, file)]
    uses: dict[str, dict[str, list[tuple[str, str, str]]]] = field(default_factory=dict)

    @property
    def panels(self) -> int:
        return sum(len(p) for d in self.uses.values() for p in d.values())


@dataclass
class Audit:
    source: str
    metrics: list[MetricAudit]
    required: list[tuple[str, str]]  # (metric, status) for every catalog-required metric
    other_findings: list[Finding]  # parse errors and the like: not about one metric's existence

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "required": [{"metric": m, "status": s} for m, s in self.required],
            "metrics": [
                {"metric": m.metric, "status": m.status, "required": m.required, "reason": m.reason,
                 "last_seen": m.last_seen,
                 "narratives": {n: {d: [{"panel": p, "target": t, "file": f} for p, t, f in uses]
                                    for d, uses in sorted(ds.items())} for n, ds in sorted(m.uses.items())}}
                for m in self.metrics
            ],
            "other_findings": [f.to_dict() for f in self.other_findings],
        }


def build_audit(findings: Sequence[Finding], narratives_of: Mapping[str, Sequence[str]],
                catalog: MetricCatalog | None, source: str) -> Audit:
    """Group metric findings; `narratives_of` maps a dashboard uid to its narratives."""
    by_metric: dict[str, MetricAudit] = {}
    others = []
    for f in findings:
        if not f.check.startswith("metric/") or f.metric is None:
            others.append(f)
            continue
        status = status_of(f)
        details = dict(f.details)
        entry = by_metric.get(f.metric)
        if entry is None or STATUS_ORDER.index(status) < STATUS_ORDER.index(entry.status):
            # A metric's headline status is its worst use (present in one query, missing in another
            # can only happen for fallbacks: the worst says what needs work).
            fresh = MetricAudit(f.metric, status, bool(details.get("required")), f.message.split(": ", 1)[-1]
                                if status != "present" else "present", details.get("last_seen"))
            if entry is not None:
                fresh.uses = entry.uses
            entry = by_metric[f.metric] = fresh
        loc = f.location
        for narrative in narratives_of.get(loc.dashboard or "", ()) or ("(no narrative)",):
            panel = loc.panel if loc.panel is not None else "(dashboard)"
            entry.uses.setdefault(narrative, {}).setdefault(loc.dashboard or "?", []).append(
                (panel, loc.target or "", loc.file or ""))
    metrics = sorted(by_metric.values(), key=lambda m: (STATUS_ORDER.index(m.status), not m.required, m.metric))
    required = []
    if catalog is not None:
        for spec in catalog.required:
            statuses = [by_metric[s].status for s in spec.series if s in by_metric]
            status = min(statuses, key=STATUS_ORDER.index) if statuses else "not queried"
            required.append((spec.name, status))
    return Audit(source=source, metrics=metrics, required=required, other_findings=others)


def audit_text(audit: Audit, markdown: bool = False) -> str:
    out: list[str] = []
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    bullet = "- " if markdown else "  "
    problems = [m for m in audit.metrics if m.status != "present"]
    out.append(f"{h1}Metric audit against {audit.source}")
    out.append("")
    if audit.required:
        ok = sum(s == "present" for _, s in audit.required)
        out.append(f"{h2}Required metrics: {ok} of {len(audit.required)} present")
        for metric, status in audit.required:
            mark = "✅" if status == "present" else "❌"
            out.append(f"{bullet}{mark} {_code(metric, markdown)} — {status}")
        out.append("")
    present = len(audit.metrics) - len(problems)
    verb = "needs" if len(problems) == 1 else "need"
    out.append(f"{h2}{len(audit.metrics)} metrics queried: {present} present, {len(problems)} {verb} attention")
    for m in problems:
        out.append("")
        req = " (required)" if m.required else ""
        out.append(f"{'### ' if markdown else ''}{_code(m.metric, markdown)} — {m.status.upper()}{req}")
        out.append(f"{bullet}{m.reason}")
        for narrative, dashboards in sorted(m.uses.items()):
            out.append(f"{bullet}narrative {narrative}:")
            for uid, uses in sorted(dashboards.items()):
                panels = ", ".join(sorted({f'{p!r} ({t})' if t else repr(p) for p, t, _ in uses}))
                out.append(f"{'  ' + bullet}{uid}: {panels}")
    if audit.other_findings:
        out.append("")
        out.append(f"{h2}Queries that could not be checked")
        out.extend(f"{bullet}{f}" for f in audit.other_findings)
    return "\n".join(out) + "\n"


def audit_json(audit: Audit) -> str:
    return strict_json(audit.to_dict(), notes_key="notes") + "\n"


def _code(text: str, markdown: bool) -> str:
    return f"`{text}`" if markdown else text
