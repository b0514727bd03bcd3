"""Rendering findings for people (text) and machines (JSON). Pure: returns strings."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Sequence

from .finding import Finding

FORMATS = ("text", "json")


def findings_text(findings: Sequence[Finding]) -> str:
    lines = [str(f) for f in sorted(findings, key=_order)]
    if findings:
        counts = Counter(str(f.severity) for f in findings)
        lines.append(", ".join(f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items())))
    return "\n".join(lines)


def findings_json(findings: Sequence[Finding], **extra: Any) -> str:
    payload = {**extra, "findings": [f.to_dict() for f in sorted(findings, key=_order)]}
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)


def _order(f: Finding):
    loc = f.location
    return (loc.file or "", loc.line or 0, loc.dashboard or "", loc.panel_id or 0, loc.target or "",
            -f.severity, f.check, f.message)
