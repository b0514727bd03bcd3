"""Rendering findings for people (text) and machines (JSON). Pure: returns strings.

Findings carry titles, queries and server messages: text output escapes their control characters
(one finding, one line), JSON output escapes the ones `json.dumps` leaves raw (C1, bidi)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from vertice_obs.finding import Finding
from vertice_obs.guard.text import escape, strict_json

FORMATS = ("text", "json")


def findings_text(findings: Sequence[Finding]) -> str:
    lines = [escape(f, one_line=True) for f in sorted(findings, key=_order)]
    if findings:
        counts = Counter(str(f.severity) for f in findings)
        lines.append(", ".join(f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items())))
    return "\n".join(lines)


def findings_json(findings: Sequence[Finding], **extra: Any) -> str:
    payload = {**extra, "findings": [f.to_dict() for f in sorted(findings, key=_order)]}
    return strict_json(payload, notes_key="notes")


def _order(f: Finding):
    loc = f.location
    return (loc.file or "", loc.line or 0, loc.dashboard or "", loc.panel_id or 0, loc.target or "",
            -f.severity, f.check, f.message)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def findings_sarif(findings: Sequence[Finding], tool_version: str) -> str:
    """SARIF 2.1.0, for code-scanning UIs: one rule per check id, one result per finding."""
    from vertice_obs.checks import CHECKS  # the registry documents the rules

    used = sorted({f.check for f in findings})
    rules = [{"id": cid, "shortDescription": {"text": cid},
              "fullDescription": {"text": CHECKS[cid].doc if cid in CHECKS else cid},
              "defaultConfiguration": {"level": _SARIF_LEVEL[str(CHECKS[cid].severity)] if cid in CHECKS else "warning"}}
             for cid in used]
    results = []
    for f in sorted(findings, key=_order):
        loc = f.location
        location: dict[str, Any] = {}
        if loc.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": loc.file}}
            if loc.line:
                physical["region"] = {"startLine": loc.line}
            location["physicalLocation"] = physical
        logical = "/".join(str(p) for p in (loc.dashboard, loc.panel, loc.target) if p not in (None, ""))
        if logical:
            location["logicalLocations"] = [{"fullyQualifiedName": logical}]
        result: dict[str, Any] = {"ruleId": f.check, "level": _SARIF_LEVEL[str(f.severity)],
                                  "message": {"text": f.message}}
        if location:
            result["locations"] = [location]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "vobs", "version": tool_version, "rules": rules}},
                  "results": results}],
    }
    return strict_json(log)
