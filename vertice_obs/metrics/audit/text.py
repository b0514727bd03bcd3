"""The audit as text, Markdown and versioned JSON. Pure: an `Audit` in, a string out.

Text and Markdown are for people. Every string from input (a file name in a finding's location,
a uid, a title, a metric name, advice naming a prefix) goes through the one escape for untrusted
text, `guard.text.escape`, on one line: a newline in a file name cannot split a line and forge
another (the CLI escapes the whole report again, for what is ours). In Markdown, titles are escaped
as text (`guard.markdown.md`) and names and queries go in code spans, so a dashboard title cannot
inject markup. The JSON shape is documented in the README and held by `schemas/output/audit.schema.json`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from vertice_obs.finding import Finding, Severity, panel_label, panel_title
from vertice_obs.guard.markdown import md
from vertice_obs.guard.text import escape, strict_json
from vertice_obs.metrics.audit.model import (
    Action,
    Audit,
    Cause,
    Family,
    Impact,
    MetricAudit,
    Problem,
    Use,
    about,
    where,
)
from vertice_obs.output import OUTPUT_VERSIONS, envelope

SCHEMA, VERSION = "vobs-audit", OUTPUT_VERSIONS["audit"]  # `schema`, `version`: kept for the consumers of 0.1
MARK = {"present": "✅", "not queried": "➖"}


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def places_text(impact: Impact) -> str:
    """"3 panels"; variables and annotations counted apart. Panels another query of still draws told
    apart from those left with No data: "empties 1 panel; 3 more panels lose a query but still draw"."""
    parts = [plural(impact.panels, "panel")] if impact.panels or not impact.others else []
    if impact.drawing:
        emptied = f"empties {plural(impact.emptied, 'panel')}" if impact.emptied else "empties no panel"
        more = " more" if impact.emptied else ""
        parts = [f"{emptied}; {impact.drawing}{more} {'panel loses' if impact.drawing == 1 else 'panels lose'} a "
                 f"query but still {'draws' if impact.drawing == 1 else 'draw'}"]
    if impact.others:
        parts.append(f"{impact.others} variable or annotation" if impact.others == 1
                     else f"{impact.others} variables or annotations")
    return " and ".join(parts)


def impact_text(impact: Impact) -> str:
    """"3 panels in 2 dashboards"; variables and annotations counted apart."""
    return f"{places_text(impact)}{'; in' if impact.drawing else ' in'} {plural(impact.dashboards, 'dashboard')}"


def present_heading(audit: Audit) -> str:
    """The report's last line: present metrics counted — or, with no source, that none was checked."""
    if audit.unchecked is not None:
        return (f"Metric presence not checked (no Prometheus, no catalog): {plural(audit.unchecked, 'metric')} "
                f"queried — give --prometheus-url or --catalog to check them")
    queried = len(audit.present) + len(audit.metrics)
    return f"Present, nothing to fix: {len(audit.present)} of {plural(queried, 'metric')} queried"


def _line(s: object) -> str:
    """Untrusted text on one line: controls, newlines and bidi overrides made visible."""
    return escape(s, one_line=True)


def action_text(action: Action, code=lambda s: s, line=lambda s: s) -> str:
    req = " (required)" if action.required else ""
    if action.kind == "family":
        head = f"{code(action.subject)} — {plural(len(action.metrics), 'metric')} {action.status}, "
    elif len(action.causes) > 1:  # several causes: each named, with its own count
        head = f"{code(action.subject)} {_causes(action.causes, code)} — "
    else:
        one = action.causes[0] if action.causes else None
        named = f": {_cause(one, code)}" if one is not None and one.cause else ""
        quiet = ", failures only: none so far" if action.quiet else ""
        head = f"{code(action.subject)} {action.status}{named}{quiet} — "
    tail = f": {line(action.advice)}" if action.advice else ""
    return f"{head}{impact_text(action.impact)}{req}{tail}"


_CAUSES_SHOWN = 3  # causes named in one action's line; the rest counted


def _cause(cause: Cause, code) -> str:
    """A cause as an action names it: the selector or dropdown, and the variables it empties panels through."""
    via = f" via {', '.join('$' + v for v in cause.via)}" if cause.via else ""
    return f"{code(cause.cause)}{via}"


def _causes(causes: tuple[Cause, ...], code) -> str:
    """`label-missing: x{a="b"} via $v (3 panels), $w lists 'l' (1 variable or annotation); rate-on-gauge
    (1 panel)`: by status, each cause named with its own count (a name-level status, as `rate-on-gauge`,
    has one, unnamed); at most `_CAUSES_SHOWN` named, the rest counted."""
    by_status: dict[str, list[Cause]] = {}
    for cause in causes[:_CAUSES_SHOWN]:  # worst status first (`MetricAudit.causes`)
        by_status.setdefault(cause.status, []).append(cause)
    said = "; ".join(
        f"{status}: {', '.join(f'{_cause(c, code)} ({places_text(c.impact)})' for c in group)}" if group[0].cause
        else f"{status} ({places_text(group[0].impact)})" for status, group in by_status.items())
    return said + (f"; and {len(causes) - _CAUSES_SHOWN} more" if len(causes) > _CAUSES_SHOWN else "")


def family_text(family: Family, code=lambda s: s, line=lambda s: s) -> str:
    """`kube_* — 2 metrics, 3 panels and 1 variable or annotation: advice`: what uses them, as the
    action line counts it (a family only a variable reads is not `0 panels`)."""
    return (f"{code(family.prefix + '*')} — {plural(len(family.metrics), 'metric')}, "
            f"{places_text(family.impact)}: {line(family.advice)}")


def audit_text(audit: Audit, markdown: bool = False) -> str:
    md = markdown
    h1, h2, h3 = ("# ", "## ", "### ") if md else ("", "", "")
    bullet, sub = ("- ", "  - ") if md else ("  ", "    ")
    code = _code if md else _line
    text = _md_text if md else _line
    out = [f"{h1}Metric audit against {_source_md(audit.source) if md else text(audit.source)}"]

    def section(title: str, lines: list[str]) -> None:
        out.extend(["", f"{h2}{title}", *([""] if md else []), *lines])

    if audit.problems:
        section(f"Could not be checked ({len(audit.problems)})", [f"{bullet}{text(_said(f, audit))}" for f in audit.problems])
    if audit.actions:
        section(f"What to do, by impact ({len(audit.actions)})",
                [f"{a.rank}. {action_text(a, code, _line)}" if md else f"{a.rank:>3}. {action_text(a, code, _line)}"
                 for a in audit.actions])
    elif audit.metrics or audit.present:
        section("What to do", [f"{bullet}nothing: every queried metric is there"])
    if audit.required:
        ok = sum(s == "present" for _, s in audit.required)
        section(f"Required metrics: {ok} of {len(audit.required)} present",
                [f"{bullet}{MARK.get(s, '❌')} {code(m)} — {s}" for m, s in audit.required])
    if audit.families:
        lines = []
        for family in audit.families:
            lines.append(f"{bullet}{family_text(family, code, _line)}")
            lines.append(f"{sub}{', '.join(code(m.metric) for m in family.metrics)}")
        section("Missing metrics by family", lines)
    if audit.attention:
        metrics = len({p.metric for p in audit.attention})
        count = plural(metrics, "metric") if metrics == len(audit.attention) else \
            f"{plural(len(audit.attention), 'problem')} in {plural(metrics, 'metric')}"
        out.extend(["", f"{h2}{count} to fix, in the order above"])
        family_action = {m: a for a in audit.actions if a.kind == "family" for m in a.metrics}
        for p in audit.attention:
            out.append("")
            out.extend(_problem_block(p, audit, family_action.get(p.metric), md, h3, bullet, sub))
    if audit.information:
        section("For information (nothing to fix)",
                [f"{bullet}{code(p.metric)} — {p.status}: {text(p.reason)} ({impact_text(p.impact)})"
                 for p in audit.information])
    if audit.other_findings:
        notes: dict[str, int] = {}
        for f in audit.other_findings:
            if f.severity == Severity.INFO:
                notes[f.check] = notes.get(f.check, 0) + 1
        section(f"Other findings ({len(audit.other_findings)})",
                [f"{bullet}{text(_said(f, audit))}" for f in audit.other_findings if f.severity > Severity.INFO]
                + [f"{bullet}{n} × {code(check)} (info, listed in --format json and --format html)"
                   for check, n in sorted(notes.items())])
    if audit.excluded:  # a silenced report must not read like a clean one
        section(excluded_heading(audit), [])
    section(present_heading(audit), [f"{bullet}listed in --format json and --format html"] if audit.present else [])
    return "\n".join(out) + "\n"


def excluded_heading(audit: Audit) -> str:
    return f"Switched off by .vobs-lint.yaml: {plural(audit.excluded, 'finding')}, not in this report"


def _problem_block(p: Problem, audit: Audit, family: Action | None, md: bool, h3: str, bullet: str,
                   sub: str) -> list[str]:
    """One problem of a metric: its reason (unless its family's action already says it, and it is the
    metric's one missing problem: else entries with one heading would read the same), then the
    dashboards and panels that have this problem — and no other's."""
    code = _code if md else _line
    text = _md_text if md else _line
    req = " (required)" if p.required else ""
    lines = [f"{h3}{code(p.metric)} — {p.status.upper()}{req} — {impact_text(p.impact)}"]
    if family is not None and p.status == "missing":
        lines.append(f"{bullet}see {family.rank}. {code(family.subject)} above")
        if sum(q.status == "missing" for q in p.entry.problems) > 1:
            lines.append(f"{bullet}{text(p.reason)}")
    else:
        lines.append(f"{bullet}{text(p.reason)}")
    by_dashboard: dict[str, list[Use]] = {}
    for use in p.uses:
        by_dashboard.setdefault(use.dashboard, []).append(use)
    narrated = any(u.narratives for u in p.uses)
    groups: dict[str, list[str]] = {}
    for uid, uses in sorted(by_dashboard.items()):
        title = audit.titles.get(uid)
        name = f"{code(uid)} ({text(title)})" if title and title != uid else code(uid)
        line = f"{name}: {', '.join(_places(uses, text))}"
        for narrative in (uses[0].narratives or ("",)) if narrated else ("",):
            groups.setdefault(narrative, []).append(line)
    for narrative, dashboard_lines in sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0])):
        if narrated:
            lines.append(f"{bullet}{'narrative ' + text(narrative) if narrative else 'outside any narrative'}:")
            lines.extend(f"{sub}{d}" for d in dashboard_lines)
        else:
            lines.extend(f"{bullet}{d}" for d in dashboard_lines)
    return lines


def _places(uses: list[Use], text) -> list[str]:
    """One dashboard's places of a problem, sorted: each panel once with all its queries (`'Active
    Streams' (A, B)`, not one entry per query), two panels that share a title told apart by id
    (`'CPU Cores' #1 (A)`, `'CPU Cores' #2 (A)`: old dashboards put a graph and a singlestat of one
    title side by side), each variable or annotation by its name."""
    panels: dict[tuple, list[Use]] = {}
    for use in uses:
        panels.setdefault(use.place, []).append(use)
    names = {place: panel_title(us[0].panel) or panel_label(None, us[0].panel_id)  # `''` said nothing
             for place, us in panels.items() if us[0].panel is not None}
    shared = {n for n, times in Counter(names.values()).items() if times > 1}  # counted once: not per panel
    out = set()
    for place, us in panels.items():
        if us[0].panel is None:
            out.add(text(us[0].target or "(dashboard)"))
            continue
        name = names[place]
        if name in shared and us[0].panel_id is not None and not name.startswith("panel #"):
            name = f"{name} #{us[0].panel_id}"
        # a panel reached through the variable this metric fills: its query, and which variable
        targets = sorted({", ".join(t for t in (u.target, f"via ${u.via}" if u.via else "") if t) for u in us} - {""})
        target = ("; " if any(u.via for u in us) else ", ").join(targets)
        draws = " — still draws from its other queries" if any(u.draws for u in us) else ""
        out.add((f"{text(name)} ({text(target)})" if target else text(name)) + draws)
    return sorted(out)


def _code(s: str) -> str:
    """A Markdown code span that no backtick in `s` can close early, on one line (`_line`)."""
    s = _line(s)
    fence = "`" * (max((len(r) for r in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _said(f: Finding, audit: Audit) -> str:
    """`place: severity: message [check]`, a place-less finding placed at what it is about (`model.where`)."""
    place, message = where(f, audit.source)
    return f"{place}: {f.severity}: {message} [{f.check}]"


def _source_md(source: str) -> str:
    """"Prometheus at `URL`": the user's own server's address in a code span — copyable as it is, and
    no autolink (`md` breaks a bare URL's `://` with an invisible word joiner, which a copy keeps)."""
    what, at, url = source.partition(" at ")
    if not at or not re.match(r"(?i)https?://\S+$", url):
        return _md_text(source)
    return f"{_md_text(what)} at {_code(url)}"


def _md_text(s: str) -> str:
    """Text Markdown shows as written, on one line: the one Markdown escape (`guard.markdown.md`:
    a backslash where a character could be markup, no @mention, bare link or issue reference — our
    own `'CPU Cores' #1` and a finding's `(#28)` too —, controls made visible), uncut — readable in
    the raw Markdown too."""
    return md(s, limit=None)


def to_dict(audit: Audit) -> dict[str, Any]:
    """The versioned JSON shape (README, "vobs audit"; `schemas/output/audit.schema.json`)."""
    return {
        **envelope("audit"),
        "schema": SCHEMA,
        "version": VERSION,
        "source": audit.source,
        "offline": audit.offline,
        "problems": [_finding(f) for f in audit.problems],
        "actions": [{"rank": a.rank, "kind": a.kind, "subject": a.subject, "status": a.status,
                     "required": a.required, "metrics": list(a.metrics), **_impact(a.impact), "advice": a.advice,
                     "text": action_text(a), "causes": [{"status": c.status, "cause": c.cause or None, "via": list(c.via),
                                                         **_impact(c.impact)} for c in a.causes]}
                    for a in audit.actions],
        "required": [{"metric": m, "status": s} for m, s in audit.required] if audit.required else None,
        "families": [{"prefix": f.prefix, "exporter": f.exporter, "live_names": f.live, "advice": f.advice,
                      "metrics": [m.metric for m in f.metrics], **_impact(f.impact)} for f in audit.families],
        "metrics": [_metric(m, audit) for m in audit.metrics],
        "present": {"count": len(audit.present), "metrics": audit.present},
        "other_findings": [_finding(f) for f in audit.other_findings],
        "excluded": audit.excluded,
    }


def _finding(f: Finding) -> dict[str, Any]:
    """A finding's JSON, and for one without a place what it is about (`about`: "source", "run")."""
    kind = about(f)
    return f.to_dict() if kind is None else {**f.to_dict(), "about": kind}


def _impact(impact: Impact) -> dict[str, int]:
    return {"panels": impact.panels, "dashboards": impact.dashboards, "variables_or_annotations": impact.others,
            "panels_emptied": impact.emptied, "panels_still_drawing": impact.drawing}


def _metric(m: MetricAudit, audit: Audit) -> dict[str, Any]:
    return {"metric": m.metric, "status": m.status, "required": m.required, "reason": m.reason,
            "last_seen": m.last_seen, "family": m.family, **_impact(m.impact),
            "uses": [{"dashboard": u.dashboard, "dashboard_title": audit.titles.get(u.dashboard),
                      "narratives": list(u.narratives), "panel": u.panel, "panel_id": u.panel_id,
                      "target": u.target, "query": u.query, "file": u.file, "line": u.line, "status": u.status,
                      "reason": u.reason, "via": u.via or None, "panel_still_draws": u.draws}
                     for u in m.uses]}


def audit_json(audit: Audit) -> str:
    return strict_json(to_dict(audit), notes_key="notes") + "\n"
