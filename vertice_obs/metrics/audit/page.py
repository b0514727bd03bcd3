"""The audit as one self-contained HTML page: no external asset, sortable tables. Pure.

Every untrusted string (dashboard and panel titles, queries, server messages) goes through `_e`:
`guard.text.html_text` (controls made visible, the one escape for untrusted text, then markup).
The Content-Security-Policy allows no load at all and only this page's own script (by its hash),
so even a string that escaped escaping could not run or fetch anything. Sorting is a few lines of
inline JavaScript: click a column's header, click again to reverse; numbers sort as numbers.
"""

from __future__ import annotations

import base64
import hashlib

from vertice_obs.finding import Finding, panel_label
from vertice_obs.guard.text import html_text
from vertice_obs.metrics.audit.model import Audit, Impact, Problem, Use, where
from vertice_obs.metrics.audit.text import (
    SCHEMA,
    VERSION,
    action_text,
    excluded_heading,
    impact_text,
    plural,
    present_heading,
)

SORT_JS = """\
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var key = function (row) { var c = row.cells[col]; return c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent; };
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), n = parseFloat(x) - parseFloat(y);
        var d = isNaN(n) ? x.localeCompare(y) : n;
        return up ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""
_STATE, _BAD = {"present": "ok", "not queried": ""}, "bad"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SORT_JS.encode()).digest()).decode()
CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'"

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.2rem; }
td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f4f4f4; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \\25B2"; } th[aria-sort=descending]::after { content: " \\25BC"; }
td.n { text-align: right; } .req { color: #b00020; font-weight: 600; } .muted { color: #777; }
.problem td, td.bad { background: #fbeaea; } td.ok { background: #eaf7ea; } code { font-size: 92%; } details { margin: 1rem 0; }
"""


def _e(text: object) -> str:
    return html_text("" if text is None else text, one_line=True)


def _table(cls: str, headers: list[str], rows: list[str]) -> str:
    head = "".join(f"<th scope=col>{_e(h)}</th>" for h in headers)
    return f"<table class='sortable {cls}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _n(value: int | None) -> str:
    return f"<td class=n data-v='{value if value is not None else ''}'>{'' if value is None else value}</td>"


def _impact_cells(impact: Impact) -> str:
    return _n(impact.panels) + _n(impact.emptied) + _n(impact.dashboards)


def audit_html(audit: Audit) -> str:
    parts = [f"<h1>Metric audit against {_e(audit.source)}</h1>"]
    if audit.problems:
        rows = [f"<tr class=problem><td>{_e(f.severity)}</td><td><code>{_e(f.check)}</code></td>{_placed(f, audit)}</tr>"
                for f in audit.problems]
        parts.append(f"<h2 id=problems>Could not be checked ({len(rows)})</h2>"
                     + _table("problems", ["severity", "check", "where", "what"], rows))
    if audit.actions:
        rows = [f"<tr>{_n(a.rank)}<td>{_e(action_text(a))}</td><td>{_e(a.status)}</td>{_impact_cells(a.impact)}"
                f"<td data-v='{int(a.required)}'>{'<span class=req>required</span>' if a.required else ''}</td></tr>"
                for a in audit.actions]
        parts.append(f"<h2 id=actions>What to do, by impact ({len(rows)})</h2>"
                     + _table("actions", ["rank", "what", "status", "panels", "emptied", "dashboards", "required"], rows))
    if audit.required:
        ok = sum(s == "present" for _, s in audit.required)
        rows = [f"<tr><td><code>{_e(m)}</code></td><td class='{_STATE.get(s, _BAD)}'>{_e(s)}</td></tr>"
                for m, s in audit.required]
        parts.append(f"<h2 id=required>Required metrics: {ok} of {len(rows)} present</h2>"
                     + _table("required", ["metric", "status"], rows))
    if audit.families:
        rows = [f"<tr><td><code>{_e(f.prefix)}*</code></td><td>{_e(f.exporter or '')}</td>{_n(len(f.metrics))}"
                f"{_impact_cells(f.impact)}{_n(f.live)}<td>{_e(f.advice)}</td></tr>" for f in audit.families]
        parts.append("<h2 id=families>Missing metrics by family</h2>" + _table(
            "families", ["family", "likely exporter", "metrics", "panels", "emptied", "dashboards", "live names", "advice"],
            rows))
    if audit.metrics:
        rows = [_use_row(p, audit, u) for p in audit.entries for u in p.uses]  # each use beside its own reason
        parts.append(f"<h2 id=metrics>Where ({plural(len(audit.metrics), 'metric')} not simply present)</h2>" + _table(
            "uses", ["metric", "status", "dashboard", "panel", "query", "file", "reason"], rows))
    if audit.other_findings:
        rows = [f"<tr><td>{_e(f.severity)}</td><td><code>{_e(f.check)}</code></td>{_placed(f, audit)}</tr>"
                for f in audit.other_findings]
        parts.append(f"<h2 id=other>Other findings ({len(rows)})</h2>"
                     + _table("other", ["severity", "check", "where", "what"], rows))
    if audit.excluded:
        parts.append(f"<p id=excluded>{_e(excluded_heading(audit))}</p>")
    items = "".join(f"<li><code>{_e(m)}</code></li>" for m in audit.present)
    parts.append(f"<details id=present><summary>{_e(present_heading(audit))}</summary><ul>{items}</ul></details>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="{SCHEMA} {VERSION}">
<title>Metric audit — {_e(audit.source)}</title>
<style>{_STYLE}</style></head><body>
{chr(10).join(parts)}
<script>{SORT_JS}</script>
</body></html>
"""


def _placed(f: Finding, audit: Audit) -> str:
    """The where and what cells of a finding; a place-less one's where is what it is about (`model.where`)."""
    place, message = where(f, audit.source)
    return f"<td>{_e(place)}</td><td>{_e(message)}</td>"


def _use_row(m: Problem, audit: Audit, u: Use) -> str:
    title = audit.titles.get(u.dashboard)
    dashboard = _e(u.dashboard) + (f" <span class=muted>{_e(title)}</span>" if title and title != u.dashboard else "")
    # a panel reached through the variable this metric fills: its query, and which variable
    target = ", ".join(t for t in (u.target, f"via ${u.via}" if u.via else "") if t)
    panel = (_e(u.panel) if u.panel is not None else _e(panel_label(None, u.panel_id)) if u.via
             else f"<span class=muted>{_e(target)}</span>")
    if u.draws:
        panel += " <span class=muted>(still draws from its other queries)</span>"
    req = " <span class=req>required</span>" if m.required else ""
    where = f"{u.file}:{u.line}" if u.line else u.file
    return (f"<tr><td><code>{_e(m.metric)}</code>{req}</td><td>{_e(u.status)}</td><td>{dashboard}</td>"
            f"<td>{panel}</td><td>{_e(target)} <code>{_e(u.query)}</code></td><td>{_e(where)}</td><td>{_e(m.reason)}"
            f" <span class=muted>({_e(impact_text(m.impact))})</span></td></tr>")
