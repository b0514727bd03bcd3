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

GitHub shows at most 10 error, 10 warning and 10 notice annotations of a step, and 50 of a job
(actions/toolkit `docs/problem-matchers.md`, "Limitations"); the commands past that stay lines of
the log, and nothing on the pull request says they exist. So the annotations come most important
first (`importance`) and, when there are more of a kind than a step shows, one plain line after
them says so (`overflow`).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from vertice_obs.checks.metrics import NAME_ABSENT, NO_DATA
from vertice_obs.finding import Finding, Severity
from vertice_obs.guard.text import escape
from vertice_obs.output import finding_order

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
PER_STEP, PER_JOB = 10, 50  # annotations GitHub shows: of each kind from one step, in all from one job

# Within a severity, what leaves panels empty first: the metric itself absent, then a selector (the rest of
# the audit's "No data", `checks.metrics.NO_DATA`), a variable or a panel that selects nothing; the rest after.
_TIERS = (NAME_ABSENT, NO_DATA - NAME_ABSENT | {"variable/option-no-data", "variable/label-missing",
                                               "variable/undefined", "variable/multi-in-equality", "panel/no-targets"})


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


def importance(f: Finding) -> tuple:
    """The annotations' order, most important first: errors, warnings, notices; within each, a
    missing metric, then another cause of No data, then the rest; then the order of every other
    format (file, line, column, …) — deterministic, so that a re-run shows the same ten."""
    tier = next((i for i, checks in enumerate(_TIERS) if f.check in checks), len(_TIERS))
    return -f.severity, tier, finding_order(f)


def findings_github(findings: Sequence[Finding], relative: Callable[[str], str] = str) -> str:
    """One annotation per finding, most important first (`importance`); `relative` maps a file as
    findings show it to its path from the repository root (what GitHub resolves `file=` against)."""
    return "\n".join(annotation(f, relative(f.location.file) if f.location.file else None)
                     for f in sorted(findings, key=importance))


def _plural(n: int, kind: str) -> str:
    return f"{n} {kind}{'s' if n != 1 else ''}"


def overflow(findings: Sequence[Finding]) -> str | None:
    """One plain line (no workflow command) when GitHub will not show every annotation of
    `findings` — more than `PER_STEP` of a kind —, saying how many were printed, how many only the
    log holds, and where the full list is; None when every one is shown."""
    counts = Counter(COMMAND[f.severity] for f in findings)
    hidden = sum(max(0, n - PER_STEP) for n in counts.values())
    if not hidden:
        return None
    printed = ", ".join(_plural(counts[kind], kind) for kind in ("error", "warning", "notice") if counts[kind])
    return (f"vobs: printed {_plural(len(findings), 'annotation')} ({printed}), most important first; GitHub "
            f"shows {PER_STEP} errors, {PER_STEP} warnings and {PER_STEP} notices of a step ({PER_JOB} annotations "
            f"of a job): at least {hidden} {'is' if hidden == 1 else 'are'} only in this log — every finding: --format json or --format sarif")
