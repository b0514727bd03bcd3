"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.

The escaping is GitHub's own, from actions/toolkit `packages/core/src/command.ts`
(https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts, `escapeData` and
`escapeProperty`), which the runner undoes (actions/runner `src/Runner.Common/ActionCommand.cs`):

- the message (data): `%` → `%25`, `\\r` → `%0D`, `\\n` → `%0A`;
- a property value: the same, and `:` → `%3A`, `,` → `%2C`.

So a message with `::`, newlines or `%` stays one command and reads back as written. Other
control characters (ESC, C1, bidi overrides, a lone `\\r`) are first made visible with
`guard.text.escape`: the runner prints annotations into the log, where they would drive a
terminal. Findings without a file are annotations without a place.
"""

from __future__ import annotations

from typing import Callable, Sequence

from vertice_obs.finding import Finding, Severity
from vertice_obs.guard.text import escape
from vertice_obs.output import finding_order

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """command.ts `escapeData`."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """command.ts `escapeProperty`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def title(f: Finding) -> str:
    """The annotation's heading: the check, and where in the dashboard (panel, query) when known."""
    loc = f.location
    where = " → ".join(str(p) for p in (loc.dashboard, loc.panel, loc.target) if p not in (None, ""))
    return f"vobs {f.check}" + (f" ({where})" if where else "")


def annotation(f: Finding, path: str | None) -> str:
    """One workflow command for one finding; `path` is the file relative to the workspace."""
    props: list[tuple[str, str]] = []
    if path:
        props.append(("file", path))
        if f.location.line:
            props.append(("line", str(f.location.line)))
            if f.location.column:
                props.append(("col", str(f.location.column)))
    props.append(("title", title(f)))
    rendered = ",".join(f"{key}={escape_property(escape(value))}" for key, value in props)
    return f"::{COMMAND[f.severity]} {rendered}::{escape_data(escape(f.message))}"


def findings_github(findings: Sequence[Finding], relative: Callable[[str], str] = str) -> str:
    """One annotation per finding, in the order of every other format; `relative` maps a file as
    findings show it to its path from the repository root (what GitHub resolves `file=` against)."""
    return "\n".join(annotation(f, relative(f.location.file) if f.location.file else None)
                     for f in sorted(findings, key=finding_order))
